//! Advice requests (DESIGN §16): the programme bureau asks a department for its advice on an
//! idea by a date; the department's final advisory assessment of the project gives it (see
//! `api::assessments`), or the bureau withdraws it. Who reads which request is
//! `authz::advice_request_scope`'s; each change is an `advice_request.*` event.

mod dto;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde_json::json;

pub use self::dto::{
    AdviceRequest, AdviceRequestCreate, AdviceRequestListParams, AdviceRequestMove,
    AdviceRequestPage, AdviceRequestProjectParam, AdviceRequestStatusValue,
    AdviceRequestTransitionInput,
};
use super::access::{readable_project, record_event};
use super::http::{self, EventPageParams, Page, PageParams, PageRequest};
use super::input::{
    Fields, JsonObject, QueryParams, bool_param, id_param, slug_param, string, text,
};
use crate::auth::{Authorized, Principal};
use crate::authz::{self, AdviceRequestFacts, AssessmentFacts, ops};
use crate::db::advice_requests::{self as repo, AdviceRequestFilter, AdviceRequestRow};
use crate::db::{Db, DbConnection, reference as reference_repo};
use crate::domain::advice_requests as rules;
use crate::domain::{Rejection, reference, time};
use crate::error::ApiError;

/// The requests as `principal` sees them: the advisory assessment's id only where it may read
/// that assessment.
fn shown_all(
    principal: &Principal,
    rows: Vec<(AdviceRequestRow, AdviceRequestFacts)>,
    now: NaiveDateTime,
) -> Vec<AdviceRequest> {
    rows.into_iter()
        .map(|(row, facts)| {
            let assessment = AssessmentFacts {
                programme: false,
                department_id: Some(row.department_id.clone()),
                is_final: true,
            };
            let open = authz::can_read_assessment(principal, &facts.project, &assessment, true);
            AdviceRequest::shown(row, open, now)
        })
        .collect()
}

fn with_facts(
    conn: &mut DbConnection,
    rows: Vec<AdviceRequestRow>,
) -> Result<Vec<(AdviceRequestRow, AdviceRequestFacts)>, ApiError> {
    let facts = repo::facts(conn, &rows)?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let f = facts.iter().find(|f| f.id == row.id)?.clone();
            Some((row, f))
        })
        .collect())
}

fn shown(
    conn: &mut DbConnection,
    principal: &Principal,
    row: AdviceRequestRow,
) -> Result<AdviceRequest, ApiError> {
    let rows = with_facts(conn, vec![row])?;
    shown_all(principal, rows, time::now())
        .pop()
        .ok_or_else(|| ApiError::Internal("advice request vanished".to_owned()))
}

fn readable(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
) -> Result<(AdviceRequestRow, AdviceRequestFacts), ApiError> {
    let row = repo::get(conn, id)?;
    let (row, facts) = with_facts(conn, vec![row])?
        .pop()
        .ok_or_else(|| ApiError::NotFound(format!("There is no advice request '{id}'.")))?;
    authz::require_advice_request(principal, &facts, true, "read")?;
    Ok((row, facts))
}

/// Records `advice_request.<action>` with the project and department it is about.
pub(crate) fn record(
    conn: &mut DbConnection,
    principal: &Principal,
    row: &AdviceRequestRow,
    action: &str,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    let mut data = data;
    if let Some(object) = data.as_object_mut() {
        object.insert("projectId".to_owned(), json!(row.project_id));
        object.insert("departmentId".to_owned(), json!(row.department_id));
    }
    record_event(conn, principal, "advice_request", &row.id, action, data)
}

/// The filters both lists share; `projectId` only where `with_project`.
fn read_filter(
    query: &mut QueryParams,
    with_project: bool,
    now: NaiveDateTime,
) -> AdviceRequestFilter {
    AdviceRequestFilter {
        project_id: if with_project {
            query.single("projectId", id_param)
        } else {
            None
        },
        department_id: query.single("departmentId", slug_param),
        statuses: query.many("status", rules::status),
        overdue: query.single("overdue", bool_param).map(|o| (o, now)),
    }
}

