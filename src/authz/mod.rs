//! Object rules: may this principal read or change this particular object? Pure functions over
//! the principal and the facts of the object, matching every role with no catch-all arm, so a
//! new role does not compile until every rule has decided about it.
//!
//! Outside what a principal may read is a 404 (no existence leak); readable but not writable is
//! a 403. Route policies (which roles may call a route at all) live in `auth/`.

pub mod operations;
#[cfg(test)]
#[allow(
    clippy::panic,
    reason = "a failed expectation in a test is the test failing"
)]
mod tests;

pub use crate::domain::access::{
    AssessmentFacts, OutcomeScope, PolicyIssueFacts, PolicyIssueScope, ProjectFacts, ProjectScope,
    SignalFacts, SignalScope, SubscriptionOwner, SubscriptionScope,
};
use crate::domain::principal::{Principal, Role};
use crate::domain::projects::{Mover, Status};
use crate::error::ApiError;
pub use operations::{Access, Callers, Guarded, OPERATIONS, Operation, ops};

/// Reading: the bureau and administration all; stadsdeel all past draft and its district's
/// drafts; vakdienst all past draft; a partner the projects it initiated or takes part in.
pub fn project_scope(principal: &Principal) -> ProjectScope {
    match &principal.role {
        Role::Programmabureau | Role::Admin => ProjectScope::All,
        Role::Stadsdeel { district_id } => ProjectScope::PastDraftAndDraftsOf {
            district_id: district_id.clone(),
        },
        Role::Vakdienst { .. } => ProjectScope::PastDraft,
        Role::Partner { partner_id } => ProjectScope::InvolvingPartner {
            partner_id: partner_id.clone(),
        },
    }
}

/// Whether the principal may read this project: [`project_scope`] applied to it.
pub fn can_read_project(principal: &Principal, project: &ProjectFacts) -> bool {
    project_scope(principal).admits(project)
}

/// Editing fields, goals, notes, project partners and links: the bureau; the stadsdeel of the
/// district; the initiating partner while the project is a draft.
pub fn can_edit_project(principal: &Principal, project: &ProjectFacts) -> bool {
    match &principal.role {
        Role::Programmabureau => true,
        Role::Stadsdeel { district_id } => &project.district_id == district_id,
        Role::Partner { partner_id } => {
            project.status == Status::Draft && project.initiated_by(partner_id)
        }
        Role::Vakdienst { .. } | Role::Admin => false,
    }
}

/// Funding lines: the bureau; the stadsdeel of the district; a vakdienst for lines of its own
/// department on projects past draft.
pub fn can_fund_project(
    principal: &Principal,
    project: &ProjectFacts,
    source: Option<(&str, Option<&str>)>,
) -> bool {
    match &principal.role {
        Role::Programmabureau => true,
        Role::Stadsdeel { district_id } => &project.district_id == district_id,
        Role::Vakdienst { department_id } => {
            project.status != Status::Draft
                && source.is_none_or(|(kind, id)| {
                    kind == "department" && id == Some(department_id.as_str())
                })
        }
        Role::Partner { .. } | Role::Admin => false,
    }
}

/// Adding or changing a funding line whose source is (before and after the change) each of
/// `sources`: the bureau and the district's stadsdeel any line; a vakdienst only lines of its
/// own department, on projects past draft.
pub fn can_change_funding_line(
    principal: &Principal,
    project: &ProjectFacts,
    sources: &[(&str, Option<&str>)],
) -> bool {
    can_fund_project(principal, project, None)
        && sources
            .iter()
            .all(|source| can_fund_project(principal, project, Some(*source)))
}

/// Moving a project along the status machine.
pub fn can_move_project(principal: &Principal, project: &ProjectFacts, mover: Mover) -> bool {
    match &principal.role {
        Role::Programmabureau => true,
        Role::Stadsdeel { district_id } => match mover {
            Mover::BureauOrInitiator | Mover::BureauOrDistrict => {
                &project.district_id == district_id
            }
            Mover::Bureau => false,
        },
        Role::Partner { partner_id } => match mover {
            Mover::BureauOrInitiator => project.initiated_by(partner_id),
            Mover::Bureau | Mover::BureauOrDistrict => false,
        },
        Role::Vakdienst { .. } | Role::Admin => false,
    }
}

/// Creating a project: the bureau; a stadsdeel in its own district; a partner as initiator.
pub fn can_create_project(principal: &Principal, district_id: &str) -> bool {
    match &principal.role {
        Role::Programmabureau => true,
        Role::Stadsdeel { district_id: own } => own == district_id,
        Role::Partner { .. } => true,
        Role::Vakdienst { .. } | Role::Admin => false,
    }
}

