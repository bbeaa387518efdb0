//! `Idempotency-Key` on `POST` (DESIGN §11): a repeat is answered from the stored response and
//! writes nothing, another body under the same key is refused, concurrent retries make one
//! resource, failures a retry may cure give the key back, and keys expire.

use std::time::Duration;

use awc::http::Method;
use chrono::{NaiveDateTime, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Response, TestApp, pb, signal_action, spawn_app, spawn_app_with, vakdienst};
use wijkregie::auth::TokenMinter;
use wijkregie::db::idempotency::{self as keys, FreshKey, Reservation};
use wijkregie::db::write_transaction;
use wijkregie::error::ApiError;
use wijkregie::jobs::idempotency::remove_expired_keys;

fn signal(title: &str) -> Value {
    json!({"title": title, "description": "Al drie maanden geen reactie.", "neighbourhoodId": "schilderswijk",
           "source": "resident", "themeId": "welfare_community", "policyFeedback": false})
}

async fn post_with_key(
    app: &TestApp,
    token: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> Response {
    app.request(
        Method::POST,
        path,
        Some(token),
        Some(body),
        &[("Idempotency-Key", key)],
    )
    .await
}

async fn count(app: &TestApp, path: &str) -> usize {
    let list = app.get(path, &app.token(&pb())).await;
    list.body["items"].as_array().unwrap().len()
}

#[actix_rt::test]
async fn a_repeat_gets_the_stored_response_and_writes_nothing() {
    let app = spawn_app().await;
    let token = app.token(&pb());
    let body = signal("Buurthuis zonder antwoord");
    let first = post_with_key(&app, &token, "/api/v1/signals", "retry-1", &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert!(first.header("idempotent-replayed").is_none());
    let events = count(&app, "/api/v1/events?limit=200").await;

    let again = post_with_key(&app, &token, "/api/v1/signals", "retry-1", &body).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.text, first.text, "the same body");
    for name in ["location", "etag", "content-type"] {
        assert_eq!(again.header(name), first.header(name), "{name}");
    }
    assert_eq!(again.header("api-version").as_deref(), Some("1.0.0"));
    assert_eq!(count(&app, "/api/v1/signals").await, 1, "one signal");
    assert_eq!(
        count(&app, "/api/v1/events?limit=200").await,
        events,
        "no event"
    );

    // Another body under the same key is refused; the key is per caller, method and path.
    post_with_key(
        &app,
        &token,
        "/api/v1/signals",
        "retry-1",
        &signal("Iets anders"),
    )
    .await
    .assert_problem(422, "idempotency_key_reused");
    let minter = TokenMinter::new(&app.settings.jwt, None).unwrap();
    let colleague = minter
        .mint("colleague", None, &pb(), Duration::from_secs(600))
        .unwrap();
    let theirs = post_with_key(&app, &colleague, "/api/v1/signals", "retry-1", &body).await;
    assert_eq!(theirs.status, 201);
    assert!(theirs.header("idempotent-replayed").is_none());
    assert_ne!(theirs.body["id"], first.body["id"]);
    assert_eq!(count(&app, "/api/v1/signals").await, 2);
}

#[actix_rt::test]
async fn concurrent_retries_with_one_key_create_exactly_one_signal() {
    let app = spawn_app().await;
    let token = app.token(&pb());
    let body = signal("Acht keer verstuurd");
    let responses = futures::future::join_all(
        (0..8).map(|_| post_with_key(&app, &token, "/api/v1/signals", "one-key", &body)),
    )
    .await;
    let mut created = 0;
    for response in &responses {
        match (response.status, response.header("idempotent-replayed")) {
            (201, None) => created += 1,
            (201, Some(replayed)) => assert_eq!(replayed, "true"),
            (409, None) => {
                response.assert_problem(409, "idempotency_key_in_use");
            }
            other => panic!("unexpected {other:?}: {}", response.text),
        }
    }
    assert_eq!(created, 1, "exactly one request ran");
    assert_eq!(
        count(&app, "/api/v1/signals").await,
        1,
        "exactly one signal"
    );
    // Once settled, every retry is the replay of that one.
    let settled = post_with_key(&app, &token, "/api/v1/signals", "one-key", &body).await;
    assert_eq!(
        settled.header("idempotent-replayed").as_deref(),
        Some("true")
    );
}

#[actix_rt::test]
async fn the_key_is_checked_and_a_request_without_a_valid_token_is_left_to_the_handler() {
    let app = spawn_app().await;
    let token = app.token(&pb());
    let body = signal("Sleutel");
    let long = "k".repeat(256);
    for key in ["", "met spatie", long.as_str()] {
        let refused = post_with_key(&app, &token, "/api/v1/signals", key, &body).await;
        refused.assert_problem(400, "invalid_input");
        assert_eq!(refused.invalid_param_names(), vec!["Idempotency-Key"]);
    }
    post_with_key(&app, "not-a-token", "/api/v1/signals", "k1", &body)
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(count(&app, "/api/v1/signals").await, 0);
}

#[actix_rt::test]
async fn a_refusal_is_replayed_but_a_lost_race_gives_the_key_back() {
    let app = spawn_app().await;
    let token = app.token(&pb());
    let invalid = json!({"title": ""});
    let first = post_with_key(&app, &token, "/api/v1/signals", "bad-1", &invalid).await;
    first.assert_problem(400, "invalid_input");
    let again = post_with_key(&app, &token, "/api/v1/signals", "bad-1", &invalid).await;
    again.assert_problem(400, "invalid_input");
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.text, first.text);

    // A stale If-Match (412) committed nothing: the same request, now with the current
    // version, runs under the same key.
    let id = app
        .post("/api/v1/signals", &token, &signal("Versies"))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/signals/{id}/transitions");
    let move_on = json!({"to": "acknowledged"});
    let send = |headers: &'static [(&str, &str)]| {
        app.request(Method::POST, &path, Some(&token), Some(&move_on), headers)
    };
    send(&STALE).await.assert_problem(412, "version_mismatch");
    let moved = send(&CURRENT).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert!(moved.header("idempotent-replayed").is_none());
    let replayed = send(&CURRENT).await;
    assert_eq!(replayed.status, 200);
    assert_eq!(
        replayed.header("idempotent-replayed").as_deref(),
        Some("true")
    );
}

