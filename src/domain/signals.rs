//! Signals from the neighbourhood: every signal has an owner (the department its theme routes
//! it to), a deadline from receipt that a hand-off does not move, and a visible trail.

use chrono::NaiveDateTime;

use super::Rejection;
use super::partners::one_of;

pub const SOURCES: [&str; 7] = [
    "resident",
    "partner",
    "wijkmanager",
    "community_worker",
    "school",
    "department",
    "other",
];
pub const STATUSES: [&str; 6] = [
    "received",
    "acknowledged",
    "in_progress",
    "answered",
    "closed",
    "reopened",
];

pub fn source(value: &str) -> Result<String, Rejection> {
    one_of(value, &SOURCES)
}

pub fn status(value: &str) -> Result<String, Rejection> {
    one_of(value, &STATUSES)
}

/// What a transition needs besides the move itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    Nothing,
    /// `answered` needs a non-empty response.
    Response,
    /// `reopened` needs a reason.
    Reason,
}

/// The status machine of DESIGN §5: `None` when `from → to` is not a transition.
pub fn transition(from: &str, to: &str) -> Option<Requirement> {
    match (from, to) {
        ("received", "acknowledged")
        | ("acknowledged", "in_progress")
        | ("reopened", "in_progress") => Some(Requirement::Nothing),
        ("in_progress", "answered") => Some(Requirement::Response),
        ("answered", "closed") => Some(Requirement::Nothing),
        ("answered" | "closed", "reopened") => Some(Requirement::Reason),
        _ => None,
    }
}

/// Answered and closed signals are done; anything else past its due date is overdue.
pub fn is_open(status: &str) -> bool {
    !matches!(status, "answered" | "closed")
}

/// What moving a signal to a status changes besides the status, and the trail action that
/// records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEffects {
    /// `Some` sets `answered_at`.
    pub answered_at: Option<Option<NaiveDateTime>>,
    /// `Some` sets the response.
    pub response: Option<Option<String>>,
    pub action: &'static str,
}

/// Answering stamps the moment and keeps the response (its own trail action, `answered`);
/// every other move changes only the status.
pub fn status_effects(to: &str, response: Option<String>, now: NaiveDateTime) -> StatusEffects {
    if to == "answered" {
        StatusEffects {
            answered_at: Some(Some(now)),
            response: Some(response),
            action: "answered",
        }
    } else {
        StatusEffects {
            answered_at: None,
            response: None,
            action: "status_changed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signal_machine_allows_exactly_the_designed_transitions() {
        let allowed: Vec<(&str, &str)> = STATUSES
            .iter()
            .flat_map(|from| STATUSES.iter().map(move |to| (*from, *to)))
            .filter(|(from, to)| transition(from, to).is_some())
            .collect();
        assert_eq!(
            allowed,
            [
                ("received", "acknowledged"),
                ("acknowledged", "in_progress"),
                ("in_progress", "answered"),
                ("answered", "closed"),
                ("answered", "reopened"),
                ("closed", "reopened"),
                ("reopened", "in_progress"),
            ]
        );
        assert_eq!(
            transition("in_progress", "answered"),
            Some(Requirement::Response)
        );
        assert_eq!(transition("closed", "reopened"), Some(Requirement::Reason));
    }

    #[test]
    fn answering_stamps_the_moment_and_keeps_the_response() {
        let now = chrono::NaiveDate::from_ymd_opt(2027, 3, 1)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .unwrap_or_default();
        assert_eq!(
            status_effects("answered", Some("Done.".to_owned()), now),
            StatusEffects {
                answered_at: Some(Some(now)),
                response: Some(Some("Done.".to_owned())),
                action: "answered",
            }
        );
        assert_eq!(
            status_effects("closed", Some("ignored".to_owned()), now),
            StatusEffects {
                answered_at: None,
                response: None,
                action: "status_changed",
            }
        );
    }
}
