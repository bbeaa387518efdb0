//! The load benchmark: wijkregie against the database's own ceiling, in one run.
//!
//! `cargo bench --bench load -- [options]` (see `--help` and benches/README.md):
//! 1. recreates the `wijkregie_bench` database and fills it with `wijkregie generate`;
//! 2. captures, per workload, the SQL the release server runs for one request (from
//!    PostgreSQL's log, with `log_min_duration_statement = 0` for the bench database only) and
//!    turns it into pgbench scripts with the same statements and parameters;
//! 3. starts the release server with production settings (JWT secret, log level warn), and runs
//!    per workload pgbench (prepared, TCP on 127.0.0.1 without TLS, as the server connects) and
//!    wrk (real tokens of the role that uses the endpoint) at the same concurrency and duration;
//! 4. prints one table and writes it as JSON.
//!
//! On SQLite (`--sqlite`) it runs only the HTTP side. `--check` (CI) fails the run on any
//! non-2xx response or socket error, never on a timing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark program: a broken step ends the run with its message"
)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{Value, json};

use wijkregie::db::DatabaseTarget;

const SERVER_BIN: &str = env!("CARGO_BIN_EXE_wijkregie");
const BENCH_DATABASE: &str = "wijkregie_bench";
const DEFAULT_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";
/// Random ids per single-GET workload: both sides pick among the same ones (pgbench allows at
/// most 128 scripts, one per id).
const RANDOM_IDS: usize = 100;
const BASE: &str = "/api/v1";

/// Who calls an endpoint in a workload.
#[derive(Debug, Clone, Copy)]
enum Caller {
    Programmabureau,
    Stadsdeel(&'static str),
    Vakdienst(&'static str),
}

impl Caller {
    fn token_args(self) -> Vec<String> {
        match self {
            Self::Programmabureau => vec!["--role".into(), "programmabureau".into()],
            Self::Stadsdeel(d) => vec![
                "--role".into(),
                "stadsdeel".into(),
                "--district".into(),
                d.into(),
            ],
            Self::Vakdienst(d) => vec![
                "--role".into(),
                "vakdienst".into(),
                "--department".into(),
                d.into(),
            ],
        }
    }

    fn label(self) -> String {
        match self {
            Self::Programmabureau => "programmabureau".to_owned(),
            Self::Stadsdeel(d) => format!("stadsdeel {d}"),
            Self::Vakdienst(d) => format!("vakdienst {d}"),
        }
    }
}

/// Which random ids a path takes (`{id}` in the path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ids {
    None,
    Signals,
    Projects,
}

/// One workload: an endpoint, the role that calls it, and what pgbench measures beside it.
#[derive(Debug, Clone)]
struct Workload {
    name: &'static str,
    method: &'static str,
    /// Below /api/v1; `{id}` is replaced by a random id of `ids`.
    path: &'static str,
    caller: Caller,
    body: Option<&'static str>,
    ids: Ids,
    /// Concurrent connections on both sides, when not `--connections` (`--threads` at most).
    connections: Option<u32>,
}

impl Workload {
    /// (connections, threads) of both load generators for this workload.
    fn concurrency(&self, o: &Options) -> (u32, u32) {
        let connections = self.connections.unwrap_or(o.connections);
        (connections, o.threads.min(connections))
    }
}

/// The workloads, in run order. Writes come last, so they do not change what the reads see.
/// Adding one is adding an entry here.
fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            name: "list signals (vakdienst)",
            method: "GET",
            path: "/signals?limit=50",
            caller: Caller::Vakdienst("ocw"),
            body: None,
            ids: Ids::None,
            connections: None,
        },
        Workload {
            name: "list overdue signals (vakdienst)",
            method: "GET",
            path: "/signals?overdue=true&limit=50",
            caller: Caller::Vakdienst("ocw"),
            body: None,
            ids: Ids::None,
            connections: None,
        },
        Workload {
            name: "list running projects (stadsdeel)",
            method: "GET",
            path: "/projects?status=running&districtId=escamp&limit=50",
            caller: Caller::Stadsdeel("escamp"),
            body: None,
            ids: Ids::None,
            connections: None,
        },
        Workload {
            name: "get signal",
            method: "GET",
            path: "/signals/{id}",
            caller: Caller::Programmabureau,
            body: None,
            ids: Ids::Signals,
            connections: None,
        },
        Workload {
            name: "get project",
            method: "GET",
            path: "/projects/{id}",
            caller: Caller::Programmabureau,
            body: None,
            ids: Ids::Projects,
            connections: None,
        },
        Workload {
            name: "progress report",
            method: "GET",
            path: "/reports/progress",
            caller: Caller::Programmabureau,
            body: None,
            ids: Ids::None,
            // Its target is the time one report takes: one at a time, on both sides.
            connections: Some(1),
        },
        Workload {
            name: "create signal",
            method: "POST",
            path: "/signals",
            caller: Caller::Stadsdeel("escamp"),
            body: Some(
                r#"{"title":"Losliggende stoeptegels bij de school","description":"Gemeld tijdens het spreekuur in de wijk.","neighbourhoodId":"moerwijk","source":"resident","themeId":"public_space","reporter":{"name":"Melder"}}"#,
            ),
            ids: Ids::None,
            connections: None,
        },
    ]
}

