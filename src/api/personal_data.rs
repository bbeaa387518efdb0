//! Who was shown a reporter's personal data (DESIGN §14, AVG accountability). Every response
//! that shows a signal's `reporter` writes one row per such signal, before it is answered;
//! admin reads them at `/personal-data-access`, newest first.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::http::{self, Page, PageParams, PageRequest};
use super::input::QueryParams;
use crate::auth::{Authorized, Principal};
use crate::authz::ops;
use crate::db::personal_data::{self as repo, AccessFilter, AccessRow};
use crate::db::{Db, DbConnection};
use crate::domain::{Rejection, time};
use crate::error::ApiError;

/// How a reporter was shown: in an answer about one signal, or in a page of signals.
#[derive(Debug, Clone, Copy)]
pub enum View {
    Signal,
    SignalList,
}

impl View {
    fn as_str(self) -> &'static str {
        match self {
            Self::Signal => "signal",
            Self::SignalList => "signal_list",
        }
    }
}

/// The access rows that say `reader` is being shown the reporters of `signal_ids`; the
/// response waits for [`Db::log_access`] to store them before it is sent.
pub fn reporters_shown<'a>(
    reader: &Principal,
    view: View,
    signal_ids: impl IntoIterator<Item = &'a str>,
) -> Vec<AccessRow> {
    let actor = reader.actor();
    let now = time::now();
    signal_ids
        .into_iter()
        .map(|id| AccessRow::new(id, &actor, view.as_str(), now))
        .collect()
}

/// Stores access rows inside the caller's write transaction (the answer of a write).
pub fn store_in_transaction(conn: &mut DbConnection, rows: &[AccessRow]) -> Result<(), ApiError> {
    repo::record_access(conn, &rows.iter().collect::<Vec<_>>())
}

/// Who read.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reader {
    /// The token's subject.
    #[schema(example = "ocw-jan")]
    pub sub: String,
    #[schema(example = "vakdienst")]
    pub role: String,
    /// The district, department or partner id of the role, for the roles that have one.
    #[schema(example = "ocw")]
    pub scope: Option<String>,
    /// The application the token was issued to (`azp` or `client_id`).
    #[schema(example = "zaaksysteem-ocw")]
    pub client_id: Option<String>,
}

/// One response that showed one signal's reporter.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonalDataAccess {
    #[schema(example = "0190f0a0-0000-7000-8000-00000000000a")]
    pub id: String,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: NaiveDateTime,
    #[schema(example = "0190f0a0-0000-7000-8000-000000000001")]
    pub signal_id: String,
    pub reader: Reader,
    /// `signal` (an answer about the one signal) or `signal_list` (a page of signals).
    #[schema(example = "signal")]
    pub view: String,
}

impl From<AccessRow> for PersonalDataAccess {
    fn from(row: AccessRow) -> Self {
        Self {
            id: row.id,
            occurred_at: row.occurred_at,
            signal_id: row.signal_id,
            reader: Reader {
                sub: row.reader_sub,
                role: row.reader_role,
                scope: row.reader_scope,
                client_id: row.reader_client_id,
            },
            view: row.view,
        }
    }
}

http::page_schema!(PersonalDataAccessPage, PersonalDataAccess);

/// Filters of the access log.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code, reason = "documentation only: read through QueryParams")]
pub struct AccessListParams {
    /// Only the reads of this signal's reporter.
    #[param(
        example = "0190f0a0-0000-7000-8000-000000000001",
        min_length = 1,
        max_length = 100
    )]
    signal_id: Option<String>,
    /// Only the reads by this subject (the reader's `sub`).
    #[param(example = "ocw-jan", min_length = 1, max_length = 200)]
    reader_sub: Option<String>,
}

fn bounded(max: usize) -> impl Fn(&str) -> Result<String, Rejection> {
    move |value| {
        if value.is_empty() || value.chars().count() > max {
            Err(Rejection::new(
                "out_of_range",
                format!("must be 1 to {max} characters"),
            ))
        } else {
            Ok(value.to_owned())
        }
    }
}

/// List who was shown reporters' personal data, newest first.
///
/// Every response that showed a signal's `reporter` (a single signal, a page of signals, the
/// answer to a change) left one entry per signal here, written before the response was sent.
#[utoipa::path(
    get, path = "/personal-data-access", tag = "Personal data", operation_id = "list_personal_data_access",
    params(AccessListParams, PageParams),
    responses((status = 200, description = "A page of the access log", body = PersonalDataAccessPage))
)]
pub async fn list_personal_data_access(
    req: HttpRequest,
    _caller: Authorized<ops::ListPersonalDataAccess>,
    mut query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let filter = AccessFilter {
        signal_id: query.single("signalId", bounded(100)),
        reader_sub: query.single("readerSub", bounded(200)),
    };
    let page = PageRequest::read(&mut query);
    query.finish()?;
    let (after, limit) = (page.after_text()?, page.limit);
    let rows = db
        .read(move |conn| repo::list_access(conn, &filter, after.as_deref(), limit))
        .await?;
    let page: Page<PersonalDataAccess> =
        Page::from_rows(rows, limit, |row| row.id.as_bytes().to_vec(), Into::into);
    Ok(http::page_response(&req, page))
}
