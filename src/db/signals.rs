//! Signals repo: the signal row, the departments it was assigned to, its linked projects, the
//! list with the role's visibility in the query, and the overdue sweep.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::members::{SignalMembers, load_members};
use super::reference::ThemeRow;
use super::schema::{signal_departments, signal_projects, signals};
use super::{After, Condition, DbConnection, list_order, new_id, on_backend, version_checked};
use crate::domain::access::{SignalFacts, SignalScope};
use crate::domain::partners::search_form;
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signals)]
pub struct SignalRow {
    pub id: String,
    pub title: String,
    pub title_search: String,
    pub description: String,
    pub neighbourhood_id: String,
    pub district_id: String,
    pub source: String,
    pub theme_id: String,
    pub policy_feedback: bool,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub reporter_phone: Option<String>,
    pub reported_by_partner_id: Option<String>,
    pub assigned_department_id: String,
    pub status: String,
    pub received_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
    pub response: Option<String>,
    pub reassignment_count: i32,
    pub overdue_recorded: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The reporter consented to updates by e-mail (DESIGN §15).
    pub reporter_wants_updates: bool,
    /// The code of the public tracking page.
    pub tracking_code: String,
}

impl SignalRow {
    /// A signal received `now` at version 1 with a fresh id, routed by `theme`: assigned to the
    /// theme's department and due after its response days. Reporter, partner and policy
    /// feedback are empty until the caller sets them.
    pub fn received(
        title: String,
        description: String,
        neighbourhood_id: String,
        district_id: String,
        source: String,
        theme: &ThemeRow,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id: new_id(),
            title_search: search_form(&title),
            title,
            description,
            neighbourhood_id,
            district_id,
            source,
            theme_id: theme.id.clone(),
            policy_feedback: false,
            reporter_name: None,
            reporter_email: None,
            reporter_phone: None,
            reported_by_partner_id: None,
            assigned_department_id: theme.department_id.clone(),
            status: "received".to_owned(),
            received_at: now,
            due_at: now + Duration::days(i64::from(theme.response_days)),
            answered_at: None,
            response: None,
            reassignment_count: 0,
            overdue_recorded: false,
            version: 1,
            created_at: now,
            updated_at: now,
            reporter_wants_updates: false,
            tracking_code: crate::domain::tracking::new_code(),
        }
    }
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = signals)]
pub struct SignalChange {
    pub status: Option<String>,
    pub answered_at: Option<Option<NaiveDateTime>>,
    pub response: Option<Option<String>>,
    pub assigned_department_id: Option<String>,
    pub reassignment_count: Option<i32>,
}

/// A signal with the departments it was assigned to and its linked projects.
#[derive(Debug, Clone)]
pub struct Signal {
    pub row: SignalRow,
    pub departments: Vec<String>,
    pub project_ids: Vec<String>,
    /// The policy issues that bundle it.
    pub policy_issue_ids: Vec<String>,
}

impl Signal {
    pub fn facts(&self) -> SignalFacts {
        SignalFacts {
            id: self.row.id.clone(),
            district_id: self.row.district_id.clone(),
            assigned_department_id: self.row.assigned_department_id.clone(),
            departments: self.departments.clone(),
            reported_by_partner_id: self.row.reported_by_partner_id.clone(),
        }
    }
}

/// What the rules need to know about each of `ids` that exists (two queries, whatever the
/// number): for deciding which referenced signals a reader may see.
pub fn facts_of(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<SignalFacts>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, String, Option<String>)> = signals::table
        .filter(signals::id.eq_any(ids))
        .select((
            signals::id,
            signals::district_id,
            signals::assigned_department_id,
            signals::reported_by_partner_id,
        ))
        .load(conn)?;
    let mut departments: HashMap<String, Vec<String>> = HashMap::new();
    for (signal, department) in signal_departments::table
        .filter(signal_departments::signal_id.eq_any(ids))
        .select((
            signal_departments::signal_id,
            signal_departments::department_id,
        ))
        .load::<(String, String)>(conn)?
    {
        departments.entry(signal).or_default().push(department);
    }
    Ok(rows
        .into_iter()
        .map(
            |(id, district_id, assigned_department_id, reported_by_partner_id)| SignalFacts {
                departments: departments.remove(&id).unwrap_or_default(),
                id,
                district_id,
                assigned_department_id,
                reported_by_partner_id,
            },
        )
        .collect())
}

