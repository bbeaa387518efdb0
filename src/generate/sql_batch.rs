//! The SQL-literal batch writer behind the generator: [`SqlValue`] writes a value into the
//! statement text as a literal, and [`Tables`] gathers the rows of every table the generator
//! fills into multi-row `INSERT … VALUES (…), (…)` statements, sent parents before children.
//! It also numbers the events, since they are rows like any other.

use std::fmt::Write as _;

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;

use crate::db::DbConnection;
use crate::error::ApiError;

/// Rows per `INSERT` statement: large enough that parsing and round trips no longer dominate,
/// small enough for SQLite's limits and a modest statement buffer.
const ROWS_PER_STATEMENT: usize = 400;

/// A value written into the statement text as an SQL literal.
pub trait SqlValue {
    fn write_sql(&self, out: &mut String);
}

impl SqlValue for str {
    fn write_sql(&self, out: &mut String) {
        // Standard SQL quoting: the only special character in a literal is the quote itself
        // (PostgreSQL's standard_conforming_strings is on by default; SQLite has no escapes).
        out.push('\'');
        for c in self.chars() {
            if c == '\'' {
                out.push('\'');
            }
            out.push(c);
        }
        out.push('\'');
    }
}

impl SqlValue for String {
    fn write_sql(&self, out: &mut String) {
        self.as_str().write_sql(out);
    }
}

