//! HTTP conventions every route keeps: problem bodies for every error class, `API-Version` on
//! every response, 404 for unknown routes and trailing slashes, 405 with `Allow`, 413, 415,
//! unknown query keys, keyset pagination and CORS.

use std::collections::BTreeSet;

use awc::http::Method;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};
use wijkregie::auth::Role;

#[actix_rt::test]
async fn every_response_carries_the_api_version_header() {
    let app = spawn_app().await;
    let token = app.token(&Role::Programmabureau);
    for response in [
        app.get("/api/v1/districts", &token).await,
        app.get("/api/v1/districts/nowhere", &token).await,
        app.request(Method::GET, "/api/v1/districts", None, None, &[])
            .await,
        app.request(Method::GET, "/api/v1/openapi.json", None, None, &[])
            .await,
        app.request(Method::GET, "/health/live", None, None, &[])
            .await,
        app.request(Method::GET, "/no/such/route", None, None, &[])
            .await,
    ] {
        assert_eq!(
            response.header("api-version").as_deref(),
            Some("1.0.0"),
            "{}",
            response.text
        );
    }
}

#[actix_rt::test]
async fn unknown_routes_and_trailing_slashes_are_404_problems() {
    let app = spawn_app().await;
    let token = app.token(&Role::Programmabureau);
    for path in [
        "/api/v1/nothing",
        "/api/v1/districts/",
        "/api/v1/",
        "/api/v2/districts",
        "/nothing",
        "/api/v1/districts/laak/",
    ] {
        app.get(path, &token)
            .await
            .assert_problem(404, "route_not_found");
    }
}

#[actix_rt::test]
async fn a_method_a_resource_does_not_have_is_405_with_allow() {
    let app = spawn_app().await;
    let token = app.token(&Role::Admin);
    for (method, path, allow) in [
        (Method::DELETE, "/api/v1/districts/laak", "GET, PATCH"),
        (Method::PUT, "/api/v1/themes", "GET, POST"),
        (Method::POST, "/api/v1/events", "GET"),
        (Method::DELETE, "/api/v1/openapi.json", "GET"),
        (Method::POST, "/health/ready", "GET"),
    ] {
        let response = app
            .request(method.clone(), path, Some(&token), None, &[])
            .await;
        response.assert_problem(405, "method_not_allowed");
        assert_eq!(
            response.header("allow").as_deref(),
            Some(allow),
            "{method} {path}"
        );
    }
}

#[actix_rt::test]
async fn bodies_that_are_not_json_objects_are_refused_with_the_right_status() {
    let app = spawn_app().await;
    let admin = app.token(&Role::Admin);
    let form = app
        .send_raw(
            Method::POST,
            "/api/v1/districts",
            &admin,
            "text/plain",
            b"id=x".to_vec(),
        )
        .await;
    form.assert_problem(415, "unsupported_media_type");
    let broken = app
        .send_raw(
            Method::POST,
            "/api/v1/districts",
            &admin,
            "application/json",
            b"{\"id\": ".to_vec(),
        )
        .await;
    broken.assert_problem(400, "invalid_input");
    assert_eq!(broken.body["invalidParams"][0]["code"], "invalid_json");
    let array = app
        .send_raw(
            Method::POST,
            "/api/v1/districts",
            &admin,
            "application/json",
            b"[1, 2]".to_vec(),
        )
        .await;
    array.assert_problem(400, "invalid_input");
    assert_eq!(array.body["invalidParams"][0]["code"], "not_an_object");
    let huge = format!(
        "{{\"id\": \"big\", \"name\": \"{}\"}}",
        "x".repeat(70 * 1024)
    );
    let too_large = app
        .send_raw(
            Method::POST,
            "/api/v1/districts",
            &admin,
            "application/json",
            huge.into_bytes(),
        )
        .await;
    too_large.assert_problem(413, "payload_too_large");
    let merge_patch = app
        .send_raw(
            Method::PATCH,
            "/api/v1/districts/laak",
            &admin,
            "application/merge-patch+json",
            b"{\"name\": \"Laak\"}".to_vec(),
        )
        .await;
    merge_patch.assert_problem(428, "if_match_required");
}

#[actix_rt::test]
async fn unknown_and_malformed_query_parameters_are_400_with_every_problem() {
    let app = spawn_app().await;
    let token = app.token(&Role::Programmabureau);
    let response = app
        .get(
            "/api/v1/neighbourhoods?colour=red&limit=0&focusArea=maybe&cursor=xyz",
            &token,
        )
        .await;
    response.assert_problem(400, "invalid_input");
    assert_eq!(
        response.invalid_param_names(),
        ["colour", "cursor", "focusArea", "limit"]
    );
    app.get("/api/v1/districts?limit=201", &token)
        .await
        .assert_problem(400, "invalid_input");
    app.get("/api/v1/districts?limit=1&limit=2", &token)
        .await
        .assert_problem(400, "invalid_input");
    assert_eq!(
        app.get("/api/v1/districts?limit=200", &token).await.status,
        200
    );
}

