//! Neighbourhoods (wijken), each in one district; the focus neighbourhoods (aandachtswijken)
//! are where the programme works. Read by every role; written by administration.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::http::{self, PageParams, PageRequest};
use super::input::{Fields, JsonObject, QueryParams, bool_param, boolean, slug_param, string};
use super::records::{self, Versioned};
use crate::auth::Authorized;
use crate::authz::ops;
use crate::db::Db;
use crate::db::reference::{
    self as repo, NeighbourhoodChange, NeighbourhoodFilter, NeighbourhoodRow,
};
use crate::domain::{Rejection, reference, time};
use crate::error::ApiError;

/// A neighbourhood (wijk).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Neighbourhood {
    /// Slug id.
    #[schema(example = "moerwijk")]
    pub id: String,
    #[schema(example = "Moerwijk")]
    pub name: String,
    /// The district it lies in.
    #[schema(example = "escamp")]
    pub district_id: String,
    /// Whether it is a focus neighbourhood (aandachtswijk) of the programme.
    pub focus_area: bool,
    /// CBS neighbourhood code, where known.
    #[schema(example = "WK051828", pattern = "^WK[0-9]{6}$")]
    pub cbs_code: Option<String>,
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

impl From<NeighbourhoodRow> for Neighbourhood {
    fn from(row: NeighbourhoodRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            district_id: row.district_id,
            focus_area: row.focus_area,
            cbs_code: row.cbs_code,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl Versioned for Neighbourhood {
    const KIND: &'static str = "neighbourhood";
    const COLLECTION: &'static str = "neighbourhoods";
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
}

/// A new neighbourhood.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct NeighbourhoodCreate {
    #[schema(
        example = "bezuidenhout",
        pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$",
        max_length = 64
    )]
    id: String,
    #[schema(
        example = "Bezuidenhout",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    name: String,
    /// An existing district.
    #[schema(
        example = "haagse-hout",
        pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$",
        max_length = 64
    )]
    district_id: String,
    /// Default `false`.
    focus_area: Option<bool>,
    #[schema(example = "WK051828", pattern = "^WK[0-9]{6}$")]
    cbs_code: Option<String>,
}

/// Changes to a neighbourhood (JSON merge patch; `cbsCode: null` removes the code).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct NeighbourhoodUpdate {
    #[schema(
        example = "Bezuidenhout",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    #[schema(nullable = false)]
    name: Option<String>,
    #[schema(
        example = "haagse-hout",
        pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$",
        max_length = 64
    )]
    #[schema(nullable = false)]
    district_id: Option<String>,
    #[schema(nullable = false)]
    focus_area: Option<bool>,
    #[schema(example = "WK051828", pattern = "^WK[0-9]{6}$")]
    cbs_code: Option<String>,
}

/// Filters of the neighbourhood list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code, reason = "documentation only: read through QueryParams")]
pub struct NeighbourhoodListParams {
    /// Only neighbourhoods of this district.
    #[param(
        example = "escamp",
        pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$",
        max_length = 64
    )]
    district_id: Option<String>,
    /// Only focus neighbourhoods (`true`) or only others (`false`).
    focus_area: Option<bool>,
}

/// Refuses a district id that does not exist, as an invalid input.
async fn check_district(
    db: &Db,
    fields: &mut Fields,
    district_id: Option<&String>,
) -> Result<(), ApiError> {
    if let Some(id) = district_id.cloned() {
        if !db
            .read(move |conn| repo::district_exists(conn, &id))
            .await?
        {
            fields.reject(
                "districtId",
                Rejection::new("unknown_reference", "is not an existing district"),
            );
        }
    }
    Ok(())
}

http::page_schema!(NeighbourhoodPage, Neighbourhood);