impl SqlValue for i64 {
    fn write_sql(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl SqlValue for i32 {
    fn write_sql(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl SqlValue for f64 {
    fn write_sql(&self, out: &mut String) {
        // `{:?}` always writes a decimal point, so the literal is a float on both databases.
        let _ = write!(out, "{self:?}");
    }
}

impl SqlValue for bool {
    fn write_sql(&self, out: &mut String) {
        out.push_str(if *self { "TRUE" } else { "FALSE" });
    }
}

impl SqlValue for NaiveDateTime {
    fn write_sql(&self, out: &mut String) {
        // The text diesel stores on SQLite and PostgreSQL parses as a timestamp.
        self.format("%F %T%.f").to_string().write_sql(out);
    }
}

impl<T: SqlValue> SqlValue for Option<T> {
    fn write_sql(&self, out: &mut String) {
        match self {
            Some(value) => value.write_sql(out),
            None => out.push_str("NULL"),
        }
    }
}

impl<T: SqlValue + ?Sized> SqlValue for &T {
    fn write_sql(&self, out: &mut String) {
        (**self).write_sql(out);
    }
}

/// The tables the generator writes, in an order that satisfies the foreign keys when flushed.
#[derive(Debug, Clone, Copy)]
pub(super) enum Table {
    Partners,
    PartnerNeighbourhoods,
    Projects,
    ProjectNeighbourhoods,
    ProjectEffects,
    Goals,
    FundingLines,
    ProjectPartners,
    ProjectLinks,
    Assessments,
    AssessmentScores,
    Signals,
    SignalDepartments,
    SignalProjects,
    Events,
}

impl Table {
    const ALL: [Table; 15] = [
        Self::Partners,
        Self::PartnerNeighbourhoods,
        Self::Projects,
        Self::ProjectNeighbourhoods,
        Self::ProjectEffects,
        Self::Goals,
        Self::FundingLines,
        Self::ProjectPartners,
        Self::ProjectLinks,
        Self::Assessments,
        Self::AssessmentScores,
        Self::Signals,
        Self::SignalDepartments,
        Self::SignalProjects,
        Self::Events,
    ];

    fn name_and_columns(self) -> (&'static str, &'static str) {
        match self {
            Self::Partners => (
                "partners",
                "id, name, name_search, kind, kvk_number, contact_name, contact_email, \
                 contact_phone, website, active, version, created_at, updated_at",
            ),
            Self::PartnerNeighbourhoods => {
                ("partner_neighbourhoods", "partner_id, neighbourhood_id")
            }
            Self::Projects => (
                "projects",
                "id, title, title_search, summary, district_id, initiator, initiator_partner_id, \
                 project_leader, start_date, end_date, sustainability_plan, status, submitted_at, \
                 response_due_at, responded_at, version, created_at, updated_at, eligible, \
                 assessment_id",
            ),
            Self::ProjectNeighbourhoods => {
                ("project_neighbourhoods", "project_id, neighbourhood_id")
            }
            Self::ProjectEffects => ("project_effects", "project_id, effect"),
            Self::Goals => (
                "goals",
                "id, project_id, effect, indicator, unit, baseline, target, actual, measured_on, \
                 version, created_at, updated_at",
            ),
            Self::FundingLines => (
                "funding_lines",
                "id, project_id, source_type, source_id, amount_cents, status, version, \
                 created_at, updated_at",
            ),
            Self::ProjectPartners => (
                "project_partners",
                "project_id, partner_id, role, created_at",
            ),
            Self::ProjectLinks => (
                "project_links",
                "id, project_id, target_project_id, kind, pair_key, created_at",
            ),
            Self::Assessments => (
                "assessments",
                "id, project_id, kind, department_id, status, effects, sustainability_score, \
                 sustainability_motivation, advice, explanation, substantial_effects, eligible, \
                 author_sub, finalized_at, version, created_at, updated_at",
            ),
            Self::Signals => (
                "signals",
                "id, title, title_search, description, neighbourhood_id, district_id, source, \
                 theme_id, policy_feedback, reporter_name, reporter_email, reporter_phone, \
                 reported_by_partner_id, assigned_department_id, status, received_at, due_at, \
                 answered_at, response, reassignment_count, overdue_recorded, version, \
                 created_at, updated_at, reporter_wants_updates, tracking_code",
            ),
            Self::AssessmentScores => ("assessment_scores", "assessment_id, effect, score"),
            Self::SignalDepartments => ("signal_departments", "signal_id, department_id"),
            Self::SignalProjects => ("signal_projects", "signal_id, project_id"),
            Self::Events => (
                "events",
                "id, occurred_at, actor_sub, actor_role, actor_name, action, resource_type, \
                 resource_id, data",
            ),
        }
    }
}

/// The pending rows of one table.
struct Batch {
    head: String,
    sql: String,
    rows: usize,
}

/// The pending rows of every table, and the next event id.
pub(super) struct Tables {
    batches: Vec<Batch>,
    pub(super) next_event_id: i64,
}

impl Tables {
    pub(super) fn new(last_event_id: i64) -> Self {
        Self {
            batches: Table::ALL
                .iter()
                .map(|table| {
                    let (name, columns) = table.name_and_columns();
                    Batch {
                        head: format!("INSERT INTO {name} ({columns}) VALUES "),
                        sql: String::new(),
                        rows: 0,
                    }
                })
                .collect(),
            next_event_id: last_event_id + 1,
        }
    }

    /// Adds a row; when its table's statement is full, sends every table's pending rows, parents
    /// before children, so a foreign key never points at a row that is still pending.
    pub(super) fn push(
        &mut self,
        conn: &mut DbConnection,
        table: Table,
        values: &[&dyn SqlValue],
    ) -> Result<(), ApiError> {
        let Some(batch) = self.batches.get_mut(table as usize) else {
            return Err(ApiError::Internal(format!("no batch for {table:?}")));
        };
        batch
            .sql
            .push_str(if batch.rows == 0 { &batch.head } else { ", " });
        batch.sql.push('(');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                batch.sql.push_str(", ");
            }
            value.write_sql(&mut batch.sql);
        }
        batch.sql.push(')');
        batch.rows += 1;
        if batch.rows >= ROWS_PER_STATEMENT {
            self.flush(conn)?;
        }
        Ok(())
    }

    /// Sends every pending row, parents before children.
    pub(super) fn flush(&mut self, conn: &mut DbConnection) -> Result<(), ApiError> {
        for batch in &mut self.batches {
            if batch.rows > 0 {
                conn.batch_execute(&batch.sql)?;
                batch.sql.clear();
                batch.rows = 0;
            }
        }
        Ok(())
    }

    pub(super) fn event(
        &mut self,
        conn: &mut DbConnection,
        at: NaiveDateTime,
        resource_type: &str,
        resource_id: &str,
        action: &str,
        data: &serde_json::Value,
    ) -> Result<(), ApiError> {
        let id = self.next_event_id;
        self.next_event_id += 1;
        self.push(
            conn,
            Table::Events,
            &[
                &id,
                &at,
                &"wijkregie-generate",
                &"admin",
                &"Generated data",
                &format!("{resource_type}.{action}"),
                &resource_type,
                &resource_id,
                &data.to_string(),
            ],
        )
    }
}
