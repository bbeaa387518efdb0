//! Each reading scope is written twice: as SQL in `db` (the list queries of projects, signals
//! and policy issues, the outcome filter of `?eligible=`, the report's selection) and as
//! `admits` in memory (`domain::access`, which `visibility` applies to references, histories
//! and the event feed). Over a generated programme and over the demo programme, for every role
//! with every scope it can have, both select exactly the same rows, on the database the suite
//! runs on.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use wijkregie::auth::{Principal, Role, RoleKind};
use wijkregie::authz;
use wijkregie::db::reports::{self as report_repo, ReportScope};
use wijkregie::db::schema::{departments, districts, partners};
use wijkregie::db::{
    DbConnection, assessments as assessment_repo, policy_issues as issue_repo,
    projects as project_repo, signals as signal_repo,
};
use wijkregie::domain::time;
use wijkregie::generate::{self, Plan};

use crate::helpers::TestDatabase;

/// More rows than any data set here holds: a list with this limit is the whole selection.
const ALL_ROWS: i64 = 100_000;

fn migrated(database: &TestDatabase) -> DbConnection {
    let mut conn = database.target().connect().unwrap();
    wijkregie::db::run_migrations(&mut conn).unwrap();
    conn
}

/// Every principal the data set can have: each role with each scope value its reference data
/// and partners give, and a partner that is registered nowhere.
fn every_principal(conn: &mut DbConnection) -> Vec<Principal> {
    let ids = |conn: &mut DbConnection, kind: RoleKind| -> Vec<Option<String>> {
        let ids: Vec<String> = match kind {
            RoleKind::Stadsdeel => districts::table.select(districts::id).load(conn),
            RoleKind::Vakdienst => departments::table.select(departments::id).load(conn),
            RoleKind::Partner => partners::table.select(partners::id).load(conn),
            RoleKind::Programmabureau | RoleKind::Admin => return vec![None],
        }
        .unwrap();
        ids.into_iter().map(Some).collect()
    };
    let mut principals = Vec::new();
    for kind in RoleKind::ALL {
        let mut scopes = ids(conn, kind);
        if kind == RoleKind::Partner {
            scopes.push(Some("0190f0a0-0000-7000-8000-00000000dead".to_owned()));
        }
        for scope in scopes {
            let role = Role::with_scope(kind, scope).unwrap();
            principals.push(Principal {
                subject: "scope-parity".to_owned(),
                name: None,
                client_id: None,
                role,
            });
        }
    }
    principals
}

/// How often each scope (by its variant) selected some rows but not all of them: a scope that
/// never did was not put to the test by the data set.
#[derive(Default)]
struct Exercised(BTreeMap<String, usize>);

impl Exercised {
    fn note(&mut self, scope: &impl std::fmt::Debug, selected: usize, of: usize) {
        let name = format!("{scope:?}");
        let variant = name
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or_default()
            .to_owned();
        let partial = usize::from(selected > 0 && selected < of);
        *self.0.entry(variant).or_default() += partial;
    }
}

/// The rows `sql` and `admits` selected for one principal, with the difference if any.
fn compare(
    what: &str,
    principal: &Principal,
    sql: BTreeSet<String>,
    memory: BTreeSet<String>,
    failures: &mut Vec<String>,
) {
    if sql != memory {
        failures.push(format!(
            "{what} as {:?}: only in SQL {:?}, only in memory {:?}",
            principal.role,
            sql.difference(&memory).collect::<Vec<_>>(),
            memory.difference(&sql).collect::<Vec<_>>(),
        ));
    }
}

