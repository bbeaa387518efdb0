//! Idempotency keys (DESIGN §11): the reservations and stored responses behind the
//! `Idempotency-Key` header of a `POST`, and the mark that ties a reservation to the write it
//! guards.
//!
//! # How a key travels
//!
//! The API's middleware (`api::idempotency`) [`look_up`]s the key before the handler runs (one
//! indexed read, nothing written); a key someone holds is answered from its row (409 while its
//! request runs, 422 for another body, the stored response once it is `done`). A key nobody
//! holds costs no statement of its own: while the handler runs, the reservation sits in the
//! task-local [`RESERVATION`], and [`Db::write`](super::Db::write) calls [`mark_committed`]
//! **inside the write's own transaction**, which inserts the key's row as `committed`: the change,
//! its events and the key commit together or not at all, and of several concurrent requests with
//! one key the primary key (the caller, method, path, key) lets exactly one write commit; the
//! others roll back with 409 `idempotency_key_in_use`. After the handler, the middleware
//! [`store_answer`]s the response (`done`): an update of that row, or, for a request that wrote
//! nothing but whose answer is to be replayed (a 400, a 404), a new `done` row. A failure a retry
//! may cure (a 5xx, a lost race) leaves no row behind, so a retry runs.
//!
//! Rows `in_flight` are those of a [`take_over`]: a key kept past its hours, or (from before the
//! reservation moved into the write's transaction) one whose request died, is taken over with an
//! `UPDATE` before the handler runs, and its write then marks it with an `UPDATE`.
//!
//! # The crash window this closes
//!
//! Were the key stored only after the write, a crash (or a lost connection) between the write's
//! commit and the key's `UPDATE` would leave an `in_flight` row for a change that was made; once
//! its lease ran out a retry would make the change a second time. With the mark in the write's
//! transaction, the row says `committed` exactly when the change exists, so a retry never runs
//! again what was committed: until the response is stored it is told 409
//! `idempotency_key_in_use`. A reservation still `in_flight` after [`LEASE_SECONDS`] belongs to a
//! request that died before it committed: a retry takes it over with a new `attempt`, and should
//! the old request still reach its write, its mark finds no row with its attempt and its whole
//! transaction rolls back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::DbConnection;
use super::schema::idempotency_keys as keys;
use crate::error::ApiError;

/// How long a reservation may stay `in_flight` before a retry may take it over: far longer than
/// any request runs (the body timeout, the pool and busy timeouts included).
pub const LEASE_SECONDS: i64 = 60;

tokio::task_local! {
    /// The reservation of the request being handled, set by the API's idempotency middleware
    /// around its handler; `Db::write` marks it committed in the write's transaction.
    pub static RESERVATION: Reservation;
}

/// One request's hold on a key.
#[derive(Debug, Clone)]
pub struct Reservation {
    /// Who holds the key: the whole principal (`sub`, role and scope, as the API's middleware
    /// writes it), stored in the `subject` column.
    pub subject: String,
    pub method: String,
    pub path: String,
    pub key: String,
    /// Which request holds it (a fresh id per reservation or takeover).
    pub attempt: String,
    /// The new row of a key nobody held yet, which the write's own transaction inserts
    /// ([`mark_committed`]); `None` once the row exists (a takeover, or after that write).
    pub fresh: Option<FreshKey>,
    /// Set once a write transaction with the mark in it has committed.
    committed: Arc<AtomicBool>,
}

