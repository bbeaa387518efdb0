//! The keys token signatures are checked against: one configured key (the secret, a PEM file,
//! development mode), or the key set an identity provider publishes (DESIGN §12), found through
//! OpenID Connect discovery, a JWKS URL or a JWKS file.
//!
//! Published keys are chosen by the token's `kid`, kept in memory, fetched again every
//! [`JwksRefresh::every`] and, when a token names a `kid` the cache does not hold, at most every
//! [`JwksRefresh::unknown_kid_at_most_every`]: a provider that rotates its keys is followed
//! without a restart, and a stream of tokens with invented `kid`s cannot make this service
//! hammer the provider. Only signing keys of the allow-listed algorithms are taken: RSA (RS256,
//! PS256), P-256 (ES256) and Ed25519 (EdDSA); a symmetric key in a published set never is.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use super::jwt::TokenRejected;
use crate::config::{JwksRefresh, JwksSource};
use crate::error::ApiError;
use crate::outbound;

/// A key and the algorithms a token signed with it may name.
#[derive(Clone)]
pub struct VerifyingKey {
    pub key: DecodingKey,
    pub algorithms: Vec<Algorithm>,
}

/// Published keys by `kid`.
pub type KeyMap = HashMap<String, VerifyingKey>;

/// Where the key for a token comes from.
pub enum KeySource {
    /// One key: its `kid` does not matter.
    Single(VerifyingKey),
    /// An identity provider's published keys.
    Published(PublishedKeys),
}

impl KeySource {
    /// The published key set as it is now (every fetch replaces it as a whole); `None` for a
    /// single key.
    pub fn current_set(&self) -> Option<Arc<KeyMap>> {
        match self {
            Self::Single(_) => None,
            Self::Published(published) => published.keys.read().ok().map(|keys| keys.clone()),
        }
    }

    /// The key for a token with this header's `kid`.
    pub async fn key_for(&self, kid: Option<&str>) -> Result<VerifyingKey, ApiError> {
        match self {
            Self::Single(key) => Ok(key.clone()),
            Self::Published(published) => {
                let kid = kid.ok_or_else(|| {
                    TokenRejected("The token's header names no key (kid).".to_owned())
                })?;
                published.key(kid).await
            }
        }
    }
}

/// The cache of an identity provider's keys, by `kid`.
pub struct PublishedKeys {
    source: JwksSource,
    refresh: JwksRefresh,
    client: reqwest::Client,
    keys: RwLock<Arc<KeyMap>>,
    /// The last fetch; held while fetching, so that concurrent requests with a new `kid` wait
    /// for one fetch instead of starting their own.
    fetched: tokio::sync::Mutex<Fetched>,
}

/// When the keys were last fetched (or tried), and whether that failed.
#[derive(Default)]
struct Fetched {
    at: Option<Instant>,
    failure: Option<String>,
}

impl PublishedKeys {
    /// A cache that fetches on first use. A key file is read now, so that a wrong one stops
    /// the start.
    pub fn new(source: JwksSource, refresh: JwksRefresh) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            // The server's worker threads each run their own runtime: no connection is kept
            // for another to pick up.
            .pool_max_idle_per_host(0)
            .use_preconfigured_tls(crate::tls::client_config()?)
            .build()
            .map_err(|e| format!("cannot build an HTTP client for the key set: {e}"))?;
        let initial = match &source {
            JwksSource::File(path) => Some(parse_key_set(&read_file(path)?)?),
            JwksSource::Discovery(_) | JwksSource::Url(_) => None,
        };
        let fetched = Fetched {
            at: initial.as_ref().map(|_| Instant::now()),
            failure: None,
        };
        Ok(Self {
            source,
            refresh,
            client,
            keys: RwLock::new(Arc::new(initial.unwrap_or_default())),
            fetched: tokio::sync::Mutex::new(fetched),
        })
    }

    /// How often the timer should fetch the keys again.
    pub fn refresh_every(&self) -> Duration {
        self.refresh.every
    }

    fn cached(&self, kid: &str) -> Option<VerifyingKey> {
        self.keys
            .read()
            .ok()
            .and_then(|keys| keys.get(kid).cloned())
    }

    /// The key `kid`: from the cache, or fetched when the limit allows. Not published is a 401;
    /// not known because the provider cannot be reached is a 503 (the token may be good).
    async fn key(&self, kid: &str) -> Result<VerifyingKey, ApiError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let mut fetched = self.fetched.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let due = fetched
            .at
            .is_none_or(|at| at.elapsed() >= self.refresh.unknown_kid_at_most_every);
        if due {
            // A failure is logged and kept in `fetched.failure`, which decides the answer below.
            let _ = self.fetch(&mut fetched).await;
        }
        let failure = fetched.failure.clone();
        drop(fetched);
        match (self.cached(kid), failure) {
            (Some(key), _) => Ok(key),
            (None, Some(failure)) => Err(ApiError::IdentityProviderUnavailable(failure)),
            (None, None) => Err(TokenRejected(
                "The token's key (kid) is not one the identity provider publishes.".to_owned(),
            )
            .into()),
        }
    }

    /// Fetches the keys now (the hourly timer); the cache keeps the old keys if this fails.
    pub async fn refresh_now(&self) -> Result<usize, String> {
        let mut fetched = self.fetched.lock().await;
        self.fetch(&mut fetched).await
    }

    async fn fetch(&self, fetched: &mut Fetched) -> Result<usize, String> {
        fetched.at = Some(Instant::now());
        let result = self.fetch_and_replace().await;
        fetched.failure = result.as_ref().err().cloned();
        if let Err(e) = &result {
            log::warn!("cannot fetch the identity provider's keys: {e}");
        }
        result
    }

    async fn fetch_and_replace(&self) -> Result<usize, String> {
        let keys = match &self.source {
            JwksSource::File(path) => parse_key_set(&read_file(path)?)?,
            JwksSource::Url(url) => parse_key_set(&self.get_json(url).await?)?,
            JwksSource::Discovery(issuer) => {
                let jwks_uri = self.jwks_uri(issuer).await?;
                parse_key_set(&self.get_json(&jwks_uri).await?)?
            }
        };
        let count = keys.len();
        if let Ok(mut cache) = self.keys.write() {
            *cache = Arc::new(keys);
        }
        Ok(count)
    }

    /// OpenID Connect discovery: the document must name exactly this issuer (OpenID Connect
    /// Discovery §4.3) and an https `jwks_uri` (http only when the issuer itself is on http,
    /// which configuration allows on loopback).
    async fn jwks_uri(&self, issuer: &str) -> Result<String, String> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let document = self.get_json(&url).await?;
        let named = document.get("issuer").and_then(Value::as_str);
        if named != Some(issuer) {
            return Err(format!(
                "the discovery document at {url} names another issuer ({})",
                named.unwrap_or("none")
            ));
        }
        let jwks_uri = document
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("the discovery document at {url} has no jwks_uri"))?;
        let scheme_ok = jwks_uri.starts_with("https://")
            || (jwks_uri.starts_with("http://") && issuer.starts_with("http://"));
        if !scheme_ok {
            return Err(format!("the jwks_uri {jwks_uri} is not https"));
        }
        Ok(jwks_uri.to_owned())
    }

    async fn get_json(&self, url: &str) -> Result<Value, String> {
        let response = self
            .client
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| format!("GET {url}: {}", without_url(&e)))?;
        if !response.status().is_success() {
            return Err(format!("GET {url} answered {}", response.status()));
        }
        let body = outbound::read_at_most(response, outbound::DOCUMENT_BYTES)
            .await
            .map_err(|e| format!("GET {url}: {}", without_url(&e)))?;
        if !body.complete {
            return Err(format!("GET {url}: the answer is larger than 1 MiB"));
        }
        serde_json::from_slice(&body.bytes).map_err(|e| format!("GET {url}: not JSON: {e}"))
    }
}

