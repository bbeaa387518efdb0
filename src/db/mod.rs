//! Storage: one connection type over PostgreSQL and SQLite, the pool, migrations and
//! transactions. Repos (one file per resource) take a `&mut DbConnection` and the principal
//! where visibility matters; handlers reach them only through [`Db::read`] and [`Db::write`].
//!
//! Anything that differs between the two backends sits in a visible `match` in this module.

mod access_log;
pub mod assessments;
pub mod deliveries;
pub mod evaluations;
pub mod events;
pub mod idempotency;
pub mod mail;
mod members;
pub mod partners;
pub mod personal_data;
pub mod policy_issues;
pub mod projects;
pub mod readings;
pub mod reference;
pub mod reports;
pub mod schema;
pub mod signals;
pub mod subscriptions;
pub mod tracking;

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use crate::config::DatabaseTarget;
use crate::error::ApiError;
use crate::telemetry::metrics::{self as telemetry, Metrics};

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// One connection to whichever database `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

impl DatabaseTarget {
    /// Opens one connection and prepares the session the same way for every pool member.
    pub fn connect(&self) -> Result<DbConnection, ConnectError> {
        match self {
            Self::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                // Timestamps are naive UTC; a session in another zone would shift them.
                conn.batch_execute("SET TIME ZONE 'UTC'")?;
                Ok(DbConnection::Pg(conn))
            }
            Self::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot connect: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("cannot prepare the session: {0}")]
    Setup(#[from] diesel::result::Error),
}

/// The r2d2 manager: connects through [`DatabaseTarget::connect`].
#[derive(Debug)]
pub struct ConnectionManager {
    target: DatabaseTarget,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        self.target.connect()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        Ok(conn.batch_execute("SELECT 1")?)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// Runs the embedded migrations of the connection's backend; returns the versions applied.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConnection::Pg(pg) => {
            // Several instances may start at once: one migrates, the others wait for it.
            pg.batch_execute("SELECT pg_advisory_lock(72657369)")
                .map_err(|e| e.to_string())?;
            let applied = pg
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>());
            pg.batch_execute("SELECT pg_advisory_unlock(72657369)")
                .map_err(|e| e.to_string())?;
            applied
        }
        // SQLite serialises writers itself; the migration table is written under its lock.
        DbConnection::Sqlite(sqlite) => sqlite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>()),
    }
    .map_err(|e| e.to_string())?;
    Ok(applied)
}

/// A write transaction. On SQLite it starts with `BEGIN IMMEDIATE`, so a transaction that
/// reads before it writes takes the write lock first (and waits on the busy timeout) instead
/// of failing with "database is locked" when it tries to upgrade. PostgreSQL needs no such thing:
/// writes there are version-checked `UPDATE … WHERE version = $v` and row locks.
///
/// The events it records are counted in the metrics once it has committed.
pub fn write_transaction<T, F>(conn: &mut DbConnection, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError>,
{
    let tally = events::Tally::begin();
    let result = transaction(conn, work);
    tally.settle(result.is_ok());
    result
}

fn transaction<T, F>(conn: &mut DbConnection, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError>,
{
    match conn {
        DbConnection::Pg(_) => conn.transaction(work),
        DbConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
            match work(conn) {
                Ok(value) => {
                    <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(error) => {
                    if let Err(rollback) =
                        <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)
                    {
                        log::error!("rollback failed after {error}: {rollback}");
                    }
                    Err(error)
                }
            }
        }
    }
}

/// A fresh id for a new row: a UUIDv7 (ordered by creation time) as text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Settles a version-checked write (`UPDATE … WHERE version = $expected`, or such a `DELETE`):
/// when it touched no row, another change came first (412 with the version that stands now) or
/// the row is gone (the 404 that `current_version` gives). Every repo answers a lost race alike.
pub fn version_checked(
    touched: usize,
    current_version: impl FnOnce() -> Result<i64, ApiError>,
) -> Result<(), ApiError> {
    if touched == 0 {
        return Err(ApiError::PreconditionFailed {
            current: Some(current_version()?),
        });
    }
    Ok(())
}

/// The last key of the previous page of a list: where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    /// Lists newest first, ordered by id: the last id.
    Id(String),
    /// Lists with `updatedAfter`, ordered by (updated_at, id) ascending so that a system
    /// catching up reads every change once, in the order made: the last pair.
    Updated(NaiveDateTime, String),
}

