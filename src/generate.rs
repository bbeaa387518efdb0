//! Bulk programme data for the benchmark (`wijkregie generate`): partners, projects with their
//! neighbourhoods, effects, goals, funding lines, partners, links and assessments, and signals
//! with their departments, project links and events — at city scale (100,000 projects and
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

use std::fmt::Write as _;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::schema::{event_counter, neighbourhoods, themes};
use crate::db::{DbConnection, projects::link_pair_key, write_transaction};
use crate::demo::{PROJECT_IDEAS, Rng, SIGNAL_TOPICS, has_programme_data};
use crate::domain::partners::{PARTNER_KINDS, search_form};
use crate::domain::projects::{EFFECTS, FUNDING_STATUSES, LINK_KINDS, PARTNER_ROLES, STATUSES};
use crate::error::ApiError;

/// Rows per `INSERT` statement: large enough that parsing and round trips no longer dominate,
/// small enough for SQLite's limits and a modest statement buffer.
const ROWS_PER_STATEMENT: usize = 400;
const DEPARTMENTS: [&str; 6] = ["ocw", "szw", "dso", "dsb", "dpz", "bsd"];
const DONE: [&str; 2] = ["answered", "closed"];

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
enum Table {
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
                 created_at, updated_at",
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
struct Tables {
    batches: Vec<Batch>,
    next_event_id: i64,
}

impl Tables {
    fn new(last_event_id: i64) -> Self {
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
    fn push(
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
    fn flush(&mut self, conn: &mut DbConnection) -> Result<(), ApiError> {
        for batch in &mut self.batches {
            if batch.rows > 0 {
                conn.batch_execute(&batch.sql)?;
                batch.sql.clear();
                batch.rows = 0;
            }
        }
        Ok(())
    }

    fn event(
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

/// Partners of every kind, each in one neighbourhood; returns their ids.
fn partners(
    conn: &mut DbConnection,
    tables: &mut Tables,
    rng: &mut Rng,
    plan: &Plan,
    reference: &Reference,
    count: usize,
) -> Result<Vec<String>, ApiError> {
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let at = plan.anchor - days(1500) + minutes(i * 60);
        let id = rng.id(at);
        let kind = PARTNER_KINDS[i % PARTNER_KINDS.len()];
        let name = format!("Partner {} ({})", i + 1, kind.replace('_', " "));
        let (neighbourhood, _) = rng.pick(&reference.neighbourhoods);
        let kvk = format!("{:08}", 40_000_000 + rng.below(9_999_999));
        tables.push(
            conn,
            Table::Partners,
            &[
                &id,
                &name,
                &search_form(&name),
                &kind,
                &kvk,
                &"Contactpersoon",
                &format!("info{}@partner.example.nl", i + 1),
                &None::<String>,
                &None::<String>,
                &true,
                &1i64,
                &at,
                &at,
            ],
        )?;
        tables.push(conn, Table::PartnerNeighbourhoods, &[&id, neighbourhood])?;
        tables.event(
            conn,
            at,
            "partner",
            &id,
            "created",
            &serde_json::json!({ "after": { "name": name } }),
        )?;
        ids.push(id);
    }
    Ok(ids)
}

/// Projects over five years in every status; returns their ids and the number of assessments.
fn projects(
    conn: &mut DbConnection,
    tables: &mut Tables,
    rng: &mut Rng,
    plan: &Plan,
    reference: &Reference,
    partners: &[String],
    progress: Progress<'_>,
) -> Result<(Vec<String>, usize), ApiError> {
    let count = plan.projects;
    let mut ids: Vec<String> = Vec::with_capacity(count);
    let mut assessments = 0;
    let span_minutes = 5 * 365 * 24 * 60;
    for i in 0..count {
        let status = *rng.pick(&STATUSES);
        let (neighbourhood, district) = rng.pick(&reference.neighbourhoods).clone();
        // Oldest first, so ids (UUIDv7-shaped, by time) grow with i.
        let at = plan.anchor - minutes(span_minutes) + minutes(i * span_minutes / count.max(1));
        let id = rng.id(at);
        let title = format!(
            "{} {}",
            rng.pick(&PROJECT_IDEAS),
            neighbourhood.replace('-', " ")
        );
        let initiator = rng.pick(partners).clone();
        let past_draft = status != "draft";
        let submitted_at = past_draft.then(|| at + Duration::days(7));
        let responded_at = (past_draft && status != "submitted").then(|| at + Duration::days(14));
        let assessed = past_draft && !matches!(status, "submitted" | "in_dialogue");
        let decided = assessed && status != "under_assessment";
        let assessment = assessed.then(|| {
            let assessed_at = at + Duration::days(30);
            (rng.id(assessed_at), assessed_at)
        });
        let substantial = if status == "rejected" {
            2
        } else {
            3 + rng.below(3)
        };
        let scores: Vec<i32> = (0..EFFECTS.len())
            .map(|e| {
                if e < substantial {
                    2
                } else {
                    i32::from(e % 2 == 0)
                }
            })
            .collect();
        let eligible = substantial >= 3;
        let (eligible_column, assessment_column) = match (&assessment, decided) {
            (Some((assessment_id, _)), true) => (Some(eligible), Some(assessment_id.clone())),
            _ => (None, None),
        };
        tables.push(
            conn,
            Table::Projects,
            &[
                &id,
                &title,
                &search_form(&title),
                &"Een initiatief uit de wijk, uitgewerkt met de partners.",
                &district,
                &"Bewoners en partners",
                &initiator,
                &"Wijkmanager",
                &date(at + Duration::days(60)),
                &date(at + Duration::days(420)),
                &"Een partner zet het voort na de subsidie.",
                &status,
                &submitted_at,
                &submitted_at.map(|s| s + Duration::days(14)),
                &responded_at,
                &1i64,
                &at,
                &at,
                &eligible_column,
                &assessment_column,
            ],
        )?;
        tables.push(conn, Table::ProjectNeighbourhoods, &[&id, &neighbourhood])?;
        let second = rng.pick(&reference.neighbourhoods).0.clone();
        if second != neighbourhood && i % 3 == 0 {
            tables.push(conn, Table::ProjectNeighbourhoods, &[&id, &second])?;
        }
        let effect_count = 2 + rng.below(3);
        for effect in EFFECTS.iter().take(effect_count) {
            tables.push(conn, Table::ProjectEffects, &[&id, effect])?;
        }
        tables.event(
            conn,
            at,
            "project",
            &id,
            "created",
            &serde_json::json!({ "after": { "title": title, "status": status } }),
        )?;

        let done = matches!(status, "completed" | "evaluated");
        for (g, effect) in EFFECTS.iter().take(2).enumerate() {
            let target = f64::from(u32::try_from(5 + rng.below(20)).unwrap_or(5));
            tables.push(
                conn,
                Table::Goals,
                &[
                    &rng.id(at),
                    &id,
                    effect,
                    &format!("Deelnemers ({})", g + 1),
                    &"persons",
                    &0.0f64,
                    &target,
                    &done.then_some(target * 0.9),
                    &done.then(|| date(at + Duration::days(400))),
                    &1i64,
                    &at,
                    &at,
                ],
            )?;
        }
        let programme = i64::try_from(1_000_000 + rng.below(40) * 100_000).unwrap_or(1_000_000);
        let funding_status = FUNDING_STATUSES[usize::from(past_draft) + usize::from(done)];
        let department = DEPARTMENTS[rng.below(DEPARTMENTS.len())];
        let mut lines: Vec<(&str, Option<&str>, i64)> = vec![
            ("programme", None, programme),
            ("department", Some(department), programme / 2),
        ];
        if i % 3 != 0 {
            lines.push(("partner", Some(initiator.as_str()), programme / 3));
        }
        for (source_type, source_id, amount) in lines {
            tables.push(
                conn,
                Table::FundingLines,
                &[
                    &rng.id(at),
                    &id,
                    &source_type,
                    &source_id,
                    &amount,
                    &funding_status,
                    &1i64,
                    &at,
                    &at,
                ],
            )?;
        }
        tables.push(
            conn,
            Table::ProjectPartners,
            &[&id, &initiator, &PARTNER_ROLES[0], &at],
        )?;
        let executor = rng.pick(partners);
        if *executor != initiator {
            tables.push(
                conn,
                Table::ProjectPartners,
                &[&id, executor, &PARTNER_ROLES[1 + rng.below(3)], &at],
            )?;
        }
        if let Some(previous) = ids.last().filter(|_| i % 4 == 1) {
            tables.push(
                conn,
                Table::ProjectLinks,
                &[
                    &rng.id(at),
                    &id,
                    previous,
                    &LINK_KINDS[i % LINK_KINDS.len()],
                    &link_pair_key(&id, previous),
                    &at,
                ],
            )?;
        }
        if let Some((assessment_id, assessed_at)) = assessment {
            assessment_rows(
                conn,
                tables,
                &AssessmentFacts {
                    id: &assessment_id,
                    project_id: &id,
                    at: assessed_at,
                    decided,
                    eligible,
                    scores: &scores,
                },
            )?;
            assessments += 1;
        }
        ids.push(id);
        if i % 1000 == 999 || i + 1 == count {
            progress("projects", i + 1, count);
        }
    }
    Ok((ids, assessments))
}

/// One programme assessment as the generator decided it.
struct AssessmentFacts<'a> {
    id: &'a str,
    project_id: &'a str,
    at: NaiveDateTime,
    /// Final (and recorded on the project) rather than a draft.
    decided: bool,
    eligible: bool,
    /// One score (0–2) per effect, in the order of `EFFECTS`.
    scores: &'a [i32],
}

/// The assessment row, its per-effect score rows, and its event.
fn assessment_rows(
    conn: &mut DbConnection,
    tables: &mut Tables,
    facts: &AssessmentFacts<'_>,
) -> Result<(), ApiError> {
    let effects: Vec<serde_json::Value> = EFFECTS
        .iter()
        .zip(facts.scores)
        .map(|(effect, score)| {
            serde_json::json!({ "effect": effect, "score": score, "motivation": "Zie het projectplan." })
        })
        .collect();
    let substantial = facts.scores.iter().filter(|s| **s == 2).count();
    tables.push(
        conn,
        Table::Assessments,
        &[
            &facts.id,
            &facts.project_id,
            &"programme",
            &None::<String>,
            &if facts.decided { "final" } else { "draft" },
            &serde_json::Value::Array(effects).to_string(),
            &1i32,
            &"Een partner neemt het over.",
            &if facts.eligible {
                "positive"
            } else {
                "negative"
            },
            &"Getoetst aan de zes effecten.",
            &i32::try_from(substantial).unwrap_or(0),
            &facts.eligible,
            &"wijkregie-generate",
            &facts.decided.then_some(facts.at),
            &1i64,
            &facts.at,
            &facts.at,
        ],
    )?;
    // One row per effect, which the progress report counts.
    for (effect, score) in EFFECTS.iter().zip(facts.scores) {
        tables.push(conn, Table::AssessmentScores, &[&facts.id, effect, score])?;
    }
    tables.event(
        conn,
        facts.at,
        "project",
        facts.project_id,
        "assessment_created",
        &serde_json::json!({ "assessmentId": facts.id, "eligible": facts.eligible }),
    )
}

/// Signals over two years, oldest first: most old ones answered (some late), recent ones open,
/// some old ones open and overdue (with their `signal.overdue` event, as the sweep writes it),
/// one in eleven handed off to another department.
#[allow(
    clippy::too_many_arguments,
    reason = "the generator's state, passed down once"
)]
fn signals(
    conn: &mut DbConnection,
    tables: &mut Tables,
    rng: &mut Rng,
    plan: &Plan,
    reference: &Reference,
    partners: &[String],
    projects: &[String],
    progress: Progress<'_>,
) -> Result<(), ApiError> {
    let count = plan.signals;
    let span_minutes = 730 * 24 * 60;
    for i in 0..count {
        let (theme, department, response_days) = rng.pick(&reference.themes).clone();
        let (neighbourhood, district) = rng.pick(&reference.neighbourhoods).clone();
        let received_at = plan.anchor - minutes(span_minutes)
            + minutes(i * span_minutes / count.max(1))
            + Duration::seconds(i64::try_from(rng.below(60)).unwrap_or(0));
        let response_days = usize::try_from(response_days).unwrap_or(14);
        let age_days = usize::try_from((plan.anchor - received_at).num_days()).unwrap_or(0);
        let due_at = received_at + days(response_days);
        let id = rng.id(received_at);
        let roll = rng.below(100);
        let (status, answered_after) = match (age_days > response_days, roll) {
            (true, 0..=59) => ("closed", Some(1 + rng.below(response_days))),
            (true, 60..=84) => ("answered", Some(response_days + 1 + rng.below(20))),
            (true, 85..=92) => ("in_progress", None),
            (true, _) => ("acknowledged", None),
            (false, 0..=29) => ("answered", Some(rng.below(age_days.max(1)))),
            (false, 30..=69) => ("acknowledged", None),
            (false, _) => ("received", None),
        };
        let answered = DONE.contains(&status);
        let answered_at = answered_after
            .filter(|_| answered)
            .map(|d| received_at + days(d));
        let overdue = !answered && due_at < plan.anchor;
        let handed_off = roll % 11 == 0;
        let final_department = if handed_off {
            let from = DEPARTMENTS
                .iter()
                .position(|d| *d == department)
                .unwrap_or(0);
            DEPARTMENTS[(from + 1 + rng.below(DEPARTMENTS.len() - 1)) % DEPARTMENTS.len()]
        } else {
            department.as_str()
        };
        let by_partner = roll % 3 == 0;
        let topic = SIGNAL_TOPICS[i % SIGNAL_TOPICS.len()];
        let reporter_partner = by_partner.then(|| rng.pick(partners).clone());
        let updated_at = answered_at.unwrap_or(received_at);
        tables.push(
            conn,
            Table::Signals,
            &[
                &id,
                &topic,
                &search_form(topic),
                &"Gemeld tijdens het spreekuur in de wijk.",
                &neighbourhood,
                &district,
                &if by_partner { "partner" } else { "resident" },
                &theme,
                &(roll % 4 == 0),
                &format!("Melder {}", i + 1),
                &None::<String>,
                &None::<String>,
                &reporter_partner,
                &final_department,
                &status,
                &received_at,
                &due_at,
                &answered_at,
                &answered.then_some("Opgepakt met de wijkmanager; zie het antwoord in de brief."),
                &i32::from(handed_off),
                &overdue,
                &(1 + i64::from(handed_off) + i64::from(status != "received")),
                &received_at,
                &updated_at,
            ],
        )?;
        tables.push(conn, Table::SignalDepartments, &[&id, &department])?;
        tables.event(
            conn,
            received_at,
            "signal",
            &id,
            "received",
            &serde_json::json!({ "themeId": theme, "neighbourhoodId": neighbourhood }),
        )?;
        tables.event(
            conn,
            received_at,
            "signal",
            &id,
            "routed",
            &serde_json::json!({ "departmentId": department, "themeId": theme }),
        )?;
        if handed_off {
            tables.push(conn, Table::SignalDepartments, &[&id, &final_department])?;
            tables.event(
                conn,
                received_at + Duration::days(1),
                "signal",
                &id,
                "reassigned",
                &serde_json::json!({
                    "before": { "departmentId": department },
                    "after": { "departmentId": final_department },
                    "reason": "Beleid ligt bij een andere dienst"
                }),
            )?;
        }
        if overdue {
            tables.event(
                conn,
                due_at,
                "signal",
                &id,
                "overdue",
                &serde_json::json!({ "dueAt": crate::domain::time::format(&due_at) }),
            )?;
        }
        if i % 40 == 0 && !projects.is_empty() {
            let project = rng.pick(projects);
            tables.push(conn, Table::SignalProjects, &[&id, project])?;
        }
        if i % 5000 == 4999 || i + 1 == count {
            progress("signals", i + 1, count);
        }
    }
    Ok(())
}
