//! The worklist (DESIGN §16): what the caller owes and is owed, one item per open obligation it
//! is party to and may open, by due date. Items are read from the live state of their resources
//! (`db::worklist`), so one leaves in the transaction that settles it; who is party to which
//! kind is `authz::worklist_party`'s, what each reader may open its reading scopes'.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDateTime};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::http::{self, PageParams, PageRequest};
use super::input::{QueryParams, bool_param};
use crate::auth::{Authorized, Principal};
use crate::authz::{self, ops};
use crate::db::worklist::{self as repo, Ask, Count, Cursor, ItemRow, Scopes};
use crate::db::{Db, DbConnection};
use crate::domain::time;
use crate::domain::worklist::{Counterpart, Involved, Kind, Party, Side, counterparts};
use crate::error::ApiError;

/// What is owed.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorklistKind {
    IdeaAnswer,
    Advice,
    Decision,
    SignalAnswer,
    PolicyResponse,
    Evaluation,
    Delivery,
}

impl From<Kind> for WorklistKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::IdeaAnswer => Self::IdeaAnswer,
            Kind::Advice => Self::Advice,
            Kind::Decision => Self::Decision,
            Kind::SignalAnswer => Self::SignalAnswer,
            Kind::PolicyResponse => Self::PolicyResponse,
            Kind::Evaluation => Self::Evaluation,
            Kind::Delivery => Self::Delivery,
        }
    }
}

/// The resource an item is about.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorklistResourceType {
    Project,
    AdviceRequest,
    Signal,
    PolicyIssue,
    Delivery,
}

/// A role, as in the token's `role` claim.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum RoleValue {
    Programmabureau,
    Stadsdeel,
    Vakdienst,
    Partner,
    Admin,
}

/// `owe`: what the caller's role and scope must do; `owed`: what others owe the caller.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum WorklistSide {
    Owe,
    Owed,
}

/// One side of an obligation: a role and its district, department or partner id (null for
/// roles without one).
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistParty {
    #[schema(value_type = RoleValue)]
    pub role: &'static str,
    #[schema(example = "ocw")]
    pub id: Option<String>,
}

impl From<Counterpart> for WorklistParty {
    fn from(party: Counterpart) -> Self {
        Self {
            role: party.role.as_str(),
            id: party.id,
        }
    }
}

/// Where to read more.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorklistLinks {
    /// The resource the item is about (for a delivery: the subscription's dead deliveries).
    #[schema(example = "/api/v1/projects/0190f0a0-0000-7000-8000-000000000001")]
    pub resource: String,
    /// The project an advice request is about.
    pub project: Option<String>,
}

/// One open obligation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorklistItem {
    pub kind: WorklistKind,
    pub resource_type: WorklistResourceType,
    /// The resource's id (for a delivery: `{subscriptionId}/{eventId}`, the event id in 20 digits).
    pub resource_id: String,
    pub title: String,
    pub owed_by: WorklistParty,
    pub owed_to: Vec<WorklistParty>,
    /// When it is due; null for obligations without a deadline.
    #[serde(with = "time::rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_at: Option<NaiveDateTime>,
    /// Past `dueAt`.
    pub overdue: bool,
    /// Since when it is owed.
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub since: NaiveDateTime,
    pub links: WorklistLinks,
}

/// How many open obligations, and how many of them overdue.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct WorklistCount {
    pub total: i64,
    pub overdue: i64,
}

/// The counts of the whole worklist on the asked side (`kind`, `overdue` and the cursor do not
/// narrow them): in all and per kind, every kind present.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorklistCounts {
    pub total: i64,
    pub overdue: i64,
    /// Per kind, by its name.
    #[schema(value_type = BTreeMap<WorklistKind, WorklistCount>)]
    pub by_kind: BTreeMap<&'static str, WorklistCount>,
}

/// One page of the worklist, with the counts of all of it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Worklist {
    pub items: Vec<WorklistItem>,
    pub counts: WorklistCounts,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters of the worklist.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code, reason = "documentation only: read through QueryParams")]
