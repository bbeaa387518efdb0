//! Builds the running service: pool, migrations, token verifier, middleware and routes, bound to
//! the configured address (port 0 in tests), and the metrics listener when one is configured.
//! `main` and the test harness start the very same app.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{
    Condition, DefaultHeaders, ErrorHandlerResponse, ErrorHandlers, from_fn,
};
use actix_web::{App, HttpServer, web};
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi, Url};

use crate::api::event_stream::LiveEvents;
use crate::api::hostile_input;
use crate::api::http;
use crate::api::idempotency::{IdempotencyHours, idempotency};
use crate::api::input::{BodyLimit, BodyTimeout};
use crate::api::policy_issues::PolicyResponseDays;
use crate::api::projects::ProjectResponseDays;
use crate::api::track::PublicRateLimit;
use crate::auth::TokenVerifier;
use crate::config::Settings;
use crate::db::{self, DatabaseTarget, Db};
use crate::error::{ApiError, PROBLEM_JSON};
use crate::jobs::mail::Mailer;
use crate::openapi::{self, API_VERSION, BASE_PATH, PUBLIC_DOCUMENT_PATH, ServedAt};
use crate::routes;
use crate::telemetry;
use crate::telemetry::metrics::Metrics;

/// A built, bound service, not yet awaited.
pub struct Application {
    pub server: Server,
    pub address: SocketAddr,
    /// Where `GET /metrics` answers (already serving), when `WIJKREGIE_METRICS_BIND` is set.
    pub metrics_address: Option<SocketAddr>,
    pub db: Db,
    /// Stops the webhook (and mail) worker, when this instance runs one.
    pub webhooks: Option<crate::jobs::webhooks::Stopper>,
    /// How long the worker may take to finish its deliveries in flight at a stop.
    pub drain: Duration,
}

/// How long a graceful stop waits for the requests in hand and for the deliveries in flight
/// (both at once); actix-web's default, stated.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

impl Application {
    /// Serves until SIGTERM or SIGINT (or a stop through the server's handle), then stops
    /// gracefully: the HTTP server finishes the requests in hand while the webhook worker
    /// finishes or gives back its deliveries in flight (outcome written, lease released), both
    /// within [`SHUTDOWN_TIMEOUT`]; returns when both are done.
    pub async fn run_until_stopped(self) -> Result<(), String> {
        if let Some(worker) = self.webhooks.clone() {
            let drain = self.drain;
            actix_web::rt::spawn(async move {
                termination().await;
                worker.stop(drain).await;
            });
        }
        let served = self.server.await;
        if let Some(worker) = &self.webhooks {
            worker.stop(self.drain).await;
        }
        served.map_err(|e| format!("the server stopped: {e}"))
    }
}

/// Waits for SIGTERM or SIGINT (the server itself also stops on them).
#[cfg(unix)]
async fn termination() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut terminate), Ok(mut interrupt)) => {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
        }
        (Err(e), _) | (_, Err(e)) => {
            log::warn!(
                "webhooks: cannot listen for SIGTERM ({e}); the worker stops after the server"
            );
            std::future::pending::<()>().await;
        }
    }
}

/// Waits for Ctrl-C (the server itself also stops on it).
#[cfg(not(unix))]
async fn termination() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Opens the database (creating an SQLite file's folder), and runs pending migrations.
pub fn open_database(settings: &Settings) -> Result<Db, String> {
    if let DatabaseTarget::Sqlite(path) = &settings.database {
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create the database folder {}: {e}", dir.display()))?;
        }
    }
    let db = Db::connect(
        settings.database.clone(),
        settings.pool_size,
        settings.pool_timeout,
        settings.statement_timeouts,
    )?;
    // Migrations may take longer than a request may: a connection of their own, without the
    // pool's statement and lock timeouts.
    let mut conn = settings
        .database
        .connect()
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let applied = db::run_migrations(&mut conn).map_err(|e| format!("migrations failed: {e}"))?;
    for version in applied {
        log::info!("applied migration {version}");
    }
    Ok(db)
}

