//! The parts of a project: goals, funding lines, project partners, links and notes. Each change
//! is checked against the project's object rules and recorded on the project's trail.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::http;
use super::input::{Field, Fields, JsonObject, QueryParams, integer, number, string};
use super::projects::{Project, readable, record};
use crate::auth::{AnyRole, Authorized, Principal, ProjectWriters};
use crate::authz;
use crate::db::projects::{
    self as repo, FundingLineChange, FundingLineRow, GoalChange, GoalRow, NoteRow,
};
use crate::db::{Db, partners as partner_repo, reference as reference_repo};
use crate::domain::partners::one_of;
use crate::domain::projects::{
    self as rules, FUNDING_SOURCES, FUNDING_STATUSES, LINK_KINDS, PARTNER_ROLES,
};
use crate::domain::{Rejection, bounded_text, time};
use crate::error::ApiError;

fn snapshot<T: Serialize>(value: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(format!("cannot serialize: {e}")))
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// `200` with a list of parts (small, unpaginated: a project has tens of them, not thousands).
#[derive(Debug, Serialize)]
struct Items<T> {
    items: Vec<T>,
}

// Goals -----------------------------------------------------------------------------------

/// A goal of a project, with its indicator.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Goal {
    pub id: String,
    #[schema(example = "employment")]
    pub effect: String,
    #[schema(example = "Residents in paid work via the project")]
    pub indicator: String,
    #[schema(example = "persons")]
    pub unit: String,
    #[schema(example = 0)]
    pub baseline: f64,
    #[schema(example = 12)]
    pub target: f64,
    pub actual: Option<f64>,
    #[schema(value_type = Option<String>, format = Date)]
    pub measured_on: Option<String>,
    pub version: i64,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl From<GoalRow> for Goal {
    fn from(row: GoalRow) -> Self {
        Self {
            id: row.id,
            effect: row.effect,
            indicator: row.indicator,
            unit: row.unit,
            baseline: row.baseline,
            target: row.target,
            actual: row.actual,
            measured_on: row.measured_on,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The goals of a project.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation only")]
pub struct GoalList {
    items: Vec<Goal>,
}

/// A new goal.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct GoalCreate {
    effect: super::projects::Effect,
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    indicator: String,
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    unit: String,
    baseline: f64,
    target: f64,
    actual: Option<f64>,
    #[schema(format = Date)]
    measured_on: Option<String>,
}

/// Changes to a goal (JSON merge patch; `null` clears `actual` and `measuredOn`).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct GoalUpdate {
    #[schema(nullable = false)]
    effect: Option<super::projects::Effect>,
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    indicator: Option<String>,
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 50,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    unit: Option<String>,
    #[schema(nullable = false)]
    baseline: Option<f64>,
    #[schema(nullable = false)]
    target: Option<f64>,
    actual: Option<f64>,
    #[schema(format = Date)]
    measured_on: Option<String>,
}

fn line(max: usize) -> impl Fn(&str) -> Result<String, Rejection> {
    move |value| bounded_text(value, max)
}

fn finite(value: &serde_json::Value) -> Result<f64, Rejection> {
    number(value)
}

/// The goals of a project.
///
/// Roles: every role that may read the project.
#[utoipa::path(
    get, path = "/projects/{projectId}/goals", tag = "Project parts", operation_id = "list_goals",
    params(("projectId" = String, Path, description = "The project's id")),
    responses((status = 200, description = "The goals, oldest first", body = GoalList), (status = 404, description = "No such project")),
    security(("bearer" = []))
)]
pub async fn list_goals(
    caller: Authorized<AnyRole>,
    path: web::Path<String>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    query.finish()?;
    list_parts::<_, Goal>(&db, caller.principal, path.into_inner(), repo::goals_of).await
}

