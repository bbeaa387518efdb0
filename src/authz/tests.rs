//! The object rules and reading scopes, role by role, on small hand-made facts.

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

fn stadsdeel(district: &str) -> Principal {
    principal(Role::Stadsdeel {
        district_id: district.to_owned(),
    })
}

fn vakdienst(department: &str) -> Principal {
    principal(Role::Vakdienst {
        department_id: department.to_owned(),
    })
}

fn partner(id: &str) -> Principal {
    principal(Role::Partner {
        partner_id: id.to_owned(),
    })
}

fn bureau() -> Principal {
    principal(Role::Programmabureau)
}

fn admin() -> Principal {
    principal(Role::Admin)
}

/// A project in escamp initiated by p1, with p2 taking part.
fn project(status: Status) -> ProjectFacts {
    ProjectFacts {
        id: "project".to_owned(),
        status,
        district_id: "escamp".to_owned(),
        initiator_partner_id: Some("p1".to_owned()),
        partner_ids: vec!["p2".to_owned()],
    }
}

/// A signal in escamp, reported by p1, assigned to ocw after szw had it.
fn signal() -> SignalFacts {
    SignalFacts {
        id: "signal".to_owned(),
        district_id: "escamp".to_owned(),
        assigned_department_id: "ocw".to_owned(),
        departments: vec!["szw".to_owned(), "ocw".to_owned()],
        reported_by_partner_id: Some("p1".to_owned()),
    }
}

/// A policy issue of ocw holding a signal of escamp reported by p1.
fn issue(past_draft: bool) -> PolicyIssueFacts {
    PolicyIssueFacts {
        id: "issue".to_owned(),
        department_id: "ocw".to_owned(),
        past_draft,
        district_ids: vec!["escamp".to_owned()],
        partner_ids: vec!["p1".to_owned()],
    }
}

