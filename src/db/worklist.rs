//! The worklist's queries (DESIGN §16): one statement per kind for its page and one for its
//! counts, each over the live state of the resource that holds the obligation, filtered by the
//! caller's party (`domain::worklist::Party`, decided in `authz`) and by the reading scope of
//! the resource, both as SQL. Keyset: (due moment, resource id), nulls last.

use chrono::NaiveDateTime;
use diesel::dsl::{case_when, count, count_star, exists, not};
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::schema::{
    advice_requests, assessments, deliveries, evaluations, events, policy_issues, projects,
    signals, subscriptions,
};
use super::{
    DbConnection, advice_requests as advice_repo, policy_issues as issue_repo,
    projects as project_repo, signals as signal_repo,
};
use crate::domain::access::{AdviceRequestScope, PolicyIssueScope, ProjectScope, SignalScope};
use crate::domain::projects::Status;
use crate::domain::worklist::{Kind, Party};
use crate::error::ApiError;

/// The columns of one kind's item query, in select order.
type IdeaColumns = (
    String,
    String,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    NaiveDateTime,
    String,
    Option<String>,
);
/// The columns of one kind's item query, in select order.
type DecisionColumns = (
    String,
    String,
    NaiveDateTime,
    String,
    Option<String>,
    Option<NaiveDateTime>,
);
/// The columns of one kind's item query, in select order.
type SignalColumns = (
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    String,
    String,
    Option<String>,
);
/// The columns of one kind's item query, in select order.
type IssueColumns = (
    String,
    String,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    NaiveDateTime,
    String,
);
/// The columns of one kind's item query, in select order.
type AdviceColumns = (String, String, NaiveDateTime, NaiveDateTime, String, String);

/// The reading scopes of the resources items are about (from `authz`).
#[derive(Debug, Clone)]
pub struct Scopes {
    pub projects: ProjectScope,
    pub signals: SignalScope,
    pub issues: PolicyIssueScope,
    pub advice: AdviceRequestScope,
}

/// Where a page starts: after this item in (due moment nulls last, resource id) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub due_at: Option<NaiveDateTime>,
    pub resource_id: String,
}

/// One kind's part of a worklist request.
#[derive(Debug, Clone)]
pub struct Ask<'a> {
    pub kind: Kind,
    pub party: &'a Party,
    pub scopes: &'a Scopes,
    pub now: NaiveDateTime,
}

/// What an item holds, as read; `domain::worklist` says who owes it to whom.
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub kind: Kind,
    pub resource_id: String,
    pub title: String,
    pub due_at: Option<NaiveDateTime>,
    pub since: NaiveDateTime,
    pub district_id: Option<String>,
    pub department_id: Option<String>,
    pub partner_id: Option<String>,
    /// The project of an advice request; the subscription of a delivery.
    pub parent_id: Option<String>,
}

/// How many items of one kind, and how many of them are overdue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub total: i64,
    pub overdue: i64,
}

/// The keyset and `overdue` conditions of a kind whose due moment is never null.
macro_rules! due_window {
    ($query:ident, $due:expr, $id:expr, $after:expr, $overdue:expr, $now:expr) => {{
        match $after {
            Some(Cursor {
                due_at: Some(at),
                resource_id,
            }) => {
                $query = $query.filter(
                    $due.gt(*at)
                        .or($due.eq(*at).and($id.gt(resource_id.clone()))),
                );
            }
            Some(Cursor { due_at: None, .. }) => return Ok(Vec::new()),
            None => {}
        }
        match $overdue {
            Some(true) => $query = $query.filter($due.lt($now)),
            Some(false) => $query = $query.filter($due.ge($now)),
            None => {}
        }
        $query = $query.order(($due.asc(), $id.asc()));
    }};
}

/// The keyset and `overdue` conditions of a kind without a due moment (always after those
/// with one, never overdue).
macro_rules! undated_window {
    ($query:ident, $id:expr, $after:expr, $overdue:expr) => {{
        if $overdue == Some(true) {
            return Ok(Vec::new());
        }
        if let Some(Cursor {
            due_at: None,
            resource_id,
        }) = $after
        {
            $query = $query.filter($id.gt(resource_id.clone()));
        }
        $query = $query.order($id.asc());
    }};
}

