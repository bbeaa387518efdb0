//! The committed OpenAPI document is the one the server serves, and it documents every route.

use awc::http::Method;
use serde_json::{Value, json};
use wijkregie::openapi::ServedAt;

use crate::helpers::{spawn_app, spawn_app_with};

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
    // Without a public URL (development) the servers are relative, for Swagger UI; the rest is
    // the committed document.
    let mut expected = committed();
    expected["servers"] = json!([{"url": "/api/v1", "description": "This server"}]);
    for item in expected["paths"].as_object_mut().unwrap().values_mut() {
        if item.get("servers").is_some() {
            item["servers"] = json!([{"url": "/", "description": "This server"}]);
        }
    }
    assert!(
        served.body == expected,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
    let generated = wijkregie::openapi::document_json(ServedAt::AnyHost).unwrap();
    let committed_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap();
    assert_eq!(
        generated, committed_text,
        "regenerate with `cargo run -- openapi > openapi/openapi.json`"
    );
}

/// Every `servers` entry of a document: the top level's and the paths'.
fn server_urls(doc: &Value) -> Vec<String> {
    let top = doc["servers"].as_array().unwrap().iter();
    let paths = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|item| item["servers"].as_array())
        .flatten();
    top.chain(paths)
        .map(|server| server["url"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_rt::test]
async fn with_a_public_url_the_served_document_names_its_https_servers() {
    let app = spawn_app_with(|settings| {
        settings.webhooks.public_url = Some("https://wijkregie.denhaag.nl".to_owned());
    })
    .await;
    let served = app
        .request(Method::GET, "/api/v1/openapi.json", None, None, &[])
        .await;
    assert_eq!(served.status, 200);
    let urls = server_urls(&served.body);
    assert_eq!(urls[0], "https://wijkregie.denhaag.nl/api/v1");
    // The health checks, the tracking page and the unsubscribe page, at the root.
    let root: Vec<&String> = urls[1..].iter().collect();
    assert!(root.len() >= 4, "{urls:?}");
    assert!(
        root.iter()
            .all(|url| *url == "https://wijkregie.denhaag.nl"),
        "{urls:?}"
    );
    let generated: Value = serde_json::from_str(
        &wijkregie::openapi::document_json(ServedAt::Public("https://wijkregie.denhaag.nl"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        served.body == generated,
        "`wijkregie openapi --public-url` prints the served document"
    );
}

#[test]
fn the_committed_document_names_only_https_servers_with_the_host_as_a_variable() {
    // The NL API Design Rules (servers-use-https) hold for the document integrators download.
    let doc = committed();
    let urls = server_urls(&doc);
    assert_eq!(urls[0], "https://{host}/api/v1");
    assert!(
        urls.iter().all(|url| url.starts_with("https://{host}")),
        "{urls:?}"
    );
    assert_eq!(
        doc["servers"][0]["variables"]["host"]["default"],
        wijkregie::openapi::EXAMPLE_HOST
    );
}

#[test]
fn every_operation_documents_its_errors_and_the_version_header() {
    let doc = committed();
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
