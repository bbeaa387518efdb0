//! The werkbank served at `/werkbank/` (DESIGN §17): the single-page app's fallback, caching of
//! hashed assets but never of `index.html`, a Content-Security-Policy without inline script
//! that lets the app reach the identity provider, and `config.json` for its login.

use std::path::PathBuf;

use awc::http::Method;
use wijkregie::config::{WerkbankOidc, WerkbankSettings};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const INDEX: &str = "<!doctype html><html lang=\"nl\"><script type=\"module\" src=\"/werkbank/assets/index-Ab12.js\"></script></html>";

/// A built werkbank in a fresh folder: `index.html` and one hashed asset.
fn built_werkbank() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("werkbank-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), INDEX).unwrap();
    std::fs::write(dir.join("assets/index-Ab12.js"), "export {};").unwrap();
    dir
}

async fn serving_the_werkbank(oidc: Option<WerkbankOidc>) -> TestApp {
    let dir = built_werkbank();
    spawn_app_with(|settings| settings.werkbank = Some(WerkbankSettings { dir, oidc })).await
}

async fn get(app: &TestApp, path: &str) -> crate::helpers::Response {
    app.request(Method::GET, path, None, None, &[]).await
}

#[actix_rt::test]
async fn every_path_of_the_app_gets_index_html_never_cached() {
    let app = serving_the_werkbank(None).await;
    for path in [
        "/werkbank/",
        "/werkbank/projecten/p-1",
        "/werkbank/signalen/nieuw",
    ] {
        let response = get(&app, path).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.text, INDEX, "{path}");
        assert!(response.content_type().starts_with("text/html"), "{path}");
        assert_eq!(
            response.header("cache-control").as_deref(),
            Some("no-cache"),
            "{path}"
        );
    }
    let bare = get(&app, "/werkbank").await;
    assert_eq!(bare.status, 301);
    assert_eq!(bare.header("location").as_deref(), Some("/werkbank/"));
}

#[actix_rt::test]
async fn hashed_assets_are_cached_for_a_year_and_a_missing_one_is_a_404() {
    let app = serving_the_werkbank(None).await;
    let asset = get(&app, "/werkbank/assets/index-Ab12.js").await;
    assert_eq!(asset.status, 200);
    assert_eq!(asset.text, "export {};");
    assert_eq!(
        asset.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    let gzipped = app
        .request(
            Method::GET,
            "/werkbank/assets/index-Ab12.js",
            None,
            None,
            &[("Accept-Encoding", "gzip")],
        )
        .await;
    assert_eq!(gzipped.header("content-encoding").as_deref(), Some("gzip"));
    // A script that is not there must not be answered with the HTML page.
    for path in ["/werkbank/assets/index-Old1.js", "/werkbank/favicon.ico"] {
        let missing = get(&app, path).await;
        missing.assert_problem(404, "route_not_found");
        assert_eq!(missing.header("cache-control").as_deref(), Some("no-cache"));
    }
}

#[actix_rt::test]
async fn the_content_security_policy_allows_no_inline_script_and_connects_to_the_provider() {
    let app = serving_the_werkbank(Some(WerkbankOidc {
        authority: "https://login.denhaag.nl/realms/wijkregie".to_owned(),
        client_id: "werkbank".to_owned(),
        scope: "openid profile".to_owned(),
    }))
    .await;
    for path in [
        "/werkbank/",
        "/werkbank/assets/index-Ab12.js",
        "/werkbank/config.json",
    ] {
        let response = get(&app, path).await;
        let policy = response
            .header("content-security-policy")
            .unwrap_or_default();
        let directive = |name: &str| {
            policy
                .split(';')
                .map(str::trim)
                .find(|d| d.starts_with(&format!("{name} ")))
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(
            directive("script-src"),
            "script-src 'self'",
            "{path}: {policy}"
        );
        assert_eq!(
            directive("default-src"),
            "default-src 'self'",
            "{path}: {policy}"
        );
        assert_eq!(
            directive("connect-src"),
            "connect-src 'self' https://login.denhaag.nl",
            "{path}: {policy}"
        );
        assert_eq!(
            directive("frame-ancestors"),
            "frame-ancestors 'self'",
            "{path}: {policy}"
        );
        assert!(!policy.contains("unsafe"), "{path}: {policy}");
        assert_eq!(
            response.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
    }
}

#[actix_rt::test]
async fn config_json_tells_the_werkbank_how_to_log_in() {
    let with_provider = serving_the_werkbank(Some(WerkbankOidc {
        authority: "https://login.denhaag.nl/realms/wijkregie".to_owned(),
        client_id: "werkbank".to_owned(),
        scope: "openid profile".to_owned(),
    }))
    .await;
    let config = get(&with_provider, "/werkbank/config.json").await;
    assert_eq!(config.status, 200);
    assert_eq!(
        config.body,
        serde_json::json!({"oidc": {
            "authority": "https://login.denhaag.nl/realms/wijkregie",
            "clientId": "werkbank",
            "scope": "openid profile"
        }})
    );
    let token_page = serving_the_werkbank(None).await;
    let config = get(&token_page, "/werkbank/config.json").await;
    assert_eq!(config.body, serde_json::json!({"oidc": null}));
}

#[actix_rt::test]
async fn without_a_werkbank_folder_nothing_is_served_there() {
    let app = spawn_app().await;
    get(&app, "/werkbank/")
        .await
        .assert_problem(404, "route_not_found");
    get(&app, "/werkbank/config.json")
        .await
        .assert_problem(404, "route_not_found");
}
