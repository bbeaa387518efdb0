//! The demo programme: loads into an empty database, the same every time, and never into a
//! database that holds programme data.

use serde_json::Value;

use crate::helpers::{TestDatabase, spawn_app};
use wijkregie::auth::Role;
use wijkregie::demo;

#[actix_rt::test]
async fn the_demo_programme_loads_once_and_the_api_shows_it() {
    let app = spawn_app().await;
    let mut conn = app.database.target().connect().unwrap();
    let loaded = demo::load(&mut conn, wijkregie::domain::time::now())
        .unwrap()
        .expect("an empty database gets the demo");
    assert_eq!(
        (loaded.partners, loaded.projects, loaded.signals),
        (14, 60, 2000)
    );
    assert_eq!(loaded.policy_issues, 8);
    assert!(
        loaded.evaluations >= 12,
        "every stopped and evaluated project"
    );
    assert_eq!(
        demo::load(&mut conn, wijkregie::domain::time::now()).unwrap(),
        None,
        "a second run changes nothing"
    );

    let pb = app.token(&Role::Programmabureau);
    let count = |body: &Value| body["items"].as_array().unwrap().len();
    for status in [
        "draft",
        "submitted",
        "in_dialogue",
        "under_assessment",
        "approved",
        "rejected",
        "running",
        "completed",
        "stopped",
        "evaluated",
    ] {
        let page = app
            .get(&format!("/api/v1/projects?status={status}&limit=200"), &pb)
            .await;
        assert_eq!(count(&page.body), 6, "projects {status}");
    }
    let eligible = app
        .get("/api/v1/projects?eligible=true&limit=200", &pb)
        .await;
    assert!(
        count(&eligible.body) >= 30,
        "decided projects carry their assessment"
    );
    let overdue = app.get("/api/v1/signals?overdue=true&limit=200", &pb).await;
    assert!(count(&overdue.body) > 0, "some signals are overdue");
    let handed_off = app
        .get("/api/v1/events?action=signal.reassigned&limit=200", &pb)
        .await;
    assert!(count(&handed_off.body) > 0, "some signals were handed off");
    let project = &app
        .get("/api/v1/projects?status=running&limit=1", &pb)
        .await
        .body["items"][0];
    assert!(project["budget"]["cofinancingRatio"].as_f64().unwrap() > 0.0);
    assert!(!project["partners"].as_array().unwrap().is_empty());
    // The whole loop of policy feedback, and the lessons of stopped and evaluated projects.
    for status in ["draft", "raised", "responded", "closed"] {
        let issues = app
            .get(&format!("/api/v1/policy-issues?status={status}"), &pb)
            .await;
        assert_eq!(count(&issues.body), 2, "policy issues {status}");
    }
    let overdue = app.get("/api/v1/policy-issues?overdue=true", &pb).await;
    assert_eq!(count(&overdue.body), 1, "one response is overdue");
    for status in ["stopped", "evaluated"] {
        let page = app
            .get(&format!("/api/v1/projects?status={status}&limit=200"), &pb)
            .await;
        for project in page.body["items"].as_array().unwrap() {
            let id = project["id"].as_str().unwrap();
            let evaluation = app
                .get(&format!("/api/v1/projects/{id}/evaluation"), &pb)
                .await;
            assert_eq!(evaluation.status, 200, "{status} project {id}");
            assert_eq!(evaluation.body["voices"].as_array().unwrap().len(), 2);
        }
    }
    let report = app.get("/api/v1/reports/progress", &pb).await;
    assert!(
        report.body["policyFeedback"]["total"]["issuesRaised"]
            .as_i64()
            .unwrap()
            >= 6
    );
}

#[test]
fn the_demo_programme_is_the_same_every_time() {
    let titles = |database: &TestDatabase| -> Vec<(String, String)> {
        use diesel::prelude::*;
        use wijkregie::db::schema::projects;
        let mut conn = database.target().connect().unwrap();
        wijkregie::db::run_migrations(&mut conn).unwrap();
        demo::load(&mut conn, wijkregie::domain::time::now())
            .unwrap()
            .unwrap();
        projects::table
            .order(projects::id)
            .select((projects::title, projects::status))
            .load(&mut conn)
            .unwrap()
    };
    let (first, second) = (TestDatabase::new(), TestDatabase::new());
    assert_eq!(titles(&first), titles(&second));
}