/// Command-line options.
#[derive(Debug, Clone)]
struct Options {
    server_url: String,
    sqlite: bool,
    projects: usize,
    signals: usize,
    seed: u64,
    duration: u64,
    warmup: u64,
    connections: u32,
    threads: u32,
    json: Option<PathBuf>,
    reuse: bool,
    check: bool,
    only: Option<String>,
}

const HELP: &str = "\
wijkregie load benchmark: the API against pgbench running the same SQL.

usage: cargo bench --bench load -- [options]

  --projects N        projects to generate (default 100000)
  --signals N         signals to generate (default 1000000)
  --seed N            generator seed (default 1)
  --duration S        seconds per side per workload (default 10)
  --warmup S          warm-up seconds per side per workload (default 2)
  --connections N     concurrent connections of pgbench and wrk (default 32)
  --threads N         load threads of pgbench and wrk (default 2)
  --database-url URL  PostgreSQL server to use (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable);
                      the benchmark drops and recreates its own database wijkregie_bench there
  --sqlite            run on an SQLite file instead (no pgbench side)
  --reuse             keep the bench database if it holds data (skips generating)
  --json PATH         where to write the results (default target/bench/load-<time>.json)
  --small             CI size: 1000 projects, 10000 signals, 3 s per side, 1 s warm-up
  --check             exit non-zero on any non-2xx response or socket error
  --only TEXT         run only the workloads whose name contains TEXT
";

fn options() -> Result<Options, String> {
    let mut o = Options {
        server_url: std::env::var("BENCH_DATABASE_URL")
            .unwrap_or_else(|_| DEFAULT_SERVER_URL.to_owned()),
        sqlite: false,
        projects: 100_000,
        signals: 1_000_000,
        seed: 1,
        duration: 10,
        warmup: 2,
        connections: 32,
        threads: 2,
        json: None,
        reuse: false,
        check: false,
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        fn number<T: std::str::FromStr>(name: &str, text: String) -> Result<T, String> {
            text.parse()
                .map_err(|_| format!("{name} '{text}' is not a number"))
        }
        match arg.as_str() {
            // cargo bench passes --bench to harness = false programs.
            "--bench" => {}
            "--help" | "-h" => {
                print!("{HELP}");
                std::process::exit(0);
            }
            "--projects" => o.projects = number(&arg, value(&arg)?)?,
            "--signals" => o.signals = number(&arg, value(&arg)?)?,
            "--seed" => o.seed = number(&arg, value(&arg)?)?,
            "--duration" => o.duration = number(&arg, value(&arg)?)?,
            "--warmup" => o.warmup = number(&arg, value(&arg)?)?,
            "--connections" => o.connections = number(&arg, value(&arg)?)?,
            "--threads" => o.threads = number(&arg, value(&arg)?)?,
            "--database-url" => o.server_url = value(&arg)?,
            "--json" => o.json = Some(PathBuf::from(value(&arg)?)),
            "--only" => o.only = Some(value(&arg)?),
            "--sqlite" => o.sqlite = true,
            "--reuse" => o.reuse = true,
            "--check" => o.check = true,
            "--small" => {
                o.projects = 1_000;
                o.signals = 10_000;
                o.duration = 3;
                o.warmup = 1;
            }
            other => return Err(format!("unknown option '{other}'; see --help")),
        }
    }
    if o.duration == 0 || o.connections == 0 || o.threads == 0 || o.threads > o.connections {
        return Err(
            "--duration and --connections must be positive, --threads between 1 and --connections"
                .to_owned(),
        );
    }
    if o.projects == 0 || o.signals == 0 {
        return Err("--projects and --signals must be positive".to_owned());
    }
    Ok(o)
}

