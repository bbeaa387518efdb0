//! Events repo: writes one event per change inside the caller's transaction, and reads them back.

use std::cell::RefCell;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::DbConnection;

/// The backend of [`DbConnection`], for boxed expressions.
type Backend = <DbConnection as diesel::Connection>::Backend;
use super::schema::{event_counter, events};
use crate::domain::events::{Actor, NewEvent};
use crate::error::ApiError;
use crate::telemetry::metrics as telemetry;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = events)]
// An absent value is NULL rather than DEFAULT, so that many rows go into one SQLite statement.
#[diesel(treat_none_as_default_value = false)]
pub struct EventRow {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_sub: String,
    pub actor_role: String,
    pub actor_name: Option<String>,
    /// The district, department or partner of the actor's role, if it has one.
    pub actor_scope: Option<String>,
    /// The token's `azp` or `client_id`: the application that acted.
    pub actor_client_id: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub data: String,
}

impl EventRow {
    /// The `data` as JSON (`null` if it is not).
    pub fn data_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap_or(serde_json::Value::Null)
    }
}

/// Filters of the event list; every one optional.
#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub action: Option<String>,
    /// Only these actions; one ending in `*` matches every action it starts with
    /// (`signal.*`). Empty: every action.
    pub types: Vec<String>,
    /// Only events with an id greater than this.
    pub after: Option<i64>,
}

/// Records one event. Must run inside the transaction of the change it describes.
///
/// The id comes from the single `event_counter` row: updating it takes a row lock that is held
/// until commit, so events get ids in commit order and a consumer reading `?after=` never misses
/// one that committed late. It is the last statement of a write, to hold that lock briefly; a
/// transaction that goes on working after its changes (the import) uses [`record_all`] at its
/// end instead.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    event: NewEvent,
    occurred_at: NaiveDateTime,
) -> Result<i64, ApiError> {
    let id = take_ids(conn, 1)?;
    let row = event_row(id, actor, event, occurred_at);
    diesel::insert_into(events::table)
        .values(&row)
        .execute(conn)?;
    Tally::note(row.action);
    Ok(id)
}

/// Records the events of a long transaction together, as its last statements: one statement
/// takes all their ids from the `event_counter` row, and the rows follow
/// [`super::BATCH`] to a statement. So the counter's lock, which keeps ids in commit
/// order, is held from here to the commit only — not while the transaction did its work, when
/// every other write of every instance would have waited behind it. Returns the last id.
pub fn record_all(
    conn: &mut DbConnection,
    actor: &Actor,
    events: Vec<NewEvent>,
    occurred_at: NaiveDateTime,
) -> Result<Option<i64>, ApiError> {
    let Ok(count) = i64::try_from(events.len()) else {
        return Err(ApiError::Internal("too many events".to_owned()));
    };
    if count == 0 {
        return Ok(None);
    }
    let last = take_ids(conn, count)?;
    let rows: Vec<EventRow> = (last - count + 1..)
        .zip(events)
        .map(|(id, event)| event_row(id, actor, event, occurred_at))
        .collect();
    for chunk in rows.chunks(super::BATCH) {
        super::on_backend!(&mut *conn, |c| diesel::insert_into(events::table)
            .values(chunk.to_vec())
            .execute(c))?;
    }
    for row in rows {
        Tally::note(row.action);
    }
    Ok(Some(last))
}

/// Takes `count` event ids at once: the last of them.
fn take_ids(conn: &mut DbConnection, count: i64) -> Result<i64, ApiError> {
    Ok(
        diesel::update(event_counter::table.filter(event_counter::id.eq(1)))
            .set(event_counter::last_id.eq(event_counter::last_id + count))
            .returning(event_counter::last_id)
            .get_result(conn)?,
    )
}

fn event_row(id: i64, actor: &Actor, event: NewEvent, occurred_at: NaiveDateTime) -> EventRow {
    EventRow {
        id,
        occurred_at,
        actor_sub: actor.sub.clone(),
        actor_role: actor.role.to_owned(),
        actor_name: actor.name.clone(),
        actor_scope: actor.scope.clone(),
        actor_client_id: actor.client_id.clone(),
        action: event.action,
        resource_type: event.resource_type.to_owned(),
        resource_id: event.resource_id,
        data: event.data.to_string(),
    }
}

