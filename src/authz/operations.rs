//! The access table: for every operation of the API, what each role may do there. It is the
//! one source from which follow the route guard of each handler (`Authorized<ops::X>`), the
//! roles and access text of each operation in the OpenAPI document, the matrix in docs/access.md, CI's
//! per-role schemathesis selection and the table-driven authorization tests. The object rules
//! that decide the scoped cells (`Only`) live beside it in `authz/`.

use crate::domain::principal::RoleKind;

/// What one role may do in one operation.
///
/// The rule for a "never" (–, docs/access.md): an object outside the caller's reading scope is
/// a 404, like an unknown id, and one it can read a 403, so no existence is revealed. Hence two
/// kinds of never: [`Access::DeniedPerObject`] where the operation addresses an object the role
/// can read only some of (the object rules answer 404 or 403), [`Access::Denied`] where it
/// addresses none, or one the role can read every one of (the guard's 403 comes before the
/// lookup and hides nothing; an unknown id gets it too). `tests/api/access.rs` holds every row
/// to this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// On every object the role can read.
    Yes,
    /// Only where the object rules say; the text says where, for people.
    Only(&'static str),
    /// Never. Refused by the route guard with 403, whatever the id: for operations on no
    /// object, or on objects the role can read every one of.
    Denied,
    /// Never, refused per object: 404 for an object the role cannot read (or that does not
    /// exist), 403 for one it can. For operations on objects the role can read only some of.
    DeniedPerObject,
}

impl Access {
    /// Whether the route guard lets the role through to the object rules.
    pub fn passes_guard(self) -> bool {
        match self {
            Self::Yes | Self::Only(_) | Self::DeniedPerObject => true,
            Self::Denied => false,
        }
    }

    /// Whether the role can succeed here at all (on some object).
    pub fn may_succeed(self) -> bool {
        match self {
            Self::Yes | Self::Only(_) => true,
            Self::Denied | Self::DeniedPerObject => false,
        }
    }

    /// The matrix cell, for docs/access.md and the OpenAPI descriptions.
    pub fn cell(self) -> &'static str {
        match self {
            Self::Yes => "✔",
            Self::Only(text) => text,
            Self::Denied | Self::DeniedPerObject => "–",
        }
    }
}

/// Who may call an operation: anyone (health checks), or the roles per [`Access`], in the order
/// of [`RoleKind::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callers {
    Anyone,
    Roles([Access; RoleKind::ALL.len()]),
}

/// One operation of the API: its OpenAPI operation id and who may call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub id: &'static str,
    pub callers: Callers,
}

impl Operation {
    /// What `role` may do here; `Yes` for every role where anyone may call.
    pub fn access(&self, role: RoleKind) -> Access {
        match &self.callers {
            Callers::Anyone => Access::Yes,
            Callers::Roles(access) => access[role.index()],
        }
    }

    /// The roles the route guard lets through.
    pub fn guard_roles(&self) -> Vec<RoleKind> {
        RoleKind::ALL
            .into_iter()
            .filter(|role| self.access(*role).passes_guard())
            .collect()
    }

    /// The roles that can succeed here, the OpenAPI security scopes of the operation.
    pub fn allowed_roles(&self) -> Vec<RoleKind> {
        RoleKind::ALL
            .into_iter()
            .filter(|role| self.access(*role).may_succeed())
            .collect()
    }

    /// One sentence for the OpenAPI description: `Access: programmabureau ✔; stadsdeel: its
    /// district's projects; vakdienst –; …`.
    pub fn sentence(&self) -> String {
        match &self.callers {
            Callers::Anyone => "Access: anyone, without a token.".to_owned(),
            Callers::Roles(_) => {
                let cells = RoleKind::ALL
                    .into_iter()
                    .map(|role| match self.access(role) {
                        Access::Only(text) => format!("{}: {text}", role.as_str()),
                        access => format!("{} {}", role.as_str(), access.cell()),
                    })
                    .collect::<Vec<_>>();
                format!(
                    "Access (– is 403, or 404 for an object the caller cannot read): {}.",
                    cells.join("; ")
                )
            }
        }
    }
}

/// The operation a handler performs, named in its signature: `Authorized<ops::CreateProject>`.
pub trait Guarded {
    const OPERATION: Operation;
}

