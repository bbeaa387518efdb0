//! The delivery workload: webhooks from the event log to a local receiver.
//!
//! Ten subscriptions of the programme bureau, each on `signal.routed` in one neighbourhood, call
//! a receiver this program runs on 127.0.0.1. Two figures:
//! - **commit → delivery** at a fixed offered rate: signals are created at `RATE` per second,
//!   round-robin over the ten neighbourhoods (so each routed event has one delivery), and each
//!   delivery's delay is the receiver's clock minus the event's `time` (the commit, to within the
//!   write's own duration; one machine, one clock);
//! - **deliveries per second** draining a backlog: the subscriptions are paused, a backlog of
//!   signals is created (500 per second of `--duration`), the subscriptions are resumed, and
//!   the time to receive every delivery is measured.
//!
//! The receiver answers 204 at once and verifies nothing: what is measured is wijkregie's side.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::measure::percentile;
use crate::server::Server;

/// Signals per second in the latency phase (one delivery each).
const RATE: u64 = 200;
/// Deliveries in the drain phase per second of `--duration`.
const BACKLOG_PER_SECOND: usize = 500;
/// The neighbourhoods the subscriptions filter on, one each.
const NEIGHBOURHOODS: [&str; 10] = [
    "schilderswijk",
    "transvaal",
    "moerwijk",
    "morgenstond",
    "bouwlust-vrederust",
    "laakkwartier",
    "mariahoeve",
    "spoorwijk",
    "duindorp",
    "regentessekwartier",
];

/// What the delivery workload measured.
#[derive(Debug, Clone)]
pub(crate) struct DeliveryOutcome {
    pub(crate) offered_per_second: f64,
    pub(crate) delay_p50_ms: f64,
    pub(crate) delay_p99_ms: f64,
    pub(crate) delivered_in_latency_phase: usize,
    pub(crate) drain_per_second: f64,
    pub(crate) backlog: usize,
}

impl DeliveryOutcome {
    pub(crate) fn summary(&self) -> String {
        format!(
            "delivery: commit → delivery p50 {:.1} ms, p99 {:.1} ms at {:.0} events/s over 10 subscriptions ({} delivered); \
             drained {} deliveries at {:.0} /s",
            self.delay_p50_ms,
            self.delay_p99_ms,
            self.offered_per_second,
            self.delivered_in_latency_phase,
            self.backlog,
            self.drain_per_second
        )
    }

    pub(crate) fn json(&self) -> Value {
        json!({
            "offeredEventsPerSecond": self.offered_per_second,
            "commitToDeliveryP50Ms": self.delay_p50_ms,
            "commitToDeliveryP99Ms": self.delay_p99_ms,
            "deliveredInLatencyPhase": self.delivered_in_latency_phase,
            "drainDeliveriesPerSecond": self.drain_per_second,
            "backlog": self.backlog,
        })
    }
}

/// Deliveries the receiver has seen: event id → (arrival, the event's own time).
type Received = Arc<Mutex<HashMap<String, (SystemTime, Option<SystemTime>)>>>;

