//! Storage: one connection type over PostgreSQL and SQLite, the pool, migrations and
//! transactions. Repos (one file per resource) take a `&mut DbConnection` and the principal
//! where visibility matters; handlers reach them only through [`Db::read`] and [`Db::write`].
//!
//! Anything that differs between the two backends sits in a visible `match` in this module.

mod access_log;
pub mod advice_requests;
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
pub mod worklist;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use crate::config::DatabaseTarget;
use crate::config::StatementTimeouts;
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

/// How long the statements of a pooled connection may wait for a lock and run: so that no
/// request waits behind another's transaction longer than its deadline (a 503
/// `database_busy` instead).
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// PostgreSQL's `lock_timeout`, SQLite's `busy_timeout`: `WIJKREGIE_DB_TIMEOUT_MS`.
    pub lock_wait: Duration,
    /// PostgreSQL's `statement_timeout`, for requests and for the report and exports.
    pub statements: StatementTimeouts,
}

impl DatabaseTarget {
    /// Opens one connection, its session in UTC, without limits on waits and statements (for
    /// tools, tests and migrations; the pool's connections have them).
    pub fn connect(&self) -> Result<DbConnection, ConnectError> {
        self.connect_with(None)
    }

    /// Opens one connection and prepares the session the same way for every pool member.
    fn connect_with(&self, limits: Option<&SessionLimits>) -> Result<DbConnection, ConnectError> {
        match self {
            Self::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                // Timestamps are naive UTC; a session in another zone would shift them.
                let mut setup = "SET TIME ZONE 'UTC'".to_owned();
                if let Some(limits) = limits {
                    setup.push_str(&format!(
                        "; SET lock_timeout = {}; SET statement_timeout = {}",
                        limits.lock_wait.as_millis(),
                        limits.statements.request.as_millis()
                    ));
                }
                conn.batch_execute(&setup)?;
                Ok(DbConnection::Pg(conn))
            }
            Self::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                let busy = limits.map_or(5000, |l| l.lock_wait.as_millis());
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {busy}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                ))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// Lifts the pool's limits on a connection's waits and statements, for work that is meant to
/// be long and has no client waiting on a deadline (`wijkregie import`). Such a connection
/// must not serve requests afterwards.
pub fn allow_long_statements(conn: &mut DbConnection) -> Result<(), ApiError> {
    match conn {
        DbConnection::Pg(pg) => {
            pg.batch_execute("SET lock_timeout = 0; SET statement_timeout = 0")?
        }
        DbConnection::Sqlite(sqlite) => sqlite.batch_execute("PRAGMA busy_timeout = 600000")?,
    }
    Ok(())
}

/// Runs `work` with PostgreSQL's `statement_timeout` at `long`, then sets it back to `usual`
/// (whatever the work's outcome). SQLite has no statement timeout.
fn with_statement_timeout<T>(
    conn: &mut DbConnection,
    long: Duration,
    usual: Duration,
    work: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    if let DbConnection::Sqlite(_) = conn {
        return work(conn);
    }
    conn.batch_execute(&format!("SET statement_timeout = {}", long.as_millis()))?;
    let result = work(conn);
    conn.batch_execute(&format!("SET statement_timeout = {}", usual.as_millis()))?;
    result
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot connect: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("cannot prepare the session: {0}")]
    Setup(#[from] diesel::result::Error),
}

