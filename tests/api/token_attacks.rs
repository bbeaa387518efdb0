//! The token attack set: hostile tokens, each named, each refused with a 401 problem, against a
//! server that takes its keys from a published key set (DESIGN §12) — where algorithm
//! confusion and `kid` tricks matter. The set publishes one RSA key, `k1`; the EC key in the
//! fixtures plays the attacker's own key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{AUDIENCE, ISSUER, TestApp, spawn_app_with};
use wijkregie::config::{JwksSource, JwtKey};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(path).unwrap()
}

fn good_claims() -> Value {
    json!({
        "sub": "pb-1", "name": "Anna", "role": "programmabureau",
        "iss": ISSUER, "aud": AUDIENCE, "iat": now(), "exp": now() + 600,
    })
}

fn with(claims: &[(&str, Value)]) -> Value {
    let mut all = good_claims();
    for (name, value) in claims {
        all[*name] = value.clone();
    }
    all
}

fn without(claim: &str) -> Value {
    let mut all = good_claims();
    all.as_object_mut().unwrap().remove(claim);
    all
}

fn rsa() -> EncodingKey {
    EncodingKey::from_rsa_pem(&fixture("rsa-private.pem")).unwrap()
}

fn attacker_ec() -> EncodingKey {
    EncodingKey::from_ec_pem(&fixture("ec-private.pem")).unwrap()
}

fn header(alg: Algorithm, kid: Option<&str>) -> Header {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    header
}

/// Signed with the published key `k1`, RS256: a good token when the claims are.
fn rs256(claims: &Value) -> String {
    jsonwebtoken::encode(&header(Algorithm::RS256, Some("k1")), claims, &rsa()).unwrap()
}

fn signed(header: &Header, claims: &Value, key: &EncodingKey) -> String {
    jsonwebtoken::encode(header, claims, key).unwrap()
}

/// A token put together by hand: any header, HMAC-SHA256 with `secret`, or no signature.
fn raw(header: &Value, claims: &Value, hmac_secret: Option<&[u8]>) -> String {
    let message = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let signature = hmac_secret.map_or_else(String::new, |secret| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(message.as_bytes());
        B64.encode(mac.finalize().into_bytes())
    });
    format!("{message}.{signature}")
}

fn published_rsa_jwk() -> Jwk {
    let mut jwk = Jwk::from_encoding_key(&rsa(), Algorithm::RS256).unwrap();
    jwk.common.key_id = Some("k1".to_owned());
    // No `alg`: an RSA key then verifies RS256 and PS256.
    jwk.common.key_algorithm = None;
    jwk
}

/// A server whose key set (a file) holds the RSA key `k1` and a symmetric key `sym` (which
/// must never be used).
async fn app_with_key_set() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut set = serde_json::to_value(JwkSet {
        keys: vec![published_rsa_jwk()],
    })
    .unwrap();
    set["keys"].as_array_mut().unwrap().push(json!({
        "kty": "oct", "kid": "sym", "k": B64.encode(b"a-symmetric-key-in-the-published-set"),
    }));
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, set.to_string()).unwrap();
    let app = spawn_app_with(move |s| s.jwt.key = JwtKey::Jwks(JwksSource::File(path))).await;
    (app, dir)
}

async fn status_of(app: &TestApp, token: &str) -> crate::helpers::Response {
    app.get("/api/v1/districts", token).await
}

#[actix_rt::test]
async fn good_rs256_and_ps256_tokens_with_a_published_kid_are_accepted() {
    let (app, _dir) = app_with_key_set().await;
    let response = status_of(&app, &rs256(&good_claims())).await;
    assert_eq!(response.status, 200, "{}", response.text);
    let ps256 = signed(
        &header(Algorithm::PS256, Some("k1")),
        &good_claims(),
        &rsa(),
    );
    assert_eq!(status_of(&app, &ps256).await.status, 200);
    // DESIGN §12: `iat` is checked when present, not required.
    assert_eq!(status_of(&app, &rs256(&without("iat"))).await.status, 200);
}

