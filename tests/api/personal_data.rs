//! Residents' personal data (DESIGN §14): every response that shows a reporter is logged where
//! admin can read it, and a reporter is erased the configured number of days after the signal
//! closed — tested with a clock the test sets, not with sleeps.

use std::time::Duration;

use awc::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, pb, spawn_app, stadsdeel, vakdienst};
use wijkregie::auth::{Role, TokenMinter};
use wijkregie::jobs::retention::erase_reporters;

const REPORTER_NAME: &str = "Fatima el Amrani";

fn report() -> Value {
    json!({"title": "Losse stoeptegels", "description": "Gevaarlijk voor rollators.",
           "neighbourhoodId": "moerwijk", "source": "resident", "themeId": "public_space",
           "policyFeedback": false,
           "reporter": {"name": REPORTER_NAME, "email": "fatima@example.nl", "phone": null}})
}

/// A token for `role` with its own subject.
fn token_as(app: &TestApp, sub: &str, role: &Role) -> String {
    TokenMinter::new(&app.settings.jwt, None)
        .unwrap()
        .mint(sub, None, role, Duration::from_secs(600))
        .unwrap()
}

async fn access_log(app: &TestApp, query: &str) -> Value {
    let admin = token_as(app, "beheerder", &Role::Admin);
    let response = app
        .get(&format!("/api/v1/personal-data-access{query}"), &admin)
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body
}