/// The r2d2 manager: connects with the session limits of requests.
#[derive(Debug)]
pub struct ConnectionManager {
    target: DatabaseTarget,
    limits: SessionLimits,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        self.target.connect_with(Some(&self.limits))
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

/// The backend of [`DbConnection`], for boxed query fragments.
pub(crate) type Backend = <DbConnection as diesel::Connection>::Backend;

/// A boolean condition on rows of `T`, boxed: a reading scope turned into SQL, shared by a
/// list and the worklist.
pub(crate) type Condition<T> =
    Box<dyn BoxableExpression<T, Backend, SqlType = diesel::sql_types::Bool>>;

/// Rows per statement when many are written at once (the import): within both databases'
/// limits on bound values (a partner's 13 columns: 13,000 of SQLite's 32,766).
pub const BATCH: usize = 1000;

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
        .map_err(|e| match ApiError::from(e) {
            busy @ ApiError::DatabaseBusy(_) => busy,
            other => ApiError::DatabaseUnavailable(other.to_string()),
        })
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
    statements: StatementTimeouts,
    /// The readiness check's own connection, apart from the requests' pool and threads.
    probe: Arc<Probe>,
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
    /// Builds the pool and checks that one connection can be made now. `checkout_timeout`
    /// (`WIJKREGIE_DB_TIMEOUT_MS`) bounds a request's wait for a thread and a connection
    /// together, and each of its waits for a lock.
    pub fn connect(
        target: DatabaseTarget,
        pool_size: u32,
        checkout_timeout: Duration,
        statements: StatementTimeouts,
    ) -> Result<Self, String> {
        let backend = target.backend_name();
        let limits = SessionLimits {
            lock_wait: checkout_timeout,
            statements,
        };
        // The access log's writer has a connection of its own, made when it first writes: in
        // the request pool it would wait behind the very reads whose rows it is to commit.
        let target_for_probe = target.clone();
        let writer = r2d2::Pool::builder()
            .max_size(1)
            .min_idle(Some(0))
            .test_on_check_out(false)
            .connection_timeout(checkout_timeout)
            .build_unchecked(ConnectionManager {
                target: target.clone(),
                limits,
            });
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            // A checkout query on every request costs a round trip; broken connections are
            // found by `has_broken` and by the failing query, which answers 503.
            .test_on_check_out(false)
            .connection_timeout(checkout_timeout)
            .build(ConnectionManager { target, limits })
            .map_err(|e| format!("cannot open the {backend} database: {e}"))?;
        Ok(Self {
            pool,
            backend,
            committed: std::sync::Arc::new(tokio::sync::Notify::new()),
            commits: std::sync::Arc::new(tokio::sync::watch::Sender::new(0)),
            metrics: None,
            access_log: access_log::AccessLog::new(writer),
            statements,
            probe: Arc::new(Probe {
                target: target_for_probe,
                conn: std::sync::Mutex::new(None),
                since: std::sync::Mutex::new(None),
            }),
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

    /// Whether the database answers with wijkregie's schema, asked on a connection and a thread
    /// of the check's own: it never waits behind request work. No answer within a second is
    /// 503 `database_busy`; an error, 503 `database_unavailable`.
    pub async fn ready(&self) -> Result<(), ApiError> {
        if let Some(since) = self.probe.waiting_since() {
            if since.elapsed() >= Probe::PATIENCE {
                return Err(ApiError::DatabaseBusy(format!(
                    "the readiness check has waited {} ms for the database",
                    since.elapsed().as_millis()
                )));
            }
        }
        let (answer, answered) = tokio::sync::oneshot::channel();
        let probe = Arc::clone(&self.probe);
        std::thread::Builder::new()
            .name("wijkregie-readiness".to_owned())
            .spawn(move || {
                let _ = answer.send(probe.ping());
            })
            .map_err(|e| ApiError::Internal(format!("cannot start the readiness check: {e}")))?;
        match actix_web::rt::time::timeout(Probe::PATIENCE, answered).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(ApiError::Internal("the readiness check ended".to_owned())),
            Err(_) => Err(ApiError::DatabaseBusy(format!(
                "the database did not answer the readiness check within {} ms",
                Probe::PATIENCE.as_millis()
            ))),
        }
    }

    /// Runs blocking database work on the blocking thread pool, within the request's deadline
    /// (see [`Db::on_thread`]).
    pub async fn read<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.on_thread(move |pool, asked| work(&mut *checkout(pool, asked)?))
            .await
    }

    /// Like [`Db::read`], with the longer statement timeout of the report and the exports.
    pub async fn read_long<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let StatementTimeouts { request, report } = self.statements;
        self.on_thread(move |pool, asked| {
            with_statement_timeout(&mut *checkout(pool, asked)?, report, request, work)
        })
        .await
    }

