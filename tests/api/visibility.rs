//! DESIGN §9: the same reading rule wherever an object shows up. An id the reader may not open is
//! not shown to that reader anywhere — not in a history, a link, `signalIds`, a derived field or
//! a filter — and a reference may only point at an object its writer can read. Each test here
//! was written against a leak that an earlier release had.

use serde_json::{Value, json};
use wijkregie::auth::Role;

use crate::helpers::*;

const EFFECTS: [&str; 6] = [
    "social_cohesion",
    "positive_image",
    "access_to_services",
    "safety",
    "employment",
    "ownership",
];

fn assessment(kind: &str, substantial: usize) -> Value {
    let effects: Vec<Value> = EFFECTS
        .iter()
        .enumerate()
        .map(|(i, e)| json!({"effect": e, "score": if i < substantial { 2 } else { 1 }, "motivation": "Onderbouwing"}))
        .collect();
    json!({"kind": kind, "effects": effects, "sustainability": {"score": 2, "motivation": "Borging"},
           "advice": "positive", "explanation": "Toelichting"})
}

async fn project(app: &TestApp, role: &Role, neighbourhood: &str, to: &[&str]) -> String {
    let created = app
        .post(
            "/api/v1/projects",
            &app.token(role),
            &json!({"title": "Buurtproject", "neighbourhoodIds": [neighbourhood]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    for status in to {
        assert_eq!(transition(app, &pb(), &id, status).await.status, 200);
    }
    id
}

async fn signal(app: &TestApp, role: &Role, neighbourhood: &str) -> String {
    let created = app
        .post(
            "/api/v1/signals",
            &app.token(role),
            &json!({"title": "Losse stoeptegels", "description": "Gevaarlijk voor ouderen.",
                    "neighbourhoodId": neighbourhood, "source": "resident", "themeId": "public_space"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["id"].as_str().unwrap().to_owned()
}

async fn link_signal(app: &TestApp, role: &Role, signal: &str, projects: &[&str]) -> Response {
    let version = etag(app, &format!("/api/v1/signals/{signal}")).await;
    app.patch(
        &format!("/api/v1/signals/{signal}"),
        &app.token(role),
        Some(&version),
        &json!({ "projectIds": projects }),
    )
    .await
}

#[actix_rt::test]
async fn a_department_does_not_see_another_departments_draft_advice_in_a_project_history() {
    let app = spawn_app().await;
    let id = project(
        &app,
        &pb(),
        "moerwijk",
        &["submitted", "in_dialogue", "under_assessment"],
    )
    .await;
    let advice = assess(&app, &vakdienst("ocw"), &id, &assessment("advisory", 4)).await;
    assert_eq!(advice.status, 201, "{}", advice.text);
    let advice_id = advice.body["id"].as_str().unwrap();
    let path = format!("/api/v1/projects/{id}/assessments/{advice_id}");
    assert_eq!(
        app.get(&path, &app.token(&vakdienst("dsb"))).await.status,
        404
    );

    let history_path = format!("/api/v1/projects/{id}/history");
    let seen_by_dsb = app.get(&history_path, &app.token(&vakdienst("dsb"))).await;
    assert_eq!(seen_by_dsb.status, 200);
    assert!(
        !seen_by_dsb.text.contains(advice_id),
        "{}",
        seen_by_dsb.text
    );
    assert!(
        !seen_by_dsb.text.contains("assessment_created"),
        "{}",
        seen_by_dsb.text
    );
    // The department that gave the advice, and the bureau, still see it on the trail.
    for reader in [vakdienst("ocw"), pb()] {
        let history = app.get(&history_path, &app.token(&reader)).await;
        assert!(history.text.contains(advice_id), "{}", history.text);
    }
}

#[actix_rt::test]
async fn links_signal_ids_and_history_show_only_what_the_reader_can_open() {
    let app = spawn_app().await;
    let laak = stadsdeel("laak");
    let in_laak = project(&app, &pb(), "laakkwartier", &["submitted"]).await;
    let escamp_draft = project(&app, &pb(), "moerwijk", &[]).await;
    let link = app
        .post(
            &format!("/api/v1/projects/{in_laak}/links"),
            &app.token(&pb()),
            &json!({"targetProjectId": escamp_draft, "kind": "complements"}),
        )
        .await;
    assert_eq!(link.status, 201, "{}", link.text);
    let centrum_signal = signal(&app, &pb(), "transvaal").await;
    assert_eq!(
        link_signal(&app, &pb(), &centrum_signal, &[&in_laak])
            .await
            .status,
        200
    );

    let path = format!("/api/v1/projects/{in_laak}");
    let bureau_view = app.get(&path, &app.token(&pb())).await;
    assert_eq!(bureau_view.body["links"].as_array().unwrap().len(), 1);
    assert_eq!(bureau_view.body["signalIds"], json!([centrum_signal]));

    let laak_view = app.get(&path, &app.token(&laak)).await;
    assert_eq!(laak_view.status, 200);
    assert_eq!(laak_view.body["links"], json!([]), "{}", laak_view.text);
    assert_eq!(laak_view.body["signalIds"], json!([]), "{}", laak_view.text);
    let history = app.get(&format!("{path}/history"), &app.token(&laak)).await;
    assert_eq!(history.status, 200);
    assert!(!history.text.contains(&escamp_draft), "{}", history.text);

    // A list shows the same project the same way.
    let listed = app
        .get("/api/v1/projects?districtId=laak", &app.token(&laak))
        .await;
    let item = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == in_laak.as_str())
        .cloned()
        .unwrap();
    assert_eq!(item["links"], json!([]));
    assert_eq!(item["signalIds"], json!([]));

    // The stadsdeel of Centrum reads the signal but not the Laak project? It reads every project
    // past draft, so it sees the link from its signal.
    let signal_view = app
        .get(
            &format!("/api/v1/signals/{centrum_signal}"),
            &app.token(&stadsdeel("centrum")),
        )
        .await;
    assert_eq!(signal_view.body["projectIds"], json!([in_laak]));
    // A partner that reported nothing reads neither.
    let escamp = app
        .get(
            &format!("/api/v1/projects/{escamp_draft}"),
            &app.token(&stadsdeel("escamp")),
        )
        .await;
    assert_eq!(escamp.status, 200, "the draft's own district reads it");
    assert_eq!(escamp.body["links"][0]["projectId"], in_laak.as_str());
}

#[actix_rt::test]
async fn a_signal_history_hides_links_to_projects_the_reader_cannot_open() {
    let app = spawn_app().await;
    let draft = project(&app, &pb(), "moerwijk", &[]).await;
    // A signal in Laak on public space: routed to dsb.
    let id = signal(&app, &pb(), "laakkwartier").await;
    assert_eq!(link_signal(&app, &pb(), &id, &[&draft]).await.status, 200);
    for reader in [vakdienst("dsb"), stadsdeel("laak")] {
        let token = app.token(&reader);
        let seen = app.get(&format!("/api/v1/signals/{id}"), &token).await;
        assert_eq!(seen.status, 200);
        assert_eq!(seen.body["projectIds"], json!([]), "{}", seen.text);
        let history = app
            .get(&format!("/api/v1/signals/{id}/history"), &token)
            .await;
        assert_eq!(history.status, 200);
        assert!(!history.text.contains(&draft), "{}", history.text);
    }
}

#[actix_rt::test]
async fn an_undecided_assessments_outcome_is_not_shown_to_who_cannot_open_it() {
    let app = spawn_app().await;
    let id = project(
        &app,
        &pb(),
        "moerwijk",
        &["submitted", "in_dialogue", "under_assessment"],
    )
    .await;
    let created = assess(&app, &pb(), &id, &assessment("programme", 4)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let assessment_id = created.body["id"].as_str().unwrap().to_owned();
    let finalized = finalize(&app, &pb(), &id, &created).await;
    assert_eq!(finalized.status, 200, "{}", finalized.text);
    let bureau = app
        .get(&format!("/api/v1/projects/{id}"), &app.token(&pb()))
        .await;
    assert_eq!(bureau.body["eligible"], true);
    assert_eq!(bureau.body["assessmentId"], assessment_id.as_str());

    let escamp = stadsdeel("escamp");
    let token = app.token(&escamp);
    let assessment_path = format!("/api/v1/projects/{id}/assessments/{assessment_id}");
    assert_eq!(app.get(&assessment_path, &token).await.status, 404);
    let seen = app.get(&format!("/api/v1/projects/{id}"), &token).await;
    assert_eq!(seen.body["eligible"], Value::Null, "{}", seen.text);
    assert_eq!(seen.body["assessmentId"], Value::Null, "{}", seen.text);
    for eligible in ["true", "false"] {
        let listed = app
            .get(&format!("/api/v1/projects?eligible={eligible}"), &token)
            .await;
        assert_eq!(listed.status, 200);
        assert!(
            !listed.text.contains(&id),
            "?eligible={eligible}: {}",
            listed.text
        );
    }
    let history = app
        .get(&format!("/api/v1/projects/{id}/history"), &token)
        .await;
    assert!(!history.text.contains(&assessment_id), "{}", history.text);

    // Once the project is decided, the district reads the assessment and so its outcome.
    assert_eq!(transition(&app, &pb(), &id, "approved").await.status, 200);
    assert_eq!(app.get(&assessment_path, &token).await.status, 200);
    let seen = app.get(&format!("/api/v1/projects/{id}"), &token).await;
    assert_eq!(seen.body["eligible"], true);
    assert_eq!(seen.body["assessmentId"], assessment_id.as_str());
    let listed = app.get("/api/v1/projects?eligible=true", &token).await;
    assert!(listed.text.contains(&id), "{}", listed.text);
}

#[actix_rt::test]
async fn a_signal_links_only_to_projects_its_writer_can_read() {
    let app = spawn_app().await;
    let laak = stadsdeel("laak");
    let id = signal(&app, &pb(), "laakkwartier").await;
    let escamp_draft = project(&app, &pb(), "moerwijk", &[]).await;
    let hidden = link_signal(&app, &laak, &id, &[&escamp_draft]).await;
    hidden.assert_problem(400, "invalid_input");
    let missing = link_signal(&app, &laak, &id, &["0190f0a0-0000-7000-8000-00000000beef"]).await;
    missing.assert_problem(400, "invalid_input");
    // The same answer for a project that exists but is not the writer's to read as for one
    // that does not exist: nothing tells them apart.
    assert_eq!(hidden.body["invalidParams"][0]["code"], "unknown_reference");
    assert_eq!(
        hidden.body["invalidParams"][0]["code"],
        missing.body["invalidParams"][0]["code"]
    );
    assert_eq!(
        hidden.body["invalidParams"][0]["reason"]
            .as_str()
            .map(|r| r.replace(&escamp_draft, "ID")),
        missing.body["invalidParams"][0]["reason"]
            .as_str()
            .map(|r| r.replace("0190f0a0-0000-7000-8000-00000000beef", "ID"))
    );
    // The bureau may link it.
    assert_eq!(
        link_signal(&app, &pb(), &id, &[&escamp_draft]).await.status,
        200
    );
}

#[actix_rt::test]
async fn a_partner_can_neither_give_away_nor_lose_its_own_draft() {
    let app = spawn_app().await;
    let registered = app
        .post(
            "/api/v1/partners",
            &app.token(&pb()),
            &json!({"name": "Buurthuis De Mussen", "kind": "community_centre"}),
        )
        .await;
    let partner_id = registered.body["id"].as_str().unwrap().to_owned();
    let other = app
        .post(
            "/api/v1/partners",
            &app.token(&pb()),
            &json!({"name": "Basisschool De Regenboog", "kind": "school"}),
        )
        .await;
    let other_id = other.body["id"].as_str().unwrap().to_owned();
    let own = partner(&partner_id);
    let id = project(&app, &own, "transvaal", &[]).await;
    let path = format!("/api/v1/projects/{id}");
    for change in [
        json!({"initiatorPartnerId": null}),
        json!({"initiatorPartnerId": other_id}),
    ] {
        let version = etag(&app, &path).await;
        app.patch(&path, &app.token(&own), Some(&version), &change)
            .await
            .assert_problem(403, "forbidden");
    }
    let still = app.get(&path, &app.token(&own)).await;
    assert_eq!(still.status, 200);
    assert_eq!(still.body["initiatorPartnerId"], partner_id.as_str());
}

#[actix_rt::test]
async fn a_token_for_an_unregistered_partner_writes_nothing() {
    let app = spawn_app().await;
    let stranger = partner("0190f0a0-0000-7000-8000-00000000f00d");
    let token = app.token(&stranger);
    let signal = app
        .post(
            "/api/v1/signals",
            &token,
            &json!({"title": "Losse stoeptegels", "description": "Gevaarlijk.",
                    "neighbourhoodId": "transvaal", "source": "partner", "themeId": "public_space"}),
        )
        .await;
    signal.assert_problem(403, "forbidden");
    let project = app
        .post(
            "/api/v1/projects",
            &token,
            &json!({"title": "Buurtkeuken", "neighbourhoodIds": ["transvaal"]}),
        )
        .await;
    project.assert_problem(403, "forbidden");
}

#[actix_rt::test]
async fn nested_problems_are_all_named_by_their_place() {
    let app = spawn_app().await;
    let id = project(
        &app,
        &pb(),
        "moerwijk",
        &["submitted", "in_dialogue", "under_assessment"],
    )
    .await;
    let mut body = assessment("programme", 3);
    body["effects"][5]["score"] = json!(7);
    body["effects"][2]["motivation"] = json!("");
    body["sustainability"]["score"] = json!("high");
    let refused = assess(&app, &pb(), &id, &body).await;
    refused.assert_problem(400, "invalid_input");
    let names = refused.invalid_param_names();
    for expected in [
        "effects[5].score",
        "effects[2].motivation",
        "sustainability.score",
    ] {
        assert!(
            names.contains(&expected.to_owned()),
            "{expected} missing from {names:?}"
        );
    }
}
