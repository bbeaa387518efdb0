//! The project lifecycle: a scenario from a partner's idea to a co-financed, connected project,
//! the authorization matrix of every project and partner operation, and the concurrency rules.

use awc::http::Method;
use serde_json::json;

use crate::helpers::{
    Response, TestApp, assert_projects_listed_as_read, disagreement_with_access_table, etag,
    partner, pb, spawn_app, stadsdeel, transition_with_reason, unique_kvk_number, vakdienst,
};
use wijkregie::auth::Role;

/// Registers a partner with a KvK number of its own (a number names one active partner).
async fn create_partner(app: &TestApp, name: &str, kind: &str) -> String {
    let kvk_number = unique_kvk_number();
    let response = app
        .post(
            "/api/v1/partners",
            &app.token(&pb()),
            &json!({"name": name, "kind": kind, "kvkNumber": kvk_number, "neighbourhoodIds": ["moerwijk"],
                    "contact": {"name": "Contact", "email": "info@example.nl", "phone": null}}),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.body["id"].as_str().unwrap().to_owned()
}

async fn create_project(app: &TestApp, role: &Role, neighbourhood: &str) -> Response {
    app.post(
        "/api/v1/projects",
        &app.token(role),
        &json!({"title": "Moestuin op het plein", "summary": "Een moestuin", "neighbourhoodIds": [neighbourhood],
                "initiator": "Bewonersgroep", "projectLeader": "A. de Vries", "startDate": "2027-03-01",
                "endDate": "2027-12-31", "claimedEffects": ["social_cohesion", "ownership", "positive_image"],
                "sustainabilityPlan": "De school neemt het over"}),
    )
    .await
}

#[actix_rt::test]
async fn an_idea_becomes_a_co_financed_connected_project_with_its_whole_history() {
    let app = spawn_app().await;
    let school = create_partner(&app, "Basisschool De Regenboog", "school").await;
    let welfare = create_partner(&app, "Welzijn Escamp", "welfare").await;
    let bureau = app.token(&pb());

    // The school enters its idea as a draft; it is the initiator.
    let draft = create_project(&app, &partner(&school), "moerwijk").await;
    assert_eq!(draft.status, 201, "{}", draft.text);
    assert_eq!(draft.body["status"], "draft");
    assert_eq!(draft.body["initiatorPartnerId"], school.as_str());
    assert_eq!(draft.body["districtId"], "escamp");
    let id = draft.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/projects/{id}");
    let school_token = app.token(&partner(&school));

    let goal = app
        .post(&format!("{path}/goals"), &school_token, &json!({"effect": "employment", "indicator": "Ouders aan het werk", "unit": "persons", "baseline": 0, "target": 12}))
        .await;
    assert_eq!(goal.status, 201, "{}", goal.text);

    let submitted = transition_with_reason(&app, &partner(&school), &id, "submitted", None).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert!(
        submitted.body["responseDueAt"].is_string(),
        "the bureau owes an answer"
    );
    let awaiting = app.get("/api/v1/projects?status=submitted", &bureau).await;
    assert_eq!(awaiting.body["items"][0]["id"], id.as_str());

    // The bureau thinks along: dialogue and notes.
    let dialogue = transition_with_reason(&app, &pb(), &id, "in_dialogue", None).await;
    assert_eq!(dialogue.status, 200, "{}", dialogue.text);
    assert!(
        dialogue.body["respondedAt"].is_string(),
        "leaving submitted answers the initiator"
    );
    let note = app
        .post(
            &format!("{path}/notes"),
            &bureau,
            &json!({"text": "Spoke with the school; they join as co-financier."}),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.text);
    assert_eq!(note.body["author"]["role"], "programmabureau");

    // Three sources of money; the budget follows.
    for line in [
        json!({"sourceType": "programme", "amountCents": 2_000_000, "status": "committed"}),
        json!({"sourceType": "department", "sourceId": "szw", "amountCents": 1_500_000, "status": "committed"}),
        json!({"sourceType": "partner", "sourceId": welfare, "amountCents": 1_500_000, "status": "requested"}),
    ] {
        let created = app
            .post(&format!("{path}/funding-lines"), &bureau, &line)
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
    }
    let project = app.get(&path, &bureau).await;
    assert_eq!(
        project.body["budget"],
        json!({"totalCents": 5_000_000, "programmeCents": 2_000_000, "otherCents": 3_000_000, "cofinancingRatio": 0.6, "meetsCofinancingTarget": true})
    );

    // Two partners and a link to another project, seen from both sides.
    for (partner_id, role) in [(&school, "lead"), (&welfare, "executor")] {
        let version = etag(&app, &path).await;
        let put = app
            .request(
                Method::PUT,
                &format!("{path}/partners/{partner_id}"),
                Some(&bureau),
                Some(&json!({"role": role})),
                &[("If-Match", &version)],
            )
            .await;
        assert_eq!(put.status, 200, "{}", put.text);
    }
    let other = create_project(&app, &pb(), "morgenstond").await;
    let other_id = other.body["id"].as_str().unwrap().to_owned();
    let link = app
        .post(
            &format!("{path}/links"),
            &bureau,
            &json!({"targetProjectId": other_id, "kind": "complements"}),
        )
        .await;
    assert_eq!(link.status, 201, "{}", link.text);
    let again = app
        .post(
            &format!("/api/v1/projects/{other_id}/links"),
            &bureau,
            &json!({"targetProjectId": id, "kind": "builds_on"}),
        )
        .await;
    again.assert_problem(409, "already_linked");
    let own = app
        .post(
            &format!("{path}/links"),
            &bureau,
            &json!({"targetProjectId": id, "kind": "builds_on"}),
        )
        .await;
    own.assert_problem(400, "invalid_input");
    let seen_from_other = app
        .get(&format!("/api/v1/projects/{other_id}"), &bureau)
        .await;
    assert_eq!(seen_from_other.body["links"][0]["projectId"], id.as_str());
    assert_eq!(seen_from_other.body["links"][0]["direction"], "incoming");

    // A list reads the members of all its projects in one query; each item carries its own,
    // the link between the two on both sides, as the single reads do.
    assert_projects_listed_as_read(&app, &bureau, &[&id, &other_id]).await;

    let project = app.get(&path, &bureau).await;
    assert_eq!(project.body["partners"].as_array().unwrap().len(), 2);
    assert_eq!(project.body["links"][0]["direction"], "outgoing");
    // The welfare organisation now sees the project it takes part in.
    assert_eq!(
        app.get(&path, &app.token(&partner(&welfare))).await.status,
        200
    );

    let history = app.get(&format!("{path}/history"), &bureau).await;
    let actions: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "project.created",
            "project.goal_created",
            "project.status_changed",
            "project.status_changed",
            "project.note_added",
            "project.funding_line_created",
            "project.funding_line_created",
            "project.funding_line_created",
            "project.partner_added",
            "project.partner_added",
            "project.link_created",
        ]
    );
    let first_move = &history.body["items"][2];
    assert_eq!(first_move["data"]["after"]["status"], "submitted");
    assert_eq!(first_move["actor"]["role"], "partner");
    assert_eq!(history.body["items"][0]["actor"]["role"], "partner");

    // Assessments come later: approval is refused until then.
    assert_eq!(
        transition_with_reason(&app, &pb(), &id, "under_assessment", None)
            .await
            .status,
        200
    );
    transition_with_reason(&app, &pb(), &id, "approved", None)
        .await
        .assert_problem(409, "assessment_not_eligible");
}