/// List neighbourhoods, ordered by id.
#[utoipa::path(
    get, path = "/neighbourhoods", tag = "Reference data", operation_id = "list_neighbourhoods",
    params(NeighbourhoodListParams, PageParams),
    responses((status = 200, description = "A page of neighbourhoods", body = NeighbourhoodPage))
)]
pub async fn list_neighbourhoods(
    req: HttpRequest,
    _caller: Authorized<ops::ListNeighbourhoods>,
    mut query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let filter = NeighbourhoodFilter {
        district_id: query.single("districtId", slug_param),
        focus_area: query.single("focusArea", bool_param),
    };
    let page = PageRequest::read(&mut query);
    query.finish()?;
    records::list_by_id::<_, Neighbourhood>(&req, &db, page, move |conn, after, limit| {
        repo::list_neighbourhoods(conn, &filter, after, limit)
    })
    .await
}

/// Get one neighbourhood.
#[utoipa::path(
    get, path = "/neighbourhoods/{neighbourhoodId}", tag = "Reference data", operation_id = "get_neighbourhood",
    params(("neighbourhoodId" = String, Path, description = "The neighbourhood's slug id", example = "moerwijk")),
    responses(
        (status = 200, description = "The neighbourhood", body = Neighbourhood,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such neighbourhood"),
    )
)]
pub async fn get_neighbourhood(
    _caller: Authorized<ops::GetNeighbourhood>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    records::read_one::<_, Neighbourhood>(&db, path.into_inner(), repo::neighbourhood::find).await
}

/// Create a neighbourhood.
#[utoipa::path(
    post, path = "/neighbourhoods", tag = "Reference data", operation_id = "create_neighbourhood",
    request_body = NeighbourhoodCreate,
    responses(
        (status = 201, description = "Created", body = Neighbourhood,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new neighbourhood's URL"))),
        (status = 409, description = "A neighbourhood with this id exists"),
    )
)]
pub async fn create_neighbourhood(
    caller: Authorized<ops::CreateNeighbourhood>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::new(body);
    let id = fields.required("id", string(reference::slug));
    let name = fields.required("name", string(reference::name));
    let district_id = fields.required("districtId", string(reference::slug));
    let focus_area = fields.optional("focusArea", boolean);
    let cbs_code = fields.optional("cbsCode", string(reference::cbs_code));
    check_district(&db, &mut fields, district_id.as_ref()).await?;
    let (id, name, district_id, focus_area, cbs_code) =
        fields.finish((id, name, district_id, focus_area, cbs_code))?;
    let now = time::now();
    let row = NeighbourhoodRow {
        id,
        name,
        district_id,
        focus_area: focus_area.into_option().unwrap_or(false),
        cbs_code: cbs_code.into_option(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    records::create::<_, _, Neighbourhood>(&db, caller.principal, row, repo::neighbourhood::insert)
        .await
}

/// Update a neighbourhood (JSON merge patch).
///
/// Requires `If-Match` with the neighbourhood's `ETag`.
#[utoipa::path(
    patch, path = "/neighbourhoods/{neighbourhoodId}", tag = "Reference data", operation_id = "update_neighbourhood",
    params(
        ("neighbourhoodId" = String, Path, description = "The neighbourhood's slug id", example = "moerwijk"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body(content = NeighbourhoodUpdate, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = Neighbourhood,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such neighbourhood"),
        (status = 412, description = "The neighbourhood changed since you read it"),
    )
)]
pub async fn update_neighbourhood(
    req: HttpRequest,
    caller: Authorized<ops::UpdateNeighbourhood>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let name = fields.not_null("name", string(reference::name));
    let district_id = fields.not_null("districtId", string(reference::slug));
    let focus_area = fields.not_null("focusArea", boolean);
    let cbs_code = fields.optional("cbsCode", string(reference::cbs_code));
    check_district(&db, &mut fields, district_id.as_ref()).await?;
    let cbs_code = fields.finish(cbs_code)?;
    let change = NeighbourhoodChange {
        name,
        district_id,
        focus_area,
        cbs_code: cbs_code.into_patch(),
    };
    records::update::<_, _, Neighbourhood>(
        &db,
        caller.principal,
        path.into_inner(),
        version,
        change,
        repo::neighbourhood::update,
    )
    .await
}
