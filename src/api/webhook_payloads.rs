//! The deliveries a subscriber receives, for the OpenAPI document's top-level `webhooks`
//! (OpenAPI 3.1): one entry per event type of `domain::events::EVENT_TYPES` (and the ping),
//! each a `POST` of its CloudEvent, so integrators generate types for deliveries too. What is
//! sent is `jobs::webhooks::cloudevent`'s; these types document it.

use utoipa::ToSchema;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{ContentBuilder, Paths, Ref, RefOr, Required};

use crate::domain::events::EVENT_TYPES;
use crate::domain::webhooks::PING_ACTION;

/// One event as a CloudEvents 1.0 structured JSON document (NL GOV profile), signed per
/// Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation of the delivered body")]
pub struct CloudEvent {
    #[schema(example = "1.0")]
    specversion: String,
    /// The event id.
    #[schema(example = "4128")]
    id: String,
    /// `WIJKREGIE_EVENT_SOURCE`.
    #[schema(example = "urn:nld:gemeente:wijkregie")]
    source: String,
    /// `nl.wijkregie.` + the action.
    #[schema(example = "nl.wijkregie.signal.routed")]
    r#type: String,
    #[schema(format = DateTime)]
    time: String,
    /// The resource's id.
    subject: String,
    #[schema(example = "application/json")]
    datacontenttype: String,
    /// The resource's address: fetch it with your own token.
    #[schema(
        example = "https://wijkregie.denhaag.nl/api/v1/signals/0193f0a0-0000-7000-8000-000000000001"
    )]
    dataref: String,
    /// The event id in 20 digits.
    #[schema(pattern = "^[0-9]{20}$")]
    sequence: String,
    #[schema(example = "Integer")]
    sequencetype: String,
    data: CloudEventData,
}

/// What changed, by name only: never a value, so no personal data leaves.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code, reason = "documentation of the delivered body")]
pub struct CloudEventData {
    #[schema(example = "signal")]
    resource_type: String,
    resource_id: String,
    /// `<resourceType>.<verb>`.
    #[schema(example = "signal.routed")]
    action: String,
    /// The names of the members that changed (of the event's `before` and `after`, or of its
    /// data), sorted.
    #[schema(example = json!(["assignedDepartmentId", "dueAt", "themeId"]))]
    changed: Vec<String>,
}

fn constant(value: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([value]))
}

/// The CloudEvent of one type: the general document with `type`, `data.resourceType` and
/// `data.action` fixed.
fn payload(resource_type: Option<&str>, action: &str) -> Schema {
    let mut data = ObjectBuilder::new().property("action", constant(action));
    if let Some(resource_type) = resource_type {
        data = data.property("resourceType", constant(resource_type));
    }
    let fixed = ObjectBuilder::new()
        .property("type", constant(&format!("nl.wijkregie.{action}")))
        .property("data", data);
    Schema::AllOf(
        AllOfBuilder::new()
            .item(Ref::from_schema_name("CloudEvent"))
            .item(fixed)
            .build(),
    )
}

fn delivery(event_type: &str, summary: String, schema: Schema) -> PathItem {
    let body = RequestBodyBuilder::new()
        .content(
            "application/cloudevents+json",
            ContentBuilder::new().schema(Some(RefOr::T(schema))).build(),
        )
        .required(Some(Required::True))
        .build();
    let operation = OperationBuilder::new()
        .operation_id(Some(format!("deliver_{}", event_type.replace('.', "_"))))
        .summary(Some(summary))
        .tag("Subscriptions")
        .request_body(Some(body))
        .response(
            "2XX",
            ResponseBuilder::new().description(
                "Delivered: any 2xx counts; a 410 pauses the subscription; anything else, a \
                 timeout or a refused connection is retried with backoff",
            ),
        )
        .build();
    PathItem::new(HttpMethod::Post, operation)
}

/// The `webhooks` of the document: `nl.wijkregie.<type>` for every event type, and the ping.
pub fn webhooks() -> Paths {
    let mut paths = PathsBuilder::new();
    for (resource_type, actions) in EVENT_TYPES {
        for action in *actions {
            let event_type = format!("{resource_type}.{action}");
            let summary = format!("Delivery of a {event_type} event");
            paths = paths.path(
                format!("nl.wijkregie.{event_type}"),
                delivery(
                    &event_type,
                    summary,
                    payload(Some(resource_type), &event_type),
                ),
            );
        }
    }
    paths = paths.path(
        format!("nl.wijkregie.{PING_ACTION}"),
        delivery(
            PING_ACTION,
            "A test event of one subscription (POST /subscriptions/{id}/pings)".to_owned(),
            payload(None, PING_ACTION),
        ),
    );
    paths.build()
}
