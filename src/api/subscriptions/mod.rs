//! Webhook subscriptions (DESIGN §10): departmental systems are told, not left to poll. Any role
//! subscribes; each subscription is bound to its creator's principal and carries only events
//! about what that principal may read at delivery time. Owners see and change their own,
//! administration all. Delivery itself is `jobs::webhooks`'s; what was delivered is in
//! `deliveries`.

pub mod deliveries;
pub mod dto;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use self::dto::{
    Subscription, SubscriptionCreate, SubscriptionUpdate, SubscriptionWithSecret, callback_url,
    description, read_filter, types,
};
use super::access::record_event;
use super::http::{self, PageParams, PageRequest};
use super::input::{Field, Fields, JsonObject, QueryParams, string};
use crate::auth::{Authorized, Principal};
use crate::authz::{self, SubscriptionOwner, ops};
use crate::config::WebhookSettings;
use crate::db::subscriptions::{self as repo, SubscriptionChange, SubscriptionRow};
use crate::db::{Db, DbConnection, reference as reference_repo};
use crate::domain::events::NewEvent;
use crate::domain::webhooks::{
    Channel, EventFilter, SubscriptionStatus, forbidden_address_rejection, owner_status,
};
use crate::domain::{Rejection, time};
use crate::error::ApiError;
use crate::jobs::webhooks::sending::{AddressProblem, checked_address};
use crate::jobs::webhooks::signing;

/// How long the previous secret keeps signing after a rotation.
const ROTATION_OVERLAP_HOURS: i64 = 24;

/// The subscription if the principal may see it (404 otherwise, also for someone else's).
pub(crate) fn readable_subscription(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
) -> Result<SubscriptionRow, ApiError> {
    let row = repo::get(conn, id)?;
    authz::require_subscription(principal, id, &row.owner())?;
    Ok(row)
}

/// Refuses a callback whose host resolves to a forbidden address (a name that does not resolve
/// now is accepted: the delivery checks again every time). An instance that does not deliver
/// (`WIJKREGIE_WEBHOOK_WORKER=off`) resolves nothing: the delivering instances check at every
/// delivery, and such an instance (CI's fuzzing server among them) makes no outbound lookups.
async fn check_address(fields: &mut Fields, url: Option<&url::Url>, hooks: &WebhookSettings) {
    if !hooks.worker {
        return;
    }
    if let Some(url) = url {
        if let Err(AddressProblem::Refused(_)) = checked_address(url, &hooks.allow_http).await {
            fields.reject("callbackUrl", forbidden_address_rejection());
        }
    }
}

/// Refuses filter members that name no existing district, neighbourhood, department or theme.
async fn check_references(
    db: &Db,
    fields: &mut Fields,
    filter: EventFilter,
) -> Result<(), ApiError> {
    if filter.is_empty() {
        return Ok(());
    }
    let missing = db
        .read(move |conn| {
            let mut missing = Vec::new();
            if let Some(id) = &filter.district_id {
                if reference_repo::district::find(conn, id)?.is_none() {
                    missing.push(("filter.districtId", "district"));
                }
            }
            if let Some(id) = &filter.neighbourhood_id {
                if reference_repo::neighbourhood::find(conn, id)?.is_none() {
                    missing.push(("filter.neighbourhoodId", "neighbourhood"));
                }
            }
            if let Some(id) = &filter.department_id {
                if reference_repo::department::find(conn, id)?.is_none() {
                    missing.push(("filter.departmentId", "department"));
                }
            }
            if let Some(id) = &filter.theme_id {
                if reference_repo::theme::find(conn, id)?.is_none() {
                    missing.push(("filter.themeId", "theme"));
                }
            }
            Ok(missing)
        })
        .await?;
    for (name, kind) in missing {
        fields.reject(
            name,
            Rejection::new("unknown_reference", format!("is not an existing {kind}")),
        );
    }
    Ok(())
}

http::page_schema!(SubscriptionPage, Subscription);

/// List subscriptions, newest first: the caller's own (administration: all).
#[utoipa::path(
    get, path = "/subscriptions", tag = "Subscriptions", operation_id = "list_subscriptions",
    params(PageParams),
    responses((status = 200, description = "A page of subscriptions", body = SubscriptionPage))
)]
pub async fn list_subscriptions(
    req: HttpRequest,
    caller: Authorized<ops::ListSubscriptions>,
    mut query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::read(&mut query);
    query.finish()?;
    let scope = authz::subscription_scope(&caller.principal);
    let (limit, after) = (page.limit, page.after_text()?);
    let rows = db
        .read(move |conn| repo::list(conn, &scope, after, limit))
        .await?;
    let page = http::Page::from_rows(
        rows,
        limit,
        |row| row.id.as_bytes().to_vec(),
        |row| Subscription::from(&row),
    );
    Ok(http::page_response(&req, page))
}