/// `200` with all parts of one kind of a project the caller may read.
async fn list_parts<Row, Dto>(
    db: &Db,
    principal: Principal,
    project_id: String,
    load: fn(&mut crate::db::DbConnection, &str) -> Result<Vec<Row>, ApiError>,
) -> Result<HttpResponse, ApiError>
where
    Row: Send + 'static,
    Dto: From<Row> + Serialize + Send + 'static,
{
    let items = db
        .read(move |conn| {
            readable(conn, &principal, &project_id)?;
            Ok(load(conn, &project_id)?
                .into_iter()
                .map(Dto::from)
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// Runs `work` in one write transaction after checking that the principal may read the project
/// (404) and do this to it (403).
async fn edit_project<T, F>(
    db: &Db,
    principal: Principal,
    project_id: String,
    what: &'static str,
    allowed: fn(&Principal, &authz::ProjectFacts) -> bool,
    work: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::db::DbConnection, &Principal, &str) -> Result<T, ApiError>
        + Send
        + 'static,
{
    db.write(move |conn| {
        let (_, facts) = readable(conn, &principal, &project_id)?;
        authz::require(&principal, &facts, allowed(&principal, &facts), what)?;
        work(conn, &principal, &project_id)
    })
    .await
}

fn may_edit(principal: &Principal, facts: &authz::ProjectFacts) -> bool {
    authz::can_edit_project(principal, facts)
}

/// Reads a goal body; `creating` makes the descriptive members required.
fn read_goal(body: JsonObject, creating: bool) -> Result<GoalChange, ApiError> {
    let mut fields = Fields::new(body);
    let take = |fields: &mut Fields,
                key: &str,
                parse: &dyn Fn(&serde_json::Value) -> Result<String, Rejection>| {
        if creating {
            fields.required(key, parse)
        } else {
            fields.not_null(key, parse)
        }
    };
    let effect = take(&mut fields, "effect", &string(rules::effect));
    let indicator = take(&mut fields, "indicator", &string(line(500)));
    let unit = take(&mut fields, "unit", &string(line(50)));
    let (baseline, target) = if creating {
        (
            fields.required("baseline", finite),
            fields.required("target", finite),
        )
    } else {
        (
            fields.not_null("baseline", finite),
            fields.not_null("target", finite),
        )
    };
    let actual = fields.optional("actual", finite);
    let measured_on = fields.optional("measuredOn", string(rules::date));
    let (actual, measured_on) = fields.finish((actual, measured_on))?;
    Ok(GoalChange {
        effect,
        indicator,
        unit,
        baseline,
        target,
        actual: actual.into_patch(),
        measured_on: measured_on.into_patch(),
    })
}

/// Add a goal to a project.
///
/// Roles: programmabureau; stadsdeel of the district; the initiating partner on its draft.
#[utoipa::path(
    post, path = "/projects/{projectId}/goals", tag = "Project parts", operation_id = "create_goal",
    params(("projectId" = String, Path, description = "The project's id")),
    request_body = GoalCreate,
    responses(
        (status = 201, description = "Created", body = Goal, headers(("ETag" = String, description = "The goal's version"), ("Location" = String, description = "The goal's URL"))),
        (status = 403, description = "Not allowed to edit this project"),
        (status = 404, description = "No such project"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Body is not JSON"),
    ),
    security(("bearer" = []))
)]
pub async fn create_goal(
    caller: Authorized<ProjectWriters>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let change = read_goal(body, true)?;
    let project_id = path.into_inner();
    let location_of = project_id.clone();
    let goal = edit_project(
        &db,
        caller.principal,
        project_id,
        "add goals",
        may_edit,
        move |conn, principal, project_id| {
            let now = time::now();
            let row = GoalRow {
                id: new_id(),
                project_id: project_id.to_owned(),
                effect: change.effect.unwrap_or_default(),
                indicator: change.indicator.unwrap_or_default(),
                unit: change.unit.unwrap_or_default(),
                baseline: change.baseline.unwrap_or_default(),
                target: change.target.unwrap_or_default(),
                actual: change.actual.flatten(),
                measured_on: change.measured_on.flatten(),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            repo::insert_goal(conn, &row)?;
            let goal = Goal::from(row);
            record(
                conn,
                principal,
                project_id,
                "goal_created",
                json!({ "goalId": goal.id, "before": null, "after": snapshot(&goal)? }),
            )?;
            Ok(goal)
        },
    )
    .await?;
    Ok(http::created(
        format!("/api/v1/projects/{location_of}/goals/{}", goal.id),
        goal.version,
        &goal,
    ))
}

/// Change a goal (JSON merge patch), for example to record its `actual` value.
///
/// Roles: as for adding goals. Requires `If-Match` with the goal's `ETag`.
#[utoipa::path(
    patch, path = "/projects/{projectId}/goals/{goalId}", tag = "Project parts", operation_id = "update_goal",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("goalId" = String, Path, description = "The goal's id"),
        ("If-Match" = String, Header, description = "The goal's ETag", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body(content = GoalUpdate, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = Goal, headers(("ETag" = String, description = "The goal's new version"))),
        (status = 403, description = "Not allowed to edit this project"),
        (status = 404, description = "No such project or goal"),
        (status = 412, description = "The goal changed since you read it"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Body is not JSON"),
        (status = 428, description = "If-Match missing"),
    ),
    security(("bearer" = []))
)]
pub async fn update_goal(
    req: HttpRequest,
    caller: Authorized<ProjectWriters>,
    path: web::Path<(String, String)>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let change = read_goal(body, false)?;
    let (project_id, goal_id) = path.into_inner();
    let goal = edit_project(
        &db,
        caller.principal,
        project_id,
        "change goals",
        may_edit,
        move |conn, principal, project_id| {
            let before = repo::find_goal(conn, project_id, &goal_id)?.map(Goal::from);
            let after = Goal::from(repo::update_goal(
                conn,
                project_id,
                &goal_id,
                version,
                &change,
                time::now(),
            )?);
            let (old, new) =
                crate::domain::events::changed_members(&snapshot(&before)?, &snapshot(&after)?);
            record(
                conn,
                principal,
                project_id,
                "goal_updated",
                json!({ "goalId": goal_id, "before": old, "after": new }),
            )?;
            Ok(after)
        },
    )
    .await?;
    Ok(http::ok_with_etag(goal.version, &goal))
}

/// Remove a goal.
///
/// Roles: as for adding goals. Requires `If-Match` with the goal's `ETag`.
#[utoipa::path(
    delete, path = "/projects/{projectId}/goals/{goalId}", tag = "Project parts", operation_id = "delete_goal",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("goalId" = String, Path, description = "The goal's id"),
        ("If-Match" = String, Header, description = "The goal's ETag", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not allowed to edit this project"),
        (status = 404, description = "No such project or goal"),
        (status = 412, description = "The goal changed since you read it"),
        (status = 428, description = "If-Match missing"),
    ),
    security(("bearer" = []))
)]
pub async fn delete_goal(
    req: HttpRequest,
    caller: Authorized<ProjectWriters>,
    path: web::Path<(String, String)>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let (project_id, goal_id) = path.into_inner();
    edit_project(
        &db,
        caller.principal,
        project_id,
        "remove goals",
        may_edit,
        move |conn, principal, project_id| {
            let before = Goal::from(repo::delete_goal(conn, project_id, &goal_id, version)?);
            record(
                conn,
                principal,
                project_id,
                "goal_deleted",
                json!({ "goalId": goal_id, "before": snapshot(&before)?, "after": null }),
            )
        },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

// Funding lines ----------------------------------------------------------------------------

/// Money for a project from one source.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FundingLine {
    pub id: String,
    /// `programme`, `department`, `partner`, `national`, `fund` or `other`.
    #[schema(example = "department")]
    pub source_type: String,
    /// The department or partner id, for those source types.
    #[schema(example = "szw")]
    pub source_id: Option<String>,
    #[schema(example = 2500000)]
    pub amount_cents: i64,
    /// `requested`, `committed` or `received`.
    #[schema(example = "committed")]
    pub status: String,
    pub version: i64,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl From<FundingLineRow> for FundingLine {
    fn from(row: FundingLineRow) -> Self {
        Self {
            id: row.id,
            source_type: row.source_type,
            source_id: row.source_id,
            amount_cents: row.amount_cents,
            status: row.status,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The funding lines of a project.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation only")]
pub struct FundingLineList {
    items: Vec<FundingLine>,
}

/// A funding source type.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum FundingSource {
    Programme,
    Department,
    Partner,
    National,
    Fund,
    Other,
}

/// The status of a funding line.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum FundingStatus {
    Requested,
    Committed,
    Received,
}

/// A new funding line.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct FundingLineCreate {
    source_type: FundingSource,
    /// Required for `department` and `partner` sources: an existing department or partner.
    #[schema(pattern = "^[A-Za-z0-9-]{1,64}$")]
    source_id: Option<String>,
    /// More than 0.
    #[schema(minimum = 1, maximum = 1_000_000_000_000_i64, example = 2500000)]
    amount_cents: i64,
    status: FundingStatus,
}

/// Changes to a funding line (JSON merge patch).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct FundingLineUpdate {
    #[schema(nullable = false)]
    source_type: Option<FundingSource>,
    #[schema(pattern = "^[A-Za-z0-9-]{1,64}$")]
    source_id: Option<String>,
    #[schema(
        nullable = false,
        minimum = 1,
        maximum = 1_000_000_000_000_i64,
        example = 2500000
    )]
    amount_cents: Option<i64>,
    #[schema(nullable = false)]
    status: Option<FundingStatus>,
}

