//! One subscription's queue, worked by the instance that holds its lease: find the head (the
//! first event after the subscription's position that it wants and its owner may read *now*),
//! hand it to the sender, and write down how the attempt went. Strictly in event order: the next
//! event waits until the head is delivered or given up.

use std::time::Duration;

use chrono::NaiveDateTime;
use serde_json::json;

use super::backoff::{self, AfterFailure};
use super::sending::Outcome;
use crate::db::deliveries::{self as delivery_repo, Attempted};
use crate::db::events::{self as event_store, EventFilter, EventRow};
use crate::db::subscriptions::{self as repo, Progress, SubscriptionRow};
use crate::db::{DbConnection, write_transaction};
use crate::domain::events::NewEvent;
use crate::domain::mail;
use crate::domain::principal::Principal;
use crate::domain::webhooks::{
    Channel, DeliveryStatus, PING_ACTION, SubscriptionStatus, type_matches,
};
use crate::error::ApiError;
use crate::telemetry::metrics as telemetry;
use crate::visibility::events_as_seen_by;

/// Events read from the log per look.
const BATCH: i64 = 100;

/// The head event, ready to be sent.
#[derive(Debug, Clone)]
pub struct Job {
    pub channel: Channel,
    pub subscription_id: String,
    pub callback_url: String,
    /// The secrets that sign: the current one, and the previous one during its overlap.
    pub secrets: Vec<String>,
    pub event: EventRow,
    pub attempts: i32,
    pub first_attempt_at: Option<NaiveDateTime>,
    pub failing_since: Option<NaiveDateTime>,
    /// The subscription's `rewinds` when the event was taken: a redelivery since then wins
    /// over this attempt's outcome.
    pub rewinds: i64,
}

/// What to do next with a subscription.
#[derive(Debug)]
pub enum Step {
    Send(Box<Job>),
    /// Skipped a batch of events the subscription does not want; look again.
    Continue,
    /// Nothing to send now (no events, or the head waits for its retry); the lease is given up.
    Rest,
    /// The lease is gone (another instance has it) or the subscription is no longer active.
    Lost,
}

/// The retry policy of the worker.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub retry_base: Duration,
    pub give_up_after: Duration,
    pub suspend_after: Duration,
}

/// Whether `event` is for this subscription on its type and filter (visibility is decided
/// separately, for the owner). A ping is for its one subscription only.
fn wants(
    sub: &SubscriptionRow,
    types: &[String],
    facets: &std::collections::HashMap<(String, String), crate::domain::webhooks::Facets>,
    event: &EventRow,
) -> bool {
    if event.action == PING_ACTION {
        return event.resource_type == "subscription" && event.resource_id == sub.id;
    }
    if !type_matches(types, &event.action) {
        return false;
    }
    let filter = sub.filter();
    filter.is_empty()
        || facets
            .get(&(event.resource_type.clone(), event.resource_id.clone()))
            .is_some_and(|f| filter.admits(f))
}

/// The events of `batch` that a webhook subscription wants and its owner may read now.
fn readable_for_owner(
    conn: &mut DbConnection,
    sub: &SubscriptionRow,
    batch: Vec<EventRow>,
) -> Result<Vec<EventRow>, ApiError> {
    let types = sub.type_list();
    let facets = if sub.filter().is_empty() {
        Default::default()
    } else {
        delivery_repo::facets_of(conn, &batch)?
    };
    let wanted: Vec<EventRow> = batch
        .into_iter()
        .filter(|e| wants(sub, &types, &facets, e))
        .collect();
    // What the owner may read now decides; an owner this version cannot rebuild reads nothing.
    match sub.owner().principal() {
        Some(owner) if !wanted.is_empty() => events_as_seen_by(conn, &owner, wanted),
        Some(_) | None => Ok(Vec::new()),
    }
}

