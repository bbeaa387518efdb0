//! The results: the table printed at the end of a run and the JSON report, with the machine's
//! load and the commit measured.

use std::fmt::Write as _;
use std::process::Command;

use serde_json::{Value, json};

use crate::measure::Measured;
use crate::workloads::Workload;
use crate::{BASE, Options};

/// Both sides of one workload.
pub(crate) struct Outcome {
    pub(crate) workload: Workload,
    pub(crate) api: Measured,
    pub(crate) pg: Option<Measured>,
    pub(crate) rss_kb: u64,
}

impl Outcome {
    fn ratio(&self) -> Option<f64> {
        self.pg
            .as_ref()
            .filter(|pg| pg.per_second > 0.0)
            .map(|pg| self.api.per_second / pg.per_second)
    }

    pub(crate) fn summary(&self) -> String {
        let mut text = format!(
            "API {:.0}/s p50 {:.2} ms p99 {:.2} ms, non-2xx {}",
            self.api.per_second, self.api.p50_ms, self.api.p99_ms, self.api.non_2xx
        );
        if let Some(pg) = &self.pg {
            let _ = write!(
                text,
                "; pgbench {:.0}/s p50 {:.2} ms p99 {:.2} ms",
                pg.per_second, pg.p50_ms, pg.p99_ms
            );
        }
        text
    }
}

pub(crate) fn table(
    o: &Options,
    results: &[Outcome],
    peak_rss_kb: u64,
    load_at_start: Option<&str>,
) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "wijkregie load benchmark: {} projects, {} signals, {} connections, {} threads, {} s per side ({})",
        o.projects,
        o.signals,
        o.connections,
        o.threads,
        o.duration,
        if o.sqlite { "SQLite" } else { "PostgreSQL" }
    );
    let _ = writeln!(
        t,
        "{:<36} {:>9} {:>8} {:>8} | {:>9} {:>8} {:>8} | {:>6} | {:>7} | {:>7}",
        "workload",
        "API /s",
        "p50 ms",
        "p99 ms",
        "pgbench/s",
        "p50 ms",
        "p99 ms",
        "ratio",
        "non-2xx",
        "RSS MB"
    );
    let _ = writeln!(t, "{}", "-".repeat(132));
    for r in results {
        let (pg_rate, pg_p50, pg_p99) = match &r.pg {
            Some(pg) => (
                rate(pg.per_second),
                format!("{:.2}", pg.p50_ms),
                format!("{:.2}", pg.p99_ms),
            ),
            None => ("-".into(), "-".into(), "-".into()),
        };
        let _ = writeln!(
            t,
            "{:<36} {:>9} {:>8.2} {:>8.2} | {:>9} {:>8} {:>8} | {:>6} | {:>7} | {:>7.1}",
            format!("{} {}", r.workload.method, r.workload.name),
            rate(r.api.per_second),
            r.api.p50_ms,
            r.api.p99_ms,
            pg_rate,
            pg_p50,
            pg_p99,
            r.ratio().map_or("-".to_owned(), |x| format!("{x:.2}")),
            r.api.non_2xx + r.api.socket_errors,
            r.rss_kb as f64 / 1024.0
        );
    }
    let _ = write!(
        t,
        "peak server RSS (VmHWM): {:.1} MB; load average before the run: {}",
        peak_rss_kb as f64 / 1024.0,
        load_at_start.unwrap_or_default()
    );
    t
}

/// A rate with a decimal when it is small (a report takes seconds).
fn rate(per_second: f64) -> String {
    if per_second < 100.0 {
        format!("{per_second:.1}")
    } else {
        format!("{per_second:.0}")
    }
}

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`).
pub(crate) fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn git_commit() -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

pub(crate) fn report_json(
    o: &Options,
    results: &[Outcome],
    peak_rss_kb: u64,
    generate_seconds: Option<f64>,
    database_url: &str,
    load_at_start: Option<String>,
) -> Value {
    let side = |m: &Measured| {
        json!({
            "perSecond": (m.per_second * 10.0).round() / 10.0,
            "p50Ms": m.p50_ms,
            "p99Ms": m.p99_ms,
            "count": m.count,
        })
    };
    json!({
        "commit": git_commit(),
        "date": chrono::Utc::now().to_rfc3339(),
        "backend": if o.sqlite { "sqlite" } else { "postgresql" },
        "database": if o.sqlite { "sqlite file".to_owned() } else { database_url.to_owned() },
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "dataset": { "projects": o.projects, "signals": o.signals, "seed": o.seed },
        "generateSeconds": generate_seconds,
        "connections": o.connections,
        "threads": o.threads,
        "durationSeconds": o.duration,
        "peakRssMb": (peak_rss_kb as f64 / 102.4).round() / 10.0,
        "loadAverageBefore": load_at_start,
        "workloads": results.iter().map(|r| json!({
            "name": r.workload.name,
            "method": r.workload.method,
            "path": format!("{BASE}{}", r.workload.path),
            "role": r.workload.caller.label(),
            "api": side(&r.api),
            "nonSuccess": r.api.non_2xx,
            "socketErrors": r.api.socket_errors,
            "pgbench": r.pg.as_ref().map(side),
            "pgbenchFailed": r.pg.as_ref().map(|pg| pg.non_2xx),
            "ratio": r.ratio().map(|x| (x * 1000.0).round() / 1000.0),
            "rssMb": (r.rss_kb as f64 / 102.4).round() / 10.0,
        })).collect::<Vec<_>>(),
    })
}