fn source_type(value: &str) -> Result<String, Rejection> {
    one_of(value, &FUNDING_SOURCES)
}

fn funding_status(value: &str) -> Result<String, Rejection> {
    one_of(value, &FUNDING_STATUSES)
}

/// The largest amount of one funding line: ten billion euro, far beyond any project, and small
/// enough that a project's sums cannot overflow.
const MAX_AMOUNT_CENTS: i64 = 1_000_000_000_000;

fn amount(value: i64) -> Result<i64, Rejection> {
    if (1..=MAX_AMOUNT_CENTS).contains(&value) {
        Ok(value)
    } else {
        Err(Rejection::new(
            "out_of_range",
            format!("must be from 1 to {MAX_AMOUNT_CENTS} cents"),
        ))
    }
}

fn source_id(value: &str) -> Result<String, Rejection> {
    if value.is_empty()
        || value.len() > 64
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        Err(Rejection::new("invalid_id", "is not an id"))
    } else {
        Ok(value.to_owned())
    }
}

/// Reads a funding line body and checks that a department or partner source exists.
async fn read_funding_line(
    db: &Db,
    body: JsonObject,
    creating: bool,
) -> Result<FundingLineChange, ApiError> {
    let mut fields = Fields::new(body);
    let (kind, amount_cents, status) = if creating {
        (
            fields.required("sourceType", string(source_type)),
            fields.required("amountCents", integer(amount)),
            fields.required("status", string(funding_status)),
        )
    } else {
        (
            fields.not_null("sourceType", string(source_type)),
            fields.not_null("amountCents", integer(amount)),
            fields.not_null("status", string(funding_status)),
        )
    };
    let source = fields.optional("sourceId", string(source_id));
    if let Some(kind) = &kind {
        let named = matches!(kind.as_str(), "department" | "partner");
        match (&source, named) {
            (Field::Value(id), true) => {
                let (kind, id) = (kind.clone(), id.clone());
                let exists = db
                    .read(move |conn| match kind.as_str() {
                        "department" => reference_repo::department_exists(conn, &id),
                        _ => partner_repo::exists(conn, &id),
                    })
                    .await?;
                if !exists {
                    fields.reject(
                        "sourceId",
                        Rejection::new(
                            "unknown_reference",
                            "is not an existing department or partner",
                        ),
                    );
                }
            }
            (Field::Absent | Field::Null, true) if creating => {
                fields.reject(
                    "sourceId",
                    Rejection::new("required", "is required for department and partner sources"),
                );
            }
            _ => {}
        }
    }
    let source = fields.finish(source)?;
    Ok(FundingLineChange {
        source_type: kind,
        source_id: source.into_patch(),
        amount_cents,
        status,
    })
}