/// Updating a partner record: the bureau, administration, a stadsdeel; a partner its own.
pub fn can_update_partner(principal: &Principal, partner_id: &str) -> bool {
    match &principal.role {
        Role::Programmabureau | Role::Admin | Role::Stadsdeel { .. } => true,
        Role::Partner { partner_id: own } => own == partner_id,
        Role::Vakdienst { .. } => false,
    }
}

/// Setting or changing a partner's identity (DESIGN §12): its `kvkNumber`, which a claim map
/// may name it by, and `active`, which decides whether its tokens are honoured. The bureau and
/// administration only; a partner or stadsdeel that could would act as, or lock out, another
/// organisation.
pub fn can_set_partner_identity(principal: &Principal) -> bool {
    match &principal.role {
        Role::Programmabureau | Role::Admin => true,
        Role::Stadsdeel { .. } | Role::Vakdienst { .. } | Role::Partner { .. } => false,
    }
}

/// 404 when the principal may not even read the project, 403 when it may read but not do this.
pub fn require(
    principal: &Principal,
    project: &ProjectFacts,
    allowed: bool,
    what: &str,
) -> Result<(), ApiError> {
    refuse(
        principal,
        can_read_project(principal, project),
        allowed,
        ("project", &project.id),
        what,
    )
}

/// 404 for an object the principal may not read (no existence leak), 403 for one it may read
/// but not do `what` on; `object` is its kind and id.
fn refuse(
    principal: &Principal,
    readable: bool,
    allowed: bool,
    object: (&str, &str),
    what: &str,
) -> Result<(), ApiError> {
    let (kind, id) = object;
    if !readable {
        return Err(ApiError::NotFound(format!("There is no {kind} '{id}'.")));
    }
    if !allowed {
        return Err(ApiError::Forbidden(format!(
            "The role '{}' may not {what} on this {kind}.",
            principal.role.kind().as_str()
        )));
    }
    Ok(())
}

/// Whose outcome (the final programme assessment) the principal may see: the bureau and
/// administration all; a vakdienst where it co-finances or advised; the district's stadsdeel and
/// the initiating partner once the project is decided.
pub fn outcome_scope(principal: &Principal) -> OutcomeScope {
    match &principal.role {
        Role::Programmabureau | Role::Admin => OutcomeScope::All,
        Role::Vakdienst { department_id } => OutcomeScope::InvolvingDepartment {
            department_id: department_id.clone(),
        },
        Role::Stadsdeel { district_id } => OutcomeScope::DecidedInDistrict {
            district_id: district_id.clone(),
        },
        Role::Partner { partner_id } => OutcomeScope::DecidedInitiatedBy {
            partner_id: partner_id.clone(),
        },
    }
}

/// Reading an assessment (on a project the principal may read): the final programme one per
/// [`outcome_scope`]; besides, the bureau and administration every other one, and a vakdienst
/// its own advisory ones. `involved`: the vakdienst co-finances or advised the project.
pub fn can_read_assessment(
    principal: &Principal,
    project: &ProjectFacts,
    assessment: &AssessmentFacts,
    involved: bool,
) -> bool {
    if assessment.programme && assessment.is_final {
        return outcome_scope(principal).admits(project, involved);
    }
    match &principal.role {
        Role::Programmabureau | Role::Admin => true,
        Role::Vakdienst { department_id } => {
            !assessment.programme
                && assessment.department_id.as_deref() == Some(department_id.as_str())
        }
        Role::Stadsdeel { .. } | Role::Partner { .. } => false,
    }
}

/// Writing an assessment: a programme one by the bureau; an advisory one by a vakdienst (its
/// own department's), on a project past draft.
pub fn can_write_assessment(
    principal: &Principal,
    project: &ProjectFacts,
    assessment: &AssessmentFacts,
) -> bool {
    match &principal.role {
        Role::Programmabureau => assessment.programme,
        Role::Vakdienst { department_id } => {
            !assessment.programme
                && project.status != Status::Draft
                && assessment.department_id.as_deref() == Some(department_id.as_str())
        }
        Role::Stadsdeel { .. } | Role::Partner { .. } | Role::Admin => false,
    }
}

/// Reading a signal: the bureau and administration all; a stadsdeel its district's; a vakdienst
/// those assigned to it now or before; a partner those it reported.
pub fn signal_scope(principal: &Principal) -> SignalScope {
    match &principal.role {
        Role::Programmabureau | Role::Admin => SignalScope::All,
        Role::Stadsdeel { district_id } => SignalScope::District {
            district_id: district_id.clone(),
        },
        Role::Vakdienst { department_id } => SignalScope::AssignedEver {
            department_id: department_id.clone(),
        },
        Role::Partner { partner_id } => SignalScope::ReportedBy {
            partner_id: partner_id.clone(),
        },
    }
}

