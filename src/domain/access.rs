//! The vocabulary of access decisions: what the rules need to know about an object (its
//! *facts*) and the reading scopes a principal can have. The decisions themselves — which
//! principal gets which scope, who may change what — are made in `authz/` only; this module
//! holds the data so that `db/` can turn a scope into a query filter without knowing roles.

use super::principal::{Principal, Role, RoleKind};
use super::projects::Status;

/// What the rules need to know about a project.
#[derive(Debug, Clone)]
pub struct ProjectFacts {
    pub id: String,
    pub status: Status,
    pub district_id: String,
    pub initiator_partner_id: Option<String>,
    /// The partners that take part in it (project partners).
    pub partner_ids: Vec<String>,
}

impl ProjectFacts {
    pub fn initiated_by(&self, partner_id: &str) -> bool {
        self.initiator_partner_id.as_deref() == Some(partner_id)
    }
}

/// What the rules need to know about an assessment.
#[derive(Debug, Clone)]
pub struct AssessmentFacts {
    pub programme: bool,
    pub department_id: Option<String>,
    pub is_final: bool,
}

/// What the rules need to know about a signal.
#[derive(Debug, Clone)]
pub struct SignalFacts {
    pub id: String,
    pub district_id: String,
    pub assigned_department_id: String,
    /// Every department it was ever assigned to, the current one included.
    pub departments: Vec<String>,
    pub reported_by_partner_id: Option<String>,
}

/// Which projects a principal may read. `db::projects` turns it into the list query's filter;
/// [`ProjectScope::admits`] is the same rule for one project in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectScope {
    /// Every project.
    All,
    /// Every project past draft, and the drafts of one district.
    PastDraftAndDraftsOf { district_id: String },
    /// Every project past draft.
    PastDraft,
    /// The projects a partner initiated or takes part in.
    InvolvingPartner { partner_id: String },
}

impl ProjectScope {
    pub fn admits(&self, project: &ProjectFacts) -> bool {
        match self {
            Self::All => true,
            Self::PastDraftAndDraftsOf { district_id } => {
                project.status != Status::Draft || &project.district_id == district_id
            }
            Self::PastDraft => project.status != Status::Draft,
            Self::InvolvingPartner { partner_id } => {
                project.initiated_by(partner_id)
                    || project.partner_ids.iter().any(|p| p == partner_id)
            }
        }
    }
}

/// Whose final programme assessment — and so whose outcome (`eligible`, `assessmentId`, the
/// `?eligible=` filter) — a principal may see, on a project it may read. `db::projects` turns
/// it into the filter that goes with `?eligible=`; [`OutcomeScope::admits`] is the same rule in
/// memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeScope {
    /// Every project's.
    All,
    /// Those of the projects a department is involved in: it co-finances them or advised.
    InvolvingDepartment { department_id: String },
    /// Those of one district's projects, once decided.
    DecidedInDistrict { district_id: String },
    /// Those of the projects a partner initiated, once decided.
    DecidedInitiatedBy { partner_id: String },
}

impl OutcomeScope {
    /// `involved`: whether the principal's department co-finances or advised the project
    /// (only asked of [`OutcomeScope::InvolvingDepartment`]).
    pub fn admits(&self, project: &ProjectFacts, involved: bool) -> bool {
        match self {
            Self::All => true,
            Self::InvolvingDepartment { .. } => involved,
            Self::DecidedInDistrict { district_id } => {
                project.status.is_decided() && &project.district_id == district_id
            }
            Self::DecidedInitiatedBy { partner_id } => {
                project.status.is_decided() && project.initiated_by(partner_id)
            }
        }
    }

    /// The department whose involvement the scope asks about, if any.
    pub fn department(&self) -> Option<&str> {
        match self {
            Self::InvolvingDepartment { department_id } => Some(department_id),
            Self::All | Self::DecidedInDistrict { .. } | Self::DecidedInitiatedBy { .. } => None,
        }
    }
}

/// Which signals a principal may read. `db::signals` turns it into the list query's filter;
/// [`SignalScope::admits`] is the same rule for one signal in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignalScope {
    /// Every signal.
    All,
    /// The signals of one district's neighbourhoods.
    District { district_id: String },
    /// The signals assigned to one department now or before.
    AssignedEver { department_id: String },
    /// The signals one partner reported.
    ReportedBy { partner_id: String },
}

impl SignalScope {
    pub fn admits(&self, signal: &SignalFacts) -> bool {
        match self {
            Self::All => true,
            Self::District { district_id } => &signal.district_id == district_id,
            Self::AssignedEver { department_id } => {
                signal.departments.iter().any(|d| d == department_id)
            }
            Self::ReportedBy { partner_id } => {
                signal.reported_by_partner_id.as_deref() == Some(partner_id.as_str())
            }
        }
    }
}

