//! Districts (stadsdelen): the eight city districts of The Hague. Read by every role; written
//! by administration.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use super::http::{self, PageParams, PageRequest};
use super::input::{Fields, JsonObject, QueryParams, string};
use super::records::{self, Versioned};
use crate::auth::Authorized;
use crate::authz::ops;
use crate::db::Db;
use crate::db::reference::{self as repo, DistrictChange, DistrictRow};
use crate::domain::{reference, time};
use crate::error::ApiError;

/// A city district (stadsdeel).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct District {
    /// Slug id.
    #[schema(example = "escamp")]
    pub id: String,
    #[schema(example = "Escamp")]
    pub name: String,
    /// Increases with every change; the `ETag`.
    #[schema(example = 1)]
    pub version: i64,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl From<DistrictRow> for District {
    fn from(row: DistrictRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl Versioned for District {
    const KIND: &'static str = "district";
    const COLLECTION: &'static str = "districts";
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
}

/// A new district.
#[derive(Debug, ToSchema)]
#[schema(as = DistrictCreate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct DistrictCreate {
    /// Slug id: lower-case words joined by `-` or `_`.
    #[schema(
        example = "haagse-hout",
        pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$",
        max_length = 64
    )]
    id: String,
    #[schema(
        example = "Haagse Hout",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    name: String,
}

/// Changes to a district (JSON merge patch).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct DistrictUpdate {
    #[schema(
        example = "Haagse Hout",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    #[schema(nullable = false)]
    name: Option<String>,
}

http::page_schema!(DistrictPage, District);

/// List districts, ordered by id.
#[utoipa::path(
    get, path = "/districts", tag = "Reference data", operation_id = "list_districts",
    params(PageParams),
    responses((status = 200, description = "A page of districts", body = DistrictPage))
)]
pub async fn list_districts(
    req: HttpRequest,
    _caller: Authorized<ops::ListDistricts>,
    mut query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::read(&mut query);
    query.finish()?;
    records::list_by_id::<_, District>(&req, &db, page, repo::list_districts).await
}

/// Get one district.
#[utoipa::path(
    get, path = "/districts/{districtId}", tag = "Reference data", operation_id = "get_district",
    params(("districtId" = String, Path, description = "The district's slug id", example = "escamp")),
    responses(
        (status = 200, description = "The district", body = District,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such district"),
    )
)]
pub async fn get_district(
    _caller: Authorized<ops::GetDistrict>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    records::read_one::<_, District>(&db, path.into_inner(), repo::district::find).await
}

/// Create a district.
#[utoipa::path(
    post, path = "/districts", tag = "Reference data", operation_id = "create_district",
    request_body = DistrictCreate,
    responses(
        (status = 201, description = "Created", body = District,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new district's URL"))),
        (status = 409, description = "A district with this id exists"),
    )
)]
pub async fn create_district(
    caller: Authorized<ops::CreateDistrict>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::new(body);
    let id = fields.required("id", string(reference::slug));
    let name = fields.required("name", string(reference::name));
    let (id, name) = fields.finish((id, name))?;
    let now = time::now();
    let row = DistrictRow {
        id,
        name,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    records::create::<_, _, District>(&db, caller.principal, row, repo::district::insert).await
}

/// Update a district (JSON merge patch).
///
/// Requires `If-Match` with the district's `ETag`.
#[utoipa::path(
    patch, path = "/districts/{districtId}", tag = "Reference data", operation_id = "update_district",
    params(
        ("districtId" = String, Path, description = "The district's slug id", example = "escamp"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body(content = DistrictUpdate, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = District,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such district"),
        (status = 412, description = "The district changed since you read it"),
    )
)]
pub async fn update_district(
    req: HttpRequest,
    caller: Authorized<ops::UpdateDistrict>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let name = fields.not_null("name", string(reference::name));
    fields.finish(())?;
    let change = DistrictChange { name };
    records::update::<_, _, District>(
        &db,
        caller.principal,
        path.into_inner(),
        version,
        change,
        repo::district::update,
    )
    .await
}
