//! Access, driven by `authz`'s table: every operation of the served document has a row, and
//! every route lets through exactly the roles its row names. The object rules behind the scoped
//! cells are tested per resource; the leaks DESIGN §9 closes are tested in `visibility.rs`.
//! The one rule for a "never" (docs/access.md: 404 for an object the caller cannot read, 403 for
//! one it can) is held here for every row.

use awc::http::Method;
use serde_json::{Value, json};
use wijkregie::auth::RoleKind;
use wijkregie::authz::{Access, Callers, OPERATIONS, operations};

use crate::helpers::*;

/// The operation that reads the object an operation at `path` addresses: the `GET` of the
/// longest prefix of `path` that ends in an id and can be read; `None` when it addresses none.
fn reading_of<'a>(documented: &'a [(String, String, String)], path: &str) -> Option<&'a str> {
    let segments: Vec<&str> = path.split('/').collect();
    (1..=segments.len())
        .rev()
        .filter(|&end| segments[end - 1].starts_with('{'))
        .find_map(|end| {
            let prefix = segments[..end].join("/");
            documented
                .iter()
                .find(|(method, path, _)| method == "get" && *path == prefix)
                .map(|(_, _, id)| id.as_str())
        })
}

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

#[actix_rt::test]
async fn a_never_is_left_to_the_guard_exactly_where_the_role_reads_every_object_addressed() {
    let app = spawn_app().await;
    let documented = documented_operations(&app).await;
    let mut failures = Vec::new();
    for (_, path, id) in &documented {
        let row = operations::find(id).unwrap();
        let reading = reading_of(&documented, path).and_then(operations::find);
        for role in RoleKind::ALL {
            let reads_every_one = reading.is_none_or(|read| read.access(role) == Access::Yes);
            match (row.access(role), reads_every_one) {
                (Access::Denied, false) => failures.push(format!(
                    "{id} as {}: Denied, but it cannot read every object addressed (so an \
                     unreadable one would be a 403): make it DeniedPerObject",
                    role.as_str()
                )),
                (Access::DeniedPerObject, true) => failures.push(format!(
                    "{id} as {}: DeniedPerObject, but there is nothing it cannot read (an \
                     unknown id would be a 404, not the guard's 403): make it Denied",
                    role.as_str()
                )),
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[actix_rt::test]
async fn a_never_is_a_404_for_what_the_caller_cannot_read_and_a_403_for_what_it_can() {
    let app = spawn_app().await;
    let bureau = app.token(&pb());
    let mut projects = Vec::new();
    for submitted in [false, true] {
        let created = app
            .post(
                "/api/v1/projects",
                &bureau,
                &json!({"title": "Buurtproject", "neighbourhoodIds": ["moerwijk"]}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let id = created.body["id"].as_str().unwrap().to_owned();
        if submitted {
            assert_eq!(transition(&app, &pb(), &id, "submitted").await.status, 200);
        }
        projects.push(id);
    }
    let (draft, submitted) = (projects[0].as_str(), projects[1].as_str());
    let unknown = "0190f0a0-0000-7000-8000-00000000beef";
    let effects: Vec<Value> = [
        "social_cohesion",
        "positive_image",
        "access_to_services",
        "safety",
        "employment",
        "ownership",
    ]
    .iter()
    .map(|e| json!({"effect": e, "score": 2, "motivation": "Onderbouwing"}))
    .collect();
    let body = json!({"kind": "programme", "effects": effects,
                      "sustainability": {"score": 2, "motivation": "Borging"},
                      "advice": "positive", "explanation": "Toelichting"});
    // Centrum's stadsdeel and a partner never assess; escamp's draft is not theirs to read,
    // its submitted project is centrum's. Administration reads every project: its guard says 403.
    let cases = [
        (stadsdeel("centrum"), draft, 404),
        (stadsdeel("centrum"), unknown, 404),
        (stadsdeel("centrum"), submitted, 403),
        (partner("0190f0a0-0000-7000-8000-000000000001"), draft, 404),
        (
            partner("0190f0a0-0000-7000-8000-000000000001"),
            unknown,
            404,
        ),
        (wijkregie::auth::Role::Admin, draft, 403),
        (wijkregie::auth::Role::Admin, unknown, 403),
    ];
    for (role, project, status) in cases {
        let answer = app
            .post(
                &format!("/api/v1/projects/{project}/assessments"),
                &app.token(&role),
                &body,
            )
            .await;
        assert_eq!(
            answer.status,
            status,
            "{} on {project}: {}",
            role.kind().as_str(),
            answer.text
        );
    }
}
