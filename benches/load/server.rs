//! The release server: starting and stopping it, minting its tokens, and single requests to it
//! with curl.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::workloads::Caller;
use crate::{BENCH_DATABASE, SERVER_BIN};

pub(crate) fn mint(database_url: &str, secret: &str, caller: Caller) -> Result<String, String> {
    let output = Command::new(SERVER_BIN)
        .arg("token")
        .args(caller.token_args())
        .args(["--ttl", "8h"])
        .env("DATABASE_URL", database_url)
        .env("WIJKREGIE_JWT_SECRET", secret)
        .env("RUST_LOG", "warn")
        .output()
        .map_err(|e| format!("cannot run wijkregie token: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "wijkregie token failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// A running release server.
pub(crate) struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// `jobs`: whether the overdue sweep and the webhook worker run (they do in production; the
    /// capture server turns them off, so that their statements are not taken for a request's:
    /// the worker looks for work every 200 ms).
    pub(crate) fn start(
        database_url: &str,
        secret: &str,
        log: &Path,
        jobs: bool,
    ) -> Result<Self, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let log_file = std::fs::File::create(log).map_err(|e| e.to_string())?;
        let mut command = Command::new(SERVER_BIN);
        if !jobs {
            command
                .env("WIJKREGIE_OVERDUE_SWEEP_SECONDS", "0")
                .env("WIJKREGIE_WEBHOOK_WORKER", "off");
        }
        let child = command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("WIJKREGIE_BIND", format!("127.0.0.1:{port}"))
            .env("WIJKREGIE_JWT_SECRET", secret)
            // The delivery workload's receiver listens on plain HTTP on this machine.
            .env("WIJKREGIE_WEBHOOK_ALLOW_HTTP", "127.0.0.1")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let mut server = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                return Err(format!("the server exited ({status}):\n{text}"));
            }
            if curl(&server, "GET", "/health/ready", None, None).is_ok_and(|code| code == 200) {
                return Ok(server);
            }
            if Instant::now() > deadline {
                server.stop();
                return Err("the server was not ready within 60 s".to_owned());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// VmHWM: the most resident memory the server has had.
    pub(crate) fn peak_rss_kb(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    pub(crate) fn stop(mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How long no session of the bench database may run a statement before it counts as quiet.
const QUIET: Duration = Duration::from_millis(300);
/// The longest wait for quiet.
const QUIET_WITHIN: Duration = Duration::from_secs(600);

/// Waits until no session of the bench database has run a statement (or held a transaction
/// open) for [`QUIET`], sampled every 10 ms from `admin` (a session of another database);
/// returns the seconds waited. A server starts its hourly jobs at once — the reporter erasure
/// reads every closed signal that still has a reporter, 500 at a time, which at a million
/// signals takes seconds — and their statements must neither be captured as a request's nor
/// share the cores with a measurement.
pub(crate) fn wait_until_quiet(admin: &mut PgConnection) -> Result<f64, String> {
    #[derive(QueryableByName)]
    struct Busy {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let started = Instant::now();
    let mut quiet_since = Instant::now();
    loop {
        let busy: Busy = diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = '{BENCH_DATABASE}' \
             AND backend_type = 'client backend' AND state <> 'idle'"
        ))
        .get_result(admin)
        .map_err(|e| format!("cannot read pg_stat_activity: {e}"))?;
        if busy.n > 0 {
            quiet_since = Instant::now();
        } else if quiet_since.elapsed() >= QUIET {
            return Ok(started.elapsed().as_secs_f64());
        }
        if started.elapsed() > QUIET_WITHIN {
            return Err(format!(
                "{BENCH_DATABASE} was still busy after {} s",
                QUIET_WITHIN.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One request with curl; returns the status code.
pub(crate) fn curl(
    server: &Server,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<u16, String> {
    let mut command = Command::new("curl");
    command.args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method]);
    if let Some(token) = token {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    if let Some(body) = body {
        command.args(["-H", "Content-Type: application/json", "--data", body]);
    }
    let output = command
        .arg(server.url(path))
        .output()
        .map_err(|e| format!("cannot run curl: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| "no status from curl".to_owned())
}