/// Whether the principal may read this signal: [`signal_scope`] applied to it.
pub fn can_read_signal(principal: &Principal, signal: &SignalFacts) -> bool {
    signal_scope(principal).admits(signal)
}

/// Seeing the reporter's personal data: the bureau and the department assigned now.
pub fn can_see_reporter(principal: &Principal, signal: &SignalFacts) -> bool {
    match &principal.role {
        Role::Programmabureau => true,
        Role::Vakdienst { department_id } => &signal.assigned_department_id == department_id,
        Role::Stadsdeel { .. } | Role::Partner { .. } | Role::Admin => false,
    }
}

/// Seeing a signal's tracking code after its creation (DESIGN §15): the reporting partner and
/// the roles that may see the reporter. (Its creator gets it in the response that creates it.)
pub fn can_see_tracking_code(principal: &Principal, signal: &SignalFacts) -> bool {
    match &principal.role {
        Role::Partner { partner_id } => {
            signal.reported_by_partner_id.as_deref() == Some(partner_id.as_str())
        }
        Role::Programmabureau | Role::Vakdienst { .. } => can_see_reporter(principal, signal),
        Role::Stadsdeel { .. } | Role::Admin => false,
    }
}

/// Moving a signal along its status machine and handing it off: the bureau and the department
/// assigned now.
pub fn can_handle_signal(principal: &Principal, signal: &SignalFacts) -> bool {
    match &principal.role {
        Role::Programmabureau => true,
        Role::Vakdienst { department_id } => &signal.assigned_department_id == department_id,
        Role::Stadsdeel { .. } | Role::Partner { .. } | Role::Admin => false,
    }
}

/// Linking a signal to projects: the bureau, the district's stadsdeel, the department assigned now.
pub fn can_link_signal(principal: &Principal, signal: &SignalFacts) -> bool {
    match &principal.role {
        Role::Programmabureau => true,
        Role::Stadsdeel { district_id } => &signal.district_id == district_id,
        Role::Vakdienst { department_id } => &signal.assigned_department_id == department_id,
        Role::Partner { .. } | Role::Admin => false,
    }
}

/// Reporting a signal: the bureau, a vakdienst and a partner anywhere; a stadsdeel in its own
/// district's neighbourhoods.
pub fn can_report_signal(principal: &Principal, district_id: &str) -> bool {
    match &principal.role {
        Role::Programmabureau | Role::Vakdienst { .. } | Role::Partner { .. } => true,
        Role::Stadsdeel { district_id: own } => own == district_id,
        Role::Admin => false,
    }
}

/// 404 when the principal may not read the signal, 403 when it may read but not do this.
pub fn require_signal(
    principal: &Principal,
    signal: &SignalFacts,
    allowed: bool,
    what: &str,
) -> Result<(), ApiError> {
    refuse(
        principal,
        can_read_signal(principal, signal),
        allowed,
        ("signal", &signal.id),
        what,
    )
}

/// Reading policy issues (DESIGN §13): the bureau and administration all, drafts included;
/// once raised, the owning vakdienst its own, a stadsdeel those holding a signal of its
/// district, a partner those holding a signal it reported.
pub fn policy_issue_scope(principal: &Principal) -> PolicyIssueScope {
    match &principal.role {
        Role::Programmabureau | Role::Admin => PolicyIssueScope::All,
        Role::Vakdienst { department_id } => PolicyIssueScope::OwnedBy {
            department_id: department_id.clone(),
        },
        Role::Stadsdeel { district_id } => PolicyIssueScope::TouchingDistrict {
            district_id: district_id.clone(),
        },
        Role::Partner { partner_id } => PolicyIssueScope::HoldingSignalsOf {
            partner_id: partner_id.clone(),
        },
    }
}

/// Creating, editing and moving policy issues: the programme bureau, which bundles and raises.
pub fn can_steer_policy_issue(principal: &Principal) -> bool {
    match &principal.role {
        Role::Programmabureau => true,
        Role::Stadsdeel { .. } | Role::Vakdienst { .. } | Role::Partner { .. } | Role::Admin => {
            false
        }
    }
}

/// Responding to a policy issue: the department that owns it.
pub fn can_respond_to_policy_issue(principal: &Principal, issue: &PolicyIssueFacts) -> bool {
    match &principal.role {
        Role::Vakdienst { department_id } => &issue.department_id == department_id,
        Role::Programmabureau | Role::Stadsdeel { .. } | Role::Partner { .. } | Role::Admin => {
            false
        }
    }
}

