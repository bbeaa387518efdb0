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

/// A follower of the feed (DESIGN §10): reads `?after=` its last event id, page by page.
struct Follower {
    seen: Vec<i64>,
}

impl Follower {
    async fn catch_up(&mut self, app: &crate::helpers::TestApp, token: &str) {
        loop {
            let after = self.seen.last().copied().unwrap_or(0);
            let page = app
                .get(&format!("/api/v1/events?after={after}&limit=200"), token)
                .await;
            assert_eq!(page.status, 200, "{}", page.text);
            let ids: Vec<i64> = page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap())
                .collect();
            if ids.is_empty() {
                return;
            }
            self.seen.extend(ids);
        }
    }
}

/// The feed's order-of-commit guarantee with a slow writer: the import holds its transaction
/// open while it writes (here: stopped after its first batch) and a single write comes in
/// meanwhile. On PostgreSQL the fast write commits while the slow one still works — the slow
/// one takes its event ids only at its end — and the follower, which read the fast write's
/// event first, still gets every event of the slow one after it. SQLite lets one writer at a
/// time: the fast write waits for the slow one's commit and its event comes after. Either way
/// the follower's feed is every event, without gaps, in commit order.
#[actix_rt::test]
async fn a_slow_writer_holds_up_no_other_and_a_follower_of_the_feed_misses_nothing() {
    use std::time::Duration;
    use wijkregie::api::import::Stage;

    let app = crate::helpers::spawn_app_with(|s| s.pool_timeout = Duration::from_secs(10)).await;
    let token = app.token(&Role::Programmabureau);
    let rows = 2500;
    let mut file = String::from("name,kind,kvkNumber\r\n");
    for n in 0..rows {
        file.push_str(&format!("Stichting {n},welfare,{:08}\r\n", 70_000_000 + n));
    }
    let (inside, is_inside) = std::sync::mpsc::channel();
    let (finish, may_finish) = std::sync::mpsc::channel::<()>();
    let target = app.database.target();
    let slow = std::thread::spawn(move || {
        let mut conn = target.connect().unwrap();
        let mut paused = false;
        wijkregie::api::import::partners(&mut conn, file.as_bytes(), false, &mut |stage, _| {
            if stage == Stage::Writing && !paused {
                paused = true;
                inside.send(()).unwrap();
                let _ = may_finish.recv_timeout(Duration::from_secs(30));
            }
        })
    });
    actix_web::rt::task::spawn_blocking(move || is_inside.recv_timeout(Duration::from_secs(60)))
        .await
        .unwrap()
        .expect("the slow writer is inside its transaction, its first rows written");

    let mut follower = Follower { seen: Vec::new() };
    let body = json!({"name": "Snelle Stichting", "kind": "welfare"});
    let mut fast = std::pin::pin!(app.post("/api/v1/partners", &token, &body));
    let during = actix_web::rt::time::timeout(Duration::from_secs(3), fast.as_mut()).await;
    let answered_during = during.is_ok();
    if answered_during {
        follower.catch_up(&app, &token).await;
    }
    finish.send(()).unwrap();
    let imported = actix_web::rt::task::spawn_blocking(move || slow.join().unwrap())
        .await
        .unwrap()
        .expect("the slow writer commits");
    assert_eq!(imported.created, rows);
    let fast = match during {
        Ok(answer) => answer,
        Err(_) => fast.await,
    };
    assert_eq!(fast.status, 201, "{}", fast.text);
    follower.catch_up(&app, &token).await;

    let fast_event = app
        .get(
            &format!(
                "/api/v1/events?resourceType=partner&resourceId={}",
                fast.body["id"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    let fast_id = fast_event.body["items"][0]["id"].as_i64().unwrap();
    let mut everything = Follower { seen: Vec::new() };
    everything.catch_up(&app, &token).await;
    assert!(
        everything.seen.len() > rows,
        "the import's events and the fast one's"
    );
    let first = everything.seen[0];
    let gap_free: Vec<i64> = (first..first + everything.seen.len() as i64).collect();
    assert_eq!(everything.seen, gap_free, "event ids without gaps");
    assert_eq!(
        follower.seen, everything.seen,
        "the follower saw every event once, in order, though one writer committed late"
    );
    if app.database.is_postgres() {
        assert!(
            answered_during,
            "the fast write committed while the slow transaction was still open"
        );
        assert_eq!(fast_id, first, "committed first, so numbered first");
    } else {
        assert!(
            !answered_during,
            "SQLite serialises writers: the fast write waited for the slow one's commit"
        );
        assert_eq!(fast_id, *everything.seen.last().unwrap(), "committed last");
    }
}
