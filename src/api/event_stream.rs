//! `GET /events` with `Accept: text/event-stream` (DESIGN §16): the scoped event feed as
//! Server-Sent Events, for browsers, which cannot receive webhooks.
//!
//! A stream is a follower of the feed: it reads `?after=<the last id it sent>` with the feed's
//! own query and filters, keeps what its principal may see (`events_as_seen_by`), and writes
//! each event as `id:`, `event:` and `data:` lines. It reads again only when the instance has
//! seen a newer event: [`LiveEvents`] asks the database for the newest event id once per poll
//! (and at once after a commit of this instance), for all streams together, and only while a
//! stream is open, so events written by other instances arrive within the poll interval.
//!
//! A stream resumes after `Last-Event-ID` (or `after=`); without either it starts with the
//! events committed after it opened. It sends a comment line when it has been silent for the
//! heartbeat interval, and ends when the token expires or the service shuts down. A principal
//! holds at most `WIJKREGIE_STREAMS_PER_PRINCIPAL` streams on an instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use super::events::Event;
use crate::auth::Principal;
use crate::config::StreamSettings;
use crate::db::Db;
use crate::db::events::{self as repo, EventFilter};
use crate::error::ApiError;
use crate::visibility::events_as_seen_by;

/// The media type of a stream.
pub const EVENT_STREAM: &str = "text/event-stream";

/// Events read per query of one stream; a full batch is followed at once by the next.
const BATCH: i64 = 200;

/// The live streams of one instance: the newest event id it knows of, the streams each
/// principal holds, and the signal that ends them all at shutdown.
pub struct LiveEvents {
    settings: StreamSettings,
    /// The newest event id seen; every stream watches it.
    latest: watch::Sender<i64>,
    /// `true` once the service shuts down.
    closing: watch::Sender<bool>,
    /// Open streams per principal.
    open: Mutex<HashMap<String, usize>>,
}

impl LiveEvents {
    /// The instance's live streams, with the task that looks for new events on their behalf.
    pub fn start(db: Db, settings: StreamSettings) -> Arc<Self> {
        let live = Arc::new(Self {
            settings,
            latest: watch::Sender::new(0),
            closing: watch::Sender::new(false),
            open: Mutex::new(HashMap::new()),
        });
        actix_web::rt::spawn(look_for_new_events(live.clone(), db));
        live
    }

    /// Ends every stream (and refuses new ones): graceful shutdown.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Takes one of the principal's streams, or 429 when it holds them all.
    fn reserve(self: &Arc<Self>, principal: &Principal) -> Result<Slot, ApiError> {
        let actor = principal.actor();
        let key = format!(
            "{}\n{}\n{}",
            actor.sub,
            actor.role,
            actor.scope.unwrap_or_default()
        );
        let mut open = self
            .open
            .lock()
            .map_err(|_| ApiError::Internal("the stream table is poisoned".to_owned()))?;
        let held = open.entry(key.clone()).or_default();
        if *held >= self.settings.per_principal {
            return Err(ApiError::TooManyStreams {
                limit: self.settings.per_principal,
            });
        }
        *held += 1;
        Ok(Slot {
            live: self.clone(),
            key,
        })
    }
}

/// One open stream of a principal, given back when the stream's body is dropped (it ended, or
/// the client went away).
struct Slot {
    live: Arc<LiveEvents>,
    key: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.live.open.lock() {
            if let Some(held) = open.get_mut(&self.key) {
                *held = held.saturating_sub(1);
                if *held == 0 {
                    open.remove(&self.key);
                }
            }
        }
    }
}

/// Once per poll, and after every commit of this instance, reads the newest event id for all
/// streams at once; nothing while no stream is open.
async fn look_for_new_events(live: Arc<LiveEvents>, db: Db) {
    let mut commits = db.commits();
    let mut closing = live.closing.subscribe();
    let mut tick = actix_web::rt::time::interval(live.settings.poll);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = closing.wait_for(|closed| *closed) => return,
            _ = tick.tick() => {}
            changed = commits.changed() => if changed.is_err() { return },
        }
        if live.latest.receiver_count() == 0 {
            continue;
        }
        match db.read(repo::latest_id).await {
            Ok(id) => {
                live.latest.send_if_modified(|latest| {
                    let newer = id > *latest;
                    if newer {
                        *latest = id;
                    }
                    newer
                });
            }
            Err(e) => log::warn!("live events: cannot read the newest event id: {e}"),
        }
    }
}

/// What a new stream follows: the feed's filters, and where to start.
pub struct Opening {
    pub principal: Principal,
    pub filter: EventFilter,
    /// `Last-Event-ID` or `after`; `None`: after the newest event now.
    pub after: Option<i64>,
    /// The token's `exp` (Unix seconds).
    pub expires_at: i64,
}