/// Builds the service and binds it. `dev_secret` is the development-mode HS256 secret.
pub fn build(settings: &Settings, dev_secret: Option<&[u8]>) -> Result<Application, String> {
    let db = open_database(settings)?;
    let metrics = settings
        .metrics_bind
        .as_ref()
        .map(|_| Metrics::new())
        .transpose()?;
    let db = match &metrics {
        Some(metrics) => db.with_metrics(metrics.clone()),
        None => db,
    };
    let verifier = web::Data::new(TokenVerifier::new(&settings.jwt, dev_secret, db.clone())?);
    crate::auth::jwt::spawn_key_refresh(verifier.clone().into_inner());
    let listener = TcpListener::bind(&settings.bind)
        .map_err(|e| format!("cannot listen on {}: {e}", settings.bind))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let db_data = web::Data::new(db.clone());
    let body_limit = BodyLimit(settings.body_limit);
    let body_timeout = BodyTimeout(settings.body_timeout);
    let origins = settings.cors_origins.clone();
    let response_days = ProjectResponseDays(settings.project_response_days);
    let policy_response_days = PolicyResponseDays(settings.policy_response_days);
    let idempotency_hours = IdempotencyHours(settings.idempotency_hours);
    let webhook_settings = web::Data::new(settings.webhooks.clone());
    let served_at = match &settings.webhooks.public_url {
        Some(url) => ServedAt::Public(url),
        None => ServedAt::Relative,
    };
    let render = |e: serde_json::Error| format!("cannot render the OpenAPI documents: {e}");
    let document = web::Data::new(routes::ServedDocuments {
        api: openapi::document_json(served_at).map_err(render)?,
        public_pages: openapi::public_document_json(served_at).map_err(render)?,
    });
    let public_rate_limit = web::Data::new(PublicRateLimit::per_minute(
        settings.mail.track_rate_per_minute,
    ));
    let request_metrics = metrics.clone();
    let werkbank = settings.werkbank.clone();
    let live = web::Data::from(LiveEvents::start(db.clone(), settings.streams.clone()));
    end_streams_on_shutdown(live.clone().into_inner());

    let server = HttpServer::new(move || {
        App::new()
            .app_data(db_data.clone())
            .app_data(verifier.clone())
            .app_data(body_limit)
            .app_data(body_timeout)
            .app_data(response_days)
            .app_data(policy_response_days)
            .wrap(from_fn(hostile_input::refuse_control_characters_in_paths))
            .wrap(from_fn(hostile_input::refuse_oversized_headers))
            .app_data(idempotency_hours)
            .app_data(webhook_settings.clone())
            .app_data(public_rate_limit.clone())
            .app_data(document.clone())
            .app_data(live.clone())
            .configure(|cfg| {
                if let Some(metrics) = &request_metrics {
                    cfg.app_data(metrics.clone());
                }
            })
            // Request id, access log (and metrics) around all the rest, inside the backstop so
            // that the backstop's problems carry the id too.
            .wrap(from_fn(telemetry::observe))
            .wrap(ErrorHandlers::new().default_handler(problem_backstop))
            .wrap(DefaultHeaders::new().add(("API-Version", API_VERSION)))
            // The documents are public and readable from any origin; the API's is registered
            // before the scope so that the scope does not take its path.
            .service(
                routes::resource(
                    &format!("{BASE_PATH}/openapi.json"),
                    "GET",
                    [web::get().to(routes::openapi_document)],
                )
                .wrap(document_cors()),
            )
            .service(
                routes::resource(
                    PUBLIC_DOCUMENT_PATH,
                    "GET",
                    [web::get().to(routes::public_openapi_document)],
                )
                .wrap(document_cors()),
            )
            .service(
                web::scope(BASE_PATH)
                    .wrap(from_fn(idempotency))
                    .wrap(from_fn(http::not_modified))
                    .wrap(Condition::new(
                        !origins.is_empty(),
                        api_cors(origins.clone()),
                    ))
                    .configure(routes::api)
                    .default_service(web::to(routes::not_found)),
            )
            .configure(routes::operations)
            .configure(|cfg| {
                if let Some(werkbank) = &werkbank {
                    crate::werkbank::configure(cfg, werkbank);
                }
            })
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    // No badge from the public validator: it fails (and shows a broken image) on
                    // a closed network, and it would send the document outside.
                    .config(
                        SwaggerConfig::new([
                            Url::with_primary("wijkregie API", "/api/v1/openapi.json", true),
                            Url::new("wijkregie public pages", PUBLIC_DOCUMENT_PATH),
                        ])
                        .validator_url("none"),
                    ),
            )
            .default_service(web::to(routes::not_found))
    })
    .workers(settings.workers)
    .shutdown_timeout(SHUTDOWN_TIMEOUT.as_secs())
    .worker_max_blocking_threads(blocking_threads(settings.pool_size, settings.workers))
    .listen(listener)
    .map_err(|e| format!("cannot serve on {address}: {e}"))?
    .run();
    let metrics_address = match (&settings.metrics_bind, metrics) {
        (Some(bind), Some(metrics)) => Some(serve_metrics(bind, metrics, db.clone())?),
        _ => None,
    };

    let public_url = settings
        .webhooks
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    let mut webhooks = None;
    if settings.webhooks.worker {
        let mailer = mailer(settings, &db, public_url.clone())?;
        let origin = crate::jobs::webhooks::cloudevent::Origin {
            source: settings.webhooks.event_source.clone(),
            public_url,
        };
        webhooks = Some(crate::jobs::webhooks::spawn(
            db.clone(),
            &settings.webhooks,
            origin,
            mailer,
        )?);
    }
    if settings.overdue_sweep_seconds > 0 {
        spawn_job(
            db.clone(),
            Duration::from_secs(settings.overdue_sweep_seconds),
            "overdue sweep",
            "signal(s) passed their due date",
            crate::jobs::overdue::sweep_overdue,
        );
        spawn_job(
            db.clone(),
            Duration::from_secs(settings.overdue_sweep_seconds),
            "overdue sweep of policy responses",
            "policy issue(s) passed their response deadline",
            crate::jobs::overdue::sweep_overdue_responses,
        );
    }
    let retention_days = settings.reporter_retention_days;
    spawn_job(
        db.clone(),
        RETENTION_SWEEP_INTERVAL,
        "reporter erasure",
        "reporter(s) erased after the retention term",
        move |conn, now| crate::jobs::retention::erase_reporters(conn, now, retention_days),
    );
    spawn_job(
        db.clone(),
        IDEMPOTENCY_CLEANUP_INTERVAL,
        "idempotency cleanup",
        "expired idempotency key(s) removed",
        crate::jobs::idempotency::remove_expired_keys,
    );
    // A delivery in flight ends within the request timeout; its outcome is written after it.
    let drain = SHUTDOWN_TIMEOUT.min(settings.webhooks.request_timeout + Duration::from_secs(5));
    Ok(Application {
        server,
        address,
        metrics_address,
        db,
        webhooks,
        drain,
    })
}

