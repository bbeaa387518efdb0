//! Assessments against the six effects: the eligibility rule at its boundaries, the approval
//! gate, immutability of final assessments, and who sees and writes which assessment.

use serde_json::{Value, json};

use crate::helpers::{Response, TestApp, assess, finalize, pb, spawn_app, transition};
use wijkregie::auth::Role;

const EFFECTS: [&str; 6] = [
    "social_cohesion",
    "positive_image",
    "access_to_services",
    "safety",
    "employment",
    "ownership",
];

fn body(kind: &str, substantial: usize, sustainability: i64) -> Value {
    let effects: Vec<Value> = EFFECTS
        .iter()
        .enumerate()
        .map(|(i, e)| json!({"effect": e, "score": if i < substantial { 2 } else { 1 }, "motivation": "Onderbouwing"}))
        .collect();
    json!({"kind": kind, "effects": effects, "sustainability": {"score": sustainability, "motivation": "Borging"},
           "advice": "positive", "explanation": "Toelichting"})
}

async fn project_under_assessment(app: &TestApp) -> String {
    let token = app.token(&pb());
    let created = app
        .post(
            "/api/v1/projects",
            &token,
            &json!({"title": "Buurtkeuken", "neighbourhoodIds": ["moerwijk"]}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    for to in ["submitted", "in_dialogue", "under_assessment"] {
        assert_eq!(transition(app, &pb(), &id, to).await.status, 200);
    }
    id
}

#[actix_rt::test]
async fn eligibility_needs_three_substantial_effects_and_some_sustainability() {
    let app = spawn_app().await;
    let project = project_under_assessment(&app).await;
    for (substantial, sustainability, eligible, reasons) in [
        (
            2,
            1,
            false,
            json!(["2 of the required 3 effects substantial"]),
        ),
        (3, 1, true, json!([])),
        (3, 0, false, json!(["no sustainability plan scored"])),
        (6, 2, true, json!([])),
    ] {
        let created = assess(
            &app,
            &pb(),
            &project,
            &body("programme", substantial, sustainability),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(created.body["status"], "draft");
        assert_eq!(created.body["substantialEffects"], substantial);
        assert_eq!(
            created.body["eligible"], eligible,
            "{substantial} substantial, sustainability {sustainability}"
        );
        assert_eq!(created.body["ineligibleReasons"], reasons);
    }
}

#[actix_rt::test]
async fn only_the_latest_final_programme_assessment_unlocks_approval() {
    let app = spawn_app().await;
    let vakdienst = Role::Vakdienst {
        department_id: "ocw".to_owned(),
    };
    let project = project_under_assessment(&app).await;

    let refused = transition(&app, &pb(), &project, "approved").await;
    refused.assert_problem(409, "assessment_not_eligible");
    assert_eq!(
        refused.body["details"]["ineligibleReasons"],
        json!(["no final programme assessment"])
    );

    // A draft, however good, does not count.
    let draft = assess(&app, &pb(), &project, &body("programme", 6, 2)).await;
    transition(&app, &pb(), &project, "approved")
        .await
        .assert_problem(409, "assessment_not_eligible");

    // Nor does a final advisory assessment.
    let advice = assess(&app, &vakdienst, &project, &body("advisory", 6, 2)).await;
    assert_eq!(advice.status, 201, "{}", advice.text);
    assert_eq!(
        finalize(&app, &vakdienst, &project, &advice).await.status,
        200
    );
    transition(&app, &pb(), &project, "approved")
        .await
        .assert_problem(409, "assessment_not_eligible");

    // A final programme assessment with two substantial effects: refused, with its reason.
    let weak = assess(&app, &pb(), &project, &body("programme", 2, 1)).await;
    assert_eq!(finalize(&app, &pb(), &project, &weak).await.status, 200);
    let refused = transition(&app, &pb(), &project, "approved").await;
    refused.assert_problem(409, "assessment_not_eligible");
    assert_eq!(
        refused.body["details"]["ineligibleReasons"],
        json!(["2 of the required 3 effects substantial"])
    );
    let listed = app
        .get("/api/v1/projects?eligible=false", &app.token(&pb()))
        .await;
    assert_eq!(listed.body["items"][0]["id"], project.as_str());

    // A newer final one with three replaces it.
    let finalized = finalize(&app, &pb(), &project, &draft).await;
    assert_eq!(finalized.status, 200, "{}", finalized.text);
    let current = app
        .get(&format!("/api/v1/projects/{project}"), &app.token(&pb()))
        .await;
    assert_eq!(current.body["eligible"], true);
    assert_eq!(current.body["assessmentId"], draft.body["id"]);
    assert_eq!(
        app.get("/api/v1/projects?eligible=true", &app.token(&pb()))
            .await
            .body["items"][0]["id"],
        project.as_str()
    );
    assert_eq!(
        transition(&app, &pb(), &project, "approved").await.status,
        200
    );

    let history = app
        .get(
            &format!("/api/v1/projects/{project}/history"),
            &app.token(&pb()),
        )
        .await;
    let actions: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"project.assessment_finalized"),
        "{actions:?}"
    );
}

#[actix_rt::test]
async fn a_final_assessment_cannot_be_edited_and_a_draft_needs_if_match() {
    let app = spawn_app().await;
    let project = project_under_assessment(&app).await;
    let draft = assess(&app, &pb(), &project, &body("programme", 3, 1)).await;
    let path = format!(
        "/api/v1/projects/{project}/assessments/{}",
        draft.body["id"].as_str().unwrap()
    );
    let token = app.token(&pb());
    app.patch(&path, &token, None, &json!({"advice": "negative"}))
        .await
        .assert_problem(428, "if_match_required");
    app.patch(&path, &token, Some("\"9\""), &json!({"advice": "negative"}))
        .await
        .assert_problem(412, "version_mismatch");
    let edited = app.patch(&path, &token, Some("\"1\""), &json!({"advice": "conditional", "sustainability": {"score": 0, "motivation": "Nog geen plan"}})).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(edited.body["eligible"], false);
    assert_eq!(
        app.patch(&path, &token, Some("\"2\""), &json!({"status": "final"}))
            .await
            .status,
        200
    );
    let refused = app
        .patch(
            &path,
            &token,
            Some("\"3\""),
            &json!({"explanation": "Toch anders"}),
        )
        .await;
    refused.assert_problem(409, "assessment_final");
    assert_eq!(
        app.get(&path, &token).await.body["explanation"],
        "Toelichting"
    );
}

#[actix_rt::test]
async fn every_problem_of_an_assessment_is_reported_at_once() {
    let app = spawn_app().await;
    let project = project_under_assessment(&app).await;
    let mut bad = body("programme", 3, 1);
    bad["effects"].as_array_mut().unwrap().pop();
    bad["sustainability"] = json!({"score": 3});
    bad["advice"] = json!("maybe");
    bad["kind"] = json!("informal");
    let response = assess(&app, &pb(), &project, &bad).await;
    response.assert_problem(400, "invalid_input");
    assert_eq!(
        response.invalid_param_names(),
        [
            "advice",
            "effects",
            "kind",
            "sustainability.motivation",
            "sustainability.score"
        ]
    );
    let mut twice = body("programme", 3, 1);
    twice["effects"][5]["effect"] = json!("safety");
    twice["effects"][5]["score"] = json!(0);
    let response = assess(&app, &pb(), &project, &twice).await;
    assert_eq!(
        response.body["invalidParams"][0]["code"],
        "duplicate_effect"
    );
}

#[actix_rt::test]
async fn authorization_matrix_of_assessment_operations() {
    let app = spawn_app().await;
    let initiator = app
        .post(
            "/api/v1/partners",
            &app.token(&pb()),
            &json!({"name": "Initiatiefnemer", "kind": "welfare"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ocw = Role::Vakdienst {
        department_id: "ocw".to_owned(),
    };
    let szw = Role::Vakdienst {
        department_id: "szw".to_owned(),
    };
    let dsb = Role::Vakdienst {
        department_id: "dsb".to_owned(),
    };
    let escamp = Role::Stadsdeel {
        district_id: "escamp".to_owned(),
    };
    let partner = Role::Partner {
        partner_id: initiator.clone(),
    };
    // A project of the partner in Moerwijk, under assessment; szw co-finances it, ocw advises.
    let created = app
        .post(
            "/api/v1/projects",
            &app.token(&partner),
            &json!({"title": "Huiswerkklas", "neighbourhoodIds": ["moerwijk"]}),
        )
        .await;
    let project = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        transition(&app, &partner, &project, "submitted")
            .await
            .status,
        200
    );
    for to in ["in_dialogue", "under_assessment"] {
        assert_eq!(transition(&app, &pb(), &project, to).await.status, 200);
    }
    let line = app
        .post(&format!("/api/v1/projects/{project}/funding-lines"), &app.token(&pb()), &json!({"sourceType": "department", "sourceId": "szw", "amountCents": 100, "status": "committed"}))
        .await;
    assert_eq!(line.status, 201);

    // Who may create which kind.
    let roles: [(&str, Role); 6] = [
        ("pb", pb()),
        ("ocw", ocw.clone()),
        ("escamp", escamp.clone()),
        ("partner", partner.clone()),
        ("admin", Role::Admin),
        ("dsb", dsb.clone()),
    ];
    let create_expected = [
        ("programme", [201, 403, 403, 403, 403, 403]),
        ("advisory", [403, 201, 403, 403, 403, 201]),
    ];
    let mut failures = Vec::new();
    for (kind, expected) in create_expected {
        for ((label, role), status) in roles.iter().zip(expected) {
            let response = assess(&app, role, &project, &body(kind, 3, 1)).await;
            failures.extend(crate::helpers::disagreement_with_access_table(
                "create_assessment",
                role,
                status,
            ));
            if response.status != status {
                failures.push(format!(
                    "create {kind} as {label}: expected {status}, got {} {}",
                    response.status, response.text
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");

    // The bureau's final programme assessment and ocw's own advice.
    let programme = assess(&app, &pb(), &project, &body("programme", 4, 2)).await;
    assert_eq!(
        finalize(&app, &pb(), &project, &programme).await.status,
        200
    );
    let programme_id = programme.body["id"].as_str().unwrap().to_owned();
    let advisory_id = app
        .get(
            &format!("/api/v1/projects/{project}/assessments"),
            &app.token(&ocw),
        )
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "advisory")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let sees = |response: &Response| -> Vec<String> {
        response.body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|a| a["id"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let read = |role: Role, id: String| {
        let app = &app;
        let project = project.clone();
        async move {
            app.get(
                &format!("/api/v1/projects/{project}/assessments/{id}"),
                &app.token(&role),
            )
            .await
            .status
        }
    };
    // Before the decision.
    assert!(
        sees(
            &app.get(
                &format!("/api/v1/projects/{project}/assessments"),
                &app.token(&pb())
            )
            .await
        )
        .len()
            >= 4
    );
    assert_eq!(
        read(ocw.clone(), advisory_id.clone()).await,
        200,
        "ocw reads its own advice"
    );
    assert_eq!(
        read(ocw.clone(), programme_id.clone()).await,
        200,
        "ocw advised, so reads the final programme one"
    );
    assert_eq!(
        read(szw.clone(), programme_id.clone()).await,
        200,
        "szw co-finances"
    );
    assert_eq!(
        read(szw.clone(), advisory_id.clone()).await,
        404,
        "not szw's advice"
    );
    assert_eq!(
        read(
            Role::Vakdienst {
                department_id: "bsd".to_owned()
            },
            programme_id.clone()
        )
        .await,
        404,
        "bsd is not involved"
    );
    assert_eq!(
        read(escamp.clone(), programme_id.clone()).await,
        404,
        "not decided yet"
    );
    assert_eq!(
        read(partner.clone(), programme_id.clone()).await,
        404,
        "not decided yet"
    );
    assert_eq!(read(Role::Admin, advisory_id.clone()).await, 200);
    // Writing another's assessment.
    let version = "\"1\"";
    let ocw_advice = format!("/api/v1/projects/{project}/assessments/{advisory_id}");
    app.patch(
        &ocw_advice,
        &app.token(&szw),
        Some(version),
        &json!({"advice": "negative"}),
    )
    .await
    .assert_problem(404, "not_found");
    app.patch(
        &ocw_advice,
        &app.token(&pb()),
        Some(version),
        &json!({"advice": "negative"}),
    )
    .await
    .assert_problem(403, "forbidden");
    // A stadsdeel never writes assessments, and cannot read this advice: a 404, like an
    // unknown id (docs/access.md).
    app.patch(
        &ocw_advice,
        &app.token(&escamp),
        Some(version),
        &json!({"advice": "negative"}),
    )
    .await
    .assert_problem(404, "not_found");

    // After the decision the district and the initiator see the final programme assessment only.
    assert_eq!(
        transition(&app, &pb(), &project, "approved").await.status,
        200
    );
    assert_eq!(read(escamp.clone(), programme_id.clone()).await, 200);
    assert_eq!(read(partner.clone(), programme_id.clone()).await, 200);
    assert_eq!(
        sees(
            &app.get(
                &format!("/api/v1/projects/{project}/assessments"),
                &app.token(&partner)
            )
            .await
        ),
        vec![programme_id.clone()]
    );
    assert_eq!(read(escamp, advisory_id).await, 404);
    let other_district = Role::Stadsdeel {
        district_id: "laak".to_owned(),
    };
    assert_eq!(read(other_district, programme_id).await, 404);
}

#[actix_rt::test]
async fn an_advisory_assessment_needs_a_project_past_draft() {
    let app = spawn_app().await;
    let created = app
        .post(
            "/api/v1/projects",
            &app.token(&pb()),
            &json!({"title": "Concept", "neighbourhoodIds": ["transvaal"]}),
        )
        .await;
    let project = created.body["id"].as_str().unwrap();
    let ocw = Role::Vakdienst {
        department_id: "ocw".to_owned(),
    };
    assess(&app, &ocw, project, &body("advisory", 3, 1))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        assess(&app, &pb(), project, &body("programme", 3, 1))
            .await
            .status,
        201
    );
}
