//! Hostile and unlucky input that the server can still answer gets a problem, never a 500 or a
//! hang: a body that stalls, a saturated connection pool, a NUL byte in any documented input.
//! (Control characters in paths and queries: conventions.rs.)

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use awc::http::Method;
use serde_json::{Value, json};
use wijkregie::auth::Role;
use wijkregie::authz::operations;
use wijkregie::openapi::ROOT_PREFIXES;
use wijkregie::startup;

use crate::helpers::{TestDatabase, every_role, spawn_app, spawn_app_with, test_settings};

#[actix_rt::test]
async fn a_request_body_that_stalls_is_answered_408_with_a_problem() {
    let app = spawn_app_with(|s| s.body_timeout = Duration::from_secs(1)).await;
    let token = app.token(&Role::Programmabureau);
    let address = app.address.trim_start_matches("http://").to_owned();
    // Headers announce 100 bytes; 10 come, then nothing.
    let answer = actix_rt::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write!(
            stream,
            "POST /api/v1/signals HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"title\":"
        )
        .unwrap();
        stream.flush().unwrap();
        let mut answer = Vec::new();
        let mut buffer = [0u8; 4096];
        // Read until the server has sent a whole problem (or closed the connection).
        while let Ok(n) = stream.read(&mut buffer) {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..n]);
            if String::from_utf8_lossy(&answer).contains("body_timeout") {
                break;
            }
        }
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains("\"code\":\"body_timeout\""), "{answer}");
}

/// A request waits for a blocking thread (there are as many as connections) before it waits
/// for a connection; the checkout timeout covers both waits, so three requests queued behind
/// one held connection all answer 503 within about one timeout, not one timeout each.
/// A server with a pool of one connection and checkout timeout `timeout`, that connection
/// already held (as a long request would hold it), and a way to ask it for districts.
struct OneHeldConnection {
    _database: TestDatabase,
    held: Option<r2d2::PooledConnection<wijkregie::db::ConnectionManager>>,
    address: String,
    token: String,
}

impl OneHeldConnection {
    fn start(timeout: Duration) -> Self {
        let database = TestDatabase::new();
        let mut settings = test_settings(&database);
        settings.pool_size = 1;
        settings.pool_timeout = timeout;
        let app = startup::build(&settings, None).unwrap();
        let address = format!("http://{}", app.address);
        actix_rt::spawn(app.server);
        let token = crate::helpers::token_for(&settings, &Role::Programmabureau);
        let held = Some(app.db.get().unwrap());
        Self {
            _database: database,
            held,
            address,
            token,
        }
    }

    fn districts(&self) -> awc::SendClientRequest {
        awc::Client::default()
            .get(format!("{}/api/v1/districts", self.address))
            .insert_header(("Authorization", format!("Bearer {}", self.token)))
            .send()
    }
}

#[actix_rt::test]
async fn requests_queued_for_a_thread_still_answer_503_within_the_checkout_timeout() {
    let server = OneHeldConnection::start(Duration::from_millis(1000));
    let started = std::time::Instant::now();
    let answers = futures::future::join_all((0..3).map(|_| server.districts())).await;
    let waited = started.elapsed();
    for answer in answers {
        assert_eq!(answer.unwrap().status().as_u16(), 503);
    }
    // One after the other, each with its own full timeout, would take three seconds.
    assert!(
        waited < Duration::from_millis(2500),
        "three queued requests took {waited:?} to be refused"
    );
}

#[actix_rt::test]
async fn a_saturated_pool_is_its_own_503_with_retry_after() {
    let mut server = OneHeldConnection::start(Duration::from_millis(200));
    let mut response = server.districts().await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "pool_exhausted", "{body}");
    server.held = None;
    let answered = server.districts().await.unwrap();
    assert_eq!(answered.status().as_u16(), 200);
}

