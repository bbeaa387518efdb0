//! The service's Prometheus metrics (DESIGN §14): what they are called, where they are counted,
//! and the listener on `WIJKREGIE_METRICS_BIND` that serves them in the Prometheus text format.
//!
//! Counting goes through the `metrics` macros; `metrics-exporter-prometheus` keeps the values and
//! writes the exposition. Each running service has a recorder of its own ([`Metrics`]), never a
//! process-wide one: the request middleware and `Db::read` (around all database work, the
//! background jobs' included) make it the recorder of the code they run, with
//! `metrics::with_local_recorder`. So a test process that starts many services counts each one
//! apart, and without `WIJKREGIE_METRICS_BIND` there is no recorder and the macros do nothing.
//!
//! Most values are counted where they happen. The pool's state is read at each scrape; the
//! figures that need a query (overdue signals and policy responses, the delivery queues' lag)
//! are read at a scrape at most every [`STORED_READINGS_TTL`] (see [`Readings`]).

use std::future::Future;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::Server;
use actix_web::http::Method;
use actix_web::{App, HttpResponse, HttpServer, web};
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

pub const HTTP_REQUESTS: &str = "wijkregie_http_requests_total";
pub const HTTP_REQUEST_DURATION: &str = "wijkregie_http_request_duration_seconds";
pub const DB_POOL_IN_USE: &str = "wijkregie_db_pool_connections_in_use";
pub const DB_POOL_IDLE: &str = "wijkregie_db_pool_connections_idle";
pub const DB_POOL_MAX: &str = "wijkregie_db_pool_connections_max";
pub const DB_POOL_WAIT: &str = "wijkregie_db_pool_wait_seconds";
pub const EVENTS_WRITTEN: &str = "wijkregie_events_written_total";
pub const DELIVERIES: &str = "wijkregie_deliveries_total";
pub const DELIVERY_QUEUE_LAG: &str = "wijkregie_delivery_queue_lag_seconds";
pub const OVERDUE_SIGNALS: &str = "wijkregie_overdue_signals";
pub const OVERDUE_POLICY_RESPONSES: &str = "wijkregie_overdue_policy_responses";
pub const BUILD_INFO: &str = "wijkregie_build_info";

/// The route label of a request that matched no route: a fixed value, so that the paths
/// clients make up cannot each become a series.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The Prometheus text format's content type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How long the figures read from the database at a scrape are served again before the next
/// scrape reads them anew: frequent scrapes (or several Prometheus servers) cost the database
/// one round of counting queries per period.
pub const STORED_READINGS_TTL: Duration = Duration::from_secs(10);

/// How often histogram samples are folded into their buckets between scrapes, so that a service
/// nobody scrapes does not keep every sample.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// Single requests answer in one to five milliseconds; the buckets resolve that range finely
/// and still place the slow tail (a CSV export, a pool timeout of seconds).
const REQUEST_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];
/// A free connection is handed out in microseconds; waiting at all is the signal.
const POOL_WAIT_BUCKETS: [f64; 11] = [
    0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 1.0, 5.0,
];