async fn list(
    req: &HttpRequest,
    db: &Db,
    principal: Principal,
    mut query: QueryParams,
    project_id: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let now = time::now();
    let mut filter = read_filter(&mut query, project_id.is_none(), now);
    let page = PageRequest::read(&mut query);
    query.finish()?;
    let (limit, after) = (page.limit, page.after(false)?);
    let requests = db
        .read(move |conn| {
            if let Some(project_id) = project_id {
                readable_project(conn, &principal, &project_id)?;
                filter.project_id = Some(project_id);
            }
            let scope = authz::advice_request_scope(&principal);
            let rows = repo::list(conn, &scope, &filter, after.as_ref(), limit)?;
            Ok(shown_all(&principal, with_facts(conn, rows)?, now))
        })
        .await?;
    let key = |r: &AdviceRequest| http::list_key(false, &r.updated_at, &r.id);
    Ok(http::page_response(
        req,
        Page::from_rows(requests, limit, key, |r| r),
    ))
}

/// The advice requests about one project, newest first: those the caller may read.
#[utoipa::path(
    get, path = "/projects/{projectId}/advice-requests", tag = "Advice requests", operation_id = "list_project_advice_requests",
    params(("projectId" = String, Path, description = "The project's id"), AdviceRequestListParams, PageParams),
    responses(
        (status = 200, description = "A page of advice requests", body = AdviceRequestPage),
        (status = 404, description = "No such project, or not yours to read"),
    )
)]
pub async fn list_project_advice_requests(
    req: HttpRequest,
    caller: Authorized<ops::ListProjectAdviceRequests>,
    path: web::Path<String>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    list(&req, &db, caller.principal, query, Some(path.into_inner())).await
}

/// Every advice request the caller may read, newest first: a department those asked of it, a
/// stadsdeel those about its district's projects.
#[utoipa::path(
    get, path = "/advice-requests", tag = "Advice requests", operation_id = "list_advice_requests",
    params(AdviceRequestListParams, AdviceRequestProjectParam, PageParams),
    responses((status = 200, description = "A page of advice requests", body = AdviceRequestPage))
)]
pub async fn list_advice_requests(
    req: HttpRequest,
    caller: Authorized<ops::ListAdviceRequests>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    list(&req, &db, caller.principal, query, None).await
}

/// Get one advice request.
#[utoipa::path(
    get, path = "/advice-requests/{adviceRequestId}", tag = "Advice requests", operation_id = "get_advice_request",
    params(("adviceRequestId" = String, Path, description = "The advice request's id")),
    responses(
        (status = 200, description = "The advice request", body = AdviceRequest, headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such advice request, or not yours to read"),
    )
)]
pub async fn get_advice_request(
    caller: Authorized<ops::GetAdviceRequest>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal;
    let id = path.into_inner();
    let request = db
        .read(move |conn| {
            let (row, _) = readable(conn, &principal, &id)?;
            shown(conn, &principal, row)
        })
        .await?;
    Ok(http::ok_with_etag(request.version, &request))
}

/// Ask a department for its advice on a project by `dueOn`: the programme bureau, while the
/// project is submitted, in dialogue or under assessment (409 `advice_not_requestable`
/// otherwise). The department's next final advisory assessment of the project gives it.
#[utoipa::path(
    post, path = "/projects/{projectId}/advice-requests", tag = "Advice requests", operation_id = "create_advice_request",
    params(("projectId" = String, Path, description = "The project's id")),
    request_body = AdviceRequestCreate,
    responses(
        (status = 201, description = "Asked", body = AdviceRequest, headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new advice request"))),
        (status = 404, description = "No such project, or not yours to read"),
        (status = 409, description = "The project is not weighed now (not submitted, in dialogue or under assessment)"),
    )
)]
pub async fn create_advice_request(
    caller: Authorized<ops::CreateAdviceRequest>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let now = time::now();
    let mut fields = Fields::new(body);
    let department_id = fields.required("departmentId", string(reference::slug));
    let question = fields.required("question", string(text(rules::MAX_QUESTION)));
    let due_on = fields.required("dueOn", string(|v| rules::due_on(v, now.date())));
    let known = match department_id.clone() {
        Some(d) => {
            db.read(move |conn| reference_repo::department_exists(conn, &d))
                .await?
        }
        None => true,
    };
    if !known {
        fields.reject(
            "departmentId",
            Rejection::new("unknown_reference", "is not an existing department"),
        );
    }
    let (department_id, question, due_on) = fields.finish((department_id, question, due_on))?;
    let (principal, project_id) = (caller.principal, path.into_inner());
    let row = AdviceRequestRow::open(
        project_id,
        department_id,
        question,
        due_on.to_string(),
        rules::due_at(due_on),
        now,
    );
    let request = db
        .write(move |conn| {
            let (project, facts) = readable_project(conn, &principal, &row.project_id)?;
            authz::require(&principal, &facts, authz::can_steer_advice(&principal), "ask advice")?;
            if !rules::may_be_requested(facts.status) {
                return Err(ApiError::conflict("advice_not_requestable", format!("Advice is asked on a submitted idea, in dialogue or under assessment; this project is {}.", project.row.status)));
            }
            repo::insert(conn, &row)?;
            record(conn, &principal, &row, "requested", json!({ "dueOn": row.due_on, "dueAt": time::format(&row.due_at) }))?;
            shown(conn, &principal, row)
        })
        .await?;
    Ok(http::created(
        format!("/api/v1/advice-requests/{}", request.id),
        request.version,
        &request,
    ))
}

