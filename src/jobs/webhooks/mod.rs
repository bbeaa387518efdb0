//! Webhook delivery (DESIGN §10): the event log is the outbox, and every instance runs this
//! worker. It claims subscriptions with work under a lease (`db::subscriptions::claim`), works
//! each one's queue in event order (`queue`), signs (`signing`) and sends (`sending`) each
//! event as a CloudEvent (`cloudevent`), and retries failures on a schedule (`backoff`).
//!
//! The same worker carries e-mail (DESIGN §15): the service's mail queue is a subscription of
//! channel `mail`, claimed, ordered, retried and dead-lettered the same way; only the last step
//! differs, where `jobs::mail` writes and sends the messages instead of a POST. An instance
//! without mail configured does not claim it.
//!
//! Waking: a committed write on this instance pokes `Db::committed`, so its events go out at
//! once; events committed by other instances are found by a short poll (`WebhookSettings::poll`,
//! 200 ms). PostgreSQL's LISTEN/NOTIFY was not chosen: diesel's `PgConnection` hands over
//! notifications only when a query runs, so receiving them would be a poll on a dedicated
//! connection all the same, and NOTIFY would add a statement to every write transaction; the
//! poll is one indexed query on a small table.
//!
//! Stopping (`Stopper`, on SIGTERM): the worker claims nothing more, lets the deliveries in
//! flight finish, writes their outcome and gives their leases back, so that another instance
//! takes the subscriptions over at once, without sending those events a second time; a delivery
//! still in flight when the time is up is cut off and its lease given back all the same.

pub mod backoff;
pub mod cloudevent;
pub mod queue;
pub mod sending;
pub mod signing;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};

use self::cloudevent::{CONTENT_TYPE, Origin, cloud_event, message_id};
use self::queue::{Job, Policy, Step};
use self::sending::{Outcome, Sender};
use crate::config::WebhookSettings;
use crate::db::{Db, subscriptions as repo, write_transaction};
use crate::domain::time;
use crate::domain::webhooks::Channel;
use crate::jobs::mail::Mailer;

/// Subscriptions one instance works on at once.
const PARALLEL: usize = 16;

/// What every delivery task of one instance shares.
struct Worker {
    db: Db,
    /// This instance's name on the leases it takes.
    instance: String,
    origin: Origin,
    sender: Arc<Sender>,
    /// How mail goes out; `None`: this instance leaves the mail queue alone.
    mailer: Option<Mailer>,
    /// The channels this instance claims.
    channels: Vec<Channel>,
    policy: Policy,
    lease: chrono::Duration,
    stage: Arc<watch::Sender<Stage>>,
}

/// Where the worker is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Running,
    /// Claims nothing more; deliveries in flight finish and give their leases back.
    Draining,
    /// Deliveries still in flight are cut off and give their leases back.
    Abandoning,
}

impl Worker {
    fn stopping(&self) -> bool {
        *self.stage.borrow() != Stage::Running
    }
}

/// Stops the worker gracefully (see the module's documentation).
#[derive(Clone)]
pub struct Stopper {
    stage: Arc<watch::Sender<Stage>>,
    hands: Arc<Semaphore>,
    /// Whether a stop has finished; held while one runs, so a second waits for it.
    stopped: Arc<tokio::sync::Mutex<bool>>,
}

/// How long the leases of deliveries cut off at a stop may take to be given back.
const GIVE_BACK_WITHIN: Duration = Duration::from_secs(2);

impl Stopper {
    /// Stops claiming; waits up to `within` for the deliveries in flight to finish (outcome
    /// written, lease given back), then cuts off those still going and gives their leases back.
    /// Returns when this worker holds no delivery; a second call waits for the first.
    pub async fn stop(&self, within: Duration) {
        let mut stopped = self.stopped.lock().await;
        if *stopped {
            return;
        }
        self.stage.send_replace(Stage::Draining);
        let all = u32::try_from(PARALLEL).unwrap_or(u32::MAX);
        let drained = match tokio::time::timeout(within, self.hands.acquire_many(all)).await {
            Ok(hands) => hands.ok(),
            Err(_) => {
                log::warn!(
                    "webhooks: deliveries still in flight after {} s are cut off; their leases are \
                     given back",
                    within.as_secs()
                );
                self.stage.send_replace(Stage::Abandoning);
                tokio::time::timeout(GIVE_BACK_WITHIN, self.hands.acquire_many(all))
                    .await
                    .ok()
                    .and_then(Result::ok)
            }
        };
        // The hands stay taken: nothing starts after the stop.
        if let Some(hands) = drained {
            hands.forget();
        }
        *stopped = true;
        log::info!("webhooks: the worker has stopped");
    }
}

/// Starts the worker on the current runtime: webhooks, and mail when `mailer` is given; what
/// stops it.
pub fn spawn(
    db: Db,
    settings: &WebhookSettings,
    origin: Origin,
    mailer: Option<Mailer>,
) -> Result<Stopper, String> {
    let sender = Sender::new(
        settings.allow_http.clone(),
        settings.connect_timeout,
        settings.request_timeout,
    )?;
    let mut channels = vec![Channel::Webhook];
    if mailer.is_some() {
        channels.push(Channel::Mail);
    }
    let worker = Arc::new(Worker {
        db,
        instance: uuid::Uuid::now_v7().to_string(),
        origin,
        sender,
        mailer,
        channels,
        policy: Policy {
            retry_base: settings.retry_base,
            give_up_after: settings.give_up_after,
            suspend_after: settings.suspend_after,
        },
        lease: backoff::chrono_duration(settings.lease),
        stage: Arc::new(watch::Sender::new(Stage::Running)),
    });
    let hands = Arc::new(Semaphore::new(PARALLEL));
    let stopper = Stopper {
        stage: worker.stage.clone(),
        hands: hands.clone(),
        stopped: Arc::default(),
    };
    let poll = settings.poll;
    actix_web::rt::spawn(run(worker, hands, poll));
    Ok(stopper)
}

