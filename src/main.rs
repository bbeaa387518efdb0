//! The `wijkregie` command: serve (the default), migrate, token, openapi, demo-data, generate,
//! access, listen, import.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use wijkregie::auth::jwt::{development_secret, existing_development_secret};
use wijkregie::auth::{Role, RoleKind, TokenMinter};
use wijkregie::authz;
use wijkregie::config::{JwtKey, LogFormat, Settings, parse_duration};
use wijkregie::{generate, openapi, startup};

#[derive(Parser)]
#[command(
    name = "wijkregie",
    version,
    about = "Coordinates The Hague's neighbourhood programme across departments."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (the default). Migrates the database first.
    Serve {
        /// Load the demo programme first when the database holds no programme data yet.
        #[arg(long)]
        demo: bool,
    },
    /// Load the demo programme into a database without programme data, then exit.
    DemoData,
    /// Generate a city-scale programme (for the benchmark) into a database without programme
    /// data, then exit. The same seed and anchor give the same data.
    Generate(GenerateArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print a signed token for development and integration tests.
    Token(TokenArgs),
    /// Print the API's OpenAPI document (or with `--pages` the public pages'): for any host over
    /// https (the committed `openapi/openapi.json`, `openapi/public.json`), or as an
    /// installation with `--public-url` serves it.
    Openapi {
        /// The installation's public base URL, as in WIJKREGIE_PUBLIC_URL.
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
        /// The document of the public pages at the root (health checks, tracking and
        /// unsubscribe pages) instead of the API's.
        #[arg(long)]
        pages: bool,
    },
    /// Print the access table (authz): the matrix of docs/access.md, or the operations a role can never
    /// succeed in (CI's per-role schemathesis selection).
    #[command(subcommand)]
    Access(AccessCommand),
    /// Receive webhooks: verify each delivery's signature and print the CloudEvent.
    Listen(ListenArgs),
    /// Import a CSV file (the columns of the export): all rows or, with any bad row, none.
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Partners, matched on kvkNumber (without one: on exact name): created or updated.
    Partners {
        /// The CSV file, with the columns of `GET /partners` as text/csv.
        file: std::path::PathBuf,
        /// Check every row and say what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Args)]
struct ListenArgs {
    /// The port to listen on.
    #[arg(long, default_value_t = 9000)]
    port: u16,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The subscription's secret (`whsec_…`), as shown when it was created.
    #[arg(long, env = "WIJKREGIE_WEBHOOK_SECRET")]
    secret: String,
}

#[derive(Subcommand)]
enum AccessCommand {
    /// The matrix of operations and roles, as Markdown.
    Matrix,
    /// A regular expression over the operation ids the role can never succeed in.
    Denied {
        /// The role: programmabureau, stadsdeel, vakdienst, partner or admin.
        #[arg(long)]
        role: String,
    },
}

#[derive(Args)]
struct GenerateArgs {
    /// Number of projects (partners: one per 20 projects, at least 10).
    #[arg(long, default_value_t = 100_000)]
    projects: usize,
    /// Number of signals.
    #[arg(long, default_value_t = 1_000_000)]
    signals: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Every time lies before midnight (UTC) of this day, YYYY-MM-DD; by default today.
    #[arg(long)]
    anchor: Option<String>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
struct TokenArgs {
    /// programmabureau, stadsdeel, vakdienst, partner or admin.
    #[arg(long)]
    role: String,
    /// The district of a stadsdeel.
    #[arg(long, conflicts_with_all = ["department", "partner"])]
    district: Option<String>,
    /// The department of a vakdienst.
    #[arg(long, conflicts_with_all = ["district", "partner"])]
    department: Option<String>,
    /// The partner id of a partner.
    #[arg(long, conflicts_with_all = ["district", "department"])]
    partner: Option<String>,
    /// The display name in the token.
    #[arg(long)]
    name: Option<String>,
    /// The subject; by default derived from role and scope.
    #[arg(long)]
    sub: Option<String>,
    /// Lifetime, like 30m, 8h or 1d.
    #[arg(long, default_value = "8h")]
    ttl: String,
}

#[actix_web::main]
async fn main() -> ExitCode {
    match LogFormat::from_env() {
        Ok(format) => wijkregie::telemetry::logging::init(format),
        Err(message) => {
            eprintln!("wijkregie: {message}");
            return ExitCode::FAILURE;
        }
    }
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Openapi { public_url, pages } => print_openapi(public_url.as_deref(), pages),
        Command::Access(command) => print_access(&command),
        Command::Listen(args) => wijkregie::listen::run(&args.host, args.port, args.secret).await,
        Command::Serve { demo } => match settings() {
            Ok(settings) => serve(settings, demo).await,
            Err(e) => Err(e),
        },
        Command::DemoData => settings().and_then(|s| load_demo(&s)),
        Command::Generate(args) => settings().and_then(|s| generate(&s, &args)),
        Command::Migrate => settings().and_then(|s| startup::open_database(&s).map(|_| ())),
        Command::Token(args) => settings().and_then(|s| token(&s, &args)),
        Command::Import(ImportCommand::Partners { file, dry_run }) => {
            settings().and_then(|s| import_partners(&s, &file, dry_run))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("wijkregie: {message}");
            ExitCode::FAILURE
        }
    }
}

fn settings() -> Result<Settings, String> {
    Settings::from_env().map_err(|problems| {
        format!(
            "the configuration has {} problem(s):\n  - {}",
            problems.len(),
            problems.join("\n  - ")
        )
    })
}

fn print_openapi(public_url: Option<&str>, pages: bool) -> Result<(), String> {
    let public_url = public_url
        .map(|url| wijkregie::config::public_url(url).map_err(|e| format!("--public-url {e}")))
        .transpose()?;
    let at = match &public_url {
        Some(url) => openapi::ServedAt::Public(url),
        None => openapi::ServedAt::AnyHost,
    };
    let json = if pages {
        openapi::public_document_json(at)
    } else {
        openapi::document_json(at)
    }
    .map_err(|e| format!("cannot render the document: {e}"))?;
    print!("{json}");
    Ok(())
}

/// The development secret when no key is configured (made on first start); `None` otherwise.
fn dev_secret(settings: &Settings) -> Result<Option<Vec<u8>>, String> {
    match settings.jwt.key {
        JwtKey::Development => {
            development_secret(&settings.data_dir()).map(|(secret, _)| Some(secret))
        }
        JwtKey::Secret(_) | JwtKey::PublicKeyFile(_) | JwtKey::Jwks(_) => Ok(None),
    }
}

/// The secret `wijkregie token` signs with: never a new one, which the server would not know.
fn minting_secret(settings: &Settings) -> Result<Option<Vec<u8>>, String> {
    match settings.jwt.key {
        JwtKey::Development => {
            let dir = settings.data_dir();
            match existing_development_secret(&dir)? {
                Some((secret, _)) => Ok(Some(secret)),
                None => Err(format!(
                    "there is no development secret in {}: run this where the server runs (its \
                     data directory follows DATABASE_URL), start `wijkregie serve` there once, or \
                     set WIJKREGIE_JWT_SECRET to the server's secret",
                    dir.display()
                )),
            }
        }
        JwtKey::Secret(_) | JwtKey::PublicKeyFile(_) | JwtKey::Jwks(_) => Ok(None),
    }
}

/// Loads the demo programme, or says why it changed nothing.
fn load_demo(settings: &Settings) -> Result<(), String> {
    let db = startup::open_database(settings)?;
    let mut conn = db
        .get()
        .map_err(|e| format!("cannot open the database: {e}"))?;
    match wijkregie::demo::load(&mut conn, wijkregie::domain::time::now())
        .map_err(|e| format!("loading the demo programme failed: {e}"))?
    {
        Some(loaded) => log::info!(
            "demo programme loaded: {} partners, {} projects, {} signals",
            loaded.partners,
            loaded.projects,
            loaded.signals
        ),
        None => log::info!(
            "the database holds programme data already; the demo programme was not loaded"
        ),
    }
    Ok(())
}

/// Imports partners from a CSV file, with a progress bar on standard error (hidden when that
/// is not a terminal): the rows checked, then the rows written. Ends with the rate.
fn import_partners(
    settings: &Settings,
    file: &std::path::Path,
    dry_run: bool,
) -> Result<(), String> {
    use wijkregie::api::import::{self, Stage};
    let text = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let rows = text
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        .saturating_sub(1);
    let db = startup::open_database(settings)?;
    let mut conn = db
        .get()
        .map_err(|e| format!("cannot open the database: {e}"))?;
    wijkregie::db::allow_long_statements(&mut conn)
        .map_err(|e| format!("cannot prepare the database session: {e}"))?;
    let bar = indicatif::ProgressBar::new(u64::try_from(rows).unwrap_or(u64::MAX)).with_style(
        indicatif::ProgressStyle::with_template("{msg:9} {wide_bar} {pos}/{len} rows, {per_sec}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message("checking");
    let started = std::time::Instant::now();
    let mut stage = Stage::Checking;
    let imported = import::partners(&mut conn, text.as_slice(), dry_run, &mut |now, done| {
        if now != stage {
            stage = now;
            bar.set_message("writing");
            bar.reset();
        }
        bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
    });
    bar.finish_and_clear();
    let imported = imported?;
    let seconds = started.elapsed().as_secs_f64();
    let total = imported.created + imported.updated + imported.unchanged;
    let verb = if dry_run { "would import" } else { "imported" };
    #[expect(clippy::cast_precision_loss, reason = "a rate to print")]
    let rate = total as f64 / seconds.max(0.001);
    println!(
        "{verb} {total} partner(s): {} created, {} updated, {} unchanged, in {seconds:.1} s ({rate:.0} rows/s)",
        imported.created, imported.updated, imported.unchanged,
    );
    Ok(())
}

/// Generates a city-scale programme, with a progress bar on standard error.
fn generate(settings: &Settings, args: &GenerateArgs) -> Result<(), String> {
    const MAX_ROWS: usize = 100_000_000;
    if args.projects > MAX_ROWS || args.signals > MAX_ROWS {
        return Err(format!(
            "--projects and --signals must be at most {MAX_ROWS}"
        ));
    }
    let day = match &args.anchor {
        None => wijkregie::domain::time::now().date(),
        Some(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|e| format!("--anchor '{text}' is not a date like 2026-11-27: {e}"))?,
    };
    let plan = generate::Plan {
        projects: args.projects,
        signals: args.signals,
        seed: args.seed,
        anchor: generate::Plan::anchor_of(day),
    };
    let db = startup::open_database(settings)?;
    let mut conn = db
        .get()
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let started = std::time::Instant::now();
    let mut bar = ProgressBar::new(!args.quiet);
    let generated = generate::generate(&mut conn, &plan, &mut |stage, done, total| {
        bar.show(stage, done, total);
    })
    .map_err(|e| format!("generating the programme failed: {e}"))?;
    bar.end();
    match generated {
        Some(g) => {
            eprintln!(
                "generated {} partners, {} projects ({} assessments), {} signals and {} events \
                 in {:.1} s (seed {}, anchor {day})",
                g.partners,
                g.projects,
                g.assessments,
                g.signals,
                g.events,
                started.elapsed().as_secs_f64(),
                plan.seed
            );
            Ok(())
        }
        None => Err(
            "the database holds programme data already; generate into an empty database".to_owned(),
        ),
    }
}

/// A one-line progress bar on standard error, redrawn when its percentage changes.
struct ProgressBar {
    enabled: bool,
    last: Option<(&'static str, usize)>,
    started: std::time::Instant,
}

impl ProgressBar {
    fn new(enabled: bool) -> Self {
        Self {
            enabled,
            last: None,
            started: std::time::Instant::now(),
        }
    }

    fn show(&mut self, stage: &'static str, done: usize, total: usize) {
        if !self.enabled {
            return;
        }
        let percent = done.saturating_mul(100) / total.max(1);
        if let Some((last_stage, last_percent)) = self.last {
            if last_stage == stage && last_percent == percent {
                return;
            }
            if last_stage != stage {
                eprintln!();
            }
        }
        self.last = Some((stage, percent));
        let filled = percent * 30 / 100;
        eprint!(
            "\r{stage:<10} [{}{}] {percent:>3}% {done:>9}/{total:<9} {:>6.1} s",
            "#".repeat(filled),
            " ".repeat(30 - filled),
            self.started.elapsed().as_secs_f64()
        );
    }

    fn end(&mut self) {
        if self.enabled && self.last.is_some() {
            eprintln!();
        }
    }
}

async fn serve(settings: Settings, demo: bool) -> Result<(), String> {
    if demo {
        load_demo(&settings)?;
    }
    let development = settings.jwt.key == JwtKey::Development;
    if development && !settings.binds_loopback_only() {
        return Err(format!(
            "no WIJKREGIE_JWT_SECRET, WIJKREGIE_JWT_PUBLIC_KEY_FILE, WIJKREGIE_OIDC_ISSUER, \
             WIJKREGIE_JWKS_URL or WIJKREGIE_JWKS_FILE is set, so this is development mode, which \
             only listens on loopback; {} is not. Configure a key to serve elsewhere.",
            settings.bind
        ));
    }
    let secret = dev_secret(&settings)?;
    let app = startup::build(&settings, secret.as_deref())?;
    log::info!(
        "wijkregie {} on http://{} ({} database)",
        env!("CARGO_PKG_VERSION"),
        app.address,
        app.db.backend()
    );
    if let Some(metrics) = app.metrics_address {
        log::info!("metrics for Prometheus on http://{metrics}/metrics");
    }
    if development {
        log::warn!(
            "DEVELOPMENT MODE: no JWT key configured; tokens are signed with a generated secret in {}. \
             Set WIJKREGIE_JWT_SECRET or WIJKREGIE_JWT_PUBLIC_KEY_FILE for anything but your own machine.",
            settings.data_dir().display()
        );
        let partner_id = app.db.get().ok().and_then(|mut conn| {
            wijkregie::db::partners::first_active_id(&mut conn)
                .ok()
                .flatten()
        });
        print_development_tokens(
            &settings,
            secret.as_deref(),
            app.address,
            app.metrics_address,
            partner_id,
        );
    }
    app.run_until_stopped().await
}

fn print_development_tokens(
    settings: &Settings,
    secret: Option<&[u8]>,
    address: std::net::SocketAddr,
    metrics_address: Option<std::net::SocketAddr>,
    partner_id: Option<String>,
) {
    let partner_id_missing = partner_id.is_none();
    let Ok(minter) = TokenMinter::new(&settings.jwt, secret) else {
        return;
    };
    println!("\nwijkregie is running in development mode.");
    println!("  API docs:  http://{address}/docs");
    if let Some(metrics) = metrics_address {
        println!("  Metrics:   http://{metrics}/metrics");
    }
    println!();
    println!("Tokens, valid 8 hours (mint more with `wijkregie token --role …`). Paste one line:");
    let roles = [
        Role::Programmabureau,
        Role::Stadsdeel {
            district_id: "escamp".to_owned(),
        },
        Role::Vakdienst {
            department_id: "ocw".to_owned(),
        },
        Role::Admin,
    ];
    // A partner token is only useful for a partner that exists: take the first registered one.
    let partner = partner_id.map(|partner_id| Role::Partner { partner_id });
    for role in roles.into_iter().chain(partner) {
        let subject = role.default_subject();
        if let Ok(token) = minter.mint(&subject, None, &role, Duration::from_secs(8 * 3600)) {
            let scope = match (role.kind().scope_claim(), role.scope()) {
                (Some(claim), Some(value)) => format!("{claim} {value}"),
                _ => "no scope: the whole city".to_owned(),
            };
            println!("  # {} ({scope})", role.kind().as_str());
            println!("  export TOKEN={token}");
        }
    }
    println!(
        "\nThen, for example:\n  curl -H \"Authorization: Bearer $TOKEN\" http://{address}/api/v1/projects"
    );
    if partner_id_missing {
        println!("  (no partner token: register a partner with POST /api/v1/partners, then");
        println!("   `wijkregie token --role partner --partner <its id>`)");
    }
    println!();
}

fn print_access(command: &AccessCommand) -> Result<(), String> {
    match command {
        AccessCommand::Matrix => print!("{}", authz::operations::markdown_matrix()),
        AccessCommand::Denied { role } => {
            let kind = RoleKind::parse(role).ok_or_else(|| {
                format!(
                    "--role must be one of {}",
                    RoleKind::ALL.map(RoleKind::as_str).join(", ")
                )
            })?;
            // A pattern that matches no operation id when the role may try every operation.
            let regex = authz::operations::denied_regex(kind).unwrap_or_else(|| "^$".to_owned());
            println!("{regex}");
        }
    }
    Ok(())
}

fn token(settings: &Settings, args: &TokenArgs) -> Result<(), String> {
    let kind = RoleKind::parse(&args.role).ok_or_else(|| {
        format!(
            "--role must be one of {}",
            RoleKind::ALL.map(RoleKind::as_str).join(", ")
        )
    })?;
    let scope = args
        .district
        .clone()
        .or(args.department.clone())
        .or(args.partner.clone());
    let given_claim = match (&args.district, &args.department, &args.partner) {
        (Some(_), _, _) => Some("district"),
        (_, Some(_), _) => Some("department"),
        (_, _, Some(_)) => Some("partner"),
        _ => None,
    };
    if given_claim != kind.scope_claim() {
        return Err(match kind.scope_claim() {
            Some(claim) => format!("--role {} needs --{claim}", kind.as_str()),
            None => format!("--role {} takes no scope option", kind.as_str()),
        });
    }
    let role = Role::with_scope(kind, scope).ok_or("the role needs its scope")?;
    let ttl = parse_duration(&args.ttl).map_err(|e| format!("--ttl {e}"))?;
    let secret = minting_secret(settings)?;
    let minter = TokenMinter::new(&settings.jwt, secret.as_deref())?;
    let subject = args.sub.clone().unwrap_or_else(|| role.default_subject());
    println!(
        "{}",
        minter.mint(&subject, args.name.as_deref(), &role, ttl)?
    );
    Ok(())
}
