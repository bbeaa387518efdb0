//! Metrics (DESIGN §14): Prometheus text on `WIJKREGIE_METRICS_BIND`, off by default. Each test
//! scrapes its own server, whose recorder counts only that server's work, and reads the text
//! strictly as the format is written.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::cli::{Running, wijkregie};
use crate::helpers::{TestApp, pb, report_signal, spawn_app, spawn_app_with, vakdienst};
use crate::receiver::Receiver;

/// A server that keeps metrics, on an ephemeral port of its own.
async fn app_with_metrics(customize: impl FnOnce(&mut wijkregie::config::Settings)) -> TestApp {
    spawn_app_with(|s| {
        s.metrics_bind = Some("127.0.0.1:0".to_owned());
        customize(s);
    })
    .await
}

/// One sample line of the text format: `name{label="value",…} value`.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
}

/// Reads the Prometheus text format strictly: every line a comment (`# HELP`, `# TYPE`) or a
/// sample, label values quoted with their escapes. (The parsers on crates.io read a label value
/// only up to its first `}`, which every route template has.)
fn parse(text: &str) -> (HashMap<String, String>, Vec<Sample>) {
    let mut types = HashMap::new();
    let mut samples = Vec::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            let words: Vec<&str> = comment.splitn(3, ' ').collect();
            match words.as_slice() {
                ["TYPE", name, kind] => {
                    types.insert((*name).to_owned(), (*kind).to_owned());
                }
                ["HELP", _, _] => {}
                _ => panic!("an unknown comment: {line}"),
            }
            continue;
        }
        let name_end = line.find(['{', ' ']).unwrap_or(line.len());
        let name = &line[..name_end];
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "a metric name: {line}"
        );
        let mut rest = line[name_end..].chars().peekable();
        let mut labels = HashMap::new();
        if rest.peek() == Some(&'{') {
            rest.next();
            loop {
                let key: String = rest.by_ref().take_while(|c| *c != '=').collect();
                assert_eq!(rest.next(), Some('"'), "a quoted label value: {line}");
                let mut value = String::new();
                loop {
                    match rest.next() {
                        Some('\\') => match rest.next() {
                            Some('n') => value.push('\n'),
                            Some(c @ ('\\' | '"')) => value.push(c),
                            other => panic!("an escape {other:?} in {line}"),
                        },
                        Some('"') => break,
                        Some(c) => value.push(c),
                        None => panic!("an unterminated label value: {line}"),
                    }
                }
                labels.insert(key, value);
                match rest.next() {
                    Some(',') if rest.peek() == Some(&'}') => {
                        rest.next();
                        break;
                    }
                    Some(',') => {}
                    Some('}') => break,
                    other => panic!("{other:?} after a label in {line}"),
                }
            }
        }
        let rest: String = rest.collect();
        let value = rest.split_whitespace().next().unwrap_or_default();
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("a sample value: {line}"));
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    (types, samples)
}

/// One scrape, parsed.
struct Scrape {
    text: String,
    types: HashMap<String, String>,
    samples: Vec<Sample>,
}

impl Scrape {
    fn find(&self, name: &str, labels: &[(&str, &str)]) -> Option<&Sample> {
        self.samples.iter().find(|sample| {
            sample.name == name
                && labels
                    .iter()
                    .all(|(key, value)| sample.labels.get(*key).map(String::as_str) == Some(value))
        })
    }

    /// The value of `name` whose labels include `labels`, 0 without one.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.find(name, labels).map_or(0.0, |sample| sample.value)
    }

    /// The buckets of histogram `name` with `labels`: upper bound and cumulative count, in order.
    fn buckets(&self, name: &str, labels: &[(&str, &str)]) -> Vec<(f64, f64)> {
        assert_eq!(self.types.get(name).map(String::as_str), Some("histogram"));
        let bucket = format!("{name}_bucket");
        let mut buckets: Vec<(f64, f64)> = self
            .samples
            .iter()
            .filter(|sample| {
                sample.name == bucket
                    && labels.iter().all(|(key, value)| {
                        sample.labels.get(*key).map(String::as_str) == Some(value)
                    })
            })
            .map(|sample| (sample.labels["le"].parse().unwrap(), sample.value))
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        buckets
    }

    /// Every label value of every sample.
    fn label_values(&self) -> Vec<&str> {
        self.samples
            .iter()
            .flat_map(|sample| sample.labels.values().map(String::as_str))
            .collect()
    }
}

