//! Projects: from a neighbourhood idea to a running, co-financed, connected project. Created as
//! `draft`, moved along the status machine with `POST /projects/{id}/transitions`. Who may read
//! and change a project is decided per object in `authz`.
//!
//! This file holds the project's own handlers; `dto` its representation, `input` the reading of
//! its body, and one file per part (goals, funding lines, partners, links, notes), which share
//! the flow in `parts`.

mod dto;
pub mod evaluation;
pub mod funding_lines;
pub mod goals;
mod input;
pub mod links;
pub mod notes;
pub mod partners;
mod parts;

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

pub use self::dto::{
    Budget, Project, ProjectCreate, ProjectLink, ProjectListParams, ProjectPage, ProjectPartner,
    ProjectStatus, ProjectUpdateInput, TransitionInput,
};
use self::input::{NewProject, ProjectPatch, read_project_body};
use super::access::{readable_project, record_project_event};
use super::export;
use super::http::{self, EventPageParams, Page, PageParams, PageRequest};
use super::input::{
    Field, Fields, JsonObject, QueryParams, bool_param, id_param, slug_param, string, text,
};
use super::records::{self, snapshot};
use crate::auth::Authorized;
use crate::authz;
use crate::authz::ops;
use crate::db::projects::{self as repo, ProjectChange, ProjectFilter, ProjectRow, ProjectUpdate};
use crate::db::{
    After, Db, DbConnection, assessments as assessment_repo, evaluations as evaluation_repo,
    partners as partner_repo,
};
use crate::domain::assessments::approval_refusal;
use crate::domain::evaluations::needs_evaluation;
use crate::domain::partners::search_form;
use crate::domain::projects::{self as rules, Evidence, Precondition, Status, TransitionRefusal};
use crate::domain::{Rejection, time};
use crate::error::ApiError;
use crate::visibility::projects_as_seen_by;

/// Days the bureau has to answer a submitted project (`PROJECT_RESPONSE_DAYS`).
#[derive(Debug, Clone, Copy)]
pub struct ProjectResponseDays(pub i64);

/// List projects, newest first: only those the caller may read.
///
/// With `updatedAfter`, only those changed after that moment, oldest change first (ordered by
/// `updatedAt`, then `id`, and the cursor continues from the last change read), so a system
/// can catch up after downtime.
///
/// With `Accept: text/csv`, every matching project the caller may read as one CSV download
/// (RFC 4180, a header row, CRLF), streamed: `limit` and `cursor` are checked but ignored.
/// Columns are the members above, nested ones by path (`budget.totalCents`); lists are
/// space-separated (`partners` as `partnerId:role`, `links` as `direction:kind:projectId`);
/// an empty field is an absent value.
#[utoipa::path(
    get, path = "/projects", tag = "Projects", operation_id = "list_projects",
    params(ProjectListParams, PageParams),
    responses(
        (status = 200, description = "A page of projects, or with `Accept: text/csv` all of them",
            headers(
                ("Vary" = String, description = "Accept: the format follows the Accept header"),
                ("Content-Disposition" = String, description = "With text/csv: the file name, projects.csv"),
            ),
            content(
                (ProjectPage = "application/json"),
                (String = "text/csv", example = "id,title,summary,neighbourhoodIds,districtId,...\r\n"),
            )),
        (status = 406, description = "Neither JSON nor CSV is acceptable"),
    )
)]
pub async fn list_projects(
    req: HttpRequest,
    caller: Authorized<ops::ListProjects>,
    mut query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let filter = ProjectFilter {
        statuses: query.many("status", |v| {
            Status::parse(v).map(|s| s.as_str().to_owned())
        }),
        district_id: query.single("districtId", slug_param),
        neighbourhood_id: query.single("neighbourhoodId", slug_param),
        partner_id: query.single("partnerId", id_param),
        effect: query.single("effect", rules::effect),
        q: query.single("q", |v| {
            if v.chars().count() > 100 {
                Err(Rejection::new("too_long", "must be at most 100 characters"))
            } else {
                Ok(search_form(v))
            }
        }),
        awaiting_response_at: query
            .single("awaitingResponse", bool_param)
            .and_then(|awaiting| awaiting.then(time::now)),
        eligible: query
            .single("eligible", bool_param)
            .map(|eligible| (eligible, authz::outcome_scope(&caller.principal))),
        updated_after: query.single("updatedAfter", |v| {
            time::parse(v)
                .ok_or_else(|| Rejection::new("invalid_date_time", "must be an RFC 3339 date-time"))
        }),
    };
    let page = PageRequest::read(&mut query);
    query.finish()?;
    let principal = caller.principal;
    let scope = authz::project_scope(&principal);
    let by_update = filter.updated_after.is_some();
    if export::wants_csv(&req, "project")? {
        let load: Arc<export::Load<repo::Project, After>> = Arc::new(move |conn, after, limit| {
            let mut projects = repo::list(conn, &scope, &filter, after, limit)?;
            projects_as_seen_by(conn, &principal, &mut projects)?;
            Ok(projects)
        });
        let key = match by_update {
            true => |p: &repo::Project| After::Updated(p.row.updated_at, p.row.id.clone()),
            false => |p: &repo::Project| After::Id(p.row.id.clone()),
        };
        return export::stream::<_, _, Project>(db.get_ref().clone(), "projects.csv", load, key)
            .await;
    }
    let (limit, after) = (page.limit, page.after(by_update)?);
    let projects = db
        .read(move |conn| {
            let mut projects = repo::list(conn, &scope, &filter, after.as_ref(), limit)?;
            projects_as_seen_by(conn, &principal, &mut projects)?;
            Ok(projects)
        })
        .await?;
    let key = |p: &repo::Project| http::list_key(by_update, &p.row.updated_at, &p.row.id);
    let page = Page::from_rows(projects, limit, key, Project::from);
    Ok(export::vary_on_accept(http::page_response(&req, page)))
}

