//! Standard Webhooks 1.0 signatures: secrets (`whsec_` + base64 of 32 random bytes), the
//! `webhook-signature` of a delivery (`v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`,
//! one per secret in use, space-separated), and their verification, which `wijkregie listen`
//! uses too.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The prefix of every secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The key bytes of a secret (the base64 after `whsec_`; a secret without the prefix is taken
/// as base64 as it is, as Standard Webhooks libraries do).
pub fn key_of(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD.decode(encoded).ok().filter(|key| !key.is_empty())
}

/// `v1,<signature>` of one message under one secret.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = key_of(secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header: one signature per secret, space-separated (during a
/// rotation the new and the old secret both sign).
pub fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .filter_map(|secret| signature(secret, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a delivery did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unverified {
    #[error("the webhook-id, webhook-timestamp or webhook-signature header is missing")]
    MissingHeaders,
    #[error("the webhook-timestamp is not within the tolerance of now")]
    Stale,
    #[error("no signature matches")]
    NoMatch,
}

/// Verifies a delivery: the timestamp within `tolerance_seconds` of `now` and one of the
/// header's `v1` signatures made with `secret` (compared in constant time by the MAC).
pub fn verify(
    secret: &str,
    id: &str,
    timestamp: &str,
    header: &str,
    body: &[u8],
    now: i64,
    tolerance_seconds: i64,
) -> Result<(), Unverified> {
    let timestamp: i64 = timestamp.trim().parse().map_err(|_| Unverified::Stale)?;
    if (now - timestamp).abs() > tolerance_seconds {
        return Err(Unverified::Stale);
    }
    let key = key_of(secret).ok_or(Unverified::NoMatch)?;
    for candidate in header.split_whitespace() {
        let Some(encoded) = candidate.strip_prefix("v1,") else {
            continue;
        };
        let Ok(given) = STANDARD.decode(encoded) else {
            continue;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
            continue;
        };
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        if mac.verify_slice(&given).is_ok() {
            return Ok(());
        }
    }
    Err(Unverified::NoMatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_secret_and_no_other() {
        let secret = new_secret();
        let other = new_secret();
        assert!(secret.starts_with("whsec_") && key_of(&secret).map(|k| k.len()) == Some(32));
        let header = signature_header(&[&other, &secret], "msg_1", 1_700_000_000, b"{}");
        assert_eq!(header.split(' ').count(), 2);
        assert_eq!(
            verify(
                &secret,
                "msg_1",
                "1700000000",
                &header,
                b"{}",
                1_700_000_010,
                300
            ),
            Ok(())
        );
        let only_other = signature_header(&[&other], "msg_1", 1_700_000_000, b"{}");
        assert_eq!(
            verify(
                &secret,
                "msg_1",
                "1700000000",
                &only_other,
                b"{}",
                1_700_000_010,
                300
            ),
            Err(Unverified::NoMatch)
        );
        assert_eq!(
            verify(
                &secret,
                "msg_1",
                "1700000000",
                &header,
                b"{}",
                1_700_001_000,
                300
            ),
            Err(Unverified::Stale)
        );
    }

    #[test]
    fn the_standard_webhooks_example_verifies() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let header = signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(
            header.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }
}
