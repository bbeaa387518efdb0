//! Every way a token can be wrong gives a 401 problem; good tokens of every kind are accepted.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{AUDIENCE, ISSUER, TEST_SECRET, TestApp, spawn_app, spawn_app_with};
use wijkregie::config::JwtKey;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims of a valid programmabureau token; tests break one thing at a time.
fn good_claims() -> Value {
    json!({
        "sub": "pb-1", "name": "Anna", "role": "programmabureau",
        "iss": ISSUER, "aud": AUDIENCE, "iat": now(), "exp": now() + 600,
    })
}

fn hs256(claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
    )
    .unwrap()
}

async fn assert_rejected(app: &TestApp, token: &str, why: &str) {
    let response = app.get("/api/v1/districts", token).await;
    response.assert_problem(401, "unauthenticated");
    assert!(
        response
            .header("www-authenticate")
            .is_some_and(|v| v.starts_with("Bearer")),
        "{why}: 401 must carry WWW-Authenticate"
    );
}

#[actix_rt::test]
async fn a_request_without_a_token_is_401_with_a_problem() {
    let app = spawn_app().await;
    let response = app
        .request(awc::http::Method::GET, "/api/v1/districts", None, None, &[])
        .await;
    response.assert_problem(401, "unauthenticated");
    assert_eq!(
        response.header("www-authenticate").as_deref(),
        Some("Bearer realm=\"wijkregie\"")
    );
}

#[actix_rt::test]
async fn a_good_token_is_accepted() {
    let app = spawn_app().await;
    assert_eq!(
        app.get("/api/v1/districts", &hs256(&good_claims()))
            .await
            .status,
        200
    );
}

#[actix_rt::test]
async fn malformed_tokens_and_headers_are_401() {
    let app = spawn_app().await;
    assert_rejected(&app, "not-a-jwt", "garbage").await;
    assert_rejected(&app, "a.b.c", "three garbage parts").await;
    for header in [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "token-without-scheme",
    ] {
        let response = app
            .request(
                awc::http::Method::GET,
                "/api/v1/districts",
                None,
                None,
                &[("Authorization", header)],
            )
            .await;
        response.assert_problem(401, "unauthenticated");
    }
}

#[actix_rt::test]
async fn a_token_with_a_bad_signature_is_401() {
    let app = spawn_app().await;
    let forged = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &good_claims(),
        &EncodingKey::from_secret(b"another-secret-that-is-long-enough-for-hs256!!"),
    )
    .unwrap();
    assert_rejected(&app, &forged, "other secret").await;
    let good = hs256(&good_claims());
    let tampered = format!("{}x", &good[..good.len() - 1]);
    assert_rejected(&app, &tampered, "tampered signature").await;
}

#[actix_rt::test]
async fn an_unsigned_alg_none_token_is_401() {
    use base64::Engine;
    let app = spawn_app().await;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64.encode(good_claims().to_string());
    assert_rejected(&app, &format!("{header}.{payload}."), "alg none").await;
    assert_rejected(
        &app,
        &format!("{header}.{payload}"),
        "alg none without signature part",
    )
    .await;
}

#[actix_rt::test]
async fn expired_and_not_yet_valid_tokens_are_401() {
    let app = spawn_app().await;
    let mut expired = good_claims();
    expired["iat"] = json!(now() - 7200);
    expired["exp"] = json!(now() - 3600);
    assert_rejected(&app, &hs256(&expired), "expired").await;
    let mut early = good_claims();
    early["nbf"] = json!(now() + 3600);
    assert_rejected(&app, &hs256(&early), "nbf in the future").await;
}

#[actix_rt::test]
async fn a_token_for_another_audience_or_issuer_is_401() {
    let app = spawn_app().await;
    let mut other_audience = good_claims();
    other_audience["aud"] = json!("another-service");
    assert_rejected(&app, &hs256(&other_audience), "aud").await;
    let mut other_issuer = good_claims();
    other_issuer["iss"] = json!("someone-else");
    assert_rejected(&app, &hs256(&other_issuer), "iss").await;
}

#[actix_rt::test]
async fn tokens_missing_a_required_claim_are_401() {
    let app = spawn_app().await;
    // `iat` is checked when present, not required (DESIGN §12; token_attacks.rs).
    for claim in ["exp", "sub", "iss", "aud", "role"] {
        let mut claims = good_claims();
        claims.as_object_mut().unwrap().remove(claim);
        assert_rejected(&app, &hs256(&claims), claim).await;
    }
}

#[actix_rt::test]
async fn a_token_living_longer_than_the_maximum_is_401() {
    let app = spawn_app().await;
    let mut long = good_claims();
    long["exp"] = json!(now() + 25 * 3600);
    assert_rejected(&app, &hs256(&long), "lifetime over 24h").await;
}

