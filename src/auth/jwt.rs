//! Bearer tokens: verifying them into a [`Principal`], and minting them for development and
//! integration tests.
//!
//! jsonwebtoken's defaults are tightened explicitly: an allow-list of algorithms per key (one
//! for a secret or PEM file; RS256, PS256, ES256, EdDSA by key type for published keys, see
//! `keys`), `exp`, `sub`, `iss` and `aud` required, `nbf` checked, a leeway of 30 s, a maximum
//! lifetime that a token may not exceed whoever issued it, no `crit` header, and no control
//! character anywhere in the claims.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::claims::{ClaimMap, MappedRole};
use super::keys::{KeySource, PublishedKeys, VerifyingKey};
use super::verified::VerifiedTokens;
use crate::config::{JwtKey, JwtSettings};
use crate::db::Db;
use crate::domain::principal::{Principal, Role, RoleKind};
use crate::error::ApiError;

/// Clock skew tolerated between the issuer and this service.
const LEEWAY_SECONDS: u64 = 30;
/// The development secret's file name, beside the database.
pub const DEV_SECRET_FILE: &str = "wijkregie-dev-jwt-secret";

/// The claims wijkregie reads. `iss` and `aud` are checked by the validation itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    pub iat: i64,
    pub exp: i64,
}

/// The full claim set as minted (with `iss` and `aud`).
#[derive(Debug, Serialize)]
struct MintedClaims<'a> {
    #[serde(flatten)]
    claims: &'a Claims,
    iss: &'a str,
    aud: &'a str,
}

/// Why a token was refused; the message is safe to show to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TokenRejected(pub String);

impl From<TokenRejected> for ApiError {
    fn from(rejected: TokenRejected) -> Self {
        Self::Unauthenticated(rejected.0)
    }
}

/// Checks tokens. Built once at start-up from the configured key source and claim map.
pub struct TokenVerifier {
    keys: KeySource,
    validation: Validation,
    max_ttl: Duration,
    claims_map: Option<ClaimMap>,
    /// Where a partner named by its KvK number is looked up.
    partners: Db,
    /// Tokens verified in the last minute (`verified`).
    verified: VerifiedTokens,
}

/// The claims every token must carry whatever its issuer, read after the signature verified.
#[derive(Deserialize)]
struct Standard {
    sub: String,
    exp: i64,
    iat: Option<i64>,
}