/// Who may add or change this line: the bureau and the district's stadsdeel any; a vakdienst
/// only its own department's lines, on projects past draft.
fn may_fund(
    principal: &Principal,
    facts: &authz::ProjectFacts,
    line: &FundingLineChange,
    existing: Option<&FundingLineRow>,
) -> bool {
    let source =
        |kind: Option<&String>, id: Option<&Option<String>>| -> Option<(String, Option<String>)> {
            kind.map(|k| (k.clone(), id.cloned().flatten()))
        };
    let new = source(line.source_type.as_ref(), line.source_id.as_ref()).or_else(|| {
        existing.map(|e| {
            (
                e.source_type.clone(),
                line.source_id.clone().unwrap_or(e.source_id.clone()),
            )
        })
    });
    let old = existing.map(|e| (e.source_type.clone(), e.source_id.clone()));
    [new, old].iter().flatten().all(|(kind, id)| {
        authz::can_fund_project(principal, facts, Some((kind.as_str(), id.as_deref())))
    }) && authz::can_fund_project(principal, facts, None)
}

/// The funding lines of a project.
///
/// Roles: every role that may read the project.
#[utoipa::path(
    get, path = "/projects/{projectId}/funding-lines", tag = "Project parts", operation_id = "list_funding_lines",
    params(("projectId" = String, Path, description = "The project's id")),
    responses((status = 200, description = "The funding lines, oldest first", body = FundingLineList), (status = 404, description = "No such project")),
    security(("bearer" = []))
)]
pub async fn list_funding_lines(
    caller: Authorized<AnyRole>,
    path: web::Path<String>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    query.finish()?;
    list_parts::<_, FundingLine>(
        &db,
        caller.principal,
        path.into_inner(),
        repo::funding_lines_of,
    )
    .await
}

