//! Starts the real server on port 0 with its own fresh database, and speaks HTTP to it.
//!
//! Without `TEST_DATABASE_URL` each test gets an SQLite file in a temporary folder. With
//! `TEST_DATABASE_URL=postgres://…/postgres` each test gets its own PostgreSQL database, cloned
//! from a template migrated once per run, and dropped when the test ends.

#![allow(
    dead_code,
    reason = "each test file uses a different part of the harness"
)]

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use awc::http::Method;
use awc::http::header::HeaderMap;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{Value, json};

use wijkregie::auth::{Role, TokenMinter};
use wijkregie::config::{
    JwksRefresh, JwtKey, JwtSettings, MailSettings, Settings, StatementTimeouts, StreamSettings,
    WebhookSettings,
};
use wijkregie::db::DatabaseTarget;
use wijkregie::startup;

pub const TEST_SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";
pub const ISSUER: &str = "wijkregie-test-issuer";
pub const AUDIENCE: &str = "wijkregie";

/// Which database the suite runs on.
pub fn postgres_server_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// The PostgreSQL server of a test that needs one. Such a test is `#[ignore]`d, so a plain run
/// lists it as ignored; run with `--include-ignored` it fails here, rather than passing without
/// doing its work, when `TEST_DATABASE_URL` is not set.
pub fn required_postgres_server_url() -> String {
    postgres_server_url()
        .unwrap_or_else(|| panic!("TEST_DATABASE_URL is not set: this test needs PostgreSQL"))
}

/// The same URL with another database name.
pub fn with_database(server_url: &str, database: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{database}{query}", &base[..path_start])
}

static TEMPLATE: Mutex<Option<String>> = Mutex::new(None);

/// The migrated template database for this version of the migrations, created once per run.
fn postgres_template(server_url: &str) -> String {
    let mut guard = TEMPLATE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(name) = guard.as_ref() {
        return name.clone();
    }
    let mut hasher = DefaultHasher::new();
    hash_dir(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres")),
        &mut hasher,
    );
    let name = format!("wijkregie_template_{:016x}", hasher.finish());
    let mut admin =
        PgConnection::establish(server_url).expect("TEST_DATABASE_URL must reach PostgreSQL");
    let exists: bool = diesel::RunQueryDsl::get_result(
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
        ))),
        &mut admin,
    )
    .expect("query pg_database");
    if !exists {
        let building = format!("{name}_building_{}", std::process::id());
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {building}"))
            .expect("remove a half-built template database");
        admin
            .batch_execute(&format!("CREATE DATABASE {building}"))
            .expect("create the template database");
        {
            let target = DatabaseTarget::Postgres(with_database(server_url, &building));
            let mut conn = target.connect().expect("connect to the template database");
            wijkregie::db::run_migrations(&mut conn).expect("migrate the template database");
        }
        admin
            .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
            .expect("publish the template database");
    }
    *guard = Some(name.clone());
    name
}

fn hash_dir(dir: &Path, hasher: &mut DefaultHasher) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read migrations")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        path.file_name().hash(hasher);
        if path.is_dir() {
            hash_dir(&path, hasher);
        } else {
            std::fs::read(&path).expect("read a migration").hash(hasher);
        }
    }
}

/// A database for one test, removed when dropped.
pub enum TestDatabase {
    Sqlite {
        _dir: tempfile::TempDir,
        path: String,
    },
    Postgres {
        server_url: String,
        name: String,
    },
}

