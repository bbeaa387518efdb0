//! Health checks: liveness always, readiness only while the database answers with our schema.

use awc::http::Method;

use crate::helpers::spawn_app;

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