fn status_of(result: Result<(), ApiError>) -> u16 {
    match result {
        Ok(()) => 200,
        Err(ApiError::NotFound(_)) => 404,
        Err(ApiError::Forbidden(_)) => 403,
        Err(other) => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_draft_is_read_by_the_bureau_administration_its_stadsdeel_and_its_partners_only() {
    let draft = project(Status::Draft);
    let readers = [
        (bureau(), true),
        (admin(), true),
        (stadsdeel("escamp"), true),
        (stadsdeel("laak"), false),
        (vakdienst("ocw"), false),
        (partner("p1"), true),
        (partner("p2"), true),
        (partner("p3"), false),
    ];
    for (who, reads) in readers {
        assert_eq!(can_read_project(&who, &draft), reads, "{:?}", who.role);
    }
    let submitted = project(Status::Submitted);
    assert!(can_read_project(&stadsdeel("laak"), &submitted));
    assert!(can_read_project(&vakdienst("ocw"), &submitted));
    assert!(!can_read_project(&partner("p3"), &submitted));
}

#[test]
fn outside_the_reading_scope_is_a_404_and_inside_it_a_403() {
    let draft = project(Status::Draft);
    let laak = stadsdeel("laak");
    assert_eq!(status_of(require(&laak, &draft, false, "edit")), 404);
    let p2 = partner("p2");
    let editable = can_edit_project(&p2, &draft);
    assert_eq!(status_of(require(&p2, &draft, editable, "edit")), 403);
    let p1 = partner("p1");
    let editable = can_edit_project(&p1, &draft);
    assert_eq!(status_of(require(&p1, &draft, editable, "edit")), 200);
}

#[test]
fn the_initiating_partner_edits_its_project_only_while_it_is_a_draft() {
    assert!(can_edit_project(&partner("p1"), &project(Status::Draft)));
    assert!(!can_edit_project(
        &partner("p1"),
        &project(Status::Submitted)
    ));
    assert!(!can_edit_project(&partner("p2"), &project(Status::Draft)));
    assert!(can_edit_project(
        &stadsdeel("escamp"),
        &project(Status::Running)
    ));
    assert!(!can_edit_project(
        &stadsdeel("laak"),
        &project(Status::Running)
    ));
    assert!(!can_edit_project(
        &vakdienst("ocw"),
        &project(Status::Running)
    ));
    assert!(!can_edit_project(&admin(), &project(Status::Draft)));
}

#[test]
fn a_vakdienst_funds_only_its_own_department_past_draft() {
    let running = project(Status::Running);
    let ocw = vakdienst("ocw");
    assert!(can_change_funding_line(
        &ocw,
        &running,
        &[("department", Some("ocw"))]
    ));
    assert!(!can_change_funding_line(
        &ocw,
        &running,
        &[("department", Some("ocw")), ("department", Some("szw"))]
    ));
    assert!(!can_change_funding_line(
        &ocw,
        &running,
        &[("programme", None)]
    ));
    assert!(!can_change_funding_line(
        &ocw,
        &project(Status::Draft),
        &[("department", Some("ocw"))]
    ));
    assert!(can_change_funding_line(
        &stadsdeel("escamp"),
        &running,
        &[("programme", None)]
    ));
    assert!(!can_fund_project(&partner("p1"), &running, None));
}

#[test]
fn who_moves_a_project_depends_on_the_step() {
    let draft = project(Status::Draft);
    let escamp = stadsdeel("escamp");
    let p1 = partner("p1");
    assert!(can_move_project(&bureau(), &draft, Mover::Bureau));
    assert!(!can_move_project(&escamp, &draft, Mover::Bureau));
    assert!(can_move_project(&escamp, &draft, Mover::BureauOrDistrict));
    assert!(can_move_project(&escamp, &draft, Mover::BureauOrInitiator));
    assert!(!can_move_project(
        &stadsdeel("laak"),
        &draft,
        Mover::BureauOrDistrict
    ));
    assert!(can_move_project(&p1, &draft, Mover::BureauOrInitiator));
    assert!(!can_move_project(&p1, &draft, Mover::BureauOrDistrict));
    assert!(!can_move_project(
        &partner("p2"),
        &draft,
        Mover::BureauOrInitiator
    ));
    assert!(!can_move_project(
        &admin(),
        &draft,
        Mover::BureauOrInitiator
    ));
}

#[test]
fn the_outcome_shows_to_the_district_and_the_initiator_once_decided_and_to_involved_departments() {
    let final_programme = AssessmentFacts {
        programme: true,
        department_id: None,
        is_final: true,
    };
    let under = project(Status::UnderAssessment);
    let approved = project(Status::Approved);
    for who in [stadsdeel("escamp"), partner("p1")] {
        assert!(!can_read_assessment(&who, &under, &final_programme, false));
        assert!(can_read_assessment(
            &who,
            &approved,
            &final_programme,
            false
        ));
    }
    assert!(!can_read_assessment(
        &stadsdeel("laak"),
        &approved,
        &final_programme,
        false
    ));
    assert!(!can_read_assessment(
        &partner("p2"),
        &approved,
        &final_programme,
        false
    ));
    let ocw = vakdienst("ocw");
    assert!(can_read_assessment(&ocw, &under, &final_programme, true));
    assert!(!can_read_assessment(
        &ocw,
        &approved,
        &final_programme,
        false
    ));
    assert!(can_read_assessment(
        &admin(),
        &under,
        &final_programme,
        false
    ));
}

#[test]
fn advisory_assessments_are_their_departments_and_the_bureaus() {
    let advice = |department: &str| AssessmentFacts {
        programme: false,
        department_id: Some(department.to_owned()),
        is_final: false,
    };
    let running = project(Status::Running);
    let ocw = vakdienst("ocw");
    assert!(can_read_assessment(&ocw, &running, &advice("ocw"), true));
    assert!(!can_read_assessment(&ocw, &running, &advice("szw"), true));
    assert!(can_write_assessment(&ocw, &running, &advice("ocw")));
    assert!(!can_write_assessment(
        &ocw,
        &project(Status::Draft),
        &advice("ocw")
    ));
    assert!(!can_write_assessment(&bureau(), &running, &advice("ocw")));
    assert!(can_read_assessment(
        &bureau(),
        &running,
        &advice("ocw"),
        false
    ));
    assert!(!can_read_assessment(
        &stadsdeel("escamp"),
        &running,
        &advice("ocw"),
        false
    ));
    let programme = AssessmentFacts {
        programme: true,
        department_id: None,
        is_final: false,
    };
    assert!(can_write_assessment(&bureau(), &running, &programme));
    assert!(!can_write_assessment(&admin(), &running, &programme));
}

#[test]
fn a_signal_is_read_by_its_district_every_department_it_had_and_its_reporting_partner() {
    let facts = signal();
    let readers = [
        (bureau(), true),
        (admin(), true),
        (stadsdeel("escamp"), true),
        (stadsdeel("laak"), false),
        (vakdienst("ocw"), true),
        (vakdienst("szw"), true),
        (vakdienst("dso"), false),
        (partner("p1"), true),
        (partner("p2"), false),
    ];
    for (who, reads) in readers {
        assert_eq!(can_read_signal(&who, &facts), reads, "{:?}", who.role);
    }
    assert!(can_handle_signal(&vakdienst("ocw"), &facts));
    assert!(!can_handle_signal(&vakdienst("szw"), &facts));
    assert!(!can_handle_signal(&stadsdeel("escamp"), &facts));
    assert!(can_link_signal(&stadsdeel("escamp"), &facts));
    assert!(!can_link_signal(&partner("p1"), &facts));
    assert_eq!(
        status_of(require_signal(&vakdienst("dso"), &facts, false, "read")),
        404
    );
    let szw = vakdienst("szw");
    let allowed = can_handle_signal(&szw, &facts);
    assert_eq!(
        status_of(require_signal(&szw, &facts, allowed, "move")),
        403
    );
}

#[test]
fn a_stadsdeel_reports_signals_in_its_own_district_and_administration_none() {
    assert!(can_report_signal(&stadsdeel("escamp"), "escamp"));
    assert!(!can_report_signal(&stadsdeel("escamp"), "laak"));
    assert!(can_report_signal(&partner("p1"), "laak"));
    assert!(can_report_signal(&vakdienst("ocw"), "laak"));
    assert!(!can_report_signal(&admin(), "escamp"));
}

#[test]
fn a_policy_issue_is_hidden_while_a_draft_and_answered_by_its_owner_only() {
    let draft = issue(false);
    let raised = issue(true);
    for who in [vakdienst("ocw"), stadsdeel("escamp"), partner("p1")] {
        assert_eq!(
            status_of(require_policy_issue(&who, &draft, true, "read")),
            404,
            "{:?}",
            who.role
        );
        assert_eq!(
            status_of(require_policy_issue(&who, &raised, true, "read")),
            200,
            "{:?}",
            who.role
        );
    }
    for who in [vakdienst("szw"), stadsdeel("laak"), partner("p2")] {
        assert_eq!(
            status_of(require_policy_issue(&who, &raised, true, "read")),
            404,
            "{:?}",
            who.role
        );
    }
    assert!(policy_issue_scope(&bureau()).admits(&draft));
    assert!(can_respond_to_policy_issue(&vakdienst("ocw"), &raised));
    assert!(!can_respond_to_policy_issue(&vakdienst("szw"), &raised));
    assert!(!can_respond_to_policy_issue(&bureau(), &raised));
    let escamp = stadsdeel("escamp");
    let allowed = can_respond_to_policy_issue(&escamp, &raised);
    assert_eq!(
        status_of(require_policy_issue(&escamp, &raised, allowed, "respond")),
        403
    );
    assert!(can_steer_policy_issue(&bureau()));
    assert!(!can_steer_policy_issue(&admin()));
}

#[test]
fn a_partner_creates_projects_only_as_their_initiator() {
    let p1 = partner("p1");
    assert_eq!(
        initiator_of_new_project(&p1, None).ok(),
        Some(Some("p1".to_owned()))
    );
    assert!(initiator_of_new_project(&p1, Some("p2".to_owned())).is_err());
    assert_eq!(
        initiator_of_new_project(&bureau(), Some("p2".to_owned())).ok(),
        Some(Some("p2".to_owned()))
    );
    assert!(can_create_project(&stadsdeel("escamp"), "escamp"));
    assert!(!can_create_project(&stadsdeel("escamp"), "laak"));
    assert!(!can_create_project(&vakdienst("ocw"), "escamp"));
    assert!(!can_change_initiator(&p1));
    assert!(!can_move_project_to_district(&stadsdeel("escamp"), "laak"));
    assert!(can_move_project_to_district(&bureau(), "laak"));
}

#[test]
fn a_stadsdeel_sees_the_report_of_its_own_district_only() {
    let escamp = stadsdeel("escamp");
    assert_eq!(
        report_district(&escamp, None).ok(),
        Some(Some("escamp".to_owned()))
    );
    assert!(report_district(&escamp, Some("laak".to_owned())).is_err());
    assert_eq!(report_district(&bureau(), None).ok(), Some(None));
    assert_eq!(
        report_district(&partner("p1"), Some("laak".to_owned())).ok(),
        Some(Some("laak".to_owned()))
    );
}

#[test]
fn subscriptions_are_their_owners_and_administrations() {
    let ocw = vakdienst("ocw");
    let owner = SubscriptionOwner::of(&ocw);
    assert!(require_subscription(&ocw, "sub", &owner).is_ok());
    assert!(require_subscription(&admin(), "sub", &owner).is_ok());
    assert_eq!(
        status_of(require_subscription(&vakdienst("szw"), "sub", &owner)),
        404
    );
    assert_eq!(
        status_of(require_subscription(&bureau(), "sub", &owner)),
        404,
        "the bureau too sees only its own"
    );
}
