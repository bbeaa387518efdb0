//! Every change writes one event in the same transaction; the trail is readable and filterable
//! by every role, each seeing the events about what it can read.

use serde_json::json;

use crate::helpers::{partner, spawn_app, stadsdeel, vakdienst};
use wijkregie::auth::Role;

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
async fn every_role_reads_the_events_about_what_it_can_read() {
    let app = spawn_app().await;
    let bureau = app.token(&Role::Programmabureau);
    // A signal in Laak on public space (routed to dsb), then handed to ocw; one in Centrum.
    let laak = app
        .post(
            "/api/v1/signals",
            &bureau,
            &json!({"title": "Losse stoeptegels", "description": "Gevaarlijk.",
                    "neighbourhoodId": "laakkwartier", "source": "resident", "themeId": "public_space"}),
        )
        .await;
    let laak_id = laak.body["id"].as_str().unwrap().to_owned();
    let centrum = app
        .post(
            "/api/v1/signals",
            &bureau,
            &json!({"title": "Zwerfvuil", "description": "Bij de markt.",
                    "neighbourhoodId": "transvaal", "source": "resident", "themeId": "public_space"}),
        )
        .await;
    let centrum_id = centrum.body["id"].as_str().unwrap().to_owned();
    let handed = app
        .request(
            awc::http::Method::POST,
            &format!("/api/v1/signals/{laak_id}/reassignments"),
            Some(&bureau),
            Some(&json!({"departmentId": "ocw", "reason": "Gaat over het buurthuis"})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(handed.status, 200, "{}", handed.text);
    let draft = app
        .post(
            "/api/v1/projects",
            &bureau,
            &json!({"title": "Buurtkeuken", "neighbourhoodIds": ["moerwijk"]}),
        )
        .await;
    let draft_id = draft.body["id"].as_str().unwrap().to_owned();

    let feed = |role: Role| {
        let app = &app;
        async move {
            let page = app
                .get(
                    "/api/v1/events?types=signal.*,project.*&limit=200",
                    &app.token(&role),
                )
                .await;
            assert_eq!(page.status, 200, "{}", page.text);
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["action"].as_str().unwrap().to_owned(),
                        e["resourceId"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let ocw = feed(vakdienst("ocw")).await;
    assert!(
        ocw.contains(&("signal.reassigned".to_owned(), laak_id.clone())),
        "{ocw:?}"
    );
    assert!(
        ocw.iter()
            .all(|(_, id)| id != &centrum_id && id != &draft_id),
        "{ocw:?}"
    );
    let laak_district = feed(stadsdeel("laak")).await;
    assert!(laak_district.iter().any(|(_, id)| id == &laak_id));
    assert!(
        laak_district
            .iter()
            .all(|(_, id)| id != &centrum_id && id != &draft_id)
    );
    let escamp = feed(stadsdeel("escamp")).await;
    assert!(
        escamp.contains(&("project.created".to_owned(), draft_id.clone())),
        "{escamp:?}"
    );
    assert!(
        escamp
            .iter()
            .all(|(_, id)| id != &laak_id && id != &centrum_id)
    );
    let stranger = feed(partner("0190f0a0-0000-7000-8000-00000000dead")).await;
    assert!(stranger.is_empty(), "{stranger:?}");
    let all = feed(Role::Admin).await;
    assert!(
        all.iter().any(|(_, id)| id == &centrum_id) && all.iter().any(|(_, id)| id == &draft_id)
    );
    // Only the asked types.
    let routed = app.get("/api/v1/events?types=signal.routed", &bureau).await;
    let actions: Vec<&str> = routed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["signal.routed", "signal.routed"]);
    app.get("/api/v1/events?types=Signal;DROP", &bureau)
        .await
        .assert_problem(400, "invalid_input");
}

#[actix_rt::test]
async fn routing_and_hand_off_events_name_the_department_as_the_signal_does() {
    let app = spawn_app().await;
    let signal =
        crate::helpers::report_signal(&app, &crate::helpers::pb(), serde_json::Value::Null).await;
    let id = signal["id"].as_str().unwrap();
    crate::helpers::signal_action(
        &app,
        &vakdienst("dsb"),
        id,
        "reassignments",
        json!({"departmentId": "ocw", "reason": "Valt onder jeugdbeleid"}),
    )
    .await;
    let trail = app
        .get(
            &format!("/api/v1/signals/{id}/history"),
            &app.token(&Role::Admin),
        )
        .await;
    let data = |action: &str| {
        trail.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == action)
            .map(|e| e["data"].clone())
            .unwrap()
    };
    assert_eq!(data("signal.routed")["assignedDepartmentId"], "dsb");
    assert_eq!(
        data("signal.reassigned")["after"]["assignedDepartmentId"],
        "ocw"
    );
    assert_eq!(
        data("signal.reassigned")["before"]["assignedDepartmentId"],
        "dsb"
    );
}