#[actix_rt::test]
async fn the_status_machine_refuses_what_it_does_not_allow() {
    let app = spawn_app().await;
    let created = create_project(&app, &stadsdeel("escamp"), "moerwijk").await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let skip = transition_with_reason(&app, &pb(), &id, "running", None).await;
    skip.assert_problem(409, "transition_not_allowed");
    assert_eq!(
        skip.body["details"],
        json!({"from": "draft", "to": "running"})
    );
    assert_eq!(
        transition_with_reason(&app, &stadsdeel("escamp"), &id, "submitted", None)
            .await
            .status,
        200
    );
    transition_with_reason(&app, &stadsdeel("escamp"), &id, "in_dialogue", None)
        .await
        .assert_problem(403, "forbidden");
    let no_reason = transition_with_reason(&app, &pb(), &id, "draft", None).await;
    no_reason.assert_problem(400, "invalid_input");
    assert_eq!(no_reason.invalid_param_names(), ["reason"]);
    let back = transition_with_reason(
        &app,
        &pb(),
        &id,
        "draft",
        Some("Eerst de begroting uitwerken"),
    )
    .await;
    assert_eq!(back.status, 200);
    assert_eq!(back.body["status"], "draft");
    let unknown = transition_with_reason(&app, &pb(), &id, "finished", None).await;
    unknown.assert_problem(400, "invalid_input");
}