#[actix_rt::test]
async fn pagination_walks_a_long_list_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let admin = app.token(&Role::Admin);
    let mut expected = BTreeSet::new();
    for i in 0..53 {
        let id = format!("theme-{i:03}");
        let created = app
            .post("/api/v1/themes", &admin, &json!({"id": id, "name": format!("Thema {i}"), "departmentId": "dpz", "responseDays": i % 30}))
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        expected.insert(id);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/themes?departmentId=dpz&limit=7".to_owned();
    let mut pages = 0;
    loop {
        let page = app.get(&path, &admin).await;
        assert_eq!(page.status, 200, "{}", page.text);
        pages += 1;
        seen.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned()),
        );
        match page.body["nextCursor"].as_str() {
            Some(cursor) => {
                let link = page
                    .header("link")
                    .expect("a Link header on every page but the last");
                assert!(link.ends_with("; rel=\"next\""), "{link}");
                assert!(link.contains(cursor), "the Link carries the cursor");
                assert!(
                    link.contains("departmentId=dpz"),
                    "the Link keeps the filters"
                );
                path = link
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap()
                    .to_owned();
            }
            None => {
                assert!(page.header("link").is_none(), "no Link on the last page");
                break;
            }
        }
    }
    // The two seeded dpz themes are in the list too.
    expected.insert("other".to_owned());
    expected.insert("public_services_rules".to_owned());
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "ordered by id");
    assert_eq!(seen.len(), expected.len(), "no repeats");
    assert_eq!(
        seen.into_iter().collect::<BTreeSet<_>>(),
        expected,
        "no gaps"
    );
    assert_eq!(pages, 8, "55 items at 7 per page");
}

#[actix_rt::test]
async fn configured_origins_may_call_the_api_and_see_its_headers() {
    let app =
        spawn_app_with(|s| s.cors_origins = vec!["https://wijken.example.nl".to_owned()]).await;
    let token = app.token(&Role::Programmabureau);
    let preflight = app
        .request(
            Method::OPTIONS,
            "/api/v1/themes/housing",
            None,
            None,
            &[
                ("Origin", "https://wijken.example.nl"),
                ("Access-Control-Request-Method", "PATCH"),
                (
                    "Access-Control-Request-Headers",
                    "authorization, if-match, content-type",
                ),
            ],
        )
        .await;
    assert_eq!(preflight.status, 200, "{}", preflight.text);
    assert_eq!(
        preflight.header("access-control-allow-origin").as_deref(),
        Some("https://wijken.example.nl")
    );
    let read = app
        .request(
            Method::GET,
            "/api/v1/themes/housing",
            Some(&token),
            None,
            &[("Origin", "https://wijken.example.nl")],
        )
        .await;
    assert_eq!(read.status, 200);
    let exposed = read
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    for header in ["etag", "link", "api-version", "x-request-id"] {
        assert!(exposed.contains(header), "{header} exposed: {exposed}");
    }
    let stranger = app
        .request(
            Method::GET,
            "/api/v1/themes/housing",
            Some(&token),
            None,
            &[("Origin", "https://evil.example.com")],
        )
        .await;
    assert!(
        stranger.header("access-control-allow-origin").is_none(),
        "other origins get no CORS grant"
    );
}

#[actix_rt::test]
async fn without_configured_origins_no_cors_grant_is_given_except_for_the_openapi_document() {
    let app = spawn_app().await;
    let token = app.token(&Role::Programmabureau);
    let api = app
        .request(
            Method::GET,
            "/api/v1/districts",
            Some(&token),
            None,
            &[("Origin", "https://wijken.example.nl")],
        )
        .await;
    assert!(api.header("access-control-allow-origin").is_none());
    let document = app
        .request(
            Method::GET,
            "/api/v1/openapi.json",
            None,
            None,
            &[("Origin", "https://anywhere.example.org")],
        )
        .await;
    assert_eq!(document.status, 200);
    assert_eq!(
        document.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
}

#[actix_rt::test]
async fn a_problem_inside_a_nested_value_is_named_by_its_place() {
    let app = spawn_app().await;
    let bureau = app.token(&Role::Programmabureau);
    let project = app
        .post(
            "/api/v1/projects",
            &bureau,
            &json!({"title": "Buurtkeuken", "neighbourhoodIds": ["moerwijk", 3, "Geen Slug"],
                    "claimedEffects": ["safety", "happiness"]}),
        )
        .await;
    project.assert_problem(400, "invalid_input");
    assert_eq!(
        project.invalid_param_names(),
        [
            "claimedEffects[1]",
            "neighbourhoodIds[1]",
            "neighbourhoodIds[2]"
        ]
    );
    let signal = app
        .post(
            "/api/v1/signals",
            &bureau,
            &json!({"title": "Losse stoeptegels", "description": "Gevaarlijk.", "neighbourhoodId": "transvaal",
                    "source": "resident", "themeId": "public_space",
                    "reporter": {"name": "", "email": "geen-email", "phone": null}}),
        )
        .await;
    signal.assert_problem(400, "invalid_input");
    assert_eq!(
        signal.invalid_param_names(),
        ["reporter.email", "reporter.name"]
    );
}

#[actix_rt::test]
async fn control_characters_in_paths_and_queries_are_refused_on_both_databases() {
    let app = spawn_app().await;
    let token = app.token(&wijkregie::auth::Role::Programmabureau);
    for path in [
        "/api/v1/projects/a%00b",
        "/api/v1/signals/a%00b",
        "/api/v1/signals/a%00b/history",
        "/api/v1/partners/x%1Fy",
        "/api/v1/districts/esc%00amp",
    ] {
        let response = app.get(path, &token).await;
        assert_eq!(response.status, 404, "{path}: {}", response.text);
        assert_eq!(
            response.content_type(),
            "application/problem+json",
            "{path}"
        );
    }
    for query in [
        "/api/v1/projects?q=a%00b",
        "/api/v1/signals?q=%00",
        "/api/v1/signals?cursor=00%00",
        "/api/v1/events?resourceId=a%00",
    ] {
        let response = app.get(query, &token).await;
        response.assert_problem(400, "invalid_input");
        assert_eq!(
            response.body["invalidParams"][0]["code"], "control_characters",
            "{query}: {}",
            response.text
        );
    }
}
