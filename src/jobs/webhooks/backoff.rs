//! When to try a failed delivery again, when to give it up, and when to suspend a subscription
//! that keeps failing. Pure functions of the times involved (the clock is a parameter), with the
//! schedule scaled from a base delay so that tests can run it in milliseconds.

use std::time::Duration;

use chrono::NaiveDateTime;

/// The delays as multiples of the base: about 10 s, 1 min, 5 min, 30 min, 2 h and 6 h at the
/// default base of 10 s, then every 6 h.
const SCHEDULE: [u32; 6] = [1, 6, 30, 180, 720, 2160];

/// The delay after the `failures`-th failure (1 for the first), with `jitter` (0 to 1) spreading
/// it over ±20 % so that receivers coming back are not hit by every sender at once.
pub fn delay(failures: i32, base: Duration, jitter: f64) -> Duration {
    let index = usize::try_from(failures.max(1) - 1).unwrap_or(0);
    let step = SCHEDULE[index.min(SCHEDULE.len() - 1)];
    (base * step).mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0))
}

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again then (never later than the give-up moment, so the last try is made there).
    RetryAt(NaiveDateTime),
    /// The give-up window has passed: dead-letter the delivery.
    GiveUp,
}

/// Decides after the `failures`-th failed attempt at `now` of a delivery first tried at
/// `first_attempt_at`.
pub fn after_failure(
    first_attempt_at: NaiveDateTime,
    now: NaiveDateTime,
    failures: i32,
    base: Duration,
    give_up_after: Duration,
    jitter: f64,
) -> AfterFailure {
    let deadline = first_attempt_at + chrono_duration(give_up_after);
    if now >= deadline {
        return AfterFailure::GiveUp;
    }
    let next = now + chrono_duration(delay(failures, base, jitter));
    AfterFailure::RetryAt(next.min(deadline))
}

/// Whether a subscription failing since `failing_since` is to be suspended at `now`.
pub fn suspend(failing_since: NaiveDateTime, now: NaiveDateTime, suspend_after: Duration) -> bool {
    now >= failing_since + chrono_duration(suspend_after)
}

/// A std duration as chrono's, saturating at a century.
pub fn chrono_duration(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::days(36_500))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + seconds, 0)
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    }

    #[test]
    fn the_schedule_grows_to_six_hours_and_stays_there() {
        let base = Duration::from_secs(10);
        let delays: Vec<u64> = (1..=8).map(|n| delay(n, base, 0.5).as_secs()).collect();
        assert_eq!(delays, vec![10, 60, 300, 1800, 7200, 21600, 21600, 21600]);
        assert_eq!(delay(1, base, 0.0), Duration::from_secs(8));
        assert_eq!(delay(1, base, 1.0), Duration::from_secs(12));
    }

    #[test]
    fn retries_stop_at_the_give_up_moment() {
        let base = Duration::from_secs(10);
        let window = Duration::from_secs(48 * 3600);
        assert_eq!(
            after_failure(at(0), at(0), 1, base, window, 0.5),
            AfterFailure::RetryAt(at(10))
        );
        assert_eq!(
            after_failure(at(0), at(48 * 3600 - 60), 9, base, window, 0.5),
            AfterFailure::RetryAt(at(48 * 3600))
        );
        assert_eq!(
            after_failure(at(0), at(48 * 3600), 10, base, window, 0.5),
            AfterFailure::GiveUp
        );
        assert!(suspend(
            at(0),
            at(72 * 3600),
            Duration::from_secs(72 * 3600)
        ));
        assert!(!suspend(
            at(0),
            at(71 * 3600),
            Duration::from_secs(72 * 3600)
        ));
    }
}
