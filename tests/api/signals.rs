//! Signals: routed by theme, handed off with a reason, answered, never lost; the reporter's
//! personal data stays with the bureau and the department assigned now.

use awc::http::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Response, TestApp, assert_listed_as_read, disagreement_with_access_table, spawn_app,
    transition, vakdienst,
};
use wijkregie::auth::Role;

fn report(theme: &str, neighbourhood: &str) -> Value {
    json!({"title": "Buurthuis krijgt geen antwoord", "description": "Al drie maanden geen reactie op de subsidieaanvraag.",
           "neighbourhoodId": neighbourhood, "source": "partner", "themeId": theme, "policyFeedback": true,
           "reporter": {"name": "Fatima el Amrani", "email": "fatima@demussen.nl", "phone": null}})
}

async fn act(app: &TestApp, role: &Role, id: &str, path: &str, body: Value) -> Response {
    let version = app
        .get(
            &format!("/api/v1/signals/{id}"),
            &app.token(&Role::Programmabureau),
        )
        .await
        .header("etag")
        .unwrap();
    app.request(
        Method::POST,
        &format!("/api/v1/signals/{id}/{path}"),
        Some(&app.token(role)),
        Some(&body),
        &[("If-Match", &version)],
    )
    .await
}

#[actix_rt::test]
async fn a_signal_is_routed_handed_off_answered_and_its_trail_is_visible_to_whom_it_concerns() {
    let app = spawn_app().await;
    let pb = Role::Programmabureau;
    let partner_id = app
        .post(
            "/api/v1/partners",
            &app.token(&pb),
            &json!({"name": "Buurthuis De Mussen", "kind": "community_centre"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let partner = Role::Partner { partner_id };

    // The partner reports on welfare_community, which routes to ocw with 28 days.
    let created = app
        .post(
            "/api/v1/signals",
            &app.token(&partner),
            &report("welfare_community", "schilderswijk"),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["assignedDepartmentId"], "ocw");
    assert_eq!(created.body["status"], "received");
    assert!(
        created.body["reporter"].is_null(),
        "the partner is not the assigned department"
    );
    let id = created.body["id"].as_str().unwrap().to_owned();
    let due_at = created.body["dueAt"].clone();

    let ocw = app
        .get(
            &format!("/api/v1/signals/{id}"),
            &app.token(&vakdienst("ocw")),
        )
        .await;
    assert_eq!(
        ocw.body["reporter"]["name"], "Fatima el Amrani",
        "the assigned department sees the reporter"
    );

    // ocw hands it off to szw, with a reason; dueAt does not move.
    let same = act(
        &app,
        &vakdienst("ocw"),
        &id,
        "reassignments",
        json!({"departmentId": "ocw", "reason": "x"}),
    )
    .await;
    same.assert_problem(409, "same_department");
    let handed = act(
        &app,
        &vakdienst("ocw"),
        &id,
        "reassignments",
        json!({"departmentId": "szw", "reason": "Gaat over armoedebeleid"}),
    )
    .await;
    assert_eq!(handed.status, 200, "{}", handed.text);
    assert_eq!(handed.body["assignedDepartmentId"], "szw");
    assert_eq!(handed.body["reassignmentCount"], 1);
    assert_eq!(handed.body["dueAt"], due_at);
    act(
        &app,
        &vakdienst("ocw"),
        &id,
        "transitions",
        json!({"to": "acknowledged"}),
    )
    .await
    .assert_problem(403, "forbidden");

    // szw answers it.
    for to in ["acknowledged", "in_progress"] {
        assert_eq!(
            act(
                &app,
                &vakdienst("szw"),
                &id,
                "transitions",
                json!({"to": to})
            )
            .await
            .status,
            200
        );
    }
    act(
        &app,
        &vakdienst("szw"),
        &id,
        "transitions",
        json!({"to": "answered"}),
    )
    .await
    .assert_problem(400, "invalid_input");
    let answered = act(
        &app,
        &vakdienst("szw"),
        &id,
        "transitions",
        json!({"to": "answered", "response": "De regeling is per 1 maart aangepast."}),
    )
    .await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    assert!(answered.body["answeredAt"].is_string());

    // The partner sees the answer and the trail.
    let seen = app
        .get(&format!("/api/v1/signals/{id}"), &app.token(&partner))
        .await;
    assert_eq!(
        seen.body["response"],
        "De regeling is per 1 maart aangepast."
    );
    assert_eq!(seen.body["dueAt"], due_at);
    let trail = app
        .get(
            &format!("/api/v1/signals/{id}/history"),
            &app.token(&partner),
        )
        .await;
    let actions: Vec<&str> = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "signal.received",
            "signal.routed",
            "signal.reassigned",
            "signal.status_changed",
            "signal.status_changed",
            "signal.answered"
        ]
    );
    assert_eq!(
        trail.body["items"][2]["data"]["reason"],
        "Gaat over armoedebeleid"
    );
    assert!(
        !trail.text.contains("Fatima") && !trail.text.contains("fatima@"),
        "events never hold personal data"
    );

    // The first department still reads it (without the reporter), a third gets 404.
    let first = app
        .get(
            &format!("/api/v1/signals/{id}"),
            &app.token(&vakdienst("ocw")),
        )
        .await;
    assert_eq!(first.status, 200);
    assert!(first.body["reporter"].is_null());
    app.get(
        &format!("/api/v1/signals/{id}"),
        &app.token(&vakdienst("dso")),
    )
    .await
    .assert_problem(404, "not_found");
    // The stadsdeel of the district sees it without personal data, another one not at all.
    let district = app
        .get(
            &format!("/api/v1/signals/{id}"),
            &app.token(&Role::Stadsdeel {
                district_id: "centrum".to_owned(),
            }),
        )
        .await;
    assert_eq!(district.status, 200);
    assert!(district.body["reporter"].is_null());
    let listed = app
        .get(
            "/api/v1/signals",
            &app.token(&Role::Stadsdeel {
                district_id: "centrum".to_owned(),
            }),
        )
        .await;
    assert!(
        listed.body["items"][0]["reporter"].is_null(),
        "redacted in lists too"
    );
    app.get(
        &format!("/api/v1/signals/{id}"),
        &app.token(&Role::Stadsdeel {
            district_id: "laak".to_owned(),
        }),
    )
    .await
    .assert_problem(404, "not_found");
    assert_eq!(
        app.get(&format!("/api/v1/signals/{id}"), &app.token(&pb))
            .await
            .body["reporter"]["email"],
        "fatima@demussen.nl"
    );

    // Reopen needs a reason; a closed signal can be reopened.
    act(&app, &pb, &id, "transitions", json!({"to": "reopened"}))
        .await
        .assert_problem(400, "invalid_input");
    assert_eq!(
        act(
            &app,
            &pb,
            &id,
            "transitions",
            json!({"to": "reopened", "reason": "Nieuwe klacht"})
        )
        .await
        .status,
        200
    );
    act(&app, &pb, &id, "transitions", json!({"to": "closed"}))
        .await
        .assert_problem(409, "transition_not_allowed");
}

#[actix_rt::test]
async fn overdue_signals_are_found_and_get_exactly_one_event_with_two_sweepers() {
    let app = spawn_app().await;
    let pb = app.token(&Role::Programmabureau);
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            app.post("/api/v1/signals", &pb, &report("safety", "moerwijk"))
                .await
                .body["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let answered = ids[4].clone();
    app.database.execute(&format!(
        "UPDATE signals SET due_at = '2020-01-01 00:00:00' WHERE id <> '{}'",
        ids[0]
    ));
    app.database.execute(&format!(
        "UPDATE signals SET status = 'answered' WHERE id = '{answered}'"
    ));

    let overdue = app.get("/api/v1/signals?overdue=true", &pb).await;
    let found: Vec<&str> = overdue.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(found.len(), 3, "open and past due: {found:?}");
    assert!(
        overdue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["overdue"] == true)
    );
    assert_eq!(
        app.get("/api/v1/signals?overdue=false", &pb).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Two sweepers at once, on their own connections.
    let target = app.database.target();
    let sweepers: Vec<_> = (0..2)
        .map(|_| {
            let target = target.clone();
            std::thread::spawn(move || {
                let mut conn = target.connect().unwrap();
                wijkregie::jobs::overdue::sweep_overdue(&mut conn, wijkregie::domain::time::now())
                    .unwrap()
            })
        })
        .collect();
    let written: usize = sweepers.into_iter().map(|s| s.join().unwrap()).sum();
    assert_eq!(written, 3);
    let again = {
        let mut conn = target.connect().unwrap();
        wijkregie::jobs::overdue::sweep_overdue(&mut conn, wijkregie::domain::time::now()).unwrap()
    };
    assert_eq!(again, 0, "a signal gets its overdue event once");
    let events = app.get("/api/v1/events?action=signal.overdue", &pb).await;
    assert_eq!(events.body["items"].as_array().unwrap().len(), 3);
}

#[actix_rt::test]
async fn signals_link_to_projects_on_both_sides_and_lists_filter() {
    let app = spawn_app().await;
    let pb = app.token(&Role::Programmabureau);
    let project = app
        .post(
            "/api/v1/projects",
            &pb,
            &json!({"title": "Buurtkeuken", "neighbourhoodIds": ["transvaal"]}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let signal = app
        .post("/api/v1/signals", &pb, &report("employment", "transvaal"))
        .await;
    let id = signal.body["id"].as_str().unwrap().to_owned();
    let linked = app
        .patch(
            &format!("/api/v1/signals/{id}"),
            &pb,
            Some("\"1\""),
            &json!({"projectIds": [project]}),
        )
        .await;
    assert_eq!(linked.status, 200, "{}", linked.text);
    assert_eq!(linked.body["projectIds"], json!([project]));
    let members = ["projectIds", "policyIssueIds", "assignedDepartmentId"];
    assert_listed_as_read(&app, &pb, "/api/v1/signals", &[&id], &members).await;
    assert_eq!(
        app.get(&format!("/api/v1/projects/{project}"), &pb)
            .await
            .body["signalIds"],
        json!([id])
    );
    app.patch(
        &format!("/api/v1/signals/{id}"),
        &pb,
        Some("\"2\""),
        &json!({"projectIds": ["nope"]}),
    )
    .await
    .assert_problem(400, "invalid_input");

    app.post("/api/v1/signals", &pb, &json!({"title": "Losse stoeptegels", "description": "Gevaarlijk", "neighbourhoodId": "moerwijk", "source": "resident", "themeId": "public_space"})).await;
    let count = |r: Response| r.body["items"].as_array().unwrap().len();
    assert_eq!(
        count(app.get("/api/v1/signals?themeId=public_space", &pb).await),
        1
    );
    assert_eq!(
        count(
            app.get("/api/v1/signals?assignedDepartmentId=szw", &pb)
                .await
        ),
        1
    );
    assert_eq!(
        count(app.get("/api/v1/signals?districtId=escamp", &pb).await),
        1
    );
    assert_eq!(
        count(
            app.get(
                "/api/v1/signals?neighbourhoodId=transvaal&policyFeedback=true",
                &pb
            )
            .await
        ),
        1
    );
    assert_eq!(
        count(
            app.get("/api/v1/signals?source=resident&status=received", &pb)
                .await
        ),
        1
    );
    assert_eq!(
        count(app.get("/api/v1/signals?q=STOEPTEGELS", &pb).await),
        1
    );
    assert_eq!(count(app.get("/api/v1/signals?receivedAfter=2000-01-01T00:00:00Z&receivedBefore=2100-01-01T00:00:00Z", &pb).await), 2);
    assert_eq!(
        count(
            app.get("/api/v1/signals?receivedAfter=2100-01-01T00:00:00Z", &pb)
                .await
        ),
        0
    );
    app.get("/api/v1/signals?source=pigeon&overdue=soon", &pb)
        .await
        .assert_problem(400, "invalid_input");
}

#[actix_rt::test]
async fn authorization_matrix_of_signal_operations() {
    let app = spawn_app().await;
    let pb = Role::Programmabureau;
    let reporter_id = app
        .post(
            "/api/v1/partners",
            &app.token(&pb),
            &json!({"name": "Melder", "kind": "school"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let roles: [(&str, Role); 8] = [
        ("programmabureau", pb.clone()),
        (
            "stadsdeel centrum",
            Role::Stadsdeel {
                district_id: "centrum".to_owned(),
            },
        ),
        (
            "stadsdeel laak",
            Role::Stadsdeel {
                district_id: "laak".to_owned(),
            },
        ),
        ("vakdienst dsb (assigned)", vakdienst("dsb")),
        ("vakdienst ocw", vakdienst("ocw")),
        (
            "reporting partner",
            Role::Partner {
                partner_id: reporter_id.clone(),
            },
        ),
        (
            "other partner",
            Role::Partner {
                partner_id: "0190f0a0-0000-7000-8000-00000000dead".to_owned(),
            },
        ),
        ("admin", Role::Admin),
    ];
    // (operation, expected per role in the order above)
    let matrix: [(&str, [u16; 8]); 7] = [
        (
            "report in centrum",
            // The other partner is not registered: its token writes nothing.
            [201, 201, 403, 201, 201, 201, 403, 403],
        ),
        ("read", [200, 200, 404, 200, 404, 200, 404, 200]),
        ("history", [200, 200, 404, 200, 404, 200, 404, 200]),
        ("acknowledge", [200, 403, 404, 200, 404, 403, 404, 403]),
        ("hand off to ocw", [200, 403, 404, 200, 404, 403, 404, 403]),
        (
            "link to a project",
            [200, 200, 404, 200, 404, 403, 404, 403],
        ),
        ("see the reporter", [1, 0, 0, 1, 0, 0, 0, 0]),
    ];
    let project = app
        .post(
            "/api/v1/projects",
            &app.token(&pb),
            &json!({"title": "P", "neighbourhoodIds": ["transvaal"]}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Past draft, so that every role allowed to link may also read the project it links to.
    assert_eq!(
        transition(&app, &pb, &project, "submitted").await.status,
        200
    );
    let mut failures = Vec::new();
    for (operation, expected) in matrix {
        for ((label, role), status) in roles.iter().zip(expected) {
            // A fresh signal on public space (routed to dsb) in Transvaal (centrum), by the partner.
            let created = app
                .post(
                    "/api/v1/signals",
                    &app.token(&roles[5].1),
                    &report("public_space", "transvaal"),
                )
                .await;
            let id = created.body["id"].as_str().unwrap().to_owned();
            let token = app.token(role);
            let version = "\"1\"";
            let got = match operation {
                "report in centrum" => {
                    app.post(
                        "/api/v1/signals",
                        &token,
                        &report("public_space", "transvaal"),
                    )
                    .await
                    .status
                }
                "read" => {
                    app.get(&format!("/api/v1/signals/{id}"), &token)
                        .await
                        .status
                }
                "history" => {
                    app.get(&format!("/api/v1/signals/{id}/history"), &token)
                        .await
                        .status
                }
                "acknowledge" => {
                    app.request(
                        Method::POST,
                        &format!("/api/v1/signals/{id}/transitions"),
                        Some(&token),
                        Some(&json!({"to": "acknowledged"})),
                        &[("If-Match", version)],
                    )
                    .await
                    .status
                }
                "hand off to ocw" => {
                    app.request(
                        Method::POST,
                        &format!("/api/v1/signals/{id}/reassignments"),
                        Some(&token),
                        Some(&json!({"departmentId": "ocw", "reason": "Onderwijs"})),
                        &[("If-Match", version)],
                    )
                    .await
                    .status
                }
                "link to a project" => {
                    app.patch(
                        &format!("/api/v1/signals/{id}"),
                        &token,
                        Some(version),
                        &json!({"projectIds": [project]}),
                    )
                    .await
                    .status
                }
                "see the reporter" => {
                    let read = app.get(&format!("/api/v1/signals/{id}"), &token).await;
                    u16::from(read.body["reporter"].is_object())
                }
                other => unreachable!("{other}"),
            };
            if got != status {
                failures.push(format!(
                    "{operation} as {label}: expected {status}, got {got}"
                ));
            }
            let operation_id = match operation {
                "report in centrum" => Some("create_signal"),
                "read" => Some("get_signal"),
                "history" => Some("signal_history"),
                "acknowledge" => Some("transition_signal"),
                "hand off to ocw" => Some("reassign_signal"),
                "link to a project" => Some("update_signal"),
                _ => None,
            };
            if let Some(operation_id) = operation_id {
                failures.extend(disagreement_with_access_table(operation_id, role, status));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
