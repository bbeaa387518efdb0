//! Access, driven by `authz`'s table: every operation of the served document has a row, and
//! every route lets through exactly the roles its row names. The object rules behind the scoped
//! cells are tested per resource; the leaks DESIGN §9 closes are tested in `visibility.rs`.

use awc::http::Method;
use serde_json::{Value, json};
use wijkregie::auth::RoleKind;
use wijkregie::authz::{Access, Callers, OPERATIONS, operations};

use crate::helpers::*;

/// The served documents' operations (the API's and the public pages'): (method, path as
/// called, operation id).
async fn documented_operations(app: &TestApp) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for (document, base) in [
        ("/api/v1/openapi.json", "/api/v1"),
        ("/openapi-public.json", ""),
    ] {
        let doc = app.get(document, "").await.body;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if let Some(id) = operation["operationId"].as_str() {
                    found.push((method.clone(), format!("{base}{path}"), id.to_owned()));
                }
            }
        }
    }
    found
}

#[actix_rt::test]
async fn every_documented_operation_has_a_row_in_the_access_table_and_back() {
    let app = spawn_app().await;
    let documented = documented_operations(&app).await;
    let ids: Vec<&str> = documented.iter().map(|(_, _, id)| id.as_str()).collect();
    let missing: Vec<_> = ids
        .iter()
        .filter(|id| operations::find(id).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "operations without a policy: {missing:?}"
    );
    let undocumented: Vec<_> = OPERATIONS
        .iter()
        .filter(|op| !ids.contains(&op.id))
        .map(|op| op.id)
        .collect();
    assert!(
        undocumented.is_empty(),
        "rows without an operation: {undocumented:?}"
    );
    // A refusal hidden behind the object rules needs an object: a path with an id.
    for (_, path, id) in &documented {
        let row = operations::find(id).unwrap();
        for role in RoleKind::ALL {
            if row.access(role) == Access::DeniedPerObject {
                assert!(
                    path.contains('{'),
                    "{id} hides a refusal but addresses no object"
                );
            }
        }
    }
}

#[actix_rt::test]
async fn every_route_lets_through_exactly_the_roles_its_row_names() {
    let app = spawn_app().await;
    let mut failures = Vec::new();
    for (method, path, id) in documented_operations(&app).await {
        let row = operations::find(&id).unwrap();
        // Placeholder ids: the route guard answers before anything is looked up.
        let url: String = path
            .split('/')
            .map(|part| {
                if part.starts_with('{') {
                    "0190f0a0-0000-7000-8000-000000000001"
                } else {
                    part
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
        for role in every_role() {
            let token = app.token(&role);
            let response = app
                .request(
                    method.clone(),
                    &url,
                    Some(&token),
                    body.as_ref(),
                    &[("If-Match", "\"1\"")],
                )
                .await;
            let refused_by_guard = response.status == 403
                && response.body["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("may not do this; allowed:"));
            let expected = match row.callers {
                Callers::Anyone => false,
                Callers::Roles(_) => !row.access(role.kind()).passes_guard(),
            };
            if refused_by_guard != expected {
                failures.push(format!(
                    "{id} as {}: {} {}",
                    role.kind().as_str(),
                    response.status,
                    response.body.get("detail").unwrap_or(&Value::Null)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "guards that differ from the table:\n{}",
        failures.join("\n")
    );
}

#[actix_rt::test]
async fn the_document_names_for_each_operation_the_roles_and_scopes_of_its_row() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json", "").await.body;
    let operation = &doc["paths"]["/projects/{projectId}"]["patch"];
    assert_eq!(
        operation["security"],
        json!([{ "bearer": ["programmabureau", "stadsdeel", "partner"] }])
    );
    let description = operation["description"].as_str().unwrap();
    assert!(
        description.contains("stadsdeel: its district's projects"),
        "{description}"
    );
    assert!(
        description.contains("partner: its own drafts"),
        "{description}"
    );
    let public = app.get("/openapi-public.json", "").await.body;
    let live = &public["paths"]["/health/live"]["get"];
    assert!(
        live.get("security").is_none_or(|s| s == &json!([])),
        "{live}"
    );
}

#[test]
fn the_documented_matrix_is_the_access_table() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/access.md")).unwrap();
    let start = "<!-- access-matrix:start (generated by `wijkregie access matrix`) -->\n";
    let end = "<!-- access-matrix:end -->";
    let from = readme
        .find(start)
        .expect("docs/access.md has the access matrix markers")
        + start.len();
    let to = readme[from..].find(end).unwrap() + from;
    assert_eq!(
        &readme[from..to],
        operations::markdown_matrix(),
        "docs/access.md's matrix is stale: run `cargo run -- access matrix` and paste it"
    );
}

#[actix_rt::test]
async fn the_route_table_and_the_document_list_the_same_operations() {
    let app = spawn_app().await;
    let mut documented: Vec<(String, String)> = documented_operations(&app)
        .await
        .into_iter()
        .map(|(method, path, _)| (method.to_uppercase(), path))
        .collect();
    let api = wijkregie::routes::API_ROUTES.iter().map(|r| ("/api/v1", r));
    let root = wijkregie::routes::HEALTH_ROUTES
        .iter()
        .chain(wijkregie::routes::PUBLIC_ROUTES)
        .map(|r| ("", r));
    let mut routed: Vec<(String, String)> = api
        .chain(root)
        .flat_map(|(base, (path, methods))| {
            methods
                .iter()
                .map(move |m| (m.to_string(), format!("{base}{path}")))
        })
        .collect();
    documented.sort();
    routed.sort();
    assert_eq!(routed, documented);
    // And the 405 of a resource names exactly its methods.
    let allowed = app
        .request(
            Method::PUT,
            "/api/v1/districts",
            Some(&app.token(&pb())),
            None,
            &[],
        )
        .await;
    assert_eq!(allowed.status, 405);
    assert_eq!(allowed.header("allow").as_deref(), Some("GET, POST"));
}