#[actix_rt::test]
async fn concurrent_transitions_on_one_project_cannot_both_succeed() {
    let app = spawn_app().await;
    let created = create_project(&app, &pb(), "transvaal").await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let token = app.token(&pb());
    let path = format!("/api/v1/projects/{id}/transitions");
    let body = json!({"to": "submitted"});
    let (a, b) = futures::join!(
        app.request(
            Method::POST,
            &path,
            Some(&token),
            Some(&body),
            &[("If-Match", "\"1\"")]
        ),
        app.request(
            Method::POST,
            &path,
            Some(&token),
            Some(&body),
            &[("If-Match", "\"1\"")]
        ),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 412], "{} / {}", a.text, b.text);
    let history = app
        .get(&format!("/api/v1/projects/{id}/history"), &token)
        .await;
    let moves = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "project.status_changed")
        .count();
    assert_eq!(moves, 1);
    let missing = app
        .request(
            Method::POST,
            &path,
            Some(&token),
            Some(&json!({"to": "in_dialogue"})),
            &[],
        )
        .await;
    missing.assert_problem(428, "if_match_required");
    let stale = app
        .patch(
            &format!("/api/v1/projects/{id}"),
            &token,
            Some("\"1\""),
            &json!({"title": "Nieuw"}),
        )
        .await;
    stale.assert_problem(412, "version_mismatch");
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}"), &token)
            .await
            .body["title"],
        "Moestuin op het plein"
    );
}

#[actix_rt::test]
async fn project_lists_filter_and_show_each_role_only_its_own() {
    let app = spawn_app().await;
    let school = create_partner(&app, "School", "school").await;
    let escamp_draft = create_project(&app, &stadsdeel("escamp"), "moerwijk")
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let laak_draft = create_project(&app, &stadsdeel("laak"), "laakkwartier")
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let school_draft = create_project(&app, &partner(&school), "moerwijk")
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let submitted = create_project(&app, &pb(), "schilderswijk").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        transition_with_reason(&app, &pb(), &submitted, "submitted", None)
            .await
            .status,
        200
    );

    let ids = |response: Response| -> Vec<String> {
        response.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let everything = ids(app.get("/api/v1/projects", &app.token(&pb())).await);
    assert_eq!(
        everything,
        [
            submitted.clone(),
            school_draft.clone(),
            laak_draft.clone(),
            escamp_draft.clone()
        ],
        "newest first"
    );
    assert_eq!(
        ids(app
            .get("/api/v1/projects", &app.token(&stadsdeel("escamp")))
            .await),
        [
            submitted.clone(),
            school_draft.clone(),
            escamp_draft.clone()
        ]
    );
    assert_eq!(
        ids(app
            .get("/api/v1/projects", &app.token(&vakdienst("ocw")))
            .await),
        vec![submitted.clone()]
    );
    assert_eq!(
        ids(app
            .get("/api/v1/projects", &app.token(&partner(&school)))
            .await),
        vec![school_draft.clone()]
    );

    let bureau = app.token(&pb());
    assert_eq!(
        ids(app.get("/api/v1/projects?districtId=laak", &bureau).await),
        vec![laak_draft.clone()]
    );
    assert_eq!(
        ids(app
            .get("/api/v1/projects?neighbourhoodId=moerwijk", &bureau)
            .await),
        [school_draft.clone(), escamp_draft.clone()]
    );
    assert_eq!(
        ids(app
            .get(&format!("/api/v1/projects?partnerId={school}"), &bureau)
            .await),
        vec![school_draft.clone()]
    );
    assert_eq!(
        ids(app
            .get("/api/v1/projects?status=submitted&status=running", &bureau)
            .await),
        vec![submitted.clone()]
    );
    assert_eq!(
        ids(app
            .get("/api/v1/projects?effect=ownership&limit=1", &bureau)
            .await)
        .len(),
        1
    );
    assert_eq!(
        ids(app.get("/api/v1/projects?effect=safety", &bureau).await).len(),
        0
    );
    assert_eq!(
        ids(app.get("/api/v1/projects?q=MOESTUIN", &bureau).await).len(),
        4
    );
    assert_eq!(
        ids(app
            .get("/api/v1/projects?awaitingResponse=true", &bureau)
            .await)
        .len(),
        0,
        "not overdue yet"
    );
    app.database.execute(&format!(
        "UPDATE projects SET response_due_at = '2020-01-01 00:00:00' WHERE id = '{submitted}'"
    ));
    assert_eq!(
        ids(app
            .get("/api/v1/projects?awaitingResponse=true", &bureau)
            .await),
        vec![submitted.clone()]
    );
    assert_eq!(
        ids(app
            .get(
                "/api/v1/projects?updatedAfter=2100-01-01T00:00:00Z",
                &bureau
            )
            .await)
        .len(),
        0
    );
    app.get(
        "/api/v1/projects?status=finished&updatedAfter=yesterday",
        &bureau,
    )
    .await
    .assert_problem(400, "invalid_input");
}