fn main() {
    let options = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
    };
    match run(&options) {
        Ok(clean) => {
            if options.check && !clean {
                eprintln!("load: FAILED: some responses were not 2xx, or sockets failed");
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(1);
        }
    }
}

fn step(text: &str) {
    eprintln!("\n==> {text}");
}

/// The same URL with another database name (query kept).
fn with_database(server_url: &str, database: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{database}{query}", &base[..path_start])
}

fn out_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench")
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        // Debian keeps pgbench beside the server, off the PATH.
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .map(|e| e.path().join("bin").join(name))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        found.pop()
    })
}

/// Runs the whole benchmark; `Ok(true)` when every response was 2xx.
fn run(o: &Options) -> Result<bool, String> {
    let started = Instant::now();
    // Other work on the machine moves the figures; the load before the run shows it (the load
    // at the end includes the benchmark's own processes).
    let load_at_start = load_average();
    let wrk = find_tool("wrk").ok_or("wrk is not installed (Debian: apt-get install wrk)")?;
    let pgbench = if o.sqlite {
        None
    } else {
        Some(find_tool("pgbench").ok_or("pgbench is not installed (it comes with PostgreSQL)")?)
    };
    let dir = out_dir().join(format!("run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;

    let database_url = if o.sqlite {
        dir.join("bench.db").to_string_lossy().into_owned()
    } else {
        with_database(&o.server_url, BENCH_DATABASE)
    };
    let generate_seconds = prepare_database(o, &database_url)?;

    let target = DatabaseTarget::parse(&database_url)?;
    let signal_ids = random_ids(&target, "signals", o.seed)?;
    let project_ids = random_ids(&target, "projects", o.seed + 1)?;
    let secret = format!(
        "bench-secret-{:016x}{:016x}",
        o.seed,
        started.elapsed().as_nanos()
    );

    let selected: Vec<Workload> = workloads()
        .into_iter()
        .filter(|w| {
            o.only
                .as_ref()
                .is_none_or(|only| w.name.contains(only.as_str()))
        })
        .collect();
    if selected.is_empty() {
        return Err("--only matches no workload".to_owned());
    }
    let tokens = selected
        .iter()
        .map(|w| Ok((w.caller.label(), mint(&database_url, &secret, w.caller)?)))
        .collect::<Result<HashMap<_, _>, String>>()?;

    let captured = match &pgbench {
        Some(_) => {
            step("capturing the SQL of one request per workload from PostgreSQL's log");
            Some(capture(
                o,
                &database_url,
                &secret,
                &selected,
                &tokens,
                &signal_ids,
                &project_ids,
                &dir,
            )?)
        }
        None => None,
    };

    step("starting the release server (production settings: JWT secret, log level warn)");
    let server = Server::start(&database_url, &secret, &dir.join("server.log"), true)?;
    let mut results = Vec::new();
    for workload in &selected {
        let ids = match workload.ids {
            Ids::None => Vec::new(),
            Ids::Signals => signal_ids.clone(),
            Ids::Projects => project_ids.clone(),
        };
        step(&format!("workload: {}", workload.name));
        let token = &tokens[&workload.caller.label()];
        let pg = match (&pgbench, &captured) {
            (Some(pgbench), Some(captured)) => {
                let statements = captured
                    .get(workload.name)
                    .ok_or_else(|| format!("nothing captured for {}", workload.name))?;
                Some(run_pgbench(
                    o,
                    pgbench,
                    &database_url,
                    workload,
                    statements,
                    &ids,
                    &dir,
                )?)
            }
            _ => None,
        };
        let api = run_wrk(o, &wrk, &server, workload, token, &ids, &dir)?;
        let rss_kb = server.peak_rss_kb();
        results.push(Outcome {
            workload: workload.clone(),
            api,
            pg,
            rss_kb,
        });
        if let Some(last) = results.last() {
            eprintln!("    {}", last.summary());
        }
    }
    let peak_rss_kb = server.peak_rss_kb();
    server.stop();

    let clean = results
        .iter()
        .all(|r| r.api.non_2xx == 0 && r.api.socket_errors == 0);
    let table = table(o, &results, peak_rss_kb, load_at_start.as_deref());
    println!("\n{table}");
    let json_path = o.json.clone().unwrap_or_else(|| {
        out_dir().join(format!(
            "load-{}.json",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
        ))
    });
    let document = report_json(
        o,
        &results,
        peak_rss_kb,
        generate_seconds,
        &database_url,
        load_at_start,
    );
    if let Some(parent) = json_path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(
        &json_path,
        serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("cannot write {}: {e}", json_path.display()))?;
    println!("results: {}", json_path.display());
    println!("total time: {:.0} s", started.elapsed().as_secs_f64());
    if std::env::var_os("BENCH_KEEP_FILES").is_some() {
        println!("scripts and logs kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(clean)
}

/// Recreates the bench database and generates the programme into it; returns the seconds the
/// generator took (`None` when `--reuse` kept existing data).
fn prepare_database(o: &Options, database_url: &str) -> Result<Option<f64>, String> {
    if o.sqlite {
        let _ = std::fs::remove_file(database_url);
    } else {
        let mut admin = PgConnection::establish(&o.server_url)
            .map_err(|e| format!("cannot reach PostgreSQL at {}: {e}", o.server_url))?;
        let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{BENCH_DATABASE}')"
        )))
        .get_result(&mut admin)
        .map_err(|e| e.to_string())?;
        if o.reuse && exists {
            let target = DatabaseTarget::parse(database_url)?;
            let mut conn = target.connect().map_err(|e| e.to_string())?;
            if wijkregie::demo::has_programme_data(&mut conn).map_err(|e| e.to_string())? {
                step(&format!("reusing the data in {BENCH_DATABASE} (--reuse)"));
                return Ok(None);
            }
        }
        step(&format!("recreating database {BENCH_DATABASE}"));
        // Two statements: a multi-statement string runs as one transaction, which DROP DATABASE
        // refuses.
        for sql in [
            format!("DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)"),
            format!("CREATE DATABASE {BENCH_DATABASE}"),
        ] {
            admin
                .batch_execute(&sql)
                .map_err(|e| format!("cannot recreate {BENCH_DATABASE}: {e}"))?;
        }
    }
    step(&format!(
        "generating {} projects and {} signals (seed {})",
        o.projects, o.signals, o.seed
    ));
    let started = Instant::now();
    let status = Command::new(SERVER_BIN)
        .args([
            "generate",
            "--projects",
            &o.projects.to_string(),
            "--signals",
            &o.signals.to_string(),
            "--seed",
            &o.seed.to_string(),
        ])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .status()
        .map_err(|e| format!("cannot run {SERVER_BIN}: {e}"))?;
    if !status.success() {
        return Err(format!("wijkregie generate failed ({status})"));
    }
    Ok(Some(started.elapsed().as_secs_f64()))
}

/// `RANDOM_IDS` ids of a table, spread over all of it, the same for the same seed.
fn random_ids(target: &DatabaseTarget, table: &str, seed: u64) -> Result<Vec<String>, String> {
    #[derive(QueryableByName)]
    struct IdRow {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let mut conn = target.connect().map_err(|e| e.to_string())?;
    // Only the generator's ids (UUID-shaped), not rows a previous run's writes added.
    let rows: Vec<IdRow> = diesel::sql_query(format!(
        "SELECT id FROM {table} WHERE id LIKE '________-____-7___-%' ORDER BY id"
    ))
    .load(&mut conn)
    .map_err(|e| format!("cannot read the {table} ids: {e}"))?;
    if rows.is_empty() {
        return Err(format!("the bench database has no {table}"));
    }
    let mut state = seed;
    let mut next = move || {
        // SplitMix64, as the generator.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    Ok((0..RANDOM_IDS)
        .map(|_| rows[(next() % rows.len() as u64) as usize].id.clone())
        .collect())
}

fn mint(database_url: &str, secret: &str, caller: Caller) -> Result<String, String> {
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
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// `sweep`: whether the overdue sweep runs (it does in production; the capture server turns
    /// it off, so that its statements are not taken for a request's).
    fn start(database_url: &str, secret: &str, log: &Path, sweep: bool) -> Result<Self, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let log_file = std::fs::File::create(log).map_err(|e| e.to_string())?;
        let mut command = Command::new(SERVER_BIN);
        if !sweep {
            command.env("WIJKREGIE_OVERDUE_SWEEP_SECONDS", "0");
        }
        let child = command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("WIJKREGIE_BIND", format!("127.0.0.1:{port}"))
            .env("WIJKREGIE_JWT_SECRET", secret)
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

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// VmHWM: the most resident memory the server has had.
    fn peak_rss_kb(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    fn stop(mut self) {
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

/// One request with curl; returns the status code.
fn curl(
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

/// One SQL statement as the server ran it: its text with `$n` placeholders, and the values.
#[derive(Debug, Clone)]
struct Statement {
    sql: String,
    /// `None` is SQL NULL.
    params: Vec<Option<String>>,
}

/// The file PostgreSQL logs to (Debian: /var/log/postgresql/postgresql-<version>-<cluster>.log).
fn postgres_log(admin: &mut PgConnection) -> Result<PathBuf, String> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        value: Option<String>,
    }
    let query = |admin: &mut PgConnection, sql: &str| -> Option<String> {
        diesel::sql_query(sql)
            .get_result::<Row>(admin)
            .ok()
            .and_then(|r| r.value)
    };
    if let Some(file) = query(admin, "SELECT pg_current_logfile() AS value") {
        let path = PathBuf::from(&file);
        if path.is_absolute() {
            return Ok(path);
        }
        if let Some(data) = query(admin, "SELECT current_setting('data_directory') AS value") {
            return Ok(Path::new(&data).join(path));
        }
    }
    if let Some(cluster) = query(admin, "SELECT current_setting('cluster_name') AS value") {
        let path = PathBuf::from(format!(
            "/var/log/postgresql/postgresql-{}.log",
            cluster.replace('/', "-")
        ));
        if path.is_file() {
            return Ok(path);
        }
    }
    Err("cannot find PostgreSQL's log file (no logging collector, no Debian log)".to_owned())
}

/// Sends one request per workload to a server whose sessions log every statement, and reads the
/// statements back from PostgreSQL's log.
#[allow(
    clippy::too_many_arguments,
    reason = "the run's state, passed down once"
)]
fn capture(
    o: &Options,
    database_url: &str,
    secret: &str,
    workloads: &[Workload],
    tokens: &HashMap<String, String>,
    signal_ids: &[String],
    project_ids: &[String],
    dir: &Path,
) -> Result<HashMap<&'static str, Vec<Statement>>, String> {
    let mut admin = PgConnection::establish(&o.server_url).map_err(|e| e.to_string())?;
    let log_path = postgres_log(&mut admin)?;
    // Only the bench database's sessions log their statements, and only while this capture
    // server runs: the measured server starts after the setting is reset.
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {BENCH_DATABASE} SET log_min_duration_statement = 0; \
             ALTER DATABASE {BENCH_DATABASE} SET log_parameter_max_length = -1"
        ))
        .map_err(|e| e.to_string())?;
    let result = (|| {
        let server = Server::start(database_url, secret, &dir.join("capture.log"), false)?;
        let mut captured = HashMap::new();
        let outcome = (|| {
            for workload in workloads {
                let id = match workload.ids {
                    Ids::None => None,
                    Ids::Signals => signal_ids.first(),
                    Ids::Projects => project_ids.first(),
                };
                let path = format!(
                    "{BASE}{}",
                    workload.path.replace("{id}", id.map_or("", |s| s))
                );
                let token = &tokens[&workload.caller.label()];
                let offset = std::fs::metadata(&log_path)
                    .map(|m| m.len())
                    .map_err(|e| format!("cannot read {}: {e}", log_path.display()))?;
                // Twice: the first request on a connection also logs diesel's session setup.
                let mut statements = Vec::new();
                for attempt in 0..2 {
                    let offset = if attempt == 0 {
                        offset
                    } else {
                        std::fs::metadata(&log_path)
                            .map(|m| m.len())
                            .unwrap_or(offset)
                    };
                    let code = curl(&server, workload.method, &path, Some(token), workload.body)?;
                    if !(200..300).contains(&code) {
                        return Err(format!(
                            "{} {path} answered {code} during the capture",
                            workload.method
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(400));
                    statements = read_statements(&log_path, offset)?;
                }
                if statements.is_empty() {
                    return Err(format!(
                        "no statements of {} in {} (is log_line_prefix showing %d?)",
                        workload.name,
                        log_path.display()
                    ));
                }
                eprintln!("    {}: {} statements", workload.name, statements.len());
                captured.insert(workload.name, statements);
            }
            Ok(captured)
        })();
        server.stop();
        outcome
    })();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {BENCH_DATABASE} RESET log_min_duration_statement; \
             ALTER DATABASE {BENCH_DATABASE} RESET log_parameter_max_length"
        ))
        .map_err(|e| e.to_string())?;
    result
}

