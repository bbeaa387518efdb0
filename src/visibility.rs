//! What a reader may see (DESIGN §9): the same rule wherever an object shows up. The
//! `*_as_seen_by` functions take out of answers — representations, histories, the event feed
//! and (at delivery time) notifications — every id the reader may not open, and
//! [`signal_disclosure`] says which of a signal's own parts (the reporter, the tracking code)
//! it may see. The decisions are `authz`'s scopes and object rules, applied here to what the
//! database holds; the response types in `api/` only copy what these functions leave.

use std::collections::HashSet;

use crate::authz::{
    self, PolicyIssueScope, ProjectScope, SignalFacts, SignalScope, SubscriptionScope,
};
use crate::db::DbConnection;
use crate::db::assessments as assessment_repo;
use crate::db::evaluations::Evaluation;
use crate::db::events::EventRow;
use crate::db::policy_issues::{self as policy_issue_repo, PolicyIssue};
use crate::db::projects::{self as repo, Project};
use crate::db::signals::{self as signal_repo, Signal};
use crate::db::subscriptions as subscription_repo;
use crate::domain::principal::Principal;
use crate::error::ApiError;

/// The ids among `ids` of projects that `scope` admits.
fn admitted_projects(
    conn: &mut DbConnection,
    scope: &ProjectScope,
    ids: Vec<String>,
) -> Result<HashSet<String>, ApiError> {
    if ids.is_empty() || *scope == ProjectScope::All {
        return Ok(ids.into_iter().collect());
    }
    Ok(repo::facts_of(conn, &ids)?
        .into_iter()
        .filter(|facts| scope.admits(facts))
        .map(|facts| facts.id)
        .collect())
}

/// The ids among `ids` of signals that `scope` admits.
fn admitted_signals(
    conn: &mut DbConnection,
    scope: &SignalScope,
    ids: Vec<String>,
) -> Result<HashSet<String>, ApiError> {
    if ids.is_empty() || *scope == SignalScope::All {
        return Ok(ids.into_iter().collect());
    }
    Ok(signal_repo::facts_of(conn, &ids)?
        .into_iter()
        .filter(|facts| scope.admits(facts))
        .map(|facts| facts.id)
        .collect())
}

/// Whether `principal` may open project `id`; what it may not open does not exist for it.
pub fn can_open_project(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
) -> Result<bool, ApiError> {
    Ok(repo::facts_of(conn, &[id.to_owned()])?
        .first()
        .is_some_and(|facts| authz::can_read_project(principal, facts)))
}

/// Whether `principal` may open signal `id`; what it may not open does not exist for it.
pub fn can_open_signal(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
) -> Result<bool, ApiError> {
    Ok(signal_repo::facts_of(conn, &[id.to_owned()])?
        .first()
        .is_some_and(|facts| authz::can_read_signal(principal, facts)))
}

/// Whether an answer about the object at `path` (an API path under `/api/v1`: a `Location`, or
/// the path a `POST` went to) may be shown again to `principal` now: only while it can open that
/// object, and, when the answer shows a signal's reporter (`showing_reporter`), see the reporter
/// now. A replayed `Idempotency-Key` answer is checked so. Subscriptions are their owner's (the
/// key is the owner's too); partners and reference data everyone's.
pub fn may_see_again(
    conn: &mut DbConnection,
    principal: &Principal,
    path: &str,
    showing_reporter: bool,
) -> Result<bool, ApiError> {
    let mut segments = path.trim_start_matches("/api/v1/").split('/');
    let (Some(collection), Some(id)) = (segments.next(), segments.next()) else {
        return Ok(!showing_reporter);
    };
    let id = [id.to_owned()];
    Ok(match collection {
        "signals" => signal_repo::facts_of(conn, &id)?
            .first()
            .is_some_and(|facts| {
                authz::can_read_signal(principal, facts)
                    && (!showing_reporter || authz::can_see_reporter(principal, facts))
            }),
        "projects" => !showing_reporter && can_open_project(conn, principal, &id[0])?,
        "policy-issues" => {
            let scope = authz::policy_issue_scope(principal);
            !showing_reporter
                && policy_issue_repo::facts_of(conn, &id)?
                    .first()
                    .is_some_and(|facts| scope.admits(facts))
        }
        _ => !showing_reporter,
    })
}

