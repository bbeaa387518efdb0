//! The `wijkregie` command itself: development mode, tokens, configuration errors, the document.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use awc::http::Method;

const BIN: &str = env!("CARGO_BIN_EXE_wijkregie");

/// The command with a clean environment: no key configured, a database in `dir`.
pub fn wijkregie(dir: &std::path::Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", dir.join("wijkregie.db"))
        .env("RUST_LOG", "warn");
    command
}

pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn development_mode_refuses_to_listen_beyond_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let output = wijkregie(dir.path())
        .args(["serve"])
        .env("WIJKREGIE_BIND", "0.0.0.0:0")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("development mode") && stderr.contains("loopback"),
        "{stderr}"
    );
}

#[actix_rt::test]
async fn development_mode_prints_working_tokens_and_keeps_its_secret_private() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = wijkregie(dir.path())
        .env("WIJKREGIE_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    let (lines, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    // Each token comes as `# <role> (<scope>)` and a ready-to-paste `export TOKEN=…` line.
    let (mut docs, mut token, mut role) = (None, None, String::new());
    while docs.is_none() || token.is_none() {
        let line = receive
            .recv_timeout(Duration::from_secs(60))
            .expect("the service prints its tokens");
        if let Some(url) = line.trim().strip_prefix("API docs:") {
            docs = Some(url.trim().to_owned());
        }
        if let Some(comment) = line.trim().strip_prefix("# ") {
            role = comment.to_owned();
        }
        if let Some(t) = line.trim().strip_prefix("export TOKEN=") {
            if role.starts_with("programmabureau") {
                token = Some(t.trim().to_owned());
            }
        }
    }
    assert_eq!(role, "programmabureau (no scope: the whole city)");
    let docs = docs.unwrap();
    let base = docs.trim_end_matches("/docs");
    let client = awc::Client::default();
    let mut response = client
        .request(Method::GET, format!("{base}/api/v1/districts"))
        .insert_header(("Authorization", format!("Bearer {}", token.unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "{:?}",
        response.body().await
    );

    // `wijkregie token` signs with the same generated secret.
    let minted = wijkregie(dir.path())
        .args([
            "token",
            "--role",
            "vakdienst",
            "--department",
            "ocw",
            "--ttl",
            "1h",
        ])
        .output()
        .unwrap();
    assert!(
        minted.status.success(),
        "{}",
        String::from_utf8_lossy(&minted.stderr)
    );
    let vakdienst = String::from_utf8(minted.stdout).unwrap().trim().to_owned();
    let response = client
        .request(Method::GET, format!("{base}/api/v1/themes"))
        .insert_header(("Authorization", format!("Bearer {vakdienst}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);

    let secret = dir.path().join(wijkregie::auth::jwt::DEV_SECRET_FILE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner reads the secret");
    }
    assert!(std::fs::read_to_string(&secret).unwrap().len() >= 32);
}

#[test]
fn a_token_needs_the_scope_its_role_needs() {
    let dir = tempfile::tempdir().unwrap();
    let missing = wijkregie(dir.path())
        .args(["token", "--role", "stadsdeel"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--district"));
    let extra = wijkregie(dir.path())
        .args(["token", "--role", "admin", "--district", "laak"])
        .output()
        .unwrap();
    assert!(!extra.status.success());
    let unknown = wijkregie(dir.path())
        .args(["token", "--role", "wethouder"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    let too_long = wijkregie(dir.path())
        .args(["token", "--role", "admin", "--ttl", "30d"])
        .output()
        .unwrap();
    assert!(
        !too_long.status.success(),
        "longer than WIJKREGIE_JWT_MAX_TTL"
    );
}

#[test]
fn every_configuration_problem_is_reported_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = wijkregie(dir.path())
        .args(["migrate"])
        .env("WIJKREGIE_POOL_SIZE", "0")
        .env("WIJKREGIE_JWT_SECRET", "too-short")
        .env("DATABASE_URL", "mysql://db/x")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for variable in [
        "WIJKREGIE_POOL_SIZE",
        "WIJKREGIE_JWT_SECRET",
        "DATABASE_URL",
    ] {
        assert!(stderr.contains(variable), "{variable} in {stderr}");
    }
}

#[test]
fn migrate_creates_the_database_and_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a").join("b");
    let output = wijkregie(&nested).args(["migrate"]).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(nested.join("wijkregie.db").is_file());
}

#[test]
fn the_openapi_command_prints_the_committed_document() {
    let dir = tempfile::tempdir().unwrap();
    let output = wijkregie(dir.path()).args(["openapi"]).output().unwrap();
    assert!(output.status.success());
    let committed =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json")).unwrap();
    assert!(
        output.stdout == committed,
        "regenerate with `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn the_openapi_command_prints_the_committed_public_pages_document_with_pages() {
    let dir = tempfile::tempdir().unwrap();
    let output = wijkregie(dir.path())
        .args(["openapi", "--pages"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let committed =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/public.json")).unwrap();
    assert!(
        output.stdout == committed,
        "regenerate with `cargo run -- openapi --pages > openapi/public.json`"
    );
}

#[test]
fn the_openapi_command_names_an_installation_s_public_url_or_says_why_not() {
    let dir = tempfile::tempdir().unwrap();
    let output = wijkregie(dir.path())
        .args(["openapi", "--public-url", "https://wijkregie.denhaag.nl/"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        doc["servers"][0]["url"],
        "https://wijkregie.denhaag.nl/api/v1"
    );
    let output = wijkregie(dir.path())
        .args(["openapi", "--public-url", "wijkregie.denhaag.nl"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--public-url 'wijkregie.denhaag.nl' is not an absolute URL"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn the_token_command_never_makes_a_secret_of_its_own() {
    // Where no server ever ran, there is no development secret: a token signed with a new one
    // would be refused by the server, so the command says why instead.
    let dir = tempfile::tempdir().unwrap();
    let output = wijkregie(dir.path())
        .args(["token", "--role", "admin"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no development secret") && stderr.contains("WIJKREGIE_JWT_SECRET"),
        "{stderr}"
    );
    assert!(
        !dir.path()
            .join(wijkregie::auth::jwt::DEV_SECRET_FILE)
            .exists(),
        "no secret file was made"
    );
}

#[test]
fn configuration_errors_never_echo_credentials_and_refuse_blank_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let output = wijkregie(dir.path())
        .args(["migrate"])
        .env(
            "DATABASE_URL",
            "postgress://wijkregie:zeer-geheim@db.example/wijkregie",
        )
        .env("WIJKREGIE_JWT_SECRET", "   ")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("zeer-geheim"), "{stderr}");
    assert!(stderr.contains("postgress://"), "{stderr}");
    assert!(
        stderr.contains("WIJKREGIE_JWT_SECRET is set but blank"),
        "{stderr}"
    );
}
