//! The funding lines of a project: money from one source each, from which the project's
//! budget follows. A line has its own version (`If-Match` on the line). Who may fund from which
//! source is decided per line (`may_fund`).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use super::parts::{
    VersionedPart, created, list_parts, record_created, record_deleted, record_updated,
};
use crate::api::access::readable_project;
use crate::api::http;
use crate::api::input::{
    Create, Field, Fields, JsonObject, Patch, Presence, QueryParams, id_param, integer, string,
};
use crate::auth::{Authorized, Principal};
use crate::authz;
use crate::authz::ops;
use crate::db::projects::{self as repo, FundingLineChange, FundingLineRow};
use crate::db::{Db, DbConnection, partners as partner_repo, reference as reference_repo};
use crate::domain::projects::{amount, funding_status, source_is_named, source_type};
use crate::domain::{Rejection, time};
use crate::error::ApiError;

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

impl VersionedPart for FundingLine {
    const ACTION: &'static str = "funding_line";
    const ID_MEMBER: &'static str = "fundingLineId";
    const COLLECTION: &'static str = "funding-lines";
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
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

/// The members of a funding line body, a department or partner source checked to exist: on
/// create ([`Create`]) source type, amount and status are plain values; in a patch ([`Patch`])
/// each may be left out.
struct FundingLineInput<P: Presence> {
    source_type: P::Given<String>,
    source_id: Field<String>,
    amount_cents: P::Given<i64>,
    status: P::Given<String>,
}

async fn read_funding_line<P: Presence>(
    db: &Db,
    body: JsonObject,
) -> Result<FundingLineInput<P>, ApiError> {
    let mut fields = Fields::new(body);
    let kind = P::member(&mut fields, "sourceType", string(source_type));
    let amount_cents = P::member(&mut fields, "amountCents", integer(amount));
    let status = P::member(&mut fields, "status", string(funding_status));
    let source = fields.optional("sourceId", string(id_param));
    if let Some(kind) = P::peek(&kind) {
        match (&source, source_is_named(kind)) {
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
            (Field::Absent | Field::Null, true) => P::absent(
                &mut fields,
                "sourceId",
                Rejection::new("required", "is required for department and partner sources"),
            ),
            _ => {}
        }
    }
    let (source_type, amount_cents, status) = fields.finish((kind, amount_cents, status))?;
    Ok(FundingLineInput {
        source_type,
        source_id: source,
        amount_cents,
        status,
    })
}

/// Whether `principal` may change or remove `existing`: its source before and after the change
/// (the patch merged onto the line), put to `authz`.
fn may_fund(
    principal: &Principal,
    facts: &authz::ProjectFacts,
    line: &FundingLineChange,
    existing: &FundingLineRow,
) -> bool {
    let new = match &line.source_type {
        Some(kind) => (
            kind.as_str(),
            line.source_id.as_ref().and_then(Option::as_deref),
        ),
        None => (
            existing.source_type.as_str(),
            line.source_id
                .as_ref()
                .map_or(existing.source_id.as_deref(), Option::as_deref),
        ),
    };
    let old = (existing.source_type.as_str(), existing.source_id.as_deref());
    authz::can_change_funding_line(principal, facts, &[new, old])
}

/// The funding lines of a project.
#[utoipa::path(
    get, path = "/projects/{projectId}/funding-lines", tag = "Project parts", operation_id = "list_funding_lines",
    params(("projectId" = String, Path, description = "The project's id")),
    responses((status = 200, description = "The funding lines, oldest first", body = FundingLineList), (status = 404, description = "No such project"))
)]
pub async fn list_funding_lines(
    caller: Authorized<ops::ListFundingLines>,
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
#[utoipa::path(
    post, path = "/projects/{projectId}/funding-lines", tag = "Project parts", operation_id = "create_funding_line",
    params(("projectId" = String, Path, description = "The project's id")),
    request_body = FundingLineCreate,
    responses(
        (status = 201, description = "Created", body = FundingLine, headers(("ETag" = String, description = "The line's version"), ("Location" = String, description = "The line's URL"))),
        (status = 404, description = "No such project"),
    )
)]
pub async fn create_funding_line(
    caller: Authorized<ops::CreateFundingLine>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let line: FundingLineInput<Create> = read_funding_line(&db, body).await?;
    let principal = caller.principal;
    let project_id = path.into_inner();
    let location_of = project_id.clone();
    let line = db
        .write(move |conn| {
            let (_, facts) = readable_project(conn, &principal, &project_id)?;
            let row = FundingLineRow::new(
                &project_id,
                line.source_type,
                line.source_id.into_option(),
                line.amount_cents,
                line.status,
                time::now(),
            );
            let source = (row.source_type.as_str(), row.source_id.as_deref());
            authz::require(
                &principal,
                &facts,
                authz::can_change_funding_line(&principal, &facts, &[source]),
                "add this funding line",
            )?;
            repo::insert_funding_line(conn, &row)?;
            let line = FundingLine::from(row);
            record_created(conn, &principal, &project_id, &line)?;
            Ok(line)
        })
        .await?;
    Ok(created(&location_of, &line))
}

