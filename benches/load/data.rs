//! The bench database: recreating it, filling it with `wijkregie generate`, and picking the
//! random ids both load generators share.

use std::process::Command;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use wijkregie::db::DatabaseTarget;

use crate::{BENCH_DATABASE, Options, SERVER_BIN, step};

/// Random ids per single-GET workload: both sides pick among the same ones (pgbench allows at
/// most 128 scripts, one per id).
const RANDOM_IDS: usize = 100;

/// Recreates the bench database and generates the programme into it; returns the seconds the
/// generator took (`None` when `--reuse` kept existing data).
pub(crate) fn prepare_database(o: &Options, database_url: &str) -> Result<Option<f64>, String> {
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
                reusable(o, &mut admin, &target)?;
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
    let seconds = started.elapsed().as_secs_f64();
    if !o.sqlite {
        // What was generated, kept with the database, so that `--reuse` can check it.
        let mut admin = PgConnection::establish(&o.server_url).map_err(|e| e.to_string())?;
        admin
            .batch_execute(&format!(
                "COMMENT ON DATABASE {BENCH_DATABASE} IS '{}'",
                generated_label(o.projects, o.signals, o.seed)
            ))
            .map_err(|e| format!("cannot label {BENCH_DATABASE}: {e}"))?;
    }
    Ok(Some(seconds))
}

/// The label `prepare_database` puts on the bench database after generating it.
fn generated_label(projects: usize, signals: usize, seed: u64) -> String {
    format!("wijkregie generate --projects {projects} --signals {signals} --seed {seed}")
}

/// The rows the measured database holds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dataset {
    pub(crate) projects: i64,
    pub(crate) signals: i64,
}

impl Dataset {
    pub(crate) fn count(target: &DatabaseTarget) -> Result<Self, String> {
        let mut conn = target.connect().map_err(|e| e.to_string())?;
        let count = |table: &str, conn: &mut wijkregie::db::DbConnection| {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
                "(SELECT COUNT(*) FROM {table})"
            )))
            .get_result::<i64>(conn)
            .map_err(|e| format!("cannot count the {table}: {e}"))
        };
        Ok(Self {
            projects: count("projects", &mut conn)?,
            signals: count("signals", &mut conn)?,
        })
    }

    /// One line for the output: what was measured, and what earlier runs' writes added.
    pub(crate) fn summary(&self, o: &Options) -> String {
        format!(
            "dataset: {} projects, {} signals ({} generated with seed {}, {} written by earlier runs)",
            self.projects,
            self.signals,
            o.signals,
            o.seed,
            self.signals - o.signals as i64
        )
    }
}

/// `--reuse` keeps only a database generated with the same options: its label says so, it holds
/// exactly the projects asked for (no workload creates one) and at least the signals asked for
/// (the `POST` workloads and the delivery line add some). Anything else is refused, since a
/// run over another size would be reported as this one.
fn reusable(o: &Options, admin: &mut PgConnection, target: &DatabaseTarget) -> Result<(), String> {
    let label: Option<String> = diesel::select(diesel::dsl::sql::<
        diesel::sql_types::Nullable<diesel::sql_types::Text>,
    >(&format!(
        "(SELECT shobj_description(oid, 'pg_database') FROM pg_database \
         WHERE datname = '{BENCH_DATABASE}')"
    )))
    .get_result(admin)
    .map_err(|e| e.to_string())?;
    let counted = Dataset::count(target)?;
    let wanted = generated_label(o.projects, o.signals, o.seed);
    let refuse = |why: String| {
        Err(format!(
            "--reuse refused: {BENCH_DATABASE} {why}, but this run asks for {} projects and {} \
             signals with seed {}; run without --reuse to generate them",
            o.projects, o.signals, o.seed
        ))
    };
    match label {
        Some(label) if label == wanted => {}
        Some(label) => return refuse(format!("was made by `{label}`")),
        None => return refuse("carries no label of the options that generated it".to_owned()),
    }
    if counted.projects != o.projects as i64 || counted.signals < o.signals as i64 {
        return refuse(format!(
            "holds {} projects and {} signals",
            counted.projects, counted.signals
        ));
    }
    Ok(())
}

/// `RANDOM_IDS` ids of a table, spread over all of it, the same for the same seed.
pub(crate) fn random_ids(
    target: &DatabaseTarget,
    table: &str,
    seed: u64,
) -> Result<Vec<String>, String> {
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
