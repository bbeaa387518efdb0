//! Sending one delivery: the callback's host is resolved here, every address checked against the
//! forbidden ranges (unless the host is allow-listed), and the request pinned to the checked
//! address, so a DNS answer that changes between check and connect (rebinding) cannot reach an
//! internal service. reqwest over rustls with the webpki roots; no redirects are followed; of
//! the answer only the status counts, and at most `outbound::DELIVERY_ANSWER_BYTES` of its body
//! are read.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::domain::reachability::why_unreachable;
use crate::domain::webhooks::host_allowed;
use crate::outbound;

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Any 2xx.
    Delivered(u16),
    /// 410 Gone: the receiver wants no more; the subscription is paused.
    Gone,
    /// Anything else: another status, a timeout, a refused connection or a refused address.
    Failed { status: Option<u16>, error: String },
}

/// Why a callback cannot be reached now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressProblem {
    /// It resolves to a forbidden address and its host is not allow-listed.
    Refused(String),
    /// It does not resolve (now).
    Unresolved(String),
}

impl std::fmt::Display for AddressProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(reason) | Self::Unresolved(reason) => f.write_str(reason),
        }
    }
}

/// The address `url` may be delivered to now: resolved here and every answer checked. The
/// problem says why not (recorded as the delivery's `lastError`).
pub async fn checked_address(
    url: &url::Url,
    allow_http: &[String],
) -> Result<SocketAddr, AddressProblem> {
    let unresolved = AddressProblem::Unresolved;
    let host = url
        .host_str()
        .ok_or_else(|| unresolved("the callback URL has no host".to_owned()))?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| unresolved("the callback URL has no port".to_owned()))?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::time::timeout(
            Duration::from_secs(5),
            tokio::net::lookup_host((bare, port)),
        )
        .await
        .map_err(|_| unresolved(format!("resolving {host} timed out")))?
        .map_err(|e| unresolved(format!("cannot resolve {host}: {e}")))?
        .collect(),
    };
    let first = addresses
        .first()
        .copied()
        .ok_or_else(|| unresolved(format!("{host} resolves to no address")))?;
    if !host_allowed(host, allow_http) {
        let refused = addresses
            .iter()
            .find_map(|a| why_unreachable(a.ip()).map(|why| (a.ip(), why)));
        if let Some((ip, why)) = refused {
            return Err(AddressProblem::Refused(format!(
                "refused: {host} resolves to {ip}, which is not globally reachable ({why})"
            )));
        }
    }
    Ok(first)
}

/// Sends deliveries, keeping one client per host and checked address (connections are reused
/// while the host keeps resolving to the same address).
pub struct Sender {
    allow_http: Vec<String>,
    connect_timeout: Duration,
    request_timeout: Duration,
    tls: rustls::ClientConfig,
    clients: Mutex<HashMap<(String, SocketAddr), reqwest::Client>>,
}

/// Clients kept at most; past it the cache starts over (a few callbacks are the normal case).
const MAX_CLIENTS: usize = 256;

impl Sender {
    pub fn new(
        allow_http: Vec<String>,
        connect_timeout: Duration,
        request_timeout: Duration,
    ) -> Result<Arc<Self>, String> {
        let tls = crate::tls::client_config()
            .map_err(|e| format!("cannot set up TLS for webhooks: {e}"))?;
        Ok(Arc::new(Self {
            allow_http,
            connect_timeout,
            request_timeout,
            tls,
            clients: Mutex::new(HashMap::new()),
        }))
    }

    fn client(&self, host: &str, address: SocketAddr) -> Result<reqwest::Client, String> {
        let key = (host.to_owned(), address);
        let mut clients = self.clients.lock().map_err(|_| "client cache poisoned")?;
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .no_proxy()
            .resolve(host, address)
            .use_preconfigured_tls(self.tls.clone())
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        if clients.len() >= MAX_CLIENTS {
            clients.clear();
        }
        clients.insert(key, client.clone());
        Ok(client)
    }

    /// POSTs `body` with `headers` to `callback_url`, after checking where it goes.
    pub async fn send(
        &self,
        callback_url: &str,
        headers: &[(&'static str, String)],
        body: Vec<u8>,
    ) -> Outcome {
        let failed = |error: String| Outcome::Failed {
            status: None,
            error,
        };
        let url = match url::Url::parse(callback_url) {
            Ok(url) => url,
            Err(e) => return failed(format!("invalid callback URL: {e}")),
        };
        let address = match checked_address(&url, &self.allow_http).await {
            Ok(address) => address,
            Err(problem) => return failed(problem.to_string()),
        };
        let host = url.host_str().unwrap_or_default().to_owned();
        let client = match self.client(&host, address) {
            Ok(client) => client,
            Err(error) => return failed(error),
        };
        let mut request = client.post(url);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        match request.body(body).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                // The status is the answer: a short body is read so that the connection can be
                // reused, a long one cut off with its connection; neither changes the outcome.
                let _ = outbound::read_at_most(response, outbound::DELIVERY_ANSWER_BYTES).await;
                match status {
                    200..=299 => Outcome::Delivered(status),
                    410 => Outcome::Gone,
                    _ => Outcome::Failed {
                        status: Some(status),
                        error: format!("the receiver answered {status}"),
                    },
                }
            }
            Err(e) if e.is_timeout() => failed("timed out".to_owned()),
            Err(e) if e.is_connect() => failed(format!("cannot connect: {}", root_cause(&e))),
            Err(e) => failed(root_cause(&e)),
        }
    }
}

/// The innermost cause of an error, which says what happened ("Connection refused").
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}
