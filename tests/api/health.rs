//! Health checks: liveness always, readiness only while the database answers with our schema.

use std::time::{Duration, Instant};

use awc::http::Method;
use wijkregie::startup;

use crate::helpers::{TestDatabase, spawn_app, test_settings};

#[actix_rt::test]
async fn liveness_and_readiness_answer_without_a_token() {
    let app = spawn_app().await;
    let live = app
        .request(Method::GET, "/health/live", None, None, &[])
        .await;
    assert_eq!(live.status, 200);
    assert_eq!(live.body["status"], "up");
    let ready = app
        .request(Method::GET, "/health/ready", None, None, &[])
        .await;
    assert_eq!(ready.status, 200);
    let backend = if app.database.is_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    assert_eq!(ready.body["database"], backend);
}

#[actix_rt::test]
async fn readiness_is_a_503_problem_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.database.simulate_outage();
    let ready = app
        .request(Method::GET, "/health/ready", None, None, &[])
        .await;
    ready.assert_problem(503, "database_unavailable");
    assert_eq!(ready.header("retry-after").as_deref(), Some("5"));
    let live = app
        .request(Method::GET, "/health/live", None, None, &[])
        .await;
    assert_eq!(live.status, 200, "the process itself is still alive");
}

/// Readiness is asked on a connection and a thread of its own: with every connection of the
/// request pool held (as requests stuck behind a lock would hold them), it still answers at once.
#[actix_rt::test]
async fn readiness_answers_at_once_while_every_request_connection_is_busy() {
    let database = TestDatabase::new();
    let mut settings = test_settings(&database);
    settings.pool_size = 1;
    settings.pool_timeout = Duration::from_secs(3);
    let app = startup::build(&settings, None).unwrap();
    let address = format!("http://{}", app.address);
    actix_rt::spawn(app.server);
    let _held = app.db.get().unwrap();
    let started = Instant::now();
    let mut ready = awc::Client::default()
        .get(format!("{address}/health/ready"))
        .send()
        .await
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(ready.status().as_u16(), 200, "{:?}", ready.body().await);
    assert!(waited < Duration::from_secs(1), "answered after {waited:?}");
}

/// Readiness says when the database is busy: the check gives the database a second. On
/// PostgreSQL a transaction that locks the table the check reads makes it wait, and the answer
/// is 503 `database_busy` after about that second, not a hang. On SQLite (write-ahead log)
/// readers never wait for a writer, so even a transaction holding the database's write lock
/// leaves readiness at 200.
#[actix_rt::test]
async fn readiness_says_busy_within_a_second_when_the_database_does_not_answer() {
    let app = spawn_app().await;
    let mut holder = app.database.target().connect().unwrap();
    let hold = match app.database.is_postgres() {
        true => "BEGIN; LOCK TABLE event_counter IN ACCESS EXCLUSIVE MODE",
        false => "BEGIN EXCLUSIVE",
    };
    diesel::connection::SimpleConnection::batch_execute(&mut holder, hold).unwrap();
    let started = Instant::now();
    let ready = app
        .request(Method::GET, "/health/ready", None, None, &[])
        .await;
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_millis(2000),
        "answered after {waited:?}"
    );
    if app.database.is_postgres() {
        ready.assert_problem(503, "database_busy");
        assert_eq!(ready.header("retry-after").as_deref(), Some("1"));
    } else {
        assert_eq!(ready.status, 200, "{}", ready.text);
    }
    diesel::connection::SimpleConnection::batch_execute(&mut holder, "ROLLBACK").unwrap();
    let again = app
        .request(Method::GET, "/health/ready", None, None, &[])
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
}