/// Binds the metrics listener and starts it beside the API; its address.
fn serve_metrics(bind: &str, metrics: Metrics, db: Db) -> Result<SocketAddr, String> {
    let listener =
        TcpListener::bind(bind).map_err(|e| format!("cannot listen for metrics on {bind}: {e}"))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound metrics address: {e}"))?;
    actix_web::rt::spawn(telemetry::metrics::serve(listener, metrics, db)?);
    Ok(address)
}

/// The mailer of the settings, with the mail queue made if it is new; says once where mail
/// goes, or that none is sent.
fn mailer(settings: &Settings, db: &Db, public_url: String) -> Result<Option<Mailer>, String> {
    let Some(mailer) = Mailer::new(
        &settings.mail,
        public_url,
        settings.webhooks.request_timeout,
    )?
    else {
        log::info!(
            "mail: WIJKREGIE_SMTP_URL is not set: no e-mail goes to reporters and partners \
             (the tracking pages work all the same)"
        );
        return Ok(None);
    };
    let mut conn = db
        .get()
        .map_err(|e| format!("cannot open the database: {e}"))?;
    db::write_transaction(&mut conn, |conn| {
        db::subscriptions::ensure_mail_queue(conn, crate::domain::time::now())
    })
    .map_err(|e| format!("cannot set up the mail queue: {e}"))?;
    log::info!(
        "mail: messages to reporters and partners go {}",
        mailer.description()
    );
    Ok(Some(mailer))
}

/// How often expired idempotency keys are removed.
const IDEMPOTENCY_CLEANUP_INTERVAL: Duration = Duration::from_secs(600);
/// How often reporters past their retention term are looked for.
const RETENTION_SWEEP_INTERVAL: Duration = Duration::from_secs(3600);

/// Every `interval`, runs `job` at the current time: the overdue sweep (one `signal.overdue`
/// event per signal, however many instances sweep), the reporter erasure and the idempotency
/// cleanup.
fn spawn_job<F>(db: Db, interval: Duration, name: &'static str, done: &'static str, job: F)
where
    F: Fn(&mut db::DbConnection, chrono::NaiveDateTime) -> Result<usize, ApiError>
        + Send
        + Copy
        + 'static,
{
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(interval);
        loop {
            ticker.tick().await;
            match db
                .read(move |conn| job(conn, crate::domain::time::now()))
                .await
            {
                Ok(0) => {}
                Ok(n) => {
                    // A job that changed rows may have written events (the overdue sweep does):
                    // the webhook worker need not wait for its poll.
                    db.notify_committed();
                    log::info!("{name}: {n} {done}");
                }
                Err(e) => log::warn!("{name} failed: {e}"),
            }
        }
    });
}