/// Add a funding line; the project's `budget` follows.
///
/// Roles: programmabureau; stadsdeel of the district; vakdienst for its own department's lines
/// on projects past draft.
#[utoipa::path(
    post, path = "/projects/{projectId}/funding-lines", tag = "Project parts", operation_id = "create_funding_line",
    params(("projectId" = String, Path, description = "The project's id")),
    request_body = FundingLineCreate,
    responses(
        (status = 201, description = "Created", body = FundingLine, headers(("ETag" = String, description = "The line's version"), ("Location" = String, description = "The line's URL"))),
        (status = 403, description = "Not allowed to fund this project from this source"),
        (status = 404, description = "No such project"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Body is not JSON"),
    ),
    security(("bearer" = []))
)]
pub async fn create_funding_line(
    caller: Authorized<ProjectWriters>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let change = read_funding_line(&db, body, true).await?;
    let principal = caller.principal;
    let project_id = path.into_inner();
    let location_of = project_id.clone();
    let line = db
        .write(move |conn| {
            let (_, facts) = readable(conn, &principal, &project_id)?;
            authz::require(
                &principal,
                &facts,
                may_fund(&principal, &facts, &change, None),
                "add this funding line",
            )?;
            let now = time::now();
            let row = FundingLineRow {
                id: new_id(),
                project_id: project_id.clone(),
                source_type: change.source_type.unwrap_or_default(),
                source_id: change.source_id.flatten(),
                amount_cents: change.amount_cents.unwrap_or_default(),
                status: change.status.unwrap_or_default(),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            repo::insert_funding_line(conn, &row)?;
            let line = FundingLine::from(row);
            record(
                conn,
                &principal,
                &project_id,
                "funding_line_created",
                json!({ "fundingLineId": line.id, "before": null, "after": snapshot(&line)? }),
            )?;
            Ok(line)
        })
        .await?;
    Ok(http::created(
        format!("/api/v1/projects/{location_of}/funding-lines/{}", line.id),
        line.version,
        &line,
    ))
}

/// Change a funding line (JSON merge patch); the project's `budget` follows.
///
/// Roles: as for adding funding lines. Requires `If-Match` with the line's `ETag`.
#[utoipa::path(
    patch, path = "/projects/{projectId}/funding-lines/{lineId}", tag = "Project parts", operation_id = "update_funding_line",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("lineId" = String, Path, description = "The funding line's id"),
        ("If-Match" = String, Header, description = "The line's ETag", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body(content = FundingLineUpdate, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = FundingLine, headers(("ETag" = String, description = "The line's new version"))),
        (status = 403, description = "Not allowed to change this funding line"),
        (status = 404, description = "No such project or line"),
        (status = 412, description = "The line changed since you read it"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Body is not JSON"),
        (status = 428, description = "If-Match missing"),
    ),
    security(("bearer" = []))
)]
pub async fn update_funding_line(
    req: HttpRequest,
    caller: Authorized<ProjectWriters>,
    path: web::Path<(String, String)>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let change = read_funding_line(&db, body, false).await?;
    let principal = caller.principal;
    let (project_id, line_id) = path.into_inner();
    let line = db
        .write(move |conn| {
            let (_, facts) = readable(conn, &principal, &project_id)?;
            let existing =
                repo::find_funding_line(conn, &project_id, &line_id)?.ok_or_else(|| {
                    ApiError::NotFound(format!(
                        "There is no funding line '{line_id}' on this project."
                    ))
                })?;
            authz::require(
                &principal,
                &facts,
                may_fund(&principal, &facts, &change, Some(&existing)),
                "change this funding line",
            )?;
            let before = FundingLine::from(existing);
            let after = FundingLine::from(repo::update_funding_line(
                conn,
                &project_id,
                &line_id,
                version,
                &change,
                time::now(),
            )?);
            let (old, new) =
                crate::domain::events::changed_members(&snapshot(&before)?, &snapshot(&after)?);
            record(
                conn,
                &principal,
                &project_id,
                "funding_line_updated",
                json!({ "fundingLineId": line_id, "before": old, "after": new }),
            )?;
            Ok(after)
        })
        .await?;
    Ok(http::ok_with_etag(line.version, &line))
}

