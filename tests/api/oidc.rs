//! Against a real OpenID provider: the certified `oidc-provider` package from npm, started by
//! the test on a free loopback port (`tests/oidc/provider.mjs`), issuing client-credentials
//! JWTs. wijkregie finds its keys through discovery, maps the tokens' `roles` with a claim map,
//! follows a key rotation without a restart and refuses keys the provider does not publish.
//!
//! The package is looked for in `WIJKREGIE_TEST_OIDC_PROVIDER_DIR` (else
//! `~/.cache/wijkregie-tools/oidc`, where `.ci/run` installs it). The tests are `#[ignore]`d, so
//! a plain `cargo test` lists them as ignored; `cargo test -- --include-ignored` runs them (CI
//! does), and there they fail without the package or without node.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};
use wijkregie::config::{JwksSource, JwtKey};

const CLIENT_SECRET: &str = "test-client-secret-for-wijkregie";

const CLAIM_MAP: &str = r#"
role_claim = "roles"

[roles]
"wijkregie.programmabureau" = { role = "programmabureau" }
"wijkregie.vakdienst.ocw" = { role = "vakdienst", department = "ocw" }
"wijkregie.stadsdeel.escamp" = { role = "stadsdeel", district = "escamp" }
"wijkregie.partner.41150013" = { role = "partner", kvkNumber = "41150013" }
"wijkregie.admin" = { role = "admin" }
"#;

/// The provider process; ended when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn provider_dir() -> PathBuf {
    std::env::var_os("WIJKREGIE_TEST_OIDC_PROVIDER_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/wijkregie-tools/oidc"))
        })
        .unwrap_or_default()
}

/// Starts the provider; fails the test when it cannot.
fn start_provider() -> Provider {
    let dir = provider_dir();
    let installed = dir
        .join("node_modules/oidc-provider/package.json")
        .is_file();
    let node = Command::new("node").arg("--version").output().is_ok();
    assert!(
        installed && node,
        "oidc-provider is not installed in {} (npm install --prefix DIR oidc-provider) or node \
         is missing",
        dir.display()
    );
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc/provider.mjs");
    let mut child = Command::new("node")
        .arg(script)
        .env("OIDC_PROVIDER_DIR", &dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start node");
    let stdout = child.stdout.take().expect("the provider's stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
    let started: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
    let issuer = started["issuer"].as_str().map(str::to_owned);
    let provider = Provider {
        child,
        issuer: issuer.unwrap_or_default(),
    };
    assert!(
        !provider.issuer.is_empty(),
        "the provider did not start: {line:?}"
    );
    provider
}

impl Provider {
    async fn token(&self, client_id: &str) -> String {
        let mut response = awc::Client::default()
            .post(format!("{}/token", self.issuer))
            .send_form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", CLIENT_SECRET),
            ])
            .await
            .expect("the provider answers");
        let body: Value = response.json().await.expect("a token response");
        body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access token for {client_id}: {body}"))
            .to_owned()
    }

    async fn rotate(&self) {
        let response = awc::Client::default()
            .post(format!("{}/test/rotate", self.issuer))
            .send()
            .await
            .expect("the provider rotates");
        assert_eq!(response.status().as_u16(), 200);
    }
}

/// wijkregie with keys by discovery from `provider`, the claim map, and `refetch` as the least
/// time between fetches for an unknown `kid`.
async fn wijkregie_for(provider: &Provider, refetch: Duration) -> (TestApp, tempfile::TempDir) {
    let source = JwksSource::Discovery(provider.issuer.clone());
    wijkregie_with(provider, source, refetch).await
}

async fn wijkregie_with(
    provider: &Provider,
    source: JwksSource,
    refetch: Duration,
) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("claims.toml");
    std::fs::write(&map, CLAIM_MAP).unwrap();
    let issuer = provider.issuer.clone();
    let app = spawn_app_with(move |s| {
        s.jwt.key = JwtKey::Jwks(source);
        s.jwt.issuer = issuer;
        s.jwt.claims_map = Some(map);
        s.jwt.jwks_refresh.unknown_kid_at_most_every = refetch;
    })
    .await;
    (app, dir)
}

fn signal(neighbourhood: &str) -> Value {
    json!({
        "title": "Speeltuin kapot", "description": "De schommel is stuk",
        "neighbourhoodId": neighbourhood, "source": "department", "themeId": "public_space",
        "policyFeedback": false,
    })
}