/// Takes out of projects' representations what `principal` may not open (DESIGN §9): links to
/// projects outside its reading scope, signals it cannot read, and the outcome (`eligible`,
/// `assessmentId`) of an assessment it cannot read. Only for answers: events keep the truth.
pub fn projects_as_seen_by(
    conn: &mut DbConnection,
    principal: &Principal,
    projects: &mut [Project],
) -> Result<(), ApiError> {
    let linked = projects
        .iter()
        .flat_map(|p| p.links.iter().map(|l| l.project_id.clone()))
        .collect();
    let linked = admitted_projects(conn, &authz::project_scope(principal), linked)?;
    let signals = projects
        .iter()
        .flat_map(|p| p.signal_ids.iter().cloned())
        .collect();
    let signals = admitted_signals(conn, &authz::signal_scope(principal), signals)?;
    let outcome = authz::outcome_scope(principal);
    let involved = match outcome.department() {
        Some(department_id) => {
            let decided: Vec<String> = projects
                .iter()
                .filter(|p| p.row.assessment_id.is_some())
                .map(|p| p.row.id.clone())
                .collect();
            assessment_repo::involving_department(conn, &decided, department_id)?
        }
        None => HashSet::new(),
    };
    for project in projects.iter_mut() {
        project
            .links
            .retain(|link| linked.contains(&link.project_id));
        project.signal_ids.retain(|id| signals.contains(id));
        if project.row.assessment_id.is_some() {
            let facts = project.facts()?;
            if !outcome.admits(&facts, involved.contains(&project.row.id)) {
                project.row.eligible = None;
                project.row.assessment_id = None;
            }
        }
    }
    Ok(())
}

/// Takes out of signals' representations the projects `principal` may not open.
pub fn signals_as_seen_by(
    conn: &mut DbConnection,
    principal: &Principal,
    signals: &mut [Signal],
) -> Result<(), ApiError> {
    let linked = signals
        .iter()
        .flat_map(|s| s.project_ids.iter().cloned())
        .collect();
    let linked = admitted_projects(conn, &authz::project_scope(principal), linked)?;
    let issues = signals
        .iter()
        .flat_map(|s| s.policy_issue_ids.iter().cloned())
        .collect();
    let issues = admitted_policy_issues(conn, &authz::policy_issue_scope(principal), issues)?;
    for signal in signals.iter_mut() {
        signal.project_ids.retain(|id| linked.contains(id));
        signal.policy_issue_ids.retain(|id| issues.contains(id));
    }
    Ok(())
}

/// The ids among `ids` of policy issues that `scope` admits.
fn admitted_policy_issues(
    conn: &mut DbConnection,
    scope: &PolicyIssueScope,
    ids: Vec<String>,
) -> Result<HashSet<String>, ApiError> {
    if ids.is_empty() || *scope == PolicyIssueScope::All {
        return Ok(ids.into_iter().collect());
    }
    Ok(policy_issue_repo::facts_of(conn, &ids)?
        .into_iter()
        .filter(|facts| scope.admits(facts))
        .map(|facts| facts.id)
        .collect())
}

/// A policy issue as a reader sees it: the issue, and the ids of the bundled signals the reader
/// may open (its `signalIds`; `signalCount` counts them all).
#[derive(Debug, Clone)]
pub struct SeenPolicyIssue {
    pub issue: PolicyIssue,
    /// In the issue's (id) order.
    pub open_signal_ids: Vec<String>,
}

/// `issues` as `principal` sees them: of their bundled signals, the ids of those it may open.
pub fn policy_issues_as_seen_by(
    conn: &mut DbConnection,
    principal: &Principal,
    issues: Vec<PolicyIssue>,
) -> Result<Vec<SeenPolicyIssue>, ApiError> {
    let ids = issues
        .iter()
        .flat_map(|i| i.signals.iter().map(|s| s.id.clone()))
        .collect();
    let open = admitted_signals(conn, &authz::signal_scope(principal), ids)?;
    Ok(issues
        .into_iter()
        .map(|issue| SeenPolicyIssue {
            open_signal_ids: issue
                .signals
                .iter()
                .filter(|s| open.contains(&s.id))
                .map(|s| s.id.clone())
                .collect(),
            issue,
        })
        .collect())
}

/// When a reader sees a signal: in the answer to the request that reported it, or any time
/// after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalMoment {
    /// The answer to `POST /signals`: its creator hands the tracking code on to the reporter.
    Reported,
    /// Every read after, and the answers to later changes.
    Later,
}