/// What kind of metric a name is, as the exposition shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// Every metric the service registers, with its kind and help text. The recorder describes
/// these, and a test holds the Grafana dashboard (`grafana-dashboard.json`) to this list.
pub const REGISTERED: [(&str, Kind, &str); 12] = [
    (
        HTTP_REQUESTS,
        Kind::Counter,
        "HTTP requests answered, by method, route template and status.",
    ),
    (
        HTTP_REQUEST_DURATION,
        Kind::Histogram,
        "Time from a request's arrival to its response head, by method, route template and status.",
    ),
    (
        DB_POOL_IN_USE,
        Kind::Gauge,
        "Database connections handed out at the scrape.",
    ),
    (
        DB_POOL_IDLE,
        Kind::Gauge,
        "Database connections open and free at the scrape.",
    ),
    (
        DB_POOL_MAX,
        Kind::Gauge,
        "The most database connections the pool opens (WIJKREGIE_POOL_SIZE).",
    ),
    (
        DB_POOL_WAIT,
        Kind::Histogram,
        "Time spent waiting for a database connection from the pool.",
    ),
    (
        EVENTS_WRITTEN,
        Kind::Counter,
        "Events committed to the event log by this instance, by type.",
    ),
    (
        DELIVERIES,
        Kind::Counter,
        "Delivery attempts recorded, by channel (webhook, mail) and outcome (delivered, \
         retrying, dead, gone, superseded).",
    ),
    (
        DELIVERY_QUEUE_LAG,
        Kind::Gauge,
        "Age of the oldest event that an active subscription of the channel has not dealt with \
         yet; 0 when every queue is caught up. The same on every instance.",
    ),
    (
        OVERDUE_SIGNALS,
        Kind::Gauge,
        "Open signals past their due date. The same on every instance.",
    ),
    (
        OVERDUE_POLICY_RESPONSES,
        Kind::Gauge,
        "Raised policy issues past their response deadline. The same on every instance.",
    ),
    (
        BUILD_INFO,
        Kind::Gauge,
        "Always 1; its version label names the running build.",
    ),
];

/// One service's recorder and the handle that renders it.
#[derive(Clone)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
}

impl Metrics {
    /// A recorder with the buckets of the histograms, every metric described, and the build info.
    pub fn new() -> Result<Self, String> {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(HTTP_REQUEST_DURATION.to_owned()),
                &REQUEST_BUCKETS,
            )
            .and_then(|builder| {
                builder.set_buckets_for_metric(
                    Matcher::Full(DB_POOL_WAIT.to_owned()),
                    &POOL_WAIT_BUCKETS,
                )
            })
            .map_err(|e| format!("cannot set up the metrics: {e}"))?
            .build_recorder();
        let metrics = Self {
            handle: recorder.handle(),
            recorder: Arc::new(recorder),
        };
        metrics.scope(|| {
            for (name, kind, help) in REGISTERED {
                match kind {
                    Kind::Counter => describe_counter!(name, help),
                    Kind::Gauge => describe_gauge!(name, help),
                    Kind::Histogram => describe_histogram!(name, help),
                }
            }
            gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        });
        Ok(metrics)
    }

    /// Runs `work` with this service's recorder as the one the `metrics` macros record to.
    pub fn scope<T>(&self, work: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(self.recorder.as_ref(), work)
    }

    /// Everything recorded, in the Prometheus text format.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Counts one answered request and its duration.
    pub fn request_served(
        &self,
        method: &Method,
        route: Option<&str>,
        status: u16,
        took: Duration,
    ) {
        let labels = [
            ("method", method_label(method).to_owned()),
            ("route", route.unwrap_or(UNMATCHED_ROUTE).to_owned()),
            ("status", status.to_string()),
        ];
        self.scope(|| {
            counter!(HTTP_REQUESTS, &labels).increment(1);
            histogram!(HTTP_REQUEST_DURATION, &labels).record(took.as_secs_f64());
        });
    }
}

/// Runs `work` recording to `metrics` when the service keeps any.
pub fn recording<T>(metrics: Option<&Metrics>, work: impl FnOnce() -> T) -> T {
    match metrics {
        Some(metrics) => metrics.scope(work),
        None => work(),
    }
}

/// The method as a label: the standard ones by name, anything else as `other`, so that made-up
/// methods cannot each become a series.
fn method_label(method: &Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

/// A connection came from the pool (or none did) after `waited`.
pub fn pool_waited(waited: Duration) {
    histogram!(DB_POOL_WAIT).record(waited.as_secs_f64());
}

/// `count` events of type `action` committed.
pub fn events_written(action: &str, count: u64) {
    counter!(EVENTS_WRITTEN, "type" => action.to_owned()).increment(count);
}

/// One delivery attempt on `channel` recorded with `outcome`.
pub fn delivery_recorded(channel: &'static str, outcome: &'static str) {
    counter!(DELIVERIES, "channel" => channel, "outcome" => outcome).increment(1);
}

/// The connection pool at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Connections open, in use or free.
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
}