fn projects_of(
    ask: &Ask<'_>,
    statuses: &[Status],
) -> projects::BoxedQuery<'static, super::Backend> {
    let mut query = projects::table.into_boxed();
    query = match statuses {
        [status] => query.filter(projects::status.eq(status.as_str())),
        _ => query.filter(
            projects::status.eq_any(statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        ),
    };
    if let Some(admitted) = project_repo::admitted(&ask.scopes.projects) {
        query = query.filter(admitted);
    }
    match ask.party {
        Party::Everyone => query,
        Party::District(district_id) => query.filter(projects::district_id.eq(district_id.clone())),
        Party::Partner(partner_id) => {
            query.filter(projects::initiator_partner_id.eq(partner_id.clone()))
        }
        Party::Department(_) | Party::Subscriber(_) => {
            query.filter(diesel::dsl::sql::<Bool>("1 = 0"))
        }
    }
}

fn statuses(kind: Kind) -> &'static [Status] {
    match kind {
        Kind::IdeaAnswer => &[Status::Submitted],
        Kind::Decision => &[Status::UnderAssessment],
        Kind::Evaluation => &[Status::Completed, Status::Stopped],
        Kind::Advice | Kind::SignalAnswer | Kind::PolicyResponse | Kind::Delivery => &[],
    }
}