/// Declares every operation once: a marker type for the handler's signature and a row of
/// [`OPERATIONS`]. The access array is in the order of [`RoleKind::ALL`]: programmabureau,
/// stadsdeel, vakdienst, partner, admin; its length is checked by the compiler, so a new role
/// does not compile until every operation has decided about it.
macro_rules! operations {
    ($($marker:ident $id:literal $callers:expr;)+) => {
        /// Marker types, one per operation, for `Authorized<…>` in handler signatures.
        pub mod ops {
            use super::*;
            $(
                #[doc = concat!("The `", $id, "` operation.")]
                #[derive(Debug)]
                pub struct $marker;
                impl Guarded for $marker {
                    const OPERATION: Operation = Operation { id: $id, callers: $callers };
                }
            )+
        }

        /// Every operation of the API, in the order of the OpenAPI document.
        pub const OPERATIONS: &[Operation] = &[$(<ops::$marker as Guarded>::OPERATION),+];
    };
}

use Access::{Denied, DeniedPerObject, Only, Yes};

const fn roles(access: [Access; RoleKind::ALL.len()]) -> Callers {
    Callers::Roles(access)
}

const EVERY_ROLE: Callers = roles([Yes, Yes, Yes, Yes, Yes]);
const ADMIN_ONLY: Callers = roles([Denied, Denied, Denied, Denied, Yes]);
const ROUTING_TABLE: Callers = roles([Yes, Denied, Denied, Denied, Yes]);

const PROJECT_READERS: Callers = roles([
    Yes,
    Only("past draft, and its district's drafts"),
    Only("past draft"),
    Only("projects it initiated or takes part in"),
    Yes,
]);
const PROJECT_EDITORS: Callers = roles([
    Yes,
    Only("its district's projects"),
    DeniedPerObject,
    Only("its own drafts"),
    Denied,
]);
const FUNDERS: Callers = roles([
    Yes,
    Only("its district's projects"),
    Only("its own department's lines, past draft"),
    DeniedPerObject,
    Denied,
]);
const ASSESSMENT_READERS: Callers = roles([
    Yes,
    Only("the final programme one of its district's decided projects"),
    Only("its own advisory ones, and the final programme one where it co-finances or advised"),
    Only("the final programme one of projects it initiated, once decided"),
    Yes,
]);
const SIGNAL_READERS: Callers = roles([
    Yes,
    Only("its district's"),
    Only("assigned to it now or before"),
    Only("those it reported"),
    Yes,
]);
const SIGNAL_HANDLERS: Callers = roles([
    Yes,
    DeniedPerObject,
    Only("assigned to it now"),
    DeniedPerObject,
    Denied,
]);

const POLICY_ISSUE_READERS: Callers = roles([
    Yes,
    Only("those touching its district, once raised"),
    Only("its own, once raised"),
    Only("those holding its signals, once raised"),
    Yes,
]);
const POLICY_ISSUE_STEERING: Callers = roles([
    Yes,
    DeniedPerObject,
    DeniedPerObject,
    DeniedPerObject,
    Denied,
]);

/// Subscriptions (DESIGN §10): each role its own; administration all.
const OWN_SUBSCRIPTIONS: Callers = roles([
    Only("its own"),
    Only("its own"),
    Only("its own"),
    Only("its own"),
    Yes,
]);