/// Get one project.
#[utoipa::path(
    get, path = "/projects/{projectId}", tag = "Projects", operation_id = "get_project",
    params(("projectId" = String, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project", body = Project,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such project, or not yours to read"),
    )
)]
pub async fn get_project(
    caller: Authorized<ops::GetProject>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal;
    let id = path.into_inner();
    let project = db
        .read(move |conn| {
            let (project, _) = readable_project(conn, &principal, &id)?;
            shown(conn, &principal, project)
        })
        .await?;
    Ok(http::ok_with_etag(project.version, &project))
}

/// Create a project (as `draft`).
#[utoipa::path(
    post, path = "/projects", tag = "Projects", operation_id = "create_project",
    request_body = ProjectCreate,
    responses(
        (status = 201, description = "Created", body = Project,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new project's URL"))),
    )
)]
pub async fn create_project(
    caller: Authorized<ops::CreateProject>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let input: NewProject = read_project_body(&db, body).await?;
    let district_id = input.district_id;
    let principal = caller.principal;
    if !authz::can_create_project(&principal, &district_id) {
        return Err(ApiError::Forbidden(format!(
            "A stadsdeel creates projects only in its own district, not in '{district_id}'."
        )));
    }
    let initiator_partner_id =
        authz::initiator_of_new_project(&principal, input.initiator_partner_id.into_option())?;
    if let Some(own) = authz::acting_partner(&principal).map(str::to_owned) {
        if !db
            .read(move |conn| partner_repo::exists(conn, &own))
            .await?
        {
            return Err(ApiError::Forbidden(
                "The partner of this token is not registered.".to_owned(),
            ));
        }
    }
    let row = ProjectRow {
        summary: input.summary.into_option(),
        initiator: input.initiator.into_option(),
        initiator_partner_id,
        project_leader: input.project_leader.into_option(),
        start_date: input.start_date.into_option(),
        end_date: input.end_date.into_option(),
        sustainability_plan: input.sustainability_plan.into_option(),
        ..ProjectRow::draft(input.title, district_id, time::now())
    };
    let members = ProjectUpdate {
        fields: ProjectChange::default(),
        neighbourhood_ids: Some(input.neighbourhood_ids),
        claimed_effects: Some(input.claimed_effects.unwrap_or_default()),
    };
    records::create::<_, _, Project>(&db, principal, (row, members), |conn, (row, members)| {
        repo::insert(conn, row, members)
    })
    .await
}