/// Subscribe a callback to events.
///
/// The subscription carries the events of `types` (passing `filter`) about objects the caller
/// may read at delivery time, from now on. The answer shows the signing `secret` once.
#[utoipa::path(
    post, path = "/subscriptions", tag = "Subscriptions", operation_id = "create_subscription",
    request_body = SubscriptionCreate,
    responses(
        (status = 201, description = "Subscribed; the secret is shown only now", body = SubscriptionWithSecret,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The subscription's URL"))),
    )
)]
pub async fn create_subscription(
    caller: Authorized<ops::CreateSubscription>,
    body: JsonObject,
    db: web::Data<Db>,
    hooks: web::Data<WebhookSettings>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::new(body);
    let url = fields.required("callbackUrl", callback_url(&hooks.allow_http));
    let types = fields.required("types", types);
    let filter = read_filter(&mut fields).into_option().unwrap_or_default();
    let description = fields.optional("description", description).into_option();
    check_address(&mut fields, url.as_ref(), &hooks).await;
    check_references(&db, &mut fields, filter.clone()).await?;
    let (url, types) = fields.finish((url, types))?;
    let now = time::now();
    let secret = signing::new_secret();
    let row = SubscriptionRow {
        callback_url: url.to_string(),
        types: serde_json::Value::from(types).to_string(),
        filter_district_id: filter.district_id,
        filter_neighbourhood_id: filter.neighbourhood_id,
        filter_department_id: filter.department_id,
        filter_theme_id: filter.theme_id,
        description,
        secret: secret.clone(),
        ..SubscriptionRow::active(
            uuid::Uuid::now_v7().to_string(),
            SubscriptionOwner::of(&caller.principal),
            Channel::Webhook,
            0,
            now,
        )
    };
    let principal = caller.principal;
    let created = db
        .write(move |conn| {
            let mut row = row;
            // From now on: the events recorded before this one are not the new subscription's.
            row.last_event_id = repo::last_event_id(conn)?;
            repo::insert(conn, &row)?;
            let view = Subscription::from(&row);
            let data = json!({ "before": null, "after": view.trail() });
            record_event(conn, &principal, "subscription", &row.id, "created", data)?;
            Ok(view)
        })
        .await?;
    let location = format!("/api/v1/subscriptions/{}", created.id);
    let version = created.version;
    let body = SubscriptionWithSecret {
        subscription: created,
        secret,
    };
    Ok(http::created(location, version, &body))
}

/// Get one subscription (its secret is never shown again).
#[utoipa::path(
    get, path = "/subscriptions/{subscriptionId}", tag = "Subscriptions", operation_id = "get_subscription",
    params(("subscriptionId" = String, Path, description = "The subscription's id")),
    responses(
        (status = 200, description = "The subscription", body = Subscription,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such subscription of the caller's"),
    )
)]
pub async fn get_subscription(
    caller: Authorized<ops::GetSubscription>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let principal = caller.principal;
    let row = db
        .read(move |conn| readable_subscription(conn, &principal, &id))
        .await?;
    Ok(http::ok_with_etag(row.version, &Subscription::from(&row)))
}