/// Change a funding line (JSON merge patch); the project's `budget` follows.
///
/// Requires `If-Match` with the line's `ETag`.
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
        (status = 404, description = "No such project or line"),
        (status = 412, description = "The line changed since you read it"),
    )
)]
pub async fn update_funding_line(
    req: HttpRequest,
    caller: Authorized<ops::UpdateFundingLine>,
    path: web::Path<(String, String)>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let patch: FundingLineInput<Patch> = read_funding_line(&db, body).await?;
    let change = FundingLineChange {
        source_type: patch.source_type,
        source_id: patch.source_id.into_patch(),
        amount_cents: patch.amount_cents,
        status: patch.status,
    };
    let principal = caller.principal;
    let (project_id, line_id) = path.into_inner();
    let line = db
        .write(move |conn| {
            let (_, facts) = readable_project(conn, &principal, &project_id)?;
            let existing = existing_line(conn, &project_id, &line_id)?;
            authz::require(
                &principal,
                &facts,
                may_fund(&principal, &facts, &change, &existing),
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
            record_updated(conn, &principal, &project_id, &before, &after)?;
            Ok(after)
        })
        .await?;
    Ok(http::ok_with_etag(line.version, &line))
}

/// Remove a funding line.
///
/// Requires `If-Match` with the line's `ETag`.
#[utoipa::path(
    delete, path = "/projects/{projectId}/funding-lines/{lineId}", tag = "Project parts", operation_id = "delete_funding_line",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("lineId" = String, Path, description = "The funding line's id"),
        ("If-Match" = String, Header, description = "The line's ETag", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such project or line"),
        (status = 412, description = "The line changed since you read it"),
    )
)]
pub async fn delete_funding_line(
    req: HttpRequest,
    caller: Authorized<ops::DeleteFundingLine>,
    path: web::Path<(String, String)>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let principal = caller.principal;
    let (project_id, line_id) = path.into_inner();
    db.write(move |conn| {
        let (_, facts) = readable_project(conn, &principal, &project_id)?;
        let existing = existing_line(conn, &project_id, &line_id)?;
        authz::require(
            &principal,
            &facts,
            may_fund(&principal, &facts, &FundingLineChange::default(), &existing),
            "remove this funding line",
        )?;
        let before = FundingLine::from(repo::delete_funding_line(
            conn,
            &project_id,
            &line_id,
            version,
        )?);
        record_deleted(conn, &principal, &project_id, &before)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The funding line, or 404.
fn existing_line(
    conn: &mut DbConnection,
    project_id: &str,
    line_id: &str,
) -> Result<FundingLineRow, ApiError> {
    repo::find_funding_line(conn, project_id, line_id)?.ok_or_else(|| {
        ApiError::NotFound(format!(
            "There is no funding line '{line_id}' on this project."
        ))
    })
}
