//! Projects: from a neighbourhood idea to a running, co-financed, connected project. The status
//! machine of the programme lives here, as data: who may move a project from where to where.

use chrono::{Duration, NaiveDate, NaiveDateTime};

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
    /// Whether the project has been decided (approved or rejected, or later).
    pub fn is_decided(self) -> bool {
        match self {
            Self::Approved
            | Self::Rejected
            | Self::Running
            | Self::Completed
            | Self::Stopped
            | Self::Evaluated => true,
            Self::Draft | Self::Submitted | Self::InDialogue | Self::UnderAssessment => false,
        }
    }

    /// Every decided status, as stored.
    pub fn decided() -> Vec<&'static str> {
        STATUSES
            .iter()
            .filter(|s| Self::parse(s).is_ok_and(Self::is_decided))
            .copied()
            .collect()
    }

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

/// [`COFINANCING_TARGET`] as a whole percentage, for the exact comparison in cents.
const COFINANCING_TARGET_PERCENT: i128 = 40;

/// Whether `other_cents` of `total_cents` meets the co-financing target: a ratio of 40 % or
/// more (DESIGN §18), judged on the cents rather than on a rounded ratio. No funding meets
/// nothing. The one comparison for the project, the report's neighbourhoods, its total and
/// its page.
pub fn meets_cofinancing_target(other_cents: i64, total_cents: i64) -> bool {
    total_cents > 0
        && i128::from(other_cents) * 100 >= i128::from(total_cents) * COFINANCING_TARGET_PERCENT
}

pub fn source_type(value: &str) -> Result<String, Rejection> {
    one_of(value, &FUNDING_SOURCES)
}

pub fn funding_status(value: &str) -> Result<String, Rejection> {
    one_of(value, &FUNDING_STATUSES)
}

/// Whether a funding source names a department or partner (`sourceId`), which must exist.
pub fn source_is_named(source_type: &str) -> bool {
    matches!(source_type, "department" | "partner")
}

/// The largest amount of one funding line: ten billion euro, far beyond any project, and small
/// enough that a project's sums cannot overflow.
pub const MAX_AMOUNT_CENTS: i64 = 1_000_000_000_000;

/// The amount of one funding line, in cents: more than 0, at most [`MAX_AMOUNT_CENTS`].
pub fn amount(value: i64) -> Result<i64, Rejection> {
    if (1..=MAX_AMOUNT_CENTS).contains(&value) {
        Ok(value)
    } else {
        Err(Rejection::new(
            "out_of_range",
            format!("must be from 1 to {MAX_AMOUNT_CENTS} cents"),
        ))
    }
}

/// The money of a project, derived from its funding lines.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub total_cents: i64,
    /// Lines with source type `programme`.
    pub programme_cents: i64,
    /// Every other source.
    pub other_cents: i64,
    /// `other / total`; `None` without funding.
    pub cofinancing_ratio: Option<f64>,
    /// Whether the ratio reaches [`COFINANCING_TARGET`] ([`meets_cofinancing_target`]).
    pub meets_cofinancing_target: bool,
}

impl Budget {
    /// The budget of (source type, amount) funding lines.
    pub fn of(funding: &[(String, i64)]) -> Self {
        let total_cents: i64 = funding.iter().map(|(_, amount)| amount).sum();
        let programme_cents: i64 = funding
            .iter()
            .filter(|(source, _)| source == "programme")
            .map(|(_, a)| a)
            .sum();
        let other_cents = total_cents - programme_cents;
        #[expect(
            clippy::cast_precision_loss,
            reason = "a ratio of euro amounts needs no 53-bit precision"
        )]
        let cofinancing_ratio = (total_cents > 0).then(|| other_cents as f64 / total_cents as f64);
        Self {
            total_cents,
            programme_cents,
            other_cents,
            cofinancing_ratio,
            meets_cofinancing_target: meets_cofinancing_target(other_cents, total_cents),
        }
    }
}

/// What must hold before a project enters a status, besides who moves it and a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    Nothing,
    /// `approved`: the latest final programme assessment is eligible.
    EligibleAssessment,
    /// `evaluated`: every goal has its actual value.
    EveryGoalMeasured,
}

pub fn precondition(to: Status) -> Precondition {
    match to {
        Status::Approved => Precondition::EligibleAssessment,
        Status::Evaluated => Precondition::EveryGoalMeasured,
        Status::Draft
        | Status::Submitted
        | Status::InDialogue
        | Status::UnderAssessment
        | Status::Rejected
        | Status::Running
        | Status::Completed
        | Status::Stopped => Precondition::Nothing,
    }
}

/// What the storage found for a [`Precondition`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    Nothing,
    /// Why the project may not be approved (`assessments::approval_refusal`); `None`: it may.
    ApprovalRefusal(Option<Vec<String>>),
    /// The ids of the goals without an actual value.
    GoalsWithoutActual(Vec<String>),
}

/// Why a transition the status machine allows cannot be made now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionRefusal {
    ReasonRequired,
    NotEligible(Vec<String>),
    GoalsWithoutActual(Vec<String>),
}

/// The timestamps a transition sets besides the status (`Some` sets the member, to a value or
/// to null).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stamps {
    pub submitted_at: Option<Option<NaiveDateTime>>,
    pub response_due_at: Option<Option<NaiveDateTime>>,
    pub responded_at: Option<Option<NaiveDateTime>>,
}

