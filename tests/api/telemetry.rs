//! Operations (DESIGN §14): the request id travels from the request to the response, the
//! problem body and the access-log line; `WIJKREGIE_LOG_FORMAT=json` writes lines that parse.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use awc::http::Method;
use serde_json::Value;

use crate::cli::{Running, wijkregie};
use crate::helpers::spawn_app;

/// Every line `read` yields, sent on as it comes.
fn lines_of(read: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (lines, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(read).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

#[actix_rt::test]
async fn a_request_id_travels_to_the_problem_body_and_the_json_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = wijkregie(dir.path())
        .env("WIJKREGIE_BIND", "127.0.0.1:0")
        .env("WIJKREGIE_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());
    let _running = Running(child);
    let base = loop {
        let line = stdout
            .recv_timeout(Duration::from_secs(60))
            .expect("the service prints its address");
        if let Some(url) = line.trim().strip_prefix("API docs:") {
            break url.trim().trim_end_matches("/docs").to_owned();
        }
    };

    let client = awc::Client::default();
    let mut response = client
        .request(Method::GET, format!("{base}/api/v1/nowhere"))
        .insert_header(("X-Request-Id", "trace-7f3a/42"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(
        response.headers().get("x-request-id").unwrap(),
        "trace-7f3a/42"
    );
    let problem: Value = serde_json::from_slice(&response.body().await.unwrap()).unwrap();
    assert_eq!(problem["requestId"], "trace-7f3a/42", "{problem}");
    assert_eq!(problem["instance"], "/api/v1/nowhere");

    // Every line on stderr is one JSON object; the access line carries the id.
    let access = loop {
        let line = stderr
            .recv_timeout(Duration::from_secs(30))
            .expect("the access line is logged");
        let parsed: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
        for member in ["time", "level", "target", "message"] {
            assert!(parsed[member].is_string(), "{member} in {line}");
        }
        if parsed["request_id"] == "trace-7f3a/42" {
            break parsed;
        }
    };
    assert_eq!(access["target"], "wijkregie::access");
    assert_eq!(access["status"], 404);
    assert_eq!(access["method"], "GET");
    assert_eq!(access["path"], "/api/v1/nowhere");
    assert!(access["duration_ms"].is_number(), "{access}");
}

#[actix_rt::test]
async fn every_response_has_a_request_id_and_an_unusable_one_is_replaced() {
    let app = spawn_app().await;
    let live = app
        .request(Method::GET, "/health/live", None, None, &[])
        .await;
    let made = live.header("x-request-id").expect("a generated id");
    assert_eq!(made.len(), 36, "a UUID: {made}");

    let too_long = "x".repeat(129);
    let refused = app
        .request(
            Method::GET,
            "/api/v1/districts",
            None,
            None,
            &[("X-Request-Id", &too_long)],
        )
        .await;
    refused.assert_problem(401, "unauthenticated");
    let id = refused.header("x-request-id").unwrap();
    assert_ne!(id, too_long);
    assert_eq!(refused.body["requestId"], id.as_str());

    // A control character in the path is refused before routing, still with the id.
    let hostile = app
        .request(
            Method::GET,
            "/api/v1/projects/a%00b",
            None,
            None,
            &[("X-Request-Id", "abc")],
        )
        .await;
    hostile.assert_problem(404, "route_not_found");
    assert_eq!(hostile.header("x-request-id").as_deref(), Some("abc"));
    assert_eq!(hostile.body["requestId"], "abc");
}

#[test]
fn an_unknown_log_format_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = wijkregie(dir.path())
        .args(["migrate"])
        .env("WIJKREGIE_LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("WIJKREGIE_LOG_FORMAT must be text or json, got 'xml'"),
        "{stderr}"
    );
}
