use std::collections::BTreeSet;
use std::time::Duration;

use actix_web::http::Method;
use serde_json::Value;

use super::{Kind, Metrics, REGISTERED, events_written};

const DASHBOARD: &str = include_str!("../grafana-dashboard.json");

/// Every PromQL expression of the dashboard: the panels' queries and the variables'.
fn expressions(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                match (key.as_str(), member) {
                    ("expr" | "definition", Value::String(text)) => found.push(text.clone()),
                    _ => expressions(member, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| expressions(item, found)),
        _ => {}
    }
}

/// The names an expression reads that are the service's (`wijkregie_…`).
fn metric_names(expression: &str) -> Vec<String> {
    expression
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|word| word.starts_with("wijkregie_"))
        .map(str::to_owned)
        .collect()
}

/// The series names the exposition has for a registered metric.
fn series_of(name: &str, kind: Kind) -> Vec<String> {
    match kind {
        Kind::Counter | Kind::Gauge => vec![name.to_owned()],
        Kind::Histogram => ["_bucket", "_sum", "_count"]
            .iter()
            .map(|suffix| format!("{name}{suffix}"))
            .collect(),
    }
}

#[test]
fn the_dashboard_reads_only_registered_metrics_and_shows_every_one() {
    let dashboard: Value = serde_json::from_str(DASHBOARD).unwrap_or(Value::Null);
    let mut found = Vec::new();
    expressions(&dashboard, &mut found);
    assert!(found.len() > 10, "the dashboard's queries: {found:?}");
    let served: BTreeSet<String> = REGISTERED
        .iter()
        .flat_map(|(name, kind, _)| series_of(name, *kind))
        .collect();
    let used: BTreeSet<String> = found.iter().flat_map(|e| metric_names(e)).collect();
    let unknown: Vec<&String> = used.difference(&served).collect();
    assert!(unknown.is_empty(), "not registered: {unknown:?}");
    let unshown: Vec<&str> = REGISTERED
        .iter()
        .filter(|(name, kind, _)| !series_of(name, *kind).iter().any(|s| used.contains(s)))
        .map(|(name, _, _)| *name)
        .collect();
    assert!(unshown.is_empty(), "not on the dashboard: {unshown:?}");
}

#[test]
fn the_dashboard_asks_for_its_prometheus_on_import() {
    let dashboard: Value = serde_json::from_str(DASHBOARD).unwrap_or(Value::Null);
    assert_eq!(dashboard["__inputs"][0]["name"], "DS_PROMETHEUS");
    assert_eq!(dashboard["__inputs"][0]["pluginId"], "prometheus");
    let panels = dashboard["panels"].as_array().cloned().unwrap_or_default();
    for panel in panels.iter().filter(|p| p["type"] != "row") {
        assert_eq!(
            panel["datasource"]["uid"], "${DS_PROMETHEUS}",
            "{}",
            panel["title"]
        );
        for target in panel["targets"].as_array().into_iter().flatten() {
            assert_eq!(
                target["datasource"]["uid"], "${DS_PROMETHEUS}",
                "{}",
                panel["title"]
            );
        }
    }
}

#[test]
fn made_up_paths_and_methods_become_fixed_labels() {
    let Ok(metrics) = Metrics::new() else {
        unreachable!("the buckets are valid")
    };
    let brew = Method::from_bytes(b"BREW").unwrap_or(Method::GET);
    metrics.request_served(&brew, None, 404, Duration::from_micros(300));
    metrics.request_served(
        &Method::GET,
        Some("/api/v1/projects/{projectId}"),
        200,
        Duration::from_millis(2),
    );
    let text = metrics.render();
    assert!(
        text.contains(
            r#"wijkregie_http_requests_total{method="other",route="unmatched",status="404"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"wijkregie_http_request_duration_seconds_bucket{method="GET",route="/api/v1/projects/{projectId}",status="200",le="0.002"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains("# HELP wijkregie_http_requests_total "),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "wijkregie_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
}

#[test]
fn each_service_counts_into_its_own_recorder_and_none_without_one() {
    let (Ok(one), Ok(other)) = (Metrics::new(), Metrics::new()) else {
        unreachable!("the buckets are valid")
    };
    one.scope(|| events_written("project.created", 2));
    events_written("project.created", 5);
    assert!(
        one.render()
            .contains(r#"wijkregie_events_written_total{type="project.created"} 2"#),
        "{}",
        one.render()
    );
    assert!(!other.render().contains("wijkregie_events_written_total{"));
}