/// Orders the boxed list query `$query` of `$table` (which has `id` and `updated_at`) and
/// starts it after the cursor: newest first by id, or, with `$since` (`updatedAfter`), only
/// rows changed after it, by (updated_at, id) ascending with a keyset over both.
macro_rules! list_order {
    ($query:ident, $table:ident, $since:expr, $after:expr) => {
        match ($since, $after) {
            (Some(since), after) => {
                let $query = $query
                    .filter($table::updated_at.gt(since))
                    .order(($table::updated_at.asc(), $table::id.asc()));
                match after {
                    Some($crate::db::After::Updated(at, id)) => $query.filter(
                        $table::updated_at
                            .gt(*at)
                            .or($table::updated_at.eq(*at).and($table::id.gt(id.clone()))),
                    ),
                    _ => $query,
                }
            }
            (None, Some($crate::db::After::Id(id))) => $query
                .filter($table::id.lt(id.clone()))
                .order($table::id.desc()),
            (None, _) => $query.order($table::id.desc()),
        }
    };
}
pub(crate) use list_order;

/// Runs `$body` with `$c` bound to the backend's own connection (`PgConnection` or
/// `SqliteConnection`) instead of the [`DbConnection`] around it; for the queries of the hot
/// reads (a single signal or project and their members). Through the wrapper, diesel writes a
/// query's SQL text again for every run, twice (the wrapper serializes the query for whichever
/// dialect, on every walk over it): 43 % of a single GET's instructions (benches/README.md). On
/// the backend's own connection a query with a static id is found in the statement cache by
/// its type, with no text written, and any other has its text written once. The body is
/// compiled for both backends, so it is one query, not two.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Whether the database answers and holds wijkregie's schema (the readiness check).
pub fn ping(conn: &mut DbConnection) -> Result<(), ApiError> {
    conn.batch_execute("SELECT last_id FROM event_counter WHERE id = 1")
        .map_err(|e| ApiError::DatabaseUnavailable(e.to_string()))
}

/// The pool and the way into it from async handlers.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<ConnectionManager>,
    backend: &'static str,
    /// Poked after every committed write, so the webhook worker of this instance wakes at once
    /// for the events it recorded instead of at its next poll.
    committed: std::sync::Arc<tokio::sync::Notify>,
    /// Counts committed writes, for every waiter at once: the live event streams of this
    /// instance look for new events when it moves (`api::event_stream`).
    commits: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
    /// The service's recorder, made the current one around all database work.
    metrics: Option<Metrics>,
    /// The writer of the personal-data access log (group commit, see [`access_log`]).
    access_log: access_log::AccessLog,
}

/// A connection from the pool. When none came within the checkout timeout, it tells a saturated
/// pool (every connection made and busy: 503 `pool_exhausted`) from a database that cannot be
/// reached (503 `database_unavailable`).
///
/// The wait counts from `asked`, when the request asked for database work: it may first have
/// waited for a blocking thread (there are only as many as connections, see `startup`).
fn checkout(
    pool: &r2d2::Pool<ConnectionManager>,
    asked: Instant,
) -> Result<r2d2::PooledConnection<ConnectionManager>, ApiError> {
    let got = pool.get_timeout(pool.connection_timeout().saturating_sub(asked.elapsed()));
    telemetry::pool_waited(asked.elapsed());
    got.map_err(|error| {
        let state = pool.state();
        if saturated(state.connections, state.idle_connections, pool.max_size()) {
            ApiError::PoolExhausted
        } else {
            ApiError::from(error)
        }
    })
}

/// Whether a pool with `connections` made, `idle` of them free, and room for `max_size` is
/// saturated rather than failing to connect.
fn saturated(connections: u32, idle: u32, max_size: u32) -> bool {
    connections >= max_size && idle == 0
}