impl TokenVerifier {
    /// `dev_secret` is the development secret when no key is configured.
    pub fn new(settings: &JwtSettings, dev_secret: Option<&[u8]>, db: Db) -> Result<Self, String> {
        let single = |key, algorithm| {
            KeySource::Single(VerifyingKey {
                key,
                algorithms: vec![algorithm],
            })
        };
        let keys = match (&settings.key, dev_secret) {
            (JwtKey::Secret(secret), _) => single(
                DecodingKey::from_secret(secret.as_bytes()),
                Algorithm::HS256,
            ),
            (JwtKey::Development, Some(secret)) => {
                single(DecodingKey::from_secret(secret), Algorithm::HS256)
            }
            (JwtKey::Development, None) => {
                return Err("development mode needs its generated secret".to_owned());
            }
            (JwtKey::PublicKeyFile(path), _) => {
                let (key, algorithm) = public_key(path)?;
                single(key, algorithm)
            }
            (JwtKey::Jwks(source), _) => {
                KeySource::Published(PublishedKeys::new(source.clone(), settings.jwks_refresh)?)
            }
        };
        let claims_map = settings
            .claims_map
            .as_deref()
            .map(ClaimMap::from_file)
            .transpose()?;
        // The algorithms are set per key when a token is checked.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        Ok(Self {
            keys,
            validation,
            max_ttl: settings.max_ttl,
            claims_map,
            partners: db,
            verified: VerifiedTokens::default(),
        })
    }

    /// The source of the keys, for the refresh timer.
    pub fn keys(&self) -> &KeySource {
        &self.keys
    }

    /// Verifies a bearer token and turns its claims into a principal: 401 for a refused token,
    /// 503 when the keys or the partner directory cannot be read now.
    pub async fn verify(&self, token: &str) -> Result<Principal, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let keys = self.keys.current_set();
        if let Some(principal) = self.verified.get(token, &keys, now) {
            return self.honoured(principal).await;
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| TokenRejected("The token is malformed.".to_owned()))?;
        // RFC 7515 §4.1.11: extensions marked critical must be understood; none are here.
        if header.crit.is_some() {
            return Err(ApiError::Unauthenticated(
                "The token's header names critical extensions (crit) this service does not \
                 understand."
                    .to_owned(),
            ));
        }
        let key = self.keys.key_for(header.kid.as_deref()).await?;
        let mut validation = self.validation.clone();
        validation.algorithms = key.algorithms;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation)
            .map_err(|e| TokenRejected(rejection(e.kind())))?;
        let claims = data.claims;
        if claims.values().any(holds_control_characters) {
            return Err(ApiError::Unauthenticated(
                "The token's claims hold control characters.".to_owned(),
            ));
        }
        let standard: Standard =
            serde_json::from_value(Value::Object(claims.clone())).map_err(|_| {
                TokenRejected("The token's sub, exp or iat is not of the right type.".to_owned())
            })?;
        self.check_lifetime(&standard, now)?;
        if standard.sub.trim().is_empty() {
            return Err(ApiError::Unauthenticated(
                "The token's subject (sub) is empty.".to_owned(),
            ));
        }
        // A partner found by its KvK number is looked up again for every request: it may have
        // been deactivated, or the number given to another partner, since. A partner named by
        // its id is remembered, but whether it is still active is asked every time (`honoured`).
        let (role, rememberable) = match &self.claims_map {
            Some(map) => match map.role_of(&claims)? {
                MappedRole::Resolved(role) => (role, true),
                MappedRole::KvkNumber(kvk) => (self.partner_by_kvk(kvk).await?, false),
            },
            None => (own_role(&claims)?, true),
        };
        let text = |claim: &str| {
            claims
                .get(claim)
                .and_then(Value::as_str)
                .filter(|text| !text.trim().is_empty())
                .map(str::to_owned)
        };
        let principal = Principal {
            subject: standard.sub,
            name: text("name"),
            client_id: text("azp").or_else(|| text("client_id")),
            role,
        };
        if !rememberable {
            return Ok(principal);
        }
        let principal = self.honoured(principal).await?;
        self.verified
            .remember(token, &principal, standard.exp, keys, now);
        Ok(principal)
    }

    /// The principal, unless it acts for an archived partner: 401 `partner_inactive`. Asked of
    /// the database on every request, remembered token or not, so that archiving a partner ends
    /// its tokens at once on every instance (one primary-key read, for partner tokens only).
    async fn honoured(&self, principal: Principal) -> Result<Principal, ApiError> {
        let Some(partner_id) = crate::authz::acting_partner(&principal).map(str::to_owned) else {
            return Ok(principal);
        };
        let lookup = partner_id.clone();
        let archived = self
            .partners
            .read(move |conn| crate::db::partners::is_archived(conn, &lookup))
            .await?;
        match archived {
            true => Err(ApiError::PartnerInactive(partner_id)),
            false => Ok(principal),
        }
    }

    async fn partner_by_kvk(&self, kvk: String) -> Result<Role, ApiError> {
        let shown = kvk.clone();
        let found = self
            .partners
            .read(move |conn| crate::db::partners::active_id_by_kvk(conn, &kvk))
            .await?;
        found
            .map(|partner_id| Role::Partner { partner_id })
            .ok_or_else(|| {
                ApiError::Unauthenticated(format!(
                    "No active partner has the KvK number {shown} the token maps to."
                ))
            })
    }

    /// DESIGN §12: `iat`, if present, not in the future beyond the leeway, and neither
    /// `exp - iat` nor `exp - now` above the maximum lifetime — so a token signed with `iat` a
    /// year ahead, or with `iat = -1` and `exp` at the end of time, is refused. Saturating
    /// arithmetic: the claims are the sender's numbers.
    fn check_lifetime(&self, claims: &Standard, now: i64) -> Result<(), TokenRejected> {
        let leeway = i64::try_from(LEEWAY_SECONDS).unwrap_or(0);
        let max_ttl = i64::try_from(self.max_ttl.as_secs()).unwrap_or(i64::MAX);
        if claims
            .iat
            .is_some_and(|iat| iat > now.saturating_add(leeway))
        {
            return Err(TokenRejected(
                "The token was issued in the future (iat).".to_owned(),
            ));
        }
        let issued_to_expiry = claims.iat.map_or(0, |iat| claims.exp.saturating_sub(iat));
        if issued_to_expiry > max_ttl
            || claims.exp.saturating_sub(now) > max_ttl.saturating_add(leeway)
        {
            return Err(TokenRejected(format!(
                "The token lives longer than the allowed {} seconds.",
                self.max_ttl.as_secs()
            )));
        }
        Ok(())
    }
}

/// Fetches an identity provider's keys every hour, from now on (nothing for a single key).
pub fn spawn_key_refresh(verifier: Arc<TokenVerifier>) {
    let KeySource::Published(published) = verifier.keys() else {
        return;
    };
    let interval = published.refresh_every();
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(interval);
        loop {
            ticker.tick().await;
            if let KeySource::Published(published) = verifier.keys() {
                match published.refresh_now().await {
                    Ok(count) => log::info!("identity provider keys: {count} usable"),
                    Err(e) => log::warn!("cannot fetch the identity provider's keys: {e}"),
                }
            }
        }
    });
}

fn rejection(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::ExpiredSignature => "The token has expired.".to_owned(),
        ErrorKind::ImmatureSignature => "The token is not valid yet (nbf).".to_owned(),
        ErrorKind::InvalidIssuer => "The token's issuer (iss) is not accepted.".to_owned(),
        ErrorKind::InvalidAudience => "The token's audience (aud) is not this service.".to_owned(),
        ErrorKind::InvalidSignature => "The token's signature does not verify.".to_owned(),
        ErrorKind::InvalidAlgorithm => "The token's algorithm is not accepted.".to_owned(),
        ErrorKind::MissingRequiredClaim(claim) => {
            format!("The token lacks the '{claim}' claim.")
        }
        _ => "The token is malformed.".to_owned(),
    }
}

