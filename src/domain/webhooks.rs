//! Webhook subscriptions (DESIGN §10): what a subscription may say (callback URL, event types,
//! filter), which events it wants, which addresses a callback may reach, and what changed in an
//! event told as member names only. Pure rules; the worker in `jobs/webhooks` applies them.

use std::net::IpAddr;

use serde_json::Value;

use super::Rejection;

/// Longest callback URL.
pub const CALLBACK_URL_MAX: usize = 2000;
/// Most event types one subscription may name.
pub const TYPES_MAX: usize = 50;

/// The life of a subscription: active, paused by its owner (or by a 410 from its receiver), or
/// suspended after failing too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Active,
    Paused,
    Suspended,
}

impl SubscriptionStatus {
    pub const ALL: [Self; 3] = [Self::Active, Self::Paused, Self::Suspended];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Suspended => "suspended",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What a delivery queue over the event log carries its events to: a subscriber's callback, or
/// people by e-mail (the service's one mail queue, DESIGN §15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Webhook,
    Mail,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Mail => "mail",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Webhook, Self::Mail]
            .into_iter()
            .find(|c| c.as_str() == text)
    }
}

/// What an owner may set: active or paused (suspension is the service's to set; an owner
/// lifts it by setting active).
pub fn owner_status(value: &str) -> Result<SubscriptionStatus, Rejection> {
    match SubscriptionStatus::parse(value) {
        Some(status @ (SubscriptionStatus::Active | SubscriptionStatus::Paused)) => Ok(status),
        Some(SubscriptionStatus::Suspended) | None => {
            Err(Rejection::new("invalid_status", "must be active or paused"))
        }
    }
}

/// Where one event stands for one subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// At the head of the subscription's queue, not yet tried (or replayed).
    Pending,
    /// Tried and failed; waits for its next attempt.
    Retrying,
    Delivered,
    /// Given up after the give-up window.
    Dead,
    /// Passed over unfinished: the event stopped being the subscription's (its owner may no
    /// longer read it, or it no longer passes the filter) before it was delivered.
    Skipped,
}

impl DeliveryStatus {
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::Retrying,
        Self::Delivered,
        Self::Dead,
        Self::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Retrying => "retrying",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
            Self::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// One event type a subscription wants: an action (`signal.routed`) or a prefix of actions
/// ending in `*` (`signal.*`, or `*` for all).
pub fn event_type(value: &str) -> Result<String, Rejection> {
    let name = value.strip_suffix('*').unwrap_or(value);
    let valid = !value.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
    if valid {
        Ok(value.to_owned())
    } else {
        Err(Rejection::new(
            "invalid_event_type",
            "must be an event type like signal.routed or a prefix like signal.*",
        ))
    }
}

/// Whether `action` is one of `types` (a trailing `*` matches every action it starts with).
pub fn type_matches(types: &[String], action: &str) -> bool {
    types.iter().any(|pattern| match pattern.strip_suffix('*') {
        Some(prefix) => action.starts_with(prefix),
        None => pattern == action,
    })
}

/// The action of a test event sent by `POST /subscriptions/{id}/pings`: delivered to that one
/// subscription only, whatever its types and filter.
pub const PING_ACTION: &str = "ping";

/// A subscription's optional filter: each member set must match the event's resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub district_id: Option<String>,
    pub neighbourhood_id: Option<String>,
    pub department_id: Option<String>,
    pub theme_id: Option<String>,
}

impl EventFilter {
    pub fn is_empty(&self) -> bool {
        self.district_id.is_none()
            && self.neighbourhood_id.is_none()
            && self.department_id.is_none()
            && self.theme_id.is_none()
    }

    /// Whether a resource with these facets passes. A member the resource does not have (a
    /// project has no theme) does not pass a filter that names it: the filter narrows.
    pub fn admits(&self, facets: &Facets) -> bool {
        let one = |wanted: &Option<String>, have: &Option<String>| {
            wanted.as_ref().is_none_or(|w| have.as_ref() == Some(w))
        };
        one(&self.district_id, &facets.district_id)
            && one(&self.department_id, &facets.department_id)
            && one(&self.theme_id, &facets.theme_id)
            && self
                .neighbourhood_id
                .as_ref()
                .is_none_or(|w| facets.neighbourhood_ids.contains(w))
    }
}

/// Where a resource sits, as the filter speaks of it, now (a signal's department is the one
/// assigned now, so a hand-off moves its later events to the new department's filter).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub district_id: Option<String>,
    pub neighbourhood_ids: Vec<String>,
    pub department_id: Option<String>,
    pub theme_id: Option<String>,
}