thread_local! {
    /// The types of the events recorded in this thread's open write transaction, or `None`
    /// outside one. Diesel's work runs on one blocking thread from `BEGIN` to `COMMIT`, so the
    /// thread is the transaction.
    static UNCOMMITTED: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Counts a write transaction's events in the metrics once it has committed, and forgets them
/// when it rolls back, so that the counter says what the event log holds. A transaction inside
/// another (a savepoint) hands its events on to the outer one.
pub(super) struct Tally {
    /// Where this transaction's events start in the list; `None` for the outermost.
    from: Option<usize>,
    committed: bool,
}

impl Tally {
    pub(super) fn begin() -> Self {
        let from = UNCOMMITTED.with_borrow_mut(|pending| match pending {
            Some(actions) => Some(actions.len()),
            None => {
                *pending = Some(Vec::new());
                None
            }
        });
        Self {
            from,
            committed: false,
        }
    }

    /// Ends the transaction's tally; dropping it unsettled (a panic) counts as a rollback.
    pub(super) fn settle(mut self, committed: bool) {
        self.committed = committed;
    }

    /// An event recorded; outside a write transaction (a caller's own), counted at once.
    fn note(action: String) {
        let outside = UNCOMMITTED.with_borrow_mut(|pending| match pending {
            Some(actions) => {
                actions.push(action);
                None
            }
            None => Some(action),
        });
        if let Some(action) = outside {
            telemetry::events_written(&action, 1);
        }
    }
}

impl Drop for Tally {
    fn drop(&mut self) {
        let committed = UNCOMMITTED.with_borrow_mut(|pending| match self.from {
            Some(from) => {
                if let Some(actions) = pending.as_mut().filter(|_| !self.committed) {
                    actions.truncate(from);
                }
                Vec::new()
            }
            None => pending
                .take()
                .filter(|_| self.committed)
                .unwrap_or_default(),
        });
        let mut by_type = std::collections::BTreeMap::<String, u64>::new();
        for action in committed {
            *by_type.entry(action).or_default() += 1;
        }
        for (action, count) in by_type {
            telemetry::events_written(&action, count);
        }
    }
}

/// A page of events in id order (oldest first) after the cursor; `limit + 1` rows.
pub fn list(
    conn: &mut DbConnection,
    filter: &EventFilter,
    cursor: Option<i64>,
    limit: i64,
) -> Result<Vec<EventRow>, ApiError> {
    let mut query = events::table.select(EventRow::as_select()).into_boxed();
    if let Some(resource_type) = &filter.resource_type {
        query = query.filter(events::resource_type.eq(resource_type.clone()));
    }
    if let Some(resource_id) = &filter.resource_id {
        query = query.filter(events::resource_id.eq(resource_id.clone()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(events::action.eq(action.clone()));
    }
    if !filter.types.is_empty() {
        let (prefixes, exact): (Vec<&String>, Vec<&String>) =
            filter.types.iter().partition(|t| t.ends_with('*'));
        let exact: Vec<String> = exact.into_iter().cloned().collect();
        let mut matches: Box<dyn BoxableExpression<events::table, Backend, SqlType = Bool>> =
            Box::new(events::action.eq_any(exact));
        for prefix in prefixes {
            let pattern = format!("{}%", like_literal(prefix.trim_end_matches('*')));
            matches = Box::new(matches.or(events::action.like(pattern).escape('\\')));
        }
        query = query.filter(matches);
    }
    let lower_bound = match (filter.after, cursor) {
        (Some(a), Some(c)) => Some(a.max(c)),
        (a, c) => a.or(c),
    };
    if let Some(after) = lower_bound {
        query = query.filter(events::id.gt(after));
    }
    Ok(query.order(events::id.asc()).limit(limit + 1).load(conn)?)
}

/// `text` with LIKE's wildcards and escape character escaped, to match it literally.
fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The id of the newest event, or 0 before the first. Every event with a smaller id is
/// readable once this one is (the feed's guarantee, which `?after=` relies on too), so a reader
/// that has seen every event up to it may go on after it.
pub fn latest_id(conn: &mut DbConnection) -> Result<i64, ApiError> {
    let latest: Option<i64> = events::table
        .select(diesel::dsl::max(events::id))
        .get_result(conn)?;
    Ok(latest.unwrap_or(0))
}
