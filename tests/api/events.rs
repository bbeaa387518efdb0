//! Every change writes one event in the same transaction; the trail is readable and filterable
//! by the programme bureau and administration only.

use serde_json::json;

use crate::helpers::{every_role, spawn_app};
use wijkregie::auth::{Role, RoleKind};

#[actix_rt::test]
async fn every_change_is_an_event_with_actor_and_before_and_after() {
    let app = spawn_app().await;
    let admin = app.token(&Role::Admin);
    let created = app
        .post(
            "/api/v1/departments",
            &admin,
            &json!({"id": "wonen", "name": "Wonen"}),
        )
        .await;
    assert_eq!(created.status, 201);
    app.patch(
        "/api/v1/departments/wonen",
        &admin,
        Some("\"1\""),
        &json!({"name": "Wonen en Bouwen"}),
    )
    .await;

    let trail = app
        .get(
            "/api/v1/events?resourceType=department&resourceId=wonen",
            &admin,
        )
        .await;
    assert_eq!(trail.status, 200);
    let items = trail.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["action"], "department.created");
    assert_eq!(items[0]["data"]["after"]["name"], "Wonen");
    assert!(items[0]["data"]["before"].is_null());
    assert_eq!(items[1]["action"], "department.updated");
    assert_eq!(
        items[1]["data"],
        json!({"before": {"name": "Wonen"}, "after": {"name": "Wonen en Bouwen"}})
    );
    assert_eq!(
        items[1]["actor"],
        json!({"sub": "test-user", "role": "admin", "name": "Test User"})
    );
    assert!(items[0]["id"].as_i64().unwrap() < items[1]["id"].as_i64().unwrap());
    assert!(items[0]["occurredAt"].as_str().unwrap().ends_with('Z'));
}

#[actix_rt::test]
async fn a_refused_change_writes_no_event() {
    let app = spawn_app().await;
    let admin = app.token(&Role::Admin);
    app.patch(
        "/api/v1/themes/housing",
        &admin,
        Some("\"9\""),
        &json!({"responseDays": 3}),
    )
    .await
    .assert_problem(412, "version_mismatch");
    app.post(
        "/api/v1/themes",
        &admin,
        &json!({"id": "housing", "name": "Dubbel", "departmentId": "dso", "responseDays": 3}),
    )
    .await
    .assert_problem(409, "already_exists");
    let events = app.get("/api/v1/events", &admin).await;
    assert_eq!(
        events.body["items"],
        json!([]),
        "nothing was changed, so nothing was recorded"
    );
}

#[actix_rt::test]
async fn events_filter_by_action_and_follow_after_an_id() {
    let app = spawn_app().await;
    let pb = app.token(&Role::Programmabureau);
    for (i, theme) in ["housing", "safety", "employment"].iter().enumerate() {
        let r = app
            .patch(
                &format!("/api/v1/themes/{theme}"),
                &pb,
                Some("\"1\""),
                &json!({"responseDays": 10 + i}),
            )
            .await;
        assert_eq!(r.status, 200);
    }
    app.post(
        "/api/v1/themes",
        &pb,
        &json!({"id": "sport", "name": "Sport", "departmentId": "ocw", "responseDays": 5}),
    )
    .await;

    let updates = app.get("/api/v1/events?action=theme.updated", &pb).await;
    let ids: Vec<i64> = updates.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    let after_first = app
        .get(&format!("/api/v1/events?after={}", ids[0]), &pb)
        .await;
    let later: Vec<i64> = after_first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        later.len(),
        3,
        "two updates and one creation after the first"
    );
    assert!(later.iter().all(|id| *id > ids[0]));
    let page = app.get("/api/v1/events?limit=2", &pb).await;
    let next = page.body["nextCursor"].as_str().unwrap();
    let rest = app
        .get(&format!("/api/v1/events?limit=2&cursor={next}"), &pb)
        .await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 2);
    assert!(rest.body["nextCursor"].is_null());
    app.get("/api/v1/events?after=-1", &pb)
        .await
        .assert_problem(400, "invalid_input");
}

#[actix_rt::test]
async fn only_the_programme_bureau_and_administration_read_events() {
    let app = spawn_app().await;
    for role in every_role() {
        let response = app.get("/api/v1/events", &app.token(&role)).await;
        match role.kind() {
            RoleKind::Programmabureau | RoleKind::Admin => assert_eq!(response.status, 200),
            RoleKind::Stadsdeel | RoleKind::Vakdienst | RoleKind::Partner => {
                response.assert_problem(403, "forbidden");
            }
        }
    }
}
