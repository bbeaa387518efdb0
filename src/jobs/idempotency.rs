//! Forgetting idempotency keys: the keys kept past `WIJKREGIE_IDEMPOTENCY_HOURS` (each row
//! carries its own `expires_at`) are removed, so a repeat of an old key runs afresh. Run on a
//! timer by `startup`; `now` is an argument so tests can move the clock.

use chrono::NaiveDateTime;

use crate::db::{DbConnection, idempotency};
use crate::error::ApiError;

/// Removes every key that expired at `now`; returns how many.
pub fn remove_expired_keys(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, ApiError> {
    idempotency::remove_expired(conn, now)
}
