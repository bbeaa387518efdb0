//! The CSV export of every project under the server's memory: the whole body read and its rows
//! counted, while another thread samples the server's resident memory every 10 ms; beside it,
//! the same sampling during one JSON page of the list, to show what "constant memory" is
//! measured against.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{Value, json};

use wijkregie::db::DatabaseTarget;

use crate::BASE;
use crate::server::Server;

/// How often the server's resident memory is read during a request.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);
/// The JSON page the export is compared with: the list's largest page.
const JSON_PAGE: &str = "/projects?limit=200";

/// One request, with the server's resident memory around it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sampled {
    /// Data rows (the CSV's header row not counted) or JSON items.
    pub(crate) rows: u64,
    pub(crate) bytes: u64,
    pub(crate) seconds: f64,
    pub(crate) rss_before_kb: u64,
    pub(crate) rss_peak_kb: u64,
    pub(crate) rss_after_kb: u64,
    pub(crate) samples: u64,
}

/// The export of every project and the JSON page beside it.
#[derive(Debug, Clone)]
pub(crate) struct ExportOutcome {
    /// The projects the programme bureau sees: every project.
    pub(crate) expected_rows: u64,
    pub(crate) csv: Sampled,
    pub(crate) json_page: Sampled,
}

fn mib(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

impl ExportOutcome {
    pub(crate) fn summary(&self) -> String {
        let line = |name: &str, s: &Sampled| {
            format!(
                "{name:<36} {:>7} rows {:>9.1} MB {:>7.2} s | RSS MiB before {:>6.1}  peak {:>6.1}  after {:>6.1} ({} samples)",
                s.rows,
                s.bytes as f64 / 1e6,
                s.seconds,
                mib(s.rss_before_kb),
                mib(s.rss_peak_kb),
                mib(s.rss_after_kb),
                s.samples,
            )
        };
        format!(
            "{}\n{}",
            line("CSV export of all projects", &self.csv),
            line(&format!("JSON page GET {JSON_PAGE}"), &self.json_page)
        )
    }

    pub(crate) fn json(&self) -> Value {
        let side = |s: &Sampled| {
            let round = |kb: u64| (mib(kb) * 10.0).round() / 10.0;
            json!({
                "rows": s.rows,
                "bytes": s.bytes,
                "seconds": (s.seconds * 1000.0).round() / 1000.0,
                "rssBeforeMiB": round(s.rss_before_kb),
                "rssPeakMiB": round(s.rss_peak_kb),
                "rssAfterMiB": round(s.rss_after_kb),
                "samples": s.samples,
            })
        };
        json!({
            "path": format!("{BASE}/projects"),
            "accept": "text/csv",
            "role": "programmabureau",
            "expectedRows": self.expected_rows,
            "csv": side(&self.csv),
            "jsonPage": { "path": format!("{BASE}{JSON_PAGE}"), "sample": side(&self.json_page) },
        })
    }
}

/// The projects in the bench database (the programme bureau reads every one, DESIGN §7).
fn project_count(database_url: &str) -> Result<u64, String> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let target = DatabaseTarget::parse(database_url)?;
    let mut conn = target.connect().map_err(|e| e.to_string())?;
    let count: Count = diesel::sql_query("SELECT COUNT(*) AS n FROM projects")
        .get_result(&mut conn)
        .map_err(|e| format!("cannot count the projects: {e}"))?;
    u64::try_from(count.n).map_err(|e| e.to_string())
}