/// A callback URL: absolute, `https` (or `http` for an allow-listed host), no credentials, no
/// fragment. `allow_http` holds the hosts where plain HTTP and private addresses are allowed.
pub fn callback_url(value: &str, allow_http: &[String]) -> Result<url::Url, Rejection> {
    let invalid = |reason: &str| Rejection::new("invalid_callback_url", reason.to_owned());
    if value.len() > CALLBACK_URL_MAX {
        return Err(invalid("must be at most 2000 characters"));
    }
    let url = url::Url::parse(value).map_err(|_| invalid("must be an absolute URL"))?;
    let Some(host) = url.host_str().map(str::to_owned) else {
        return Err(invalid("must name a host"));
    };
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(invalid("must hold no credentials and no fragment"));
    }
    let allowed = host_allowed(&host, allow_http);
    match url.scheme() {
        "https" => {}
        "http" if allowed => {}
        "http" => {
            return Err(Rejection::new(
                "insecure_callback_url",
                "must use https (plain http only for hosts in WIJKREGIE_WEBHOOK_ALLOW_HTTP)",
            ));
        }
        _ => return Err(invalid("must be an https URL")),
    }
    if !allowed {
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        let forbidden_literal = literal.parse::<IpAddr>().is_ok_and(is_forbidden_address);
        if forbidden_literal || host.eq_ignore_ascii_case("localhost") {
            return Err(forbidden_address_rejection());
        }
    }
    Ok(url)
}

/// The refusal of a callback that reaches a loopback, private, link-local or metadata address.
pub fn forbidden_address_rejection() -> Rejection {
    Rejection::new(
        "forbidden_callback_address",
        "must reach only globally reachable addresses (not loopback, private, link-local, \
         metadata, benchmarking, documentation, 6to4, Teredo or any other special-purpose block)",
    )
}

/// Whether `host` is in the allow-list (compared without case and brackets).
pub fn host_allowed(host: &str, allow_http: &[String]) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    allow_http.iter().any(|allowed| {
        allowed
            .trim_start_matches('[')
            .trim_end_matches(']')
            .eq_ignore_ascii_case(host)
    })
}

/// Whether a callback must not reach `ip` unless its host is allow-listed: every address that
/// is not globally reachable by IANA's special-purpose registries (`reachability`): loopback,
/// private, link-local with the cloud metadata service, shared (carrier-grade NAT),
/// benchmarking, documentation, reserved, multicast and broadcast; IPv4-mapped and
/// IPv4-compatible IPv6, 6to4 and Teredo; NAT64 by the IPv4 address it embeds.
pub fn is_forbidden_address(ip: IpAddr) -> bool {
    !super::reachability::is_globally_reachable(ip)
}

/// The names of the members an event changed, never their values: the members of `after`
/// and `before` for a change, else the event data's own members (a transition's `from`, `to`).
pub fn changed_members(data: &Value) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let sides: Vec<&serde_json::Map<String, Value>> = ["before", "after"]
        .iter()
        .filter_map(|side| data.get(*side).and_then(Value::as_object))
        .collect();
    if sides.is_empty() && data.get("after").is_none() {
        if let Some(members) = data.as_object() {
            names.extend(members.keys().cloned());
        }
    } else {
        for side in sides {
            names.extend(side.keys().cloned());
        }
    }
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_match_exactly_or_by_prefix() {
        let types = vec!["signal.*".to_owned(), "project.status_changed".to_owned()];
        assert!(type_matches(&types, "signal.routed"));
        assert!(type_matches(&types, "project.status_changed"));
        assert!(!type_matches(&types, "project.created"));
        assert!(type_matches(&["*".to_owned()], "theme.updated"));
        assert!(event_type("Signal.*").is_err());
        assert!(event_type("").is_err());
    }

    #[test]
    fn callbacks_must_be_https_and_public_unless_allow_listed() {
        let allow = vec!["127.0.0.1".to_owned()];
        assert!(callback_url("https://ontvanger.example.nl/hook", &[]).is_ok());
        assert!(callback_url("http://ontvanger.example.nl/hook", &[]).is_err());
        assert!(callback_url("http://127.0.0.1:9000/hook", &allow).is_ok());
        for refused in [
            "https://10.1.2.3/hook",
            "https://169.254.169.254/latest",
            "https://[fd00::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://localhost/hook",
            "https://user:pw@example.nl/hook",
            "ftp://example.nl/hook",
            "/relative",
        ] {
            assert!(callback_url(refused, &[]).is_err(), "{refused}");
        }
    }

    #[test]
    fn forbidden_ranges_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "fe80::1",
            "100.64.0.1",
            "0.0.0.0",
        ] {
            assert!(
                is_forbidden_address(ip.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))),
                "{ip}"
            );
        }
        for ip in ["145.97.39.155", "2a00:1450:4001::1"] {
            assert!(
                !is_forbidden_address(ip.parse().unwrap_or(IpAddr::from([127, 0, 0, 1]))),
                "{ip}"
            );
        }
    }

    #[test]
    fn a_filter_narrows_to_resources_that_have_its_members() {
        let filter = EventFilter {
            department_id: Some("ocw".into()),
            ..EventFilter::default()
        };
        let signal = Facets {
            department_id: Some("ocw".into()),
            ..Facets::default()
        };
        assert!(filter.admits(&signal));
        assert!(!filter.admits(&Facets::default()));
        assert!(EventFilter::default().admits(&Facets::default()));
    }

    #[test]
    fn changed_members_are_names_only() {
        let update = json!({"before": {"title": "a"}, "after": {"title": "b", "status": "x"}});
        assert_eq!(changed_members(&update), vec!["status", "title"]);
        let created = json!({"before": null, "after": {"title": "b"}});
        assert_eq!(changed_members(&created), vec!["title"]);
        let transition = json!({"from": "received", "to": "acknowledged"});
        assert_eq!(changed_members(&transition), vec!["from", "to"]);
    }
}
