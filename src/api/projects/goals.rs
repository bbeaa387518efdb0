//! The goals of a project, each with its indicator: baseline, target and the actual value that
//! evaluation needs. A goal has its own version (`If-Match` on the goal).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use super::parts::{
    VersionedPart, created, edit_project, list_parts, may_edit, record_created, record_deleted,
    record_updated,
};
use crate::api::http;
use crate::api::input::{
    Create, Field, Fields, JsonObject, Patch, Presence, QueryParams, number, string,
};
use crate::api::vocabulary::Effect;
use crate::auth::Authorized;
use crate::authz::ops;
use crate::db::Db;
use crate::db::projects::{self as repo, GoalChange, GoalRow};
use crate::domain::projects as rules;
use crate::domain::{Rejection, bounded_text, time};
use crate::error::ApiError;

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

impl VersionedPart for Goal {
    const ACTION: &'static str = "goal";
    const ID_MEMBER: &'static str = "goalId";
    const COLLECTION: &'static str = "goals";
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
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
    effect: Effect,
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
    effect: Option<Effect>,
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
#[utoipa::path(
    get, path = "/projects/{projectId}/goals", tag = "Project parts", operation_id = "list_goals",
    params(("projectId" = String, Path, description = "The project's id")),
    responses((status = 200, description = "The goals, oldest first", body = GoalList), (status = 404, description = "No such project"))
)]
pub async fn list_goals(
    caller: Authorized<ops::ListGoals>,
    path: web::Path<String>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    query.finish()?;
    list_parts::<_, Goal>(&db, caller.principal, path.into_inner(), repo::goals_of).await
}

/// The members of a goal body: on create ([`Create`]) the descriptive ones are plain values; in
/// a patch ([`Patch`]) each may be left out.
struct GoalInput<P: Presence> {
    effect: P::Given<String>,
    indicator: P::Given<String>,
    unit: P::Given<String>,
    baseline: P::Given<f64>,
    target: P::Given<f64>,
    actual: Field<f64>,
    measured_on: Field<String>,
}

fn read_goal<P: Presence>(body: JsonObject) -> Result<GoalInput<P>, ApiError> {
    let mut fields = Fields::new(body);
    let effect = P::member(&mut fields, "effect", string(rules::effect));
    let indicator = P::member(&mut fields, "indicator", string(line(500)));
    let unit = P::member(&mut fields, "unit", string(line(50)));
    let baseline = P::member(&mut fields, "baseline", finite);
    let target = P::member(&mut fields, "target", finite);
    let actual = fields.optional("actual", finite);
    let measured_on = fields.optional("measuredOn", string(rules::date));
    let (effect, indicator, unit, baseline, target) =
        fields.finish((effect, indicator, unit, baseline, target))?;
    Ok(GoalInput {
        effect,
        indicator,
        unit,
        baseline,
        target,
        actual,
        measured_on,
    })
}

/// Add a goal to a project.
#[utoipa::path(
    post, path = "/projects/{projectId}/goals", tag = "Project parts", operation_id = "create_goal",
    params(("projectId" = String, Path, description = "The project's id")),
    request_body = GoalCreate,
    responses(
        (status = 201, description = "Created", body = Goal, headers(("ETag" = String, description = "The goal's version"), ("Location" = String, description = "The goal's URL"))),
        (status = 404, description = "No such project"),
    )
)]
pub async fn create_goal(
    caller: Authorized<ops::CreateGoal>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let goal: GoalInput<Create> = read_goal(body)?;
    let project_id = path.into_inner();
    let location_of = project_id.clone();
    let goal = edit_project(
        &db,
        caller.principal,
        project_id,
        "add goals",
        may_edit,
        move |conn, principal, project_id| {
            let row = GoalRow {
                actual: goal.actual.into_option(),
                measured_on: goal.measured_on.into_option(),
                ..GoalRow::new(
                    project_id,
                    goal.effect,
                    goal.indicator,
                    goal.unit,
                    goal.baseline,
                    goal.target,
                    time::now(),
                )
            };
            repo::insert_goal(conn, &row)?;
            let goal = Goal::from(row);
            record_created(conn, principal, project_id, &goal)?;
            Ok(goal)
        },
    )
    .await?;
    Ok(created(&location_of, &goal))
}

/// Change a goal (JSON merge patch), for example to record its `actual` value.
///
/// Requires `If-Match` with the goal's `ETag`.
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
        (status = 404, description = "No such project or goal"),
        (status = 412, description = "The goal changed since you read it"),
    )
)]
pub async fn update_goal(
    req: HttpRequest,
    caller: Authorized<ops::UpdateGoal>,
    path: web::Path<(String, String)>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let patch: GoalInput<Patch> = read_goal(body)?;
    let change = GoalChange {
        effect: patch.effect,
        indicator: patch.indicator,
        unit: patch.unit,
        baseline: patch.baseline,
        target: patch.target,
        actual: patch.actual.into_patch(),
        measured_on: patch.measured_on.into_patch(),
    };
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
            record_updated(conn, principal, project_id, &before, &after)?;
            Ok(after)
        },
    )
    .await?;
    Ok(http::ok_with_etag(goal.version, &goal))
}

/// Remove a goal.
///
/// Requires `If-Match` with the goal's `ETag`.
#[utoipa::path(
    delete, path = "/projects/{projectId}/goals/{goalId}", tag = "Project parts", operation_id = "delete_goal",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("goalId" = String, Path, description = "The goal's id"),
        ("If-Match" = String, Header, description = "The goal's ETag", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such project or goal"),
        (status = 412, description = "The goal changed since you read it"),
    )
)]
pub async fn delete_goal(
    req: HttpRequest,
    caller: Authorized<ops::DeleteGoal>,
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
            record_deleted(conn, principal, project_id, &before)
        },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
