//! The shared flow of versioned records (read one, list by id, create, update), so that each
//! resource file only says what is particular to it: its fields, rules and documentation.
//! Every write runs in one transaction with its event.

use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::Serialize;

use super::http::{self, Page, PageRequest};
use crate::auth::Principal;
use crate::db::{Db, DbConnection, events as event_store};
use crate::domain::events::NewEvent;
use crate::domain::time;
use crate::error::ApiError;

/// A record with a text id and a version (its `ETag`).
pub(crate) trait Versioned {
    /// The resource type in events and messages: `district`.
    const KIND: &'static str;
    /// The collection path under `/api/v1`: `districts`.
    const COLLECTION: &'static str;
    fn id(&self) -> &str;
    fn version(&self) -> i64;
}

/// A repo's version-checked update: (connection, id, `If-Match` version, change, now) → the
/// row before and after, or `None` when there is no such record.
pub(crate) type UpdateFn<Change, Row> = fn(
    &mut DbConnection,
    &str,
    i64,
    &Change,
    NaiveDateTime,
) -> Result<Option<(Row, Row)>, ApiError>;

/// A value as it goes into an event's `before` or `after`.
pub(crate) fn snapshot<T: Serialize>(value: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(format!("cannot serialize: {e}")))
}

fn missing<Dto: Versioned>(id: &str) -> ApiError {
    ApiError::NotFound(format!("There is no {} '{id}'.", Dto::KIND))
}

/// `200` with the record and its `ETag`, or `404`.
pub(crate) async fn read_one<Row, Dto>(
    db: &Db,
    id: String,
    find: fn(&mut DbConnection, &str) -> Result<Option<Row>, ApiError>,
) -> Result<HttpResponse, ApiError>
where
    Row: Send + 'static,
    Dto: From<Row> + Serialize + Versioned,
{
    let missing = missing::<Dto>(&id);
    let row = db.read(move |conn| find(conn, &id)).await?.ok_or(missing)?;
    let record = Dto::from(row);
    Ok(http::ok_with_etag(record.version(), &record))
}

/// A page of a list ordered by id; `load` gets the id after which to start and `limit + 1`.
pub(crate) async fn list_by_id<Row, Dto>(
    req: &HttpRequest,
    db: &Db,
    page: PageRequest,
    load: impl FnOnce(&mut DbConnection, Option<&str>, i64) -> Result<Vec<Row>, ApiError>
    + Send
    + 'static,
) -> Result<HttpResponse, ApiError>
where
    Row: Send + 'static,
    Dto: From<Row> + Serialize + Versioned,
{
    let (limit, after) = (page.limit, page.after_text()?);
    let rows = db
        .read(move |conn| load(conn, after.as_deref(), limit))
        .await?;
    let records: Vec<Dto> = rows.into_iter().map(Dto::from).collect();
    let page = Page::from_rows(records, limit, |r| r.id().as_bytes().to_vec(), |r| r);
    Ok(http::page_response(req, page))
}

/// Inserts a record with its `<kind>.created` event; `201` with `Location` and `ETag`.
pub(crate) async fn create<New, Row, Dto>(
    db: &Db,
    principal: Principal,
    new: New,
    insert: fn(&mut DbConnection, &New) -> Result<Row, ApiError>,
) -> Result<HttpResponse, ApiError>
where
    New: Send + 'static,
    Row: Send + 'static,
    Dto: From<Row> + Serialize + Versioned + Send + 'static,
{
    let created = db
        .write(move |conn| {
            let created = Dto::from(insert(conn, &new)?);
            let event = NewEvent::created(Dto::KIND, created.id(), snapshot(&created)?);
            event_store::record(conn, &principal.actor(), event, time::now())?;
            Ok(created)
        })
        .await?;
    let location = format!("/api/v1/{}/{}", Dto::COLLECTION, created.id());
    Ok(http::created(location, created.version(), &created))
}

/// The version-checked update of a record: `update` gets the id, the `If-Match` version and
/// the change, and returns the row before and after (`None`: no such record). Records
/// `<kind>.updated` with what changed; `200` with the new `ETag`.
pub(crate) async fn update<Change, Row, Dto>(
    db: &Db,
    principal: Principal,
    id: String,
    version: i64,
    change: Change,
    update: UpdateFn<Change, Row>,
) -> Result<HttpResponse, ApiError>
where
    Change: Send + 'static,
    Row: Send + 'static,
    Dto: From<Row> + Serialize + Versioned + Send + 'static,
{
    let updated = db
        .write(move |conn| {
            let (before, after) = update(conn, &id, version, &change, time::now())?
                .ok_or_else(|| missing::<Dto>(&id))?;
            let (before, after) = (Dto::from(before), Dto::from(after));
            let event = NewEvent::updated(Dto::KIND, &id, &snapshot(&before)?, &snapshot(&after)?);
            event_store::record(conn, &principal.actor(), event, time::now())?;
            Ok(after)
        })
        .await?;
    Ok(http::ok_with_etag(updated.version(), &updated))
}
