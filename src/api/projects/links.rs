//! Links between two projects (builds on, complements, ...). Both projects show a link and
//! both trails record it; a change answers with the project.

use actix_web::{HttpResponse, web};
use serde_json::json;
use utoipa::ToSchema;

use super::Project;
use super::parts::{edit_project, may_edit};
use crate::api::access::{readable_project, record_project_event};
use crate::api::http;
use crate::api::input::{Fields, JsonObject, id_param, string};
use crate::auth::Authorized;
use crate::authz::ops;
use crate::db::Db;
use crate::db::projects as repo;
use crate::domain::partners::one_of;
use crate::domain::projects::LINK_KINDS;
use crate::domain::{Rejection, time};
use crate::error::ApiError;

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
/// No self-links, no second link between the same two.
#[utoipa::path(
    post, path = "/projects/{projectId}/links", tag = "Project parts", operation_id = "create_project_link",
    params(("projectId" = String, Path, description = "The project's id")),
    request_body = LinkInput,
    responses(
        (status = 201, description = "Linked: the project with its links", body = Project, headers(("ETag" = String, description = "The project's version"), ("Location" = String, description = "The project's URL"))),
        (status = 404, description = "No such project"),
        (status = 409, description = "The two projects are linked already"),
    )
)]
pub async fn create_project_link(
    caller: Authorized<ops::CreateProjectLink>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::new(body);
    let target = fields.required("targetProjectId", string(id_param));
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
            if readable_project(conn, principal, &target).is_err() {
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
            let id = crate::db::new_id();
            let now = time::now();
            repo::insert_link(conn, &id, project_id, &target, &kind, now)?;
            let data = json!({ "linkId": id, "targetProjectId": target, "kind": kind });
            record_project_event(conn, principal, project_id, "link_created", data.clone())?;
            record_project_event(
                conn,
                principal,
                &target,
                "link_created",
                json!({ "linkId": id, "sourceProjectId": project_id, "kind": kind }),
            )?;
            let project = repo::get(conn, project_id)?;
            super::shown(conn, principal, project)
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
#[utoipa::path(
    delete, path = "/projects/{projectId}/links/{linkId}", tag = "Project parts", operation_id = "delete_project_link",
    params(("projectId" = String, Path, description = "The project's id"), ("linkId" = String, Path, description = "The link's id")),
    responses(
        (status = 200, description = "The project without that link", body = Project),
        (status = 404, description = "No such project or link"),
    )
)]
pub async fn delete_project_link(
    caller: Authorized<ops::DeleteProjectLink>,
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
            record_project_event(
                conn,
                principal,
                project_id,
                "link_deleted",
                json!({ "linkId": link_id, "otherProjectId": other, "kind": kind }),
            )?;
            record_project_event(
                conn,
                principal,
                &other,
                "link_deleted",
                json!({ "linkId": link_id, "otherProjectId": project_id, "kind": kind }),
            )?;
            let project = repo::get(conn, project_id)?;
            super::shown(conn, principal, project)
        },
    )
    .await?;
    Ok(http::ok_with_etag(project.version, &project))
}