/// reqwest's error text without the URL it already names (the caller names it once).
fn without_url(error: &reqwest::Error) -> String {
    use std::error::Error;
    let mut text = String::new();
    let mut source = error.source();
    while let Some(cause) = source {
        text = cause.to_string();
        source = cause.source();
    }
    if text.is_empty() {
        "the request failed".to_owned()
    } else {
        text
    }
}

fn read_file(path: &Path) -> Result<Value, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_slice(&text)
        .map_err(|e| format!("{} is not a JSON key set: {e}", path.display()))
}

/// The usable keys of a JWKS document, by `kid`. Keys of other kinds, for encryption, or
/// without a `kid` are passed over (and logged); a document without a single usable key is an
/// error, so a wrong URL or file does not look like a provider without keys.
pub fn parse_key_set(document: &Value) -> Result<HashMap<String, VerifyingKey>, String> {
    let entries = document
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("the key set has no 'keys' array")?;
    let mut keys = HashMap::new();
    for entry in entries {
        let jwk: Jwk = match serde_json::from_value(entry.clone()) {
            Ok(jwk) => jwk,
            Err(e) => {
                log::warn!("a published key is not a JWK, passed over: {e}");
                continue;
            }
        };
        let Some(kid) = jwk.common.key_id.clone().filter(|kid| !kid.is_empty()) else {
            log::warn!("a published key has no kid, passed over");
            continue;
        };
        match verifying_key(&jwk) {
            Ok(key) => {
                keys.insert(kid, key);
            }
            Err(why) => log::info!("published key '{kid}' passed over: {why}"),
        }
    }
    if keys.is_empty() {
        return Err("the key set holds no usable signing key (RSA, P-256 or Ed25519)".to_owned());
    }
    Ok(keys)
}

/// The allow-list: which algorithms a published key may verify.
fn verifying_key(jwk: &Jwk) -> Result<VerifyingKey, String> {
    if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
        return Err("not a signing key (use)".to_owned());
    }
    let declared = jwk.common.key_algorithm;
    let algorithms = match (&jwk.algorithm, declared) {
        (AlgorithmParameters::RSA(_), None) => vec![Algorithm::RS256, Algorithm::PS256],
        (AlgorithmParameters::RSA(_), Some(KeyAlgorithm::RS256)) => vec![Algorithm::RS256],
        (AlgorithmParameters::RSA(_), Some(KeyAlgorithm::PS256)) => vec![Algorithm::PS256],
        (AlgorithmParameters::EllipticCurve(ec), None | Some(KeyAlgorithm::ES256))
            if ec.curve == EllipticCurve::P256 =>
        {
            vec![Algorithm::ES256]
        }
        (AlgorithmParameters::OctetKeyPair(okp), None | Some(KeyAlgorithm::EdDSA))
            if okp.curve == EllipticCurve::Ed25519 =>
        {
            vec![Algorithm::EdDSA]
        }
        (AlgorithmParameters::OctetKey(_), _) => {
            return Err("a symmetric key is never taken from a key set".to_owned());
        }
        _ => return Err("its type or algorithm is not on the allow-list".to_owned()),
    };
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("unreadable: {e}"))?;
    Ok(VerifyingKey { key, algorithms })
}
