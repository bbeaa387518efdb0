//! Policy issues repo: the issue row, the signals it bundles, the list with the reader's scope
//! in the query, the issues of given signals, and the overdue sweep of responses.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{policy_issue_signals, policy_issues, signals};
use super::{After, Condition, DbConnection, list_order, new_id, version_checked};
use crate::domain::access::{PolicyIssueFacts, PolicyIssueScope};
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = policy_issues)]
pub struct PolicyIssueRow {
    pub id: String,
    pub title: String,
    pub description: String,
    pub theme_id: String,
    pub department_id: String,
    pub status: String,
    pub raised_at: Option<NaiveDateTime>,
    pub response_due_at: Option<NaiveDateTime>,
    pub response_position: Option<String>,
    pub response_explanation: Option<String>,
    pub response_decided_on: Option<String>,
    pub response_follow_up_on: Option<String>,
    pub responded_at: Option<NaiveDateTime>,
    pub overdue_recorded: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PolicyIssueRow {
    /// A draft issue made `now`, at version 1 with a fresh id, owned by `department_id`.
    pub fn draft(
        title: String,
        description: String,
        theme_id: String,
        department_id: String,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id: new_id(),
            title,
            description,
            theme_id,
            department_id,
            status: "draft".to_owned(),
            raised_at: None,
            response_due_at: None,
            response_position: None,
            response_explanation: None,
            response_decided_on: None,
            response_follow_up_on: None,
            responded_at: None,
            overdue_recorded: false,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = policy_issues)]
pub struct PolicyIssueChange {
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub raised_at: Option<Option<NaiveDateTime>>,
    pub response_due_at: Option<Option<NaiveDateTime>>,
    pub response_position: Option<Option<String>>,
    pub response_explanation: Option<Option<String>>,
    pub response_decided_on: Option<Option<String>>,
    pub response_follow_up_on: Option<Option<String>>,
    pub responded_at: Option<Option<NaiveDateTime>>,
}

/// One bundled signal with what the rules and the answer need of it.
#[derive(Debug, Clone)]
pub struct BundledSignal {
    pub id: String,
    pub neighbourhood_id: String,
    pub district_id: String,
    pub reported_by_partner_id: Option<String>,
}

/// A policy issue with its signals.
#[derive(Debug, Clone)]
pub struct PolicyIssue {
    pub row: PolicyIssueRow,
    /// In id order.
    pub signals: Vec<BundledSignal>,
}

impl PolicyIssue {
    pub fn facts(&self) -> PolicyIssueFacts {
        facts(
            &self.row.id,
            &self.row.department_id,
            &self.row.status,
            &self.signals,
        )
    }
}

fn facts(
    id: &str,
    department_id: &str,
    status: &str,
    signals: &[BundledSignal],
) -> PolicyIssueFacts {
    let mut district_ids: Vec<String> = signals.iter().map(|s| s.district_id.clone()).collect();
    district_ids.sort_unstable();
    district_ids.dedup();
    let mut partner_ids: Vec<String> = signals
        .iter()
        .filter_map(|s| s.reported_by_partner_id.clone())
        .collect();
    partner_ids.sort_unstable();
    partner_ids.dedup();
    PolicyIssueFacts {
        id: id.to_owned(),
        department_id: department_id.to_owned(),
        past_draft: status != "draft",
        district_ids,
        partner_ids,
    }
}

/// The bundled signals of each of `ids` (one query).
fn signals_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<BundledSignal>>, ApiError> {
    let mut bundled: HashMap<String, Vec<BundledSignal>> = HashMap::new();
    if ids.is_empty() {
        return Ok(bundled);
    }
    let rows: Vec<(String, String, String, String, Option<String>)> = policy_issue_signals::table
        .inner_join(signals::table.on(signals::id.eq(policy_issue_signals::signal_id)))
        .filter(policy_issue_signals::policy_issue_id.eq_any(ids))
        .order((policy_issue_signals::policy_issue_id, signals::id))
        .select((
            policy_issue_signals::policy_issue_id,
            signals::id,
            signals::neighbourhood_id,
            signals::district_id,
            signals::reported_by_partner_id,
        ))
        .load(conn)?;
    for (issue, id, neighbourhood_id, district_id, reported_by_partner_id) in rows {
        bundled.entry(issue).or_default().push(BundledSignal {
            id,
            neighbourhood_id,
            district_id,
            reported_by_partner_id,
        });
    }
    Ok(bundled)
}

fn complete(
    conn: &mut DbConnection,
    rows: Vec<PolicyIssueRow>,
) -> Result<Vec<PolicyIssue>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut bundled = signals_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| PolicyIssue {
            signals: bundled.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<PolicyIssue, ApiError> {
    let row = policy_issues::table
        .find(id)
        .select(PolicyIssueRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("There is no policy issue '{id}'.")))?;
    complete(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::Internal("policy issue vanished".to_owned()))
}

pub fn insert(
    conn: &mut DbConnection,
    row: &PolicyIssueRow,
    signal_ids: &[String],
) -> Result<PolicyIssue, ApiError> {
    diesel::insert_into(policy_issues::table)
        .values(row)
        .execute(conn)?;
    set_signals(conn, &row.id, signal_ids)?;
    get(conn, &row.id)
}

/// Applies a change when the issue still has `expected_version`; 412 otherwise.
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    expected_version: i64,
    change: &PolicyIssueChange,
    now: NaiveDateTime,
) -> Result<PolicyIssue, ApiError> {
    let changed = diesel::update(
        policy_issues::table
            .filter(policy_issues::id.eq(id))
            .filter(policy_issues::version.eq(expected_version)),
    )
    .set((
        change,
        policy_issues::version.eq(expected_version + 1),
        policy_issues::updated_at.eq(now),
    ))
    .execute(conn)?;
    version_checked(changed, || Ok(get(conn, id)?.row.version))?;
    get(conn, id)
}