operations! {
    ListDistricts "list_districts" EVERY_ROLE;
    GetDistrict "get_district" EVERY_ROLE;
    CreateDistrict "create_district" ADMIN_ONLY;
    UpdateDistrict "update_district" ADMIN_ONLY;
    ListNeighbourhoods "list_neighbourhoods" EVERY_ROLE;
    GetNeighbourhood "get_neighbourhood" EVERY_ROLE;
    CreateNeighbourhood "create_neighbourhood" ADMIN_ONLY;
    UpdateNeighbourhood "update_neighbourhood" ADMIN_ONLY;
    ListDepartments "list_departments" EVERY_ROLE;
    GetDepartment "get_department" EVERY_ROLE;
    CreateDepartment "create_department" ADMIN_ONLY;
    UpdateDepartment "update_department" ADMIN_ONLY;
    ListThemes "list_themes" EVERY_ROLE;
    GetTheme "get_theme" EVERY_ROLE;
    CreateTheme "create_theme" ROUTING_TABLE;
    UpdateTheme "update_theme" ROUTING_TABLE;
    ListPartners "list_partners" EVERY_ROLE;
    GetPartner "get_partner" EVERY_ROLE;
    CreatePartner "create_partner" roles([
        Yes,
        Only("without a kvkNumber"),
        Denied,
        Denied,
        Yes,
    ]);
    UpdatePartner "update_partner" roles([
        Yes,
        Only("all but kvkNumber and active"),
        Denied,
        Only("its own record, but not its kvkNumber or active"),
        Yes,
    ]);
    ListProjects "list_projects" PROJECT_READERS;
    GetProject "get_project" PROJECT_READERS;
    CreateProject "create_project" roles([
        Yes,
        Only("in its own district"),
        Denied,
        Only("as its initiator, once registered"),
        Denied,
    ]);
    UpdateProject "update_project" PROJECT_EDITORS;
    TransitionProject "transition_project" roles([
        Only("every transition"),
        Only("its district's projects: submit, start, complete"),
        DeniedPerObject,
        Only("submitting its own draft"),
        Denied,
    ]);
    ProjectHistory "project_history" PROJECT_READERS;
    GetEvaluation "get_evaluation" PROJECT_READERS;
    PutEvaluation "put_evaluation" roles([
        Yes,
        Only("its district's projects, from running on"),
        DeniedPerObject,
        DeniedPerObject,
        Denied,
    ]);
    ListGoals "list_goals" PROJECT_READERS;
    CreateGoal "create_goal" PROJECT_EDITORS;
    UpdateGoal "update_goal" PROJECT_EDITORS;
    DeleteGoal "delete_goal" PROJECT_EDITORS;
    ListFundingLines "list_funding_lines" PROJECT_READERS;
    CreateFundingLine "create_funding_line" FUNDERS;
    UpdateFundingLine "update_funding_line" FUNDERS;
    DeleteFundingLine "delete_funding_line" FUNDERS;
    PutProjectPartner "put_project_partner" PROJECT_EDITORS;
    DeleteProjectPartner "delete_project_partner" PROJECT_EDITORS;
    CreateProjectLink "create_project_link" PROJECT_EDITORS;
    DeleteProjectLink "delete_project_link" PROJECT_EDITORS;
    ListNotes "list_notes" PROJECT_READERS;
    CreateNote "create_note" PROJECT_EDITORS;
    ListAssessments "list_assessments" ASSESSMENT_READERS;
    GetAssessment "get_assessment" ASSESSMENT_READERS;
    CreateAssessment "create_assessment" roles([
        Only("programme assessments"),
        DeniedPerObject,
        Only("advisory ones for its department, past draft"),
        DeniedPerObject,
        Denied,
    ]);
    UpdateAssessment "update_assessment" roles([
        Only("programme assessments"),
        DeniedPerObject,
        Only("its own advisory ones"),
        DeniedPerObject,
        Denied,
    ]);
    ListSignals "list_signals" SIGNAL_READERS;
    GetSignal "get_signal" SIGNAL_READERS;
    CreateSignal "create_signal" roles([
        Yes,
        Only("in its district's neighbourhoods"),
        Yes,
        Only("once registered"),
        Denied,
    ]);
    UpdateSignal "update_signal" roles([
        Yes,
        Only("its district's"),
        Only("assigned to it now"),
        DeniedPerObject,
        Denied,
    ]);
    TransitionSignal "transition_signal" SIGNAL_HANDLERS;
    ReassignSignal "reassign_signal" SIGNAL_HANDLERS;
    SignalHistory "signal_history" SIGNAL_READERS;
    ListPolicyIssues "list_policy_issues" POLICY_ISSUE_READERS;
    GetPolicyIssue "get_policy_issue" POLICY_ISSUE_READERS;
    CreatePolicyIssue "create_policy_issue" roles([Yes, Denied, Denied, Denied, Denied]);
    UpdatePolicyIssue "update_policy_issue" POLICY_ISSUE_STEERING;
    TransitionPolicyIssue "transition_policy_issue" POLICY_ISSUE_STEERING;
    RespondToPolicyIssue "respond_to_policy_issue" roles([
        Denied,
        DeniedPerObject,
        Only("its own, once raised"),
        DeniedPerObject,
        Denied,
    ]);
    PolicyIssueHistory "policy_issue_history" POLICY_ISSUE_READERS;
    GetProgressReport "get_progress_report" roles([Yes, Only("its own district"), Yes, Denied, Yes]);
    ListEvents "list_events" roles([
        Yes,
        Only("about what it can read"),
        Only("about what it can read"),
        Only("about what it can read"),
        Yes,
    ]);
    ListPersonalDataAccess "list_personal_data_access" ADMIN_ONLY;
    ListSubscriptions "list_subscriptions" OWN_SUBSCRIPTIONS;
    CreateSubscription "create_subscription" EVERY_ROLE;
    GetSubscription "get_subscription" OWN_SUBSCRIPTIONS;
    UpdateSubscription "update_subscription" OWN_SUBSCRIPTIONS;
    DeleteSubscription "delete_subscription" OWN_SUBSCRIPTIONS;
    RotateSubscriptionSecret "rotate_subscription_secret" OWN_SUBSCRIPTIONS;
    ListDeliveries "list_deliveries" OWN_SUBSCRIPTIONS;
    CreateRedelivery "create_redelivery" OWN_SUBSCRIPTIONS;
    CreatePing "create_ping" OWN_SUBSCRIPTIONS;
    ListMailDeliveries "list_mail_deliveries" roles([Denied, Denied, Denied, Denied, Yes]);
    HealthLive "health_live" Callers::Anyone;
    HealthReady "health_ready" Callers::Anyone;
    TrackSignal "track_signal" Callers::Anyone;
    UnsubscribePage "unsubscribe_page" Callers::Anyone;
    Unsubscribe "unsubscribe" Callers::Anyone;
}

