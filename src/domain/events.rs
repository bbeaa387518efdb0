//! Events: the audit trail, the per-resource history and the outbox, one row per change.

use serde_json::Value;

/// Every event type the service writes, by resource type: `<resource_type>.<action>` (the
/// CloudEvent type is `nl.wijkregie.` + that). The OpenAPI document describes a delivery of
/// each (its `webhooks`); a test holds the event log of the demo programme to this list.
pub const EVENT_TYPES: &[(&str, &[&str])] = &[
    ("district", &["created", "updated"]),
    ("neighbourhood", &["created", "updated"]),
    ("department", &["created", "updated", "mail_stopped"]),
    ("theme", &["created", "updated"]),
    ("partner", &["created", "updated", "mail_stopped"]),
    (
        "project",
        &[
            "created",
            "updated",
            "status_changed",
            "evaluation_written",
            "goal_created",
            "goal_updated",
            "goal_deleted",
            "funding_line_created",
            "funding_line_updated",
            "funding_line_deleted",
            "partner_added",
            "partner_role_changed",
            "partner_removed",
            "link_created",
            "link_deleted",
            "note_added",
            "assessment_created",
            "assessment_updated",
            "assessment_finalized",
        ],
    ),
    (
        "signal",
        &[
            "received",
            "routed",
            "updated",
            "status_changed",
            "answered",
            "reassigned",
            "projects_linked",
            "overdue",
            "reporter_erased",
            "updates_declined",
        ],
    ),
    (
        "policy_issue",
        &[
            "created",
            "updated",
            "status_changed",
            "responded",
            "response_overdue",
        ],
    ),
    ("advice_request", &["requested", "given", "withdrawn"]),
    (
        "subscription",
        &[
            "created",
            "updated",
            "deleted",
            "secret_rotated",
            "redelivery_requested",
            "paused",
            "suspended",
        ],
    ),
];

/// Who made a change, as recorded with the event (no personal data beyond the token's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub sub: String,
    pub role: &'static str,
    /// The scope of the role (district, department or partner id), if it has one.
    pub scope: Option<String>,
    pub name: Option<String>,
    /// The application that acted for `sub` (the token's `azp` or `client_id`).
    pub client_id: Option<String>,
}

/// A change to record, in the same transaction as the change itself.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// `<resource>.<verb>`, for example `theme.updated`.
    pub action: String,
    pub resource_type: &'static str,
    pub resource_id: String,
    /// Before and after of what changed.
    pub data: Value,
}

impl NewEvent {
    /// `<resource_type>.created` with the new state as `after`.
    pub fn created(resource_type: &'static str, resource_id: &str, after: Value) -> Self {
        Self {
            action: format!("{resource_type}.created"),
            resource_type,
            resource_id: resource_id.to_owned(),
            data: serde_json::json!({ "before": null, "after": after }),
        }
    }

    /// `<resource_type>.updated` with only the members that changed, before and after.
    pub fn updated(
        resource_type: &'static str,
        resource_id: &str,
        before: &Value,
        after: &Value,
    ) -> Self {
        let (before, after) = changed_members(before, after);
        Self {
            action: format!("{resource_type}.updated"),
            resource_type,
            resource_id: resource_id.to_owned(),
            data: serde_json::json!({ "before": before, "after": after }),
        }
    }
}

/// The members of two JSON objects that differ, as two objects. Bookkeeping members
/// (`version`, `updatedAt`) are left out: the event has its own id and time.
pub fn changed_members(before: &Value, after: &Value) -> (Value, Value) {
    let mut old = serde_json::Map::new();
    let mut new = serde_json::Map::new();
    if let (Value::Object(b), Value::Object(a)) = (before, after) {
        for (key, after_value) in a {
            if key == "version" || key == "updatedAt" {
                continue;
            }
            let before_value = b.get(key).cloned().unwrap_or(Value::Null);
            if &before_value != after_value {
                old.insert(key.clone(), before_value);
                new.insert(key.clone(), after_value.clone());
            }
        }
    }
    (Value::Object(old), Value::Object(new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_update_event_records_only_what_changed() {
        let before = json!({"name": "Oud", "responseDays": 14, "version": 1});
        let after = json!({"name": "Nieuw", "responseDays": 14, "version": 2});
        let event = NewEvent::updated("theme", "housing", &before, &after);
        assert_eq!(event.action, "theme.updated");
        assert_eq!(
            event.data,
            json!({"before": {"name": "Oud"}, "after": {"name": "Nieuw"}})
        );
    }
}