/// Settles an allowed transition `from → to`: refuses it when its reason is missing or its
/// precondition fails, and otherwise says what it stamps. Submitting starts the bureau's
/// `response_days` to answer; leaving `submitted` is the answer.
pub fn settle_transition(
    from: Status,
    to: Status,
    rule: Transition,
    reason_given: bool,
    evidence: Evidence,
    now: NaiveDateTime,
    response_days: i64,
) -> Result<Stamps, TransitionRefusal> {
    if rule.reason_required && !reason_given {
        return Err(TransitionRefusal::ReasonRequired);
    }
    match evidence {
        Evidence::ApprovalRefusal(Some(reasons)) => {
            return Err(TransitionRefusal::NotEligible(reasons));
        }
        Evidence::GoalsWithoutActual(ids) if !ids.is_empty() => {
            return Err(TransitionRefusal::GoalsWithoutActual(ids));
        }
        Evidence::Nothing | Evidence::ApprovalRefusal(None) | Evidence::GoalsWithoutActual(_) => {}
    }
    let mut stamps = Stamps::default();
    if to == Status::Submitted {
        stamps.submitted_at = Some(Some(now));
        stamps.response_due_at = Some(Some(now + Duration::days(response_days)));
        stamps.responded_at = Some(None);
    }
    if from == Status::Submitted {
        stamps.responded_at = Some(Some(now));
    }
    Ok(stamps)
}

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

    fn at(day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 3, day)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap_or_default()
    }

    fn settle(
        from: Status,
        to: Status,
        reason: bool,
        evidence: Evidence,
    ) -> Result<Stamps, TransitionRefusal> {
        let rule = transition(from, to).unwrap_or(Transition {
            mover: Mover::Bureau,
            reason_required: false,
        });
        settle_transition(from, to, rule, reason, evidence, at(1), 14)
    }

    #[test]
    fn submitting_starts_the_response_time_and_answering_stamps_it() {
        assert_eq!(
            settle(Status::Draft, Status::Submitted, false, Evidence::Nothing),
            Ok(Stamps {
                submitted_at: Some(Some(at(1))),
                response_due_at: Some(Some(at(15))),
                responded_at: Some(None),
            })
        );
        assert_eq!(
            settle(
                Status::Submitted,
                Status::InDialogue,
                false,
                Evidence::Nothing
            ),
            Ok(Stamps {
                responded_at: Some(Some(at(1))),
                ..Stamps::default()
            })
        );
        assert_eq!(
            settle(Status::Approved, Status::Running, false, Evidence::Nothing),
            Ok(Stamps::default())
        );
    }

    #[test]
    fn a_transition_is_refused_without_its_reason_or_precondition() {
        assert_eq!(
            settle(Status::Running, Status::Stopped, false, Evidence::Nothing),
            Err(TransitionRefusal::ReasonRequired)
        );
        let reasons = vec!["no final programme assessment".to_owned()];
        assert_eq!(
            settle(
                Status::UnderAssessment,
                Status::Approved,
                false,
                Evidence::ApprovalRefusal(Some(reasons.clone()))
            ),
            Err(TransitionRefusal::NotEligible(reasons))
        );
        assert!(
            settle(
                Status::UnderAssessment,
                Status::Approved,
                false,
                Evidence::ApprovalRefusal(None)
            )
            .is_ok()
        );
        assert_eq!(
            settle(
                Status::Completed,
                Status::Evaluated,
                false,
                Evidence::GoalsWithoutActual(vec!["g1".to_owned()])
            ),
            Err(TransitionRefusal::GoalsWithoutActual(vec!["g1".to_owned()]))
        );
        assert_eq!(
            precondition(Status::Approved),
            Precondition::EligibleAssessment
        );
        assert_eq!(
            precondition(Status::Evaluated),
            Precondition::EveryGoalMeasured
        );
        assert_eq!(precondition(Status::Running), Precondition::Nothing);
    }

    #[test]
    fn the_budget_splits_programme_money_from_cofinancing() {
        let budget = Budget::of(&[
            ("programme".to_owned(), 600),
            ("department".to_owned(), 300),
            ("partner".to_owned(), 100),
        ]);
        assert_eq!(
            (
                budget.total_cents,
                budget.programme_cents,
                budget.other_cents
            ),
            (1000, 600, 400)
        );
        assert_eq!(budget.cofinancing_ratio, Some(0.4));
        assert!(
            budget.meets_cofinancing_target,
            "the target is met at exactly 0.40"
        );
        let empty = Budget::of(&[]);
        assert_eq!(empty.cofinancing_ratio, None);
        assert!(!empty.meets_cofinancing_target);
    }

    #[test]
    fn the_cofinancing_target_is_met_at_forty_percent_and_not_below() {
        assert!((COFINANCING_TARGET * 100.0 - 40.0).abs() < f64::EPSILON);
        assert!(meets_cofinancing_target(40, 100));
        assert!(meets_cofinancing_target(41, 100));
        assert!(!meets_cofinancing_target(39_999, 100_000));
        assert!(!meets_cofinancing_target(0, 0));
        assert!(meets_cofinancing_target(
            MAX_AMOUNT_CENTS * 4,
            MAX_AMOUNT_CENTS * 10
        ));
    }

    #[test]
    fn funding_amounts_and_sources_are_checked() {
        assert_eq!(amount(1), Ok(1));
        assert_eq!(amount(MAX_AMOUNT_CENTS), Ok(MAX_AMOUNT_CENTS));
        for bad in [0, -5, MAX_AMOUNT_CENTS + 1] {
            assert_eq!(amount(bad).map_err(|r| r.code), Err("out_of_range"));
        }
        assert!(source_type("fund").is_ok());
        assert!(source_type("bank").is_err());
        assert!(funding_status("committed").is_ok());
        assert!(funding_status("promised").is_err());
        assert!(source_is_named("department") && source_is_named("partner"));
        assert!(!source_is_named("programme"));
    }
}