fn signals_of(ask: &Ask<'_>) -> signals::BoxedQuery<'static, super::Backend> {
    let mut query = signals::table
        .filter(diesel::dsl::sql::<Bool>(signal_repo::OPEN_PREDICATE))
        .into_boxed();
    if let Some(admitted) = signal_repo::admitted(&ask.scopes.signals) {
        query = query.filter(admitted);
    }
    match ask.party {
        Party::Everyone => query,
        Party::District(district_id) => query.filter(signals::district_id.eq(district_id.clone())),
        Party::Department(department_id) => {
            query.filter(signals::assigned_department_id.eq(department_id.clone()))
        }
        Party::Partner(partner_id) => {
            query.filter(signals::reported_by_partner_id.eq(partner_id.clone()))
        }
        Party::Subscriber(_) => query.filter(diesel::dsl::sql::<Bool>("1 = 0")),
    }
}

fn issues_of(ask: &Ask<'_>) -> policy_issues::BoxedQuery<'static, super::Backend> {
    let mut query = policy_issues::table
        .filter(policy_issues::status.eq("raised"))
        .filter(policy_issues::response_due_at.is_not_null())
        .into_boxed();
    if let Some(admitted) = issue_repo::admitted(&ask.scopes.issues) {
        query = query.filter(admitted);
    }
    match ask.party {
        Party::Everyone => query,
        Party::Department(department_id) => {
            query.filter(policy_issues::department_id.eq(department_id.clone()))
        }
        Party::District(_) | Party::Partner(_) | Party::Subscriber(_) => {
            query.filter(diesel::dsl::sql::<Bool>("1 = 0"))
        }
    }
}

fn advice_of(ask: &Ask<'_>) -> advice_requests::BoxedQuery<'static, super::Backend> {
    let mut query = advice_requests::table
        .filter(advice_requests::status.eq("open"))
        .into_boxed();
    if let Some(admitted) = advice_repo::admitted(&ask.scopes.advice) {
        query = query.filter(admitted);
    }
    match ask.party {
        Party::Everyone => query,
        Party::Department(department_id) => {
            query.filter(advice_requests::department_id.eq(department_id.clone()))
        }
        Party::District(_) | Party::Partner(_) | Party::Subscriber(_) => {
            query.filter(diesel::dsl::sql::<Bool>("1 = 0"))
        }
    }
}

fn dead_of(ask: &Ask<'_>) -> deliveries::BoxedQuery<'static, super::Backend> {
    let query = deliveries::table
        .filter(deliveries::status.eq("dead"))
        .into_boxed();
    let Party::Subscriber(owner) = ask.party else {
        return query.filter(diesel::dsl::sql::<Bool>("1 = 0"));
    };
    let mine = subscriptions::table
        .filter(subscriptions::id.eq(deliveries::subscription_id))
        .filter(subscriptions::channel.eq("webhook"))
        .filter(subscriptions::owner_sub.eq(owner.sub.clone()))
        .filter(subscriptions::owner_role.eq(owner.role.clone()));
    match &owner.scope {
        Some(scope) => query.filter(exists(
            mine.filter(subscriptions::owner_scope.eq(scope.clone())),
        )),
        None => query.filter(exists(mine.filter(subscriptions::owner_scope.is_null()))),
    }
}

/// Up to `limit` items of one kind after `after`, in worklist order.
pub fn items(
    conn: &mut DbConnection,
    ask: &Ask<'_>,
    after: Option<&Cursor>,
    overdue: Option<bool>,
    limit: i64,
) -> Result<Vec<ItemRow>, ApiError> {
    let kind = ask.kind;
    let now = ask.now;
    let row = |resource_id: String,
               title: String,
               due_at: Option<NaiveDateTime>,
               since: NaiveDateTime| ItemRow {
        kind,
        resource_id,
        title,
        due_at,
        since,
        district_id: None,
        department_id: None,
        partner_id: None,
        parent_id: None,
    };
    match kind {
        Kind::IdeaAnswer => {
            let mut query =
                projects_of(ask, statuses(kind)).filter(projects::response_due_at.is_not_null());
            due_window!(
                query,
                projects::response_due_at,
                projects::id,
                after,
                overdue,
                now
            );
            let rows: Vec<IdeaColumns> = query
                .select((
                    projects::id,
                    projects::title,
                    projects::response_due_at,
                    projects::submitted_at,
                    projects::updated_at,
                    projects::district_id,
                    projects::initiator_partner_id,
                ))
                .limit(limit)
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(
                    |(id, title, due, submitted, updated, district, partner)| ItemRow {
                        district_id: Some(district),
                        partner_id: partner,
                        ..row(id, title, due, submitted.unwrap_or(updated))
                    },
                )
                .collect())
        }
        Kind::Decision => {
            let mut query =
                projects_of(ask, statuses(kind)).filter(projects::assessment_id.is_not_null());
            undated_window!(query, projects::id, after, overdue);
            let rows: Vec<DecisionColumns> = query
                .select((
                    projects::id,
                    projects::title,
                    projects::updated_at,
                    projects::district_id,
                    projects::initiator_partner_id,
                    assessments::table
                        .filter(assessments::id.nullable().eq(projects::assessment_id))
                        .select(assessments::finalized_at)
                        .single_value()
                        .assume_not_null()
                        .nullable(),
                ))
                .limit(limit)
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(
                    |(id, title, updated, district, partner, finalized)| ItemRow {
                        district_id: Some(district),
                        partner_id: partner,
                        ..row(id, title, None, finalized.unwrap_or(updated))
                    },
                )
                .collect())
        }
        Kind::Evaluation => {
            let mut query = projects_of(ask, statuses(kind)).filter(not(exists(
                evaluations::table.filter(evaluations::project_id.eq(projects::id)),
            )));
            undated_window!(query, projects::id, after, overdue);
            let rows: Vec<(String, String, NaiveDateTime, String, Option<String>)> = query
                .select((
                    projects::id,
                    projects::title,
                    projects::updated_at,
                    projects::district_id,
                    projects::initiator_partner_id,
                ))
                .limit(limit)
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|(id, title, updated, district, partner)| ItemRow {
                    district_id: Some(district),
                    partner_id: partner,
                    ..row(id, title, None, updated)
                })
                .collect())
        }
        Kind::SignalAnswer => {
            let mut query = signals_of(ask);
            due_window!(query, signals::due_at, signals::id, after, overdue, now);
            let rows: Vec<SignalColumns> = query
                .select((
                    signals::id,
                    signals::title,
                    signals::due_at,
                    signals::received_at,
                    signals::district_id,
                    signals::assigned_department_id,
                    signals::reported_by_partner_id,
                ))
                .limit(limit)
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(
                    |(id, title, due, received, district, department, partner)| ItemRow {
                        district_id: Some(district),
                        department_id: Some(department),
                        partner_id: partner,
                        ..row(id, title, Some(due), received)
                    },
                )
                .collect())
        }
        Kind::PolicyResponse => {
            let mut query = issues_of(ask);
            due_window!(
                query,
                policy_issues::response_due_at,
                policy_issues::id,
                after,
                overdue,
                now
            );
            let rows: Vec<IssueColumns> = query
                .select((
                    policy_issues::id,
                    policy_issues::title,
                    policy_issues::response_due_at,
                    policy_issues::raised_at,
                    policy_issues::updated_at,
                    policy_issues::department_id,
                ))
                .limit(limit)
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|(id, title, due, raised, updated, department)| ItemRow {
                    department_id: Some(department),
                    ..row(id, title, due, raised.unwrap_or(updated))
                })
                .collect())
        }
        Kind::Advice => {
            let mut query = advice_of(ask);
            due_window!(
                query,
                advice_requests::due_at,
                advice_requests::id,
                after,
                overdue,
                now
            );
            let rows: Vec<AdviceColumns> = query
                .select((
                    advice_requests::id,
                    projects::table
                        .filter(projects::id.eq(advice_requests::project_id))
                        .select(projects::title)
                        .single_value()
                        .assume_not_null(),
                    advice_requests::due_at,
                    advice_requests::requested_at,
                    advice_requests::department_id,
                    advice_requests::project_id,
                ))
                .limit(limit)
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|(id, title, due, requested, department, project)| ItemRow {
                    department_id: Some(department),
                    parent_id: Some(project),
                    ..row(id, title, Some(due), requested)
                })
                .collect())
        }
        Kind::Delivery => {
            let mut query = dead_of(ask);
            if overdue == Some(true) {
                return Ok(Vec::new());
            }
            if let Some(Cursor {
                due_at: None,
                resource_id,
            }) = after
            {
                query = match resource_id.split_once('/') {
                    Some((subscription, event)) => {
                        let event: i64 = event.parse().unwrap_or(i64::MAX);
                        query.filter(
                            deliveries::subscription_id.gt(subscription.to_owned()).or(
                                deliveries::subscription_id
                                    .eq(subscription.to_owned())
                                    .and(deliveries::event_id.gt(event)),
                            ),
                        )
                    }
                    None => query.filter(deliveries::subscription_id.ge(resource_id.clone())),
                };
            }
            let rows: Vec<(String, i64, String, NaiveDateTime)> = query
                .order((
                    deliveries::subscription_id.asc(),
                    deliveries::event_id.asc(),
                ))
                .select((
                    deliveries::subscription_id,
                    deliveries::event_id,
                    deliveries::event_type,
                    events::table
                        .filter(events::id.eq(deliveries::event_id))
                        .select(events::occurred_at)
                        .single_value()
                        .assume_not_null(),
                ))
                .limit(limit)
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|(subscription, event, event_type, occurred)| ItemRow {
                    parent_id: Some(subscription.clone()),
                    ..row(
                        delivery_id(&subscription, event),
                        event_type,
                        None,
                        occurred,
                    )
                })
                .collect())
        }
    }
}