/// CORS for the OpenAPI documents: readable from any origin, without credentials.
fn document_cors() -> Cors {
    Cors::default()
        .allow_any_origin()
        .send_wildcard()
        .allowed_methods(["GET"])
}

/// Ends the live event streams when the service is asked to stop (SIGTERM, SIGINT or SIGQUIT,
/// the signals on which actix stops the server): a graceful stop waits for open responses, and
/// a stream would otherwise hold it until the shutdown timeout.
fn end_streams_on_shutdown(live: std::sync::Arc<LiveEvents>) {
    actix_web::rt::spawn(async move {
        #[cfg(unix)]
        {
            use actix_web::rt::signal::unix::{SignalKind, signal};
            let kinds = [
                SignalKind::terminate(),
                SignalKind::interrupt(),
                SignalKind::quit(),
            ];
            let mut listeners: Vec<_> = kinds.into_iter().filter_map(|k| signal(k).ok()).collect();
            if listeners.is_empty() {
                log::warn!("no signal handler: live event streams end at the shutdown timeout");
                return;
            }
            let waits = listeners.iter_mut().map(|l| Box::pin(l.recv()));
            futures_util::future::select_all(waits).await;
        }
        #[cfg(not(unix))]
        {
            let _ = actix_web::rt::signal::ctrl_c().await;
        }
        log::info!("stopping: ending the live event streams");
        live.close();
    });
}

/// CORS for browser clients on the configured origins (and the service's own origin, so that
/// Swagger UI's "Try it out" keeps working): credentials are Bearer tokens, not cookies.
fn api_cors(origins: Vec<String>) -> Cors {
    Cors::default()
        .allowed_origin_fn(move |origin, head| {
            let Ok(origin) = origin.to_str() else {
                return false;
            };
            let same_origin = head
                .headers()
                .get(header::HOST)
                .and_then(|host| host.to_str().ok())
                .is_some_and(|host| {
                    origin
                        .split_once("://")
                        .is_some_and(|(_, rest)| rest == host)
                });
            same_origin || origins.iter().any(|allowed| allowed == origin)
        })
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::ACCEPT,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("last-event-id"),
            crate::request_id::HEADER,
        ])
        .expose_headers([
            header::ETAG,
            header::LINK,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static("api-version"),
            header::HeaderName::from_static("idempotent-replayed"),
            crate::request_id::HEADER,
        ])
        .max_age(3600)
}

/// Makes every error a problem document: an [`ApiError`] is rendered again with the request
/// path as `instance` (and logged once); any other error response (from actix itself or a
/// library) is replaced by a problem with the same status. A rebuilt response keeps the headers
/// the layers inside added (CORS grants, `Vary`, `ETag`), so errors reach browsers too.
fn problem_backstop<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let rebuilt = match response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
    {
        Some(api_error) => {
            api_error.log();
            Some(api_error.to_response(Some(response.request())))
        }
        None => {
            let is_problem = response
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|ct| ct == HeaderValue::from_static(PROBLEM_JSON));
            (!is_problem).then(|| {
                ApiError::from_status(response.status()).to_response(Some(response.request()))
            })
        }
    };
    Ok(ErrorHandlerResponse::Response(match rebuilt {
        Some(mut new_response) => {
            let (request, old) = response.into_parts();
            let kept: Vec<_> = old
                .headers()
                .iter()
                .filter(|(name, _)| {
                    !new_response.headers().contains_key(*name) && *name != header::CONTENT_LENGTH
                })
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            for (name, value) in kept {
                new_response.headers_mut().append(name, value);
            }
            ServiceResponse::new(request, new_response).map_into_right_body()
        }
        None => response.map_into_left_body(),
    }))
}

/// Blocking threads per worker, so that all workers together have as many as the pool has
/// connections. Every blocking task holds a connection (`Db::read`), so a thread beyond that
/// can only sleep in the pool's queue; with actix's default (512 / workers) a burst made dozens
/// of them, and their wake-ups cost the two cores up to a fifth of a single GET's throughput
/// (benches/README.md). A request waiting for a thread still gets 503 after the pool's checkout
/// timeout: `Db::read` counts that wait as part of it.
fn blocking_threads(pool_size: u32, workers: usize) -> usize {
    usize::try_from(pool_size)
        .unwrap_or(usize::MAX)
        .div_ceil(workers.max(1))
        .max(1)
}