/// What the rules need to know about a policy issue: its owner, whether it left draft, and
/// where its signals come from and who reported them.
#[derive(Debug, Clone)]
pub struct PolicyIssueFacts {
    pub id: String,
    pub department_id: String,
    /// Raised, responded or closed.
    pub past_draft: bool,
    /// The districts of its signals.
    pub district_ids: Vec<String>,
    /// The partners that reported its signals.
    pub partner_ids: Vec<String>,
}

/// Which policy issues a principal may read. `db::policy_issues` turns it into the list
/// query's filter; [`PolicyIssueScope::admits`] is the same rule for one issue in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyIssueScope {
    /// Every issue, drafts included.
    All,
    /// The issues a department owns, once raised.
    OwnedBy { department_id: String },
    /// The issues holding a signal of the district, once raised.
    TouchingDistrict { district_id: String },
    /// The issues holding a signal the partner reported, once raised.
    HoldingSignalsOf { partner_id: String },
}

impl PolicyIssueScope {
    pub fn admits(&self, issue: &PolicyIssueFacts) -> bool {
        match self {
            Self::All => true,
            Self::OwnedBy { department_id } => {
                issue.past_draft && &issue.department_id == department_id
            }
            Self::TouchingDistrict { district_id } => {
                issue.past_draft && issue.district_ids.iter().any(|d| d == district_id)
            }
            Self::HoldingSignalsOf { partner_id } => {
                issue.past_draft && issue.partner_ids.iter().any(|p| p == partner_id)
            }
        }
    }
}

/// What the rules need to know about an advice request: the department asked and the project
/// it is about.
#[derive(Debug, Clone)]
pub struct AdviceRequestFacts {
    pub id: String,
    pub department_id: String,
    pub project: ProjectFacts,
}

/// Which advice requests a principal may read (DESIGN §16). `db::advice_requests` turns it
/// into the list query's filter; [`AdviceRequestScope::admits`] is the same rule in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdviceRequestScope {
    /// Every request.
    All,
    /// The requests to one department.
    ToDepartment { department_id: String },
    /// The requests about one district's projects.
    AboutDistrict { district_id: String },
    /// The requests about the projects a partner initiated or takes part in.
    AboutProjectsOf { partner_id: String },
}

impl AdviceRequestScope {
    pub fn admits(&self, request: &AdviceRequestFacts) -> bool {
        match self {
            Self::All => true,
            Self::ToDepartment { department_id } => &request.department_id == department_id,
            Self::AboutDistrict { district_id } => &request.project.district_id == district_id,
            Self::AboutProjectsOf { partner_id } => ProjectScope::InvolvingPartner {
                partner_id: partner_id.clone(),
            }
            .admits(&request.project),
        }
    }
}

/// Whose a subscription is: the principal that created it, as role, scope and subject (DESIGN
/// §10). The worker rebuilds that principal from it to decide, at delivery time, what the
/// subscription may carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionOwner {
    pub sub: String,
    /// The role claim value (`vakdienst`).
    pub role: String,
    /// The role's scope claim value (`ocw`), if the role has one.
    pub scope: Option<String>,
    pub name: Option<String>,
}

impl SubscriptionOwner {
    pub fn of(principal: &Principal) -> Self {
        Self {
            sub: principal.subject.clone(),
            role: principal.role.kind().as_str().to_owned(),
            scope: principal.role.scope().map(str::to_owned),
            name: principal.name.clone(),
        }
    }

    /// The owner as a principal again; `None` when the stored role is not one this version
    /// knows (such a subscription carries nothing).
    pub fn principal(&self) -> Option<Principal> {
        let kind = RoleKind::parse(&self.role)?;
        Some(Principal {
            subject: self.sub.clone(),
            name: self.name.clone(),
            client_id: None,
            role: Role::with_scope(kind, self.scope.clone())?,
        })
    }

    /// Whether `principal` is this owner (same subject, role and scope).
    pub fn is(&self, principal: &Principal) -> bool {
        self.sub == principal.subject
            && self.role == principal.role.kind().as_str()
            && self.scope.as_deref() == principal.role.scope()
    }
}

/// Which subscriptions a principal sees and manages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionScope {
    All,
    OwnedBy(SubscriptionOwner),
}

impl SubscriptionScope {
    pub fn admits(&self, owner: &SubscriptionOwner) -> bool {
        match self {
            Self::All => true,
            Self::OwnedBy(me) => {
                me.sub == owner.sub && me.role == owner.role && me.scope == owner.scope
            }
        }
    }
}
