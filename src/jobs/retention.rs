//! Reporter erasure (DESIGN §14, AVG storage limitation): a configured number of days after a
//! signal was closed, its reporter's name, e-mail and phone are erased. The event that records
//! it (`signal.reporter_erased`) says when and under which term, never what was erased. Safe
//! with several instances at once: each erasure is a conditional update in the same transaction
//! as its event, so exactly one instance writes it.

use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use crate::db::{self, DbConnection, events as event_store, personal_data as repo};
use crate::domain::events::NewEvent;
use crate::domain::principal::Principal;
use crate::domain::time;
use crate::error::ApiError;

/// Signals looked at per query.
const BATCH: i64 = 500;

/// Erases the reporters of the signals closed more than `retention_days` before `now`.
pub fn erase_reporters(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    retention_days: i64,
) -> Result<usize, ApiError> {
    let eraser = Principal::system("wijkregie-reporter-retention");
    let cutoff = now - Duration::days(retention_days);
    let mut erased = 0;
    let mut after: Option<String> = None;
    loop {
        let ids = repo::closed_with_reporter(conn, after.as_deref(), BATCH)?;
        let Some(last) = ids.last().cloned() else {
            break;
        };
        let closed_at = repo::last_status_change(conn, &ids)?;
        for id in &ids {
            let Some(closed) = closed_at.get(id).copied().filter(|at| *at <= cutoff) else {
                continue;
            };
            let done = db::write_transaction(conn, |conn| {
                if !repo::erase_reporter(conn, id, now)? {
                    return Ok(false);
                }
                let event = NewEvent {
                    action: "signal.reporter_erased".to_owned(),
                    resource_type: "signal",
                    resource_id: id.clone(),
                    data: json!({
                        "closedAt": time::format(&closed),
                        "retentionDays": retention_days,
                    }),
                };
                event_store::record(conn, &eraser.actor(), event, now)?;
                Ok(true)
            })?;
            erased += usize::from(done);
        }
        after = Some(last);
    }
    Ok(erased)
}