/// Loads the members of many signals at once, in one statement ([`SignalMembers`]).
fn complete(conn: &mut DbConnection, rows: Vec<SignalRow>) -> Result<Vec<Signal>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let member_rows: Vec<(String, String, String)> = load_members::<SignalMembers, _>(conn, &ids)?;
    let mut departments: HashMap<String, Vec<String>> = HashMap::new();
    let mut projects: HashMap<String, Vec<String>> = HashMap::new();
    let mut issues: HashMap<String, Vec<String>> = HashMap::new();
    for (member, signal, id) in member_rows {
        let members = match member.as_str() {
            "department" => &mut departments,
            "project" => &mut projects,
            "policy_issue" => &mut issues,
            other => {
                return Err(ApiError::Internal(format!(
                    "a signal member row of unknown kind '{other}'"
                )));
            }
        };
        members.entry(signal).or_default().push(id);
    }
    Ok(rows
        .into_iter()
        .map(|row| Signal {
            departments: departments.remove(&row.id).unwrap_or_default(),
            project_ids: projects.remove(&row.id).unwrap_or_default(),
            policy_issue_ids: issues.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<Signal, ApiError> {
    let row = on_backend!(conn, |c| signals::table
        .find(id)
        .select(SignalRow::as_select())
        .first(c)
        .optional())?
    .ok_or_else(|| ApiError::NotFound(format!("There is no signal '{id}'.")))?;
    complete(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::Internal("signal vanished".to_owned()))
}

fn add_department(conn: &mut DbConnection, id: &str, department_id: &str) -> Result<(), ApiError> {
    let known = signal_departments::table
        .filter(signal_departments::signal_id.eq(id))
        .filter(signal_departments::department_id.eq(department_id))
        .count()
        .get_result::<i64>(conn)?;
    if known == 0 {
        diesel::insert_into(signal_departments::table)
            .values((
                signal_departments::signal_id.eq(id),
                signal_departments::department_id.eq(department_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert(conn: &mut DbConnection, row: &SignalRow) -> Result<Signal, ApiError> {
    diesel::insert_into(signals::table)
        .values(row)
        .execute(conn)?;
    add_department(conn, &row.id, &row.assigned_department_id)?;
    get(conn, &row.id)
}

/// Applies a change when the signal still has `expected_version`; 412 otherwise.
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    expected_version: i64,
    change: &SignalChange,
    now: NaiveDateTime,
) -> Result<Signal, ApiError> {
    let changed = diesel::update(
        signals::table
            .filter(signals::id.eq(id))
            .filter(signals::version.eq(expected_version)),
    )
    .set((
        change,
        signals::version.eq(expected_version + 1),
        signals::updated_at.eq(now),
    ))
    .execute(conn)?;
    version_checked(changed, || Ok(get(conn, id)?.row.version))?;
    if let Some(department_id) = &change.assigned_department_id {
        add_department(conn, id, department_id)?;
    }
    get(conn, id)
}

/// Replaces the linked projects (the caller bumps the version through `update`).
pub fn set_projects(
    conn: &mut DbConnection,
    id: &str,
    project_ids: &[String],
) -> Result<(), ApiError> {
    diesel::delete(signal_projects::table.filter(signal_projects::signal_id.eq(id)))
        .execute(conn)?;
    for project_id in project_ids {
        diesel::insert_into(signal_projects::table)
            .values((
                signal_projects::signal_id.eq(id),
                signal_projects::project_id.eq(project_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The signals linked to a project.
pub fn of_project(conn: &mut DbConnection, project_id: &str) -> Result<Vec<String>, ApiError> {
    Ok(signal_projects::table
        .filter(signal_projects::project_id.eq(project_id))
        .order(signal_projects::signal_id)
        .select(signal_projects::signal_id)
        .load(conn)?)
}

/// Filters of the signal list.
#[derive(Debug, Default, Clone)]
pub struct SignalFilter {
    pub statuses: Vec<String>,
    pub theme_id: Option<String>,
    pub assigned_department_id: Option<String>,
    pub neighbourhood_id: Option<String>,
    pub district_id: Option<String>,
    pub source: Option<String>,
    pub policy_feedback: Option<bool>,
    /// `Some(now)`: only signals open and past their due date at `now`; with `false`, the others.
    pub overdue: Option<(bool, NaiveDateTime)>,
    pub received_after: Option<NaiveDateTime>,
    pub received_before: Option<NaiveDateTime>,
    pub q: Option<String>,
    /// Only signals changed after this moment; the list is then in (updated_at, id) order.
    pub updated_after: Option<NaiveDateTime>,
}

const DONE: [&str; 2] = ["answered", "closed"];
/// Open signals (not in `DONE`), as literal SQL: the partial index `signals_open` (migration
/// 2026-11-27-000006) has exactly this condition, and a planner uses a partial index only when
/// the query's own condition shows it applies, which a bound parameter does not.
pub(crate) const OPEN_PREDICATE: &str = "\"signals\".\"status\" NOT IN ('answered', 'closed')";

/// The signals `scope` admits, as a condition on `signals` (`SignalScope::admits` in SQL);
/// `None` for every signal.
pub(crate) fn admitted(scope: &SignalScope) -> Option<Condition<signals::table>> {
    match scope {
        SignalScope::All => None,
        SignalScope::District { district_id } => {
            Some(Box::new(signals::district_id.eq(district_id.clone())))
        }
        SignalScope::AssignedEver { department_id } => Some(Box::new(
            signals::id.eq_any(
                signal_departments::table
                    .filter(signal_departments::department_id.eq(department_id.clone()))
                    .select(signal_departments::signal_id),
            ),
        )),
        SignalScope::ReportedBy { partner_id } => Some(Box::new(
            signals::reported_by_partner_id
                .eq(partner_id.clone())
                .assume_not_null(),
        )),
    }
}

/// Newest first (with `updated_after`: oldest change first), only what `scope` admits;
/// `limit + 1` signals after the cursor.
pub fn list(
    conn: &mut DbConnection,
    scope: &SignalScope,
    filter: &SignalFilter,
    after: Option<&After>,
    limit: i64,
) -> Result<Vec<Signal>, ApiError> {
    let mut query = signals::table.select(SignalRow::as_select()).into_boxed();
    // Visibility lives in the query: the scope authz gave, as SQL (`SignalScope::admits`).
    if let Some(admitted) = admitted(scope) {
        query = query.filter(admitted);
    }
    query = match filter.statuses.as_slice() {
        [] => query,
        // `=` rather than `= ANY(…)` for one value: PostgreSQL then reads an index on
        // (…, status, id) in id order instead of sorting.
        [status] => query.filter(signals::status.eq(status.clone())),
        statuses => query.filter(signals::status.eq_any(statuses.to_vec())),
    };
    if let Some(theme_id) = &filter.theme_id {
        query = query.filter(signals::theme_id.eq(theme_id.clone()));
    }
    if let Some(department_id) = &filter.assigned_department_id {
        query = query.filter(signals::assigned_department_id.eq(department_id.clone()));
    }
    if let Some(neighbourhood_id) = &filter.neighbourhood_id {
        query = query.filter(signals::neighbourhood_id.eq(neighbourhood_id.clone()));
    }
    if let Some(district_id) = &filter.district_id {
        query = query.filter(signals::district_id.eq(district_id.clone()));
    }
    if let Some(source) = &filter.source {
        query = query.filter(signals::source.eq(source.clone()));
    }
    if let Some(policy_feedback) = filter.policy_feedback {
        query = query.filter(signals::policy_feedback.eq(policy_feedback));
    }
    match filter.overdue {
        Some((true, now)) => {
            query = query
                .filter(sql::<Bool>(OPEN_PREDICATE))
                .filter(signals::due_at.lt(now))
        }
        Some((false, now)) => {
            query = query.filter(signals::status.eq_any(DONE).or(signals::due_at.ge(now)))
        }
        None => {}
    }
    if let Some(after) = filter.received_after {
        query = query.filter(signals::received_at.gt(after));
    }
    if let Some(before) = filter.received_before {
        query = query.filter(signals::received_at.lt(before));
    }
    if let Some(q) = &filter.q {
        let pattern = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        query = query.filter(signals::title_search.like(pattern).escape('\\'));
    }
    query = list_order!(query, signals, filter.updated_after, after);
    let rows = query.limit(limit + 1).load(conn)?;
    complete(conn, rows)
}

/// Open signals past their due date whose `signal.overdue` event is not written yet.
pub fn overdue_candidates(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<(String, NaiveDateTime)>, ApiError> {
    Ok(signals::table
        .filter(signals::overdue_recorded.eq(false))
        .filter(signals::due_at.lt(now))
        .filter(signals::status.ne_all(DONE))
        .order(signals::due_at)
        .limit(limit)
        .select((signals::id, signals::due_at))
        .load(conn)?)
}

/// How many open signals are past their due date, whether their event is written or not.
pub fn count_overdue(conn: &mut DbConnection, now: NaiveDateTime) -> Result<i64, ApiError> {
    Ok(signals::table
        .filter(signals::due_at.lt(now))
        .filter(signals::status.ne_all(DONE))
        .count()
        .get_result(conn)?)
}

/// Claims one signal for its overdue event: `true` for exactly one caller, however many
/// sweepers run at once (the conditional update is the claim).
pub fn claim_overdue(conn: &mut DbConnection, id: &str) -> Result<bool, ApiError> {
    Ok(diesel::update(
        signals::table
            .filter(signals::id.eq(id))
            .filter(signals::overdue_recorded.eq(false)),
    )
    .set(signals::overdue_recorded.eq(true))
    .execute(conn)?
        == 1)
}
