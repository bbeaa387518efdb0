//! Object rules: may this principal read or change this particular object? Pure functions over
//! the principal and the facts of the object, matching every role with no catch-all arm, so a
//! new role does not compile until every rule has decided about it.
//!
//! Outside what a principal may read is a 404 (no existence leak); readable but not writable is
//! a 403. Route policies (which roles may call a route at all) live in `auth/`.

use crate::auth::{Principal, Role};
use crate::domain::projects::{Mover, Status};
use crate::error::ApiError;

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
    fn initiated_by(&self, partner_id: &str) -> bool {
        self.initiator_partner_id.as_deref() == Some(partner_id)
    }
}

/// Reading: the bureau and administration all; stadsdeel all past draft and its district's
/// drafts; vakdienst all past draft; a partner the projects it initiated or takes part in.
pub fn can_read_project(principal: &Principal, project: &ProjectFacts) -> bool {
    match &principal.role {
        Role::Programmabureau | Role::Admin => true,
        Role::Stadsdeel { district_id } => {
            project.status != Status::Draft || &project.district_id == district_id
        }
        Role::Vakdienst { .. } => project.status != Status::Draft,
        Role::Partner { partner_id } => {
            project.initiated_by(partner_id) || project.partner_ids.iter().any(|p| p == partner_id)
        }
    }
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

/// 404 when the principal may not even read the project, 403 when it may read but not do this.
pub fn require(
    principal: &Principal,
    project: &ProjectFacts,
    allowed: bool,
    what: &str,
) -> Result<(), ApiError> {
    if !can_read_project(principal, project) {
        return Err(ApiError::NotFound(format!(
            "There is no project '{}'.",
            project.id
        )));
    }
    if !allowed {
        return Err(ApiError::Forbidden(format!(
            "The role '{}' may not {what} on this project.",
            principal.role.kind().as_str()
        )));
    }
    Ok(())
}

/// What the rules need to know about an assessment.
#[derive(Debug, Clone)]
pub struct AssessmentFacts {
    pub programme: bool,
    pub department_id: Option<String>,
    pub is_final: bool,
}

/// Whether the project has been decided (approved or rejected, or later).
fn decided(status: Status) -> bool {
    match status {
        Status::Approved
        | Status::Rejected
        | Status::Running
        | Status::Completed
        | Status::Stopped
        | Status::Evaluated => true,
        Status::Draft | Status::Submitted | Status::InDialogue | Status::UnderAssessment => false,
    }
}

/// Reading an assessment (on a project the principal may read): the bureau and administration
/// all; a vakdienst its own advisory ones, and the final programme one where it co-finances or
/// advised (`involved`); the district's stadsdeel and the initiating partner the final programme
/// one once the project is decided.
pub fn can_read_assessment(
    principal: &Principal,
    project: &ProjectFacts,
    assessment: &AssessmentFacts,
    involved: bool,
) -> bool {
    let final_programme = assessment.programme && assessment.is_final;
    match &principal.role {
        Role::Programmabureau | Role::Admin => true,
        Role::Vakdienst { department_id } => {
            (!assessment.programme
                && assessment.department_id.as_deref() == Some(department_id.as_str()))
                || (final_programme && involved)
        }
        Role::Stadsdeel { district_id } => {
            final_programme && decided(project.status) && &project.district_id == district_id
        }
        Role::Partner { partner_id } => {
            final_programme && decided(project.status) && project.initiated_by(partner_id)
        }
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

/// Reading a signal: the bureau and administration all; a stadsdeel its district's; a vakdienst
/// those assigned to it now or before; a partner those it reported.
pub fn can_read_signal(principal: &Principal, signal: &SignalFacts) -> bool {
    match &principal.role {
        Role::Programmabureau | Role::Admin => true,
        Role::Stadsdeel { district_id } => &signal.district_id == district_id,
        Role::Vakdienst { department_id } => signal.departments.iter().any(|d| d == department_id),
        Role::Partner { partner_id } => {
            signal.reported_by_partner_id.as_deref() == Some(partner_id.as_str())
        }
    }
}

/// Seeing the reporter's personal data: the bureau and the department assigned now.
pub fn can_see_reporter(principal: &Principal, signal: &SignalFacts) -> bool {
    match &principal.role {
        Role::Programmabureau => true,
        Role::Vakdienst { department_id } => &signal.assigned_department_id == department_id,
        Role::Stadsdeel { .. } | Role::Partner { .. } | Role::Admin => false,
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
    if !can_read_signal(principal, signal) {
        return Err(ApiError::NotFound(format!(
            "There is no signal '{}'.",
            signal.id
        )));
    }
    if !allowed {
        return Err(ApiError::Forbidden(format!(
            "The role '{}' may not {what} on this signal.",
            principal.role.kind().as_str()
        )));
    }
    Ok(())
}