pub struct WorklistParams {
    /// Only these kinds (repeat the key for several).
    kind: Option<Vec<WorklistKind>>,
    /// One side only; both by default.
    side: Option<WorklistSide>,
    /// `true`: only what is past due; `false`: the rest.
    overdue: Option<bool>,
}

/// The page key: `d` + due moment (microseconds, big-endian) + id, or `n` + id when undated.
fn key_of(due_at: Option<NaiveDateTime>, id: &str) -> Vec<u8> {
    let mut key = match due_at {
        Some(at) => [
            b"d".as_slice(),
            &at.and_utc().timestamp_micros().to_be_bytes(),
        ]
        .concat(),
        None => b"n".to_vec(),
    };
    key.extend_from_slice(id.as_bytes());
    key
}

fn cursor_of(key: &[u8]) -> Result<Cursor, ApiError> {
    let invalid = || {
        ApiError::invalid(
            "cursor",
            "invalid_cursor",
            "is not a cursor of the worklist",
        )
    };
    let (due_at, id) = match key.split_first() {
        Some((b'd', rest)) => {
            let (micros, id) = rest.split_first_chunk::<8>().ok_or_else(invalid)?;
            let at =
                DateTime::from_timestamp_micros(i64::from_be_bytes(*micros)).ok_or_else(invalid)?;
            (Some(at.naive_utc()), id)
        }
        Some((b'n', id)) => (None, id),
        _ => return Err(invalid()),
    };
    let resource_id = std::str::from_utf8(id)
        .ok()
        .filter(|id| !id.is_empty())
        .ok_or_else(invalid)?;
    Ok(Cursor {
        due_at,
        resource_id: resource_id.to_owned(),
    })
}

/// What one request asks of the worklist.
struct Request {
    kinds: Vec<Kind>,
    sides: Vec<Side>,
    overdue: Option<bool>,
    after: Option<Cursor>,
    limit: i64,
}

fn item(principal: &Principal, row: ItemRow, now: NaiveDateTime) -> WorklistItem {
    let involved = Involved {
        district_id: row.district_id.as_deref(),
        department_id: row.department_id.as_deref(),
        partner_id: row.partner_id.as_deref(),
    };
    let (owed_by, owed_to) = counterparts(row.kind, involved, principal);
    let (resource_type, resource, project) = match row.kind {
        Kind::IdeaAnswer | Kind::Decision | Kind::Evaluation => (
            WorklistResourceType::Project,
            format!("/api/v1/projects/{}", row.resource_id),
            None,
        ),
        Kind::Advice => (
            WorklistResourceType::AdviceRequest,
            format!("/api/v1/advice-requests/{}", row.resource_id),
            row.parent_id
                .as_ref()
                .map(|p| format!("/api/v1/projects/{p}")),
        ),
        Kind::SignalAnswer => (
            WorklistResourceType::Signal,
            format!("/api/v1/signals/{}", row.resource_id),
            None,
        ),
        Kind::PolicyResponse => (
            WorklistResourceType::PolicyIssue,
            format!("/api/v1/policy-issues/{}", row.resource_id),
            None,
        ),
        Kind::Delivery => (
            WorklistResourceType::Delivery,
            format!(
                "/api/v1/subscriptions/{}/deliveries?status=dead",
                row.parent_id.as_deref().unwrap_or_default()
            ),
            None,
        ),
    };
    WorklistItem {
        kind: row.kind.into(),
        resource_type,
        overdue: row.due_at.is_some_and(|due| now > due),
        owed_by: owed_by.into(),
        owed_to: owed_to.into_iter().map(WorklistParty::from).collect(),
        resource_id: row.resource_id,
        title: row.title,
        due_at: row.due_at,
        since: row.since,
        links: WorklistLinks { resource, project },
    }
}