/// Which of a signal's own parts a reader sees (DESIGN §14, §15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignalDisclosure {
    /// The reporter's personal data: name, e-mail, phone and consent.
    pub reporter: bool,
    /// The code of the public tracking page.
    pub tracking_code: bool,
}

/// What `principal` sees of `signal`'s reporter and tracking code at `moment`: the reporter per
/// `authz::can_see_reporter`; the tracking code per `authz::can_see_tracking_code`, and always
/// in the answer that reports the signal.
pub fn signal_disclosure(
    principal: &Principal,
    signal: &Signal,
    moment: SignalMoment,
) -> SignalDisclosure {
    disclosure_of(principal, &signal.facts(), moment)
}

/// [`signal_disclosure`] over the signal's facts.
fn disclosure_of(
    principal: &Principal,
    signal: &SignalFacts,
    moment: SignalMoment,
) -> SignalDisclosure {
    SignalDisclosure {
        reporter: authz::can_see_reporter(principal, signal),
        tracking_code: match moment {
            SignalMoment::Reported => true,
            SignalMoment::Later => authz::can_see_tracking_code(principal, signal),
        },
    }
}

/// Takes the follow-up project out of an evaluation when `principal` may not open it.
pub fn evaluation_as_seen_by(
    conn: &mut DbConnection,
    principal: &Principal,
    evaluation: &mut Evaluation,
) -> Result<(), ApiError> {
    if let Some(follow_up) = &evaluation.row.follow_up_project_id
        && !can_open_project(conn, principal, follow_up)?
    {
        evaluation.row.follow_up_project_id = None;
    }
    Ok(())
}

/// The projects among `ids` that `principal` may not open: the links a writer cannot see, and
/// so neither set nor remove.
pub fn projects_hidden_from(
    conn: &mut DbConnection,
    principal: &Principal,
    ids: &[String],
) -> Result<Vec<String>, ApiError> {
    let admitted = admitted_projects(conn, &authz::project_scope(principal), ids.to_vec())?;
    Ok(ids
        .iter()
        .filter(|id| !admitted.contains(*id))
        .cloned()
        .collect())
}

