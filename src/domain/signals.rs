//! Signals from the neighbourhood: every signal has an owner (the department its theme routes
//! it to), a deadline from receipt that a hand-off does not move, and a visible trail.

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
}