/// The page (`limit + 1` rows at most, in worklist order) and the counts: per kind the caller
/// is party to, one statement for its page and one for its counts.
fn gather(
    conn: &mut DbConnection,
    principal: &Principal,
    asked: &Request,
    now: NaiveDateTime,
) -> Result<(Vec<ItemRow>, WorklistCounts), ApiError> {
    let scopes = Scopes {
        projects: authz::project_scope(principal),
        signals: authz::signal_scope(principal),
        issues: authz::policy_issue_scope(principal),
        advice: authz::advice_request_scope(principal),
    };
    let mut rows = Vec::new();
    let mut counts = WorklistCounts {
        total: 0,
        overdue: 0,
        by_kind: BTreeMap::new(),
    };
    for kind in Kind::ALL {
        let mut parties: Vec<Party> = asked
            .sides
            .iter()
            .filter_map(|side| authz::worklist_party(principal, kind, *side))
            .collect();
        parties.dedup();
        let mut count = Count::default();
        for party in &parties {
            let ask = Ask {
                kind,
                party,
                scopes: &scopes,
                now,
            };
            let found = repo::count_kind(conn, &ask)?;
            count = Count {
                total: count.total + found.total,
                overdue: count.overdue + found.overdue,
            };
            if asked.kinds.is_empty() || asked.kinds.contains(&kind) {
                rows.extend(repo::items(
                    conn,
                    &ask,
                    asked.after.as_ref(),
                    asked.overdue,
                    asked.limit + 1,
                )?);
            }
        }
        counts.total += count.total;
        counts.overdue += count.overdue;
        counts.by_kind.insert(
            kind.as_str(),
            WorklistCount {
                total: count.total,
                overdue: count.overdue,
            },
        );
    }
    rows.sort_by(|a, b| {
        (a.due_at.is_none(), a.due_at, &a.resource_id).cmp(&(
            b.due_at.is_none(),
            b.due_at,
            &b.resource_id,
        ))
    });
    rows.dedup_by(|a, b| a.resource_id == b.resource_id);
    rows.truncate(usize::try_from(asked.limit + 1).unwrap_or(usize::MAX));
    Ok((rows, counts))
}

/// What the caller owes and is owed: every open obligation of the programme it is party to and
/// may open, ordered by `dueAt` (undated last) then `resourceId`, with the counts per kind and
/// overdue. Kinds: `idea_answer` (a submitted idea awaiting the bureau's first answer, owed to
/// the district and the initiating partner), `advice` (an open advice request, owed by the
/// department to the bureau), `decision` (under assessment with a final programme assessment,
/// owed by the bureau), `signal_answer` (an open signal, owed by its assigned department to the
/// district and the reporting partner), `policy_response` (a raised policy issue, owed by its
/// owner to the bureau), `evaluation` (a completed or stopped project without evaluation, owed
/// by the bureau with the project's district), `delivery` (a dead delivery of the caller's own
/// subscription). An item leaves in the transaction that settles it.
#[utoipa::path(
    get, path = "/worklist", tag = "Worklist", operation_id = "get_worklist",
    params(WorklistParams, PageParams),
    responses((status = 200, description = "A page of the worklist, with the counts of all of it", body = Worklist))
)]
pub async fn get_worklist(
    req: HttpRequest,
    caller: Authorized<ops::GetWorklist>,
    mut query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let kinds = query.many("kind", Kind::parse);
    let sides = query
        .single("side", Side::parse)
        .map_or(vec![Side::Owe, Side::Owed], |side| vec![side]);
    let overdue = query.single("overdue", bool_param);
    let page = PageRequest::read(&mut query);
    query.finish()?;
    let after = page.after.as_deref().map(cursor_of).transpose()?;
    let asked = Request {
        kinds,
        sides,
        overdue,
        after,
        limit: page.limit,
    };
    let principal = caller.principal;
    let now = time::now();
    let (rows, counts, principal) = db
        .read(move |conn| {
            gather(conn, &principal, &asked, now).map(|(rows, counts)| (rows, counts, principal))
        })
        .await?;
    let page = http::Page::from_rows(
        rows,
        page.limit,
        |r| key_of(r.due_at, &r.resource_id),
        |r| item(&principal, r, now),
    );
    let body = Worklist {
        items: page.items,
        counts,
        next_cursor: page.next_cursor,
    };
    Ok(http::paged_response(
        &req,
        body.next_cursor.as_deref(),
        &body,
    ))
}