/// One cell of the authorization matrix.
struct Cell {
    operation: &'static str,
    /// (role label, expected status) for every role.
    expected: [(&'static str, u16); 7],
}

const ROLES: [&str; 7] = [
    "programmabureau",
    "stadsdeel escamp",
    "stadsdeel laak",
    "vakdienst ocw",
    "initiating partner",
    "other partner",
    "admin",
];

/// The matrix: each operation on a draft of a partner in Escamp (or as named) by every role.
/// 404: the role may not read the project; 403: it may read but not do this.
const MATRIX: [Cell; 14] = [
    Cell {
        operation: "create partner",
        expected: [
            ("pb", 201),
            ("sd", 201),
            ("sd-laak", 201),
            ("vak", 403),
            ("p1", 403),
            ("p2", 403),
            ("admin", 201),
        ],
    },
    Cell {
        operation: "update own partner record",
        expected: [
            ("pb", 200),
            ("sd", 200),
            ("sd-laak", 200),
            ("vak", 403),
            ("p1", 200),
            ("p2", 403),
            ("admin", 200),
        ],
    },
    Cell {
        operation: "create project in escamp",
        expected: [
            ("pb", 201),
            ("sd", 201),
            ("sd-laak", 403),
            ("vak", 403),
            ("p1", 201),
            ("p2", 201),
            ("admin", 403),
        ],
    },
    Cell {
        operation: "read draft",
        expected: [
            ("pb", 200),
            ("sd", 200),
            ("sd-laak", 404),
            ("vak", 404),
            ("p1", 200),
            ("p2", 404),
            ("admin", 200),
        ],
    },
    Cell {
        operation: "edit draft",
        expected: [
            ("pb", 200),
            ("sd", 200),
            ("sd-laak", 404),
            ("vak", 404),
            ("p1", 200),
            ("p2", 404),
            ("admin", 403),
        ],
    },
    Cell {
        operation: "add goal to draft",
        expected: [
            ("pb", 201),
            ("sd", 201),
            ("sd-laak", 404),
            ("vak", 404),
            ("p1", 201),
            ("p2", 404),
            ("admin", 403),
        ],
    },
    Cell {
        operation: "add note to draft",
        expected: [
            ("pb", 201),
            ("sd", 201),
            ("sd-laak", 404),
            ("vak", 404),
            ("p1", 201),
            ("p2", 404),
            ("admin", 403),
        ],
    },
    Cell {
        operation: "fund draft from the programme",
        expected: [
            ("pb", 201),
            ("sd", 201),
            ("sd-laak", 404),
            ("vak", 404),
            ("p1", 403),
            ("p2", 404),
            ("admin", 403),
        ],
    },
    Cell {
        operation: "submit draft",
        expected: [
            ("pb", 200),
            ("sd", 200),
            ("sd-laak", 404),
            ("vak", 404),
            ("p1", 200),
            ("p2", 404),
            ("admin", 403),
        ],
    },
    Cell {
        operation: "read submitted",
        expected: [
            ("pb", 200),
            ("sd", 200),
            ("sd-laak", 200),
            ("vak", 200),
            ("p1", 200),
            ("p2", 404),
            ("admin", 200),
        ],
    },
    Cell {
        operation: "edit submitted",
        expected: [
            ("pb", 200),
            ("sd", 200),
            ("sd-laak", 403),
            ("vak", 403),
            ("p1", 403),
            ("p2", 404),
            ("admin", 403),
        ],
    },
    Cell {
        operation: "fund submitted from ocw",
        expected: [
            ("pb", 201),
            ("sd", 201),
            ("sd-laak", 403),
            ("vak", 201),
            ("p1", 403),
            ("p2", 404),
            ("admin", 403),
        ],
    },
    Cell {
        operation: "fund submitted from szw",
        expected: [
            ("pb", 201),
            ("sd", 201),
            ("sd-laak", 403),
            ("vak", 403),
            ("p1", 403),
            ("p2", 404),
            ("admin", 403),
        ],
    },
    Cell {
        operation: "start dialogue on submitted",
        expected: [
            ("pb", 200),
            ("sd", 403),
            ("sd-laak", 403),
            ("vak", 403),
            ("p1", 403),
            ("p2", 404),
            ("admin", 403),
        ],
    },
];

#[actix_rt::test]
async fn authorization_matrix_of_partner_and_project_operations() {
    let app = spawn_app().await;
    let p1 = create_partner(&app, "Initiatiefnemer", "self_organisation").await;
    let p2 = create_partner(&app, "Buitenstaander", "business").await;
    let roles = [
        pb(),
        stadsdeel("escamp"),
        stadsdeel("laak"),
        vakdienst("ocw"),
        partner(&p1),
        partner(&p2),
        Role::Admin,
    ];
    let mut failures = Vec::new();
    for cell in MATRIX {
        for (index, role) in roles.iter().enumerate() {
            let token = app.token(role);
            // A fresh draft by the initiating partner for every cell, submitted where the cell says.
            let draft = create_project(&app, &partner(&p1), "moerwijk").await;
            let id = draft.body["id"].as_str().unwrap().to_owned();
            let path = format!("/api/v1/projects/{id}");
            if cell.operation.contains("submitted") {
                assert_eq!(
                    transition_with_reason(&app, &pb(), &id, "submitted", None)
                        .await
                        .status,
                    200
                );
            }
            let version = etag(&app, &path).await;
            let response = match cell.operation {
                "create partner" => app.post("/api/v1/partners", &token, &json!({"name": "Nieuw", "kind": "library"})).await,
                "update own partner record" => {
                    let own = etag(&app, &format!("/api/v1/partners/{p1}")).await;
                    app.patch(&format!("/api/v1/partners/{p1}"), &token, Some(&own), &json!({"website": "https://example.nl"})).await
                }
                "create project in escamp" => create_project(&app, role, "moerwijk").await,
                "read draft" | "read submitted" => app.get(&path, &token).await,
                "edit draft" | "edit submitted" => app.patch(&path, &token, Some(&version), &json!({"summary": "Aangepast"})).await,
                "add goal to draft" => {
                    app.post(&format!("{path}/goals"), &token, &json!({"effect": "safety", "indicator": "Meldingen", "unit": "count", "baseline": 10, "target": 5})).await
                }
                "add note to draft" => app.post(&format!("{path}/notes"), &token, &json!({"text": "Goed idee"})).await,
                "fund draft from the programme" => {
                    app.post(&format!("{path}/funding-lines"), &token, &json!({"sourceType": "programme", "amountCents": 100, "status": "requested"})).await
                }
                "fund submitted from ocw" | "fund submitted from szw" => {
                    let department = if cell.operation.ends_with("ocw") { "ocw" } else { "szw" };
                    app.post(&format!("{path}/funding-lines"), &token, &json!({"sourceType": "department", "sourceId": department, "amountCents": 100, "status": "committed"})).await
                }
                "submit draft" => transition_with_reason(&app, role, &id, "submitted", None).await,
                "start dialogue on submitted" => transition_with_reason(&app, role, &id, "in_dialogue", None).await,
                other => unreachable!("{other}"),
            };
            let expected = cell.expected[index].1;
            let operation_id = match cell.operation {
                "create partner" => "create_partner",
                "update own partner record" => "update_partner",
                "create project in escamp" => "create_project",
                "read draft" | "read submitted" => "get_project",
                "edit draft" | "edit submitted" => "update_project",
                "add goal to draft" => "create_goal",
                "add note to draft" => "create_note",
                "submit draft" | "start dialogue on submitted" => "transition_project",
                _ => "create_funding_line",
            };
            failures.extend(disagreement_with_access_table(operation_id, role, expected));
            if response.status != expected {
                failures.push(format!(
                    "{} as {}: expected {expected}, got {} {}",
                    cell.operation, ROLES[index], response.status, response.text
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[actix_rt::test]
async fn funding_amounts_are_bounded_and_the_budget_never_overflows() {
    let app = spawn_app().await;
    let bureau = app.token(&pb());
    let id = create_project(&app, &pb(), "moerwijk").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lines = format!("/api/v1/projects/{id}/funding-lines");
    let too_much = app.post(&lines, &bureau, &json!({"sourceType": "fund", "amountCents": 1_000_000_000_001_i64, "status": "requested"})).await;
    too_much.assert_problem(400, "invalid_input");
    for _ in 0..3 {
        let most = app.post(&lines, &bureau, &json!({"sourceType": "fund", "amountCents": 1_000_000_000_000_i64, "status": "requested"})).await;
        assert_eq!(most.status, 201, "{}", most.text);
    }
    let project = app.get(&format!("/api/v1/projects/{id}"), &bureau).await;
    assert_eq!(project.status, 200, "{}", project.text);
    assert_eq!(project.body["budget"]["totalCents"], 3_000_000_000_000_i64);
    assert_eq!(project.body["budget"]["cofinancingRatio"], 1.0);
    let zero = app
        .post(
            &lines,
            &bureau,
            &json!({"sourceType": "programme", "amountCents": 0, "status": "requested"}),
        )
        .await;
    zero.assert_problem(400, "invalid_input");
    let nameless = app
        .post(
            &lines,
            &bureau,
            &json!({"sourceType": "department", "amountCents": 5, "status": "requested"}),
        )
        .await;
    nameless.assert_problem(400, "invalid_input");
    assert_eq!(nameless.invalid_param_names(), ["sourceId"]);
}

#[actix_rt::test]
async fn evaluation_needs_an_actual_value_on_every_goal() {
    let app = spawn_app().await;
    let bureau = app.token(&pb());
    let id = create_project(&app, &pb(), "moerwijk").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let goal = app
        .post(&format!("/api/v1/projects/{id}/goals"), &bureau, &json!({"effect": "safety", "indicator": "Meldingen", "unit": "count", "baseline": 10, "target": 5}))
        .await;
    let goal_id = goal.body["id"].as_str().unwrap().to_owned();
    // Walk to `completed` directly in the database: approval needs assessments (a later release).
    app.database.execute(&format!(
        "UPDATE projects SET status = 'completed' WHERE id = '{id}'"
    ));
    let refused = transition_with_reason(&app, &pb(), &id, "evaluated", None).await;
    refused.assert_problem(409, "goals_without_actual");
    assert_eq!(refused.body["details"]["goalIds"], json!([goal_id]));
    let measured = app
        .patch(
            &format!("/api/v1/projects/{id}/goals/{goal_id}"),
            &bureau,
            Some("\"1\""),
            &json!({"actual": 4, "measuredOn": "2027-12-01"}),
        )
        .await;
    assert_eq!(measured.status, 200, "{}", measured.text);
    // Measured, but not evaluated yet (tests/api/evaluations.rs writes one through the API).
    transition_with_reason(&app, &pb(), &id, "evaluated", None)
        .await
        .assert_problem(409, "evaluation_required");
    app.database.execute(&format!("INSERT INTO evaluations (project_id, lessons_learned, created_at, updated_at) VALUES ('{id}', 'Klein beginnen', '2027-12-01 00:00:00', '2027-12-01 00:00:00')"));
    assert_eq!(
        transition_with_reason(&app, &pb(), &id, "evaluated", None)
            .await
            .status,
        200
    );
}
