//! The HTTP resources: one file per resource with its request and response types and thin
//! handlers (extract → read input → authorize → one database call → response).

pub mod departments;
pub mod districts;
pub mod events;
pub mod health;
pub mod http;
pub mod input;
pub mod neighbourhoods;
pub mod themes;

use serde::Serialize;

use crate::auth::Principal;
use crate::db::{DbConnection, events as event_store};
use crate::domain::events::NewEvent;
use crate::domain::time;
use crate::error::ApiError;

/// Serializes a response body for an event's before/after.
pub(crate) fn snapshot<T: Serialize>(value: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::Internal(format!("cannot serialize: {e}")))
}

/// Inserts a record and its `<type>.created` event in the caller's transaction.
pub(crate) fn create_recorded<Row, Dto: Serialize>(
    conn: &mut DbConnection,
    principal: &Principal,
    resource_type: &'static str,
    insert: impl FnOnce(&mut DbConnection) -> Result<Row, ApiError>,
    to_dto: impl Fn(Row) -> Dto,
    id_of: impl Fn(&Dto) -> &str,
) -> Result<Dto, ApiError> {
    let created = to_dto(insert(conn)?);
    let event = NewEvent::created(resource_type, id_of(&created), snapshot(&created)?);
    event_store::record(conn, &principal.actor(), event, time::now())?;
    Ok(created)
}

/// Applies a version-checked update and records `<type>.updated` with what changed.
/// `update` returns the row before and after, or `None` when there is no such record.
pub(crate) fn update_recorded<Row, Dto: Serialize>(
    conn: &mut DbConnection,
    principal: &Principal,
    resource_type: &'static str,
    id: &str,
    update: impl FnOnce(&mut DbConnection) -> Result<Option<(Row, Row)>, ApiError>,
    to_dto: impl Fn(Row) -> Dto,
) -> Result<Dto, ApiError> {
    let (before, after) = update(conn)?
        .ok_or_else(|| ApiError::NotFound(format!("There is no {resource_type} '{id}'.")))?;
    let (before, after) = (to_dto(before), to_dto(after));
    let event = NewEvent::updated(resource_type, id, &snapshot(&before)?, &snapshot(&after)?);
    event_store::record(conn, &principal.actor(), event, time::now())?;
    Ok(after)
}
