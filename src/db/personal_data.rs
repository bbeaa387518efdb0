//! Personal data (DESIGN §14): the access log of who was shown a reporter, and the storage side
//! of the reporter erasure job.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;

use super::schema::{events, personal_data_access, signals};
use super::{DbConnection, new_id, on_backend};
use crate::domain::events::Actor;
use crate::error::ApiError;

/// One response that showed the reporter of one signal to one reader.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = personal_data_access)]
// NULL rather than DEFAULT for an absent scope or client: SQLite's multi-row INSERT has no DEFAULT.
#[diesel(treat_none_as_default_value = false)]
pub struct AccessRow {
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub signal_id: String,
    pub reader_sub: String,
    pub reader_role: String,
    pub reader_scope: Option<String>,
    pub reader_client_id: Option<String>,
    pub view: String,
}

impl AccessRow {
    pub fn new(signal_id: &str, reader: &Actor, view: &str, now: NaiveDateTime) -> Self {
        Self {
            id: new_id(),
            occurred_at: now,
            signal_id: signal_id.to_owned(),
            reader_sub: reader.sub.clone(),
            reader_role: reader.role.to_owned(),
            reader_scope: reader.scope.clone(),
            reader_client_id: reader.client_id.clone(),
            view: view.to_owned(),
        }
    }
}

/// Rows per `INSERT`: eight values each, far below SQLite's limit on bound values.
pub(super) const ROWS_PER_INSERT: usize = 500;

/// Writes access rows, a few hundred per statement (one statement for a page of signals).
pub fn record_access(conn: &mut DbConnection, rows: &[&AccessRow]) -> Result<(), ApiError> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        // A multi-row INSERT runs on the backend's own connection: diesel's MultiConnection
        // cannot write one for two dialects at once.
        on_backend!(conn, |c| diesel::insert_into(personal_data_access::table)
            .values(chunk.to_vec())
            .execute(c))?;
    }
    Ok(())
}

/// Filters of the access log.
#[derive(Debug, Default, Clone)]
pub struct AccessFilter {
    pub signal_id: Option<String>,
    pub reader_sub: Option<String>,
}

/// The access log, newest first, `limit + 1` rows after the key `after`.
pub fn list_access(
    conn: &mut DbConnection,
    filter: &AccessFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<AccessRow>, ApiError> {
    let mut query = personal_data_access::table
        .select(AccessRow::as_select())
        .into_boxed();
    if let Some(signal_id) = &filter.signal_id {
        query = query.filter(personal_data_access::signal_id.eq(signal_id.clone()));
    }
    if let Some(sub) = &filter.reader_sub {
        query = query.filter(personal_data_access::reader_sub.eq(sub.clone()));
    }
    if let Some(after) = after {
        query = query.filter(personal_data_access::id.lt(after.to_owned()));
    }
    Ok(query
        .order(personal_data_access::id.desc())
        .limit(limit + 1)
        .load(conn)?)
}

type HasReporter = diesel::dsl::Or<
    diesel::dsl::Or<
        diesel::dsl::IsNotNull<signals::reporter_name>,
        diesel::dsl::IsNotNull<signals::reporter_email>,
    >,
    diesel::dsl::IsNotNull<signals::reporter_phone>,
>;

/// A signal that still holds any of its reporter's data.
fn has_reporter() -> HasReporter {
    signals::reporter_name
        .is_not_null()
        .or(signals::reporter_email.is_not_null())
        .or(signals::reporter_phone.is_not_null())
}

/// Closed signals that still hold reporter data, by id after `after`, at most `limit`.
pub fn closed_with_reporter(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<String>, ApiError> {
    let mut query = signals::table
        .filter(signals::status.eq("closed"))
        .filter(has_reporter())
        .select(signals::id)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(signals::id.gt(after.to_owned()));
    }
    Ok(query.order(signals::id).limit(limit).load(conn)?)
}

/// When each of these (closed) signals was last moved to another status: the trail's latest
/// `signal.status_changed` event, which for a signal closed now is its closing.
pub fn last_status_change(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, NaiveDateTime>, ApiError> {
    let rows: Vec<(String, Option<NaiveDateTime>)> = events::table
        .filter(events::resource_type.eq("signal"))
        .filter(events::action.eq("signal.status_changed"))
        .filter(events::resource_id.eq_any(ids))
        .group_by(events::resource_id)
        .select((events::resource_id, max(events::occurred_at)))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| at.map(|at| (id, at)))
        .collect())
}

/// Erases the reporter of a closed signal (a new version); `false` when another instance did
/// already or the signal was reopened meanwhile. Part of the caller's transaction.
pub fn erase_reporter(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    let changed = diesel::update(
        signals::table
            .filter(signals::id.eq(id))
            .filter(signals::status.eq("closed"))
            .filter(has_reporter()),
    )
    .set((
        signals::reporter_name.eq(None::<String>),
        signals::reporter_email.eq(None::<String>),
        signals::reporter_phone.eq(None::<String>),
        // Consent goes with the address it was given for: nothing is ever mailed again.
        signals::reporter_wants_updates.eq(false),
        signals::version.eq(signals::version + 1),
        signals::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