/// Every scope's SQL against its `admits`, for every principal of the data set in `conn`.
fn assert_scopes_agree(conn: &mut DbConnection) {
    let principals = every_principal(conn);
    let mut failures = Vec::new();
    let mut exercised = Exercised::default();

    let all_projects = project_repo::list(
        conn,
        &authz::ProjectScope::All,
        &project_repo::ProjectFilter::default(),
        None,
        ALL_ROWS,
    )
    .unwrap();
    let project_ids: Vec<String> = all_projects.iter().map(|p| p.row.id.clone()).collect();
    let project_facts = project_repo::facts_of(conn, &project_ids).unwrap();
    assert_eq!(project_facts.len(), project_ids.len());
    assert!(project_ids.len() >= 20, "{} projects", project_ids.len());

    let all_signals = signal_repo::list(
        conn,
        &authz::SignalScope::All,
        &signal_repo::SignalFilter::default(),
        None,
        ALL_ROWS,
    )
    .unwrap();
    let signal_ids: Vec<String> = all_signals.iter().map(|s| s.row.id.clone()).collect();
    let signal_facts = signal_repo::facts_of(conn, &signal_ids).unwrap();
    assert_eq!(signal_facts.len(), signal_ids.len());

    let all_issues = issue_repo::list(
        conn,
        &authz::PolicyIssueScope::All,
        &issue_repo::PolicyIssueFilter::default(),
        None,
        ALL_ROWS,
    )
    .unwrap();
    let issue_ids: Vec<String> = all_issues.iter().map(|i| i.row.id.clone()).collect();
    let issue_facts = issue_repo::facts_of(conn, &issue_ids).unwrap();
    assert_eq!(issue_facts.len(), issue_ids.len());
    assert!(!issue_ids.is_empty(), "the data set has policy issues");

    for principal in &principals {
        // Projects.
        let scope = authz::project_scope(principal);
        let sql = project_repo::list(
            conn,
            &scope,
            &project_repo::ProjectFilter::default(),
            None,
            ALL_ROWS,
        )
        .unwrap();
        let sql: BTreeSet<String> = sql.into_iter().map(|p| p.row.id).collect();
        let memory: BTreeSet<String> = project_facts
            .iter()
            .filter(|facts| scope.admits(facts))
            .map(|facts| facts.id.clone())
            .collect();
        exercised.note(&scope, memory.len(), project_ids.len());
        compare("projects", principal, sql, memory, &mut failures);

        // Outcomes: `?eligible=` in SQL, `OutcomeScope::admits` as `visibility` applies it.
        let outcome = authz::outcome_scope(principal);
        let involved = match outcome.department() {
            Some(department) => {
                assessment_repo::involving_department(conn, &project_ids, department).unwrap()
            }
            None => Default::default(),
        };
        for eligible in [true, false] {
            let filter = project_repo::ProjectFilter {
                eligible: Some((eligible, outcome.clone())),
                ..Default::default()
            };
            let sql = project_repo::list(conn, &authz::ProjectScope::All, &filter, None, ALL_ROWS)
                .unwrap();
            let sql: BTreeSet<String> = sql.into_iter().map(|p| p.row.id).collect();
            let with_outcome: Vec<_> = all_projects
                .iter()
                .filter(|p| p.row.eligible == Some(eligible))
                .collect();
            let memory: BTreeSet<String> = with_outcome
                .iter()
                .filter(|p| {
                    let facts = p.facts().unwrap();
                    outcome.admits(&facts, involved.contains(&p.row.id))
                })
                .map(|p| p.row.id.clone())
                .collect();
            exercised.note(&outcome, memory.len(), with_outcome.len());
            compare("outcomes", principal, sql, memory, &mut failures);
        }

        // Signals.
        let scope = authz::signal_scope(principal);
        let sql = signal_repo::list(
            conn,
            &scope,
            &signal_repo::SignalFilter::default(),
            None,
            ALL_ROWS,
        )
        .unwrap();
        let sql: BTreeSet<String> = sql.into_iter().map(|s| s.row.id).collect();
        let memory: BTreeSet<String> = signal_facts
            .iter()
            .filter(|facts| scope.admits(facts))
            .map(|facts| facts.id.clone())
            .collect();
        exercised.note(&scope, memory.len(), signal_ids.len());
        compare("signals", principal, sql, memory, &mut failures);

        // Policy issues.
        let scope = authz::policy_issue_scope(principal);
        let sql = issue_repo::list(
            conn,
            &scope,
            &issue_repo::PolicyIssueFilter::default(),
            None,
            ALL_ROWS,
        )
        .unwrap();
        let sql: BTreeSet<String> = sql.into_iter().map(|i| i.row.id).collect();
        let memory: BTreeSet<String> = issue_facts
            .iter()
            .filter(|facts| scope.admits(facts))
            .map(|facts| facts.id.clone())
            .collect();
        exercised.note(&scope, memory.len(), issue_ids.len());
        compare("policy issues", principal, sql, memory, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "scopes whose SQL and admits disagree:\n{}",
        failures.join("\n")
    );
    let untested: Vec<&String> = exercised
        .0
        .iter()
        .filter(|(variant, partial)| variant.as_str() != "All" && **partial == 0)
        .map(|(variant, _)| variant)
        .collect();
    assert!(
        untested.is_empty(),
        "the data set never lets these scopes select some rows but not all: {untested:?}"
    );
    assert!(
        exercised.0.len() >= 13,
        "every variant of the four scopes: {:?}",
        exercised.0.keys()
    );
}

/// The progress report's selection (the district `authz::report_district` gives, as SQL in
/// `db::reports`) counts the projects and signals of that district, for every principal and
/// every district it may ask for.
fn assert_report_selects_the_scoped_rows(conn: &mut DbConnection) {
    let projects = project_repo::list(
        conn,
        &authz::ProjectScope::All,
        &project_repo::ProjectFilter::default(),
        None,
        ALL_ROWS,
    )
    .unwrap();
    let signals = signal_repo::list(
        conn,
        &authz::SignalScope::All,
        &signal_repo::SignalFilter::default(),
        None,
        ALL_ROWS,
    )
    .unwrap();
    let district_ids: Vec<String> = districts::table.select(districts::id).load(conn).unwrap();
    let mut failures = Vec::new();
    let mut reports = 0;
    for principal in every_principal(conn) {
        let asked = std::iter::once(None).chain(district_ids.iter().cloned().map(Some));
        for asked in asked {
            let Ok(district) = authz::report_district(&principal, asked) else {
                continue;
            };
            reports += 1;
            let scope = ReportScope {
                from: None,
                until: None,
                district_id: district.clone(),
                now: time::now(),
                quarters: Vec::new(),
            };
            let figures = report_repo::figures(conn, None, &scope).unwrap();
            let mut sql: BTreeMap<String, i64> = BTreeMap::new();
            for row in figures.projects.iter().filter(|r| r.grp.is_none()) {
                *sql.entry(row.status.clone()).or_default() += row.projects;
            }
            let in_district = |of: &str| district.as_deref().is_none_or(|d| d == of);
            let mut memory: BTreeMap<String, i64> = BTreeMap::new();
            for project in projects.iter().filter(|p| in_district(&p.row.district_id)) {
                *memory.entry(project.row.status.clone()).or_default() += 1;
            }
            if sql != memory {
                failures.push(format!(
                    "projects as {:?} for {district:?}: SQL {sql:?}, memory {memory:?}",
                    principal.role
                ));
            }
            let received: i64 = figures
                .signals
                .iter()
                .filter(|r| r.dimension == "total")
                .map(|r| r.received)
                .sum();
            let counted = signals
                .iter()
                .filter(|s| in_district(&s.row.district_id))
                .count();
            if received != i64::try_from(counted).unwrap() {
                failures.push(format!(
                    "signals as {:?} for {district:?}: SQL {received}, memory {counted}",
                    principal.role
                ));
            }
        }
    }
    assert!(reports > district_ids.len(), "{reports} reports");
    assert!(
        failures.is_empty(),
        "report selections that differ from the rows of their district:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_scope_selects_the_same_rows_in_sql_and_in_memory_over_a_generated_programme() {
    let database = TestDatabase::new();
    let mut conn = migrated(&database);
    let plan = Plan {
        projects: 160,
        signals: 900,
        seed: 28,
        anchor: Plan::anchor_of(time::now().date()),
    };
    generate::generate(&mut conn, &plan, &mut |_, _, _| {})
        .unwrap()
        .expect("an empty database gets data");
    assert_scopes_agree(&mut conn);
    assert_report_selects_the_scoped_rows(&mut conn);
}

#[test]
fn every_scope_selects_the_same_rows_in_sql_and_in_memory_over_the_demo_programme() {
    let database = TestDatabase::new();
    let mut conn = migrated(&database);
    wijkregie::demo::load(&mut conn, time::now())
        .unwrap()
        .expect("an empty database gets the demo programme");
    assert_scopes_agree(&mut conn);
    assert_report_selects_the_scoped_rows(&mut conn);
}