/// Keeps of a trail or the event feed the events `principal` may see, with references it may
/// not open taken out (DESIGN §9): an event about a project or signal it cannot read is left
/// out, as is one about an assessment it cannot read or a link to a project it cannot open; a
/// list of linked projects shows only those it can open. Partners and reference data are
/// everyone's to read.
pub fn events_as_seen_by(
    conn: &mut DbConnection,
    principal: &Principal,
    events: Vec<EventRow>,
) -> Result<Vec<EventRow>, ApiError> {
    let events = subscription_events_as_seen_by(conn, principal, events)?;
    let scope = authz::project_scope(principal);
    let signal_scope = authz::signal_scope(principal);
    let issue_scope = authz::policy_issue_scope(principal);
    if scope == ProjectScope::All
        && signal_scope == SignalScope::All
        && issue_scope == PolicyIssueScope::All
    {
        // Reads everything, every assessment included (`authz::outcome_scope` is `All` too).
        return Ok(events);
    }
    let mut parsed: Vec<(EventRow, serde_json::Value)> = events
        .into_iter()
        .map(|event| {
            let data = event.data_json();
            (event, data)
        })
        .collect();
    let mut project_ids = Vec::new();
    let mut assessment_ids = Vec::new();
    let mut signal_ids = Vec::new();
    let mut issue_ids = Vec::new();
    for (event, data) in &parsed {
        match event.resource_type.as_str() {
            "project" => project_ids.push(event.resource_id.clone()),
            "signal" => signal_ids.push(event.resource_id.clone()),
            "policy_issue" => issue_ids.push(event.resource_id.clone()),
            _ => {}
        }
        signal_ids.extend(listed(data, "signalIds"));
        project_ids.extend(referenced_projects(data));
        if let Some(id) = data.get("assessmentId").and_then(|v| v.as_str()) {
            assessment_ids.push(id.to_owned());
        }
    }
    let assessments = assessment_repo::facts_of(conn, &assessment_ids)?;
    project_ids.extend(assessments.iter().map(|(_, project, _)| project.clone()));
    let project_facts = repo::facts_of(conn, &project_ids)?;
    let open_signals = admitted_signals(conn, &signal_scope, signal_ids)?;
    let open_issues = admitted_policy_issues(conn, &issue_scope, issue_ids)?;
    let open_signal_ids: HashSet<&str> = open_signals.iter().map(String::as_str).collect();
    let open: HashSet<&str> = project_facts
        .iter()
        .filter(|facts| scope.admits(facts))
        .map(|facts| facts.id.as_str())
        .collect();
    let involved = match authz::assessing_department(principal) {
        Some(department) => {
            let ids: Vec<String> = assessments.iter().map(|(_, p, _)| p.clone()).collect();
            assessment_repo::involving_department(conn, &ids, department)?
        }
        None => HashSet::new(),
    };
    let readable_assessments: HashSet<&str> = assessments
        .iter()
        .filter(|(_, project_id, facts)| {
            project_facts
                .iter()
                .find(|p| &p.id == project_id)
                .is_some_and(|project| {
                    authz::can_read_assessment(
                        principal,
                        project,
                        facts,
                        involved.contains(project_id),
                    )
                })
        })
        .map(|(id, _, _)| id.as_str())
        .collect();
    let mut shown = Vec::with_capacity(parsed.len());
    for (mut event, mut data) in parsed.drain(..) {
        let resource_open = match event.resource_type.as_str() {
            "project" => open.contains(event.resource_id.as_str()),
            "signal" => open_signals.contains(&event.resource_id),
            "policy_issue" => open_issues.contains(&event.resource_id),
            _ => true,
        };
        if !resource_open {
            continue;
        }
        if let Some(id) = data.get("assessmentId").and_then(|v| v.as_str()) {
            if !readable_assessments.contains(id) {
                continue;
            }
        }
        let single = ["targetProjectId", "sourceProjectId", "otherProjectId"];
        if single.iter().any(|key| {
            data.get(*key)
                .and_then(|v| v.as_str())
                .is_some_and(|id| !open.contains(id))
        }) {
            continue;
        }
        let projects_redacted = redact_lists(&mut data, "projectIds", &open);
        if redact_lists(&mut data, "signalIds", &open_signal_ids) || projects_redacted {
            event.data = data.to_string();
        }
        shown.push(event);
    }
    Ok(shown)
}

/// Keeps of `events` those about subscriptions only where the subscription is the principal's
/// to see (`authz::subscription_scope`); the events of a subscription that is gone only for
/// those who see every subscription.
fn subscription_events_as_seen_by(
    conn: &mut DbConnection,
    principal: &Principal,
    mut events: Vec<EventRow>,
) -> Result<Vec<EventRow>, ApiError> {
    let scope = authz::subscription_scope(principal);
    let ids: Vec<String> = events
        .iter()
        .filter(|e| e.resource_type == "subscription")
        .map(|e| e.resource_id.clone())
        .collect();
    if ids.is_empty() || scope == SubscriptionScope::All {
        return Ok(events);
    }
    let seen: HashSet<String> = subscription_repo::owners_of(conn, &ids)?
        .into_iter()
        .filter(|(_, owner)| scope.admits(owner))
        .map(|(id, _)| id)
        .collect();
    events.retain(|e| e.resource_type != "subscription" || seen.contains(&e.resource_id));
    Ok(events)
}

/// The project ids an event's data refers to.
fn referenced_projects(data: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = ["targetProjectId", "sourceProjectId", "otherProjectId"]
        .iter()
        .filter_map(|key| data.get(*key).and_then(|v| v.as_str()).map(str::to_owned))
        .collect();
    ids.extend(listed(data, "projectIds"));
    ids
}

/// The ids in the lists named `key` of an event's data: at the top, in `before` and `after`.
fn listed(data: &serde_json::Value, key: &str) -> Vec<String> {
    [Some(data), data.get("before"), data.get("after")]
        .into_iter()
        .flatten()
        .filter_map(|v| v.get(key).and_then(|v| v.as_array()))
        .flat_map(|list| list.iter().filter_map(|v| v.as_str().map(str::to_owned)))
        .collect()
}