fn readers(page: &Value) -> Vec<(String, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["reader"]["sub"].as_str().unwrap().to_owned(),
                item["view"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[actix_rt::test]
async fn every_response_that_shows_a_reporter_is_in_the_access_log_admin_reads() {
    let app = spawn_app().await;
    let bureau = token_as(&app, "pb-anna", &pb());
    let created = app.post("/api/v1/signals", &bureau, &report()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["reporter"]["name"], REPORTER_NAME);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let other = app
        .post(
            "/api/v1/signals",
            &bureau,
            &json!({
        "title": "Zonder melder", "description": "Anoniem", "neighbourhoodId": "moerwijk",
        "source": "resident", "themeId": "public_space"}),
        )
        .await;
    assert_eq!(other.status, 201, "{}", other.text);

    // The assigned department sees the reporter; the district and admin do not, and are not
    // logged for what they were not shown.
    let department = token_as(&app, "dsb-jan", &vakdienst("dsb"));
    let read = app.get(&format!("/api/v1/signals/{id}"), &department).await;
    assert_eq!(
        read.body["reporter"]["name"], REPORTER_NAME,
        "{}",
        read.text
    );
    let district = token_as(&app, "escamp-piet", &stadsdeel("escamp"));
    let redacted = app.get(&format!("/api/v1/signals/{id}"), &district).await;
    assert_eq!(redacted.status, 200);
    assert!(redacted.body["reporter"].is_null());
    let admin = token_as(&app, "beheerder", &Role::Admin);
    assert!(app.get(&format!("/api/v1/signals/{id}"), &admin).await.body["reporter"].is_null());
    let listed = app.get("/api/v1/signals", &bureau).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);

    let log = access_log(&app, "").await;
    assert_eq!(
        readers(&log),
        [
            ("pb-anna".to_owned(), "signal_list".to_owned()),
            ("dsb-jan".to_owned(), "signal".to_owned()),
            ("pb-anna".to_owned(), "signal".to_owned()),
        ],
        "newest first, one entry per shown reporter: {log}"
    );
    let entry = &log["items"][1];
    assert_eq!(entry["signalId"], id.as_str());
    assert_eq!(entry["reader"]["role"], "vakdienst");
    assert_eq!(entry["reader"]["scope"], "dsb");
    assert!(
        !log.to_string().contains(REPORTER_NAME),
        "the log says who read, not what"
    );

    let by_reader = access_log(&app, "?readerSub=dsb-jan").await;
    assert_eq!(
        readers(&by_reader),
        [("dsb-jan".to_owned(), "signal".to_owned())]
    );
    let by_signal = access_log(
        &app,
        &format!("?signalId={}", other.body["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        by_signal["items"],
        json!([]),
        "a signal without reporter is never logged"
    );

    // Keyset pagination like every list.
    let first = access_log(&app, "?limit=2").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["nextCursor"].as_str().unwrap().to_owned();
    let rest = access_log(&app, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(
        readers(&rest),
        [("pb-anna".to_owned(), "signal".to_owned())]
    );
    assert!(rest["nextCursor"].is_null());

    let bad = app
        .get("/api/v1/personal-data-access?readerSub=&colour=red", &admin)
        .await;
    bad.assert_problem(400, "invalid_input");
    app.get("/api/v1/personal-data-access", &bureau)
        .await
        .assert_problem(403, "forbidden");
}

/// The rows of responses that are answered at the same moment are committed together (one
/// writer, group commit): each response still has its own row, and none is left out.
#[actix_rt::test]
async fn reads_answered_at_the_same_time_each_have_their_row_in_the_access_log() {
    let app = spawn_app().await;
    let bureau = token_as(&app, "pb-anna", &pb());
    let mut ids = Vec::new();
    for _ in 0..3 {
        let created = app.post("/api/v1/signals", &bureau, &report()).await;
        assert_eq!(created.status, 201, "{}", created.text);
        ids.push(created.body["id"].as_str().unwrap().to_owned());
    }
    let readers_tokens: Vec<(String, String)> = (0..8)
        .map(|n| {
            let sub = format!("pb-lezer-{n}");
            let token = token_as(&app, &sub, &pb());
            (sub, token)
        })
        .collect();
    let (app_ref, ids_ref) = (&app, &ids);
    let reads = readers_tokens.iter().flat_map(|(_, token)| {
        ids_ref.iter().map(move |id| {
            let path = format!("/api/v1/signals/{id}");
            async move { app_ref.get(&path, token).await }
        })
    });
    let answers = futures::future::join_all(reads).await;
    assert!(
        answers
            .iter()
            .all(|a| a.status == 200 && a.body["reporter"]["name"] == REPORTER_NAME)
    );

    for id in &ids {
        let log = access_log(&app, &format!("?signalId={id}&limit=100")).await;
        let mut seen: Vec<String> = readers(&log)
            .into_iter()
            .filter(|(_, view)| view == "signal")
            .map(|(sub, _)| sub)
            .filter(|sub| sub.starts_with("pb-lezer-"))
            .collect();
        seen.sort();
        let mut expected: Vec<String> = readers_tokens.iter().map(|(sub, _)| sub.clone()).collect();
        expected.sort();
        assert_eq!(seen, expected, "one row per reader of {id}: {log}");
    }
}

#[actix_rt::test]
async fn a_replayed_answer_that_shows_a_reporter_is_logged_again() {
    let app = spawn_app().await;
    let bureau = token_as(&app, "pb-anna", &pb());
    for replayed in [None, Some("true")] {
        let response = app
            .request(
                Method::POST,
                "/api/v1/signals",
                Some(&bureau),
                Some(&report()),
                &[("Idempotency-Key", "melding-1")],
            )
            .await;
        assert_eq!(response.status, 201, "{}", response.text);
        assert_eq!(response.body["reporter"]["name"], REPORTER_NAME);
        assert_eq!(response.header("idempotent-replayed").as_deref(), replayed);
    }
    let log = access_log(&app, "").await;
    assert_eq!(
        readers(&log),
        [
            ("pb-anna".to_owned(), "signal".to_owned()),
            ("pb-anna".to_owned(), "signal".to_owned()),
        ],
        "{log}"
    );
}

/// Moves a signal on as the programme bureau, at the version `etag`; the new `ETag`.
async fn move_to(app: &TestApp, id: &str, etag: &str, body: Value) -> String {
    let response = app
        .request(
            Method::POST,
            &format!("/api/v1/signals/{id}/transitions"),
            Some(&app.token(&pb())),
            Some(&body),
            &[("If-Match", etag)],
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.header("etag").unwrap()
}

#[actix_rt::test]
async fn a_reporter_is_erased_the_configured_days_after_the_signal_closed_and_the_trail_says_so() {
    let app = spawn_app().await;
    let token = app.token(&pb());
    let closed = app.post("/api/v1/signals", &token, &report()).await;
    let open = app.post("/api/v1/signals", &token, &report()).await;
    let id = closed.body["id"].as_str().unwrap().to_owned();
    let mut etag = closed.header("etag").unwrap();
    for body in [
        json!({"to": "acknowledged"}),
        json!({"to": "in_progress"}),
        json!({"to": "answered", "response": "De tegels zijn vastgezet."}),
        json!({"to": "closed"}),
    ] {
        etag = move_to(&app, &id, &etag, body).await;
    }

    let mut conn = app.database.target().connect().unwrap();
    let now = chrono::Utc::now().naive_utc();
    let day = chrono::Duration::days(1);
    assert_eq!(
        erase_reporters(&mut conn, now + day * 364, 365).unwrap(),
        0,
        "kept for the term"
    );
    // Two instances at once, on their own connections: exactly one erases.
    let target = app.database.target();
    let erasers: Vec<_> = (0..2)
        .map(|_| {
            let target = target.clone();
            std::thread::spawn(move || {
                let mut conn = target.connect().unwrap();
                erase_reporters(&mut conn, now + day * 366, 365).unwrap()
            })
        })
        .collect();
    let erased: usize = erasers.into_iter().map(|e| e.join().unwrap()).sum();
    assert_eq!(erased, 1);
    assert_eq!(
        erase_reporters(&mut conn, now + day * 366, 365).unwrap(),
        0,
        "erased once, however often the job runs"
    );

    let read = app.get(&format!("/api/v1/signals/{id}"), &token).await;
    assert!(read.body["reporter"].is_null(), "{}", read.text);
    assert_ne!(
        read.header("etag"),
        Some(etag),
        "the erasure is a new version"
    );
    let still = app
        .get(
            &format!("/api/v1/signals/{}", open.body["id"].as_str().unwrap()),
            &token,
        )
        .await;
    assert_eq!(
        still.body["reporter"]["name"], REPORTER_NAME,
        "an open signal keeps its reporter"
    );

    let history = app
        .get(&format!("/api/v1/signals/{id}/history"), &token)
        .await;
    let erasure = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|event| event["action"] == "signal.reporter_erased")
        .cloned()
        .unwrap_or_else(|| panic!("no erasure on the trail: {}", history.text));
    assert_eq!(erasure["data"]["retentionDays"], 365);
    assert!(erasure["data"]["closedAt"].is_string());
    assert_eq!(erasure["actor"]["sub"], "wijkregie-reporter-retention");
    assert!(!history.text.contains(REPORTER_NAME) && !history.text.contains("fatima@"));
}