/// A dead delivery's resource id: its subscription and event, ordered as the pair is.
pub fn delivery_id(subscription_id: &str, event_id: i64) -> String {
    format!("{subscription_id}/{event_id:020}")
}

/// How many items of one kind the caller is party to, and how many are overdue at `now`.
pub fn count_kind(conn: &mut DbConnection, ask: &Ask<'_>) -> Result<Count, ApiError> {
    let now = ask.now;
    let (total, overdue): (i64, i64) = match ask.kind {
        Kind::IdeaAnswer => projects_of(ask, statuses(ask.kind))
            .filter(projects::response_due_at.is_not_null())
            .select((
                count_star(),
                count(case_when(projects::response_due_at.lt(now), projects::id)),
            ))
            .get_result(conn)?,
        Kind::Decision => (
            projects_of(ask, statuses(ask.kind))
                .filter(projects::assessment_id.is_not_null())
                .count()
                .get_result(conn)?,
            0,
        ),
        Kind::Evaluation => (
            projects_of(ask, statuses(ask.kind))
                .filter(not(exists(
                    evaluations::table.filter(evaluations::project_id.eq(projects::id)),
                )))
                .count()
                .get_result(conn)?,
            0,
        ),
        Kind::SignalAnswer => signals_of(ask)
            .select((
                count_star(),
                count(case_when(signals::due_at.lt(now), signals::id)),
            ))
            .get_result(conn)?,
        Kind::PolicyResponse => issues_of(ask)
            .select((
                count_star(),
                count(case_when(
                    policy_issues::response_due_at.lt(now),
                    policy_issues::id,
                )),
            ))
            .get_result(conn)?,
        Kind::Advice => advice_of(ask)
            .select((
                count_star(),
                count(case_when(
                    advice_requests::due_at.lt(now),
                    advice_requests::id,
                )),
            ))
            .get_result(conn)?,
        Kind::Delivery => (dead_of(ask).count().get_result(conn)?, 0),
    };
    Ok(Count { total, overdue })
}
