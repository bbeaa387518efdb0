//! Policy feedback (DESIGN §13): signals that show one policy not fitting the neighbourhood,
//! bundled into an issue for the department that owns the policy, which owes a response by a
//! deadline. The status machine and the deadline live here.

use chrono::{Duration, NaiveDateTime};

use super::Rejection;
use super::partners::one_of;

pub const STATUSES: [&str; 4] = ["draft", "raised", "responded", "closed"];
/// The owner's position in its response.
pub const POSITIONS: [&str; 4] = [
    "will_adjust",
    "under_review",
    "no_change",
    "already_addressed",
];
/// The most signals one issue bundles.
pub const MAX_SIGNALS: usize = 200;

pub fn status(value: &str) -> Result<String, Rejection> {
    one_of(value, &STATUSES)
}

pub fn position(value: &str) -> Result<String, Rejection> {
    one_of(value, &POSITIONS)
}

/// What a status change sets besides the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    pub raised_at: NaiveDateTime,
    pub response_due_at: NaiveDateTime,
}

/// The moves of `POST /policy-issues/{id}/transitions` (the bureau's): `draft → raised` starts
/// the owner's `response_days`; `responded → closed` ends the issue. `raised → responded` is not
/// a transition: the owner's response makes it. `None`: not a transition.
pub fn transition(
    from: &str,
    to: &str,
    now: NaiveDateTime,
    response_days: i64,
) -> Option<Option<Raised>> {
    match (from, to) {
        ("draft", "raised") => Some(Some(Raised {
            raised_at: now,
            response_due_at: now + Duration::days(response_days),
        })),
        ("responded", "closed") => Some(None),
        _ => None,
    }
}

/// Whether the owner may respond (or revise its response) now: once raised, until closed.
pub fn open_to_response(status: &str) -> bool {
    matches!(status, "raised" | "responded")
}

/// Whether the signals of an issue may still change: until it is responded to.
pub fn signals_editable(status: &str) -> bool {
    matches!(status, "draft" | "raised")
}

/// Raised, not responded to, and past its response deadline.
pub fn is_overdue(
    status: &str,
    response_due_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> bool {
    status == "raised" && response_due_at.is_some_and(|due| now > due)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, day)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .unwrap_or_default()
    }

    #[test]
    fn raising_starts_the_owners_response_time_and_only_the_bureaus_moves_exist() {
        assert_eq!(
            transition("draft", "raised", at(1), 42),
            Some(Some(Raised {
                raised_at: at(1),
                response_due_at: at(1) + Duration::days(42)
            }))
        );
        assert_eq!(transition("responded", "closed", at(1), 42), Some(None));
        for (from, to) in [
            ("raised", "responded"),
            ("draft", "closed"),
            ("closed", "raised"),
            ("raised", "draft"),
        ] {
            assert_eq!(transition(from, to, at(1), 42), None, "{from} → {to}");
        }
    }

    #[test]
    fn only_a_raised_issue_past_its_deadline_is_overdue() {
        assert!(is_overdue("raised", Some(at(1)), at(2)));
        assert!(!is_overdue("raised", Some(at(2)), at(2)));
        assert!(!is_overdue("responded", Some(at(1)), at(2)));
        assert!(!is_overdue("draft", None, at(2)));
    }
}