    /// Like [`Db::read_long`], with a second connection when one is free at once (never
    /// waiting for it, so requests holding one connection cannot block each other on a
    /// second), for work that can run two queries side by side (the report).
    pub async fn read_with_spare<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection, Option<&mut DbConnection>) -> Result<T, ApiError>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let StatementTimeouts { request, report } = self.statements;
        self.on_thread(move |pool, asked| {
            let mut conn = checkout(pool, asked)?;
            with_statement_timeout(&mut conn, report, request, |conn| match pool.try_get() {
                Some(mut spare) => with_statement_timeout(&mut spare, report, request, |spare| {
                    work(conn, Some(spare))
                }),
                None => work(conn, None),
            })
        })
        .await
    }

    /// Runs `work` on a blocking thread, which gets the pool and when the request asked. The
    /// request waits at most the checkout timeout for a thread: work still queued then never
    /// runs, and the answer is 503 `pool_exhausted` (the same when the client goes away
    /// first). Work that has started is not abandoned — it may be a write about to commit,
    /// whose answer must say so — but it is bounded by the session's lock and statement
    /// timeouts.
    async fn on_thread<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&r2d2::Pool<ConnectionManager>, Instant) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let metrics = self.metrics.clone();
        let asked = Instant::now();
        let ticket = Ticket::queued();
        let on_thread = ticket.clone();
        let job = actix_web::web::block(move || {
            if !on_thread.start() {
                return Err(ApiError::PoolExhausted);
            }
            telemetry::recording(metrics.as_ref(), || work(&pool, asked))
        });
        let mut job = std::pin::pin!(job);
        let deadline = self.pool.connection_timeout();
        match actix_web::rt::time::timeout(deadline, job.as_mut()).await {
            Ok(done) => done?,
            Err(_) if ticket.abandon() => {
                telemetry::pool_waited(asked.elapsed());
                Err(ApiError::PoolExhausted)
            }
            Err(_) => job.await?,
        }
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

/// The readiness check's connection (made when first needed, made again after an error) and
/// since when a check has been waiting for the database.
struct Probe {
    target: DatabaseTarget,
    conn: std::sync::Mutex<Option<DbConnection>>,
    since: std::sync::Mutex<Option<Instant>>,
}

impl Probe {
    /// How long the readiness check waits for the database.
    const PATIENCE: Duration = Duration::from_secs(1);

    fn waiting_since(&self) -> Option<Instant> {
        self.since.lock().ok().and_then(|since| *since)
    }

    /// Runs [`ping`] on the probe's connection (one check at a time).
    fn ping(&self) -> Result<(), ApiError> {
        if let Ok(mut since) = self.since.lock() {
            since.get_or_insert_with(Instant::now);
        }
        let result = self.ping_now();
        if let Ok(mut since) = self.since.lock() {
            *since = None;
        }
        result
    }

    fn ping_now(&self) -> Result<(), ApiError> {
        let mut slot = self
            .conn
            .lock()
            .map_err(|_| ApiError::Internal("the readiness check failed before".to_owned()))?;
        // The database cancels the check's statement before the check gives up on it, so
        // that the next check finds the connection free.
        let limit = Self::PATIENCE * 3 / 4;
        let limits = SessionLimits {
            lock_wait: limit,
            statements: StatementTimeouts {
                request: limit,
                report: limit,
            },
        };
        let conn = match slot.as_mut() {
            Some(conn) => conn,
            None => slot.insert(
                self.target
                    .connect_with(Some(&limits))
                    .map_err(|e| ApiError::DatabaseUnavailable(e.to_string()))?,
            ),
        };
        let result = ping(conn);
        if result.is_err() {
            *slot = None;
        }
        result
    }
}

/// One piece of work handed to the blocking threads, shared by the request waiting for it and
/// the thread that runs it: whichever moves it first out of `QUEUED` decides whether it runs.
/// Dropped by a request that went away while it was still queued, it is abandoned.
struct Ticket(Arc<AtomicU8>);

impl Ticket {
    const QUEUED: u8 = 0;
    const STARTED: u8 = 1;
    const ABANDONED: u8 = 2;

    fn queued() -> Self {
        Self(Arc::new(AtomicU8::new(Self::QUEUED)))
    }

    /// The thread takes the work up; `false`: the request gave it up already.
    fn start(&self) -> bool {
        self.moved_to(Self::STARTED)
    }

    /// The request gives the work up; `false`: it has started already.
    fn abandon(&self) -> bool {
        self.moved_to(Self::ABANDONED)
    }

    fn moved_to(&self, state: u8) -> bool {
        self.0
            .compare_exchange(Self::QUEUED, state, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

impl Clone for Ticket {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        // Dropped while the work waits for a thread (the request went away): it never runs.
        // Once started, this changes nothing.
        self.abandon();
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