/// One request of [`nul_bytes_never_reach_the_database_through_any_documented_input`]: what it
/// tries, its query string and body, and the member `invalidParams` must name when it is a 400.
struct NulAttempt {
    what: String,
    query: String,
    body: Option<Value>,
    named: String,
    /// Whether only a 400 will do (else any problem below 500: the placeholder object of a
    /// path may be looked up first, a number cursor may be a valid one).
    must_be_400: bool,
}

/// A NUL byte as text, where a value names something.
const NUL_TEXT: &str = "a\u{0}b";

/// Every way the document offers to put a NUL byte in front of the database: each query
/// parameter (its raw value), each cursor (the decoded key), each reference member of the body
/// (`…Id`, `…Ids`, at any depth).
fn nul_attempts(doc: &Value, operation: &Value) -> Vec<NulAttempt> {
    let mut attempts = Vec::new();
    let parameters = operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let in_query = |name: &str| {
        parameters
            .iter()
            .any(|p| p["in"] == "query" && p["name"] == name)
    };
    for parameter in parameters.iter().filter(|p| p["in"] == "query") {
        let name = parameter["name"].as_str().unwrap();
        if name != "cursor" {
            attempts.push(NulAttempt {
                what: format!("query {name}"),
                query: format!("{name}=a%00b"),
                body: None,
                named: name.to_owned(),
                must_be_400: true,
            });
            continue;
        }
        // A list keyed by a number reads its cursor as eight bytes, NULs included.
        let by_number = parameter["schema"]["pattern"] == "^[0-9a-f]{16}$";
        for (key, refused) in [
            ("00", true),
            ("6c6100", true),
            ("0000000000000001", !by_number),
        ] {
            attempts.push(NulAttempt {
                what: format!("cursor {key}"),
                query: format!("cursor={key}"),
                body: None,
                named: "cursor".to_owned(),
                must_be_400: refused,
            });
        }
        if in_query("updatedAfter") {
            // The key of a list asked with updatedAfter: a moment, then the id.
            let moment = 1_790_000_000_000_000i64.to_be_bytes();
            let key: String = moment.iter().map(|b| format!("{b:02x}")).collect();
            attempts.push(NulAttempt {
                what: "cursor by update".to_owned(),
                query: format!("updatedAfter=2026-01-01T00:00:00Z&cursor={key}6100"),
                body: None,
                named: "cursor".to_owned(),
                must_be_400: true,
            });
        }
    }
    for content in operation["requestBody"]["content"]
        .as_object()
        .into_iter()
        .flat_map(|c| c.values())
    {
        let mut found = Vec::new();
        reference_members(doc, &content["schema"], &mut Vec::new(), &mut found);
        for (place, value) in found {
            attempts.push(NulAttempt {
                what: format!("body {}", place.join(".")),
                query: String::new(),
                body: Some(value),
                named: place[0].clone(),
                must_be_400: false,
            });
        }
    }
    attempts
}

