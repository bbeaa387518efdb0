//! The committed OpenAPI documents are the ones the server serves, and they document every
//! route: the API's under `/api/v1`, the public pages' at the root, each with one server.

use awc::http::Method;
use serde_json::{Value, json};
use wijkregie::openapi::ServedAt;

use crate::helpers::{spawn_app, spawn_app_with};

fn committed() -> Value {
    committed_file("openapi.json")
}

fn committed_public() -> Value {
    committed_file("public.json")
}

fn committed_text(name: &str) -> String {
    let path = format!("{}/openapi/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("openapi/{name} is committed: {e}"))
}

fn committed_file(name: &str) -> Value {
    serde_json::from_str(&committed_text(name)).expect("the committed document is JSON")
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
    assert!(
        served.body == expected,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
    let generated = wijkregie::openapi::document_json(ServedAt::AnyHost).unwrap();
    assert_eq!(
        generated,
        committed_text("openapi.json"),
        "regenerate with `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[actix_rt::test]
async fn the_committed_public_pages_document_is_what_the_server_serves() {
    let app = spawn_app().await;
    let served = app
        .request(Method::GET, "/openapi-public.json", None, None, &[])
        .await;
    assert_eq!(served.status, 200, "the document needs no token");
    assert!(served.content_type().starts_with("application/json"));
    let mut expected = committed_public();
    expected["servers"] = json!([{"url": "/", "description": "This server"}]);
    assert!(
        served.body == expected,
        "openapi/public.json is stale: run `cargo run -- openapi --pages > openapi/public.json`"
    );
    let generated = wijkregie::openapi::public_document_json(ServedAt::AnyHost).unwrap();
    assert_eq!(
        generated,
        committed_text("public.json"),
        "regenerate with `cargo run -- openapi --pages > openapi/public.json`"
    );
}

#[test]
fn each_document_has_one_server_for_all_its_paths_which_generated_clients_follow() {
    // Client generators ignore servers declared per path: a path that needs another base than
    // the document's would be called at the wrong address.
    for (doc, at_root) in [(committed(), false), (committed_public(), true)] {
        let title = doc["info"]["title"].as_str().unwrap().to_owned();
        assert_eq!(doc["servers"].as_array().unwrap().len(), 1, "{title}");
        for (path, item) in doc["paths"].as_object().unwrap() {
            assert!(
                item.get("servers").is_none(),
                "{title}: {path} names a server"
            );
            let public = wijkregie::openapi::ROOT_PREFIXES
                .iter()
                .any(|p| path.starts_with(p));
            assert_eq!(public, at_root, "{title}: {path}");
        }
    }
    let public = committed_public();
    for path in [
        "/health/live",
        "/health/ready",
        "/track/{trackingCode}",
        "/unsubscribe/{token}",
    ] {
        assert!(public["paths"][path].is_object(), "{path}");
    }
    assert!(
        public["components"]["securitySchemes"].is_null()
            || public["components"]["securitySchemes"] == json!({}),
        "no public page takes a token"
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
    assert_eq!(urls, ["https://wijkregie.denhaag.nl/api/v1"]);
    let generated: Value = serde_json::from_str(
        &wijkregie::openapi::document_json(ServedAt::Public("https://wijkregie.denhaag.nl"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        served.body == generated,
        "`wijkregie openapi --public-url` prints the served document"
    );
    // The health checks, the tracking page and the unsubscribe page, at the root.
    let public = app
        .request(Method::GET, "/openapi-public.json", None, None, &[])
        .await;
    assert_eq!(server_urls(&public.body), ["https://wijkregie.denhaag.nl"]);
    let generated: Value = serde_json::from_str(
        &wijkregie::openapi::public_document_json(ServedAt::Public("https://wijkregie.denhaag.nl"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        public.body == generated,
        "`wijkregie openapi --pages --public-url` prints the served document"
    );
}

#[test]
fn the_committed_document_names_only_https_servers_with_the_host_as_a_variable() {
    // The NL API Design Rules (servers-use-https) hold for the document integrators download.
    for (doc, url) in [
        (committed(), "https://{host}/api/v1"),
        (committed_public(), "https://{host}"),
    ] {
        assert_eq!(server_urls(&doc), [url]);
        assert_eq!(
            doc["servers"][0]["variables"]["host"]["default"],
            wijkregie::openapi::EXAMPLE_HOST
        );
    }
}

#[test]
fn every_operation_documents_its_errors_and_the_version_header() {
    let mut operations = 0;
    for (path, item) in [committed(), committed_public()]
        .iter()
        .flat_map(|doc| doc["paths"].as_object().unwrap())
    {
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
        initializer.text.contains("/api/v1/openapi.json")
            && initializer.text.contains("/openapi-public.json"),
        "the UI loads our documents"
    );
    // No badge from the public validator (a broken image on a closed network).
    assert!(
        initializer.text.contains(r#""validatorUrl": "none""#)
            || initializer.text.contains(r#""validatorUrl":"none""#),
        "{}",
        initializer.text
    );
}