/// The statements the bench database's sessions executed, from `offset` on in the log.
/// Lines look like `… [pid] user@wijkregie_bench LOG:  duration: 0.1 ms  execute name: SQL`,
/// followed by `… DETAIL:  parameters: $1 = 'x', $2 = NULL`.
fn read_statements(log: &Path, offset: u64) -> Result<Vec<Statement>, String> {
    let mut file =
        std::fs::File::open(log).map_err(|e| format!("cannot open {}: {e}", log.display()))?;
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| e.to_string())?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|e| e.to_string())?;
    let marker = format!("@{BENCH_DATABASE} ");
    let mut statements: Vec<Statement> = Vec::new();
    // The last statement of each backend, waiting for its parameters.
    let mut open: HashMap<String, usize> = HashMap::new();
    for line in text.lines() {
        if !line.contains(&marker) {
            continue;
        }
        let pid = line
            .split_once('[')
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(pid, _)| pid.to_owned())
            .unwrap_or_default();
        if let Some((_, rest)) = line.split_once("LOG:  duration: ") {
            open.remove(&pid);
            let Some((_, what)) = rest.split_once(" ms  ") else {
                continue;
            };
            let sql = if let Some(sql) = what.strip_prefix("statement: ") {
                sql
            } else if let Some(named) = what.strip_prefix("execute ") {
                match named.split_once(": ") {
                    Some((_, sql)) => sql,
                    None => continue,
                }
            } else {
                // parse and bind lines repeat the statement that execute runs.
                continue;
            };
            // A simple-protocol batch ("SET …; SET LOCAL …") becomes one statement per command.
            // The session setup of a new connection is not part of a request; neither are the
            // isolation level and snapshot import, which pgbench's one session cannot repeat.
            // `SET LOCAL` stays: it changes how the request's statements run (the report's
            // work_mem), so pgbench must run them the same way.
            for command in sql.split("; ") {
                if (command.starts_with("SET ") && !command.starts_with("SET LOCAL "))
                    || command == "SELECT 1"
                {
                    continue;
                }
                statements.push(Statement {
                    sql: command.to_owned(),
                    params: Vec::new(),
                });
                open.insert(pid.clone(), statements.len() - 1);
            }
        } else if let Some((_, rest)) = line.split_once("DETAIL:  parameters: ") {
            if let Some(index) = open.remove(&pid) {
                statements[index].params = parse_parameters(rest)?;
            }
        }
    }
    Ok(statements)
}

