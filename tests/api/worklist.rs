//! The worklist (DESIGN §16): every kind appears for whom owes it and for whom it is owed,
//! never for a reader outside the resource's scope, and leaves in the transaction that settles
//! it; counts, the overdue filter and the keyset cursor.

use awc::http::Method;
use serde_json::{Value, json};

use crate::advice_requests::{advise, ask, in_days, project};
use crate::helpers::{
    TestApp, assess, etag, finalize, partner, pb, report_signal, signal_action, spawn_app,
    spawn_app_with, stadsdeel, transition, vakdienst,
};
use wijkregie::auth::Role;

/// The items of `kind` on `role`'s worklist (with `query`), as (resourceId, item).
async fn worklist(app: &TestApp, role: &Role, query: &str) -> Value {
    let response = app
        .get(&format!("/api/v1/worklist?{query}"), &app.token(role))
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body
}

async fn ids_of(app: &TestApp, role: &Role, kind: &str, side: &str) -> Vec<String> {
    let body = worklist(app, role, &format!("kind={kind}&side={side}")).await;
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|item| assert_eq!(item["kind"], kind))
        .map(|item| item["resourceId"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts who sees `id` as `kind` on which side: `owing` on `owe`, `owed` on `owed`, and
/// `outsiders` on neither.
async fn assert_parties(
    app: &TestApp,
    kind: &str,
    id: &str,
    owing: &[Role],
    owed: &[Role],
    outsiders: &[Role],
) {
    for role in owing {
        assert!(
            ids_of(app, role, kind, "owe")
                .await
                .contains(&id.to_owned()),
            "{kind} owed by {role:?}"
        );
    }
    for role in owed {
        assert!(
            ids_of(app, role, kind, "owed")
                .await
                .contains(&id.to_owned()),
            "{kind} owed to {role:?}"
        );
    }
    for role in outsiders {
        for side in ["owe", "owed"] {
            assert!(
                !ids_of(app, role, kind, side).await.contains(&id.to_owned()),
                "{kind} shown to {role:?} ({side})"
            );
        }
    }
}

async fn assert_gone(app: &TestApp, kind: &str, id: &str, roles: &[Role]) {
    for role in roles {
        let all = worklist(app, role, "").await;
        let listed = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["resourceId"] == id);
        assert!(!listed, "{kind} {id} still on {role:?}'s worklist: {all}");
    }
}

#[actix_rt::test]
async fn an_idea_awaits_the_bureaus_first_answer_and_leaves_with_it() {
    let app = spawn_app().await;
    let initiator = app
        .post(
            "/api/v1/partners",
            &app.token(&pb()),
            &json!({"name": "Buurthuis De Mussen", "kind": "community_centre"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = app
        .post(
            "/api/v1/projects",
            &app.token(&partner(&initiator)),
            &json!({"title": "Taalcafé", "neighbourhoodIds": ["moerwijk"]}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        transition(&app, &partner(&initiator), &id, "submitted")
            .await
            .status,
        200
    );

    let item = &worklist(&app, &pb(), "kind=idea_answer").await["items"][0];
    assert_eq!(item["resourceType"], "project");
    assert_eq!(item["resourceId"], id.as_str());
    assert_eq!(item["title"], "Taalcafé");
    assert_eq!(
        item["owedBy"],
        json!({"role": "programmabureau", "id": null})
    );
    assert_eq!(
        item["owedTo"],
        json!([{"role": "stadsdeel", "id": "escamp"}, {"role": "partner", "id": initiator}])
    );
    assert_eq!(item["overdue"], false);
    assert!(item["dueAt"].is_string() && item["since"].is_string());
    assert_eq!(item["links"]["resource"], format!("/api/v1/projects/{id}"));
    assert_parties(
        &app,
        "idea_answer",
        &id,
        &[pb()],
        &[stadsdeel("escamp"), partner(&initiator)],
        &[stadsdeel("centrum"), vakdienst("ocw"), Role::Admin],
    )
    .await;

    assert_eq!(
        transition(&app, &pb(), &id, "in_dialogue").await.status,
        200
    );
    assert_gone(
        &app,
        "idea_answer",
        &id,
        &[pb(), stadsdeel("escamp"), partner(&initiator)],
    )
    .await;
}

#[actix_rt::test]
async fn advice_is_owed_by_the_asked_department_until_given_or_withdrawn() {
    let app = spawn_app().await;
    let id = project(&app, &["submitted", "in_dialogue"]).await;
    let given = ask(&app, &pb(), &id, "ocw").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let withdrawn = ask(&app, &pb(), &id, "szw").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let item = &worklist(&app, &vakdienst("ocw"), "kind=advice").await["items"][0];
    assert_eq!(item["resourceType"], "advice_request");
    assert_eq!(item["owedBy"], json!({"role": "vakdienst", "id": "ocw"}));
    assert_eq!(
        item["owedTo"],
        json!([{"role": "programmabureau", "id": null}])
    );
    assert_eq!(item["dueAt"], format!("{}T00:00:00.000000Z", in_days(8)));
    assert_eq!(item["links"]["project"], format!("/api/v1/projects/{id}"));
    assert_parties(
        &app,
        "advice",
        &given,
        &[vakdienst("ocw")],
        &[pb()],
        &[vakdienst("szw"), stadsdeel("escamp"), Role::Admin],
    )
    .await;

    advise(&app, "ocw", &id).await;
    assert_gone(&app, "advice", &given, &[pb(), vakdienst("ocw")]).await;
    let path = format!("/api/v1/advice-requests/{withdrawn}");
    let version = etag(&app, &path).await;
    let done = app
        .request(
            Method::POST,
            &format!("{path}/transitions"),
            Some(&app.token(&pb())),
            Some(&json!({"to": "withdrawn", "reason": "Niet meer nodig"})),
            &[("If-Match", &version)],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_gone(&app, "advice", &withdrawn, &[pb(), vakdienst("szw")]).await;
}

#[actix_rt::test]
async fn a_final_programme_assessment_awaits_the_decision_and_then_the_evaluation() {
    let app = spawn_app().await;
    let id = project(&app, &["submitted", "in_dialogue", "under_assessment"]).await;
    let effects: Vec<Value> = [
        "social_cohesion",
        "positive_image",
        "access_to_services",
        "safety",
        "employment",
        "ownership",
    ]
    .iter()
    .map(|e| json!({"effect": e, "score": 2, "motivation": "Onderbouwing"}))
    .collect();
    let body = json!({"kind": "programme", "effects": effects, "sustainability": {"score": 2, "motivation": "Borging"},
                      "advice": "positive", "explanation": "Sterk plan"});
    let draft = assess(&app, &pb(), &id, &body).await;
    assert!(
        !ids_of(&app, &pb(), "decision", "owe").await.contains(&id),
        "a draft assessment decides nothing yet"
    );
    assert_eq!(finalize(&app, &pb(), &id, &draft).await.status, 200);
    let item = &worklist(&app, &pb(), "kind=decision").await["items"][0];
    assert_eq!(item["dueAt"], Value::Null);
    assert_eq!(item["overdue"], false);
    assert_parties(
        &app,
        "decision",
        &id,
        &[pb()],
        &[stadsdeel("escamp")],
        &[stadsdeel("centrum"), vakdienst("ocw"), Role::Admin],
    )
    .await;

    assert_eq!(transition(&app, &pb(), &id, "approved").await.status, 200);
    assert_gone(&app, "decision", &id, &[pb(), stadsdeel("escamp")]).await;
    for to in ["running", "completed"] {
        assert_eq!(transition(&app, &pb(), &id, to).await.status, 200, "{to}");
    }
    assert_parties(
        &app,
        "evaluation",
        &id,
        &[pb(), stadsdeel("escamp")],
        &[],
        &[stadsdeel("centrum"), vakdienst("ocw"), Role::Admin],
    )
    .await;
    let version = etag(&app, &format!("/api/v1/projects/{id}")).await;
    let evaluated = app
        .request(
            Method::PUT,
            &format!("/api/v1/projects/{id}/evaluation"),
            Some(&app.token(&stadsdeel("escamp"))),
            Some(&json!({"lessonsLearned": "Begin klein."})),
            &[("If-Match", &version)],
        )
        .await;
    assert_eq!(evaluated.status, 200, "{}", evaluated.text);
    assert_gone(&app, "evaluation", &id, &[pb(), stadsdeel("escamp")]).await;
}

#[actix_rt::test]
async fn a_signal_and_a_policy_issue_are_owed_by_their_department_until_answered() {
    let app = spawn_app().await;
    let signal = report_signal(&app, &pb(), Value::Null).await;
    let id = signal["id"].as_str().unwrap().to_owned();
    let item = &worklist(&app, &vakdienst("dsb"), "kind=signal_answer").await["items"][0];
    assert_eq!(item["owedBy"], json!({"role": "vakdienst", "id": "dsb"}));
    assert_eq!(
        item["owedTo"],
        json!([{"role": "stadsdeel", "id": "centrum"}])
    );
    assert_eq!(item["dueAt"], signal["dueAt"]);
    assert_parties(
        &app,
        "signal_answer",
        &id,
        &[vakdienst("dsb")],
        &[stadsdeel("centrum")],
        &[vakdienst("ocw"), stadsdeel("escamp"), pb(), Role::Admin],
    )
    .await;

    let issue = app
        .post("/api/v1/policy-issues", &app.token(&pb()),
              &json!({"title": "Speelplekken", "description": "Te weinig onderhoud.", "themeId": "public_space", "signalIds": [id]}))
        .await;
    assert_eq!(issue.status, 201, "{}", issue.text);
    let issue_id = issue.body["id"].as_str().unwrap().to_owned();
    assert!(
        !ids_of(&app, &vakdienst("dsb"), "policy_response", "owe")
            .await
            .contains(&issue_id),
        "a draft is owed by no one"
    );
    let path = format!("/api/v1/policy-issues/{issue_id}");
    let version = etag(&app, &path).await;
    let raised = app
        .request(
            Method::POST,
            &format!("{path}/transitions"),
            Some(&app.token(&pb())),
            Some(&json!({"to": "raised"})),
            &[("If-Match", &version)],
        )
        .await;
    assert_eq!(raised.status, 200, "{}", raised.text);
    assert_parties(
        &app,
        "policy_response",
        &issue_id,
        &[vakdienst("dsb")],
        &[pb()],
        &[vakdienst("ocw"), Role::Admin],
    )
    .await;
    let version = etag(&app, &path).await;
    let responded = app
        .request(
            Method::PUT,
            &format!("{path}/response"),
            Some(&app.token(&vakdienst("dsb"))),
            Some(&json!({"position": "under_review", "explanation": "We kijken ernaar."})),
            &[("If-Match", &version)],
        )
        .await;
    assert_eq!(responded.status, 200, "{}", responded.text);
    assert_gone(
        &app,
        "policy_response",
        &issue_id,
        &[pb(), vakdienst("dsb")],
    )
    .await;

    for to in ["acknowledged", "in_progress"] {
        signal_action(
            &app,
            &vakdienst("dsb"),
            &id,
            "transitions",
            json!({"to": to}),
        )
        .await;
    }
    signal_action(
        &app,
        &vakdienst("dsb"),
        &id,
        "transitions",
        json!({"to": "answered", "response": "Gerepareerd."}),
    )
    .await;
    assert_gone(
        &app,
        "signal_answer",
        &id,
        &[vakdienst("dsb"), stadsdeel("centrum")],
    )
    .await;
}

#[actix_rt::test]
async fn a_dead_delivery_is_its_subscribers_until_replayed() {
    let app = spawn_app_with(|s| s.webhooks.allow_http = vec!["127.0.0.1".to_owned()]).await;
    let created = app
        .post(
            "/api/v1/subscriptions",
            &app.token(&vakdienst("dsb")),
            &json!({"callbackUrl": "http://127.0.0.1:9/hook", "types": ["nothing.*"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let subscription = created.body["id"].as_str().unwrap().to_owned();
    report_signal(&app, &pb(), Value::Null).await;
    app.database.execute(&format!(
        "INSERT INTO deliveries (subscription_id, event_id, event_type, status, attempts) \
         SELECT '{subscription}', MAX(id), 'signal.received', 'dead', 9 FROM events"
    ));
    let mine = worklist(&app, &vakdienst("dsb"), "kind=delivery&side=owe").await;
    let item = &mine["items"][0];
    assert_eq!(item["resourceType"], "delivery");
    assert!(
        item["resourceId"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{subscription}/")),
        "{item}"
    );
    assert_eq!(item["owedBy"], json!({"role": "vakdienst", "id": "dsb"}));
    assert_eq!(
        item["links"]["resource"],
        format!("/api/v1/subscriptions/{subscription}/deliveries?status=dead")
    );
    assert_eq!(
        mine["counts"]["byKind"]["delivery"],
        json!({"total": 1, "overdue": 0})
    );
    for other in [vakdienst("ocw"), pb(), Role::Admin] {
        assert!(
            worklist(&app, &other, "kind=delivery").await["items"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{other:?}"
        );
    }
    let replayed = app
        .post(
            &format!("/api/v1/subscriptions/{subscription}/redeliveries"),
            &app.token(&vakdienst("dsb")),
            &json!({"fromEventId": 1}),
        )
        .await;
    assert!(replayed.status < 300, "{}", replayed.text);
    assert!(
        worklist(&app, &vakdienst("dsb"), "kind=delivery").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[actix_rt::test]
async fn the_worklist_counts_filters_overdue_and_pages_by_due_date() {
    let app = spawn_app().await;
    let mut signals = Vec::new();
    for _ in 0..3 {
        signals.push(
            report_signal(&app, &pb(), Value::Null).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // One signal is long past due.
    app.database.execute(&format!(
        "UPDATE signals SET due_at = '2026-01-05 00:00:00' WHERE id = '{}'",
        signals[2]
    ));
    let dsb = vakdienst("dsb");
    let all = worklist(&app, &dsb, "").await;
    assert_eq!(all["counts"]["total"], 3);
    assert_eq!(all["counts"]["overdue"], 1);
    assert_eq!(
        all["counts"]["byKind"]["signal_answer"],
        json!({"total": 3, "overdue": 1})
    );
    assert_eq!(
        all["counts"]["byKind"]["advice"],
        json!({"total": 0, "overdue": 0})
    );
    assert_eq!(
        all["items"][0]["resourceId"],
        signals[2].as_str(),
        "the most overdue first"
    );
    assert_eq!(all["items"][0]["overdue"], true);

    let overdue = worklist(&app, &dsb, "overdue=true").await;
    let ids: Vec<&str> = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["resourceId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [signals[2].as_str()]);
    assert_eq!(
        overdue["counts"]["total"], 3,
        "filters do not narrow the counts"
    );

    let mut paged = Vec::new();
    let mut query = "limit=1".to_owned();
    loop {
        let page = worklist(&app, &dsb, &query).await;
        paged.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["resourceId"].as_str().unwrap().to_owned()),
        );
        match page["nextCursor"].as_str() {
            Some(cursor) => query = format!("limit=1&cursor={cursor}"),
            None => break,
        }
    }
    let listed: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["resourceId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paged, listed);
    assert_eq!(paged.len(), 3);

    let bad = app
        .get(
            "/api/v1/worklist?kind=answer&side=both&overdue=maybe",
            &app.token(&dsb),
        )
        .await;
    bad.assert_problem(400, "invalid_input");
    let mut names = bad.invalid_param_names();
    names.sort();
    assert_eq!(names, ["kind", "overdue", "side"]);
}