/// Withdraw an open advice request (`{ "to": "withdrawn", "reason": … }`): the programme
/// bureau. A given or withdrawn request is a 409 `transition_not_allowed`. Requires `If-Match`.
#[utoipa::path(
    post, path = "/advice-requests/{adviceRequestId}/transitions", tag = "Advice requests", operation_id = "transition_advice_request",
    params(
        ("adviceRequestId" = String, Path, description = "The advice request's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body = AdviceRequestTransitionInput,
    responses(
        (status = 200, description = "Withdrawn", body = AdviceRequest, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such advice request, or not yours to read"),
        (status = 409, description = "Not open any more"),
        (status = 412, description = "The advice request changed since you read it"),
    )
)]
pub async fn transition_advice_request(
    req: HttpRequest,
    caller: Authorized<ops::TransitionAdviceRequest>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let to = fields.required(
        "to",
        string(|v| crate::domain::partners::one_of(v, &["withdrawn"])),
    );
    let reason = fields.required("reason", string(text(2000)));
    let (_, reason) = fields.finish((to, reason))?;
    let (principal, id) = (caller.principal, path.into_inner());
    let request = db
        .write(move |conn| {
            let (before, facts) = readable(conn, &principal, &id)?;
            authz::require_advice_request(&principal, &facts, authz::can_steer_advice(&principal), "withdraw it")?;
            if before.version != version {
                return Err(ApiError::PreconditionFailed { current: Some(before.version) });
            }
            if !rules::may_withdraw(&before.status) {
                return Err(ApiError::Conflict { code: "transition_not_allowed", detail: format!("A {} advice request cannot be withdrawn.", before.status), details: Some(json!({ "from": before.status, "to": "withdrawn" })) });
            }
            let after = repo::withdraw(conn, &id, version, &reason, time::now())?;
            record(conn, &principal, &after, "withdrawn", json!({ "before": { "status": before.status }, "after": { "status": "withdrawn" }, "reason": reason }))?;
            shown(conn, &principal, after)
        })
        .await?;
    Ok(http::ok_with_etag(request.version, &request))
}

/// The trail of an advice request: requested, given or withdrawn; oldest first.
#[utoipa::path(
    get, path = "/advice-requests/{adviceRequestId}/history", tag = "Advice requests", operation_id = "advice_request_history",
    params(("adviceRequestId" = String, Path, description = "The advice request's id"), EventPageParams),
    responses(
        (status = 200, description = "A page of the advice request's events", body = super::events::EventPage),
        (status = 404, description = "No such advice request, or not yours to read"),
    )
)]
pub async fn advice_request_history(
    req: HttpRequest,
    caller: Authorized<ops::AdviceRequestHistory>,
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
        "advice_request",
        path.into_inner(),
        move |conn, id| readable(conn, &principal, id).map(|_| ()),
    )
    .await
}

/// Settles, in the caller's transaction, the open requests to `department_id` about the
/// project: its final advisory assessment `assessment_id` gives the advice. One
/// `advice_request.given` event each.
pub(crate) fn settle_by_assessment(
    conn: &mut DbConnection,
    principal: &Principal,
    project_id: &str,
    department_id: &str,
    assessment_id: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    for row in repo::settle(conn, project_id, department_id, assessment_id, now)? {
        let on_time = now < row.due_at;
        record(
            conn,
            principal,
            &row,
            "given",
            json!({ "before": { "status": "open" }, "after": { "status": "given" }, "onTime": on_time }),
        )?;
    }
    Ok(())
}