impl Db {
    /// Builds the pool and checks that one connection can be made now.
    pub fn connect(
        target: DatabaseTarget,
        pool_size: u32,
        checkout_timeout: Duration,
    ) -> Result<Self, String> {
        let backend = target.backend_name();
        // The access log's writer has a connection of its own, made when it first writes: in
        // the request pool it would wait behind the very reads whose rows it is to commit.
        let writer = r2d2::Pool::builder()
            .max_size(1)
            .min_idle(Some(0))
            .test_on_check_out(false)
            .connection_timeout(checkout_timeout)
            .build_unchecked(ConnectionManager {
                target: target.clone(),
            });
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            // A checkout query on every request costs a round trip; broken connections are
            // found by `has_broken` and by the failing query, which answers 503.
            .test_on_check_out(false)
            .connection_timeout(checkout_timeout)
            .build(ConnectionManager { target })
            .map_err(|e| format!("cannot open the {backend} database: {e}"))?;
        Ok(Self {
            pool,
            backend,
            committed: std::sync::Arc::new(tokio::sync::Notify::new()),
            commits: std::sync::Arc::new(tokio::sync::watch::Sender::new(0)),
            metrics: None,
            access_log: access_log::AccessLog::new(writer),
        })
    }

    /// The same pool, with its work (and the events it writes) counted in `metrics`.
    pub fn with_metrics(self, metrics: Metrics) -> Self {
        Self {
            metrics: Some(metrics),
            ..self
        }
    }

    /// The pool now, for the metrics.
    pub fn pool_state(&self) -> telemetry::PoolState {
        let state = self.pool.state();
        telemetry::PoolState {
            connections: state.connections,
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }

    /// Says that a write committed (and may have recorded events): wakes the webhook worker
    /// and the live event streams.
    pub fn notify_committed(&self) {
        self.committed.notify_one();
        self.commits
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    /// What [`Db::notify_committed`] moves for every waiter; the live event streams watch it.
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.commits.subscribe()
    }

    /// What [`Db::notify_committed`] pokes; the webhook worker waits on it.
    pub fn committed(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.committed.clone()
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// A connection for start-up work (migrations) outside a request.
    pub fn get(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, ApiError> {
        checkout(&self.pool, Instant::now())
    }

    /// Stores the personal-data access rows of one response (DESIGN §14) and returns once they
    /// are committed, together with those of other responses waiting at the same moment.
    pub async fn log_access(&self, rows: Vec<personal_data::AccessRow>) -> Result<(), ApiError> {
        self.access_log.store(self.metrics.as_ref(), rows).await
    }

    /// Runs blocking database work on the blocking thread pool.
    pub async fn read<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let metrics = self.metrics.clone();
        let asked = Instant::now();
        actix_web::web::block(move || {
            telemetry::recording(metrics.as_ref(), || {
                let mut conn = checkout(&pool, asked)?;
                work(&mut conn)
            })
        })
        .await?
    }

    /// Like [`Db::read`], with a second connection when one is free at once (never waiting for
    /// it, so requests holding one connection cannot block each other on a second), for work
    /// that can run two queries side by side.
    pub async fn read_with_spare<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection, Option<&mut DbConnection>) -> Result<T, ApiError>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let metrics = self.metrics.clone();
        let asked = Instant::now();
        actix_web::web::block(move || {
            telemetry::recording(metrics.as_ref(), || {
                let mut conn = checkout(&pool, asked)?;
                let mut spare = pool.try_get();
                work(&mut conn, spare.as_deref_mut())
            })
        })
        .await?
    }

    /// Runs blocking work in one write transaction: the change and its events commit together.
    /// A request holding an `Idempotency-Key` reservation marks it committed in the same
    /// transaction (see [`idempotency`] for why).
    pub async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let Some(reservation) = idempotency::current() else {
            let result = self.read(move |conn| write_transaction(conn, work)).await;
            if result.is_ok() {
                self.notify_committed();
            }
            return result;
        };
        let held = reservation.clone();
        let value = self
            .read(move |conn| {
                write_transaction(conn, |conn| {
                    let value = work(conn)?;
                    idempotency::mark_committed(conn, &held)?;
                    Ok(value)
                })
            })
            .await?;
        reservation.set_committed();
        self.notify_committed();
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::saturated;

    #[test]
    fn a_pool_is_saturated_only_when_every_connection_is_made_and_busy() {
        assert!(saturated(4, 0, 4));
        assert!(!saturated(4, 1, 4), "a free connection");
        assert!(
            !saturated(1, 0, 4),
            "room to connect: the database did not answer"
        );
        assert!(!saturated(0, 0, 4));
    }
}