/// Remove a funding line.
///
/// Roles: as for adding funding lines. Requires `If-Match` with the line's `ETag`.
#[utoipa::path(
    delete, path = "/projects/{projectId}/funding-lines/{lineId}", tag = "Project parts", operation_id = "delete_funding_line",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("lineId" = String, Path, description = "The funding line's id"),
        ("If-Match" = String, Header, description = "The line's ETag", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not allowed to remove this funding line"),
        (status = 404, description = "No such project or line"),
        (status = 412, description = "The line changed since you read it"),
        (status = 428, description = "If-Match missing"),
    ),
    security(("bearer" = []))
)]
pub async fn delete_funding_line(
    req: HttpRequest,
    caller: Authorized<ProjectWriters>,
    path: web::Path<(String, String)>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let principal = caller.principal;
    let (project_id, line_id) = path.into_inner();
    db.write(move |conn| {
        let (_, facts) = readable(conn, &principal, &project_id)?;
        let existing = repo::find_funding_line(conn, &project_id, &line_id)?.ok_or_else(|| {
            ApiError::NotFound(format!(
                "There is no funding line '{line_id}' on this project."
            ))
        })?;
        authz::require(
            &principal,
            &facts,
            may_fund(
                &principal,
                &facts,
                &FundingLineChange::default(),
                Some(&existing),
            ),
            "remove this funding line",
        )?;
        let before = FundingLine::from(repo::delete_funding_line(
            conn,
            &project_id,
            &line_id,
            version,
        )?);
        record(
            conn,
            &principal,
            &project_id,
            "funding_line_deleted",
            json!({ "fundingLineId": line_id, "before": snapshot(&before)?, "after": null }),
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

// Project partners and links ----------------------------------------------------------------

/// A partner's role in a project.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct ProjectPartnerInput {
    role: PartnerRole,
}

/// The role of a partner in a project.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum PartnerRole {
    Lead,
    Executor,
    CoFinancier,
    Adviser,
}

/// Add a partner to a project, or change its role. Answers with the project.
///
/// Roles: as for editing the project. Requires `If-Match` with the project's `ETag`.
#[utoipa::path(
    put, path = "/projects/{projectId}/partners/{partnerId}", tag = "Project parts", operation_id = "put_project_partner",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("partnerId" = String, Path, description = "The partner's id"),
        ("If-Match" = String, Header, description = "The project's ETag", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body = ProjectPartnerInput,
    responses(
        (status = 200, description = "The project with its partners", body = Project, headers(("ETag" = String, description = "The project's new version"))),
        (status = 403, description = "Not allowed to edit this project"),
        (status = 404, description = "No such project or partner"),
        (status = 412, description = "The project changed since you read it"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Body is not JSON"),
        (status = 428, description = "If-Match missing"),
    ),
    security(("bearer" = []))
)]
pub async fn put_project_partner(
    req: HttpRequest,
    caller: Authorized<ProjectWriters>,
    path: web::Path<(String, String)>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let role = fields.required("role", string(|v| one_of(v, &PARTNER_ROLES)));
    let role = fields.finish(role)?;
    let (project_id, partner_id) = path.into_inner();
    let lookup = partner_id.clone();
    if !db
        .read(move |conn| partner_repo::exists(conn, &lookup))
        .await?
    {
        return Err(ApiError::NotFound("There is no such partner.".to_owned()));
    }
    let project = edit_project(&db, caller.principal, project_id, "change its partners", may_edit, move |conn, principal, project_id| {
        let now = time::now();
        repo::bump_version(conn, project_id, version, now)?;
        let before = repo::put_partner(conn, project_id, &partner_id, &role, now)?;
        let action = if before.is_some() { "partner_role_changed" } else { "partner_added" };
        record(conn, principal, project_id, action, json!({ "partnerId": partner_id, "before": before.map(|r| json!({ "role": r })), "after": { "role": role } }))?;
        Ok(Project::from(repo::get(conn, project_id)?))
    })
    .await?;
    Ok(http::ok_with_etag(project.version, &project))
}

/// Remove a partner from a project. Answers with the project.
///
/// Roles: as for editing the project. Requires `If-Match` with the project's `ETag`.
#[utoipa::path(
    delete, path = "/projects/{projectId}/partners/{partnerId}", tag = "Project parts", operation_id = "delete_project_partner",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("partnerId" = String, Path, description = "The partner's id"),
        ("If-Match" = String, Header, description = "The project's ETag", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    responses(
        (status = 200, description = "The project without that partner", body = Project, headers(("ETag" = String, description = "The project's new version"))),
        (status = 403, description = "Not allowed to edit this project"),
        (status = 404, description = "No such project, or the partner is not part of it"),
        (status = 412, description = "The project changed since you read it"),
        (status = 428, description = "If-Match missing"),
    ),
    security(("bearer" = []))
)]
pub async fn delete_project_partner(
    req: HttpRequest,
    caller: Authorized<ProjectWriters>,
    path: web::Path<(String, String)>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let (project_id, partner_id) = path.into_inner();
    let project = edit_project(
        &db,
        caller.principal,
        project_id,
        "change its partners",
        may_edit,
        move |conn, principal, project_id| {
            repo::bump_version(conn, project_id, version, time::now())?;
            let before = repo::remove_partner(conn, project_id, &partner_id)?.ok_or_else(|| {
                ApiError::NotFound(format!(
                    "Partner '{partner_id}' is not part of this project."
                ))
            })?;
            record(
                conn,
                principal,
                project_id,
                "partner_removed",
                json!({ "partnerId": partner_id, "before": { "role": before }, "after": null }),
            )?;
            Ok(Project::from(repo::get(conn, project_id)?))
        },
    )
    .await?;
    Ok(http::ok_with_etag(project.version, &project))
}

/// A link to another project.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct LinkInput {
    /// Another project that exists.
    #[schema(pattern = "^[A-Za-z0-9-]{1,64}$")]
    target_project_id: String,
    kind: LinkKind,
}

