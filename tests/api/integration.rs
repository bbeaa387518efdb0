//! Integration conventions (DESIGN §11 and §10's pull alternative): CORS on every response to an
//! allowed origin, errors included; conditional reads with `If-None-Match`; `updatedAfter` lists
//! in (updatedAt, id) order; and `Idempotency-Key` on `POST`.

use awc::http::Method;
use serde_json::{Value, json};

use crate::helpers::{Response, TestApp, pb, spawn_app_with};

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