/// Whether a claim's text, or any text inside it, holds a control character.
fn holds_control_characters(value: &Value) -> bool {
    match value {
        Value::String(text) => text.chars().any(char::is_control),
        Value::Array(values) => values.iter().any(holds_control_characters),
        Value::Object(members) => members.iter().any(|(key, value)| {
            key.chars().any(char::is_control) || holds_control_characters(value)
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// wijkregie's own claims: `role`, and the scope claim that role needs.
fn own_role(claims: &Map<String, Value>) -> Result<Role, TokenRejected> {
    let role = claims
        .get("role")
        .and_then(Value::as_str)
        .ok_or_else(|| TokenRejected("The token lacks the 'role' claim.".to_owned()))?;
    let kind = RoleKind::parse(role)
        .ok_or_else(|| TokenRejected(format!("The role '{role}' is unknown.")))?;
    let scope = kind
        .scope_claim()
        .and_then(|claim| claims.get(claim))
        .and_then(Value::as_str)
        .filter(|scope| !scope.trim().is_empty())
        .map(str::to_owned);
    Role::with_scope(kind, scope).ok_or_else(|| {
        TokenRejected(format!(
            "The role '{}' needs its '{}' claim.",
            kind.as_str(),
            kind.scope_claim().unwrap_or("scope")
        ))
    })
}

fn public_key(path: &Path) -> Result<(DecodingKey, Algorithm), String> {
    let pem = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
        return Ok((key, Algorithm::RS256));
    }
    if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
        return Ok((key, Algorithm::ES256));
    }
    Err(format!(
        "{} holds neither an RSA nor an EC (P-256) public key in PEM",
        path.display()
    ))
}

/// Mints HS256 tokens with the configured or development secret.
pub struct TokenMinter {
    key: EncodingKey,
    issuer: String,
    audience: String,
    max_ttl: Duration,
}

impl TokenMinter {
    pub fn new(settings: &JwtSettings, dev_secret: Option<&[u8]>) -> Result<Self, String> {
        let key = match (&settings.key, dev_secret) {
            (JwtKey::Secret(secret), _) => EncodingKey::from_secret(secret.as_bytes()),
            (JwtKey::Development, Some(secret)) => EncodingKey::from_secret(secret),
            (JwtKey::Development, None) => {
                return Err("development mode needs its generated secret".to_owned());
            }
            (JwtKey::PublicKeyFile(_) | JwtKey::Jwks(_), _) => {
                return Err(
                    "with a public key or an identity provider's keys, tokens come from your \
                     identity provider; wijkregie cannot sign them"
                        .to_owned(),
                );
            }
        };
        Ok(Self {
            key,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            max_ttl: settings.max_ttl,
        })
    }

    /// A token for `role` living `ttl`; the scope is checked by the same rules as verification.
    pub fn mint(
        &self,
        sub: &str,
        name: Option<&str>,
        role: &Role,
        ttl: Duration,
    ) -> Result<String, String> {
        if ttl > self.max_ttl {
            return Err(format!(
                "a token may live at most {} seconds (WIJKREGIE_JWT_MAX_TTL)",
                self.max_ttl.as_secs()
            ));
        }
        let now = chrono::Utc::now().timestamp();
        let scope_of = |claim: &str| {
            (role.kind().scope_claim() == Some(claim))
                .then(|| role.scope().map(str::to_owned))
                .flatten()
        };
        let (district, department, partner) = (
            scope_of("district"),
            scope_of("department"),
            scope_of("partner"),
        );
        let claims = Claims {
            sub: sub.to_owned(),
            name: name.map(str::to_owned),
            role: role.kind().as_str().to_owned(),
            district,
            department,
            partner,
            iat: now,
            exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        };
        let minted = MintedClaims {
            claims: &claims,
            iss: &self.issuer,
            aud: &self.audience,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &minted, &self.key)
            .map_err(|e| format!("cannot sign the token: {e}"))
    }
}

/// Reads the development secret from `dir`, if the server has made one there.
pub fn existing_development_secret(dir: &Path) -> Result<Option<(Vec<u8>, PathBuf)>, String> {
    let path = dir.join(DEV_SECRET_FILE);
    match fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => Ok(Some((text.trim().as_bytes().to_vec(), path))),
        Ok(_) => Err(format!(
            "{} is too short to be a secret; delete it",
            path.display()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// The development secret in `dir`, made (random, mode 0600) when there is none: for the
/// server only; minting tokens never makes one (the server would not know it).
pub fn development_secret(dir: &Path) -> Result<(Vec<u8>, PathBuf), String> {
    if let Some(existing) = existing_development_secret(dir)? {
        return Ok(existing);
    }
    let path = dir.join(DEV_SECRET_FILE);
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(secret.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok((secret.into_bytes(), path))
}