/// `$1 = 'a''b', $2 = NULL` → `[Some("a'b"), None]`.
fn parse_parameters(text: &str) -> Result<Vec<Option<String>>, String> {
    let mut params = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        // `$n = `
        let mut head = String::new();
        for c in chars.by_ref() {
            head.push(c);
            if head.ends_with(" = ") {
                break;
            }
        }
        if !head.ends_with(" = ") {
            return Err(format!("cannot read the parameters '{text}'"));
        }
        if chars.peek() == Some(&'\'') {
            chars.next();
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                        value.push('\'');
                    }
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return Err(format!("unterminated parameter in '{text}'")),
                }
            }
            params.push(Some(value));
        } else {
            let word: String = chars.by_ref().take_while(|c| *c != ',').collect();
            if word.trim() != "NULL" {
                return Err(format!("cannot read the parameter '{word}' in '{text}'"));
            }
            params.push(None);
            if chars.peek().is_none() {
                break;
            }
            chars.next();
            continue;
        }
        match chars.next() {
            None => break,
            Some(',') => {
                chars.next();
            }
            Some(c) => return Err(format!("unexpected '{c}' in the parameters '{text}'")),
        }
    }
    Ok(params)
}

/// The pgbench scripts of a workload and the `-D` variables they read.
///
/// Every parameter of a captured statement becomes a pgbench variable (`:v3`), so pgbench sends
/// it as a bound parameter of a prepared statement, as diesel does. A parameter that holds the
/// workload's id gets one variable per script, one script per random id. For `POST /signals` the
/// new signal's id becomes a random number per transaction (`\set`), and each event takes its id
/// from the counter row's `RETURNING` (`\gset`), as `events::record` does.
fn pgbench_scripts(
    workload: &Workload,
    statements: &[Statement],
    capture_id: Option<&str>,
    ids: &[String],
    dir: &Path,
) -> Result<(Vec<PathBuf>, Vec<String>), String> {
    let created_id = if workload.method == "POST" {
        statements
            .iter()
            .find(|s| s.sql.starts_with("INSERT INTO \"signals\""))
            .and_then(|s| s.params.first().cloned().flatten())
    } else {
        None
    };
    let script_ids: Vec<Option<&str>> = if ids.is_empty() {
        vec![None]
    } else {
        ids.iter().map(|id| Some(id.as_str())).collect()
    };
    let mut files = Vec::new();
    let mut defines = Vec::new();
    for (k, script_id) in script_ids.iter().enumerate() {
        let mut script = String::new();
        if created_id.is_some() {
            script.push_str("\\set new_id random(1000000000000000, 9999999999999999)\n");
        }
        for (s, statement) in statements.iter().enumerate() {
            let is_event_insert = statement.sql.starts_with("INSERT INTO \"events\"");
            let mut values: Vec<String> = Vec::new();
            for (p, param) in statement.params.iter().enumerate() {
                let value = match param {
                    None => {
                        values.push("NULL".to_owned());
                        continue;
                    }
                    Some(v) => v,
                };
                if is_event_insert && p == 0 {
                    values.push(":last_id".to_owned());
                } else if created_id.as_deref() == Some(value.as_str()) {
                    values.push(":new_id".to_owned());
                } else if let (Some(capture_id), Some(script_id)) = (capture_id, script_id) {
                    if value.contains(capture_id) {
                        let name = format!("v{s}_{p}_{k}");
                        defines.push(format!("{name}={}", value.replace(capture_id, script_id)));
                        values.push(format!(":{name}"));
                    } else {
                        let name = format!("v{s}_{p}");
                        if k == 0 {
                            defines.push(format!("{name}={value}"));
                        }
                        values.push(format!(":{name}"));
                    }
                } else {
                    let name = format!("v{s}_{p}");
                    if k == 0 {
                        defines.push(format!("{name}={value}"));
                    }
                    values.push(format!(":{name}"));
                }
            }
            let sql = substitute(&statement.sql, &values);
            if statement.sql.starts_with("UPDATE \"event_counter\"") {
                let _ = writeln!(script, "{sql} \\gset");
            } else {
                let _ = writeln!(script, "{sql};");
            }
        }
        let file = dir.join(format!("{}-{k}.sql", slug(workload.name)));
        std::fs::write(&file, script).map_err(|e| e.to_string())?;
        files.push(file);
    }
    Ok((files, defines))
}

