//! Policy issues (DESIGN §13): the programme bureau bundles signals that show one policy not
//! fitting the neighbourhood into an issue for the department that owns the policy, raises it,
//! and that department owes a response by `responseDueAt`. Who reads which issue is
//! `authz::policy_issue_scope`'s; the signals shown in one are those the reader may open.

mod dto;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde_json::json;

pub use self::dto::{
    PolicyIssue, PolicyIssueCreate, PolicyIssueListParams, PolicyIssuePage, PolicyIssueStatusValue,
    PolicyIssueTransitionInput, PolicyIssueUpdate, PolicyPositionValue, PolicyResponse,
    PolicyResponseInput,
};
use super::access::record_event;
use super::http::{self, EventPageParams, Page, PageParams, PageRequest};
use super::input::{
    Fields, JsonObject, QueryParams, array, bool_param, id_param, slug_param, string, text,
};
use crate::auth::{Authorized, Principal};
use crate::authz::{self, PolicyIssueFacts, ops};
use crate::db::policy_issues::{
    self as repo, PolicyIssue as PolicyIssueRecord, PolicyIssueChange, PolicyIssueFilter,
    PolicyIssueRow,
};
use crate::db::{Db, DbConnection, reference as reference_repo, signals as signal_repo};
use crate::domain::policy_issues::{self as rules, MAX_SIGNALS};
use crate::domain::projects::date;
use crate::domain::{Rejection, bounded_text, reference, time};
use crate::error::ApiError;
use crate::visibility::{self, policy_issues_as_seen_by};

/// Days the owning department has to respond to a raised issue (`WIJKREGIE_POLICY_RESPONSE_DAYS`).
#[derive(Debug, Clone, Copy)]
pub struct PolicyResponseDays(pub i64);

fn record(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
    action: &str,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    record_event(conn, principal, "policy_issue", id, action, data)
}

/// The issues' representations as `principal` sees them.
fn shown_all(
    conn: &mut DbConnection,
    principal: &Principal,
    issues: Vec<PolicyIssueRecord>,
    now: NaiveDateTime,
) -> Result<Vec<PolicyIssue>, ApiError> {
    Ok(policy_issues_as_seen_by(conn, principal, issues)?
        .into_iter()
        .map(|seen| PolicyIssue::shown(seen, now))
        .collect())
}

fn shown(
    conn: &mut DbConnection,
    principal: &Principal,
    issue: PolicyIssueRecord,
) -> Result<PolicyIssue, ApiError> {
    shown_all(conn, principal, vec![issue], time::now())?
        .pop()
        .ok_or_else(|| ApiError::Internal("policy issue vanished".to_owned()))
}

fn readable(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
) -> Result<(PolicyIssueRecord, PolicyIssueFacts), ApiError> {
    let issue = repo::get(conn, id)?;
    let facts = issue.facts();
    authz::require_policy_issue(principal, &facts, true, "read")?;
    Ok((issue, facts))
}

/// The bundled signals as given: 1 to [`MAX_SIGNALS`] ids.
fn signal_ids(value: &serde_json::Value) -> Result<Vec<String>, super::input::Problems> {
    let ids = array(string(id_param))(value)?;
    if ids.is_empty() || ids.len() > MAX_SIGNALS {
        return Err(Rejection::new(
            "out_of_range",
            format!("must hold 1 to {MAX_SIGNALS} signal ids"),
        )
        .into());
    }
    Ok(ids)
}

/// Refuses signal ids that do not exist or that `principal` may not read, alike.
fn check_signals(
    conn: &mut DbConnection,
    principal: &Principal,
    ids: &[String],
) -> Result<(), ApiError> {
    let facts = signal_repo::facts_of(conn, ids)?;
    for id in ids {
        let readable = facts
            .iter()
            .any(|f| &f.id == id && authz::can_read_signal(principal, f));
        if !readable {
            return Err(ApiError::invalid(
                "signalIds",
                "unknown_reference",
                format!("'{id}' is not an existing signal"),
            ));
        }
    }
    Ok(())
}