/// How two projects relate.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum LinkKind {
    BuildsOn,
    Complements,
    SameTargetGroup,
    FollowUp,
}

/// Link this project to another; both projects show the link. Answers with the project.
///
/// Roles: as for editing the project. No self-links, no second link between the same two.
#[utoipa::path(
    post, path = "/projects/{projectId}/links", tag = "Project parts", operation_id = "create_project_link",
    params(("projectId" = String, Path, description = "The project's id")),
    request_body = LinkInput,
    responses(
        (status = 201, description = "Linked: the project with its links", body = Project, headers(("ETag" = String, description = "The project's version"), ("Location" = String, description = "The project's URL"))),
        (status = 403, description = "Not allowed to edit this project"),
        (status = 404, description = "No such project"),
        (status = 409, description = "The two projects are linked already"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Body is not JSON"),
    ),
    security(("bearer" = []))
)]
pub async fn create_project_link(
    caller: Authorized<ProjectWriters>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::new(body);
    let target = fields.required("targetProjectId", string(source_id));
    let kind = fields.required("kind", string(|v| one_of(v, &LINK_KINDS)));
    let project_id = path.into_inner();
    if target.as_ref() == Some(&project_id) {
        fields.reject(
            "targetProjectId",
            Rejection::new("self_link", "must be another project"),
        );
    }
    let (target, kind) = fields.finish((target, kind))?;
    let project = edit_project(
        &db,
        caller.principal,
        project_id,
        "link it",
        may_edit,
        move |conn, principal, project_id| {
            if readable(conn, principal, &target).is_err() {
                return Err(ApiError::invalid(
                    "targetProjectId",
                    "unknown_reference",
                    "is not a project you can see",
                ));
            }
            if repo::link_exists(conn, &repo::link_pair_key(project_id, &target))? {
                return Err(ApiError::conflict(
                    "already_linked",
                    "These two projects are linked already.",
                ));
            }
            let id = new_id();
            let now = time::now();
            repo::insert_link(conn, &id, project_id, &target, &kind, now)?;
            let data = json!({ "linkId": id, "targetProjectId": target, "kind": kind });
            record(conn, principal, project_id, "link_created", data.clone())?;
            record(
                conn,
                principal,
                &target,
                "link_created",
                json!({ "linkId": id, "sourceProjectId": project_id, "kind": kind }),
            )?;
            Ok(Project::from(repo::get(conn, project_id)?))
        },
    )
    .await?;
    Ok(http::created(
        format!("/api/v1/projects/{}", project.id),
        project.version,
        &project,
    ))
}