async fn scrape(app: &TestApp) -> Scrape {
    let base = app
        .metrics_address
        .as_ref()
        .expect("the server has a metrics listener");
    let mut response = app
        .client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("the metrics listener answers");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let body = response.body().limit(4 * 1024 * 1024).await.unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    let (types, samples) = parse(&text);
    Scrape {
        text,
        types,
        samples,
    }
}

#[actix_rt::test]
async fn requests_are_counted_by_route_template_method_and_status() {
    let app = app_with_metrics(|_| {}).await;
    let token = app.token(&pb());
    let before = scrape(&app).await;

    let created = app
        .post(
            "/api/v1/projects",
            &token,
            &json!({"title": "Buurtkeuken", "neighbourhoodIds": ["moerwijk"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}"), &token)
            .await
            .status,
        200
    );
    let missing = uuid::Uuid::now_v7().to_string();
    let absent = app
        .get(&format!("/api/v1/projects/{missing}"), &token)
        .await;
    absent.assert_problem(404, "not_found");
    let made_up = app.get(&format!("/api/v1/nowhere/{missing}"), &token).await;
    assert_eq!(made_up.status, 404);

    let after = scrape(&app).await;
    let requests = "wijkregie_http_requests_total";
    let delta =
        |labels: &[(&str, &str)]| after.value(requests, labels) - before.value(requests, labels);
    let one = "/api/v1/projects/{projectId}";
    assert_eq!(
        delta(&[
            ("method", "POST"),
            ("route", "/api/v1/projects"),
            ("status", "201")
        ]),
        1.0
    );
    assert_eq!(
        delta(&[("method", "GET"), ("route", one), ("status", "200")]),
        1.0
    );
    assert_eq!(
        delta(&[("method", "GET"), ("route", one), ("status", "404")]),
        1.0
    );
    assert_eq!(
        delta(&[("method", "GET"), ("route", "unmatched"), ("status", "404")]),
        1.0
    );
    for value in after.label_values() {
        assert!(
            !value.contains(&id) && !value.contains(&missing) && !value.contains("nowhere"),
            "a raw path or id became a label: {value}"
        );
    }

    let duration = "wijkregie_http_request_duration_seconds";
    let labels = [("method", "GET"), ("route", one), ("status", "200")];
    let buckets = after.buckets(duration, &labels);
    assert!(buckets.len() > 5, "{buckets:?}");
    assert!(
        buckets
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
        "cumulative buckets in order: {buckets:?}"
    );
    assert_eq!(buckets.last().map(|b| b.1), Some(1.0), "{buckets:?}");
    for suffix in ["_bucket{", "_sum{", "_count{"] {
        assert!(
            after.text.contains(&format!("{duration}{suffix}")),
            "{duration}{suffix} in\n{}",
            after.text
        );
    }

    let events = "wijkregie_events_written_total";
    let created_events = [("type", "project.created")];
    assert_eq!(
        after.value(events, &created_events) - before.value(events, &created_events),
        1.0
    );

    assert_eq!(after.value("wijkregie_db_pool_connections_max", &[]), 4.0);
    for gauge in [
        "wijkregie_db_pool_connections_in_use",
        "wijkregie_db_pool_connections_idle",
    ] {
        assert!(
            after.find(gauge, &[]).is_some(),
            "{gauge} in\n{}",
            after.text
        );
    }
    assert!(
        after.text.contains("wijkregie_db_pool_wait_seconds_count "),
        "{}",
        after.text
    );
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        after.value("wijkregie_build_info", &[("version", version)]),
        1.0
    );
    for gauge in [
        "wijkregie_overdue_signals",
        "wijkregie_overdue_policy_responses",
    ] {
        assert!(
            after.find(gauge, &[]).is_some(),
            "{gauge} in\n{}",
            after.text
        );
    }
}

#[actix_rt::test]
async fn overdue_signals_are_counted_from_the_stored_data() {
    let app = app_with_metrics(|_| {}).await;
    for _ in 0..2 {
        report_signal(&app, &pb(), json!({})).await;
    }
    app.database
        .execute("UPDATE signals SET due_at = '2020-01-01 00:00:00'");
    let scraped = scrape(&app).await;
    assert_eq!(scraped.value("wijkregie_overdue_signals", &[]), 2.0);
    assert_eq!(
        scraped.value("wijkregie_overdue_policy_responses", &[]),
        0.0
    );
}

#[actix_rt::test]
async fn deliveries_are_counted_by_outcome_with_the_queue_lag_beside_them() {
    let app = app_with_metrics(|s| {
        s.webhooks.allow_http = vec!["127.0.0.1".to_owned()];
        s.webhooks.retry_base = Duration::from_millis(10);
        s.webhooks.poll = Duration::from_millis(50);
    })
    .await;
    let receiver = Receiver::start().await;
    receiver.script(&[500]);
    let dsb = vakdienst("dsb");
    let subscribed = app
        .post(
            "/api/v1/subscriptions",
            &app.token(&dsb),
            &json!({"callbackUrl": receiver.url("/dsb"), "types": ["signal.*"]}),
        )
        .await;
    assert_eq!(subscribed.status, 201, "{}", subscribed.text);
    report_signal(&app, &pb(), json!({})).await;

    // The receiver has its answer before the worker writes it down: wait for the count.
    let deliveries = "wijkregie_deliveries_total";
    let delivered = [("channel", "webhook"), ("outcome", "delivered")];
    let started = Instant::now();
    let scraped = loop {
        let scraped = scrape(&app).await;
        if scraped.value(deliveries, &delivered) >= 2.0 {
            break scraped;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "two deliveries counted; received {:?}\n{}",
            receiver
                .received()
                .iter()
                .map(|r| r.status)
                .collect::<Vec<_>>(),
            scraped.text
        );
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        scraped.value(deliveries, &delivered),
        2.0,
        "signal.received and signal.routed"
    );
    assert_eq!(
        scraped.value(
            deliveries,
            &[("channel", "webhook"), ("outcome", "retrying")]
        ),
        1.0
    );
    let lag = scraped
        .find(
            "wijkregie_delivery_queue_lag_seconds",
            &[("channel", "webhook")],
        )
        .expect("the webhook queue's lag");
    assert!(lag.value >= 0.0, "{lag:?}");
    assert_eq!(
        scraped
            .types
            .get("wijkregie_delivery_queue_lag_seconds")
            .map(String::as_str),
        Some("gauge")
    );
}

#[actix_rt::test]
async fn without_a_metrics_address_no_listener_is_opened() {
    let app = spawn_app().await;
    assert_eq!(app.settings.metrics_bind, None);
    assert_eq!(app.metrics_address, None);
}

#[test]
fn the_service_announces_its_metrics_listener_and_a_bad_address_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = wijkregie(dir.path())
        .args(["migrate"])
        .env("WIJKREGIE_METRICS_BIND", "nowhere")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("WIJKREGIE_METRICS_BIND 'nowhere' is not a host:port to listen on"),
        "{stderr}"
    );

    let mut child = wijkregie(dir.path())
        .env("WIJKREGIE_BIND", "127.0.0.1:0")
        .env("WIJKREGIE_METRICS_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Read on while the service prints: a closed pipe would end it mid-banner.
    let (lines, banner) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let _running = Running(child);
    let metrics = loop {
        let line = banner
            .recv_timeout(Duration::from_secs(60))
            .expect("the banner names the metrics listener");
        if let Some(url) = line.trim().strip_prefix("Metrics:") {
            break url.trim().to_owned();
        }
    };
    let address = metrics
        .strip_prefix("http://")
        .and_then(|rest| rest.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("an http URL of /metrics: {metrics}"));
    let mut connection = TcpStream::connect(address).unwrap();
    connection
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    connection.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{answer}"
    );
    assert!(answer.contains("wijkregie_build_info{version="), "{answer}");
}