/// Change a subscription (JSON merge patch): its callback, types, filter or description, or
/// pause and resume it (`status` active or paused; active also resumes a suspended one).
///
/// Requires `If-Match` with the subscription's `ETag`.
#[utoipa::path(
    patch, path = "/subscriptions/{subscriptionId}", tag = "Subscriptions", operation_id = "update_subscription",
    params(
        ("subscriptionId" = String, Path, description = "The subscription's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body(content = SubscriptionUpdate, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = Subscription,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such subscription of the caller's"),
        (status = 412, description = "The subscription changed since you read it"),
    )
)]
pub async fn update_subscription(
    req: HttpRequest,
    caller: Authorized<ops::UpdateSubscription>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
    hooks: web::Data<WebhookSettings>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let url = fields.not_null("callbackUrl", callback_url(&hooks.allow_http));
    let types = fields.not_null("types", types);
    let filter = fields.nested("filter", |inner| {
        ["districtId", "neighbourhoodId", "departmentId", "themeId"].map(|key| {
            inner
                .optional(key, string(crate::domain::reference::slug))
                .into_patch()
        })
    });
    let description = fields.optional("description", description).into_patch();
    let status = fields.not_null("status", string(owner_status));
    check_address(&mut fields, url.as_ref(), &hooks).await;
    let named = match &filter {
        Field::Value([district, neighbourhood, department, theme]) => EventFilter {
            district_id: district.clone().flatten(),
            neighbourhood_id: neighbourhood.clone().flatten(),
            department_id: department.clone().flatten(),
            theme_id: theme.clone().flatten(),
        },
        Field::Absent | Field::Null => EventFilter::default(),
    };
    check_references(&db, &mut fields, named).await?;
    fields.finish(())?;
    let [district, neighbourhood, department, theme] = match filter {
        Field::Value(members) => members,
        Field::Null => [Some(None), Some(None), Some(None), Some(None)],
        Field::Absent => [None, None, None, None],
    };
    let change = SubscriptionChange {
        callback_url: url.map(|url| url.to_string()),
        types: types.map(|types| serde_json::Value::from(types).to_string()),
        filter_district_id: district,
        filter_neighbourhood_id: neighbourhood,
        filter_department_id: department,
        filter_theme_id: theme,
        description,
        failing_since: (status == Some(SubscriptionStatus::Active)).then_some(None),
        status: status.map(|s| s.as_str().to_owned()),
        ..SubscriptionChange::default()
    };
    let id = path.into_inner();
    let principal = caller.principal;
    let updated = db
        .write(move |conn| {
            let before = Subscription::from(&readable_subscription(conn, &principal, &id)?);
            let row = repo::update(conn, &id, version, &change, time::now())?;
            let after = Subscription::from(&row);
            let event = NewEvent::updated("subscription", &id, &before.trail(), &after.trail());
            record_event(conn, &principal, "subscription", &id, "updated", event.data)?;
            Ok(after)
        })
        .await?;
    Ok(http::ok_with_etag(updated.version, &updated))
}

/// Delete a subscription; nothing more is delivered to it.
///
/// Requires `If-Match` with the subscription's `ETag`.
#[utoipa::path(
    delete, path = "/subscriptions/{subscriptionId}", tag = "Subscriptions", operation_id = "delete_subscription",
    params(
        ("subscriptionId" = String, Path, description = "The subscription's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such subscription of the caller's"),
        (status = 412, description = "The subscription changed since you read it"),
    )
)]
pub async fn delete_subscription(
    req: HttpRequest,
    caller: Authorized<ops::DeleteSubscription>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let id = path.into_inner();
    let principal = caller.principal;
    db.write(move |conn| {
        let before = Subscription::from(&readable_subscription(conn, &principal, &id)?);
        repo::delete(conn, &id, version)?;
        let data = json!({ "before": before.trail(), "after": null });
        record_event(conn, &principal, "subscription", &id, "deleted", data)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate the signing secret.
///
/// Answers the new secret, shown only now. The previous secret keeps signing for 24 hours
/// (`webhook-signature` then carries both signatures), so the receiver can switch without
/// missing a delivery.
#[utoipa::path(
    post, path = "/subscriptions/{subscriptionId}/secret-rotations", tag = "Subscriptions",
    operation_id = "rotate_subscription_secret",
    params(("subscriptionId" = String, Path, description = "The subscription's id")),
    responses(
        (status = 200, description = "The new secret, shown only now", body = SubscriptionWithSecret,
            headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such subscription of the caller's"),
    )
)]
pub async fn rotate_subscription_secret(
    caller: Authorized<ops::RotateSubscriptionSecret>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let principal = caller.principal;
    let secret = signing::new_secret();
    let new_secret = secret.clone();
    let rotated = db
        .write(move |conn| {
            let row = readable_subscription(conn, &principal, &id)?;
            let now = time::now();
            let until = now + chrono::Duration::hours(ROTATION_OVERLAP_HOURS);
            let change = SubscriptionChange {
                secret: Some(new_secret),
                previous_secret: Some(Some(row.secret.clone())),
                previous_secret_until: Some(Some(until)),
                ..SubscriptionChange::default()
            };
            let row = repo::update(conn, &id, row.version, &change, now)?;
            let data = json!({ "previousSecretExpiresAt": time::format(&until) });
            record_event(
                conn,
                &principal,
                "subscription",
                &id,
                "secret_rotated",
                data,
            )?;
            Ok(Subscription::from(&row))
        })
        .await?;
    let version = rotated.version;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, http::etag(version)))
        .json(SubscriptionWithSecret {
            subscription: rotated,
            secret,
        }))
}
