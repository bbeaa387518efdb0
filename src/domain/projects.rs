//! Projects: from a neighbourhood idea to a running, co-financed, connected project. The status
//! machine of the programme lives here, as data: who may move a project from where to where.

use chrono::NaiveDate;

use super::Rejection;
use super::partners::one_of;

/// The six societal effects a project can contribute to.
pub const EFFECTS: [&str; 6] = [
    "social_cohesion",
    "positive_image",
    "access_to_services",
    "safety",
    "employment",
    "ownership",
];
pub const FUNDING_SOURCES: [&str; 6] = [
    "programme",
    "department",
    "partner",
    "national",
    "fund",
    "other",
];
pub const FUNDING_STATUSES: [&str; 3] = ["requested", "committed", "received"];
pub const PARTNER_ROLES: [&str; 4] = ["lead", "executor", "co_financier", "adviser"];
pub const LINK_KINDS: [&str; 4] = ["builds_on", "complements", "same_target_group", "follow_up"];

pub fn effect(value: &str) -> Result<String, Rejection> {
    one_of(value, &EFFECTS)
}

/// A calendar date, `YYYY-MM-DD`, kept as the text it was given.
pub fn date(value: &str) -> Result<String, Rejection> {
    calendar_date(value).map(|_| value.to_owned())
}

/// A calendar date, `YYYY-MM-DD` exactly (no other spelling of the same day).
pub fn calendar_date(value: &str) -> Result<NaiveDate, Rejection> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == value)
        .ok_or_else(|| Rejection::new("invalid_date", "must be a date like 2027-03-01"))
}

/// The states of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Draft,
    Submitted,
    InDialogue,
    UnderAssessment,
    Approved,
    Rejected,
    Running,
    Completed,
    Stopped,
    Evaluated,
}

pub const STATUSES: [&str; 10] = [
    "draft",
    "submitted",
    "in_dialogue",
    "under_assessment",
    "approved",
    "rejected",
    "running",
    "completed",
    "stopped",
    "evaluated",
];

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::InDialogue => "in_dialogue",
            Self::UnderAssessment => "under_assessment",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Stopped => "stopped",
            Self::Evaluated => "evaluated",
        }
    }

    pub fn parse(value: &str) -> Result<Self, Rejection> {
        Ok(match value {
            "draft" => Self::Draft,
            "submitted" => Self::Submitted,
            "in_dialogue" => Self::InDialogue,
            "under_assessment" => Self::UnderAssessment,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "running" => Self::Running,
            "completed" => Self::Completed,
            "stopped" => Self::Stopped,
            "evaluated" => Self::Evaluated,
            _ => {
                return Err(Rejection::new(
                    "not_allowed",
                    format!("must be one of {}", STATUSES.join(", ")),
                ));
            }
        })
    }
}

/// Who may make a transition (besides the programme bureau, who may make every one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mover {
    /// Only the programme bureau.
    Bureau,
    /// The programme bureau or the initiator's scope: the stadsdeel of the project's district,
    /// or the initiating partner.
    BureauOrInitiator,
    /// The programme bureau or the stadsdeel of the project's district.
    BureauOrDistrict,
}

/// A transition the status machine allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub mover: Mover,
    pub reason_required: bool,
}

/// The status machine of DESIGN §3: `None` when `from → to` is not a transition.
pub fn transition(from: Status, to: Status) -> Option<Transition> {
    use Status::*;
    let (mover, reason_required) = match (from, to) {
        (Draft, Submitted) => (Mover::BureauOrInitiator, false),
        (Submitted, InDialogue) | (InDialogue, UnderAssessment) => (Mover::Bureau, false),
        (Submitted | InDialogue | UnderAssessment, Draft) => (Mover::Bureau, true),
        (UnderAssessment, Approved) => (Mover::Bureau, false),
        (UnderAssessment, Rejected) => (Mover::Bureau, true),
        (Approved, Running) | (Running, Completed) => (Mover::BureauOrDistrict, false),
        (Running, Stopped) => (Mover::Bureau, true),
        (Completed, Evaluated) => (Mover::Bureau, false),
        _ => return None,
    };
    Some(Transition {
        mover,
        reason_required,
    })
}

/// The co-financing target of the programme: the share of cost from other sources.
pub const COFINANCING_TARGET: f64 = 0.40;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_machine_allows_exactly_the_designed_transitions() {
        let allowed: Vec<(&str, &str)> = STATUSES
            .iter()
            .flat_map(|from| STATUSES.iter().map(move |to| (*from, *to)))
            .filter(|(from, to)| {
                transition(
                    Status::parse(from).unwrap_or(Status::Draft),
                    Status::parse(to).unwrap_or(Status::Draft),
                )
                .is_some()
            })
            .collect();
        assert_eq!(
            allowed,
            [
                ("draft", "submitted"),
                ("submitted", "draft"),
                ("submitted", "in_dialogue"),
                ("in_dialogue", "draft"),
                ("in_dialogue", "under_assessment"),
                ("under_assessment", "draft"),
                ("under_assessment", "approved"),
                ("under_assessment", "rejected"),
                ("approved", "running"),
                ("running", "completed"),
                ("running", "stopped"),
                ("completed", "evaluated"),
            ]
        );
    }

    #[test]
    fn dates_are_calendar_dates() {
        assert!(date("2027-03-01").is_ok());
        for bad in ["2027-02-30", "2027-3-1", "01-03-2027", ""] {
            assert!(date(bad).is_err(), "{bad}");
        }
    }
}
