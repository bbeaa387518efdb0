//! Integration conventions (DESIGN §11 and §10's pull alternative): CORS on every response to an
//! allowed origin, errors included; conditional reads with `If-None-Match`; `updatedAfter` lists
//! in (updatedAt, id) order; and `Idempotency-Key` on `POST`.

use awc::http::Method;
use serde_json::{Value, json};

use crate::helpers::{Response, TestApp, pb, spawn_app, spawn_app_with, vakdienst};

const ORIGIN: &str = "https://wijken.example.nl";

async fn with_origin(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Response {
    let mut all = vec![("Origin", ORIGIN)];
    all.extend_from_slice(headers);
    app.request(method, path, token, body, &all).await
}

#[actix_rt::test]
async fn errors_to_an_allowed_origin_carry_the_cors_headers_and_to_others_none() {
    let app = spawn_app_with(|s| s.cors_origins = vec![ORIGIN.to_owned()]).await;
    let token = app.token(&pb());
    let bad_body = json!({"responseDays": 1000});
    let cases = [
        (Method::GET, "/api/v1/themes", None, None, None, 401),
        (
            Method::PATCH,
            "/api/v1/themes/housing",
            Some(token.as_str()),
            Some(&bad_body),
            Some("\"1\""),
            400,
        ),
        (
            Method::PATCH,
            "/api/v1/themes/housing",
            Some(token.as_str()),
            Some(&json!({"responseDays": 3})),
            Some("\"99\""),
            412,
        ),
        (
            Method::PATCH,
            "/api/v1/themes/housing",
            Some(token.as_str()),
            Some(&json!({"responseDays": 3})),
            None,
            428,
        ),
        (
            Method::GET,
            "/api/v1/themes/nowhere",
            Some(token.as_str()),
            None,
            None,
            404,
        ),
    ];
    for (method, path, token, body, if_match, status) in cases {
        let headers: Vec<(&str, &str)> =
            if_match.map(|v| vec![("If-Match", v)]).unwrap_or_default();
        let allowed = with_origin(&app, method.clone(), path, token, body, &headers).await;
        assert_eq!(allowed.status, status, "{method} {path}: {}", allowed.text);
        assert_eq!(
            allowed.header("access-control-allow-origin").as_deref(),
            Some(ORIGIN),
            "{method} {path} ({status}) grants the origin"
        );
        let exposed = allowed
            .header("access-control-expose-headers")
            .unwrap_or_default()
            .to_ascii_lowercase();
        for name in [
            "etag",
            "location",
            "link",
            "api-version",
            "retry-after",
            "idempotent-replayed",
        ] {
            assert!(exposed.contains(name), "{name} exposed: {exposed}");
        }
        let mut stranger_headers = vec![("Origin", "https://evil.example.com")];
        stranger_headers.extend_from_slice(&headers);
        let stranger = app
            .request(method.clone(), path, token, body, &stranger_headers)
            .await;
        assert_eq!(
            stranger.status, status,
            "{method} {path}: {}",
            stranger.text
        );
        assert!(
            stranger.header("access-control-allow-origin").is_none(),
            "{method} {path}: another origin gets no grant"
        );
    }
}

#[actix_rt::test]
async fn a_preflight_allows_the_conditional_and_idempotency_headers() {
    let app = spawn_app_with(|s| s.cors_origins = vec![ORIGIN.to_owned()]).await;
    let preflight = with_origin(
        &app,
        Method::OPTIONS,
        "/api/v1/signals",
        None,
        None,
        &[
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type, idempotency-key, if-match, if-none-match",
            ),
        ],
    )
    .await;
    assert_eq!(preflight.status, 200, "{}", preflight.text);
    let allowed = preflight
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    for name in ["idempotency-key", "if-match", "if-none-match"] {
        assert!(allowed.contains(name), "{name} allowed: {allowed}");
    }
}

fn project() -> Value {
    json!({"title": "Moestuin op het plein", "summary": "Een moestuin", "neighbourhoodIds": ["transvaal"],
           "initiator": "Bewonersgroep", "projectLeader": "A. de Vries", "startDate": "2027-03-01",
           "endDate": "2027-12-31", "claimedEffects": ["social_cohesion", "ownership", "positive_image"],
           "sustainabilityPlan": "De school neemt het over"})
}

fn signal(title: &str) -> Value {
    json!({"title": title, "description": "Al drie maanden geen reactie.", "neighbourhoodId": "schilderswijk",
           "source": "resident", "themeId": "welfare_community", "policyFeedback": false})
}

