//! Looking into a subscription's deliveries (DESIGN §10): what was delivered, what waits for a
//! retry and what was given up; replaying from an event; and a test event through the same path.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::readable_subscription;
use crate::api::http::{self, EventPageParams, Page, PageRequest};
use crate::api::input::{Fields, JsonObject, QueryParams, integer};
use crate::auth::Authorized;
use crate::authz::ops;
use crate::db::Db;
use crate::db::deliveries::{self as repo, DeliveryRow};
use crate::db::events as event_store;
use crate::db::subscriptions as subscription_repo;
use crate::domain::events::NewEvent;
use crate::domain::webhooks::{DeliveryStatus, PING_ACTION};
use crate::domain::{Rejection, time};
use crate::error::ApiError;

/// One event on its way to a subscription.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// The event (its id is the CloudEvent's `id` and, padded, its `sequence`).
    #[schema(example = 42)]
    pub event_id: i64,
    /// The event's action; the CloudEvent `type` is `nl.wijkregie.` and this.
    #[schema(example = "signal.routed")]
    pub r#type: String,
    /// pending, retrying, delivered, dead, or skipped (passed over unfinished: the event stopped
    /// being the subscription's, its owner no longer reading it or its filter no longer passing it).
    #[schema(example = "retrying")]
    pub status: String,
    pub attempts: i32,
    /// The receiver's last HTTP status, if it answered.
    #[schema(example = 503)]
    pub last_status: Option<i32>,
    #[schema(example = "the receiver answered 503")]
    pub last_error: Option<String>,
    #[serde(with = "time::rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<NaiveDateTime>,
    #[serde(with = "time::rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<NaiveDateTime>,
}

impl From<DeliveryRow> for Delivery {
    fn from(row: DeliveryRow) -> Self {
        Self {
            event_id: row.event_id,
            r#type: row.event_type,
            status: row.status,
            attempts: row.attempts,
            last_status: row.last_status,
            last_error: row.last_error,
            next_attempt_at: row.next_attempt_at,
            delivered_at: row.delivered_at,
        }
    }
}

http::page_schema!(DeliveryPage, Delivery);

/// Filters of the delivery list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "documentation only: read through QueryParams")]
pub struct DeliveryListParams {
    /// Only deliveries in this state: pending, retrying, delivered, dead or skipped.
    #[param(
        example = "dead",
        pattern = "^(pending|retrying|delivered|dead|skipped)$"
    )]
    status: Option<String>,
}

/// A replay.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct RedeliveryCreate {
    /// Deliver again from this event on, in order: delivered and dead ones included.
    #[schema(example = 41, minimum = 1)]
    from_event_id: i64,
}

/// The answer to a replay or a ping: the work is queued.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Queued {
    /// The first event to go out (the ping's own event for a ping).
    #[schema(example = 41)]
    pub event_id: i64,
}

fn status_param(value: &str) -> Result<DeliveryStatus, Rejection> {
    DeliveryStatus::parse(value).ok_or_else(|| {
        Rejection::new(
            "invalid_status",
            "must be pending, retrying, delivered, dead or skipped",
        )
    })
}

/// List a subscription's deliveries, newest event first.
#[utoipa::path(
    get, path = "/subscriptions/{subscriptionId}/deliveries", tag = "Subscriptions",
    operation_id = "list_deliveries",
    params(("subscriptionId" = String, Path, description = "The subscription's id"), DeliveryListParams, EventPageParams),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 404, description = "No such subscription of the caller's"),
    )
)]
pub async fn list_deliveries(
    req: HttpRequest,
    caller: Authorized<ops::ListDeliveries>,
    path: web::Path<String>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal;
    delivery_page(req, path.into_inner(), query, db, move |conn, id| {
        readable_subscription(conn, &principal, id).map(|_| ())
    })
    .await
}