/// Update a project's fields (JSON merge patch).
///
/// Requires `If-Match`.
#[utoipa::path(
    patch, path = "/projects/{projectId}", tag = "Projects", operation_id = "update_project",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body(content = ProjectUpdateInput, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = Project, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such project, or not yours to read"),
        (status = 412, description = "The project changed since you read it"),
    )
)]
pub async fn update_project(
    req: HttpRequest,
    caller: Authorized<ops::UpdateProject>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let input: ProjectPatch = read_project_body(&db, body).await?;
    let principal = caller.principal;
    let id = path.into_inner();
    if input.initiator_partner_id != Field::Absent && !authz::can_change_initiator(&principal) {
        return Err(ApiError::Forbidden(
            "A partner cannot change a project's initiator.".to_owned(),
        ));
    }
    let update = ProjectUpdate {
        fields: ProjectChange {
            title_search: input.title.as_deref().map(search_form),
            title: input.title,
            summary: input.summary.into_patch(),
            district_id: input.district_id.clone(),
            initiator: input.initiator.into_patch(),
            project_leader: input.project_leader.into_patch(),
            start_date: input.start_date.into_patch(),
            end_date: input.end_date.into_patch(),
            sustainability_plan: input.sustainability_plan.into_patch(),
            ..ProjectChange::default()
        },
        neighbourhood_ids: input.neighbourhood_ids,
        claimed_effects: input.claimed_effects,
    };
    let new_district = input.district_id;
    let initiator_partner = input.initiator_partner_id;
    let updated = db
        .write(move |conn| {
            let (before, facts) = readable_project(conn, &principal, &id)?;
            let allowed = authz::can_edit_project(&principal, &facts)
                && new_district.as_deref().is_none_or(|district| {
                    authz::can_move_project_to_district(&principal, district)
                });
            authz::require(&principal, &facts, allowed, "edit")?;
            let mut after = repo::update(conn, &id, version, &update, time::now())?;
            if let Field::Value(partner) = &initiator_partner {
                after =
                    repo::set_initiator_partner(conn, &id, Some(partner.clone()))?.unwrap_or(after);
            } else if initiator_partner == Field::Null {
                after = repo::set_initiator_partner(conn, &id, None)?.unwrap_or(after);
            }
            let answer = shown(conn, &principal, after.clone())?;
            let (before, after) = (Project::from(before), Project::from(after));
            let (old, new) =
                crate::domain::events::changed_members(&snapshot(&before)?, &snapshot(&after)?);
            record_project_event(
                conn,
                &principal,
                &id,
                "updated",
                json!({ "before": old, "after": new }),
            )?;
            Ok(answer)
        })
        .await?;
    Ok(http::ok_with_etag(updated.version, &updated))
}

