//! Policy issues: signals from the neighbourhood bundled for the department that owns the
//! policy, raised, answered by that department, closed; each reader sees what DESIGN §13 says.

use awc::http::Method;
use serde_json::{Value, json};

use crate::helpers::{Response, TestApp, partner, pb, spawn_app, stadsdeel, vakdienst};
use wijkregie::auth::Role;

const ISSUES: &str = "/api/v1/policy-issues";

async fn signal(app: &TestApp, role: &Role, neighbourhood: &str, feedback: bool) -> String {
    let created = app
        .post(
            "/api/v1/signals",
            &app.token(role),
            &json!({"title": "Vrijwilligersvergoeding gekort op de uitkering", "description": "Vrijwilligers stoppen.",
                    "neighbourhoodId": neighbourhood, "source": "partner", "themeId": "employment",
                    "policyFeedback": feedback}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["id"].as_str().unwrap().to_owned()
}

/// Sends `body` to `path` of an issue with `method`, at the issue's current version.
async fn act(
    app: &TestApp,
    role: &Role,
    method: Method,
    id: &str,
    path: &str,
    body: Value,
) -> Response {
    let version = app
        .get(&format!("{ISSUES}/{id}"), &app.token(&pb()))
        .await
        .header("etag")
        .unwrap();
    app.request(
        method,
        &format!("{ISSUES}/{id}{path}"),
        Some(&app.token(role)),
        Some(&body),
        &[("If-Match", &version)],
    )
    .await
}

fn ids(body: &Value) -> Vec<String> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn items(response: &Response) -> Vec<String> {
    response.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_rt::test]
async fn three_signals_from_two_neighbourhoods_become_one_issue_that_is_raised_answered_and_closed()
{
    let app = spawn_app().await;
    let bureau = app.token(&pb());
    let partner_id = app
        .post(
            "/api/v1/partners",
            &bureau,
            &json!({"name": "Buurthuis De Mussen", "kind": "community_centre"}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reporter = partner(&partner_id);
    // Two from moerwijk (escamp), one from schilderswijk (centrum); employment routes to szw.
    let from_partner = signal(&app, &reporter, "moerwijk", true).await;
    let second = signal(&app, &pb(), "moerwijk", false).await;
    let centre = signal(&app, &pb(), "schilderswijk", true).await;

    let created = app
        .post(
            ISSUES,
            &bureau,
            &json!({"title": "Vrijwilligersvergoeding en de Participatiewet",
            "description": "Drie signalen: vrijwilligers stoppen omdat de vergoeding wordt gekort.",
            "themeId": "employment", "signalIds": [from_partner, second, centre]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let issue = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.body["status"], "draft");
    assert_eq!(
        created.body["departmentId"], "szw",
        "the theme's department owns it"
    );
    assert_eq!(created.body["signalCount"], 3);
    assert_eq!(
        created.body["neighbourhoodIds"],
        json!(["moerwijk", "schilderswijk"])
    );
    assert_eq!(created.body["responseDueAt"], Value::Null);

    // A draft is the bureau's own: the owner, the district and the partner do not see it yet.
    for role in [vakdienst("szw"), stadsdeel("escamp"), reporter.clone()] {
        let read = app
            .get(&format!("{ISSUES}/{issue}"), &app.token(&role))
            .await;
        read.assert_problem(404, "not_found");
    }

    let raised = act(
        &app,
        &pb(),
        Method::POST,
        &issue,
        "/transitions",
        json!({"to": "raised"}),
    )
    .await;
    assert_eq!(raised.status, 200, "{}", raised.text);
    assert_eq!(raised.body["status"], "raised");
    let raised_at =
        wijkregie::domain::time::parse(raised.body["raisedAt"].as_str().unwrap()).unwrap();
    let due =
        wijkregie::domain::time::parse(raised.body["responseDueAt"].as_str().unwrap()).unwrap();
    assert_eq!(
        (due - raised_at).num_days(),
        42,
        "POLICY_RESPONSE_DAYS by default"
    );
    assert_eq!(raised.body["overdue"], false);

    // Who sees what (DESIGN §13): the owner and the bureau; escamp (two of its signals) with only
    // its own signals; the partner with only the one it reported; centrum too. Not laak, not ocw.
    let seen = |role: Role| {
        let app = &app;
        let issue = issue.clone();
        async move {
            app.get(&format!("{ISSUES}/{issue}"), &app.token(&role))
                .await
        }
    };
    let owner = seen(vakdienst("szw")).await;
    assert_eq!(owner.status, 200);
    assert_eq!(owner.body["signalCount"], 3);
    // szw has the three signals assigned: the theme routed them there.
    assert_eq!(ids(&owner.body["signalIds"]).len(), 3);
    let escamp = seen(stadsdeel("escamp")).await;
    assert_eq!(escamp.status, 200);
    let mut escamp_signals = vec![from_partner.clone(), second.clone()];
    escamp_signals.sort();
    assert_eq!(ids(&escamp.body["signalIds"]), escamp_signals);
    assert_eq!(escamp.body["signalCount"], 3);
    assert_eq!(
        ids(&seen(stadsdeel("centrum")).await.body["signalIds"]),
        vec![centre.clone()]
    );
    assert_eq!(
        ids(&seen(reporter.clone()).await.body["signalIds"]),
        vec![from_partner.clone()]
    );
    for role in [
        stadsdeel("laak"),
        vakdienst("ocw"),
        partner("0190f0a0-0000-7000-8000-00000000ffff"),
    ] {
        seen(role).await.assert_problem(404, "not_found");
    }
    for (role, expected) in [
        (vakdienst("szw"), 1),
        (stadsdeel("escamp"), 1),
        (reporter.clone(), 1),
        (stadsdeel("laak"), 0),
        (vakdienst("ocw"), 0),
    ] {
        let list = app.get(ISSUES, &app.token(&role)).await;
        assert_eq!(items(&list).len(), expected, "{role:?}: {}", list.text);
    }

    // Signals show the issues they belong to, to those who may open them.
    let signal_of = |role: Role, id: String| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/signals/{id}"), &app.token(&role))
                .await
        }
    };
    assert_eq!(
        signal_of(pb(), centre.clone()).await.body["policyIssueIds"],
        json!([issue])
    );
    assert_eq!(
        signal_of(reporter.clone(), from_partner.clone()).await.body["policyIssueIds"],
        json!([issue])
    );

    // Only the owner responds; the bureau and another department may not.
    let response = json!({"position": "will_adjust", "explanation": "De vrijlatingsregel wordt verruimd per 1 april.",
                          "decidedOn": "2026-11-29", "followUpOn": "2027-04-01"});
    act(
        &app,
        &pb(),
        Method::PUT,
        &issue,
        "/response",
        response.clone(),
    )
    .await
    .assert_problem(403, "forbidden");
    act(
        &app,
        &vakdienst("ocw"),
        Method::PUT,
        &issue,
        "/response",
        response.clone(),
    )
    .await
    .assert_problem(404, "not_found");
    let bad = act(
        &app,
        &vakdienst("szw"),
        Method::PUT,
        &issue,
        "/response",
        json!({"position": "maybe", "decidedOn": "29-11-2026"}),
    )
    .await;
    bad.assert_problem(400, "invalid_input");
    assert_eq!(
        bad.invalid_param_names(),
        ["decidedOn", "explanation", "position"]
    );
    let answered = act(
        &app,
        &vakdienst("szw"),
        Method::PUT,
        &issue,
        "/response",
        response,
    )
    .await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    assert_eq!(answered.body["status"], "responded");
    assert_eq!(answered.body["response"]["position"], "will_adjust");
    assert_eq!(answered.body["response"]["followUpOn"], "2027-04-01");

    // The signals are settled once answered; the bureau closes the issue.
    let settled = act(
        &app,
        &pb(),
        Method::PATCH,
        &issue,
        "",
        json!({"signalIds": [centre]}),
    )
    .await;
    settled.assert_problem(409, "policy_issue_settled");
    act(
        &app,
        &pb(),
        Method::POST,
        &issue,
        "/transitions",
        json!({"to": "raised"}),
    )
    .await
    .assert_problem(409, "transition_not_allowed");
    let closed = act(
        &app,
        &pb(),
        Method::POST,
        &issue,
        "/transitions",
        json!({"to": "closed"}),
    )
    .await;
    assert_eq!(closed.body["status"], "closed", "{}", closed.text);

    // The trail, and the event feed carrying it to exactly who may read the issue.
    let history = app
        .get(
            &format!("{ISSUES}/{issue}/history"),
            &app.token(&vakdienst("szw")),
        )
        .await;
    let actions: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "policy_issue.created",
            "policy_issue.status_changed",
            "policy_issue.responded",
            "policy_issue.status_changed"
        ]
    );
    let feed = |role: Role| {
        let app = &app;
        async move {
            app.get("/api/v1/events?types=policy_issue.*", &app.token(&role))
                .await
        }
    };
    let centrum = feed(stadsdeel("centrum")).await;
    let events = centrum.body["items"].as_array().unwrap();
    assert_eq!(events.len(), 4, "{}", centrum.text);
    let created_event: Value =
        serde_json::from_str(&serde_json::to_string(&events[0]["data"]).unwrap()).unwrap();
    assert_eq!(
        created_event["signalIds"],
        json!([centre]),
        "only the signals centrum may open"
    );
    assert!(
        feed(stadsdeel("laak")).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        feed(vakdienst("ocw")).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[actix_rt::test]
async fn bad_bundles_are_refused_all_at_once_and_only_the_bureau_bundles() {
    let app = spawn_app().await;
    let bureau = app.token(&pb());
    let refused = app
        .post(ISSUES, &bureau, &json!({"title": " ", "themeId": "nope", "departmentId": "xyz", "signalIds": [], "extra": 1}))
        .await;
    refused.assert_problem(400, "invalid_input");
    assert_eq!(
        refused.invalid_param_names(),
        [
            "departmentId",
            "description",
            "extra",
            "signalIds",
            "themeId",
            "title"
        ]
    );
    let unknown = app
        .post(
            ISSUES,
            &bureau,
            &json!({"title": "T", "description": "D", "themeId": "housing",
            "signalIds": ["0190f0a0-0000-7000-8000-000000000bad"]}),
        )
        .await;
    unknown.assert_problem(400, "invalid_input");
    assert_eq!(
        unknown.body["invalidParams"][0]["code"],
        "unknown_reference"
    );
    let id = signal(&app, &pb(), "moerwijk", true).await;
    let body = json!({"title": "T", "description": "D", "themeId": "housing", "signalIds": [id]});
    for role in [stadsdeel("escamp"), vakdienst("dso"), Role::Admin] {
        app.post(ISSUES, &app.token(&role), &body)
            .await
            .assert_problem(403, "forbidden");
    }
    let created = app.post(ISSUES, &bureau, &body).await;
    assert_eq!(created.body["departmentId"], "dso");
    let issue = created.body["id"].as_str().unwrap();
    act(
        &app,
        &vakdienst("dso"),
        Method::PUT,
        issue,
        "/response",
        json!({"position": "no_change", "explanation": "Nee."}),
    )
    .await
    .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn overdue_responses_are_listed_and_swept_into_exactly_one_event_each() {
    let app = spawn_app().await;
    let bureau = app.token(&pb());
    let mut issues = Vec::new();
    for _ in 0..3 {
        let id = signal(&app, &pb(), "laakkwartier", true).await;
        let created = app
            .post(ISSUES, &bureau, &json!({"title": "Loket", "description": "D", "themeId": "employment", "signalIds": [id]}))
            .await;
        issues.push(created.body["id"].as_str().unwrap().to_owned());
    }
    for issue in &issues[..2] {
        act(
            &app,
            &pb(),
            Method::POST,
            issue,
            "/transitions",
            json!({"to": "raised"}),
        )
        .await;
    }
    // Both raised issues and the draft are past the deadline; only raised ones owe a response.
    app.database
        .execute("UPDATE policy_issues SET response_due_at = '2020-01-01 00:00:00'");
    let overdue = app.get(&format!("{ISSUES}?overdue=true"), &bureau).await;
    let mut expected = issues[..2].to_vec();
    expected.sort();
    let mut found = items(&overdue);
    found.sort();
    assert_eq!(found, expected);
    assert!(
        overdue.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["overdue"] == true)
    );
    assert_eq!(
        items(&app.get(&format!("{ISSUES}?overdue=false"), &bureau).await),
        vec![issues[2].clone()]
    );

    let target = app.database.target();
    let sweepers: Vec<_> = (0..2)
        .map(|_| {
            let target = target.clone();
            std::thread::spawn(move || {
                let mut conn = target.connect().unwrap();
                wijkregie::jobs::overdue::sweep_overdue_responses(
                    &mut conn,
                    wijkregie::domain::time::now(),
                )
                .unwrap()
            })
        })
        .collect();
    let written: usize = sweepers.into_iter().map(|s| s.join().unwrap()).sum();
    assert_eq!(written, 2);
    let mut conn = target.connect().unwrap();
    let again = wijkregie::jobs::overdue::sweep_overdue_responses(
        &mut conn,
        wijkregie::domain::time::now(),
    )
    .unwrap();
    assert_eq!(again, 0, "an issue's response is overdue once");
    let events = app
        .get(
            "/api/v1/events?action=policy_issue.response_overdue",
            &app.token(&vakdienst("szw")),
        )
        .await;
    assert_eq!(
        events.body["items"].as_array().unwrap().len(),
        2,
        "the owner is told"
    );
}

#[actix_rt::test]
async fn filtering_by_a_signal_the_reader_cannot_open_is_filtering_by_an_unknown_one() {
    let app = spawn_app().await;
    // Employment routes to szw; moerwijk is in escamp, schilderswijk in centrum.
    let escamp = signal(&app, &pb(), "moerwijk", true).await;
    let centre = signal(&app, &pb(), "schilderswijk", true).await;
    let created = app
        .post(
            ISSUES,
            &app.token(&pb()),
            &json!({"title": "Vrijwilligersvergoeding", "description": "Twee signalen.",
                    "themeId": "employment", "signalIds": [escamp, centre]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let issue = created.body["id"].as_str().unwrap().to_owned();
    let raised = act(
        &app,
        &pb(),
        Method::POST,
        &issue,
        "/transitions",
        json!({"to": "raised"}),
    )
    .await;
    assert_eq!(raised.status, 200, "{}", raised.text);

    // Escamp reads the issue (it holds one of its signals) but cannot open centrum's signal.
    let district = app.token(&stadsdeel("escamp"));
    app.get(&format!("/api/v1/signals/{centre}"), &district)
        .await
        .assert_problem(404, "not_found");
    let own = app
        .get(&format!("{ISSUES}?signalId={escamp}"), &district)
        .await;
    assert_eq!(items(&own), vec![issue.clone()]);
    let unreadable = app
        .get(&format!("{ISSUES}?signalId={centre}"), &district)
        .await;
    let unknown = app
        .get(
            &format!("{ISSUES}?signalId=0190f0a0-0000-7000-8000-00000000dead"),
            &district,
        )
        .await;
    assert_eq!(unreadable.status, 200, "{}", unreadable.text);
    assert_eq!(unreadable.body, unknown.body, "the same answer");
    assert_eq!(items(&unreadable), Vec::<String>::new());
    // The owner and the bureau, who can open it, find the issue by it.
    for role in [vakdienst("szw"), pb()] {
        let found = app
            .get(&format!("{ISSUES}?signalId={centre}"), &app.token(&role))
            .await;
        assert_eq!(items(&found), vec![issue.clone()]);
    }
}
