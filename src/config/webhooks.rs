//! How webhooks are delivered (DESIGN §10): `WIJKREGIE_EVENT_SOURCE`, `WIJKREGIE_PUBLIC_URL`
//! and the `WIJKREGIE_WEBHOOK_*` settings.

use std::time::Duration;

use super::{DEFAULT_EVENT_SOURCE, number, public_url};

/// How webhooks are delivered. The durations are settings rather than constants so that tests
/// can shrink the retry schedule and the windows instead of sleeping for minutes.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// `source` of every CloudEvent (`WIJKREGIE_EVENT_SOURCE`).
    pub event_source: String,
    /// Absolute base URL of this service for `dataref` (`WIJKREGIE_PUBLIC_URL`); `None`:
    /// `http://` and the address the service is bound to.
    pub public_url: Option<String>,
    /// Hosts where `http` and private addresses are allowed (`WIJKREGIE_WEBHOOK_ALLOW_HTTP`).
    pub allow_http: Vec<String>,
    /// The first retry's delay; the schedule scales from it (about 10 s, 1 min, 5 min, 30 min,
    /// 2 h, 6 h at the default of 10 s).
    pub retry_base: Duration,
    /// Give up on one event after failing this long (`WIJKREGIE_WEBHOOK_GIVE_UP_HOURS`).
    pub give_up_after: Duration,
    /// Suspend a subscription after failing this long (`WIJKREGIE_WEBHOOK_SUSPEND_HOURS`).
    pub suspend_after: Duration,
    /// How long an instance's claim on a subscription holds without renewal
    /// (`WIJKREGIE_WEBHOOK_LEASE_SECONDS`): a crashed instance's work moves on after it.
    pub lease: Duration,
    /// How often an instance looks for work committed by other instances.
    pub poll: Duration,
    /// Connect and whole-request timeouts of one delivery.
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Whether this instance delivers at all (`WIJKREGIE_WEBHOOK_WORKER`, default on).
    pub worker: bool,
}

impl WebhookSettings {
    /// The documented defaults.
    pub fn defaults() -> Self {
        Self {
            event_source: DEFAULT_EVENT_SOURCE.to_owned(),
            public_url: None,
            allow_http: Vec::new(),
            retry_base: Duration::from_secs(10),
            give_up_after: Duration::from_secs(48 * 3600),
            suspend_after: Duration::from_secs(72 * 3600),
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(200),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            worker: true,
        }
    }
}

/// The webhook settings from the environment.
pub(super) fn webhook_settings(
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> WebhookSettings {
    let mut webhooks = WebhookSettings::defaults();
    if let Some(source) = var("WIJKREGIE_EVENT_SOURCE") {
        webhooks.event_source = source.trim().to_owned();
    }
    if let Some(url) = var("WIJKREGIE_PUBLIC_URL") {
        match public_url(&url) {
            Ok(url) => webhooks.public_url = Some(url),
            Err(problem) => problems.push(format!("WIJKREGIE_PUBLIC_URL {problem}")),
        }
    }
    webhooks.allow_http = var("WIJKREGIE_WEBHOOK_ALLOW_HTTP")
        .map(|list| {
            list.split(',')
                .map(|host| host.trim().to_ascii_lowercase())
                .filter(|host| !host.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let hours = |key: &str, default: u64, problems: &mut Vec<String>| {
        Duration::from_secs(number(var, key, default, 1, 24 * 365, problems) * 3600)
    };
    webhooks.give_up_after = hours("WIJKREGIE_WEBHOOK_GIVE_UP_HOURS", 48, problems);
    webhooks.suspend_after = hours("WIJKREGIE_WEBHOOK_SUSPEND_HOURS", 72, problems);
    webhooks.lease = Duration::from_secs(number(
        var,
        "WIJKREGIE_WEBHOOK_LEASE_SECONDS",
        30,
        2,
        3600,
        problems,
    ));
    match var("WIJKREGIE_WEBHOOK_WORKER").as_deref().map(str::trim) {
        None | Some("on" | "true" | "1") => {}
        Some("off" | "false" | "0") => webhooks.worker = false,
        Some(other) => problems.push(format!(
            "WIJKREGIE_WEBHOOK_WORKER must be on or off, got '{other}'"
        )),
    }
    webhooks
}
