//! The outbound side under attack (DESIGN §10, §12): a receiver that answers with an endless
//! body costs a few kilobytes, not the instance's memory; a callback that reaches an address
//! that is not globally reachable (IANA's special-purpose registries) is refused when the
//! subscription is made and again when a delivery goes out.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with, vakdienst};

/// What the streaming receiver sends at most: far more than an instance should ever hold.
const STREAM_LIMIT: u64 = 512 * 1024 * 1024;

/// A receiver that answers every POST with 200 and a chunked body of up to [`STREAM_LIMIT`]
/// bytes, counting the bytes the connection took before the client hung up.
struct Streamer {
    base: String,
    sent: Arc<AtomicU64>,
    finished: Arc<AtomicBool>,
}

impl Streamer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let sent = Arc::new(AtomicU64::new(0));
        let finished = Arc::new(AtomicBool::new(false));
        let (counter, done) = (sent.clone(), finished.clone());
        std::thread::spawn(move || {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            stream_answer(stream, &counter);
            done.store(true, Ordering::SeqCst);
        });
        Self {
            base,
            sent,
            finished,
        }
    }
}

/// Reads one request, then streams the answer until the client hangs up or the limit.
fn stream_answer(stream: TcpStream, sent: &AtomicU64) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length];
    let _ = reader.read_exact(&mut body);
    let mut stream = stream;
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let chunk = [b'x'; 64 * 1024];
    let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
    while sent.load(Ordering::SeqCst) < STREAM_LIMIT {
        if stream.write_all(&frame).is_err() {
            return;
        }
        sent.fetch_add(frame.len() as u64, Ordering::SeqCst);
    }
    let _ = stream.write_all(b"0\r\n\r\n");
}

/// The process's peak resident set so far (VmHWM), in bytes: the tests run the server here.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

async fn app() -> TestApp {
    spawn_app_with(|s| {
        s.webhooks.allow_http = vec!["127.0.0.1".to_owned()];
        s.webhooks.poll = Duration::from_millis(50);
    })
    .await
}

async fn subscribe(app: &TestApp, callback: &str) -> String {
    let created = app
        .post(
            "/api/v1/subscriptions",
            &app.token(&vakdienst("dsb")),
            &json!({"callbackUrl": callback, "types": ["signal.*"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["id"].as_str().unwrap().to_owned()
}

async fn ping(app: &TestApp, id: &str) {
    let pinged = app
        .post(
            &format!("/api/v1/subscriptions/{id}/pings"),
            &app.token(&vakdienst("dsb")),
            &json!({}),
        )
        .await;
    assert_eq!(pinged.status, 202, "{}", pinged.text);
}

/// The subscription's deliveries once one of them satisfies `done` (panics after 20 s).
async fn deliveries_until(app: &TestApp, id: &str, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let path = format!("/api/v1/subscriptions/{id}/deliveries");
    let start = Instant::now();
    loop {
        let items = app.get(&path, &app.token(&vakdienst("dsb"))).await.body["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if items.iter().any(&done) {
            return items;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{items:?}");
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_rt::test]
async fn a_receiver_that_streams_an_endless_answer_costs_a_few_kilobytes_and_is_recorded() {
    let app = app().await;
    let streamer = Streamer::start();
    let id = subscribe(&app, &format!("{}/endless", streamer.base)).await;
    let before = peak_rss();
    ping(&app, &id).await;

    let items = deliveries_until(&app, &id, |d| d["status"] != "pending").await;
    assert_eq!(items[0]["status"], "delivered", "{items:?}");
    assert_eq!(items[0]["lastStatus"], 200, "{items:?}");
    let start = Instant::now();
    while !streamer.finished.load(Ordering::SeqCst) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the instance hung up on the endless answer"
        );
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = streamer.sent.load(Ordering::SeqCst);
    let growth = peak_rss().saturating_sub(before);
    eprintln!("the connection took {sent} bytes; peak RSS grew {growth} bytes");
    // What the sockets' buffers take before the instance hangs up; the instance itself reads
    // 4 KiB of it.
    assert!(
        sent < 64 * 1024 * 1024,
        "{sent} bytes were taken from the receiver"
    );
    assert!(growth < 100 * 1024 * 1024, "peak RSS grew {growth} bytes");
}

#[actix_rt::test]
async fn callbacks_to_addresses_that_are_not_globally_reachable_are_refused_at_creation() {
    let app = app().await;
    let token = app.token(&vakdienst("dsb"));
    for host in [
        "198.18.0.1",
        "198.19.255.254",
        "[::127.0.0.1]",
        "[::a00:1]",
        "[64:ff9b::7f00:1]",
        "[64:ff9b::a9fe:a9fe]",
        "[64:ff9b::c612:1]",
        "[64:ff9b:1::808:808]",
        "[2002:7f00:1::1]",
        "[2002:c0a8:101::1]",
        "[2002:808:808::1]",
        "[2001::1]",
        "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
        "[::ffff:8.8.8.8]",
        "100.64.0.1",
        "192.0.0.1",
        "192.0.2.1",
        "240.0.0.1",
        "224.0.0.251",
        "[ff02::fb]",
        "[100::1]",
        "[2001:db8::1]",
        "[3fff::1]",
        "[5f00::1]",
        "[fe80::1]",
    ] {
        let refused = app
            .post(
                "/api/v1/subscriptions",
                &token,
                &json!({"callbackUrl": format!("https://{host}/hook"), "types": ["signal.*"]}),
            )
            .await;
        refused.assert_problem(400, "invalid_input");
        assert_eq!(
            refused.body["invalidParams"][0]["code"], "forbidden_callback_address",
            "{host}: {}",
            refused.text
        );
    }
    for host in ["145.97.39.155", "[2a00:1450:4001::1]", "[64:ff9b::808:808]"] {
        let accepted = app
            .post(
                "/api/v1/subscriptions",
                &token,
                &json!({"callbackUrl": format!("https://{host}/hook"), "types": ["signal.*"]}),
            )
            .await;
        assert_eq!(accepted.status, 201, "{host}: {}", accepted.text);
    }
}

#[actix_rt::test]
async fn a_callback_that_came_to_reach_a_special_purpose_address_is_refused_at_delivery() {
    let app = app().await;
    // As if the callback's name had come to resolve to a benchmarking address (198.18.0.0/15,
    // connected to in an attack run), a NAT64 or 6to4 form of loopback, or Teredo.
    for host in [
        "198.18.0.1",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::1]",
        "[2001::1]",
    ] {
        let id = subscribe(&app, "https://145.97.39.155/hook").await;
        app.database.execute(&format!(
            "UPDATE subscriptions SET callback_url = 'https://{host}/hook' WHERE id = '{id}'"
        ));
        ping(&app, &id).await;
        let items = deliveries_until(&app, &id, |d| d["status"] == "retrying").await;
        let error = items[0]["lastError"].as_str().unwrap_or_default();
        assert!(
            error.contains("refused") && error.contains("not globally reachable"),
            "{host}: {items:?}"
        );
    }
}