#[actix_rt::test]
async fn every_token_of_the_attack_set_is_refused_with_a_401_problem() {
    let (app, _dir) = app_with_key_set().await;
    let public_pem = fixture("rsa-public.pem");
    let jwk_json = serde_json::to_vec(&published_rsa_jwk()).unwrap();
    let good = rs256(&good_claims());
    let parts: Vec<&str> = good.split('.').collect();
    let admin_payload = B64.encode(with(&[("role", json!("admin"))]).to_string());
    let header_of = |alg: &str, kid: &str| json!({ "alg": alg, "typ": "JWT", "kid": kid });
    let mut crit = header(Algorithm::RS256, Some("k1"));
    crit.crit = Some(vec!["exp".to_owned()]);
    let mut crit_extension = header(Algorithm::RS256, Some("k1"));
    crit_extension.crit = Some(vec!["urn:example:extension".to_owned()]);
    crit_extension.extras.insert("urn:example:extension", true);
    let mut embedded_jwk = header(Algorithm::ES256, Some("attacker"));
    let mut attacker_jwk = Jwk::from_encoding_key(&attacker_ec(), Algorithm::ES256).unwrap();
    attacker_jwk.common.key_id = Some("attacker".to_owned());
    embedded_jwk.jwk = Some(attacker_jwk.clone());
    let mut embedded_jwk_as_k1 = header(Algorithm::ES256, Some("k1"));
    attacker_jwk.common.key_id = Some("k1".to_owned());
    embedded_jwk_as_k1.jwk = Some(attacker_jwk);
    let mut jku = header(Algorithm::ES256, Some("attacker"));
    jku.jku = Some("https://attacker.example/jwks.json".to_owned());
    let mut x5u = header(Algorithm::ES256, Some("attacker"));
    x5u.x5u = Some("https://attacker.example/cert.pem".to_owned());
    let day = 24 * 3600;

    let attacks: Vec<(&str, String)> = vec![
        // alg none, in every spelling
        (
            "alg none",
            raw(&header_of("none", "k1"), &good_claims(), None),
        ),
        (
            "alg None",
            raw(&header_of("None", "k1"), &good_claims(), None),
        ),
        (
            "alg NONE",
            raw(&header_of("NONE", "k1"), &good_claims(), None),
        ),
        (
            "alg none without a signature part",
            format!(
                "{}.{}",
                B64.encode(header_of("none", "k1").to_string()),
                parts[1]
            ),
        ),
        ("signature stripped", format!("{}.{}.", parts[0], parts[1])),
        // algorithm confusion
        (
            "HS256 signed with the public key's PEM",
            raw(&header_of("HS256", "k1"), &good_claims(), Some(&public_pem)),
        ),
        (
            "HS256 signed with the published JWK",
            raw(&header_of("HS256", "k1"), &good_claims(), Some(&jwk_json)),
        ),
        (
            "HS256 with the symmetric key of the key set",
            raw(
                &header_of("HS256", "sym"),
                &good_claims(),
                Some(b"a-symmetric-key-in-the-published-set"),
            ),
        ),
        (
            "RS384, not on the allow-list",
            signed(
                &header(Algorithm::RS384, Some("k1")),
                &good_claims(),
                &rsa(),
            ),
        ),
        (
            "RS512, not on the allow-list",
            signed(
                &header(Algorithm::RS512, Some("k1")),
                &good_claims(),
                &rsa(),
            ),
        ),
        (
            "PS512, not on the allow-list",
            signed(
                &header(Algorithm::PS512, Some("k1")),
                &good_claims(),
                &rsa(),
            ),
        ),
        (
            "ES256 under the RSA key's kid",
            signed(
                &header(Algorithm::ES256, Some("k1")),
                &good_claims(),
                &attacker_ec(),
            ),
        ),
        // kid tricks
        (
            "unknown kid",
            signed(
                &header(Algorithm::RS256, Some("k2")),
                &good_claims(),
                &rsa(),
            ),
        ),
        (
            "no kid",
            signed(&header(Algorithm::RS256, None), &good_claims(), &rsa()),
        ),
        (
            "empty kid",
            signed(&header(Algorithm::RS256, Some("")), &good_claims(), &rsa()),
        ),
        (
            "kid path traversal",
            signed(
                &header(Algorithm::RS256, Some("../../../../dev/null")),
                &good_claims(),
                &rsa(),
            ),
        ),
        (
            "kid SQL injection",
            signed(
                &header(Algorithm::RS256, Some("k1' OR '1'='1")),
                &good_claims(),
                &rsa(),
            ),
        ),
        (
            "kid with a NUL byte",
            signed(
                &header(Algorithm::RS256, Some("k1\u{0}")),
                &good_claims(),
                &rsa(),
            ),
        ),
        (
            "embedded jwk, own kid",
            signed(&embedded_jwk, &good_claims(), &attacker_ec()),
        ),
        (
            "embedded jwk under the published kid",
            signed(&embedded_jwk_as_k1, &good_claims(), &attacker_ec()),
        ),
        (
            "jku to the attacker's key set",
            signed(&jku, &good_claims(), &attacker_ec()),
        ),
        (
            "x5u to the attacker's certificate",
            signed(&x5u, &good_claims(), &attacker_ec()),
        ),
        // critical headers
        (
            "crit naming a registered claim",
            signed(&crit, &good_claims(), &rsa()),
        ),
        (
            "crit naming an unknown extension",
            signed(&crit_extension, &good_claims(), &rsa()),
        ),
        // signature and payload
        (
            "payload swapped for an admin's, signature kept",
            format!("{}.{admin_payload}.{}", parts[0], parts[2]),
        ),
        ("garbage", "ey.ey.ey".to_owned()),
        // time
        (
            "expired an hour ago",
            rs256(&with(&[
                ("iat", json!(now() - 7200)),
                ("exp", json!(now() - 3600)),
            ])),
        ),
        (
            "expired beyond the 30 s leeway",
            rs256(&with(&[("exp", json!(now() - 45))])),
        ),
        (
            "not valid yet (nbf)",
            rs256(&with(&[("nbf", json!(now() + 3600))])),
        ),
        (
            "issued in the future (iat)",
            rs256(&with(&[
                ("iat", json!(now() + 3600)),
                ("exp", json!(now() + 3700)),
            ])),
        ),
        (
            "iat a year ahead, exp just after",
            rs256(&with(&[
                ("iat", json!(now() + 365 * day)),
                ("exp", json!(now() + 365 * day + 60)),
            ])),
        ),
        (
            "iat -1, exp 2^63-1",
            rs256(&with(&[("iat", json!(-1)), ("exp", json!(i64::MAX))])),
        ),
        (
            "lives longer than the maximum",
            rs256(&with(&[("exp", json!(now() + 25 * 3600))])),
        ),
        (
            "huge exp without iat",
            rs256(&{
                let mut claims = without("iat");
                claims["exp"] = json!(i64::MAX);
                claims
            }),
        ),
        (
            "exp as a string",
            rs256(&with(&[("exp", json!((now() + 600).to_string()))])),
        ),
        ("no exp", rs256(&without("exp"))),
        // issuer and audience
        (
            "another issuer",
            rs256(&with(&[("iss", json!("https://attacker.example"))])),
        ),
        ("no issuer", rs256(&without("iss"))),
        (
            "another audience",
            rs256(&with(&[("aud", json!("another-service"))])),
        ),
        (
            "an audience list without this service",
            rs256(&with(&[("aud", json!(["a", "b"]))])),
        ),
        ("no audience", rs256(&without("aud"))),
        // claims
        ("NUL in sub", rs256(&with(&[("sub", json!("pb\u{0}1"))]))),
        (
            "escape in name",
            rs256(&with(&[("name", json!("An\u{1b}na"))])),
        ),
        (
            "NUL after the role",
            rs256(&with(&[("role", json!("programmabureau\u{0}"))])),
        ),
        (
            "NUL inside an array claim",
            rs256(&with(&[("groups", json!(["a\u{0}"]))])),
        ),
        ("no sub", rs256(&without("sub"))),
        ("empty sub", rs256(&with(&[("sub", json!(" "))]))),
        ("sub as a number", rs256(&with(&[("sub", json!(42))]))),
        (
            "unknown role",
            rs256(&with(&[("role", json!("burgemeester"))])),
        ),
        (
            "stadsdeel without its district",
            rs256(&with(&[("role", json!("stadsdeel"))])),
        ),
    ];
    assert!(attacks.len() >= 34, "the set keeps at least 34 cases");
    let mut accepted = Vec::new();
    for (name, token) in &attacks {
        let response = status_of(&app, token).await;
        let refused = response.status == 401
            && response.body["code"] == "unauthenticated"
            && response
                .header("content-type")
                .is_some_and(|ct| ct.starts_with("application/problem+json"))
            && response
                .header("www-authenticate")
                .is_some_and(|v| v.starts_with("Bearer"));
        if !refused {
            accepted.push(format!("{name}: {} {}", response.status, response.text));
        }
    }
    assert!(
        accepted.is_empty(),
        "not refused with a 401 problem: {accepted:#?}"
    );
}

#[actix_rt::test]
async fn an_unreachable_identity_provider_is_a_503_not_a_refused_token() {
    // Nothing listens on port 9 (discard) of this machine: every fetch fails.
    let app = spawn_app_with(|s| {
        s.jwt.key = JwtKey::Jwks(JwksSource::Discovery("http://127.0.0.1:9".to_owned()));
    })
    .await;
    let response = status_of(&app, &rs256(&good_claims())).await;
    response.assert_problem(503, "identity_provider_unavailable");
    assert_eq!(response.header("retry-after").as_deref(), Some("30"));
}