/// List policy issues, newest first: only those the caller may read.
///
/// `overdue=true` lists the raised issues whose response is past `responseDueAt`.
#[utoipa::path(
    get, path = "/policy-issues", tag = "Policy issues", operation_id = "list_policy_issues",
    params(PolicyIssueListParams, PageParams),
    responses((status = 200, description = "A page of policy issues", body = PolicyIssuePage))
)]
pub async fn list_policy_issues(
    req: HttpRequest,
    caller: Authorized<ops::ListPolicyIssues>,
    mut query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let now = time::now();
    let filter = PolicyIssueFilter {
        statuses: query.many("status", rules::status),
        department_id: query.single("departmentId", slug_param),
        theme_id: query.single("themeId", slug_param),
        signal_id: query.single("signalId", id_param),
        overdue: query.single("overdue", bool_param).map(|o| (o, now)),
    };
    let page = PageRequest::read(&mut query);
    query.finish()?;
    let (limit, after) = (page.limit, page.after(false)?);
    let principal = caller.principal;
    let issues = db
        .read(move |conn| {
            // A signal the reader cannot open filters like one that does not exist: nothing.
            if let Some(signal_id) = &filter.signal_id {
                if !visibility::can_open_signal(conn, &principal, signal_id)? {
                    return Ok(Vec::new());
                }
            }
            let scope = authz::policy_issue_scope(&principal);
            let rows = repo::list(conn, &scope, &filter, after.as_ref(), limit)?;
            shown_all(conn, &principal, rows, now)
        })
        .await?;
    let key = |i: &PolicyIssue| http::list_key(false, &i.updated_at, &i.id);
    Ok(http::page_response(
        &req,
        Page::from_rows(issues, limit, key, |i| i),
    ))
}

/// Get one policy issue.
#[utoipa::path(
    get, path = "/policy-issues/{policyIssueId}", tag = "Policy issues", operation_id = "get_policy_issue",
    params(("policyIssueId" = String, Path, description = "The policy issue's id")),
    responses(
        (status = 200, description = "The policy issue", body = PolicyIssue, headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such policy issue, or not yours to read"),
    )
)]
pub async fn get_policy_issue(
    caller: Authorized<ops::GetPolicyIssue>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal;
    let id = path.into_inner();
    let issue = db
        .read(move |conn| {
            let (issue, _) = readable(conn, &principal, &id)?;
            shown(conn, &principal, issue)
        })
        .await?;
    Ok(http::ok_with_etag(issue.version, &issue))
}

/// Bundle signals into a draft policy issue for the department that owns the policy (by
/// default the one the theme routes to).
#[utoipa::path(
    post, path = "/policy-issues", tag = "Policy issues", operation_id = "create_policy_issue",
    request_body = PolicyIssueCreate,
    responses(
        (status = 201, description = "Created as draft", body = PolicyIssue, headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new issue"))),
    )
)]
pub async fn create_policy_issue(
    caller: Authorized<ops::CreatePolicyIssue>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::new(body);
    let title = fields.required("title", string(|v| bounded_text(v, 200)));
    let description = fields.required("description", string(text(5000)));
    let theme_id = fields.required("themeId", string(reference::slug));
    let department_id = fields.optional("departmentId", string(reference::slug));
    let signal_ids = fields.required("signalIds", signal_ids);
    let mut owner = None;
    if let Some(theme) = theme_id.clone() {
        let asked = department_id.clone().into_option();
        let (theme_row, asked_exists) = db
            .read(move |conn| {
                let theme_row = reference_repo::theme::find(conn, &theme)?;
                let exists = match &asked {
                    Some(d) => reference_repo::department_exists(conn, d)?,
                    None => true,
                };
                Ok((theme_row, exists))
            })
            .await?;
        if !asked_exists {
            fields.reject(
                "departmentId",
                Rejection::new("unknown_reference", "is not an existing department"),
            );
        }
        match theme_row {
            Some(row) => {
                owner = Some(
                    department_id
                        .clone()
                        .into_option()
                        .unwrap_or(row.department_id),
                )
            }
            None => fields.reject(
                "themeId",
                Rejection::new("unknown_reference", "is not an existing theme"),
            ),
        }
    }
    let (title, description, theme_id, signal_ids, department_id) =
        fields.finish((title, description, theme_id, signal_ids, owner))?;
    let principal = caller.principal;
    if !authz::can_steer_policy_issue(&principal) {
        return Err(ApiError::Forbidden(
            "Only the programme bureau bundles policy issues.".to_owned(),
        ));
    }
    let row = PolicyIssueRow::draft(title, description, theme_id, department_id, time::now());
    let issue = db
        .write(move |conn| {
            check_signals(conn, &principal, &signal_ids)?;
            let issue = repo::insert(conn, &row, &signal_ids)?;
            record(conn, &principal, &row.id, "created", json!({ "themeId": row.theme_id, "departmentId": row.department_id, "signalIds": signal_ids }))?;
            shown(conn, &principal, issue)
        })
        .await?;
    Ok(http::created(
        format!("/api/v1/policy-issues/{}", issue.id),
        issue.version,
        &issue,
    ))
}

