//! The benchmark's data generator: the planned counts, the same data for the same seed, rows the
//! API reads back like any other, and never into a database that holds programme data.

use diesel::dsl::count_star;
use diesel::prelude::*;
use serde_json::Value;

use crate::helpers::{TestDatabase, spawn_app};
use wijkregie::auth::Role;
use wijkregie::db::DbConnection;
use wijkregie::db::schema::{
    assessments, event_counter, events, partners, project_links, projects, signal_departments,
    signals,
};
use wijkregie::generate::{self, Generated, Plan};

fn plan(seed: u64) -> Plan {
    Plan {
        projects: 60,
        signals: 900,
        seed,
        anchor: Plan::anchor_of(wijkregie::domain::time::now().date()),
    }
}

fn generate_into(conn: &mut DbConnection, plan: &Plan) -> Option<Generated> {
    generate::generate(conn, plan, &mut |_, _, _| {}).unwrap()
}

fn migrated(database: &TestDatabase) -> DbConnection {
    let mut conn = database.target().connect().unwrap();
    wijkregie::db::run_migrations(&mut conn).unwrap();
    conn
}

#[test]
fn the_generator_writes_the_planned_rows_once() {
    let database = TestDatabase::new();
    let mut conn = migrated(&database);
    let generated = generate_into(&mut conn, &plan(7)).expect("an empty database gets data");
    assert_eq!((generated.projects, generated.signals), (60, 900));
    assert_eq!(
        generated.partners, 10,
        "one partner per 20 projects, at least 10"
    );

    let count = |conn: &mut DbConnection, table: &str| -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<Count>(conn)
            .unwrap()
            .n
    };
    assert_eq!(count(&mut conn, "projects"), 60);
    assert_eq!(count(&mut conn, "signals"), 900);
    assert_eq!(count(&mut conn, "partners"), 10);
    assert!(
        count(&mut conn, "signal_departments") > 900,
        "hand-offs add a department"
    );
    assert!(count(&mut conn, "goals") == 120);
    assert!(count(&mut conn, "funding_lines") >= 120);
    assert!(count(&mut conn, "project_links") > 0);
    assert_eq!(
        count(&mut conn, "policy_issues"),
        8,
        "at least eight, in every state"
    );
    assert!(count(&mut conn, "policy_issue_signals") > 8);
    assert_eq!(
        count(&mut conn, "evaluation_voices"),
        2 * count(&mut conn, "evaluations"),
        "two voices per evaluation"
    );
    assert_eq!(
        count(&mut conn, "assessments"),
        i64::try_from(generated.assessments).unwrap()
    );
    assert_eq!(
        count(&mut conn, "assessment_scores"),
        6 * i64::try_from(generated.assessments).unwrap(),
        "one score row per effect"
    );

    // Event ids continue from the counter, which ends at the last one.
    let last: i64 = event_counter::table
        .select(event_counter::last_id)
        .first(&mut conn)
        .unwrap();
    let (events, max_id): (i64, Option<i64>) = events::table
        .select((count_star(), diesel::dsl::max(events::id)))
        .first(&mut conn)
        .unwrap();
    assert_eq!((events, max_id), (last, Some(last)));
    assert_eq!(generated.events, last);
    for action in [
        "signal.received",
        "signal.routed",
        "signal.reassigned",
        "signal.overdue",
    ] {
        let n: i64 = events::table
            .filter(events::action.eq(action))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert!(n > 0, "{action} events");
    }

    // Every decided project points at its final programme assessment.
    let decided: Vec<(String, Option<bool>)> = projects::table
        .filter(projects::assessment_id.is_not_null())
        .select((
            projects::assessment_id.assume_not_null(),
            projects::eligible,
        ))
        .load(&mut conn)
        .unwrap();
    assert!(!decided.is_empty());
    for (assessment_id, eligible) in decided {
        let (status, assessed_eligible): (String, bool) = assessments::table
            .find(&assessment_id)
            .select((assessments::status, assessments::eligible))
            .first(&mut conn)
            .unwrap();
        assert_eq!(
            (status.as_str(), Some(assessed_eligible)),
            ("final", eligible)
        );
    }

    assert_eq!(
        generate_into(&mut conn, &plan(7)),
        None,
        "a database with programme data is left alone"
    );
    assert_eq!(count(&mut conn, "projects"), 60);
}

#[test]
fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
    type Snapshot = (
        Vec<(String, String, String)>,
        Vec<(String, String, String, Option<String>)>,
        Vec<String>,
        Vec<(String, String)>,
        Vec<String>,
    );
    let snapshot = |seed: u64| -> Snapshot {
        let database = TestDatabase::new();
        let mut conn = migrated(&database);
        generate_into(&mut conn, &plan(seed)).unwrap();
        (
            projects::table
                .order(projects::id)
                .select((projects::id, projects::title, projects::status))
                .load(&mut conn)
                .unwrap(),
            signals::table
                .order(signals::id)
                .select((
                    signals::id,
                    signals::status,
                    signals::assigned_department_id,
                    signals::reported_by_partner_id,
                ))
                .load(&mut conn)
                .unwrap(),
            partners::table
                .order(partners::id)
                .select(partners::id)
                .load(&mut conn)
                .unwrap(),
            signal_departments::table
                .order((
                    signal_departments::signal_id,
                    signal_departments::department_id,
                ))
                .select((
                    signal_departments::signal_id,
                    signal_departments::department_id,
                ))
                .load(&mut conn)
                .unwrap(),
            project_links::table
                .order(project_links::id)
                .select(project_links::pair_key)
                .load(&mut conn)
                .unwrap(),
        )
    };
    let first = snapshot(11);
    assert_eq!(first, snapshot(11), "same seed, same data");
    assert_ne!(first.1, snapshot(12).1, "another seed, other signals");
}

#[actix_rt::test]
async fn the_api_reads_generated_data_like_any_other() {
    let app = spawn_app().await;
    let mut conn = app.database.target().connect().unwrap();
    generate_into(&mut conn, &plan(3)).unwrap();
    let pb = app.token(&Role::Programmabureau);
    let items = |body: &Value| body["items"].as_array().unwrap().clone();

    let overdue = app.get("/api/v1/signals?overdue=true&limit=50", &pb).await;
    assert_eq!(overdue.status, 200, "{}", overdue.text);
    assert!(!items(&overdue.body).is_empty(), "some signals are overdue");
    assert!(items(&overdue.body).iter().all(|s| s["overdue"] == true));

    let vakdienst = app.token(&Role::Vakdienst {
        department_id: "ocw".to_owned(),
    });
    let mine = app.get("/api/v1/signals?limit=50", &vakdienst).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(items(&mine.body).len(), 50);

    let running = app
        .get("/api/v1/projects?status=running&limit=5", &pb)
        .await;
    assert_eq!(running.status, 200, "{}", running.text);
    let id = items(&running.body)[0]["id"].as_str().unwrap().to_owned();
    let project = app.get(&format!("/api/v1/projects/{id}"), &pb).await;
    assert_eq!(project.status, 200, "{}", project.text);
    assert_eq!(project.body["status"], "running");
    assert!(!project.body["partners"].as_array().unwrap().is_empty());
    assert!(project.body["eligible"].is_boolean(), "{}", project.text);

    let report = app.get("/api/v1/reports/progress", &pb).await;
    assert_eq!(report.status, 200, "{}", report.text);

    let signal_id = items(&mine.body)[0]["id"].as_str().unwrap().to_owned();
    let signal = app.get(&format!("/api/v1/signals/{signal_id}"), &pb).await;
    assert_eq!(signal.status, 200, "{}", signal.text);
}