/// The figures a scrape reads from the stored data.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReadings {
    pub overdue_signals: i64,
    pub overdue_policy_responses: i64,
    /// Per channel (`webhook`, `mail`), the queue lag in seconds.
    pub queue_lag_seconds: Vec<(&'static str, f64)>,
}

/// Where a scrape reads what is not counted as it happens (the database, for the service).
pub trait Readings: Send + Sync + 'static {
    fn pool(&self) -> PoolState;
    fn stored(&self) -> impl Future<Output = Result<StoredReadings, String>>;
}

/// What the listener's handler shares: the recorder, the readings and the last stored ones.
struct Exporter<R> {
    metrics: Metrics,
    readings: R,
    stored: Mutex<Option<(Instant, StoredReadings)>>,
}

impl<R: Readings> Exporter<R> {
    /// Sets the gauges that are read rather than counted, then renders everything.
    async fn scrape(&self) -> String {
        let pool = self.readings.pool();
        let stored = self.stored_readings().await;
        self.metrics.scope(|| {
            gauge!(DB_POOL_IN_USE).set(pool.connections.saturating_sub(pool.idle));
            gauge!(DB_POOL_IDLE).set(pool.idle);
            gauge!(DB_POOL_MAX).set(pool.max);
            if let Some(stored) = stored {
                gauge!(OVERDUE_SIGNALS).set(stored.overdue_signals as f64);
                gauge!(OVERDUE_POLICY_RESPONSES).set(stored.overdue_policy_responses as f64);
                for (channel, lag) in stored.queue_lag_seconds {
                    gauge!(DELIVERY_QUEUE_LAG, "channel" => channel).set(lag);
                }
            }
        });
        self.metrics.render()
    }

    /// The stored readings, read anew when the last ones are older than the TTL; `None` when
    /// reading fails (the gauges keep their last values, and the log says why).
    async fn stored_readings(&self) -> Option<StoredReadings> {
        let fresh = |at: &Instant| at.elapsed() < STORED_READINGS_TTL;
        if let Ok(last) = self.stored.lock() {
            if let Some((_, readings)) = last.as_ref().filter(|(at, _)| fresh(at)) {
                return Some(readings.clone());
            }
        }
        match self.readings.stored().await {
            Ok(readings) => {
                if let Ok(mut last) = self.stored.lock() {
                    *last = Some((Instant::now(), readings.clone()));
                }
                Some(readings)
            }
            Err(e) => {
                log::warn!("metrics: cannot read the overdue and queue figures: {e}");
                None
            }
        }
    }
}

/// Serves `GET /metrics` on `listener`, and keeps the histograms' samples folded meanwhile. The
/// listener has one worker and leaves signals to the API server, whose end ends the process.
pub fn serve<R: Readings>(
    listener: TcpListener,
    metrics: Metrics,
    readings: R,
) -> Result<Server, String> {
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the metrics address: {e}"))?;
    let handle = metrics.handle.clone();
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(UPKEEP_INTERVAL);
        loop {
            ticker.tick().await;
            handle.run_upkeep();
        }
    });
    let exporter = web::Data::new(Exporter {
        metrics,
        readings,
        stored: Mutex::new(None),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(exporter.clone())
            .route("/metrics", web::get().to(scrape::<R>))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .map_err(|e| format!("cannot serve the metrics on {address}: {e}"))?
    .run();
    Ok(server)
}

async fn scrape<R: Readings>(exporter: web::Data<Exporter<R>>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(exporter.scrape().await)
}

#[cfg(test)]
mod tests;
