//! What a metrics scrape reads from the database: the pool's state, and the figures that are
//! counted over the stored data rather than as they happen (overdue signals and policy
//! responses, the delivery queues' lag). They describe the database, so every instance on it
//! reports the same values.

use chrono::NaiveDateTime;

use super::{Db, DbConnection, policy_issues, signals, subscriptions};
use crate::domain::time;
use crate::domain::webhooks::Channel;
use crate::error::ApiError;
use crate::telemetry::metrics::{PoolState, Readings, StoredReadings};

impl Readings for Db {
    fn pool(&self) -> PoolState {
        self.pool_state()
    }

    async fn stored(&self) -> Result<StoredReadings, String> {
        self.read(|conn| stored_readings(conn, time::now()))
            .await
            .map_err(|e| e.to_string())
    }
}

/// Two counts over indexed columns and, per channel, two lookups by key.
pub fn stored_readings(
    conn: &mut DbConnection,
    now: NaiveDateTime,
) -> Result<StoredReadings, ApiError> {
    let mut queue_lag_seconds = Vec::new();
    for channel in [Channel::Webhook, Channel::Mail] {
        let oldest = subscriptions::oldest_pending_event(conn, channel)?;
        queue_lag_seconds.push((channel.as_str(), seconds_since(oldest, now)));
    }
    Ok(StoredReadings {
        overdue_signals: signals::count_overdue(conn, now)?,
        overdue_policy_responses: policy_issues::count_overdue(conn, now)?,
        queue_lag_seconds,
    })
}

/// Seconds from `then` to `now`; 0 without a `then` (or one in the future: clocks differ).
fn seconds_since(then: Option<NaiveDateTime>, now: NaiveDateTime) -> f64 {
    then.map_or(0.0, |then| {
        (now - then).num_microseconds().unwrap_or(i64::MAX).max(0) as f64 / 1e6
    })
}

#[cfg(test)]
mod tests {
    use super::seconds_since;

    #[test]
    fn a_caught_up_queue_has_no_lag_and_clocks_out_of_step_give_none_below_zero() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .map(|t| t.naive_utc())
            .unwrap_or_default();
        assert_eq!(seconds_since(None, now), 0.0);
        assert_eq!(
            seconds_since(Some(now - chrono::Duration::milliseconds(2500)), now),
            2.5
        );
        assert_eq!(
            seconds_since(Some(now + chrono::Duration::seconds(3)), now),
            0.0
        );
    }
}
