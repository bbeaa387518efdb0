//! Hostile and unlucky input that the server can still answer gets a problem, never a 500 or a
//! hang: a body that stalls, a saturated connection pool. (Control characters: conventions.rs.)

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use wijkregie::auth::Role;
use wijkregie::startup;

use crate::helpers::{TestDatabase, spawn_app_with, test_settings};

#[actix_rt::test]
async fn a_request_body_that_stalls_is_answered_408_with_a_problem() {
    let app = spawn_app_with(|s| s.body_timeout = Duration::from_secs(1)).await;
    let token = app.token(&Role::Programmabureau);
    let address = app.address.trim_start_matches("http://").to_owned();
    // Headers announce 100 bytes; 10 come, then nothing.
    let answer = actix_rt::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write!(
            stream,
            "POST /api/v1/signals HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\":"
        )
        .unwrap();
        stream.flush().unwrap();
        let mut answer = Vec::new();
        let mut buffer = [0u8; 4096];
        // Read until the server has sent a whole problem (or closed the connection).
        while let Ok(n) = stream.read(&mut buffer) {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..n]);
            if String::from_utf8_lossy(&answer).contains("body_timeout") {
                break;
            }
        }
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains("\"code\":\"body_timeout\""), "{answer}");
}

/// A request waits for a blocking thread (there are as many as connections) before it waits
/// for a connection; the checkout timeout covers both waits, so three requests queued behind
/// one held connection all answer 503 within about one timeout, not one timeout each.
/// A server with a pool of one connection and checkout timeout `timeout`, that connection
/// already held (as a long request would hold it), and a way to ask it for districts.
struct OneHeldConnection {
    _database: TestDatabase,
    held: Option<r2d2::PooledConnection<wijkregie::db::ConnectionManager>>,
    address: String,
    token: String,
}

impl OneHeldConnection {
    fn start(timeout: Duration) -> Self {
        let database = TestDatabase::new();
        let mut settings = test_settings(&database);
        settings.pool_size = 1;
        settings.pool_timeout = timeout;
        let app = startup::build(&settings, None).unwrap();
        let address = format!("http://{}", app.address);
        actix_rt::spawn(app.server);
        let token = crate::helpers::token_for(&settings, &Role::Programmabureau);
        let held = Some(app.db.get().unwrap());
        Self {
            _database: database,
            held,
            address,
            token,
        }
    }

    fn districts(&self) -> awc::SendClientRequest {
        awc::Client::default()
            .get(format!("{}/api/v1/districts", self.address))
            .insert_header(("Authorization", format!("Bearer {}", self.token)))
            .send()
    }
}

#[actix_rt::test]
async fn requests_queued_for_a_thread_still_answer_503_within_the_checkout_timeout() {
    let server = OneHeldConnection::start(Duration::from_millis(1000));
    let started = std::time::Instant::now();
    let answers = futures::future::join_all((0..3).map(|_| server.districts())).await;
    let waited = started.elapsed();
    for answer in answers {
        assert_eq!(answer.unwrap().status().as_u16(), 503);
    }
    // One after the other, each with its own full timeout, would take three seconds.
    assert!(
        waited < Duration::from_millis(2500),
        "three queued requests took {waited:?} to be refused"
    );
}

#[actix_rt::test]
async fn a_saturated_pool_is_its_own_503_with_retry_after() {
    let mut server = OneHeldConnection::start(Duration::from_millis(200));
    let mut response = server.districts().await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "pool_exhausted", "{body}");
    server.held = None;
    let answered = server.districts().await.unwrap();
    assert_eq!(answered.status().as_u16(), 200);
}

/// Another transaction holds what a write needs (here: the event counter, as the import once
/// held it for minutes): the write waits at most `WIJKREGIE_DB_TIMEOUT_MS` for it — PostgreSQL's
/// `lock_timeout`, SQLite's busy timeout — and answers 503 `database_busy` with `Retry-After`,
/// having changed nothing. Once the other transaction ends, the same write goes through.
#[actix_rt::test]
async fn a_write_that_cannot_get_its_lock_in_time_answers_503_and_changes_nothing() {
    let app = spawn_app_with(|s| s.pool_timeout = Duration::from_millis(1000)).await;
    let token = app.token(&Role::Programmabureau);
    let mut holder = app.database.target().connect().unwrap();
    let hold = match app.database.is_postgres() {
        true => "BEGIN; UPDATE event_counter SET last_id = last_id WHERE id = 1",
        false => "BEGIN IMMEDIATE",
    };
    diesel::connection::SimpleConnection::batch_execute(&mut holder, hold).unwrap();
    let body = serde_json::json!({"name": "Stichting Wachtend", "kind": "welfare"});
    let started = std::time::Instant::now();
    let refused = app.post("/api/v1/partners", &token, &body).await;
    let waited = started.elapsed();
    refused.assert_problem(503, "database_busy");
    assert_eq!(refused.header("retry-after").as_deref(), Some("1"));
    assert!(
        waited < Duration::from_millis(3000),
        "answered after {waited:?}, the deadline is 1 s"
    );
    diesel::connection::SimpleConnection::batch_execute(&mut holder, "ROLLBACK").unwrap();
    let listed = app.get("/api/v1/partners", &token).await;
    assert_eq!(
        listed.body["items"],
        serde_json::json!([]),
        "nothing written"
    );
    let created = app.post("/api/v1/partners", &token, &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
}