/// Finds the subscription's head and renews the lease, in one write transaction.
pub fn next_step(
    conn: &mut DbConnection,
    id: &str,
    instance: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Step, ApiError> {
    write_transaction(conn, |conn| {
        let Some(sub) = repo::renew(conn, id, instance, lease_until)? else {
            return Ok(Step::Lost);
        };
        if sub.retry_at.is_some_and(|at| at > now) {
            repo::release(conn, id, instance)?;
            return Ok(Step::Rest);
        }
        let filter = EventFilter {
            after: Some(sub.last_event_id),
            ..EventFilter::default()
        };
        let mut batch = event_store::list(conn, &filter, None, BATCH)?;
        batch.truncate(usize::try_from(BATCH).unwrap_or(100));
        let Some(last_id) = batch.last().map(|e| e.id) else {
            if sub.retry_at.is_some() {
                let progress = Progress {
                    retry_at: Some(None),
                    ..Progress::default()
                };
                repo::advance(conn, id, instance, &progress)?;
            }
            repo::release(conn, id, instance)?;
            return Ok(Step::Rest);
        };
        let readable = match sub.channel() {
            Channel::Webhook => readable_for_owner(conn, &sub, batch)?,
            // Whom a moment is mailed to is decided when it is sent (`jobs::mail`).
            Channel::Mail => batch
                .into_iter()
                .filter(|e| mail::moment_of(&e.action, &e.data_json()).is_some())
                .collect(),
        };
        let Some(event) = readable.into_iter().next() else {
            let progress = Progress {
                last_event_id: Some(last_id),
                retry_at: Some(None),
                ..Progress::default()
            };
            repo::advance(conn, id, instance, &progress)?;
            delivery_repo::skip_unfinished_before(conn, id, last_id + 1)?;
            return Ok(Step::Continue);
        };
        delivery_repo::skip_unfinished_before(conn, id, event.id)?;
        let progress = Progress {
            last_event_id: Some(sub.last_event_id.max(event.id - 1)),
            retry_at: Some(None),
            ..Progress::default()
        };
        repo::advance(conn, id, instance, &progress)?;
        let delivery = delivery_repo::head(conn, id, &event)?;
        if let Some(next) = delivery.next_attempt_at.filter(|at| *at > now) {
            let progress = Progress {
                retry_at: Some(Some(next)),
                ..Progress::default()
            };
            repo::advance(conn, id, instance, &progress)?;
            repo::release(conn, id, instance)?;
            return Ok(Step::Rest);
        }
        let mut secrets = vec![sub.secret.clone()];
        if let (Some(previous), Some(until)) = (&sub.previous_secret, sub.previous_secret_until) {
            if until > now {
                secrets.push(previous.clone());
            }
        }
        Ok(Step::Send(Box::new(Job {
            channel: sub.channel(),
            subscription_id: sub.id,
            callback_url: sub.callback_url,
            secrets,
            event,
            attempts: delivery.attempts,
            first_attempt_at: delivery.first_attempt_at,
            failing_since: sub.failing_since,
            rewinds: sub.rewinds,
        })))
    })
}

/// Writes how an attempt went, and counts it in the metrics once written; whether the worker
/// goes on with the next event now.
pub fn record_outcome(
    conn: &mut DbConnection,
    job: &Job,
    instance: &str,
    outcome: &Outcome,
    now: NaiveDateTime,
    policy: Policy,
    jitter: f64,
) -> Result<bool, ApiError> {
    let (go_on, recorded) = write_transaction(conn, |conn| {
        write_outcome(conn, job, instance, outcome, now, policy, jitter)
    })?;
    telemetry::delivery_recorded(job.channel.as_str(), recorded);
    Ok(go_on)
}

/// The outcome's label in the metrics when the receiver answered 410 Gone: the head stays
/// pending and the subscription is paused.
const GONE: &str = "gone";

/// The outcome's label when a redelivery came while the attempt was in flight: nothing of the
/// attempt is written (the replay made its delivery pending again), and the worker goes on
/// from the replay's position.
const SUPERSEDED: &str = "superseded";

/// Writes how an attempt went; whether the worker goes on, and the outcome as recorded
/// (`delivered`, `retrying`, `dead`, `gone`, or `superseded` by a redelivery).
fn write_outcome(
    conn: &mut DbConnection,
    job: &Job,
    instance: &str,
    outcome: &Outcome,
    now: NaiveDateTime,
    policy: Policy,
    jitter: f64,
) -> Result<(bool, &'static str), ApiError> {
    let id = job.subscription_id.as_str();
    if !repo::still_unrewound(conn, id, job.rewinds)? {
        return Ok((true, SUPERSEDED));
    }
    let event_id = job.event.id;
    let attempts = job.attempts + 1;
    let first = job.first_attempt_at.unwrap_or(now);
    let (status, error) = match outcome {
        Outcome::Delivered(status) => {
            let attempted = Attempted {
                status: Some(DeliveryStatus::Delivered.as_str().to_owned()),
                attempts: Some(attempts),
                last_status: Some(Some(i32::from(*status))),
                last_error: Some(None),
                first_attempt_at: Some(Some(first)),
                next_attempt_at: Some(None),
                delivered_at: Some(Some(now)),
            };
            delivery_repo::record(conn, id, event_id, &attempted)?;
            let progress = Progress {
                last_event_id: Some(event_id),
                retry_at: Some(None),
                failing_since: Some(None),
                ..Progress::default()
            };
            let go_on = repo::advance(conn, id, instance, &progress)?;
            return Ok((go_on, DeliveryStatus::Delivered.as_str()));
        }
        Outcome::Gone => (Some(410), "the receiver answered 410 Gone".to_owned()),
        Outcome::Failed { status, error } => (*status, error.clone()),
    };
    let mut attempted = Attempted {
        attempts: Some(attempts),
        last_status: Some(status.map(i32::from)),
        last_error: Some(Some(error)),
        first_attempt_at: Some(Some(first)),
        ..Attempted::default()
    };
    if *outcome == Outcome::Gone {
        // The head stays pending: it is the first to go once the owner resumes.
        attempted.status = Some(DeliveryStatus::Pending.as_str().to_owned());
        delivery_repo::record(conn, id, event_id, &attempted)?;
        change_status(conn, id, SubscriptionStatus::Paused, "gone", now)?;
        return Ok((false, GONE));
    }
    let failing_since = job.failing_since.unwrap_or(now);
    let decision = backoff::after_failure(
        first,
        now,
        attempts,
        policy.retry_base,
        policy.give_up_after,
        jitter,
    );
    let mut progress = Progress {
        failing_since: Some(Some(failing_since)),
        ..Progress::default()
    };
    let (go_on, recorded) = match decision {
        AfterFailure::GiveUp => {
            attempted.next_attempt_at = Some(None);
            progress.last_event_id = Some(event_id);
            progress.retry_at = Some(None);
            (true, DeliveryStatus::Dead)
        }
        AfterFailure::RetryAt(at) => {
            attempted.next_attempt_at = Some(Some(at));
            progress.retry_at = Some(Some(at));
            (false, DeliveryStatus::Retrying)
        }
    };
    attempted.status = Some(recorded.as_str().to_owned());
    let recorded = recorded.as_str();
    delivery_repo::record(conn, id, event_id, &attempted)?;
    if !repo::advance(conn, id, instance, &progress)? {
        return Ok((false, recorded));
    }
    // The mail queue is never suspended: mail waits for the SMTP server however long.
    if job.channel == Channel::Webhook && backoff::suspend(failing_since, now, policy.suspend_after)
    {
        change_status(conn, id, SubscriptionStatus::Suspended, "failing", now)?;
        return Ok((false, recorded));
    }
    if !go_on {
        repo::release(conn, id, instance)?;
    }
    Ok((go_on, recorded))
}

/// Pauses or suspends a subscription on the service's account, with its event.
fn change_status(
    conn: &mut DbConnection,
    id: &str,
    status: SubscriptionStatus,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    repo::set_status(conn, id, status, now)?;
    let worker = Principal::system("wijkregie-webhooks");
    let event = NewEvent {
        action: format!("subscription.{}", status.as_str()),
        resource_type: "subscription",
        resource_id: id.to_owned(),
        data: json!({
            "before": { "status": SubscriptionStatus::Active.as_str() },
            "after": { "status": status.as_str() },
            "reason": reason,
        }),
    };
    event_store::record(conn, &worker.actor(), event, now)?;
    Ok(())
}

/// Gives the lease back after an error, so that the subscription is not stuck until it expires.
pub fn release(conn: &mut DbConnection, id: &str, instance: &str) -> Result<(), ApiError> {
    repo::release(conn, id, instance)
}