async fn created(app: &TestApp, path: &str, body: &Value) -> String {
    let response = app.post(path, &app.token(&pb()), body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    response.body["id"].as_str().unwrap().to_owned()
}

#[actix_rt::test]
async fn a_read_whose_if_none_match_names_the_current_etag_is_304_without_a_body() {
    let app = spawn_app().await;
    let token = app.token(&pb());
    let project = created(&app, "/api/v1/projects", &project()).await;
    let signal = created(&app, "/api/v1/signals", &signal("Geen antwoord")).await;
    for path in [
        format!("/api/v1/projects/{project}"),
        format!("/api/v1/signals/{signal}"),
    ] {
        let full = app.get(&path, &token).await;
        let etag = full.header("etag").unwrap();
        let weak = format!("W/{etag}");
        let listed = format!("\"999\", {etag}");
        for condition in [etag.as_str(), "*", weak.as_str(), listed.as_str()] {
            let read = app
                .request(
                    Method::GET,
                    &path,
                    Some(&token),
                    None,
                    &[("If-None-Match", condition)],
                )
                .await;
            assert_eq!(read.status, 304, "{path} with {condition}: {}", read.text);
            assert_eq!(read.text, "", "no body");
            assert_eq!(read.header("etag"), Some(etag.clone()));
            assert_eq!(read.header("api-version").as_deref(), Some("1.0.0"));
        }
        let stale = app
            .request(
                Method::GET,
                &path,
                Some(&token),
                None,
                &[("If-None-Match", "\"999\"")],
            )
            .await;
        assert_eq!(stale.status, 200);
        assert_eq!(stale.body, full.body, "another tag gets the whole resource");
    }
    // Not for someone who may not read it, and never for a list.
    let hidden = app
        .request(
            Method::GET,
            &format!("/api/v1/signals/{signal}"),
            Some(&app.token(&vakdienst("szw"))),
            None,
            &[("If-None-Match", "*")],
        )
        .await;
    hidden.assert_problem(404, "not_found");
    let list = app
        .request(
            Method::GET,
            "/api/v1/signals",
            Some(&token),
            None,
            &[("If-None-Match", "*")],
        )
        .await;
    assert_eq!(list.status, 200);
}

/// Every page of `path` (which has a query), following `nextCursor`: the ids in order.
async fn every_page(app: &TestApp, token: &str, path: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut next = path.to_owned();
    loop {
        let page = app.get(&next, token).await;
        assert_eq!(page.status, 200, "{next}: {}", page.text);
        let ids = page.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_owned())
            .collect();
        pages.push(ids);
        match page.body["nextCursor"].as_str() {
            Some(cursor) => next = format!("{path}&cursor={cursor}"),
            None => return pages,
        }
    }
}

/// Changes `resource` as the bureau at its current version: `POST` to `resource` + `action`,
/// or, when `action` is empty, `PATCH` the resource.
async fn change(app: &TestApp, resource: &str, action: &str, body: Value) {
    let token = app.token(&pb());
    let version = app.get(resource, &token).await.header("etag").unwrap();
    let method = if action.is_empty() {
        Method::PATCH
    } else {
        Method::POST
    };
    let path = format!("{resource}{action}");
    let response = app
        .request(
            method,
            &path,
            Some(&token),
            Some(&body),
            &[("If-Match", &version)],
        )
        .await;
    assert_eq!(response.status, 200, "{path}: {}", response.text);
}

#[actix_rt::test]
async fn a_hand_off_of_an_old_signal_shows_up_when_polling_with_updated_after() {
    let app = spawn_app().await;
    let token = app.token(&pb());
    let old = created(&app, "/api/v1/signals", &signal("Oud signaal")).await;
    let middle = created(&app, "/api/v1/signals", &signal("Tweede signaal")).await;
    let newest = created(&app, "/api/v1/signals", &signal("Nieuwste signaal")).await;
    let since = app
        .get(&format!("/api/v1/signals/{newest}"), &token)
        .await
        .body["updatedAt"]
        .as_str()
        .unwrap()
        .to_owned();
    let poll = format!("/api/v1/signals?updatedAfter={since}&limit=1");
    assert_eq!(
        every_page(&app, &token, &poll).await,
        vec![Vec::<String>::new()]
    );

    change(
        &app,
        &format!("/api/v1/signals/{old}"),
        "/reassignments",
        json!({"departmentId": "szw", "reason": "Gaat over armoedebeleid"}),
    )
    .await;
    change(
        &app,
        &format!("/api/v1/signals/{middle}"),
        "/transitions",
        json!({"to": "acknowledged"}),
    )
    .await;

    // Oldest change first, one per page, each once.
    assert_eq!(
        every_page(&app, &token, &poll).await,
        vec![vec![old.clone()], vec![middle.clone()]]
    );
    // The department that had it before still reads it, and so sees the hand-off.
    let ocw = app.token(&vakdienst("ocw"));
    let seen = every_page(&app, &ocw, &format!("/api/v1/signals?updatedAfter={since}")).await;
    assert_eq!(seen, vec![vec![old.clone(), middle.clone()]]);
    // Without updatedAfter, newest first as always.
    let all = every_page(&app, &token, "/api/v1/signals?limit=2").await;
    assert_eq!(all, vec![vec![newest, middle], vec![old]]);
    // A cursor of the other order is refused.
    let foreign = app.get(&format!("{poll}&cursor=6c61616b"), &token).await;
    foreign.assert_problem(400, "invalid_input");
}

#[actix_rt::test]
async fn a_changed_old_project_shows_up_when_polling_with_updated_after() {
    let app = spawn_app().await;
    let token = app.token(&pb());
    let old = created(&app, "/api/v1/projects", &project()).await;
    let newest = created(&app, "/api/v1/projects", &project()).await;
    let since = app
        .get(&format!("/api/v1/projects/{newest}"), &token)
        .await
        .body["updatedAt"]
        .as_str()
        .unwrap()
        .to_owned();
    change(
        &app,
        &format!("/api/v1/projects/{old}"),
        "",
        json!({"summary": "Aangepast"}),
    )
    .await;
    change(
        &app,
        &format!("/api/v1/projects/{newest}"),
        "",
        json!({"summary": "Ook aangepast"}),
    )
    .await;
    let poll = format!("/api/v1/projects?updatedAfter={since}&limit=1");
    assert_eq!(
        every_page(&app, &token, &poll).await,
        vec![vec![old], vec![newest]]
    );
}
