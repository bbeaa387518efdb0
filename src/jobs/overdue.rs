//! The overdue sweeps: mark on their trail the signals that passed their due date unanswered,
//! and the raised policy issues whose owner did not respond by `responseDueAt`. Storage work
//! plus events, run on a timer by `startup` and callable from tests.

use chrono::NaiveDateTime;
use serde_json::json;

use crate::db::{
    self, DbConnection, events as event_store, policy_issues as policy_issue_repo, signals as repo,
};
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

/// Writes one `policy_issue.response_overdue` event for each raised policy issue past its
/// response deadline that has none yet; safe with several sweepers at once, like
/// [`sweep_overdue`] (the claim and the event share one transaction).
pub fn sweep_overdue_responses(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> Result<usize, ApiError> {
    let sweeper = Principal::system("wijkregie-overdue-sweep");
    let mut written = 0;
    for (id, due_at) in policy_issue_repo::overdue_candidates(conn, now, 500)? {
        let claimed = db::write_transaction(conn, |conn| {
            if !policy_issue_repo::claim_overdue(conn, &id)? {
                return Ok(false);
            }
            let event = NewEvent {
                action: "policy_issue.response_overdue".to_owned(),
                resource_type: "policy_issue",
                resource_id: id.clone(),
                data: json!({ "responseDueAt": time::format(&due_at) }),
            };
            event_store::record(conn, &sweeper.actor(), event, now)?;
            Ok(true)
        })?;
        written += usize::from(claimed);
    }
    Ok(written)
}
