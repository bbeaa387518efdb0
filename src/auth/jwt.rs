//! Bearer tokens: verifying them into a [`Principal`], and minting them for development and
//! integration tests.
//!
//! jsonwebtoken's defaults are tightened explicitly: an allow-list of exactly one algorithm per
//! key, `exp`, `iat`, `sub`, `iss` and `aud` required, `nbf` checked, a small leeway, and a
//! maximum lifetime (`exp - iat`) that a token may not exceed whoever issued it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::config::{JwtKey, JwtSettings};
use crate::domain::principal::{Principal, Role, RoleKind};

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

/// Checks tokens. Built once at start-up from the configured key.
pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
    max_ttl: Duration,
}

impl TokenVerifier {
    /// `secret` is the development secret when no key is configured.
    pub fn new(settings: &JwtSettings, dev_secret: Option<&[u8]>) -> Result<Self, String> {
        let (key, algorithm) = match (&settings.key, dev_secret) {
            (JwtKey::Secret(secret), _) => (
                DecodingKey::from_secret(secret.as_bytes()),
                Algorithm::HS256,
            ),
            (JwtKey::Development, Some(secret)) => {
                (DecodingKey::from_secret(secret), Algorithm::HS256)
            }
            (JwtKey::Development, None) => {
                return Err("development mode needs its generated secret".to_owned());
            }
            (JwtKey::PublicKeyFile(path), _) => public_key(path)?,
        };
        let mut validation = Validation::new(algorithm);
        validation.algorithms = vec![algorithm];
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss", "aud"]);
        Ok(Self {
            key,
            validation,
            max_ttl: settings.max_ttl,
        })
    }

    /// Verifies a bearer token and turns its claims into a principal.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenRejected> {
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(|e| {
                TokenRejected(match e.kind() {
                    ErrorKind::ExpiredSignature => "The token has expired.".to_owned(),
                    ErrorKind::ImmatureSignature => "The token is not valid yet (nbf).".to_owned(),
                    ErrorKind::InvalidIssuer => {
                        "The token's issuer (iss) is not accepted.".to_owned()
                    }
                    ErrorKind::InvalidAudience => {
                        "The token's audience (aud) is not this service.".to_owned()
                    }
                    ErrorKind::InvalidSignature => {
                        "The token's signature does not verify.".to_owned()
                    }
                    ErrorKind::InvalidAlgorithm => {
                        "The token's algorithm is not accepted.".to_owned()
                    }
                    ErrorKind::MissingRequiredClaim(claim) => {
                        format!("The token lacks the '{claim}' claim.")
                    }
                    _ => "The token is malformed.".to_owned(),
                })
            })?;
        let claims = data.claims;
        self.check_lifetime(&claims, chrono::Utc::now().timestamp())?;
        principal_from(claims)
    }

    /// DESIGN §12: `iat` not in the future beyond the leeway, and neither `exp - iat` nor
    /// `exp - now` above the maximum lifetime — so a token signed with `iat` a year ahead, or
    /// with `iat = -1` and `exp` at the end of time, is refused. Saturating arithmetic: the
    /// claims are the sender's numbers.
    fn check_lifetime(&self, claims: &Claims, now: i64) -> Result<(), TokenRejected> {
        let leeway = i64::try_from(LEEWAY_SECONDS).unwrap_or(0);
        let max_ttl = i64::try_from(self.max_ttl.as_secs()).unwrap_or(i64::MAX);
        if claims.iat > now.saturating_add(leeway) {
            return Err(TokenRejected(
                "The token was issued in the future (iat).".to_owned(),
            ));
        }
        if claims.exp.saturating_sub(claims.iat) > max_ttl
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

fn principal_from(claims: Claims) -> Result<Principal, TokenRejected> {
    let texts = [
        Some(&claims.sub),
        claims.name.as_ref(),
        Some(&claims.role),
        claims.district.as_ref(),
        claims.department.as_ref(),
        claims.partner.as_ref(),
    ];
    if texts
        .into_iter()
        .flatten()
        .any(|text| text.chars().any(char::is_control))
    {
        return Err(TokenRejected(
            "The token's claims hold control characters.".to_owned(),
        ));
    }
    let kind = RoleKind::parse(&claims.role)
        .ok_or_else(|| TokenRejected(format!("The role '{}' is unknown.", claims.role)))?;
    let scope = match kind.scope_claim() {
        Some("district") => claims.district,
        Some("department") => claims.department,
        Some("partner") => claims.partner,
        _ => None,
    }
    .filter(|scope| !scope.trim().is_empty());
    let role = Role::with_scope(kind, scope).ok_or_else(|| {
        TokenRejected(format!(
            "The role '{}' needs its '{}' claim.",
            kind.as_str(),
            kind.scope_claim().unwrap_or("scope")
        ))
    })?;
    if claims.sub.trim().is_empty() {
        return Err(TokenRejected(
            "The token's subject (sub) is empty.".to_owned(),
        ));
    }
    Ok(Principal {
        subject: claims.sub,
        name: claims.name.filter(|n| !n.trim().is_empty()),
        role,
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
            (JwtKey::PublicKeyFile(_), _) => {
                return Err(
                    "with WIJKREGIE_JWT_PUBLIC_KEY_FILE, tokens come from your identity provider; \
                     wijkregie cannot sign them"
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