/// Runs both phases against a running server, as the programme bureau (`token`): the latency
/// phase for `seconds`, the drain phase over `BACKLOG_PER_SECOND × seconds` deliveries.
pub(crate) fn run_delivery(
    server: &Server,
    token: &str,
    seconds: u64,
) -> Result<DeliveryOutcome, String> {
    let backlog = BACKLOG_PER_SECOND * seconds as usize;
    let received: Received = Arc::default();
    let port = start_receiver(received.clone())?;
    let base = server.url("/api/v1");
    let token = token.to_owned();
    actix_rt::System::new().block_on(async move {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        let api = Api {
            client,
            base,
            token,
        };
        let mut subscriptions = Vec::new();
        for (i, neighbourhood) in NEIGHBOURHOODS.iter().enumerate() {
            let created = api
                .send(
                    "POST",
                    "/subscriptions",
                    Some(json!({
                        "callbackUrl": format!("http://127.0.0.1:{port}/hooks/{i}"),
                        "types": ["signal.routed"],
                        "filter": { "neighbourhoodId": neighbourhood },
                        "description": "benchmark receiver",
                    })),
                    None,
                )
                .await?;
            subscriptions.push(created["id"].as_str().unwrap_or_default().to_owned());
        }

        // Latency at a fixed offered rate (open loop: a request is sent on every tick, whether
        // or not the previous ones have answered).
        let phase_start = SystemTime::now();
        let mut ticker = actix_rt::time::interval(Duration::from_micros(1_000_000 / RATE));
        let total = RATE * seconds;
        let mut pending = Vec::new();
        for n in 0..total {
            ticker.tick().await;
            let api = api.clone();
            let neighbourhood = NEIGHBOURHOODS[n as usize % NEIGHBOURHOODS.len()];
            pending.push(actix_rt::spawn(async move {
                api.send("POST", "/signals", Some(signal(neighbourhood)), None)
                    .await
            }));
        }
        for task in pending {
            task.await.map_err(|e| e.to_string())??;
        }
        let expected = total as usize;
        wait_for(&received, expected, Duration::from_secs(60)).await?;
        let delays: Vec<f64> = {
            let seen = received.lock().map_err(|e| e.to_string())?;
            let mut delays: Vec<f64> = seen
                .values()
                .filter_map(|(arrived, time)| {
                    let time = (*time)?;
                    (time >= phase_start).then(|| {
                        arrived
                            .duration_since(time)
                            .unwrap_or_default()
                            .as_secs_f64()
                            * 1000.0
                    })
                })
                .collect();
            delays.sort_by(f64::total_cmp);
            delays
        };

        // Draining a backlog.
        for id in &subscriptions {
            api.set_status(id, "paused").await?;
        }
        let before = received.lock().map_err(|e| e.to_string())?.len();
        let mut pending = Vec::new();
        for n in 0..backlog {
            let api = api.clone();
            let neighbourhood = NEIGHBOURHOODS[n % NEIGHBOURHOODS.len()];
            pending.push(actix_rt::spawn(async move {
                api.send("POST", "/signals", Some(signal(neighbourhood)), None)
                    .await
            }));
            if pending.len() >= 16 {
                for task in pending.drain(..) {
                    task.await.map_err(|e| e.to_string())??;
                }
            }
        }
        for task in pending {
            task.await.map_err(|e| e.to_string())??;
        }
        let resumed = Instant::now();
        for id in &subscriptions {
            api.set_status(id, "active").await?;
        }
        wait_for(&received, before + backlog, Duration::from_secs(300)).await?;
        let drained = resumed.elapsed().as_secs_f64();

        Ok(DeliveryOutcome {
            offered_per_second: RATE as f64,
            delay_p50_ms: percentile(&delays, 50.0),
            delay_p99_ms: percentile(&delays, 99.0),
            delivered_in_latency_phase: delays.len(),
            drain_per_second: backlog as f64 / drained,
            backlog,
        })
    })
}

fn signal(neighbourhood: &str) -> Value {
    json!({
        "title": "Losliggende stoeptegels bij de school",
        "description": "Gemeld tijdens het spreekuur in de wijk.",
        "neighbourhoodId": neighbourhood,
        "source": "resident",
        "themeId": "public_space",
    })
}

/// The API as the programme bureau.
#[derive(Clone)]
struct Api {
    client: awc::Client,
    base: String,
    token: String,
}

impl Api {
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> Result<Value, String> {
        let method = awc::http::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .insert_header(("Authorization", format!("Bearer {}", self.token)));
        if let Some(version) = if_match {
            request = request.insert_header(("If-Match", version));
        }
        let mut response = match body {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        }
        .map_err(|e| format!("{path}: {e}"))?;
        let bytes = response
            .body()
            .limit(1 << 20)
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!(
                "{path}: {} {}",
                response.status(),
                String::from_utf8_lossy(&bytes)
            ));
        }
        Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// Pauses or resumes a subscription, at its current version.
    async fn set_status(&self, id: &str, status: &str) -> Result<(), String> {
        let current = self
            .send("GET", &format!("/subscriptions/{id}"), None, None)
            .await?;
        let version = format!("\"{}\"", current["version"].as_i64().unwrap_or(0));
        self.send(
            "PATCH",
            &format!("/subscriptions/{id}"),
            Some(json!({ "status": status })),
            Some(&version),
        )
        .await
        .map(|_| ())
    }
}

/// Waits until the receiver has seen `count` distinct deliveries.
async fn wait_for(received: &Received, count: usize, limit: Duration) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    loop {
        let seen = received.lock().map_err(|e| e.to_string())?.len();
        if seen >= count {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "only {seen} of {count} deliveries arrived within {} s",
                limit.as_secs()
            ));
        }
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Starts the receiver on a free port in its own thread; returns the port.
fn start_receiver(received: Received) -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    std::thread::spawn(move || {
        let system = actix_rt::System::new();
        system.block_on(async move {
            let server = HttpServer::new(move || {
                let received = received.clone();
                App::new().route(
                    "/hooks/{n}",
                    web::post().to(move |body: web::Bytes| {
                        let received = received.clone();
                        async move {
                            let arrived = SystemTime::now();
                            if let Ok(event) = serde_json::from_slice::<Value>(&body) {
                                let id = event["id"].as_str().unwrap_or_default().to_owned();
                                let time = event["time"]
                                    .as_str()
                                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                                    .map(SystemTime::from);
                                if let Ok(mut seen) = received.lock() {
                                    seen.entry(id).or_insert((arrived, time));
                                }
                            }
                            HttpResponse::NoContent().finish()
                        }
                    }),
                )
            })
            .workers(1)
            .listen(listener)
            .map(HttpServer::run);
            if let Ok(server) = server {
                let _ = server.await;
            }
        });
    });
    Ok(port)
}
