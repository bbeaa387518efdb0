//! The body of a delivery: one event as a CloudEvents 1.0 structured JSON document (DESIGN §10,
//! NL GOV profile). Its `data` names the resource, the action and the members that changed, never
//! their values: receivers fetch the resource with their own token, so personal data never
//! leaves through a webhook.

use serde_json::{Value, json};

use crate::db::events::EventRow;
use crate::domain::time;
use crate::domain::webhooks::changed_members;

/// The media type of a delivery.
pub const CONTENT_TYPE: &str = "application/cloudevents+json";

/// Where the CloudEvents come from and where their resources live.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `source` (`WIJKREGIE_EVENT_SOURCE`).
    pub source: String,
    /// The service's public base URL, for `dataref`.
    pub public_url: String,
}

/// The CloudEvent of `event`.
pub fn cloud_event(origin: &Origin, event: &EventRow) -> Value {
    let data: Value = event.data_json();
    json!({
        "specversion": "1.0",
        "id": event.id.to_string(),
        "source": origin.source,
        "type": format!("nl.wijkregie.{}", event.action),
        "time": time::format(&event.occurred_at),
        "subject": event.resource_id,
        "datacontenttype": "application/json",
        "dataref": format!(
            "{}/api/v1/{}/{}",
            origin.public_url.trim_end_matches('/'),
            collection(&event.resource_type),
            event.resource_id
        ),
        "sequence": format!("{:020}", event.id),
        "sequencetype": "Integer",
        "data": {
            "resourceType": event.resource_type,
            "resourceId": event.resource_id,
            "action": event.action,
            "changed": changed_members(&data),
        },
    })
}

/// The path segment of a resource type's collection: its plural in kebab case (`signal` →
/// `signals`, `policy_issue` → `policy-issues`).
fn collection(resource_type: &str) -> String {
    format!("{}s", resource_type.replace('_', "-"))
}

/// The `webhook-id` of an event for a subscription: the same on every attempt and replay.
pub fn message_id(subscription_id: &str, event_id: i64) -> String {
    format!("msg_{event_id}_{subscription_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cloud_event_carries_names_and_never_values() {
        let event = EventRow {
            id: 42,
            occurred_at: time::now(),
            actor_sub: "pb-anna".into(),
            actor_role: "programmabureau".into(),
            actor_name: Some("Anna".into()),
            actor_scope: None,
            actor_client_id: None,
            action: "signal.updated".into(),
            resource_type: "signal".into(),
            resource_id: "0190".into(),
            data: r#"{"before":{"title":"Geheim"},"after":{"title":"Nog geheimer"}}"#.into(),
        };
        let origin = Origin {
            source: "urn:nld:gemeente:wijkregie".into(),
            public_url: "https://wijkregie.example.nl/".into(),
        };
        let ce = cloud_event(&origin, &event);
        assert_eq!(ce["type"], "nl.wijkregie.signal.updated");
        assert_eq!(ce["sequence"], "00000000000000000042");
        assert_eq!(
            ce["dataref"],
            "https://wijkregie.example.nl/api/v1/signals/0190"
        );
        assert_eq!(ce["data"]["changed"], json!(["title"]));
        let text = ce.to_string();
        assert!(!text.contains("Geheim") && !text.contains("Anna"), "{text}");
    }

    #[test]
    fn the_dataref_of_a_two_word_resource_is_its_collection_path() {
        assert_eq!(collection("policy_issue"), "policy-issues");
        assert_eq!(collection("advice_request"), "advice-requests");
        assert_eq!(collection("project"), "projects");
    }
}
