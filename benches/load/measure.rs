//! The two sides of a workload under load: pgbench running the captured SQL, wrk sending the
//! requests, each reduced to throughput and latency percentiles.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::capture::{Statement, pgbench_scripts, slug};
use crate::server::Server;
use crate::workloads::Workload;
use crate::{BASE, Options};

/// Throughput and latency of one side of a workload.
#[derive(Debug, Clone, Default)]
pub(crate) struct Measured {
    pub(crate) per_second: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) count: u64,
    pub(crate) non_2xx: u64,
    pub(crate) socket_errors: u64,
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub(crate) fn run_pgbench(
    o: &Options,
    pgbench: &Path,
    database_url: &str,
    workload: &Workload,
    statements: &[Statement],
    ids: &[String],
    dir: &Path,
) -> Result<Measured, String> {
    let capture_id = ids.first().map(String::as_str);
    let (files, defines) = pgbench_scripts(workload, statements, capture_id, ids, dir)?;
    let log_dir = dir.join(format!("pgbench-{}", slug(workload.name)));
    std::fs::create_dir_all(&log_dir).map_err(|e| e.to_string())?;
    // One pgbench process for warm-up and measurement: each connection prepares every statement
    // of every script once (100 scripts for the random-id workloads), as the server's statement
    // cache does once per pooled connection; that happens in the warm-up, which is cut from the
    // per-transaction log below, as is the ramp-down at the end.
    let (connections, threads) = workload.concurrency(o);
    let mut command = Command::new(pgbench);
    command.args([
        "-n",
        "-M",
        "prepared",
        "-c",
        &connections.to_string(),
        "-j",
        &threads.to_string(),
        "-T",
        &(o.warmup + o.duration).to_string(),
    ]);
    for file in &files {
        command.arg("-f").arg(format!("{}@1", file.display()));
    }
    for define in &defines {
        command.arg("-D").arg(define);
    }
    command
        .arg("-l")
        .arg(format!("--log-prefix={}", log_dir.join("tx").display()));
    // The connection string as the server uses it: TCP to 127.0.0.1, sslmode=disable.
    command.arg(database_url);
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs_f64();
    let output = command
        .output()
        .map_err(|e| format!("cannot run pgbench: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        // pgbench's own report comes first and its errors last, so a CI log's tail shows why.
        return Err(format!(
            "{stdout}\npgbench failed for {}: {}",
            workload.name,
            String::from_utf8_lossy(&output.stderr),
        ));
    }
    let failed = stdout
        .lines()
        .find_map(|l| l.strip_prefix("number of failed transactions: "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    // Per-transaction log: client, transaction, latency (µs), script, end time (s, µs).
    let window = (
        started + o.warmup as f64,
        started + (o.warmup + o.duration) as f64,
    );
    let mut latencies: Vec<f64> = Vec::new();
    // Every transaction, for workloads slower than the window (a report over a million rows).
    let mut all: Vec<(f64, f64)> = Vec::new();
    for entry in std::fs::read_dir(&log_dir)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(latency), Some(secs), Some(micros)) = (
                fields.get(2).and_then(|v| v.parse::<f64>().ok()),
                fields.get(4).and_then(|v| v.parse::<f64>().ok()),
                fields.get(5).and_then(|v| v.parse::<f64>().ok()),
            ) else {
                continue;
            };
            let ended = secs + micros / 1e6;
            all.push((ended, latency / 1000.0));
            if ended >= window.0 && ended < window.1 {
                latencies.push(latency / 1000.0);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&log_dir);
    let tps = if latencies.len() >= 10 {
        latencies.len() as f64 / o.duration as f64
    } else {
        // Too few transactions end inside the window to count them: take every transaction
        // of the run, over the time from the first start to the last end.
        let first_start = all
            .iter()
            .map(|(ended, ms)| ended - ms / 1000.0)
            .fold(f64::INFINITY, f64::min);
        let last_end = all.iter().map(|(ended, _)| *ended).fold(0.0, f64::max);
        latencies = all.iter().map(|(_, ms)| *ms).collect();
        if latencies.is_empty() || last_end <= first_start {
            return Err(format!(
                "pgbench logged no transactions for {}:\n{stdout}",
                workload.name
            ));
        }
        latencies.len() as f64 / (last_end - first_start)
    };
    latencies.sort_by(f64::total_cmp);
    Ok(Measured {
        per_second: tps,
        p50_ms: percentile(&latencies, 50.0),
        p99_ms: percentile(&latencies, 99.0),
        count: latencies.len() as u64,
        non_2xx: failed,
        socket_errors: 0,
    })
}

/// The wrk script of a workload: method, token, body, a random id per request, and a JSON
/// summary at the end (latency in µs; `status` counts responses outside 2xx and 3xx).
fn wrk_script(workload: &Workload, token: &str, ids: &[String]) -> String {
    let lua_string = |s: &str| format!("{s:?}");
    let mut script = String::new();
    let _ = writeln!(script, "wrk.method = {}", lua_string(workload.method));
    let _ = writeln!(
        script,
        "wrk.headers[\"Authorization\"] = {}",
        lua_string(&format!("Bearer {token}"))
    );
    if let Some(body) = workload.body {
        let _ = writeln!(
            script,
            "wrk.headers[\"Content-Type\"] = \"application/json\""
        );
        let _ = writeln!(script, "wrk.body = {}", lua_string(body));
    }
    let path = format!("{BASE}{}", workload.path);
    if workload.idempotency_key {
        // A fresh key per request: a per-thread random prefix and a counter.
        let _ = writeln!(script, "wrk.path = {}", lua_string(&path));
        let _ = writeln!(
            script,
            "math.randomseed(os.time() + tonumber(tostring({{}}):sub(8), 16))"
        );
        let _ = writeln!(
            script,
            "local prefix, counter = tostring(math.random(1, 1000000000)), 0"
        );
        let _ = writeln!(
            script,
            "request = function() counter = counter + 1; wrk.headers[\"Idempotency-Key\"] = prefix .. \"-\" .. counter; return wrk.format() end"
        );
    } else if ids.is_empty() {
        let _ = writeln!(script, "wrk.path = {}", lua_string(&path));
    } else {
        let (before, after) = path.split_once("{id}").unwrap_or((&path, ""));
        let list: Vec<String> = ids
            .iter()
            .map(|id| lua_string(&format!("{before}{id}{after}")))
            .collect();
        let _ = writeln!(script, "local paths = {{{}}}", list.join(", "));
        let _ = writeln!(
            script,
            "math.randomseed(os.time() + tonumber(tostring({{}}):sub(8), 16))"
        );
        let _ = writeln!(
            script,
            "request = function() return wrk.format(nil, paths[math.random(#paths)]) end"
        );
    }
    script.push_str(
        r#"done = function(summary, latency, requests)
  io.write(string.format(
    "BENCH-JSON {\"requests\":%d,\"duration_us\":%d,\"p50_us\":%d,\"p99_us\":%d,\"status\":%d,\"connect\":%d,\"read\":%d,\"write\":%d,\"timeout\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout))
end
"#,
    );
    script
}

pub(crate) fn run_wrk(
    o: &Options,
    wrk: &Path,
    server: &Server,
    workload: &Workload,
    token: &str,
    ids: &[String],
    dir: &Path,
) -> Result<Measured, String> {
    let script_path = dir.join(format!("{}.lua", slug(workload.name)));
    std::fs::write(&script_path, wrk_script(workload, token, ids)).map_err(|e| e.to_string())?;
    let (connections, threads) = workload.concurrency(o);
    let run = |seconds: u64| -> Result<Value, String> {
        let output = Command::new(wrk)
            .args([
                "-t",
                &threads.to_string(),
                "-c",
                &connections.to_string(),
                "-d",
                &format!("{seconds}s"),
                "--timeout",
                "10s",
                "-s",
            ])
            .arg(&script_path)
            .arg(server.url(""))
            .output()
            .map_err(|e| format!("cannot run wrk: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            return Err(format!(
                "wrk failed: {}\n{stdout}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("BENCH-JSON "))
            .ok_or_else(|| format!("no summary in wrk's output:\n{stdout}"))?;
        serde_json::from_str(line).map_err(|e| format!("wrk summary '{line}': {e}"))
    };
    if o.warmup > 0 {
        run(o.warmup)?;
    }
    let summary = run(o.duration)?;
    let number = |key: &str| summary[key].as_u64().unwrap_or(0);
    let requests = number("requests");
    let seconds = number("duration_us") as f64 / 1e6;
    Ok(Measured {
        per_second: if seconds > 0.0 {
            requests as f64 / seconds
        } else {
            0.0
        },
        p50_ms: number("p50_us") as f64 / 1000.0,
        p99_ms: number("p99_us") as f64 / 1000.0,
        count: requests,
        non_2xx: number("status"),
        socket_errors: number("connect") + number("read") + number("write") + number("timeout"),
    })
}