/// Counts what passes through, so the body is read once, as it streams.
struct Counting<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Runs `request` while a thread reads the server's resident memory every [`SAMPLE_EVERY`];
/// `request` returns the rows and bytes it read.
fn sampled(
    server: &Server,
    request: impl FnOnce() -> Result<(u64, u64), String>,
) -> Result<Sampled, String> {
    let pid = server.pid();
    let before = rss_kb(pid)?;
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let (mut peak, mut samples) = (0, 0);
            while !done.load(Ordering::Relaxed) {
                if let Ok(kb) = rss_kb(pid) {
                    peak = peak.max(kb);
                    samples += 1;
                }
                std::thread::sleep(SAMPLE_EVERY);
            }
            (peak, samples)
        })
    };
    let started = Instant::now();
    let result = request();
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let (peak, samples) = sampler
        .join()
        .map_err(|_| "the memory sampler failed".to_owned())?;
    let (rows, bytes) = result?;
    // The server frees the request's buffers once the response is written, which may be a
    // moment after the client has read the last byte.
    std::thread::sleep(Duration::from_millis(200));
    let after = rss_kb(pid)?;
    Ok(Sampled {
        rows,
        bytes,
        seconds,
        rss_before_kb: before,
        rss_peak_kb: peak.max(before).max(after),
        rss_after_kb: after,
        samples,
    })
}

/// VmRSS: the server's resident memory now, in kB.
fn rss_kb(pid: u32) -> Result<u64, String> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("cannot read the server's memory: {e}"))?
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS in the server's /proc status".to_owned())
}

/// curl with the token and `Accept`, the body on a pipe; `--fail` turns an error status into an
/// exit code, and a body cut off mid-stream is one too (curl exits 18).
fn curl(server: &Server, path: &str, token: &str, accept: &str) -> Command {
    let mut command = Command::new("curl");
    command
        .args(["-sS", "--fail", "--no-buffer"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["-H", &format!("Accept: {accept}")])
        .arg(server.url(&format!("{BASE}{path}")))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn finish(mut child: std::process::Child, what: &str) -> Result<(), String> {
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what}: curl {status}: {}", stderr.trim()))
    }
}

/// The export of every project as the programme bureau, read to the end; fails unless the body
/// holds the header and one row per project.
pub(crate) fn run_export(
    server: &Server,
    database_url: &str,
    token: &str,
) -> Result<ExportOutcome, String> {
    let expected_rows = project_count(database_url)?;
    let json_page = sampled(server, || {
        let mut child = curl(server, JSON_PAGE, token, "application/json")
            .spawn()
            .map_err(|e| format!("cannot run curl: {e}"))?;
        let mut body = Vec::new();
        if let Some(mut out) = child.stdout.take() {
            out.read_to_end(&mut body).map_err(|e| e.to_string())?;
        }
        finish(child, JSON_PAGE)?;
        let page: Value = serde_json::from_slice(&body)
            .map_err(|e| format!("the JSON page does not parse: {e}"))?;
        let items = page["items"].as_array().map_or(0, Vec::len);
        Ok((items as u64, body.len() as u64))
    })?;
    let csv = sampled(server, || {
        let mut child = curl(server, "/projects", token, "text/csv")
            .spawn()
            .map_err(|e| format!("cannot run curl: {e}"))?;
        let out = child.stdout.take().ok_or("curl gave no output")?;
        let mut counting = Counting {
            inner: out,
            bytes: 0,
        };
        let mut rows = 0u64;
        {
            // Records, not lines: a quoted field may hold a line break.
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(&mut counting);
            let header = reader
                .headers()
                .map_err(|e| format!("the export has no header row: {e}"))?;
            if header.iter().next() != Some("id") {
                return Err(format!("the export's header row is {header:?}"));
            }
            let mut record = csv::ByteRecord::new();
            while reader
                .read_byte_record(&mut record)
                .map_err(|e| format!("the export's row {} does not parse: {e}", rows + 1))?
            {
                rows += 1;
            }
        }
        finish(child, "the CSV export")?;
        Ok((rows, counting.bytes))
    })?;
    if csv.rows != expected_rows {
        return Err(format!(
            "the CSV export held {} rows after its header, not the {expected_rows} projects",
            csv.rows
        ));
    }
    Ok(ExportOutcome {
        expected_rows,
        csv,
        json_page,
    })
}
