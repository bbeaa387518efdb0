//! The personal-data access log's writer (DESIGN §14): group commit for the rows of many
//! responses at once.
//!
//! Every response that shows a reporter must have its access row stored before it is sent. One
//! commit per response made each such read wait for its own flush of the write-ahead log
//! (about 2.6 ms on this kind of machine, and only as many flushes in flight as the pool has
//! connections), so a read of one signal cost more than all its queries together. Here one
//! thread writes the rows, on a connection of its own: it takes every response's rows that are
//! waiting, inserts them in one statement (which commits by itself; a transaction only for more
//! rows than one INSERT takes), and only after that commit tells each response that its rows
//! are stored. While one commit is being flushed the next responses' rows gather, so under load
//! a flush carries many responses, and no response is answered before its rows are durable:
//! nothing is lost that was shown.

use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use super::personal_data::{AccessRow, ROWS_PER_INSERT, record_access};
use super::{ConnectionManager, checkout, write_transaction};
use crate::error::ApiError;
use crate::telemetry::metrics::{self as telemetry, Metrics};

/// The most responses one transaction takes; a longer queue is written in several.
const MOST_RESPONSES_PER_COMMIT: usize = 256;

/// The rows of one response and where to say they are stored.
struct Pending {
    rows: Vec<AccessRow>,
    stored: oneshot::Sender<Result<(), ApiError>>,
}

/// The way to the writer thread, started at the first response that shows a reporter (so
/// commands that never do start none). It stops when the last [`super::Db`] is dropped.
#[derive(Clone)]
pub(super) struct AccessLog {
    queue: Arc<OnceLock<mpsc::UnboundedSender<Pending>>>,
    /// The writer's own connection (a pool of one, so a broken one is replaced), outside the
    /// request pool: there it would wait behind the reads whose rows it is to commit.
    writer: r2d2::Pool<ConnectionManager>,
}

impl AccessLog {
    pub(super) fn new(writer: r2d2::Pool<ConnectionManager>) -> Self {
        Self {
            queue: Arc::default(),
            writer,
        }
    }

    /// Stores `rows` (one response's) and returns once they are committed.
    pub(super) async fn store(
        &self,
        metrics: Option<&Metrics>,
        rows: Vec<AccessRow>,
    ) -> Result<(), ApiError> {
        if rows.is_empty() {
            return Ok(());
        }
        let queue = self
            .queue
            .get_or_init(|| start(self.writer.clone(), metrics.cloned()));
        let (stored, is_stored) = oneshot::channel();
        queue
            .send(Pending { rows, stored })
            .map_err(|_| ApiError::Internal("the access log's writer has stopped".to_owned()))?;
        is_stored.await.map_err(|_| {
            ApiError::Internal("the access log's writer stopped before storing".to_owned())
        })?
    }
}

fn start(
    pool: r2d2::Pool<ConnectionManager>,
    metrics: Option<Metrics>,
) -> mpsc::UnboundedSender<Pending> {
    let (queue, mut waiting) = mpsc::unbounded_channel::<Pending>();
    std::thread::Builder::new()
        .name("access-log".to_owned())
        .spawn(move || {
            while let Some(first) = waiting.blocking_recv() {
                let mut batch = vec![first];
                while batch.len() < MOST_RESPONSES_PER_COMMIT {
                    match waiting.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                telemetry::recording(metrics.as_ref(), || write_batch(&pool, batch));
            }
        })
        // Without the thread no reporter can be shown: every such response then answers 500.
        .map_err(|e| log::error!("cannot start the access log's writer: {e}"))
        .ok();
    queue
}

/// One transaction for the whole batch. Should it fail, each response's rows are tried in a
/// transaction of their own, so that one response's failure is not every response's.
fn write_batch(pool: &r2d2::Pool<ConnectionManager>, batch: Vec<Pending>) {
    if batch.len() > 1 {
        let rows: Vec<&AccessRow> = batch.iter().flat_map(|p| &p.rows).collect();
        match store_rows(pool, &rows) {
            Ok(()) => {
                for pending in batch {
                    let _ = pending.stored.send(Ok(()));
                }
                return;
            }
            Err(error) => log::warn!(
                "the access log's batch failed ({error}); storing its responses one by one"
            ),
        }
    }
    for pending in batch {
        let outcome = store_rows(pool, &pending.rows.iter().collect::<Vec<_>>());
        let _ = pending.stored.send(outcome);
    }
}

fn store_rows(pool: &r2d2::Pool<ConnectionManager>, rows: &[&AccessRow]) -> Result<(), ApiError> {
    let mut conn = checkout(pool, std::time::Instant::now())?;
    if rows.len() <= ROWS_PER_INSERT {
        // One INSERT commits on its own, all its rows or none and as durably as a transaction,
        // without the round trips of BEGIN and COMMIT that every read waits for.
        return record_access(&mut conn, rows);
    }
    write_transaction(&mut conn, |conn| record_access(conn, rows))
}
