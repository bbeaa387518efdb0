//! The public tracking page (DESIGN §15): status history, the department now, the due date and
//! the response, as Dutch HTML or JSON, without login and without anyone's personal data; 404
//! for unknown codes; rate-limited per client address. And who sees the tracking code.

use awc::http::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, partner, pb, report_signal, signal_action, spawn_app, spawn_app_with, stadsdeel,
    vakdienst,
};
use wijkregie::auth::Role;

async fn report(app: &TestApp, role: &Role) -> Value {
    let reporter = json!({"name": "Fatima el Amrani", "email": "fatima@example.nl",
                          "phone": "+31612345678", "wantsUpdates": true});
    report_signal(app, role, reporter).await
}

async fn act(app: &TestApp, id: &str, what: &str, body: Value) {
    signal_action(app, &pb(), id, what, body).await;
}

async fn track(app: &TestApp, code: &str, accept: &str) -> crate::helpers::Response {
    app.request(
        Method::GET,
        &format!("/track/{code}"),
        None,
        None,
        &[("Accept", accept)],
    )
    .await
}

#[actix_rt::test]
async fn the_tracking_page_tells_the_progress_in_dutch_without_personal_data() {
    let app = spawn_app().await;
    let signal = report(&app, &pb()).await;
    let (id, code) = (
        signal["id"].as_str().unwrap(),
        signal["trackingCode"].as_str().unwrap(),
    );
    assert_eq!(code.len(), 32);
    act(&app, id, "transitions", json!({"to": "acknowledged"})).await;
    act(
        &app,
        id,
        "reassignments",
        json!({"departmentId": "ocw", "reason": "Fatima vroeg om de school"}),
    )
    .await;
    for (to, response) in [
        ("in_progress", None),
        ("answered", Some("Het klimrek is vervangen.")),
    ] {
        let body = json!({"to": to, "response": response});
        signal_action(&app, &vakdienst("ocw"), id, "transitions", body).await;
    }

    let json = track(&app, code, "application/json").await;
    assert_eq!(json.status, 200, "{}", json.text);
    assert!(json.content_type().starts_with("application/json"));
    assert_eq!(json.body["status"], "answered");
    assert_eq!(json.body["statusLabel"], "Beantwoord");
    assert_eq!(json.body["response"], "Het klimrek is vervangen.");
    assert_eq!(
        json.body["department"],
        signal_department_name(&app, "ocw").await
    );
    assert_eq!(json.body["dueAt"], signal["dueAt"]);
    let kinds: Vec<&str> = json.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "received",
            "routed",
            "acknowledged",
            "reassigned",
            "in_progress",
            "answered"
        ]
    );

    let html = track(&app, code, "text/html,application/xhtml+xml,*/*;q=0.8").await;
    assert_eq!(html.status, 200);
    assert!(html.content_type().starts_with("text/html"));
    assert!(html.text.contains("<html lang=\"nl\">"));
    assert!(html.text.contains("Beantwoord") && html.text.contains("Het antwoord"));
    assert!(html.text.contains("Doorgestuurd naar de afdeling"));
    assert!(
        html.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    for page in [&json.text, &html.text] {
        for personal in [
            "Fatima",
            "fatima@example.nl",
            "+31612345678",
            "Test User",
            "test-user",
        ] {
            assert!(
                !page.contains(personal),
                "{personal} on the tracking page: {page}"
            );
        }
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no outside links or assets"
        );
    }
    // Without an Accept header: the page.
    let plain = app
        .request(Method::GET, &format!("/track/{code}"), None, None, &[])
        .await;
    assert!(plain.content_type().starts_with("text/html"));
}

async fn signal_department_name(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/api/v1/departments/{id}"), &app.token(&pb()))
        .await
        .body["name"]
        .clone()
}

#[actix_rt::test]
async fn unknown_and_malformed_codes_are_404() {
    let app = spawn_app().await;
    for code in [
        "00000000000000000000000000000000",
        "nope",
        "0000000000000000000000000000000Z",
    ] {
        track(&app, code, "application/json")
            .await
            .assert_problem(404, "not_found");
    }
    let signal = report(&app, &pb()).await;
    let code = signal["trackingCode"].as_str().unwrap();
    track(&app, code, "image/png")
        .await
        .assert_problem(406, "not_acceptable");
}

#[actix_rt::test]
async fn the_tracking_page_is_rate_limited_per_client_address() {
    let app = spawn_app_with(|s| s.mail.track_rate_per_minute = 3).await;
    let signal = report(&app, &pb()).await;
    let code = signal["trackingCode"].as_str().unwrap();
    for _ in 0..3 {
        assert_eq!(track(&app, code, "application/json").await.status, 200);
    }
    let limited = track(&app, code, "application/json").await;
    limited.assert_problem(429, "too_many_requests");
    assert!(
        limited
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    // Unknown codes count too: guessing is limited as well.
    track(&app, "00000000000000000000000000000000", "application/json")
        .await
        .assert_problem(429, "too_many_requests");
}

#[actix_rt::test]
async fn the_code_is_shown_to_its_creator_the_reporting_partner_and_those_who_see_the_reporter() {
    let app = spawn_app().await;
    let created = app
        .post(
            "/api/v1/partners",
            &app.token(&pb()),
            &json!({"name": "Buurthuis De Mussen", "kind": "community_centre", "neighbourhoodIds": ["transvaal"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let centre = partner(created.body["id"].as_str().unwrap());
    let by_partner = report(&app, &centre).await;
    assert!(by_partner["trackingCode"].is_string(), "on creation");
    let by_district = report(&app, &stadsdeel("centrum")).await;
    assert!(
        by_district["trackingCode"].is_string(),
        "on creation, to a stadsdeel too"
    );
    let code_seen_by = |role: Role, id: String| {
        let app = &app;
        async move {
            let read = app
                .get(&format!("/api/v1/signals/{id}"), &app.token(&role))
                .await;
            assert_eq!(read.status, 200, "{}", read.text);
            read.body["trackingCode"].is_string()
        }
    };
    let id = by_partner["id"].as_str().unwrap().to_owned();
    assert!(
        code_seen_by(centre.clone(), id.clone()).await,
        "the reporting partner"
    );
    assert!(code_seen_by(pb(), id.clone()).await, "the bureau");
    assert!(
        code_seen_by(vakdienst("dsb"), id.clone()).await,
        "the department assigned now"
    );
    assert!(
        !code_seen_by(stadsdeel("centrum"), id.clone()).await,
        "not the stadsdeel"
    );
    assert!(!code_seen_by(Role::Admin, id).await, "not admin");
    let id = by_district["id"].as_str().unwrap().to_owned();
    assert!(
        !code_seen_by(stadsdeel("centrum"), id).await,
        "not afterwards to the stadsdeel that made it"
    );
}