/// Claims work whenever there are free hands: after a commit here, or every `poll`; until
/// stopped.
async fn run(worker: Arc<Worker>, hands: Arc<Semaphore>, poll: Duration) {
    let committed = worker.db.committed();
    let mut stage = worker.stage.subscribe();
    loop {
        if worker.stopping() {
            return;
        }
        let free = hands.available_permits();
        if free > 0 {
            let now = time::now();
            let lease_until = now + worker.lease;
            let instance = worker.instance.clone();
            let limit = i64::try_from(free).unwrap_or(1);
            let channels = worker.channels.clone();
            let claimed = worker
                .db
                .read(move |conn| {
                    write_transaction(conn, |conn| {
                        repo::claim(conn, &instance, now, lease_until, limit, &channels)
                    })
                })
                .await;
            match claimed {
                Ok(ids) => {
                    for id in ids {
                        // Only this loop and a stop take hands: none free means a stop.
                        let hand = match hands.clone().try_acquire_owned() {
                            Ok(hand) if !worker.stopping() => hand,
                            Ok(_) | Err(_) => {
                                give_back(&worker, &id).await;
                                continue;
                            }
                        };
                        let worker = worker.clone();
                        actix_web::rt::spawn(async move {
                            work_on(&worker, id).await;
                            drop(hand);
                            // Look for more at once: new events may have come meanwhile.
                            worker.db.notify_committed();
                        });
                    }
                }
                Err(e) => log::warn!("webhooks: claiming work failed: {e}"),
            }
        }
        tokio::select! {
            () = committed.notified() => {}
            () = tokio::time::sleep(poll) => {}
            _ = stage.changed() => {}
        }
    }
}

/// Works one claimed subscription until it has nothing to send now, or the worker stops.
async fn work_on(worker: &Worker, id: String) {
    let mut stage = worker.stage.subscribe();
    loop {
        if worker.stopping() {
            give_back(worker, &id).await;
            return;
        }
        let now = time::now();
        let lease_until = now + worker.lease;
        let (sub, instance) = (id.clone(), worker.instance.clone());
        let step = worker
            .db
            .read(move |conn| queue::next_step(conn, &sub, &instance, now, lease_until))
            .await;
        let job = match step {
            Ok(Step::Send(job)) => job,
            Ok(Step::Continue) => continue,
            Ok(Step::Rest | Step::Lost) => return,
            Err(e) => {
                log::warn!("webhooks: subscription {id}: {e}");
                give_back(worker, &id).await;
                return;
            }
        };
        if worker.stopping() {
            // Taken, not yet sent: it goes out from the next holder of the lease.
            give_back(worker, &id).await;
            return;
        }
        let outcome = tokio::select! {
            outcome = deliver(worker, &job) => outcome,
            _ = stage.wait_for(|s| *s == Stage::Abandoning) => {
                give_back(worker, &id).await;
                return;
            }
        };
        if let Outcome::Failed { error, .. } = &outcome {
            log::info!(
                "webhooks: event {} to subscription {id} failed: {error}",
                job.event.id
            );
        }
        let (instance, policy) = (worker.instance.clone(), worker.policy);
        let jitter = rand::random::<f64>();
        let recorded = worker
            .db
            .read(move |conn| {
                queue::record_outcome(conn, &job, &instance, &outcome, time::now(), policy, jitter)
            })
            .await;
        match recorded {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                log::warn!("webhooks: recording a delivery to {id} failed: {e}");
                give_back(worker, &id).await;
                return;
            }
        }
    }
}

async fn give_back(worker: &Worker, id: &str) {
    let (id, instance) = (id.to_owned(), worker.instance.clone());
    if let Err(e) = worker
        .db
        .read(move |conn| queue::release(conn, &id, &instance))
        .await
    {
        log::warn!("webhooks: giving a lease back failed: {e}");
    }
}

/// Carries the job's event to its channel.
async fn deliver(worker: &Worker, job: &Job) -> Outcome {
    match (job.channel, &worker.mailer) {
        (Channel::Webhook, _) => post(worker, job).await,
        (Channel::Mail, Some(mailer)) => mailer.deliver(&worker.db, &job.event).await,
        (Channel::Mail, None) => Outcome::Failed {
            status: None,
            error: "this instance sends no mail".to_owned(),
        },
    }
}

/// Sends the job's event, signed with every secret in use.
async fn post(worker: &Worker, job: &Job) -> Outcome {
    let body = match serde_json::to_vec(&cloud_event(&worker.origin, &job.event)) {
        Ok(body) => body,
        Err(e) => {
            return Outcome::Failed {
                status: None,
                error: format!("cannot write the event: {e}"),
            };
        }
    };
    let id = message_id(&job.subscription_id, job.event.id);
    let timestamp = chrono::Utc::now().timestamp();
    let secrets: Vec<&str> = job.secrets.iter().map(String::as_str).collect();
    let signature = signing::signature_header(&secrets, &id, timestamp, &body);
    let headers = [
        ("content-type", CONTENT_TYPE.to_owned()),
        (
            "user-agent",
            format!("wijkregie/{}", env!("CARGO_PKG_VERSION")),
        ),
        ("webhook-id", id),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ];
    worker.sender.send(&job.callback_url, &headers, body).await
}