#[actix_rt::test]
async fn a_token_from_the_future_or_for_ever_is_401() {
    let app = spawn_app().await;
    let mut future = good_claims();
    future["iat"] = json!(now() + 365 * 24 * 3600);
    future["exp"] = json!(now() + 365 * 24 * 3600 + 60);
    assert_rejected(&app, &hs256(&future), "iat a year ahead, exp just after").await;
    let mut forever = good_claims();
    forever["iat"] = json!(-1);
    forever["exp"] = json!(i64::MAX);
    assert_rejected(&app, &hs256(&forever), "iat -1, exp 2^63-1").await;
    let mut slightly_ahead = good_claims();
    slightly_ahead["iat"] = json!(now() + 20);
    let accepted = app.get("/api/v1/districts", &hs256(&slightly_ahead)).await;
    assert_eq!(
        accepted.status, 200,
        "iat within the 30 s leeway: {}",
        accepted.text
    );
}

#[actix_rt::test]
async fn control_characters_in_claims_are_401() {
    let app = spawn_app().await;
    for (claim, value) in [
        ("sub", "pb\u{0}1"),
        ("name", "An\u{1b}na"),
        ("role", "programmabureau\u{0}"),
    ] {
        let mut claims = good_claims();
        claims[claim] = json!(value);
        assert_rejected(&app, &hs256(&claims), claim).await;
    }
    let mut scoped = good_claims();
    scoped["role"] = json!("stadsdeel");
    scoped["district"] = json!("escamp\u{0}");
    assert_rejected(&app, &hs256(&scoped), "district").await;
}

#[actix_rt::test]
async fn a_role_without_its_scope_claim_is_401() {
    let app = spawn_app().await;
    for (role, claim, value) in [
        ("stadsdeel", "district", "escamp"),
        ("vakdienst", "department", "ocw"),
        ("partner", "partner", "0190f0a0-0000-7000-8000-000000000001"),
    ] {
        let mut claims = good_claims();
        claims["role"] = json!(role);
        assert_rejected(&app, &hs256(&claims), role).await;
        claims[claim] = json!("");
        assert_rejected(&app, &hs256(&claims), role).await;
        claims[claim] = json!(value);
        assert_eq!(
            app.get("/api/v1/districts", &hs256(&claims)).await.status,
            200,
            "{role} with its {claim}"
        );
    }
}

#[actix_rt::test]
async fn an_unknown_role_is_401() {
    let app = spawn_app().await;
    let mut claims = good_claims();
    claims["role"] = json!("burgemeester");
    assert_rejected(&app, &hs256(&claims), "unknown role").await;
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[actix_rt::test]
async fn with_an_rsa_public_key_rs256_is_accepted_and_hs256_signed_with_the_public_key_is_401() {
    let app =
        spawn_app_with(|s| s.jwt.key = JwtKey::PublicKeyFile(fixture("rsa-public.pem"))).await;
    let private = std::fs::read(fixture("rsa-private.pem")).unwrap();
    let rs256 = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &good_claims(),
        &EncodingKey::from_rsa_pem(&private).unwrap(),
    )
    .unwrap();
    assert_eq!(
        app.get("/api/v1/districts", &rs256).await.status,
        200,
        "RS256 with the configured key"
    );

    // The classic key-confusion attack: HS256 with the public key's PEM bytes as the secret.
    let public = std::fs::read(fixture("rsa-public.pem")).unwrap();
    let confused = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &good_claims(),
        &EncodingKey::from_secret(&public),
    )
    .unwrap();
    assert_rejected(&app, &confused, "HS256 signed with the public key").await;
    assert_rejected(
        &app,
        &hs256(&good_claims()),
        "HS256 when RS256 is configured",
    )
    .await;
}

#[actix_rt::test]
async fn with_an_ec_public_key_es256_is_accepted() {
    let app = spawn_app_with(|s| s.jwt.key = JwtKey::PublicKeyFile(fixture("ec-public.pem"))).await;
    let private = std::fs::read(fixture("ec-private.pem")).unwrap();
    let es256 = jsonwebtoken::encode(
        &Header::new(Algorithm::ES256),
        &good_claims(),
        &EncodingKey::from_ec_pem(&private).unwrap(),
    )
    .unwrap();
    assert_eq!(app.get("/api/v1/districts", &es256).await.status, 200);
    assert_rejected(
        &app,
        &hs256(&good_claims()),
        "HS256 when ES256 is configured",
    )
    .await;
}

#[actix_rt::test]
async fn a_bad_claim_map_stops_the_start_with_every_problem_named() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("claims.toml");
    std::fs::write(
        &map,
        "role_claim = \"roles\"\n[roles]\n\"a\" = { role = \"burgemeester\" }\n\"b\" = { role = \"stadsdeel\" }\n",
    )
    .unwrap();
    let database = crate::helpers::TestDatabase::new();
    let mut settings = crate::helpers::test_settings(&database);
    settings.jwt.claims_map = Some(map);
    let refused = wijkregie::startup::build(&settings, None)
        .err()
        .unwrap_or_default();
    assert!(
        refused.contains("claims.toml")
            && refused.contains("roles.\"a\"")
            && refused.contains("burgemeester")
            && refused.contains("roles.\"b\""),
        "{refused}"
    );
}