/// Move a project along the status machine.
///
/// `draft → submitted` (the programme bureau, the stadsdeel of the district or the initiating
/// partner) sets `responseDueAt`; leaving `submitted` records the answer (`respondedAt`).
/// `submitted → in_dialogue → under_assessment`, back to `draft` (reason), `approved`,
/// `rejected` (reason), `running → stopped` (reason) and `completed → evaluated` (every goal
/// has an `actual`): the programme bureau; stopping and evaluating need the project's
/// evaluation (`PUT …/evaluation`, 409 `evaluation_required` without it). `approved → running → completed`: the bureau or the
/// stadsdeel of the district. A transition that is not allowed from the current status is a
/// 409 `transition_not_allowed`; approval needs an eligible final programme assessment
/// (409 `assessment_not_eligible`). Requires `If-Match`.
#[utoipa::path(
    post, path = "/projects/{projectId}/transitions", tag = "Projects", operation_id = "transition_project",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body = TransitionInput,
    responses(
        (status = 200, description = "The project in its new status", body = Project, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such project, or not yours to read"),
        (status = 409, description = "Not allowed from the current status, or its condition is not met"),
        (status = 412, description = "The project changed since you read it"),
    )
)]
pub async fn transition_project(
    req: HttpRequest,
    caller: Authorized<ops::TransitionProject>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let response_days = req
        .app_data::<ProjectResponseDays>()
        .map_or(14, |days| days.0);
    let mut fields = Fields::new(body);
    let to = fields.required("to", string(Status::parse));
    let reason = fields.optional("reason", string(text(2000)));
    let (to, reason) = fields.finish((to, reason))?;
    let reason = reason.into_option();
    let principal = caller.principal;
    let id = path.into_inner();
    let moved = db
        .write(move |conn| {
            let (project, facts) = readable_project(conn, &principal, &id)?;
            if project.row.version != version {
                return Err(ApiError::PreconditionFailed { current: Some(project.row.version) });
            }
            let from = facts.status;
            let Some(rule) = rules::transition(from, to) else {
                return Err(ApiError::Conflict {
                    code: "transition_not_allowed",
                    detail: format!("A project cannot go from {} to {}.", from.as_str(), to.as_str()),
                    details: Some(json!({ "from": from.as_str(), "to": to.as_str() })),
                });
            };
            authz::require(&principal, &facts, authz::can_move_project(&principal, &facts, rule.mover), &format!("move to {}", to.as_str()))?;
            let evidence = match rules::precondition(to) {
                Precondition::Nothing => Evidence::Nothing,
                Precondition::EligibleAssessment => {
                    let assessment = assessment_repo::approval_scores(conn, &id, project.row.assessment_id.as_deref())?;
                    Evidence::ApprovalRefusal(approval_refusal(assessment.as_ref().map(|(scores, sustainability)| (scores.as_slice(), *sustainability))))
                }
                Precondition::EveryGoalMeasured => Evidence::GoalsWithoutActual(
                    repo::goals_of(conn, &id)?.into_iter().filter(|g| g.actual.is_none()).map(|g| g.id).collect(),
                ),
            };
            let now = time::now();
            let stamps = rules::settle_transition(from, to, rule, reason.is_some(), evidence, now, response_days)
                .map_err(|refusal| refused(refusal, to))?;
            if needs_evaluation(to) && !evaluation_repo::exists(conn, &id)? {
                return Err(ApiError::conflict("evaluation_required", format!("A project goes to {} only with an evaluation: PUT /projects/{id}/evaluation first.", to.as_str())));
            }
            let change = ProjectChange {
                status: Some(to.as_str().to_owned()),
                submitted_at: stamps.submitted_at,
                response_due_at: stamps.response_due_at,
                responded_at: stamps.responded_at,
                ..ProjectChange::default()
            };
            let update = ProjectUpdate { fields: change, ..ProjectUpdate::default() };
            let after = repo::update(conn, &id, version, &update, now)?;
            let after = shown(conn, &principal, after)?;
            record_project_event(
                conn,
                &principal,
                &id,
                "status_changed",
                json!({ "before": { "status": from.as_str() }, "after": { "status": to.as_str() }, "reason": reason }),
            )?;
            Ok(after)
        })
        .await?;
    Ok(http::ok_with_etag(moved.version, &moved))
}

/// The history of a project: every change to it and its parts, oldest first.
#[utoipa::path(
    get, path = "/projects/{projectId}/history", tag = "Projects", operation_id = "project_history",
    params(("projectId" = String, Path, description = "The project's id"), EventPageParams),
    responses(
        (status = 200, description = "A page of the project's events", body = crate::api::events::EventPage),
        (status = 404, description = "No such project, or not yours to read"),
    )
)]
pub async fn project_history(
    req: HttpRequest,
    caller: Authorized<ops::ProjectHistory>,
    path: web::Path<String>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal;
    crate::api::events::history(
        &req,
        &db,
        principal.clone(),
        query,
        "project",
        path.into_inner(),
        move |conn, id| readable_project(conn, &principal, id).map(|_| ()),
    )
    .await
}

/// The answer to a transition the status machine allows but this project cannot make now.
fn refused(refusal: TransitionRefusal, to: Status) -> ApiError {
    match refusal {
        TransitionRefusal::ReasonRequired => ApiError::invalid(
            "reason",
            "required",
            format!("is required to go to {}", to.as_str()),
        ),
        TransitionRefusal::NotEligible(reasons) => ApiError::Conflict {
            code: "assessment_not_eligible",
            detail: format!(
                "A project is approved only with an eligible final programme assessment: {}.",
                reasons.join("; ")
            ),
            details: Some(json!({ "ineligibleReasons": reasons })),
        },
        TransitionRefusal::GoalsWithoutActual(without) => ApiError::Conflict {
            code: "goals_without_actual",
            detail: format!("{} goal(s) have no actual value yet.", without.len()),
            details: Some(json!({ "goalIds": without })),
        },
    }
}

/// A project's representation as `principal` sees it (DESIGN §9: nothing it may not open).
pub(crate) fn shown(
    conn: &mut DbConnection,
    principal: &crate::auth::Principal,
    project: repo::Project,
) -> Result<Project, ApiError> {
    let mut projects = [project];
    projects_as_seen_by(conn, principal, &mut projects)?;
    let [project] = projects;
    Ok(Project::from(project))
}
