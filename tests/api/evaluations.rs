//! Evaluations: lessons learned and the voices of the people who did the work, required to
//! stop a project and to close its cycle as evaluated.

use awc::http::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Response, TestApp, etag, pb, spawn_app, stadsdeel, transition_with_reason, vakdienst,
};
use wijkregie::auth::Role;

async fn running_project(app: &TestApp, neighbourhood: &str, status: &str) -> String {
    let created = app
        .post(
            "/api/v1/projects",
            &app.token(&pb()),
            &json!({"title": "Buurtconciërge", "neighbourhoodIds": [neighbourhood]}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    // Straight to the status in the database: approval needs assessments, tested elsewhere.
    app.database.execute(&format!(
        "UPDATE projects SET status = '{status}' WHERE id = '{id}'"
    ));
    id
}

async fn put(app: &TestApp, role: &Role, id: &str, version: &str, body: &Value) -> Response {
    app.request(
        Method::PUT,
        &format!("/api/v1/projects/{id}/evaluation"),
        Some(&app.token(role)),
        Some(body),
        &[("If-Match", version)],
    )
    .await
}

#[actix_rt::test]
async fn stopping_needs_lessons_and_a_voice_is_quoted_only_with_consent_and_without_a_name() {
    let app = spawn_app().await;
    let id = running_project(&app, "moerwijk", "running").await;
    let path = format!("/api/v1/projects/{id}");

    transition_with_reason(
        &app,
        &pb(),
        &id,
        "stopped",
        Some("De vrijwilligers haakten af"),
    )
    .await
    .assert_problem(409, "evaluation_required");
    app.get(&format!("{path}/evaluation"), &app.token(&pb()))
        .await
        .assert_problem(404, "not_found");

    let version = etag(&app, &path).await;
    let refused = put(&app, &pb(), &id, &version, &json!({
        "whatWorked": "De wekelijkse inloop",
        "continuation": "follow_up_project",
        "voices": [
            {"quote": "Ik ken nu mijn buren.", "speakerRole": "resident", "neighbourhoodId": "moerwijk", "consent": false},
            {"quote": "Mooi werk.", "speakerRole": "volunteer", "consent": true, "name": "Jan de Vries"},
            {"quote": "Goed.", "speakerRole": "alderman", "consent": true}
        ]
    })).await;
    refused.assert_problem(400, "invalid_input");
    assert_eq!(
        refused.invalid_param_names(),
        [
            "followUpProjectId",
            "lessonsLearned",
            "voices[0].consent",
            "voices[1].name",
            "voices[2].speakerRole"
        ]
    );
    let consent = refused.body["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "voices[0].consent")
        .unwrap();
    assert_eq!(consent["code"], "consent_required");

    // Who may write it: the bureau and the district's stadsdeel; not another district, not a
    // vakdienst.
    let body = json!({
        "lessonsLearned": "Vrijwilligers hebben een vaste contactpersoon nodig.",
        "whatWorked": "De wekelijkse inloop", "whatDidNot": "Werven via flyers",
        "continuation": "continued_by_partner",
        "voices": [{"quote": "Ik ken nu mijn buren.", "speakerRole": "resident", "neighbourhoodId": "moerwijk", "consent": true}]
    });
    put(&app, &stadsdeel("laak"), &id, &version, &body)
        .await
        .assert_problem(403, "forbidden");
    put(&app, &vakdienst("ocw"), &id, &version, &body)
        .await
        .assert_problem(403, "forbidden");
    let written = put(&app, &stadsdeel("escamp"), &id, &version, &body).await;
    assert_eq!(written.status, 200, "{}", written.text);
    assert_eq!(written.body["voices"][0]["speakerRole"], "resident");
    assert!(written.body["voices"][0].get("name").is_none());
    let new_version = written.header("etag").unwrap();
    assert_ne!(new_version, version, "the project's version moves");
    assert_eq!(new_version, etag(&app, &path).await);
    put(&app, &pb(), &id, &version, &body)
        .await
        .assert_problem(412, "version_mismatch");

    let read = app
        .get(&format!("{path}/evaluation"), &app.token(&vakdienst("szw")))
        .await;
    assert_eq!(
        read.body["lessonsLearned"],
        "Vrijwilligers hebben een vaste contactpersoon nodig."
    );
    assert_eq!(read.header("etag").unwrap(), new_version);

    let stopped = transition_with_reason(
        &app,
        &pb(),
        &id,
        "stopped",
        Some("De vrijwilligers haakten af"),
    )
    .await;
    assert_eq!(stopped.status, 200, "{}", stopped.text);
    let history = app.get(&format!("{path}/history"), &app.token(&pb())).await;
    let actions: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"project.evaluation_written"),
        "{actions:?}"
    );
}

#[actix_rt::test]
async fn an_evaluation_opens_at_running_and_a_follow_up_names_an_existing_project() {
    let app = spawn_app().await;
    let approved = running_project(&app, "moerwijk", "approved").await;
    let version = etag(&app, &format!("/api/v1/projects/{approved}")).await;
    put(
        &app,
        &pb(),
        &approved,
        &version,
        &json!({"lessonsLearned": "Nog niets."}),
    )
    .await
    .assert_problem(409, "evaluation_not_open");

    let done = running_project(&app, "moerwijk", "completed").await;
    let version = etag(&app, &format!("/api/v1/projects/{done}")).await;
    let body = |follow_up: &str| json!({"lessonsLearned": "Doorgaan.", "continuation": "follow_up_project", "followUpProjectId": follow_up});
    put(
        &app,
        &pb(),
        &done,
        &version,
        &body("0190f0a0-0000-7000-8000-000000000bad"),
    )
    .await
    .assert_problem(400, "invalid_input");
    let written = put(&app, &pb(), &done, &version, &body(&approved)).await;
    assert_eq!(written.status, 200, "{}", written.text);
    assert_eq!(written.body["followUpProjectId"], approved.as_str());
    let evaluated = transition_with_reason(&app, &pb(), &done, "evaluated", None).await;
    assert_eq!(
        evaluated.status, 200,
        "no goals, and evaluated: {}",
        evaluated.text
    );
}

#[actix_rt::test]
async fn the_follow_up_project_shows_only_to_who_may_open_it() {
    let app = spawn_app().await;
    let done = running_project(&app, "moerwijk", "completed").await;
    // The follow-up: a draft in Transvaal (centrum), which escamp's stadsdeel may not open.
    let follow_up = app
        .post(
            "/api/v1/projects",
            &app.token(&pb()),
            &json!({"title": "Buurtconciërge, vervolg", "neighbourhoodIds": ["transvaal"]}),
        )
        .await;
    assert_eq!(follow_up.status, 201, "{}", follow_up.text);
    let follow_up = follow_up.body["id"].as_str().unwrap().to_owned();
    let version = etag(&app, &format!("/api/v1/projects/{done}")).await;
    let body = json!({"lessonsLearned": "Doorgaan.", "continuation": "follow_up_project", "followUpProjectId": follow_up});
    let written = put(&app, &pb(), &done, &version, &body).await;
    assert_eq!(written.status, 200, "{}", written.text);
    assert_eq!(written.body["followUpProjectId"], follow_up.as_str());

    let path = format!("/api/v1/projects/{done}/evaluation");
    for (role, shown) in [
        (pb(), true),
        (stadsdeel("centrum"), true),
        (stadsdeel("escamp"), false),
    ] {
        let read = app.get(&path, &app.token(&role)).await;
        assert_eq!(read.status, 200, "{role:?}: {}", read.text);
        let expected = if shown { json!(follow_up) } else { Value::Null };
        assert_eq!(read.body["followUpProjectId"], expected, "{role:?}");
        assert_eq!(read.body["continuation"], "follow_up_project", "{role:?}");
    }
}