/// List the e-mail deliveries (DESIGN §15), newest event first: one per event that is a
/// moment people are told of, with its attempts; `status=dead` gives the dead letters (given
/// up after `WIJKREGIE_WEBHOOK_GIVE_UP_HOURS` of failing). For administration.
#[utoipa::path(
    get, path = "/mail-deliveries", tag = "Subscriptions",
    operation_id = "list_mail_deliveries",
    params(DeliveryListParams, EventPageParams),
    responses((status = 200, description = "A page of mail deliveries", body = DeliveryPage))
)]
pub async fn list_mail_deliveries(
    req: HttpRequest,
    _caller: Authorized<ops::ListMailDeliveries>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let queue = subscription_repo::MAIL_QUEUE_ID.to_owned();
    delivery_page(req, queue, query, db, |_, _| Ok(())).await
}

/// A page of the deliveries of queue `id`, after `check` allowed reading them.
async fn delivery_page(
    req: HttpRequest,
    id: String,
    mut query: QueryParams,
    db: web::Data<Db>,
    check: impl FnOnce(&mut crate::db::DbConnection, &str) -> Result<(), ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let status = query.single("status", status_param);
    let page = PageRequest::read(&mut query);
    query.finish()?;
    let before = page.after_number()?;
    let limit = page.limit;
    let rows = db
        .read(move |conn| {
            check(conn, &id)?;
            repo::list(conn, &id, status, before, limit)
        })
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |row| row.event_id.to_be_bytes().to_vec(),
        Delivery::from,
    );
    Ok(http::page_response(&req, page))
}

/// Deliver again from an event on.
///
/// The subscription goes back to `fromEventId` and delivers, in order, every event from there
/// that it wants and its owner may read now, those delivered or dead before included. Asked
/// while an event is being delivered, it still holds: that attempt's outcome gives way to the
/// replay, which sends the event again in its turn. No delivery record is ever removed.
#[utoipa::path(
    post, path = "/subscriptions/{subscriptionId}/redeliveries", tag = "Subscriptions",
    operation_id = "create_redelivery",
    params(("subscriptionId" = String, Path, description = "The subscription's id")),
    request_body = RedeliveryCreate,
    responses(
        (status = 202, description = "The replay is queued", body = Queued),
        (status = 404, description = "No such subscription of the caller's"),
    )
)]
pub async fn create_redelivery(
    caller: Authorized<ops::CreateRedelivery>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::new(body);
    let from = fields.required(
        "fromEventId",
        integer(|n| {
            if n >= 1 {
                Ok(n)
            } else {
                Err(Rejection::new("out_of_range", "must be an event id from 1"))
            }
        }),
    );
    let from = fields.finish(from)?;
    let id = path.into_inner();
    let principal = caller.principal;
    db.write(move |conn| {
        readable_subscription(conn, &principal, &id)?;
        // The subscription's row first, as the worker takes it: then its deliveries.
        subscription_repo::rewind(conn, &id, from)?;
        repo::replay(conn, &id, from)?;
        let data = json!({ "fromEventId": from });
        crate::api::access::record_event(
            conn,
            &principal,
            "subscription",
            &id,
            "redelivery_requested",
            data,
        )
    })
    .await?;
    Ok(HttpResponse::Accepted().json(Queued { event_id: from }))
}

/// Send a test event.
///
/// Records a `ping` event for this subscription only; it is delivered as
/// `nl.wijkregie.ping` through the same queue, in order, signed like every delivery.
#[utoipa::path(
    post, path = "/subscriptions/{subscriptionId}/pings", tag = "Subscriptions",
    operation_id = "create_ping",
    params(("subscriptionId" = String, Path, description = "The subscription's id")),
    responses(
        (status = 202, description = "The ping is queued", body = Queued),
        (status = 404, description = "No such subscription of the caller's"),
    )
)]
pub async fn create_ping(
    caller: Authorized<ops::CreatePing>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let principal = caller.principal;
    let event_id = db
        .write(move |conn| {
            readable_subscription(conn, &principal, &id)?;
            let event = NewEvent {
                action: PING_ACTION.to_owned(),
                resource_type: "subscription",
                resource_id: id.clone(),
                data: json!({}),
            };
            event_store::record(conn, &principal.actor(), event, time::now())
        })
        .await?;
    Ok(HttpResponse::Accepted().json(Queued { event_id }))
}