/// Opens a stream (429 when the principal holds its maximum already).
pub async fn open(
    live: &Arc<LiveEvents>,
    db: Db,
    opening: Opening,
) -> Result<HttpResponse, ApiError> {
    let slot = live.reserve(&opening.principal)?;
    let cursor = match opening.after {
        Some(after) => after,
        None => db.read(repo::latest_id).await?,
    };
    let now_ms = chrono::Utc::now().timestamp_millis();
    let left_ms = opening
        .expires_at
        .saturating_mul(1000)
        .saturating_sub(now_ms);
    let mut heartbeat = actix_web::rt::time::interval_at(
        Instant::now() + live.settings.heartbeat,
        live.settings.heartbeat,
    );
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let follower = Follower {
        db,
        principal: opening.principal,
        filter: opening.filter,
        cursor,
        more: true,
        latest: live.latest.subscribe(),
        closing: live.closing.subscribe(),
        heartbeat,
        expires: Instant::now() + Duration::from_millis(u64::try_from(left_ms).unwrap_or(0)),
        ended: false,
        _slot: slot,
    };
    Ok(HttpResponse::Ok()
        .content_type(EVENT_STREAM)
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .insert_header((header::VARY, HeaderValue::from_static("Accept")))
        // Proxies such as nginx would otherwise hold the events back in their buffers.
        .insert_header(("X-Accel-Buffering", HeaderValue::from_static("no")))
        .streaming(futures_util::stream::unfold(follower, Follower::next)))
}

/// One stream's state between the chunks of its body.
struct Follower {
    db: Db,
    principal: Principal,
    filter: EventFilter,
    /// The last event id read (sent, or left out as not the principal's to see).
    cursor: i64,
    /// Whether to read again without waiting: at the start, and after a full batch.
    more: bool,
    latest: watch::Receiver<i64>,
    closing: watch::Receiver<bool>,
    heartbeat: tokio::time::Interval,
    /// When the token expires.
    expires: Instant,
    /// The closing comment has been sent.
    ended: bool,
    _slot: Slot,
}

impl Follower {
    /// The next chunk of the body: events, a heartbeat, or the closing comment; `None` ends it.
    async fn next(mut self) -> Option<(Result<Bytes, ApiError>, Self)> {
        loop {
            if self.ended {
                return None;
            }
            if self.more || *self.latest.borrow_and_update() > self.cursor {
                match self.read().await {
                    Ok(Some(chunk)) => {
                        self.heartbeat.reset();
                        return Some((Ok(chunk), self));
                    }
                    Ok(None) => continue,
                    Err(e) => {
                        log::warn!("live events: a stream ended on a database error: {e}");
                        return None;
                    }
                }
            }
            let why = tokio::select! {
                biased;
                _ = self.closing.wait_for(|closed| *closed) => Some("the service is shutting down"),
                () = tokio::time::sleep_until(self.expires) => Some("the token expired"),
                changed = self.latest.changed() => match changed {
                    Ok(()) => continue,
                    Err(_) => Some("the service is shutting down"),
                },
                _ = self.heartbeat.tick() => None,
            };
            let chunk = match why {
                Some(why) => {
                    self.ended = true;
                    Bytes::from(format!(": {why}\n\n"))
                }
                None => Bytes::from_static(b": keep-alive\n\n"),
            };
            return Some((Ok(chunk), self));
        }
    }

    /// Reads the events after the cursor with the feed's query and keeps what the principal may
    /// see; `None` when none of them is its to see.
    async fn read(&mut self) -> Result<Option<Bytes>, ApiError> {
        // Every event up to the newest id seen before this query is readable by now, so after
        // a batch that was not full the stream may go on from there.
        let seen = *self.latest.borrow();
        let (filter, principal, cursor) =
            (self.filter.clone(), self.principal.clone(), self.cursor);
        let (last, shown, full) = self
            .db
            .read(move |conn| {
                let rows = repo::list(conn, &filter, Some(cursor), BATCH)?;
                let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) > BATCH;
                let last = rows.last().map(|row| row.id);
                Ok((last, events_as_seen_by(conn, &principal, rows)?, full))
            })
            .await?;
        self.more = full;
        self.cursor = last.unwrap_or(cursor);
        if !full {
            self.cursor = self.cursor.max(seen);
        }
        let mut chunk = String::new();
        for row in shown {
            let id = row.id;
            let action = row.action.clone();
            let data = serde_json::to_string(&Event::from(row))
                .map_err(|e| ApiError::Internal(format!("cannot write an event: {e}")))?;
            chunk.push_str(&format!("id: {id}\nevent: {action}\ndata: {data}\n\n"));
        }
        Ok((!chunk.is_empty()).then(|| Bytes::from(chunk)))
    }
}