/// What the row of a fresh key is made of.
#[derive(Debug, Clone)]
pub struct FreshKey {
    pub request_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl Reservation {
    pub fn new(subject: String, method: String, path: String, key: String) -> Self {
        Self {
            subject,
            method,
            path,
            key,
            attempt: uuid::Uuid::now_v7().to_string(),
            fresh: None,
            committed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether a write of this request committed (and so must never run again).
    pub fn is_committed(&self) -> bool {
        self.committed.load(Ordering::Acquire)
    }

    pub(super) fn set_committed(&self) {
        self.committed.store(true, Ordering::Release);
    }
}

/// The reservation of the running request, if it has one.
pub fn current() -> Option<Reservation> {
    RESERVATION.try_with(Reservation::clone).ok()
}

/// A response as stored, to be replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: i32,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
}

/// What another request left under the same key.
#[derive(Debug)]
pub struct Existing {
    pub request_hash: String,
    pub attempt: String,
    /// `in_flight`, `committed` or `done`.
    pub state: String,
    pub response: Option<StoredResponse>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl Existing {
    /// Kept past its hours (and not yet removed): the key is free again.
    pub fn expired(&self, now: NaiveDateTime) -> bool {
        self.expires_at <= now
    }

    /// Still `in_flight` past the lease: the request holding it died before it committed.
    pub fn stale(&self, now: NaiveDateTime) -> bool {
        self.state == "in_flight" && self.created_at + Duration::seconds(LEASE_SECONDS) <= now
    }
}

/// The columns of a key that [`find`] reads.
#[derive(Queryable, Selectable)]
#[diesel(table_name = keys)]
struct KeyRow {
    request_hash: String,
    attempt: String,
    state: String,
    response_status: Option<i32>,
    response_location: Option<String>,
    response_etag: Option<String>,
    response_content_type: Option<String>,
    response_body: Option<String>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

macro_rules! this_key {
    ($reservation:expr) => {
        keys::table
            .filter(keys::subject.eq(&$reservation.subject))
            .filter(keys::method.eq(&$reservation.method))
            .filter(keys::path.eq(&$reservation.path))
            .filter(keys::idempotency_key.eq(&$reservation.key))
    };
}

fn find(conn: &mut DbConnection, reservation: &Reservation) -> Result<Option<Existing>, ApiError> {
    let row = this_key!(reservation)
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(|row| Existing {
        response: row
            .response_status
            .zip(row.response_body)
            .map(|(status, body)| StoredResponse {
                status,
                location: row.response_location,
                etag: row.response_etag,
                content_type: row.response_content_type,
                body,
            }),
        request_hash: row.request_hash,
        attempt: row.attempt,
        state: row.state,
        created_at: row.created_at,
        expires_at: row.expires_at,
    }))
}

/// Takes over an abandoned key (see [`Existing::expired`], [`Existing::stale`]) held by `stale_attempt`; false
/// when another retry was quicker.
pub fn take_over(
    conn: &mut DbConnection,
    reservation: &Reservation,
    stale_attempt: &str,
    request_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let touched = diesel::update(this_key!(reservation).filter(keys::attempt.eq(stale_attempt)))
        .set((
            keys::request_hash.eq(request_hash),
            keys::attempt.eq(&reservation.attempt),
            keys::state.eq("in_flight"),
            keys::response_status.eq(None::<i32>),
            keys::response_location.eq(None::<String>),
            keys::response_etag.eq(None::<String>),
            keys::response_content_type.eq(None::<String>),
            keys::response_body.eq(None::<String>),
            keys::created_at.eq(now),
            keys::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(touched == 1)
}

/// Marks the reservation committed, inside the write transaction that `conn` is in: a fresh
/// key's row is inserted `committed` (one statement, no reservation round trip before the
/// handler); a concurrent request with the same key that committed first makes it a 409, and
/// the write rolls back. When a taken-over reservation was taken over again meanwhile, the write
/// must not commit either: 409.
pub fn mark_committed(conn: &mut DbConnection, reservation: &Reservation) -> Result<(), ApiError> {
    match &reservation.fresh {
        // A second write of the same request finds the row its first one made.
        Some(fresh) if !reservation.is_committed() => {
            return insert(conn, reservation, fresh, "committed", None);
        }
        _ => {}
    }
    let touched = diesel::update(
        this_key!(reservation)
            .filter(keys::attempt.eq(&reservation.attempt))
            .filter(keys::state.ne("done")),
    )
    .set(keys::state.eq("committed"))
    .execute(conn)?;
    if touched == 0 {
        return Err(ApiError::IdempotencyKeyInUse);
    }
    Ok(())
}

/// Inserts a fresh key's row in `state`, with the response to replay if there is one; 409 when
/// the key is taken.
fn insert(
    conn: &mut DbConnection,
    reservation: &Reservation,
    fresh: &FreshKey,
    state: &str,
    response: Option<&StoredResponse>,
) -> Result<(), ApiError> {
    let inserted = diesel::insert_into(keys::table)
        .values((
            keys::subject.eq(&reservation.subject),
            keys::method.eq(&reservation.method),
            keys::path.eq(&reservation.path),
            keys::idempotency_key.eq(&reservation.key),
            keys::request_hash.eq(&fresh.request_hash),
            keys::attempt.eq(&reservation.attempt),
            keys::state.eq(state),
            keys::response_status.eq(response.map(|r| r.status)),
            keys::response_location.eq(response.and_then(|r| r.location.as_ref())),
            keys::response_etag.eq(response.and_then(|r| r.etag.as_ref())),
            keys::response_content_type.eq(response.and_then(|r| r.content_type.as_ref())),
            keys::response_body.eq(response.map(|r| &r.body)),
            keys::created_at.eq(fresh.created_at),
            keys::expires_at.eq(fresh.expires_at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(()),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Err(ApiError::IdempotencyKeyInUse)
        }
        Err(other) => Err(other.into()),
    }
}

/// Looks the key up before the handler runs, reserving nothing: `None` when nobody holds it (the
/// write's transaction then inserts its row, see [`mark_committed`]).
pub fn look_up(
    conn: &mut DbConnection,
    reservation: &Reservation,
) -> Result<Option<Existing>, ApiError> {
    find(conn, reservation)
}

/// Stores the response to replay (`done`): an update of the row the write made or took over,
/// or for a fresh key whose request wrote nothing (a refusal worth replaying), a new row. A
/// fresh key someone else stored first keeps their answer.
pub fn store_answer(
    conn: &mut DbConnection,
    reservation: &Reservation,
    response: &StoredResponse,
) -> Result<(), ApiError> {
    match (&reservation.fresh, reservation.is_committed()) {
        (Some(fresh), false) => match insert(conn, reservation, fresh, "done", Some(response)) {
            Err(ApiError::IdempotencyKeyInUse) => Ok(()),
            other => other,
        },
        _ => store(conn, reservation, response),
    }
}

/// Stores the response to replay (`done`).
pub fn store(
    conn: &mut DbConnection,
    reservation: &Reservation,
    response: &StoredResponse,
) -> Result<(), ApiError> {
    diesel::update(this_key!(reservation).filter(keys::attempt.eq(&reservation.attempt)))
        .set((
            keys::state.eq("done"),
            keys::response_status.eq(response.status),
            keys::response_location.eq(&response.location),
            keys::response_etag.eq(&response.etag),
            keys::response_content_type.eq(&response.content_type),
            keys::response_body.eq(&response.body),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives the key back when nothing was committed under it, so a retry runs afresh.
pub fn release(conn: &mut DbConnection, reservation: &Reservation) -> Result<(), ApiError> {
    diesel::delete(
        this_key!(reservation)
            .filter(keys::attempt.eq(&reservation.attempt))
            .filter(keys::state.eq("in_flight")),
    )
    .execute(conn)?;
    Ok(())
}

/// Removes the keys that expired at `now`; returns how many.
pub fn remove_expired(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, ApiError> {
    Ok(diesel::delete(keys::table.filter(keys::expires_at.le(now))).execute(conn)?)
}