/// 404 when the principal may not read the policy issue, 403 when it may read but not do this.
pub fn require_policy_issue(
    principal: &Principal,
    issue: &PolicyIssueFacts,
    allowed: bool,
    what: &str,
) -> Result<(), ApiError> {
    refuse(
        principal,
        policy_issue_scope(principal).admits(issue),
        allowed,
        ("policy issue", &issue.id),
        what,
    )
}

/// Writing a project's evaluation: the bureau and the stadsdeel of the project's district.
pub fn can_evaluate_project(principal: &Principal, project: &ProjectFacts) -> bool {
    match &principal.role {
        Role::Programmabureau => true,
        Role::Stadsdeel { district_id } => &project.district_id == district_id,
        Role::Vakdienst { .. } | Role::Partner { .. } | Role::Admin => false,
    }
}

/// The partner a new project is initiated by: a partner creates projects only as their
/// initiator (its own id, or none given); the other roles may name any partner or none.
pub fn initiator_of_new_project(
    principal: &Principal,
    given: Option<String>,
) -> Result<Option<String>, ApiError> {
    match &principal.role {
        Role::Partner { partner_id } => match given {
            Some(given) if &given != partner_id => Err(ApiError::Forbidden(
                "A partner creates projects only as their initiator.".to_owned(),
            )),
            Some(_) | None => Ok(Some(partner_id.clone())),
        },
        Role::Programmabureau | Role::Stadsdeel { .. } | Role::Vakdienst { .. } | Role::Admin => {
            Ok(given)
        }
    }
}

/// The partner record the principal acts for, if it is a partner. A write by a partner needs
/// that record to exist (a token for an unregistered partner reads nothing and writes nothing),
/// and a token for an archived one is refused outright (`auth::jwt`).
pub fn acting_partner(principal: &Principal) -> Option<&str> {
    match &principal.role {
        Role::Partner { partner_id } => Some(partner_id),
        Role::Programmabureau | Role::Stadsdeel { .. } | Role::Vakdienst { .. } | Role::Admin => {
            None
        }
    }
}

/// Changing (or clearing) a project's initiating partner: everyone who may edit the project
/// but a partner, who would hand its draft away or lose it.
pub fn can_change_initiator(principal: &Principal) -> bool {
    match &principal.role {
        Role::Programmabureau | Role::Stadsdeel { .. } | Role::Vakdienst { .. } | Role::Admin => {
            true
        }
        Role::Partner { .. } => false,
    }
}

/// Moving a project to another district: a stadsdeel only within its own.
pub fn can_move_project_to_district(principal: &Principal, district_id: &str) -> bool {
    match &principal.role {
        Role::Stadsdeel { district_id: own } => own == district_id,
        Role::Programmabureau | Role::Vakdienst { .. } | Role::Partner { .. } | Role::Admin => true,
    }
}

/// The department an assessment by this principal is made for: a vakdienst's own (advisory);
/// none for the others.
pub fn assessing_department(principal: &Principal) -> Option<&str> {
    match &principal.role {
        Role::Vakdienst { department_id } => Some(department_id),
        Role::Programmabureau | Role::Stadsdeel { .. } | Role::Partner { .. } | Role::Admin => None,
    }
}

/// The district the progress report covers: a stadsdeel its own (asking for another is a
/// 403); the other roles the one asked for, or the whole city.
pub fn report_district(
    principal: &Principal,
    asked: Option<String>,
) -> Result<Option<String>, ApiError> {
    match &principal.role {
        Role::Stadsdeel { district_id: own } => match asked {
            Some(asked) if &asked != own => Err(ApiError::Forbidden(format!(
                "A stadsdeel sees the report of its own district ('{own}') only."
            ))),
            Some(_) | None => Ok(Some(own.clone())),
        },
        Role::Programmabureau | Role::Vakdienst { .. } | Role::Partner { .. } | Role::Admin => {
            Ok(asked)
        }
    }
}

/// Whose webhook subscriptions a principal sees and manages (DESIGN §10): administration all;
/// every other role its own only, the programme bureau included (a subscription carries what its
/// owner may read, and its callback is the owner's business).
pub fn subscription_scope(principal: &Principal) -> SubscriptionScope {
    match &principal.role {
        Role::Admin => SubscriptionScope::All,
        Role::Programmabureau
        | Role::Stadsdeel { .. }
        | Role::Vakdienst { .. }
        | Role::Partner { .. } => SubscriptionScope::OwnedBy(SubscriptionOwner::of(principal)),
    }
}

/// 404 unless the principal may see the subscription (someone else's does not exist for it).
pub fn require_subscription(
    principal: &Principal,
    id: &str,
    owner: &SubscriptionOwner,
) -> Result<(), ApiError> {
    if subscription_scope(principal).admits(owner) {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "There is no subscription '{id}'."
        )))
    }
}