const STALE: [(&str, &str); 2] = [("Idempotency-Key", "move-1"), ("If-Match", "\"7\"")];
const CURRENT: [(&str, &str); 2] = [("Idempotency-Key", "move-1"), ("If-Match", "\"1\"")];

fn sql_time(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

/// Leaves a key behind as a request that is still running, or that died, would.
fn leave_key(app: &TestApp, key: &str, body: &Value, state: &str, age: chrono::Duration) {
    let hash = format!("{:x}", Sha256::digest(serde_json::to_vec(body).unwrap()));
    let created = Utc::now().naive_utc() - age;
    let expires = created + chrono::Duration::hours(24);
    app.database.execute(&format!(
        "INSERT INTO idempotency_keys (subject, method, path, idempotency_key, request_hash, \
         attempt, state, created_at, expires_at) VALUES ('[\"test-user\",\"programmabureau\",null]', 'POST', '/api/v1/signals', \
         '{key}', '{hash}', 'gone', '{state}', '{}', '{}')",
        sql_time(created),
        sql_time(expires)
    ));
}

#[actix_rt::test]
async fn a_running_or_committed_request_holds_its_key_and_a_dead_one_is_taken_over() {
    let app = spawn_app().await;
    let token = app.token(&pb());
    let body = signal("Overgenomen");
    leave_key(
        &app,
        "running",
        &body,
        "in_flight",
        chrono::Duration::seconds(5),
    );
    leave_key(
        &app,
        "made",
        &body,
        "committed",
        chrono::Duration::minutes(10),
    );
    leave_key(
        &app,
        "dead",
        &body,
        "in_flight",
        chrono::Duration::minutes(2),
    );
    for key in ["running", "made"] {
        post_with_key(&app, &token, "/api/v1/signals", key, &body)
            .await
            .assert_problem(409, "idempotency_key_in_use");
    }
    let taken = post_with_key(&app, &token, "/api/v1/signals", "dead", &body).await;
    assert_eq!(taken.status, 201, "{}", taken.text);
    assert_eq!(count(&app, "/api/v1/signals").await, 1);
}

#[actix_rt::test]
async fn keys_are_forgotten_after_the_configured_hours() {
    let app = spawn_app_with(|s| s.idempotency_hours = 1).await;
    let token = app.token(&pb());
    let body = signal("Vergeten");
    let first = post_with_key(&app, &token, "/api/v1/signals", "hourly", &body).await;
    assert_eq!(first.status, 201);
    let mut conn = app.database.target().connect().unwrap();
    let now = Utc::now().naive_utc();
    let removed = remove_expired_keys(&mut conn, now + chrono::Duration::minutes(59)).unwrap();
    assert_eq!(removed, 0, "kept for an hour");
    let replayed = post_with_key(&app, &token, "/api/v1/signals", "hourly", &body).await;
    assert_eq!(
        replayed.header("idempotent-replayed").as_deref(),
        Some("true")
    );

    let removed = remove_expired_keys(&mut conn, now + chrono::Duration::minutes(61)).unwrap();
    assert_eq!(removed, 1, "gone after the hour");
    let fresh = post_with_key(&app, &token, "/api/v1/signals", "hourly", &body).await;
    assert_eq!(fresh.status, 201);
    assert!(fresh.header("idempotent-replayed").is_none());
    assert_eq!(count(&app, "/api/v1/signals").await, 2);
}

#[actix_rt::test]
async fn a_key_is_the_whole_principals_and_its_answer_is_replayed_only_while_the_caller_may_read_it()
 {
    let app = spawn_app().await;
    let minter = TokenMinter::new(&app.settings.jwt, None).unwrap();
    let token = |role| {
        minter
            .mint("gedeeld", None, &role, Duration::from_secs(600))
            .unwrap()
    };
    let (bureau, department) = (token(pb()), token(vakdienst("dsb")));
    // public_space routes to dsb, which therefore sees the reporter of what it reports.
    let body = json!({"title": "Speeltuin kapot", "description": "Al weken een gevaarlijk klimrek.",
                      "neighbourhoodId": "transvaal", "source": "resident", "themeId": "public_space",
                      "reporter": {"name": "Fatima el Amrani", "email": "fatima@example.nl"}});
    let first = post_with_key(&app, &bureau, "/api/v1/signals", "shared", &body).await;
    assert_eq!(first.status, 201, "{}", first.text);

    // The same sub with another role does not share the bureau's key: its request runs.
    let own = post_with_key(&app, &department, "/api/v1/signals", "shared", &body).await;
    assert_eq!(own.status, 201, "{}", own.text);
    assert!(own.header("idempotent-replayed").is_none(), "not replayed");
    assert_ne!(own.body["id"], first.body["id"]);
    assert!(own.body["reporter"].is_object(), "{}", own.text);
    assert_eq!(count(&app, "/api/v1/signals").await, 2);

    // Handed to ocw, the signal's reporter is no longer dsb's to see: no replay shows it.
    let id = own.body["id"].as_str().unwrap();
    signal_action(
        &app,
        &pb(),
        id,
        "reassignments",
        json!({"departmentId": "ocw", "reason": "Schoolplein"}),
    )
    .await;
    let refused = post_with_key(&app, &department, "/api/v1/signals", "shared", &body).await;
    refused.assert_problem(404, "not_found");
    assert!(!refused.text.contains("Fatima"), "{}", refused.text);
    let replayed = post_with_key(&app, &bureau, "/api/v1/signals", "shared", &body).await;
    assert_eq!(
        replayed.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(replayed.text, first.text);
    assert_eq!(count(&app, "/api/v1/signals").await, 2, "nothing written");
}

#[actix_rt::test]
async fn a_fresh_key_is_reserved_by_the_writes_own_transaction() {
    let app = spawn_app().await;
    let mut conn = app.database.target().connect().unwrap();
    let now = Utc::now().naive_utc();
    let reservation = || {
        let mut held = Reservation::new(
            r#"["test-user","programmabureau",null]"#.to_owned(),
            "POST".to_owned(),
            "/api/v1/signals".to_owned(),
            "in-the-write".to_owned(),
        );
        held.fresh = Some(FreshKey {
            request_hash: "hash".to_owned(),
            created_at: now,
            expires_at: now + chrono::Duration::hours(1),
        });
        held
    };
    let mine = reservation();
    // A write that rolls back takes the key with it: nothing was reserved before it.
    let rolled_back: Result<(), ApiError> = write_transaction(&mut conn, |conn| {
        keys::mark_committed(conn, &mine)?;
        Err(ApiError::Internal("the change failed".to_owned()))
    });
    assert!(rolled_back.is_err());
    assert!(keys::look_up(&mut conn, &mine).unwrap().is_none());
    // One that commits holds it, committed, in the same statement as its change.
    write_transaction(&mut conn, |conn| keys::mark_committed(conn, &mine)).unwrap();
    let held = keys::look_up(&mut conn, &mine)
        .unwrap()
        .expect("the key's row");
    assert_eq!(
        (held.state.as_str(), held.attempt.as_str()),
        ("committed", mine.attempt.as_str())
    );
    // Another request's write under the same key is refused and rolls back.
    let theirs = reservation();
    let lost = write_transaction(&mut conn, |conn| keys::mark_committed(conn, &theirs));
    assert!(
        matches!(lost, Err(ApiError::IdempotencyKeyInUse)),
        "{lost:?}"
    );
    let still = keys::look_up(&mut conn, &mine)
        .unwrap()
        .expect("the key's row");
    assert_eq!(still.attempt, mine.attempt);
}