/// Change a policy issue's title, description or signals (`signalIds` replaces the list; the
/// signals can change until the owner responds). The programme bureau. Requires `If-Match`.
#[utoipa::path(
    patch, path = "/policy-issues/{policyIssueId}", tag = "Policy issues", operation_id = "update_policy_issue",
    params(
        ("policyIssueId" = String, Path, description = "The policy issue's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body(content = PolicyIssueUpdate, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = PolicyIssue, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such policy issue, or not yours to read"),
        (status = 409, description = "The owner responded: its signals are settled"),
        (status = 412, description = "The policy issue changed since you read it"),
    )
)]
pub async fn update_policy_issue(
    req: HttpRequest,
    caller: Authorized<ops::UpdatePolicyIssue>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let title = fields.not_null("title", string(|v| bounded_text(v, 200)));
    let description = fields.not_null("description", string(text(5000)));
    let signal_ids = fields.not_null("signalIds", signal_ids);
    fields.finish(())?;
    let principal = caller.principal;
    let id = path.into_inner();
    let issue = db
        .write(move |conn| {
            let (before, facts) = readable(conn, &principal, &id)?;
            authz::require_policy_issue(&principal, &facts, authz::can_steer_policy_issue(&principal), "edit it")?;
            let before_ids: Vec<String> = before.signals.iter().map(|s| s.id.clone()).collect();
            if let Some(ids) = &signal_ids {
                if !rules::signals_editable(&before.row.status) {
                    return Err(ApiError::conflict("policy_issue_settled", format!("The signals of a {} policy issue no longer change.", before.row.status)));
                }
                check_signals(conn, &principal, ids)?;
                repo::set_signals(conn, &id, ids)?;
            }
            let change = PolicyIssueChange { title, description, ..PolicyIssueChange::default() };
            let after = repo::update(conn, &id, version, &change, time::now())?;
            let after_ids: Vec<String> = after.signals.iter().map(|s| s.id.clone()).collect();
            record(conn, &principal, &id, "updated", json!({ "before": { "title": before.row.title, "signalIds": before_ids }, "after": { "title": after.row.title, "signalIds": after_ids } }))?;
            shown(conn, &principal, after)
        })
        .await?;
    Ok(http::ok_with_etag(issue.version, &issue))
}