/// Takes the ids not in `open` out of the lists named `key` (at the top, in `before` and in
/// `after`); whether anything was taken out.
fn redact_lists(data: &mut serde_json::Value, key: &str, open: &HashSet<&str>) -> bool {
    let mut changed = false;
    for side in [None, Some("before"), Some("after")] {
        let holder = match side {
            None => Some(&mut *data),
            Some(side) => data.get_mut(side),
        };
        if let Some(list) = holder
            .and_then(|v| v.get_mut(key))
            .and_then(|v| v.as_array_mut())
        {
            let before = list.len();
            list.retain(|v| v.as_str().is_some_and(|id| open.contains(id)));
            changed |= list.len() != before;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::principal::Role;

    fn principal(role: Role) -> Principal {
        Principal {
            subject: "test".to_owned(),
            name: None,
            client_id: None,
            role,
        }
    }

    /// A signal in escamp, reported by partner p1, assigned to ocw after szw had it.
    fn signal() -> SignalFacts {
        SignalFacts {
            id: "s1".to_owned(),
            district_id: "escamp".to_owned(),
            assigned_department_id: "ocw".to_owned(),
            departments: vec!["szw".to_owned(), "ocw".to_owned()],
            reported_by_partner_id: Some("p1".to_owned()),
        }
    }

    #[test]
    fn the_reporter_shows_to_the_bureau_and_the_department_assigned_now_only() {
        let shown = |role| disclosure_of(&principal(role), &signal(), SignalMoment::Later);
        let both = SignalDisclosure {
            reporter: true,
            tracking_code: true,
        };
        let neither = SignalDisclosure {
            reporter: false,
            tracking_code: false,
        };
        assert_eq!(shown(Role::Programmabureau), both);
        let ocw = Role::Vakdienst {
            department_id: "ocw".to_owned(),
        };
        assert_eq!(shown(ocw), both);
        let szw = Role::Vakdienst {
            department_id: "szw".to_owned(),
        };
        assert_eq!(shown(szw), neither, "a department that had it before");
        let escamp = Role::Stadsdeel {
            district_id: "escamp".to_owned(),
        };
        assert_eq!(shown(escamp), neither);
        assert_eq!(shown(Role::Admin), neither);
        let reporting = Role::Partner {
            partner_id: "p1".to_owned(),
        };
        assert_eq!(
            shown(reporting),
            SignalDisclosure {
                reporter: false,
                tracking_code: true,
            },
            "the reporting partner keeps its code, not the person's data"
        );
        let other = Role::Partner {
            partner_id: "p2".to_owned(),
        };
        assert_eq!(shown(other), neither);
    }

    #[test]
    fn the_answer_that_reports_a_signal_always_carries_its_tracking_code() {
        let roles = [
            Role::Programmabureau,
            Role::Admin,
            Role::Stadsdeel {
                district_id: "escamp".to_owned(),
            },
            Role::Vakdienst {
                department_id: "dso".to_owned(),
            },
            Role::Partner {
                partner_id: "p2".to_owned(),
            },
        ];
        for role in roles {
            let at_report =
                disclosure_of(&principal(role.clone()), &signal(), SignalMoment::Reported);
            let later = disclosure_of(&principal(role.clone()), &signal(), SignalMoment::Later);
            assert!(at_report.tracking_code, "{role:?}");
            assert_eq!(at_report.reporter, later.reporter, "{role:?}");
        }
    }

    #[test]
    fn event_data_names_its_projects_and_signals_at_the_top_and_before_and_after() {
        let data = json!({
            "targetProjectId": "p1",
            "projectIds": ["p2"],
            "before": { "projectIds": ["p3"], "signalIds": ["s1"] },
            "after": { "projectIds": ["p4"], "signalIds": ["s2"] },
        });
        assert_eq!(referenced_projects(&data), ["p1", "p2", "p3", "p4"]);
        assert_eq!(listed(&data, "signalIds"), ["s1", "s2"]);
    }

    #[test]
    fn redaction_takes_out_only_what_is_not_open_and_says_whether_it_did() {
        let mut data = json!({
            "signalIds": ["s1", "s2"],
            "before": { "signalIds": ["s2"] },
            "after": { "signalIds": ["s1"] },
        });
        let open: HashSet<&str> = ["s1"].into_iter().collect();
        assert!(redact_lists(&mut data, "signalIds", &open));
        assert_eq!(
            data,
            json!({
                "signalIds": ["s1"],
                "before": { "signalIds": [] },
                "after": { "signalIds": ["s1"] },
            })
        );
        assert!(
            !redact_lists(&mut data, "signalIds", &open),
            "nothing left to take out"
        );
    }
}