/// Remove a link (from either side). Answers with the project.
///
/// Roles: as for editing the project.
#[utoipa::path(
    delete, path = "/projects/{projectId}/links/{linkId}", tag = "Project parts", operation_id = "delete_project_link",
    params(("projectId" = String, Path, description = "The project's id"), ("linkId" = String, Path, description = "The link's id")),
    responses(
        (status = 200, description = "The project without that link", body = Project),
        (status = 403, description = "Not allowed to edit this project"),
        (status = 404, description = "No such project or link"),
    ),
    security(("bearer" = []))
)]
pub async fn delete_project_link(
    caller: Authorized<ProjectWriters>,
    path: web::Path<(String, String)>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let (project_id, link_id) = path.into_inner();
    let project = edit_project(
        &db,
        caller.principal,
        project_id,
        "unlink it",
        may_edit,
        move |conn, principal, project_id| {
            let (other, kind) =
                repo::delete_link(conn, project_id, &link_id)?.ok_or_else(|| {
                    ApiError::NotFound(format!("There is no link '{link_id}' on this project."))
                })?;
            record(
                conn,
                principal,
                project_id,
                "link_deleted",
                json!({ "linkId": link_id, "otherProjectId": other, "kind": kind }),
            )?;
            record(
                conn,
                principal,
                &other,
                "link_deleted",
                json!({ "linkId": link_id, "otherProjectId": project_id, "kind": kind }),
            )?;
            Ok(Project::from(repo::get(conn, project_id)?))
        },
    )
    .await?;
    Ok(http::ok_with_etag(project.version, &project))
}

// Notes ------------------------------------------------------------------------------------

/// A note in the dialogue log of a project (append-only).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    #[schema(example = "Spoke with the school; they join as co-financier.")]
    pub text: String,
    pub author: super::events::EventActor,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

impl From<NoteRow> for Note {
    fn from(row: NoteRow) -> Self {
        Self {
            id: row.id,
            text: row.text,
            author: super::events::EventActor {
                sub: row.author_sub,
                role: row.author_role,
                name: row.author_name,
            },
            created_at: row.created_at,
        }
    }
}

/// The notes of a project.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation only")]
pub struct NoteList {
    items: Vec<Note>,
}

/// A new note.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct NoteInput {
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    text: String,
}

/// The dialogue log of a project, oldest first.
///
/// Roles: every role that may read the project.
#[utoipa::path(
    get, path = "/projects/{projectId}/notes", tag = "Project parts", operation_id = "list_notes",
    params(("projectId" = String, Path, description = "The project's id")),
    responses((status = 200, description = "The notes", body = NoteList), (status = 404, description = "No such project")),
    security(("bearer" = []))
)]
pub async fn list_notes(
    caller: Authorized<AnyRole>,
    path: web::Path<String>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    query.finish()?;
    list_parts::<_, Note>(&db, caller.principal, path.into_inner(), repo::notes_of).await
}

/// Add a note to the dialogue log; notes are never changed or removed.
///
/// Roles: as for editing the project.
#[utoipa::path(
    post, path = "/projects/{projectId}/notes", tag = "Project parts", operation_id = "create_note",
    params(("projectId" = String, Path, description = "The project's id")),
    request_body = NoteInput,
    responses(
        (status = 201, description = "Added", body = Note, headers(("Location" = String, description = "The notes of the project"))),
        (status = 403, description = "Not allowed to edit this project"),
        (status = 404, description = "No such project"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Body is not JSON"),
    ),
    security(("bearer" = []))
)]
pub async fn create_note(
    caller: Authorized<ProjectWriters>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::new(body);
    let text = fields.required("text", string(super::projects::text(5000)));
    let text = fields.finish(text)?;
    let project_id = path.into_inner();
    let location = format!("/api/v1/projects/{project_id}/notes");
    let note = edit_project(
        &db,
        caller.principal,
        project_id,
        "add notes",
        may_edit,
        move |conn, principal, project_id| {
            let actor = principal.actor();
            let row = NoteRow {
                id: new_id(),
                project_id: project_id.to_owned(),
                text,
                author_sub: actor.sub,
                author_role: actor.role.to_owned(),
                author_name: actor.name,
                created_at: time::now(),
            };
            repo::insert_note(conn, &row)?;
            let note = Note::from(row);
            record(
                conn,
                principal,
                project_id,
                "note_added",
                json!({ "noteId": note.id, "text": note.text }),
            )?;
            Ok(note)
        },
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(note))
}
