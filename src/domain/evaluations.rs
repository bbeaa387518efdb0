//! A project's evaluation (DESIGN §13): what was learned, what worked and what did not, who
//! carries it on, and the voices of the people who did it — quotes with consent, never names.

use super::Rejection;
use super::partners::one_of;
use super::projects::Status;

pub const CONTINUATIONS: [&str; 4] = [
    "continued_by_partner",
    "continued_by_department",
    "follow_up_project",
    "ended",
];
pub const SPEAKER_ROLES: [&str; 4] = ["resident", "volunteer", "partner_staff", "professional"];
/// The most voices one evaluation holds.
pub const MAX_VOICES: usize = 20;

pub fn continuation(value: &str) -> Result<String, Rejection> {
    one_of(value, &CONTINUATIONS)
}

pub fn speaker_role(value: &str) -> Result<String, Rejection> {
    one_of(value, &SPEAKER_ROLES)
}

/// A voice may be quoted only with the speaker's consent.
pub fn consent(given: bool) -> Result<bool, Rejection> {
    if given {
        Ok(true)
    } else {
        Err(Rejection::new(
            "consent_required",
            "must be true: a voice is quoted only with the speaker's consent",
        ))
    }
}

/// Whether a project in `status` may be evaluated: from `running` on.
pub fn evaluable(status: Status) -> bool {
    match status {
        Status::Running | Status::Completed | Status::Stopped | Status::Evaluated => true,
        Status::Draft
        | Status::Submitted
        | Status::InDialogue
        | Status::UnderAssessment
        | Status::Approved
        | Status::Rejected => false,
    }
}

/// Whether entering `to` needs an evaluation: stopping (what can we learn from it?) and
/// closing the cycle as evaluated.
pub fn needs_evaluation(to: Status) -> bool {
    match to {
        Status::Stopped | Status::Evaluated => true,
        Status::Draft
        | Status::Submitted
        | Status::InDialogue
        | Status::UnderAssessment
        | Status::Approved
        | Status::Rejected
        | Status::Running
        | Status::Completed => false,
    }
}

/// Whether a continuation names a follow-up project (which must then be given).
pub fn names_follow_up(continuation: &str) -> bool {
    continuation == "follow_up_project"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_voice_needs_consent_and_evaluation_opens_at_running() {
        assert!(consent(true).is_ok());
        assert_eq!(consent(false).map_err(|r| r.code), Err("consent_required"));
        assert!(evaluable(Status::Running) && evaluable(Status::Evaluated));
        assert!(!evaluable(Status::Approved));
        assert!(needs_evaluation(Status::Stopped) && needs_evaluation(Status::Evaluated));
        assert!(!needs_evaluation(Status::Completed));
    }
}
