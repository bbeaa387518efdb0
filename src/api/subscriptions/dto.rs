//! The shapes of subscriptions on the wire, and reading them from request bodies: every problem
//! at once, the callback URL checked against the allow-list and the forbidden address ranges.

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::api::input::{Field, Fields, array, string, text};
use crate::db::subscriptions::SubscriptionRow;
use crate::domain::webhooks::{self, EventFilter, TYPES_MAX};
use crate::domain::{Rejection, reference, time};

/// Whose subscription it is: the principal that created it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionOwnerView {
    #[schema(example = "ocw-zaaksysteem")]
    pub sub: String,
    #[schema(example = "vakdienst")]
    pub role: String,
    /// The role's scope (district, department or partner id), if it has one.
    #[schema(example = "ocw")]
    pub scope: Option<String>,
}

/// Which events pass, besides the types: each member set must match the event's resource.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionFilter {
    #[schema(example = "centrum")]
    pub district_id: Option<String>,
    #[schema(example = "transvaal")]
    pub neighbourhood_id: Option<String>,
    /// For signals: the department assigned now.
    #[schema(example = "ocw")]
    pub department_id: Option<String>,
    #[schema(example = "youth_education")]
    pub theme_id: Option<String>,
}

/// A webhook subscription (DESIGN §10). The secret is shown only when created or rotated.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    #[schema(example = "https://zaaksysteem.ocw.denhaag.nl/wijkregie/events")]
    pub callback_url: String,
    /// Event types; a trailing `*` matches a prefix.
    #[schema(example = json!(["signal.*", "project.status_changed"]))]
    pub types: Vec<String>,
    pub filter: Option<SubscriptionFilter>,
    pub description: Option<String>,
    /// active, paused (by its owner, or by a 410 from the receiver) or suspended (after
    /// failing for `WIJKREGIE_WEBHOOK_SUSPEND_HOURS`).
    #[schema(example = "active")]
    pub status: String,
    pub owner: SubscriptionOwnerView,
    /// Until when the previous secret signs too, after a rotation.
    #[serde(with = "time::rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub previous_secret_expires_at: Option<NaiveDateTime>,
    pub version: i64,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl From<&SubscriptionRow> for Subscription {
    fn from(row: &SubscriptionRow) -> Self {
        let filter = row.filter();
        Self {
            id: row.id.clone(),
            callback_url: row.callback_url.clone(),
            types: row.type_list(),
            filter: (!filter.is_empty()).then_some(SubscriptionFilter {
                district_id: filter.district_id,
                neighbourhood_id: filter.neighbourhood_id,
                department_id: filter.department_id,
                theme_id: filter.theme_id,
            }),
            description: row.description.clone(),
            status: row.status.clone(),
            owner: SubscriptionOwnerView {
                sub: row.owner_sub.clone(),
                role: row.owner_role.clone(),
                scope: row.owner_scope.clone(),
            },
            previous_secret_expires_at: row.previous_secret_until,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl Subscription {
    /// What the trail records of a subscription: what it asks for, never its secret.
    pub fn trail(&self) -> Value {
        json!({
            "callbackUrl": self.callback_url,
            "types": self.types,
            "filter": self.filter,
            "description": self.description,
            "status": self.status,
        })
    }
}

/// A subscription with its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionWithSecret {
    #[serde(flatten)]
    pub subscription: Subscription,
    /// `whsec_` and 32 random bytes in base64: the Standard Webhooks signing key. Shown only
    /// now; keep it in the receiving system.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// A new subscription.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct SubscriptionCreate {
    /// `https` (plain `http` only for hosts in `WIJKREGIE_WEBHOOK_ALLOW_HTTP`); not a loopback,
    /// private, link-local or metadata address.
    #[schema(
        example = "https://zaaksysteem.ocw.denhaag.nl/wijkregie/events",
        min_length = 10,
        max_length = 2000,
        pattern = r"^https?://[^\s/?#@]+([/?][^\s#]*)?$"
    )]
    callback_url: String,
    #[schema(value_type = Vec<EventTypeInput>, example = json!(["signal.*"]), min_items = 1, max_items = 50)]
    types: Vec<String>,
    filter: Option<SubscriptionFilterInput>,
    #[schema(example = "Zaaksysteem OCW", max_length = 500)]
    description: Option<String>,
}

/// A filter as sent; every member optional.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct SubscriptionFilterInput {
    #[schema(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    district_id: Option<String>,
    #[schema(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    neighbourhood_id: Option<String>,
    #[schema(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    department_id: Option<String>,
    #[schema(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    theme_id: Option<String>,
}

/// Changes to a subscription (JSON merge patch).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct SubscriptionUpdate {
    #[schema(
        nullable = false,
        min_length = 10,
        max_length = 2000,
        pattern = r"^https?://[^\s/?#@]+([/?][^\s#]*)?$"
    )]
    callback_url: Option<String>,
    #[schema(value_type = Option<Vec<EventTypeInput>>, nullable = false, min_items = 1, max_items = 50)]
    types: Option<Vec<String>>,
    /// `null` removes the filter.
    filter: Option<SubscriptionFilterInput>,
    description: Option<String>,
    /// active or paused; set active to resume a suspended subscription.
    #[schema(nullable = false, example = "paused", pattern = "^(active|paused)$")]
    status: Option<String>,
}

/// An event type (`signal.routed`), or a prefix of one ending in `*` (`signal.*`).
#[derive(Debug, ToSchema)]
#[schema(
    example = "signal.*",
    min_length = 1,
    max_length = 101,
    pattern = r"^([a-z_.]{1,100}\*?|\*)$"
)]
#[allow(dead_code, reason = "documents an element of `types`")]
pub struct EventTypeInput(String);

/// The `types` member: 1 to 50 event types.
pub fn types(value: &Value) -> Result<Vec<String>, crate::api::input::Problems> {
    let list = array(string(webhooks::event_type))(value)?;
    if list.is_empty() || list.len() > TYPES_MAX {
        return Err(Rejection::new(
            "out_of_range",
            format!("must name 1 to {TYPES_MAX} event types"),
        )
        .into());
    }
    Ok(list)
}

/// The `filter` member, read with its own problems named `filter.member`.
pub fn read_filter(fields: &mut Fields) -> Field<EventFilter> {
    fields.nested("filter", |inner| EventFilter {
        district_id: inner
            .optional("districtId", string(reference::slug))
            .into_option(),
        neighbourhood_id: inner
            .optional("neighbourhoodId", string(reference::slug))
            .into_option(),
        department_id: inner
            .optional("departmentId", string(reference::slug))
            .into_option(),
        theme_id: inner
            .optional("themeId", string(reference::slug))
            .into_option(),
    })
}

/// The `description` member.
pub fn description(value: &Value) -> Result<String, Rejection> {
    string(text(500))(value)
}

/// The `callbackUrl` member, checked against `allow_http`.
pub fn callback_url(allow_http: &[String]) -> impl Fn(&Value) -> Result<url::Url, Rejection> + '_ {
    move |value| string(|text| webhooks::callback_url(text, allow_http))(value)
}
