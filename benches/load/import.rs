//! Importing partners while the service serves: `wijkregie import partners` of a generated file
//! (100,000 rows; 2,000 with `--small`) into the bench database, while a client offers the
//! release server a fixed rate of requests — in turn a single signal GET, a partner POST and a
//! readiness check — from the moment the import starts until it ends. Prints the import's rate
//! and the latencies of those requests during it; a 503 (the service's answer when a request
//! cannot get what it needs within its deadline) is counted apart from other failures.

use std::cell::RefCell;
use std::path::Path;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::measure::percentile;
use crate::server::Server;
use crate::{BASE, SERVER_BIN};

/// Requests per second offered during the import.
const RATE: f64 = 60.0;

/// The import's figures and those of the requests answered meanwhile.
#[derive(Debug, Clone)]
pub(crate) struct ImportOutcome {
    rows: usize,
    seconds: f64,
    requests: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    /// Answers 503 (a deadline kept), other non-2xx answers, and failed requests.
    unavailable: usize,
    other_non_2xx: usize,
    errors: usize,
}

impl ImportOutcome {
    pub(crate) fn clean(&self) -> bool {
        self.other_non_2xx == 0 && self.errors == 0
    }

    fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.seconds.max(f64::EPSILON)
    }

    pub(crate) fn summary(&self) -> String {
        format!(
            "import {} partners: {:.1} s, {:.0} rows/s; meanwhile {} requests at {RATE:.0}/s \
             (signal GET, partner POST, readiness): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
             503 {}, other non-2xx {}, errors {}",
            self.rows,
            self.seconds,
            self.rows_per_second(),
            self.requests,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.unavailable,
            self.other_non_2xx,
            self.errors,
        )
    }

    pub(crate) fn json(&self) -> Value {
        json!({
            "rows": self.rows,
            "seconds": self.seconds,
            "rowsPerSecond": self.rows_per_second(),
            "offeredPerSecond": RATE,
            "requests": self.requests,
            "p50Ms": self.p50_ms,
            "p99Ms": self.p99_ms,
            "maxMs": self.max_ms,
            "unavailable503": self.unavailable,
            "otherNon2xx": self.other_non_2xx,
            "errors": self.errors,
        })
    }
}

/// A file of `rows` new partners, each with its own KvK number and a neighbourhood; `run`
/// keeps the names and numbers of one run apart from an earlier run's on a reused database.
fn partner_file(rows: usize, run: u64) -> String {
    let mut file = String::from("name,kind,kvkNumber,neighbourhoodIds\r\n");
    let first = 60_000_000 + (run % 30) * 1_000_000;
    for n in 0..rows as u64 {
        file.push_str(&format!(
            "Importpartner {run}-{n},welfare,{:08},transvaal\r\n",
            first + n
        ));
    }
    file
}

/// What one request ended in.
enum Answer {
    Status(u16, Duration),
    Failed,
}

/// Runs the import of `rows` partners against `database_url` while requests go to `server`.
pub(crate) fn run_import(
    server: &Server,
    database_url: &str,
    token: &str,
    signal_ids: &[String],
    rows: usize,
    dir: &Path,
) -> Result<ImportOutcome, String> {
    let run = chrono::Utc::now().timestamp().unsigned_abs();
    let file = dir.join("partners-import.csv");
    std::fs::write(&file, partner_file(rows, run)).map_err(|e| e.to_string())?;
    let urls: Vec<String> = signal_ids
        .iter()
        .map(|id| server.url(&format!("{BASE}/signals/{id}")))
        .collect();
    if urls.is_empty() {
        return Err("import: no signal ids to read".to_owned());
    }
    let partners_url = server.url(&format!("{BASE}/partners"));
    let ready_url = server.url("/health/ready");
    let authorization = format!("Bearer {token}");
    let started = Instant::now();
    let mut import = Command::new(SERVER_BIN)
        .args(["import", "partners"])
        .arg(&file)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run wijkregie import: {e}"))?;
    let answers: Rc<RefCell<Vec<Answer>>> = Rc::new(RefCell::new(Vec::new()));
    let collected = answers.clone();
    let ended = actix_rt::System::new().block_on(async {
        let client = awc::Client::builder()
            .connector(awc::Connector::new().limit(256))
            .timeout(Duration::from_secs(30))
            .finish();
        let interval = Duration::from_secs_f64(1.0 / RATE);
        let mut pending = Vec::new();
        let mut n = 0usize;
        let ended = loop {
            match import.try_wait() {
                Ok(Some(_)) => break Ok(()),
                Ok(None) => {}
                Err(e) => break Err(e.to_string()),
            }
            let due = started + interval.mul_f64(n as f64);
            actix_rt::time::sleep_until(due.into()).await;
            let request = match n % 3 {
                0 => client
                    .get(&urls[n / 3 % urls.len()])
                    .insert_header(("Authorization", authorization.as_str()))
                    .send(),
                1 => client
                    .post(&partners_url)
                    .insert_header(("Authorization", authorization.as_str()))
                    .send_json(&json!({"name": format!("Bezoeker {run}-{n}"), "kind": "other"})),
                _ => client.get(&ready_url).send(),
            };
            n += 1;
            let answers = collected.clone();
            pending.push(actix_rt::spawn(async move {
                let answer = match request.await {
                    Ok(mut response) => match response.body().limit(1 << 20).await {
                        Ok(_) => Answer::Status(response.status().as_u16(), due.elapsed()),
                        Err(_) => Answer::Failed,
                    },
                    Err(_) => Answer::Failed,
                };
                answers.borrow_mut().push(answer);
            }));
        };
        for task in pending {
            let _ = task.await;
        }
        ended
    });
    ended?;
    let seconds = started.elapsed().as_secs_f64();
    let output = import.wait_with_output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "wijkregie import failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    eprintln!("    {}", String::from_utf8_lossy(&output.stdout).trim());
    let answers = answers.borrow();
    let mut latencies: Vec<f64> = answers
        .iter()
        .filter_map(|a| match a {
            Answer::Status(_, latency) => Some(latency.as_secs_f64() * 1000.0),
            Answer::Failed => None,
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let status = |keep: &dyn Fn(u16) -> bool| {
        answers
            .iter()
            .filter(|a| matches!(a, Answer::Status(s, _) if keep(*s)))
            .count()
    };
    Ok(ImportOutcome {
        rows,
        seconds,
        requests: answers.len(),
        p50_ms: percentile(&latencies, 50.0),
        p99_ms: percentile(&latencies, 99.0),
        max_ms: latencies.last().copied().unwrap_or(0.0),
        unavailable: status(&|s| s == 503),
        other_non_2xx: status(&|s| s != 503 && !(200..300).contains(&s)),
        errors: answers
            .iter()
            .filter(|a| matches!(a, Answer::Failed))
            .count(),
    })
}