/// The row of `operation_id`, if the table has one.
pub fn find(operation_id: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|op| op.id == operation_id)
}

/// The access matrix of docs/access.md: one row per operation, one column per role.
pub fn markdown_matrix() -> String {
    let mut out = String::from("| Operation |");
    for role in RoleKind::ALL {
        out.push_str(&format!(" {} |", role.as_str()));
    }
    out.push_str("\n| --- |");
    for _ in RoleKind::ALL {
        out.push_str(" --- |");
    }
    out.push('\n');
    for op in OPERATIONS {
        out.push_str(&format!("| `{}` |", op.id));
        for role in RoleKind::ALL {
            let cell = match op.callers {
                Callers::Anyone => "anyone",
                Callers::Roles(_) => op.access(role).cell(),
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}

/// The operations a role can never succeed in, as one anchored regular expression over
/// operation ids (for CI's per-role schemathesis runs); `None` when there are none.
pub fn denied_regex(role: RoleKind) -> Option<String> {
    let denied = OPERATIONS
        .iter()
        .filter(|op| !op.access(role).may_succeed())
        .map(|op| op.id)
        .collect::<Vec<_>>();
    (!denied.is_empty()).then(|| format!("^({})$", denied.join("|")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_id_is_listed_once() {
        let mut ids: Vec<_> = OPERATIONS.iter().map(|op| op.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "an operation id is declared twice");
    }

    #[test]
    fn the_matrix_and_the_sentences_say_the_same_as_the_table() {
        let matrix = markdown_matrix();
        assert!(matrix.contains("| `create_district` | – | – | – | – | ✔ |"));
        assert!(matrix.contains("| `health_live` | anyone | anyone |"));
        let sentence = find("update_partner")
            .map(Operation::sentence)
            .unwrap_or_default();
        assert!(sentence.contains("partner: its own record"), "{sentence}");
        assert!(sentence.contains("vakdienst –"), "{sentence}");
    }

    #[test]
    fn the_guard_lets_through_exactly_the_roles_not_denied_outright() {
        let update_project = find("update_project").map(|op| op.guard_roles());
        assert_eq!(
            update_project,
            Some(vec![
                RoleKind::Programmabureau,
                RoleKind::Stadsdeel,
                RoleKind::Vakdienst,
                RoleKind::Partner
            ])
        );
        let allowed = find("update_project").map(|op| op.allowed_roles());
        assert_eq!(
            allowed,
            Some(vec![
                RoleKind::Programmabureau,
                RoleKind::Stadsdeel,
                RoleKind::Partner
            ])
        );
    }

    #[test]
    fn ci_skips_for_each_role_exactly_what_it_can_never_do() {
        let admin = denied_regex(RoleKind::Admin).unwrap_or_default();
        assert!(admin.contains("(create_project|"), "{admin}");
        assert!(!admin.contains("list_projects"), "{admin}");
        let bureau = denied_regex(RoleKind::Programmabureau).unwrap_or_default();
        assert_eq!(
            bureau,
            "^(create_district|update_district|create_neighbourhood|update_neighbourhood|create_department|update_department|respond_to_policy_issue|list_personal_data_access|list_mail_deliveries)$"
        );
    }
}