#[actix_rt::test]
#[ignore = "needs Node and oidc-provider: run with --include-ignored (CI does)"]
async fn client_credentials_tokens_get_the_role_and_scope_the_claim_map_gives() {
    let idp = start_provider();
    let (app, _dir) = wijkregie_for(&idp, Duration::ZERO).await;
    let pb = idp.token("pb-dashboard").await;

    let partner = app
        .post(
            "/api/v1/partners",
            &pb,
            &json!({ "name": "Buurthuis De Mussen", "kind": "community_centre", "kvkNumber": "41150013" }),
        )
        .await;
    assert_eq!(partner.status, 201, "{}", partner.text);
    let partner_id = partner.body["id"].as_str().unwrap().to_owned();

    let expected = [
        ("pb-dashboard", "programmabureau", None),
        ("zaaksysteem-ocw", "vakdienst", Some("ocw".to_owned())),
        ("escamp-portal", "stadsdeel", Some("escamp".to_owned())),
        ("buurthuis-app", "partner", Some(partner_id)),
    ];
    let admin = idp.token("beheer").await;
    for (client, role, scope) in expected {
        let token = idp.token(client).await;
        let created = app
            .post("/api/v1/signals", &token, &signal("moerwijk"))
            .await;
        assert_eq!(created.status, 201, "{client}: {}", created.text);
        let id = created.body["id"].as_str().unwrap();
        let events = app
            .get(&format!("/api/v1/events?resourceId={id}"), &admin)
            .await;
        assert_eq!(events.status, 200, "{}", events.text);
        let actor = &events.body["items"][0]["actor"];
        let recorded = (
            actor["sub"].as_str(),
            actor["role"].as_str(),
            actor["scope"].as_str(),
            actor["clientId"].as_str(),
            actor["name"].as_str(),
        );
        assert_eq!(
            recorded,
            (
                Some(client),
                Some(role),
                scope.as_deref(),
                Some(client),
                None
            ),
            "{client}: the event records sub, client id and the mapped role and scope: {actor}"
        );
    }

    // The scope is the one the map gives: escamp's portal cannot report in another district.
    let escamp = idp.token("escamp-portal").await;
    let elsewhere = app
        .post("/api/v1/signals", &escamp, &signal("transvaal"))
        .await;
    assert!(
        matches!(elsewhere.status, 400 | 403),
        "a stadsdeel outside its district: {} {}",
        elsewhere.status,
        elsewhere.text
    );
    // A partner found by its KvK number is looked up for every request, even with a token
    // already verified: archived, the same token is refused at once.
    let partner_token = idp.token("buurthuis-app").await;
    let partner_path = format!("/api/v1/partners/{}", partner.body["id"].as_str().unwrap());
    let before = app.get("/api/v1/districts", &partner_token).await;
    assert_eq!(before.status, 200, "{}", before.text);
    let version = app.get(&partner_path, &pb).await.header("etag").unwrap();
    let archived = app
        .patch(
            &partner_path,
            &pb,
            Some(&version),
            &json!({ "active": false }),
        )
        .await;
    assert_eq!(archived.status, 200, "{}", archived.text);
    app.get("/api/v1/districts", &partner_token)
        .await
        .assert_problem(401, "unauthenticated");

    // A token whose roles the map does not name is refused.
    let unmapped = idp.token("unmapped-app").await;
    app.get("/api/v1/districts", &unmapped)
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_rt::test]
#[ignore = "needs Node and oidc-provider: run with --include-ignored (CI does)"]
async fn a_rotated_key_is_followed_without_a_restart_and_a_key_not_published_is_refused() {
    let idp = start_provider();
    let (app, _dir) = wijkregie_for(&idp, Duration::ZERO).await;
    let before = idp.token("pb-dashboard").await;
    assert_eq!(app.get("/api/v1/districts", &before).await.status, 200);

    idp.rotate().await;
    let after = idp.token("pb-dashboard").await;
    assert_ne!(
        kid_of(&before),
        kid_of(&after),
        "the provider signs with a new key"
    );
    let response = app.get("/api/v1/districts", &after).await;
    assert_eq!(
        response.status, 200,
        "the new key is fetched: {}",
        response.text
    );
    // The old key is no longer published, so its tokens are refused from now on.
    app.get("/api/v1/districts", &before)
        .await
        .assert_problem(401, "unauthenticated");

    // The same claims signed with a key the provider never published, under a made-up kid
    // and under the published one.
    let claims: Value = claims_of(&after);
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/rsa-private.pem"
        ))
        .unwrap(),
    )
    .unwrap();
    for kid in ["key-never-published", kid_of(&after).as_str()] {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        let forged = jsonwebtoken::encode(&header, &claims, &key).unwrap();
        app.get("/api/v1/districts", &forged)
            .await
            .assert_problem(401, "unauthenticated");
    }
}

#[actix_rt::test]
#[ignore = "needs Node and oidc-provider: run with --include-ignored (CI does)"]
async fn the_key_set_can_be_named_by_its_url_without_discovery() {
    let idp = start_provider();
    let source = JwksSource::Url(format!("{}/jwks", idp.issuer));
    let (app, _dir) = wijkregie_with(&idp, source, Duration::ZERO).await;
    let token = idp.token("zaaksysteem-ocw").await;
    let response = app.get("/api/v1/signals", &token).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[actix_rt::test]
#[ignore = "needs Node and oidc-provider: run with --include-ignored (CI does)"]
async fn unknown_kids_make_the_server_fetch_keys_no_more_often_than_allowed() {
    let idp = start_provider();
    let (app, _dir) = wijkregie_for(&idp, Duration::from_secs(3600)).await;
    let before = idp.token("pb-dashboard").await;
    assert_eq!(app.get("/api/v1/districts", &before).await.status, 200);
    idp.rotate().await;
    // Within the limit, a new kid is not fetched: its token waits for the next refresh.
    let after = idp.token("pb-dashboard").await;
    app.get("/api/v1/districts", &after)
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(app.get("/api/v1/districts", &before).await.status, 200);
}

fn part(token: &str, index: usize) -> Value {
    use base64::Engine;
    let encoded = token.split('.').nth(index).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

fn kid_of(token: &str) -> String {
    part(token, 0)["kid"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn claims_of(token: &str) -> Value {
    part(token, 1)
}
