//! A real webhook receiver for tests: an actix-web server on 127.0.0.1, port 0, that records
//! every request it gets and answers with the statuses a test scripts (200 when none is left),
//! holding back its answer to a request when a test asks (`hold_next`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::Value;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// What the receiver answered.
    pub status: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The CloudEvent's type.
    pub fn kind(&self) -> String {
        self.json()["type"].as_str().unwrap_or_default().to_owned()
    }
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    script: VecDeque<u16>,
    /// Answered when the script is empty.
    default: u16,
    /// The next request is recorded at once and answered when this is released.
    hold: Option<futures::channel::oneshot::Receiver<()>>,
}

#[derive(Clone)]
pub struct Receiver {
    pub base: String,
    state: Arc<Mutex<State>>,
}

async fn record(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    let (status, hold) = {
        let mut state = state.lock().unwrap();
        let status = state.script.pop_front().unwrap_or(state.default);
        let headers = req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        state.received.push(Received {
            path: req.path().to_owned(),
            headers,
            body: body.to_vec(),
            status,
        });
        (status, state.hold.take())
    };
    if let Some(hold) = hold {
        let _ = hold.await;
    }
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

impl Receiver {
    /// Starts a receiver on the current runtime.
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State {
            default: 200,
            ..State::default()
        }));
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(record))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let address = server.addrs()[0];
        actix_rt::spawn(server.run());
        Self {
            base: format!("http://{address}"),
            state,
        }
    }

    /// The callback URL for `path` on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Answers the next requests with these statuses, in order.
    pub fn script(&self, statuses: &[u16]) {
        self.state.lock().unwrap().script.extend(statuses);
    }

    /// Answers with `status` once the script is used up.
    pub fn answer(&self, status: u16) {
        self.state.lock().unwrap().default = status;
    }

    /// Holds back the answer to the next request (recorded when it arrives) until the returned
    /// sender is used or dropped.
    pub fn hold_next(&self) -> futures::channel::oneshot::Sender<()> {
        let (release, hold) = futures::channel::oneshot::channel();
        self.state.lock().unwrap().hold = Some(hold);
        release
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// The requests answered with a 2xx on `path`.
    pub fn accepted(&self, path: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.path == path && (200..300).contains(&r.status))
            .collect()
    }

    /// Waits until `done` holds for what was received (panics after `timeout`).
    pub async fn wait_until(
        &self,
        timeout: Duration,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out waiting for {what}; received: {:#?}",
                received
                    .iter()
                    .map(|r| (r.path.clone(), r.status, r.kind()))
                    .collect::<Vec<_>>()
            );
            actix_rt::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `path` accepted an event of type `kind` (a ping marks that everything before
    /// it was dealt with, since a subscription delivers in order).
    pub async fn wait_for_type(&self, path: &str, kind: &str) -> Vec<Received> {
        let p = path.to_owned();
        self.wait_until(Duration::from_secs(20), kind, |received| {
            received
                .iter()
                .any(|r| r.path == p && (200..300).contains(&r.status) && r.kind() == kind)
        })
        .await;
        self.accepted(path)
    }
}