/// Move a policy issue: `draft → raised` (sets `raisedAt` and `responseDueAt`, raising plus
/// `POLICY_RESPONSE_DAYS`) and `responded → closed`, by the programme bureau. The owner's
/// response (`PUT …/response`) moves it to `responded`; anything else is a 409
/// `transition_not_allowed`. Requires `If-Match`.
#[utoipa::path(
    post, path = "/policy-issues/{policyIssueId}/transitions", tag = "Policy issues", operation_id = "transition_policy_issue",
    params(
        ("policyIssueId" = String, Path, description = "The policy issue's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body = PolicyIssueTransitionInput,
    responses(
        (status = 200, description = "The policy issue in its new status", body = PolicyIssue, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such policy issue, or not yours to read"),
        (status = 409, description = "Not allowed from the current status"),
        (status = 412, description = "The policy issue changed since you read it"),
    )
)]
pub async fn transition_policy_issue(
    req: HttpRequest,
    caller: Authorized<ops::TransitionPolicyIssue>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let days = req.app_data::<PolicyResponseDays>().map_or(42, |d| d.0);
    let mut fields = Fields::new(body);
    let to = fields.required("to", string(rules::status));
    let to = fields.finish(to)?;
    let principal = caller.principal;
    let id = path.into_inner();
    let issue = db
        .write(move |conn| {
            let (issue, facts) = readable(conn, &principal, &id)?;
            authz::require_policy_issue(&principal, &facts, authz::can_steer_policy_issue(&principal), &format!("move it to {to}"))?;
            if issue.row.version != version {
                return Err(ApiError::PreconditionFailed { current: Some(issue.row.version) });
            }
            let from = issue.row.status.clone();
            let now = time::now();
            let Some(raised) = rules::transition(&from, &to, now, days) else {
                return Err(ApiError::Conflict {
                    code: "transition_not_allowed",
                    detail: format!("A policy issue cannot go from {from} to {to}."),
                    details: Some(json!({ "from": from, "to": to })),
                });
            };
            let change = PolicyIssueChange {
                status: Some(to.clone()),
                raised_at: raised.as_ref().map(|r| Some(r.raised_at)),
                response_due_at: raised.as_ref().map(|r| Some(r.response_due_at)),
                ..PolicyIssueChange::default()
            };
            let after = repo::update(conn, &id, version, &change, now)?;
            let due = after.row.response_due_at.as_ref().map(time::format);
            record(conn, &principal, &id, "status_changed", json!({ "before": { "status": from }, "after": { "status": to }, "responseDueAt": due }))?;
            shown(conn, &principal, after)
        })
        .await?;
    Ok(http::ok_with_etag(issue.version, &issue))
}

/// The owning department's response: its position, explanation and dates. Moves a raised
/// issue to `responded`; a responded one keeps its status and gets the revised response. Only
/// the department that owns the issue. Requires `If-Match`.
#[utoipa::path(
    put, path = "/policy-issues/{policyIssueId}/response", tag = "Policy issues", operation_id = "respond_to_policy_issue",
    params(
        ("policyIssueId" = String, Path, description = "The policy issue's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body = PolicyResponseInput,
    responses(
        (status = 200, description = "The policy issue with the response", body = PolicyIssue, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such policy issue, or not yours to read"),
        (status = 409, description = "The issue is not raised (a draft, or closed)"),
        (status = 412, description = "The policy issue changed since you read it"),
    )
)]
pub async fn respond_to_policy_issue(
    req: HttpRequest,
    caller: Authorized<ops::RespondToPolicyIssue>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let position = fields.required("position", string(rules::position));
    let explanation = fields.required("explanation", string(text(5000)));
    let decided_on = fields.optional("decidedOn", string(date));
    let follow_up_on = fields.optional("followUpOn", string(date));
    let (position, explanation, decided_on, follow_up_on) =
        fields.finish((position, explanation, decided_on, follow_up_on))?;
    let principal = caller.principal;
    let id = path.into_inner();
    let issue = db
        .write(move |conn| {
            let (issue, facts) = readable(conn, &principal, &id)?;
            authz::require_policy_issue(&principal, &facts, authz::can_respond_to_policy_issue(&principal, &facts), "respond")?;
            if issue.row.version != version {
                return Err(ApiError::PreconditionFailed { current: Some(issue.row.version) });
            }
            if !rules::open_to_response(&issue.row.status) {
                return Err(ApiError::conflict("policy_issue_not_raised", format!("A {} policy issue takes no response: it must be raised.", issue.row.status)));
            }
            let now = time::now();
            let change = PolicyIssueChange {
                status: Some("responded".to_owned()),
                response_position: Some(Some(position.clone())),
                response_explanation: Some(Some(explanation)),
                response_decided_on: Some(decided_on.into_option()),
                response_follow_up_on: Some(follow_up_on.into_option()),
                responded_at: Some(Some(now)),
                ..PolicyIssueChange::default()
            };
            let after = repo::update(conn, &id, version, &change, now)?;
            record(conn, &principal, &id, "responded", json!({ "before": { "status": issue.row.status, "position": issue.row.response_position }, "after": { "status": "responded", "position": position } }))?;
            shown(conn, &principal, after)
        })
        .await?;
    Ok(http::ok_with_etag(issue.version, &issue))
}

/// The trail of a policy issue: created, edited, raised, responded, overdue, closed; oldest
/// first.
#[utoipa::path(
    get, path = "/policy-issues/{policyIssueId}/history", tag = "Policy issues", operation_id = "policy_issue_history",
    params(("policyIssueId" = String, Path, description = "The policy issue's id"), EventPageParams),
    responses(
        (status = 200, description = "A page of the policy issue's events", body = super::events::EventPage),
        (status = 404, description = "No such policy issue, or not yours to read"),
    )
)]
pub async fn policy_issue_history(
    req: HttpRequest,
    caller: Authorized<ops::PolicyIssueHistory>,
    path: web::Path<String>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal;
    super::events::history(
        &req,
        &db,
        principal.clone(),
        query,
        "policy_issue",
        path.into_inner(),
        move |conn, id| readable(conn, &principal, id).map(|_| ()),
    )
    .await
}