impl TestDatabase {
    pub fn new() -> Self {
        match postgres_server_url() {
            None => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let path = dir
                    .path()
                    .join("wijkregie.db")
                    .to_string_lossy()
                    .into_owned();
                Self::Sqlite { _dir: dir, path }
            }
            Some(server_url) => {
                let template = postgres_template(&server_url);
                let name = format!("wijkregie_test_{}", uuid::Uuid::now_v7().simple());
                let mut admin = PgConnection::establish(&server_url).expect("reach PostgreSQL");
                admin
                    .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                    .expect("clone the template database");
                Self::Postgres { server_url, name }
            }
        }
    }

    pub fn target(&self) -> DatabaseTarget {
        match self {
            Self::Sqlite { path, .. } => DatabaseTarget::Sqlite(path.clone()),
            Self::Postgres { server_url, name } => {
                DatabaseTarget::Postgres(with_database(server_url, name))
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }

    /// Takes the database away under the running service. On PostgreSQL the database is dropped
    /// (its connections terminated): the real outage. An SQLite file cannot go away under open
    /// connections, so there the schema goes: the service must stop calling itself ready.
    pub fn simulate_outage(&self) {
        match self {
            Self::Postgres { server_url, name } => {
                let mut admin = PgConnection::establish(server_url).expect("reach PostgreSQL");
                admin
                    .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
                    .expect("drop the test database");
            }
            Self::Sqlite { .. } => self.execute("DROP TABLE event_counter"),
        }
    }

    /// Runs SQL on the test database from outside the service.
    pub fn execute(&self, sql: &str) {
        let mut conn = self
            .target()
            .connect()
            .expect("connect to the test database");
        conn.batch_execute(sql)
            .expect("run SQL on the test database");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { server_url, name } = self {
            if let Ok(mut admin) = PgConnection::establish(server_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// The settings a test server runs with: HS256 with [`TEST_SECRET`], port 0, one worker.
pub fn test_settings(database: &TestDatabase) -> Settings {
    Settings {
        database: database.target(),
        bind: "127.0.0.1:0".to_owned(),
        jwt: JwtSettings {
            key: JwtKey::Secret(TEST_SECRET.to_owned()),
            issuer: ISSUER.to_owned(),
            audience: AUDIENCE.to_owned(),
            max_ttl: Duration::from_secs(24 * 3600),
            claims_map: None,
            jwks_refresh: JwksRefresh::default(),
        },
        pool_size: 4,
        pool_timeout: Duration::from_secs(5),
        statement_timeouts: StatementTimeouts::default(),
        body_limit: 64 * 1024,
        body_timeout: Duration::from_secs(30),
        cors_origins: Vec::new(),
        workers: 1,
        project_response_days: 14,
        policy_response_days: 42,
        overdue_sweep_seconds: 0,
        idempotency_hours: 24,
        reporter_retention_days: 365,
        webhooks: WebhookSettings::defaults(),
        mail: MailSettings::defaults(),
        metrics_bind: None,
        werkbank: None,
        streams: StreamSettings::defaults(),
    }
}

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    /// `http://…` of the metrics listener, when the settings asked for one.
    pub metrics_address: Option<String>,
    pub settings: Settings,
    pub client: awc::Client,
    pub database: TestDatabase,
}

/// Starts a server with the default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server after `customize` has changed its settings.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::new();
    let mut settings = test_settings(&database);
    customize(&mut settings);
    let app = startup::build(&settings, None).expect("the test server starts");
    actix_rt::spawn(app.server);
    TestApp {
        address: format!("http://{}", app.address),
        metrics_address: app.metrics_address.map(|a| format!("http://{a}")),
        settings,
        client: awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .disable_redirects()
            .finish(),
        database,
    }
}

/// A token of `role` that a server with `settings` accepts.
pub fn token_for(settings: &Settings, role: &Role) -> String {
    let minter = TokenMinter::new(&settings.jwt, None).expect("the test settings can mint");
    minter
        .mint(
            "test-user",
            Some("Test User"),
            role,
            Duration::from_secs(3600),
        )
        .expect("mint a test token")
}

/// What a test reads from a response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    /// The body as JSON, or `Null` when it is not JSON.
    pub body: Value,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn content_type(&self) -> String {
        self.header("content-type").unwrap_or_default()
    }

    /// Asserts a problem document with `status` and `code`, and returns it.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status, status, "status; body: {}", self.text);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "content type; body: {}",
            self.text
        );
        assert_eq!(self.body["status"], status, "problem status");
        assert_eq!(self.body["code"], code, "problem code; body: {}", self.text);
        for member in ["type", "title", "detail", "instance"] {
            assert!(
                self.body[member].is_string(),
                "problem member {member}: {}",
                self.text
            );
        }
        &self.body
    }

    /// The names of the invalid params of a 400.
    pub fn invalid_param_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.body["invalidParams"]
            .as_array()
            .map(|params| {
                params
                    .iter()
                    .filter_map(|p| p["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

impl TestApp {
    /// A token for `role`, signed with the test secret.
    pub fn token(&self, role: &Role) -> String {
        token_for(&self.settings, role)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends any request. `body` is sent as JSON when given.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let sent = match body {
            Some(json) => request.send_json(json).await,
            None => request.send().await,
        };
        read(sent.expect("the request reaches the server")).await
    }

    /// Sends a raw body with the given content type.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Response {
        let sent = self
            .client
            .request(method, self.url(path))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Content-Type", content_type))
            .send_body(body)
            .await;
        read(sent.expect("the request reaches the server")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None, &[])
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body), &[])
            .await
    }

    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: &Value,
    ) -> Response {
        let headers: Vec<(&str, &str)> =
            if_match.map(|v| vec![("If-Match", v)]).unwrap_or_default();
        self.request(Method::PATCH, path, Some(token), Some(body), &headers)
            .await
    }
}

async fn read<S>(mut response: awc::ClientResponse<S>) -> Response
where
    S: futures::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    let bytes = response
        .body()
        .limit(16 * 1024 * 1024)
        .await
        .expect("read the body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Response {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

/// One role of each kind, with the scopes the seed data has.
pub fn every_role() -> Vec<Role> {
    vec![
        Role::Programmabureau,
        Role::Stadsdeel {
            district_id: "escamp".to_owned(),
        },
        Role::Vakdienst {
            department_id: "ocw".to_owned(),
        },
        Role::Partner {
            partner_id: "0190f0a0-0000-7000-8000-000000000001".to_owned(),
        },
        Role::Admin,
    ]
}

/// The programme bureau; the constructors below give a role the scope a test names.
pub fn pb() -> Role {
    Role::Programmabureau
}

pub fn stadsdeel(district: &str) -> Role {
    Role::Stadsdeel {
        district_id: district.to_owned(),
    }
}

pub fn vakdienst(department: &str) -> Role {
    Role::Vakdienst {
        department_id: department.to_owned(),
    }
}

pub fn partner(id: &str) -> Role {
    Role::Partner {
        partner_id: id.to_owned(),
    }
}

/// The current `ETag` of a resource, read by the programme bureau.
pub async fn etag(app: &TestApp, path: &str) -> String {
    app.get(path, &app.token(&pb()))
        .await
        .header("etag")
        .unwrap()
}

/// Moves a project to `to` as `role`, at its current version; the body names only `to`.
pub async fn transition(app: &TestApp, role: &Role, id: &str, to: &str) -> Response {
    post_transition(app, role, id, &json!({"to": to})).await
}

/// Moves a project to `to` as `role`, at its current version; the body also carries `reason`,
/// `null` when there is none.
pub async fn transition_with_reason(
    app: &TestApp,
    role: &Role,
    id: &str,
    to: &str,
    reason: Option<&str>,
) -> Response {
    post_transition(app, role, id, &json!({"to": to, "reason": reason})).await
}

async fn post_transition(app: &TestApp, role: &Role, id: &str, body: &Value) -> Response {
    let path = format!("/api/v1/projects/{id}");
    let version = etag(app, &path).await;
    app.request(
        Method::POST,
        &format!("{path}/transitions"),
        Some(&app.token(role)),
        Some(body),
        &[("If-Match", &version)],
    )
    .await
}

/// Reports a playground signal in Transvaal (theme public_space, so department dsb) as `role`,
/// with `reporter`; returns the created signal.
pub async fn report_signal(app: &TestApp, role: &Role, reporter: Value) -> Value {
    let created = app
        .post(
            "/api/v1/signals",
            &app.token(role),
            &json!({"title": "Speeltuin kapot", "description": "Al weken een gevaarlijk klimrek.",
                    "neighbourhoodId": "transvaal", "source": "resident", "themeId": "public_space",
                    "reporter": reporter}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body
}

/// Posts `body` to the signal's `what` (`transitions`, `reassignments`) as `role`, at the
/// signal's current version, and expects a 200.
pub async fn signal_action(app: &TestApp, role: &Role, id: &str, what: &str, body: Value) {
    let path = format!("/api/v1/signals/{id}");
    let version = etag(app, &path).await;
    let done = app
        .request(
            Method::POST,
            &format!("{path}/{what}"),
            Some(&app.token(role)),
            Some(&body),
            &[("If-Match", &version)],
        )
        .await;
    assert_eq!(done.status, 200, "{what}: {}", done.text);
}

/// Creates an assessment of `project` as `role`.
pub async fn assess(app: &TestApp, role: &Role, project: &str, body: &Value) -> Response {
    app.post(
        &format!("/api/v1/projects/{project}/assessments"),
        &app.token(role),
        body,
    )
    .await
}

/// Makes a draft `assessment` of `project` final as `role`, at the version it was returned with.
pub async fn finalize(
    app: &TestApp,
    role: &Role,
    project: &str,
    assessment: &Response,
) -> Response {
    let id = assessment.body["id"].as_str().unwrap();
    let version = assessment.header("etag").unwrap();
    app.patch(
        &format!("/api/v1/projects/{project}/assessments/{id}"),
        &app.token(role),
        Some(&version),
        &json!({"status": "final"}),
    )
    .await
}

/// Holds one cell of a per-resource authorization matrix against `authz`'s access table, so
/// the hand-written matrices and the table cannot drift apart: what the table denies outright
/// must be a 403, what it denies per object a 403 or a 404, and what it grants on every object
/// the role can read never a 403. Scoped cells (`Only`) are the object rules' to decide.
pub fn disagreement_with_access_table(operation: &str, role: &Role, status: u16) -> Option<String> {
    use wijkregie::authz::{Access, operations};
    let Some(row) = operations::find(operation) else {
        return Some(format!("{operation} has no row in the access table"));
    };
    let access = row.access(role.kind());
    let agrees = match access {
        Access::Denied => status == 403,
        Access::DeniedPerObject => status == 403 || status == 404,
        Access::Yes => status != 403,
        Access::Only(_) => true,
    };
    (!agrees).then(|| {
        format!(
            "{operation} as {}: the access table says {access:?}, the matrix {status}",
            role.kind().as_str()
        )
    })
}

/// Asserts that each resource `ids` appears in the list at `list_path` with the same `fields`
/// as its single read at `<list_path>/<id>` (lists load their members for a whole page at once).
pub async fn assert_listed_as_read(
    app: &TestApp,
    token: &str,
    list_path: &str,
    ids: &[&str],
    fields: &[&str],
) {
    let listed = app.get(list_path, token).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    for id in ids {
        let single = app.get(&format!("{list_path}/{id}"), token).await;
        let item = listed.body["items"]
            .as_array()
            .and_then(|items| items.iter().find(|item| item["id"] == *id))
            .unwrap_or_else(|| panic!("{id} is not in {list_path}: {}", listed.text));
        for field in fields {
            assert_eq!(item[*field], single.body[*field], "{field} of {id}");
        }
    }
}

/// [`assert_listed_as_read`] for projects and all their members.
pub async fn assert_projects_listed_as_read(app: &TestApp, token: &str, ids: &[&str]) {
    let members = [
        "neighbourhoodIds",
        "claimedEffects",
        "partners",
        "links",
        "budget",
        "signalIds",
    ];
    assert_listed_as_read(app, token, "/api/v1/projects", ids, &members).await;
}

/// A KvK number no other partner of this test run has (they are unique among active partners).
pub fn unique_kvk_number() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(41_150_013);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        .to_string()
}
