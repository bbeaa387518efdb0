//! Events: the audit trail, the per-resource history and the outbox, one row per change.

use serde_json::Value;

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