/// Replaces `$n` placeholders (outside quotes) by `values[n-1]`.
fn substitute(sql: &str, values: &[String]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == '$' && !quoted && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut digits = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(*d);
                chars.next();
            }
            let n: usize = digits.parse().unwrap_or(0);
            match values.get(n.wrapping_sub(1)) {
                Some(v) => out.push_str(v),
                None => {
                    out.push('$');
                    out.push_str(&digits);
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn slug(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Throughput and latency of one side of a workload.
#[derive(Debug, Clone, Default)]
struct Measured {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    count: u64,
    non_2xx: u64,
    socket_errors: u64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn run_pgbench(
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
        return Err(format!(
            "pgbench failed for {}: {}\n{}",
            workload.name,
            String::from_utf8_lossy(&output.stderr),
            stdout
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
    if ids.is_empty() {
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

fn run_wrk(
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

/// Both sides of one workload.
struct Outcome {
    workload: Workload,
    api: Measured,
    pg: Option<Measured>,
    rss_kb: u64,
}

impl Outcome {
    fn ratio(&self) -> Option<f64> {
        self.pg
            .as_ref()
            .filter(|pg| pg.per_second > 0.0)
            .map(|pg| self.api.per_second / pg.per_second)
    }

    fn summary(&self) -> String {
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

fn table(
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
fn load_average() -> Option<String> {
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

fn report_json(
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