/// The schema `schema` names, following `$ref`.
fn resolved<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            resolved(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn has_type(schema: &Value, kind: &str) -> bool {
    schema["type"] == kind
        || schema["type"]
            .as_array()
            .is_some_and(|types| types.iter().any(|t| t == kind))
}

/// Each reference member below `schema` (at `place`), with a body that holds a NUL there.
fn reference_members(
    doc: &Value,
    schema: &Value,
    place: &mut Vec<String>,
    found: &mut Vec<(Vec<String>, Value)>,
) {
    let schema = resolved(doc, schema);
    for variant in ["allOf", "oneOf", "anyOf"] {
        for part in schema[variant].as_array().into_iter().flatten() {
            reference_members(doc, part, place, found);
        }
    }
    let Some(properties) = schema["properties"].as_object() else {
        return;
    };
    for (name, property) in properties {
        let property = resolved(doc, property);
        place.push(name.clone());
        let items = resolved(doc, &property["items"]);
        let value = if name.ends_with("Ids") && has_type(property, "array") {
            Some(json!([NUL_TEXT]))
        } else if name.ends_with("Id") && has_type(property, "string") {
            Some(json!(NUL_TEXT))
        } else {
            None
        };
        if let Some(value) = value {
            // The body that holds `value` at `place`: objects around it, an array around the
            // elements of an array of objects.
            let body = place.iter().rev().fold(value, |inner, member| {
                let mut object = serde_json::Map::new();
                object.insert(member.clone(), inner);
                Value::Object(object)
            });
            found.push((place.clone(), body));
        } else if has_type(property, "object") || property["properties"].is_object() {
            reference_members(doc, property, place, found);
        } else if has_type(property, "array") && items["properties"].is_object() {
            let mut inner = Vec::new();
            reference_members(doc, items, &mut Vec::new(), &mut inner);
            for (below, body) in inner {
                let mut whole = place.clone();
                whole.extend(below);
                let wrapped = place.iter().rev().fold(json!([body]), |inner, member| {
                    let mut object = serde_json::Map::new();
                    object.insert(member.clone(), inner);
                    Value::Object(object)
                });
                found.push((whole, wrapped));
            }
        }
        place.pop();
    }
}

/// PostgreSQL refuses a NUL byte in text with an error; the service refuses it first, with a
/// problem. Driven from the served document, so a new operation, parameter or reference member
/// is tried without changing this test.
#[actix_rt::test]
async fn nul_bytes_never_reach_the_database_through_any_documented_input() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json", "").await.body;
    let mut failures = Vec::new();
    let mut tried = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            let row = operations::find(id).unwrap();
            // A role the route guard lets through, so the input reaches the handler.
            let role = every_role()
                .into_iter()
                .find(|role| row.access(role.kind()).passes_guard())
                .unwrap();
            let token = app.token(&role);
            let concrete: String = path
                .split('/')
                .map(|part| match part.starts_with('{') {
                    true => "0190f0a0-0000-7000-8000-000000000001",
                    false => part,
                })
                .collect::<Vec<_>>()
                .join("/");
            let base = match ROOT_PREFIXES.iter().any(|p| concrete.starts_with(p)) {
                true => concrete,
                false => format!("/api/v1{concrete}"),
            };
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for attempt in nul_attempts(&doc, operation) {
                tried += 1;
                let url = match attempt.query.is_empty() {
                    true => base.clone(),
                    false => format!("{base}?{}", attempt.query),
                };
                let body = attempt.body.clone().or_else(|| {
                    (method != Method::GET && method != Method::DELETE).then(|| json!({}))
                });
                let response = app
                    .request(
                        method.clone(),
                        &url,
                        Some(&token),
                        body.as_ref(),
                        &[("If-Match", "\"1\"")],
                    )
                    .await;
                let status = response.status;
                let named = response
                    .invalid_param_names()
                    .iter()
                    .any(|name| name.starts_with(&attempt.named));
                let fine = match (attempt.must_be_400, status) {
                    (_, 400) => named && response.content_type() == "application/problem+json",
                    (true, _) => false,
                    (false, 200..=299) => attempt.body.is_none(),
                    (false, status) => {
                        status < 500 && response.content_type() == "application/problem+json"
                    }
                };
                if !fine {
                    failures.push(format!(
                        "{id} {}: {status} {}",
                        attempt.what,
                        response.text.chars().take(200).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(tried > 100, "only {tried} attempts: is the document read?");
    assert!(
        failures.is_empty(),
        "{} of {tried} NUL inputs not refused with a problem:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Sends `request` as it is on a new connection and reads the answer until the server closes
/// the connection (or `wait` passes without a byte).
async fn raw_exchange(app: &crate::helpers::TestApp, request: Vec<u8>, wait: Duration) -> String {
    let address = app.address.trim_start_matches("http://").to_owned();
    actix_rt::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(wait)).unwrap();
        stream.write_all(&request).unwrap();
        stream.flush().unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .unwrap()
}

fn request_with_headers(headers: &str) -> Vec<u8> {
    format!(
        "GET /api/v1/districts HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n"
    )
    .into_bytes()
}

#[actix_rt::test]
async fn header_fields_beyond_the_services_limits_are_431_with_a_problem_and_a_request_id() {
    let app = spawn_app().await;
    let long = format!("X-Padding: {}\r\n", "a".repeat(40 * 1024));
    let many: String = (0..70).map(|i| format!("X-Field-{i}: {i}\r\n")).collect();
    for headers in [long, many] {
        let answer = raw_exchange(
            &app,
            request_with_headers(&headers),
            Duration::from_secs(10),
        )
        .await;
        let head = answer
            .split("\r\n\r\n")
            .next()
            .unwrap()
            .to_ascii_lowercase();
        assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
        assert!(
            head.contains("content-type: application/problem+json"),
            "{head}"
        );
        assert!(head.contains("x-request-id: "), "{head}");
        assert!(
            answer.contains("\"code\":\"headers_too_large\""),
            "{answer}"
        );
        assert!(answer.contains("\"requestId\":"), "{answer}");
    }
    // Below the limits the request is read as usual (here: no token, 401).
    let fine = format!("X-Padding: {}\r\n", "a".repeat(16 * 1024));
    let answer = raw_exchange(&app, request_with_headers(&fine), Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}

/// What docs/api-guide.md says of the answers actix-http gives before any of the service's
/// code runs: the status, no body, no `X-Request-Id`.
#[actix_rt::test]
async fn what_actix_http_refuses_itself_is_answered_as_the_api_guide_says() {
    let app = spawn_app().await;
    let control = request_with_headers("X-Note: a\u{1}b\r\n");
    let huge = request_with_headers(&format!("X-Padding: {}\r\n", "a".repeat(200 * 1024)));
    for (request, status) in [(control, "400"), (huge, "431")] {
        let answer = raw_exchange(&app, request, Duration::from_secs(10)).await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{answer}"
        );
        assert!(
            !answer.to_ascii_lowercase().contains("x-request-id"),
            "{answer}"
        );
        assert!(answer.ends_with("\r\n\r\n"), "no body: {answer}");
    }
    // A head that stops halfway: actix-http's first-request timeout (5 s) answers it.
    let stalled = b"GET /api/v1/districts HTTP/1.1\r\nHost: localhost\r\n".to_vec();
    let answer = raw_exchange(&app, stalled, Duration::from_secs(20)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        !answer.to_ascii_lowercase().contains("x-request-id"),
        "{answer}"
    );
}

/// Another transaction holds what a write needs (here: the event counter, as the import once
/// held it for minutes): the write waits at most `WIJKREGIE_DB_TIMEOUT_MS` for it — PostgreSQL's
/// `lock_timeout`, SQLite's busy timeout — and answers 503 `database_busy` with `Retry-After`,
/// having changed nothing. Once the other transaction ends, the same write goes through.
#[actix_rt::test]
async fn a_write_that_cannot_get_its_lock_in_time_answers_503_and_changes_nothing() {
    let app = spawn_app_with(|s| s.pool_timeout = Duration::from_millis(1000)).await;
    let token = app.token(&Role::Programmabureau);
    let mut holder = app.database.target().connect().unwrap();
    let hold = match app.database.is_postgres() {
        true => "BEGIN; UPDATE event_counter SET last_id = last_id WHERE id = 1",
        false => "BEGIN IMMEDIATE",
    };
    diesel::connection::SimpleConnection::batch_execute(&mut holder, hold).unwrap();
    let body = serde_json::json!({"name": "Stichting Wachtend", "kind": "welfare"});
    let started = std::time::Instant::now();
    let refused = app.post("/api/v1/partners", &token, &body).await;
    let waited = started.elapsed();
    refused.assert_problem(503, "database_busy");
    assert_eq!(refused.header("retry-after").as_deref(), Some("1"));
    assert!(
        waited < Duration::from_millis(3000),
        "answered after {waited:?}, the deadline is 1 s"
    );
    diesel::connection::SimpleConnection::batch_execute(&mut holder, "ROLLBACK").unwrap();
    let listed = app.get("/api/v1/partners", &token).await;
    assert_eq!(
        listed.body["items"],
        serde_json::json!([]),
        "nothing written"
    );
    let created = app.post("/api/v1/partners", &token, &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
}
