//! The worklist (DESIGN §16): every answer the city owes, derived from the live state of the
//! resources that hold it, so an item leaves in the very transaction that settles it. The
//! kinds, the two sides of an obligation, and which items of a kind a caller is party to.

use super::Rejection;
use super::access::SubscriptionOwner;
use super::principal::{Principal, RoleKind};

/// What is owed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A submitted idea awaiting the bureau's first answer.
    IdeaAnswer,
    /// An open advice request.
    Advice,
    /// A project under assessment with a final programme assessment and no decision yet.
    Decision,
    /// An open signal.
    SignalAnswer,
    /// A raised policy issue.
    PolicyResponse,
    /// A completed or stopped project without an evaluation.
    Evaluation,
    /// A dead-lettered delivery of one's own subscription.
    Delivery,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Self::IdeaAnswer,
        Self::Advice,
        Self::Decision,
        Self::SignalAnswer,
        Self::PolicyResponse,
        Self::Evaluation,
        Self::Delivery,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdeaAnswer => "idea_answer",
            Self::Advice => "advice",
            Self::Decision => "decision",
            Self::SignalAnswer => "signal_answer",
            Self::PolicyResponse => "policy_response",
            Self::Evaluation => "evaluation",
            Self::Delivery => "delivery",
        }
    }

    pub fn parse(value: &str) -> Result<Self, Rejection> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
                Rejection::new(
                    "invalid_value",
                    format!("must be one of {}", names.join(", ")),
                )
            })
    }

    /// The resource an item of this kind is about.
    pub fn resource_type(self) -> &'static str {
        match self {
            Self::IdeaAnswer | Self::Decision | Self::Evaluation => "project",
            Self::Advice => "advice_request",
            Self::SignalAnswer => "signal",
            Self::PolicyResponse => "policy_issue",
            Self::Delivery => "delivery",
        }
    }
}

/// Which side of an obligation: what the caller must do, or what others owe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Owe,
    Owed,
}

impl Side {
    pub fn parse(value: &str) -> Result<Self, Rejection> {
        match value {
            "owe" => Ok(Self::Owe),
            "owed" => Ok(Self::Owed),
            _ => Err(Rejection::new("invalid_value", "must be one of owe, owed")),
        }
    }
}

/// The items of one kind a caller is party to (on one side), as data `db::worklist` turns
/// into a query filter; which party a principal is, is `authz::worklist_party`'s decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    /// Every item of the kind (the programme bureau's obligations, or those owed to it).
    Everyone,
    /// The items of one district's projects or signals.
    District(String),
    /// The items owed by or to one department.
    Department(String),
    /// The items of the projects a partner initiated or the signals it reported.
    Partner(String),
    /// The dead deliveries of one owner's subscriptions.
    Subscriber(SubscriptionOwner),
}

/// One side of an obligation: a role, and its district, department or partner where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counterpart {
    pub role: RoleKind,
    pub id: Option<String>,
}

impl Counterpart {
    fn bureau() -> Self {
        Self {
            role: RoleKind::Programmabureau,
            id: None,
        }
    }

    fn of(role: RoleKind, id: Option<&str>) -> Option<Self> {
        id.map(|id| Self {
            role,
            id: Some(id.to_owned()),
        })
    }
}

/// What an item's resource says about who is involved.
#[derive(Debug, Clone, Copy, Default)]
pub struct Involved<'a> {
    pub district_id: Option<&'a str>,
    pub department_id: Option<&'a str>,
    pub partner_id: Option<&'a str>,
}

/// Who owes an item and to whom (DESIGN §16): the bureau answers ideas, decides and evaluates
/// (the district's stadsdeel evaluates with it); the department answers signals, advice
/// requests and policy issues; a dead delivery is its subscriber's, `caller`.
pub fn counterparts(
    kind: Kind,
    involved: Involved<'_>,
    caller: &Principal,
) -> (Counterpart, Vec<Counterpart>) {
    let initiators = || {
        [
            Counterpart::of(RoleKind::Stadsdeel, involved.district_id),
            Counterpart::of(RoleKind::Partner, involved.partner_id),
        ]
        .into_iter()
        .flatten()
        .collect()
    };
    let department = || {
        Counterpart::of(RoleKind::Vakdienst, involved.department_id).unwrap_or(Counterpart {
            role: RoleKind::Vakdienst,
            id: None,
        })
    };
    match kind {
        Kind::IdeaAnswer | Kind::Decision => (Counterpart::bureau(), initiators()),
        Kind::Evaluation => (
            Counterpart::bureau(),
            Counterpart::of(RoleKind::Stadsdeel, involved.district_id)
                .into_iter()
                .collect(),
        ),
        Kind::SignalAnswer => (department(), initiators()),
        Kind::Advice | Kind::PolicyResponse => (department(), vec![Counterpart::bureau()]),
        Kind::Delivery => (
            Counterpart {
                role: caller.role.kind(),
                id: caller.role.scope().map(str::to_owned),
            },
            Vec::new(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Ok(kind));
        }
        assert!(Kind::parse("answer").is_err());
        assert_eq!(Side::parse("owed"), Ok(Side::Owed));
    }
}
