//! The committed OpenAPI document is the one the server serves, and it documents every route.

use awc::http::Method;
use serde_json::Value;

use crate::helpers::spawn_app;

fn committed() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let text = std::fs::read_to_string(path).expect("openapi/openapi.json is committed");
    serde_json::from_str(&text).expect("openapi/openapi.json is JSON")
}

#[actix_rt::test]
async fn the_committed_document_is_what_the_server_serves() {
    let app = spawn_app().await;
    let served = app
        .request(Method::GET, "/api/v1/openapi.json", None, None, &[])
        .await;
    assert_eq!(served.status, 200, "the document needs no token");
    assert!(served.content_type().starts_with("application/json"));
    assert!(
        served.body == committed(),
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
    let generated = wijkregie::openapi::document_json().unwrap();
    let committed_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    assert_eq!(
        generated, committed_text,
        "regenerate with `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn every_operation_documents_its_errors_and_the_version_header() {
    let doc = committed();
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(!path.ends_with('/'), "{path}");
        for (method, operation) in item.as_object().unwrap() {
            if method == "servers" || method == "parameters" {
                continue;
            }
            operations += 1;
            let id = operation["operationId"].as_str().unwrap();
            assert!(
                operation["description"].is_string() || operation["summary"].is_string(),
                "{id} is described"
            );
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{id} documents 500");
            for (status, response) in responses {
                if status.starts_with('2') {
                    assert!(
                        response["headers"]["API-Version"].is_object(),
                        "{id} {status} documents API-Version"
                    );
                } else if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{id} {status} is a problem"
                    );
                }
            }
            if operation.get("security").is_some() {
                assert!(responses.contains_key("401"), "{id} documents 401");
                let description = operation["description"].as_str().unwrap_or_default();
                assert!(
                    description.contains("Access (– is 403"),
                    "{id} names what each role may do, from the access table"
                );
            }
        }
    }
    assert!(operations >= 19, "{operations} operations");
}

#[actix_rt::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = spawn_app().await;
    let redirect = app.request(Method::GET, "/docs", None, None, &[]).await;
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location").as_deref(), Some("/docs/"));
    let index = app.request(Method::GET, "/docs/", None, None, &[]).await;
    assert_eq!(index.status, 200);
    assert!(index.text.contains("swagger-ui"), "the Swagger UI page");
    let script = app
        .request(Method::GET, "/docs/swagger-ui-bundle.js", None, None, &[])
        .await;
    assert_eq!(
        script.status, 200,
        "the UI's script comes from the binary, not the internet"
    );
    let initializer = app
        .request(Method::GET, "/docs/swagger-initializer.js", None, None, &[])
        .await;
    assert!(
        initializer.text.contains("/api/v1/openapi.json"),
        "the UI loads our document"
    );
    // No badge from the public validator (a broken image on a closed network).
    assert!(
        initializer.text.contains(r#""validatorUrl": "none""#)
            || initializer.text.contains(r#""validatorUrl":"none""#),
        "{}",
        initializer.text
    );
}
