//! The overdue sweep: marks on their trail the signals that passed their due date unanswered.
//! Storage work plus events, run on a timer by `startup` and callable from tests.

use chrono::NaiveDateTime;
use serde_json::json;

use crate::db::{self, DbConnection, events as event_store, signals as repo};
use crate::domain::events::NewEvent;
use crate::domain::principal::Principal;
use crate::domain::time;
use crate::error::ApiError;

/// Writes one `signal.overdue` event for each open signal that has passed its due date and has
/// none yet. Safe with several sweepers at once: each signal is claimed by a conditional update
/// in the same transaction as its event, so exactly one sweeper writes it.
pub fn sweep_overdue(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, ApiError> {
    let sweeper = Principal::system("wijkregie-overdue-sweep");
    let mut written = 0;
    for (id, due_at) in repo::overdue_candidates(conn, now, 500)? {
        let claimed = db::write_transaction(conn, |conn| {
            if !repo::claim_overdue(conn, &id)? {
                return Ok(false);
            }
            let event = NewEvent {
                action: "signal.overdue".to_owned(),
                resource_type: "signal",
                resource_id: id.clone(),
                data: json!({ "dueAt": time::format(&due_at) }),
            };
            event_store::record(conn, &sweeper.actor(), event, now)?;
            Ok(true)
        })?;
        written += usize::from(claimed);
    }
    Ok(written)
}
