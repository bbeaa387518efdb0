//! Departments (vakdiensten): the policy-owning departments that receive signals, co-finance
//! and advise. Read by every role; written by administration.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use super::http::{self, PageParams, PageRequest};
use super::input::{Field, Fields, JsonObject, QueryParams, string};
use super::records::{self, Versioned};
use crate::auth::Authorized;
use crate::authz::ops;
use crate::db::Db;
use crate::db::reference::{self as repo, DepartmentChange, DepartmentRow};
use crate::domain::{reference, time};
use crate::error::ApiError;

/// A department (vakdienst) that owns policy.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Department {
    /// Slug id.
    #[schema(example = "ocw")]
    pub id: String,
    #[schema(example = "Onderwijs, Cultuur en Welzijn")]
    pub name: String,
    /// How to reach the department; null when no address is known.
    pub contact: Option<DepartmentContact>,
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

/// A department's contact: the address that receives the e-mails about advice asked of it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentContact {
    #[schema(example = "advies.ocw@denhaag.nl", format = Email, max_length = 254)]
    pub email: String,
}

/// A department's contact as given in a body.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct DepartmentContactInput {
    #[schema(example = "advies.ocw@denhaag.nl", format = Email, max_length = 254)]
    email: String,
}

impl From<DepartmentRow> for Department {
    fn from(row: DepartmentRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            contact: row.contact_email.map(|email| DepartmentContact { email }),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl Versioned for Department {
    const KIND: &'static str = "department";
    const COLLECTION: &'static str = "departments";
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
}

/// A new department.
#[derive(Debug, ToSchema)]
#[schema(as = DepartmentCreate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct DepartmentCreate {
    /// Slug id: lower-case words joined by `-` or `_`.
    #[schema(
        example = "ocw",
        pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$",
        max_length = 64
    )]
    id: String,
    #[schema(
        example = "Onderwijs, Cultuur en Welzijn",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    name: String,
    /// Where the e-mails about advice asked of the department go.
    contact: Option<DepartmentContactInput>,
}

/// Changes to a department (JSON merge patch; `contact: null` clears the address).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct DepartmentUpdate {
    #[schema(
        example = "Onderwijs, Cultuur en Welzijn",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    #[schema(nullable = false)]
    name: Option<String>,
    contact: Option<DepartmentContactInput>,
}

http::page_schema!(DepartmentPage, Department);

/// List departments, ordered by id.
#[utoipa::path(
    get, path = "/departments", tag = "Reference data", operation_id = "list_departments",
    params(PageParams),
    responses((status = 200, description = "A page of departments", body = DepartmentPage))
)]
pub async fn list_departments(
    req: HttpRequest,
    _caller: Authorized<ops::ListDepartments>,
    mut query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::read(&mut query);
    query.finish()?;
    records::list_by_id::<_, Department>(&req, &db, page, repo::list_departments).await
}

/// Get one department.
#[utoipa::path(
    get, path = "/departments/{departmentId}", tag = "Reference data", operation_id = "get_department",
    params(("departmentId" = String, Path, description = "The department's slug id", example = "ocw")),
    responses(
        (status = 200, description = "The department", body = Department,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such department"),
    )
)]
pub async fn get_department(
    _caller: Authorized<ops::GetDepartment>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    records::read_one::<_, Department>(&db, path.into_inner(), repo::department::find).await
}

/// The `contact` member: an object with the `email` address.
fn contact_email(fields: &mut Fields) -> Field<Option<String>> {
    fields.nested("contact", |contact| {
        contact.required("email", string(crate::domain::partners::email))
    })
}

/// Create a department.
#[utoipa::path(
    post, path = "/departments", tag = "Reference data", operation_id = "create_department",
    request_body = DepartmentCreate,
    responses(
        (status = 201, description = "Created", body = Department,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new department's URL"))),
        (status = 409, description = "A department with this id exists"),
    )
)]
pub async fn create_department(
    caller: Authorized<ops::CreateDepartment>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::new(body);
    let id = fields.required("id", string(reference::slug));
    let name = fields.required("name", string(reference::name));
    let contact_email = contact_email(&mut fields).into_option().flatten();
    let (id, name) = fields.finish((id, name))?;
    let now = time::now();
    let row = DepartmentRow {
        id,
        name,
        version: 1,
        created_at: now,
        updated_at: now,
        contact_email,
    };
    records::create::<_, _, Department>(&db, caller.principal, row, repo::department::insert).await
}

/// Update a department (JSON merge patch).
///
/// Requires `If-Match` with the department's `ETag`.
#[utoipa::path(
    patch, path = "/departments/{departmentId}", tag = "Reference data", operation_id = "update_department",
    params(
        ("departmentId" = String, Path, description = "The department's slug id", example = "ocw"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body(content = DepartmentUpdate, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = Department,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such department"),
        (status = 412, description = "The department changed since you read it"),
    )
)]
pub async fn update_department(
    req: HttpRequest,
    caller: Authorized<ops::UpdateDepartment>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let name = fields.not_null("name", string(reference::name));
    let contact_email = contact_email(&mut fields).into_patch().map(Option::flatten);
    fields.finish(())?;
    let change = DepartmentChange {
        name,
        contact_email,
    };
    records::update::<_, _, Department>(
        &db,
        caller.principal,
        path.into_inner(),
        version,
        change,
        repo::department::update,
    )
    .await
}
