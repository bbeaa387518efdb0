//! Bulk programme data for the benchmark (`wijkregie generate`): partners, projects with their
//! neighbourhoods, effects, goals, funding lines, partners, links and assessments, and signals
//! with their departments, project links and events, policy issues and evaluations — at city
//! scale (100,000 projects and
//! 1,000,000 signals load in minutes).
//!
//! Deterministic: the same seed and anchor give the same rows, ids included (the demo's
//! SplitMix64 makes every choice). Times lie before the anchor (by default the start of today,
//! UTC), so recent signals are open and old ones answered, late or overdue, as in the demo.
//!
//! Speed comes from multi-row `INSERT … VALUES (…), (…)` statements: diesel's batch insert does
//! not compile through the multi-connection, and one statement per row would take hours. The
//! values are written as SQL literals by [`SqlValue`], which quotes every text; both databases
//! accept the same statement text. Events get their ids here, and the `event_counter` row is
//! set to the last one at the end, as `events::record` would have left it.
//!
//! This module holds the entry point, the plan and the reference data the rows point at;
//! `sql_batch` writes the statements, `projects` decides the partners, projects and assessments,
//! `signals` the signals and their events, and `feedback` the policy issues and evaluations.

mod feedback;
mod projects;
mod signals;
mod sql_batch;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::schema::{event_counter, neighbourhoods, themes};
use crate::db::{DbConnection, write_transaction};
use crate::demo::{Rng, has_programme_data};
use crate::error::ApiError;
use projects::{partners, projects};
use signals::signals;
pub use sql_batch::SqlValue;
use sql_batch::Tables;

const DEPARTMENTS: [&str; 6] = ["ocw", "szw", "dso", "dsb", "dpz", "bsd"];

/// What to generate.
#[derive(Debug, Clone)]
pub struct Plan {
    pub projects: usize,
    pub signals: usize,
    pub seed: u64,
    /// Every generated time lies before this moment.
    pub anchor: NaiveDateTime,
}

impl Plan {
    /// The anchor for a day: its midnight, UTC.
    pub fn anchor_of(day: NaiveDate) -> NaiveDateTime {
        day.and_time(chrono::NaiveTime::MIN)
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    pub partners: usize,
    pub projects: usize,
    pub assessments: usize,
    pub signals: usize,
    pub events: i64,
}

/// Told how far a stage is: `(stage, done, total)`.
pub type Progress<'a> = &'a mut dyn FnMut(&'static str, usize, usize);

/// The reference data the rows point at, read from the database in a fixed order.
struct Reference {
    /// (neighbourhood, district)
    neighbourhoods: Vec<(String, String)>,
    /// (theme, department, response days)
    themes: Vec<(String, String, i32)>,
}

fn reference(conn: &mut DbConnection) -> Result<Reference, ApiError> {
    let neighbourhoods: Vec<(String, String)> = neighbourhoods::table
        .order(neighbourhoods::id)
        .select((neighbourhoods::id, neighbourhoods::district_id))
        .load(conn)?;
    let themes: Vec<(String, String, i32)> = themes::table
        .order(themes::id)
        .select((themes::id, themes::department_id, themes::response_days))
        .load(conn)?;
    if neighbourhoods.is_empty() || themes.is_empty() {
        return Err(ApiError::Internal(
            "the database has no neighbourhoods or themes to generate data for".to_owned(),
        ));
    }
    Ok(Reference {
        neighbourhoods,
        themes,
    })
}

fn days(n: usize) -> Duration {
    Duration::days(i64::try_from(n).unwrap_or(0))
}

fn minutes(n: usize) -> Duration {
    Duration::minutes(i64::try_from(n).unwrap_or(0))
}

fn date(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// Generates the programme of `plan` into a database without programme data, in one
/// transaction, then refreshes the planner's statistics. `Ok(None)`: the database holds
/// programme data already, and nothing was written.
pub fn generate(
    conn: &mut DbConnection,
    plan: &Plan,
    progress: Progress<'_>,
) -> Result<Option<Generated>, ApiError> {
    let generated = write_transaction(conn, |conn| {
        if has_programme_data(conn)? {
            return Ok(None);
        }
        let reference = reference(conn)?;
        let last_event_id: i64 = event_counter::table
            .filter(event_counter::id.eq(1))
            .select(event_counter::last_id)
            .first(conn)?;
        let mut tables = Tables::new(last_event_id);
        let mut rng = Rng(plan.seed);
        let partner_count = (plan.projects / 20).max(10);
        let partners = partners(conn, &mut tables, &mut rng, plan, &reference, partner_count)?;
        progress("partners", partner_count, partner_count);
        let (project_ids, assessments) = projects(
            conn,
            &mut tables,
            &mut rng,
            plan,
            &reference,
            &partners,
            progress,
        )?;
        signals(
            conn,
            &mut tables,
            &mut rng,
            plan,
            &reference,
            &partners,
            &project_ids,
            progress,
        )?;
        tables.flush(conn)?;
        progress("policy issues and evaluations", 0, 1);
        feedback::feedback(conn, &mut tables, &mut rng, plan, &reference)?;
        tables.flush(conn)?;
        progress("policy issues and evaluations", 1, 1);
        let last_event_id = tables.next_event_id - 1;
        diesel::update(event_counter::table.filter(event_counter::id.eq(1)))
            .set(event_counter::last_id.eq(last_event_id))
            .execute(conn)?;
        Ok(Some(Generated {
            partners: partners.len(),
            projects: project_ids.len(),
            assessments,
            signals: plan.signals,
            events: last_event_id,
        }))
    })?;
    if generated.is_some() {
        progress("statistics", 0, 1);
        // Fresh statistics (and on PostgreSQL a visibility map for index-only scans), so the
        // first queries are planned for the data that is there; outside the transaction.
        match conn {
            DbConnection::Pg(_) => conn.batch_execute("VACUUM (ANALYZE)")?,
            DbConnection::Sqlite(_) => conn.batch_execute("ANALYZE")?,
        }
        progress("statistics", 1, 1);
    }
    Ok(generated)
}