/// Replaces the bundled signals (the caller bumps the version through `update`).
pub fn set_signals(
    conn: &mut DbConnection,
    id: &str,
    signal_ids: &[String],
) -> Result<(), ApiError> {
    diesel::delete(
        policy_issue_signals::table.filter(policy_issue_signals::policy_issue_id.eq(id)),
    )
    .execute(conn)?;
    for signal_id in signal_ids {
        diesel::insert_into(policy_issue_signals::table)
            .values((
                policy_issue_signals::policy_issue_id.eq(id),
                policy_issue_signals::signal_id.eq(signal_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// For each of `signal_ids`, the facts of the issues that bundle it (two queries).
pub fn of_signals(
    conn: &mut DbConnection,
    signal_ids: &[String],
) -> Result<HashMap<String, Vec<PolicyIssueFacts>>, ApiError> {
    let mut of_signal: HashMap<String, Vec<PolicyIssueFacts>> = HashMap::new();
    if signal_ids.is_empty() {
        return Ok(of_signal);
    }
    let links: Vec<(String, String)> = policy_issue_signals::table
        .filter(policy_issue_signals::signal_id.eq_any(signal_ids))
        .order((
            policy_issue_signals::signal_id,
            policy_issue_signals::policy_issue_id,
        ))
        .select((
            policy_issue_signals::signal_id,
            policy_issue_signals::policy_issue_id,
        ))
        .load(conn)?;
    let mut issue_ids: Vec<String> = links.iter().map(|(_, issue)| issue.clone()).collect();
    issue_ids.sort_unstable();
    issue_ids.dedup();
    let issues: HashMap<String, PolicyIssueFacts> = facts_of(conn, &issue_ids)?
        .into_iter()
        .map(|f| (f.id.clone(), f))
        .collect();
    for (signal, issue) in links {
        if let Some(facts) = issues.get(&issue) {
            of_signal.entry(signal).or_default().push(facts.clone());
        }
    }
    Ok(of_signal)
}

/// What the rules need to know about each of `ids` that exists.
pub fn facts_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<PolicyIssueFacts>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, String)> = policy_issues::table
        .filter(policy_issues::id.eq_any(ids))
        .select((
            policy_issues::id,
            policy_issues::department_id,
            policy_issues::status,
        ))
        .load(conn)?;
    let mut bundled = signals_of(conn, ids)?;
    Ok(rows
        .into_iter()
        .map(|(id, department_id, status)| {
            let signals = bundled.remove(&id).unwrap_or_default();
            facts(&id, &department_id, &status, &signals)
        })
        .collect())
}

/// Filters of the policy issue list.
#[derive(Debug, Default, Clone)]
pub struct PolicyIssueFilter {
    pub statuses: Vec<String>,
    pub department_id: Option<String>,
    pub theme_id: Option<String>,
    /// `Some((true, now))`: raised and past the response deadline at `now`; `false`: the others.
    pub overdue: Option<(bool, NaiveDateTime)>,
    pub signal_id: Option<String>,
}

/// The issues `scope` admits, as a condition on `policy_issues` (`PolicyIssueScope::admits`
/// in SQL); `None` for every issue.
pub(crate) fn admitted(scope: &PolicyIssueScope) -> Option<Condition<policy_issues::table>> {
    let past_draft = policy_issues::status.ne("draft");
    match scope {
        PolicyIssueScope::All => None,
        PolicyIssueScope::OwnedBy { department_id } => Some(Box::new(
            past_draft.and(policy_issues::department_id.eq(department_id.clone())),
        )),
        PolicyIssueScope::TouchingDistrict { district_id } => Some(Box::new(
            past_draft.and(
                policy_issues::id.eq_any(
                    policy_issue_signals::table
                        .inner_join(
                            signals::table.on(signals::id.eq(policy_issue_signals::signal_id)),
                        )
                        .filter(signals::district_id.eq(district_id.clone()))
                        .select(policy_issue_signals::policy_issue_id),
                ),
            ),
        )),
        PolicyIssueScope::HoldingSignalsOf { partner_id } => Some(Box::new(
            past_draft.and(
                policy_issues::id.eq_any(
                    policy_issue_signals::table
                        .inner_join(
                            signals::table.on(signals::id.eq(policy_issue_signals::signal_id)),
                        )
                        .filter(signals::reported_by_partner_id.eq(partner_id.clone()))
                        .select(policy_issue_signals::policy_issue_id),
                ),
            ),
        )),
    }
}

/// Newest first, only what `scope` admits; `limit + 1` issues after the cursor.
pub fn list(
    conn: &mut DbConnection,
    scope: &PolicyIssueScope,
    filter: &PolicyIssueFilter,
    after: Option<&After>,
    limit: i64,
) -> Result<Vec<PolicyIssue>, ApiError> {
    let mut query = policy_issues::table
        .select(PolicyIssueRow::as_select())
        .into_boxed();
    // Visibility lives in the query: the scope authz gave, as SQL (`PolicyIssueScope::admits`).
    if let Some(admitted) = admitted(scope) {
        query = query.filter(admitted);
    }
    if !filter.statuses.is_empty() {
        query = query.filter(policy_issues::status.eq_any(filter.statuses.clone()));
    }
    if let Some(department_id) = &filter.department_id {
        query = query.filter(policy_issues::department_id.eq(department_id.clone()));
    }
    if let Some(theme_id) = &filter.theme_id {
        query = query.filter(policy_issues::theme_id.eq(theme_id.clone()));
    }
    if let Some(signal_id) = &filter.signal_id {
        query = query.filter(
            policy_issues::id.eq_any(
                policy_issue_signals::table
                    .filter(policy_issue_signals::signal_id.eq(signal_id.clone()))
                    .select(policy_issue_signals::policy_issue_id),
            ),
        );
    }
    match filter.overdue {
        Some((true, now)) => {
            query = query
                .filter(policy_issues::status.eq("raised"))
                .filter(policy_issues::response_due_at.lt(now));
        }
        Some((false, now)) => {
            query = query.filter(
                policy_issues::status
                    .ne("raised")
                    .or(policy_issues::response_due_at.ge(now)),
            );
        }
        None => {}
    }
    let since: Option<NaiveDateTime> = None;
    query = list_order!(query, policy_issues, since, after);
    let rows = query.limit(limit + 1).load(conn)?;
    complete(conn, rows)
}

/// Raised issues past their response deadline whose overdue event is not written yet.
pub fn overdue_candidates(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<(String, NaiveDateTime)>, ApiError> {
    let rows: Vec<(String, Option<NaiveDateTime>)> = policy_issues::table
        .filter(policy_issues::overdue_recorded.eq(false))
        .filter(policy_issues::status.eq("raised"))
        .filter(policy_issues::response_due_at.lt(now))
        .order(policy_issues::response_due_at)
        .limit(limit)
        .select((policy_issues::id, policy_issues::response_due_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, due)| due.map(|due| (id, due)))
        .collect())
}

/// How many raised policy issues are past their response deadline, whether their event is
/// written or not.
pub fn count_overdue(conn: &mut DbConnection, now: NaiveDateTime) -> Result<i64, ApiError> {
    Ok(policy_issues::table
        .filter(policy_issues::status.eq("raised"))
        .filter(policy_issues::response_due_at.lt(now))
        .count()
        .get_result(conn)?)
}

/// Claims one issue for its overdue event: `true` for exactly one caller, however many
/// sweepers run at once (the conditional update is the claim).
pub fn claim_overdue(conn: &mut DbConnection, id: &str) -> Result<bool, ApiError> {
    Ok(diesel::update(
        policy_issues::table
            .filter(policy_issues::id.eq(id))
            .filter(policy_issues::overdue_recorded.eq(false)),
    )
    .set(policy_issues::overdue_recorded.eq(true))
    .execute(conn)?
        == 1)
}
