//! The partners taking part in a project, with their role. They are part of the project's
//! representation, so a change answers with the project and needs the project's `If-Match`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use utoipa::ToSchema;

use super::Project;
use super::parts::{edit_project, may_edit};
use crate::api::access::record_project_event;
use crate::api::http;
use crate::api::input::{Fields, JsonObject, string};
use crate::auth::Authorized;
use crate::authz::ops;
use crate::db::projects as repo;
use crate::db::{Db, partners as partner_repo};
use crate::domain::partners::one_of;
use crate::domain::projects::PARTNER_ROLES;
use crate::domain::time;
use crate::error::ApiError;

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
/// Requires `If-Match` with the project's `ETag`.
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
        (status = 404, description = "No such project or partner"),
        (status = 412, description = "The project changed since you read it"),
    )
)]
pub async fn put_project_partner(
    req: HttpRequest,
    caller: Authorized<ops::PutProjectPartner>,
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
        record_project_event(conn, principal, project_id, action, json!({ "partnerId": partner_id, "before": before.map(|r| json!({ "role": r })), "after": { "role": role } }))?;
        let project = repo::get(conn, project_id)?;
            super::shown(conn, principal, project)
    })
    .await?;
    Ok(http::ok_with_etag(project.version, &project))
}

/// Remove a partner from a project. Answers with the project.
///
/// Requires `If-Match` with the project's `ETag`.
#[utoipa::path(
    delete, path = "/projects/{projectId}/partners/{partnerId}", tag = "Project parts", operation_id = "delete_project_partner",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("partnerId" = String, Path, description = "The partner's id"),
        ("If-Match" = String, Header, description = "The project's ETag", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    responses(
        (status = 200, description = "The project without that partner", body = Project, headers(("ETag" = String, description = "The project's new version"))),
        (status = 404, description = "No such project, or the partner is not part of it"),
        (status = 412, description = "The project changed since you read it"),
    )
)]
pub async fn delete_project_partner(
    req: HttpRequest,
    caller: Authorized<ops::DeleteProjectPartner>,
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
            record_project_event(
                conn,
                principal,
                project_id,
                "partner_removed",
                json!({ "partnerId": partner_id, "before": { "role": before }, "after": null }),
            )?;
            let project = repo::get(conn, project_id)?;
            super::shown(conn, principal, project)
        },
    )
    .await?;
    Ok(http::ok_with_etag(project.version, &project))
}
