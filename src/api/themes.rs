//! Themes: the routing table of signals. Each theme names the department that owns its policy
//! and how many days that department has to answer. Read by every role; written by the
//! programme bureau and administration.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::http::{self, PageParams, PageRequest};
use super::input::{Fields, JsonObject, QueryParams, integer, slug_param, string};
use super::records::{self, Versioned};
use crate::auth::Authorized;
use crate::authz::ops;
use crate::db::Db;
use crate::db::reference::{self as repo, ThemeChange, ThemeFilter, ThemeRow};
use crate::domain::{Rejection, reference, time};
use crate::error::ApiError;

/// A signal theme and where it is routed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Theme {
    /// Slug id.
    #[schema(example = "public_space")]
    pub id: String,
    #[schema(example = "Openbare ruimte")]
    pub name: String,
    /// The department that owns this policy and receives its signals.
    #[schema(example = "dsb")]
    pub department_id: String,
    /// Days the department has to answer a signal (0: due on receipt).
    #[schema(example = 14, minimum = 0, maximum = 365)]
    pub response_days: i32,
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

impl From<ThemeRow> for Theme {
    fn from(row: ThemeRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            department_id: row.department_id,
            response_days: row.response_days,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl Versioned for Theme {
    const KIND: &'static str = "theme";
    const COLLECTION: &'static str = "themes";
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
}

/// A new theme.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct ThemeCreate {
    #[schema(
        example = "sports",
        pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$",
        max_length = 64
    )]
    id: String,
    #[schema(
        example = "Sport en bewegen",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    name: String,
    /// An existing department.
    #[schema(
        example = "ocw",
        pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$",
        max_length = 64
    )]
    department_id: String,
    #[schema(example = 28, minimum = 0, maximum = 365)]
    response_days: i32,
}

/// Changes to a theme (JSON merge patch). Changing the department or the days affects signals
/// received from then on; signals already routed keep their department and due date.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct ThemeUpdate {
    #[schema(
        example = "Sport en bewegen",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    #[schema(nullable = false)]
    name: Option<String>,
    #[schema(
        example = "ocw",
        pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$",
        max_length = 64
    )]
    #[schema(nullable = false)]
    department_id: Option<String>,
    #[schema(example = 21, minimum = 0, maximum = 365)]
    #[schema(nullable = false)]
    response_days: Option<i32>,
}

/// Filters of the theme list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code, reason = "documentation only: read through QueryParams")]
pub struct ThemeListParams {
    /// Only themes routed to this department.
    #[param(
        example = "ocw",
        pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$",
        max_length = 64
    )]
    department_id: Option<String>,
}

/// Refuses a department id that does not exist, as an invalid input.
async fn check_department(
    db: &Db,
    fields: &mut Fields,
    department_id: Option<&String>,
) -> Result<(), ApiError> {
    if let Some(id) = department_id.cloned() {
        if !db
            .read(move |conn| repo::department_exists(conn, &id))
            .await?
        {
            fields.reject(
                "departmentId",
                Rejection::new("unknown_reference", "is not an existing department"),
            );
        }
    }
    Ok(())
}

http::page_schema!(ThemePage, Theme);

/// List themes, ordered by id.
#[utoipa::path(
    get, path = "/themes", tag = "Reference data", operation_id = "list_themes",
    params(ThemeListParams, PageParams),
    responses((status = 200, description = "A page of themes", body = ThemePage))
)]
pub async fn list_themes(
    req: HttpRequest,
    _caller: Authorized<ops::ListThemes>,
    mut query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let filter = ThemeFilter {
        department_id: query.single("departmentId", slug_param),
    };
    let page = PageRequest::read(&mut query);
    query.finish()?;
    records::list_by_id::<_, Theme>(&req, &db, page, move |conn, after, limit| {
        repo::list_themes(conn, &filter, after, limit)
    })
    .await
}

/// Get one theme.
#[utoipa::path(
    get, path = "/themes/{themeId}", tag = "Reference data", operation_id = "get_theme",
    params(("themeId" = String, Path, description = "The theme's slug id", example = "public_space")),
    responses(
        (status = 200, description = "The theme", body = Theme,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such theme"),
    )
)]
pub async fn get_theme(
    _caller: Authorized<ops::GetTheme>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    records::read_one::<_, Theme>(&db, path.into_inner(), repo::theme::find).await
}

/// Create a theme.
#[utoipa::path(
    post, path = "/themes", tag = "Reference data", operation_id = "create_theme",
    request_body = ThemeCreate,
    responses(
        (status = 201, description = "Created", body = Theme,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new theme's URL"))),
        (status = 409, description = "A theme with this id exists"),
    )
)]
pub async fn create_theme(
    caller: Authorized<ops::CreateTheme>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::new(body);
    let id = fields.required("id", string(reference::slug));
    let name = fields.required("name", string(reference::name));
    let department_id = fields.required("departmentId", string(reference::slug));
    let response_days = fields.required("responseDays", integer(reference::response_days));
    check_department(&db, &mut fields, department_id.as_ref()).await?;
    let (id, name, department_id, response_days) =
        fields.finish((id, name, department_id, response_days))?;
    let now = time::now();
    let row = ThemeRow {
        id,
        name,
        department_id,
        response_days,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    records::create::<_, _, Theme>(&db, caller.principal, row, repo::theme::insert).await
}

/// Update a theme (JSON merge patch): rename it, route it to another department, or change
/// its response days. Signals already received keep their department and due date.
///
/// Requires `If-Match` with the theme's `ETag`.
#[utoipa::path(
    patch, path = "/themes/{themeId}", tag = "Reference data", operation_id = "update_theme",
    params(
        ("themeId" = String, Path, description = "The theme's slug id", example = "public_space"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body(content = ThemeUpdate, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = Theme,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such theme"),
        (status = 412, description = "The theme changed since you read it"),
    )
)]
pub async fn update_theme(
    req: HttpRequest,
    caller: Authorized<ops::UpdateTheme>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let name = fields.not_null("name", string(reference::name));
    let department_id = fields.not_null("departmentId", string(reference::slug));
    let response_days = fields.not_null("responseDays", integer(reference::response_days));
    check_department(&db, &mut fields, department_id.as_ref()).await?;
    fields.finish(())?;
    let change = ThemeChange {
        name,
        department_id,
        response_days,
    };
    records::update::<_, _, Theme>(
        &db,
        caller.principal,
        path.into_inner(),
        version,
        change,
        repo::theme::update,
    )
    .await
}
