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
//! 4. runs the single GETs once more at a fixed offered rate, half of pgbench's (`open_loop`);
//! 5. prints one table and writes it as JSON.
//!
//! On SQLite (`--sqlite`) it runs only the HTTP side. `--check` (CI) fails the run on any
//! non-2xx response or socket error, never on a timing.
//!
//! This file owns the options and the order of a run; the steps live in `data` (the bench
//! database), `capture` (the SQL and its pgbench scripts), `server` (the release server, tokens,
//! curl), `measure` (pgbench and wrk), `export` (the CSV export's memory), `delivery` (webhooks),
//! `report` (table and JSON) and `workloads` (what is measured).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark program: a broken step ends the run with its message"
)]

mod capture;
mod data;
mod delivery;
mod export;
mod import;
mod measure;
mod open_loop;
mod report;
mod server;
mod workloads;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use diesel::Connection;
use wijkregie::db::DatabaseTarget;

use crate::capture::capture;
use crate::data::{Dataset, prepare_database, random_ids};
use crate::delivery::run_delivery;
use crate::export::run_export;
use crate::import::run_import;
use crate::measure::{run_pgbench, run_wrk};
use crate::open_loop::{OpenLoop, run_open_loop};
use crate::report::{Outcome, load_average, report_json, table};
use crate::server::{Server, mint, wait_until_quiet};
use crate::workloads::{Caller, Ids, Workload, workloads};

const SERVER_BIN: &str = env!("CARGO_BIN_EXE_wijkregie");
const BENCH_DATABASE: &str = "wijkregie_bench";
const DEFAULT_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";
const BASE: &str = "/api/v1";

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
    import_rows: usize,
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
  --only TEXT         run only the workloads whose name contains TEXT (delivery: the webhooks;
                      csv export: the memory of the CSV export of every project;
                      import: wijkregie import partners while requests come in)
  --import-rows N     partners in the import workload's file (default 100000; --small 2000)
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
        import_rows: 100_000,
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
            "--import-rows" => o.import_rows = number(&arg, value(&arg)?)?,
            "--sqlite" => o.sqlite = true,
            "--reuse" => o.reuse = true,
            "--check" => o.check = true,
            "--small" => {
                o.projects = 1_000;
                o.signals = 10_000;
                o.duration = 3;
                o.warmup = 1;
                o.import_rows = 2_000;
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
    let dataset = Dataset::count(&target)?;
    step(&dataset.summary(o));
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
    // The delivery workload runs after the others (it writes), unless --only leaves it out.
    let deliveries = o
        .only
        .as_ref()
        .is_none_or(|only| "delivery".contains(only.as_str()));
    // So does the CSV export's memory, after the reads and before the writes of delivery.
    let exports = o
        .only
        .as_ref()
        .is_none_or(|only| "csv export".contains(only.as_str()));
    // And the import, after the export and before the delivery.
    let imports = o
        .only
        .as_ref()
        .is_none_or(|only| "import".contains(only.as_str()));
    if selected.is_empty() && !deliveries && !exports && !imports {
        return Err("--only matches no workload".to_owned());
    }
    let tokens = selected
        .iter()
        .map(|w| Ok((w.caller.label(), mint(&database_url, &secret, w.caller)?)))
        .collect::<Result<HashMap<_, _>, String>>()?;

    let captured = match &pgbench {
        Some(_) if !selected.is_empty() => {
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
        _ => None,
    };

    step("starting the release server (production settings: JWT secret, log level warn)");
    let server = Server::start(&database_url, &secret, &dir.join("server.log"), true)?;
    if !o.sqlite {
        let mut admin = diesel::PgConnection::establish(&o.server_url)
            .map_err(|e| format!("cannot reach PostgreSQL at {}: {e}", o.server_url))?;
        let waited = wait_until_quiet(&mut admin)?;
        eprintln!("    the server's start-up jobs took {waited:.1} s");
    }
    let mut results = Vec::new();
    let mut open_loops: Vec<OpenLoop> = Vec::new();
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
        // The single GETs again at a fixed rate: half of pgbench's (half of the API's own on
        // SQLite, where there is no pgbench side).
        if workload.method == "GET" && workload.ids != Ids::None {
            let rate = pg.as_ref().unwrap_or(&api).per_second / 2.0;
            let open = run_open_loop(&server, workload, token, &ids, rate, o.duration)?;
            eprintln!("    {}", open.summary());
            open_loops.push(open);
        }
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
    let export = if exports {
        step("the CSV export of every project, with the server's memory sampled every 10 ms");
        let token = mint(&database_url, &secret, Caller::Programmabureau)?;
        let outcome = run_export(&server, &database_url, &token)?;
        eprintln!("{}", outcome.summary());
        Some(outcome)
    } else {
        None
    };
    let import = if imports {
        step(&format!(
            "import {} partners with wijkregie import while requests come in",
            o.import_rows
        ));
        let token = mint(&database_url, &secret, Caller::Programmabureau)?;
        let outcome = run_import(
            &server,
            &database_url,
            &token,
            &signal_ids,
            o.import_rows,
            &dir,
        )?;
        eprintln!("    {}", outcome.summary());
        Some(outcome)
    } else {
        None
    };
    let delivery = if deliveries {
        step("workload: delivery (webhooks to a local receiver)");
        let token = mint(&database_url, &secret, Caller::Programmabureau)?;
        let outcome = run_delivery(&server, &token, o.duration)?;
        eprintln!("    {}", outcome.summary());
        Some(outcome)
    } else {
        None
    };
    let peak_rss_kb = server.peak_rss_kb();
    server.stop();

    let clean = results
        .iter()
        .all(|r| r.api.non_2xx == 0 && r.api.socket_errors == 0)
        && open_loops.iter().all(|l| l.non_2xx == 0 && l.errors == 0)
        && import.as_ref().is_none_or(|i| i.clean());
    let table = table(o, &results, peak_rss_kb, load_at_start.as_deref());
    println!("\n{}\n{table}", dataset.summary(o));
    for open in &open_loops {
        println!("{}", open.summary());
    }
    if let Some(export) = &export {
        println!("{}", export.summary());
    }
    if let Some(import) = &import {
        println!("{}", import.summary());
    }
    if let Some(delivery) = &delivery {
        println!("{}", delivery.summary());
    }
    let json_path = o.json.clone().unwrap_or_else(|| {
        out_dir().join(format!(
            "load-{}.json",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
        ))
    });
    let mut document = report_json(
        o,
        &results,
        peak_rss_kb,
        generate_seconds,
        &database_url,
        load_at_start,
    );
    document["dataset"]["measured"] =
        serde_json::json!({ "projects": dataset.projects, "signals": dataset.signals });
    if let Some(export) = &export {
        document["csvExport"] = export.json();
    }
    if let Some(import) = &import {
        document["import"] = import.json();
    }
    if let Some(delivery) = &delivery {
        document["delivery"] = delivery.json();
    }
    document["openLoop"] = open_loops.iter().map(OpenLoop::json).collect();
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
