//! Latency at a fixed offered rate (open loop) for the single GETs: requests are sent on a
//! schedule, whether or not earlier ones have answered, and each latency is counted from the
//! moment its request was due, not from when it could be sent. A closed loop (wrk with 32
//! connections) measures latency at saturation, where it follows from Little's law; this shows
//! what a caller sees at a load the service carries, here half of pgbench's rate.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::BASE;
use crate::measure::percentile;
use crate::server::Server;
use crate::workloads::Workload;

/// Connections the load generator may open: far more than the requests in flight at these
/// rates, so that a request never waits for a free connection on the generator's side.
const CONNECTIONS: usize = 256;

/// The latencies of one workload at one offered rate.
#[derive(Debug, Clone)]
pub(crate) struct OpenLoop {
    pub(crate) workload: &'static str,
    pub(crate) offered_per_second: f64,
    pub(crate) achieved_per_second: f64,
    pub(crate) count: usize,
    pub(crate) p50_ms: f64,
    pub(crate) p90_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) p999_ms: f64,
    pub(crate) max_ms: f64,
    pub(crate) non_2xx: usize,
    pub(crate) errors: usize,
}

impl OpenLoop {
    pub(crate) fn summary(&self) -> String {
        format!(
            "open loop {}: offered {:.0}/s, answered {:.0}/s, {} requests: p50 {:.2} ms, p90 {:.2} ms, \
             p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms; non-2xx {}, errors {}",
            self.workload,
            self.offered_per_second,
            self.achieved_per_second,
            self.count,
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.p999_ms,
            self.max_ms,
            self.non_2xx,
            self.errors,
        )
    }

    pub(crate) fn json(&self) -> Value {
        json!({
            "workload": self.workload,
            "offeredPerSecond": self.offered_per_second,
            "achievedPerSecond": self.achieved_per_second,
            "count": self.count,
            "p50Ms": self.p50_ms,
            "p90Ms": self.p90_ms,
            "p99Ms": self.p99_ms,
            "p999Ms": self.p999_ms,
            "maxMs": self.max_ms,
            "non2xx": self.non_2xx,
            "errors": self.errors,
        })
    }
}

/// What one request ended in.
enum Answer {
    Status(u16, Duration),
    Failed,
}

/// Sends `workload`'s GET at `rate` per second for `seconds` (after one second of warm-up at the
/// same rate, not counted), cycling through `ids`.
pub(crate) fn run_open_loop(
    server: &Server,
    workload: &Workload,
    token: &str,
    ids: &[String],
    rate: f64,
    seconds: u64,
) -> Result<OpenLoop, String> {
    if !(rate.is_finite() && rate >= 1.0) {
        return Err(format!("open loop: no rate to offer ({rate})"));
    }
    let urls: Vec<String> = if ids.is_empty() {
        vec![server.url(&format!("{BASE}{}", workload.path))]
    } else {
        ids.iter()
            .map(|id| server.url(&format!("{BASE}{}", workload.path.replace("{id}", id))))
            .collect()
    };
    let authorization = format!("Bearer {token}");
    let interval = Duration::from_secs_f64(1.0 / rate);
    let warmup = rate.ceil() as usize;
    let total = warmup + (rate * seconds as f64).ceil() as usize;
    actix_rt::System::new().block_on(async move {
        let client = awc::Client::builder()
            .connector(awc::Connector::new().limit(CONNECTIONS))
            .timeout(Duration::from_secs(10))
            .finish();
        let answers: Rc<RefCell<Vec<Answer>>> = Rc::new(RefCell::new(Vec::with_capacity(total)));
        let start = Instant::now() + Duration::from_millis(50);
        let mut pending = Vec::with_capacity(total);
        let mut measured_from = start;
        for n in 0..total {
            // The schedule is fixed in advance: a late wake-up here is counted as the request's
            // own latency, never hidden by shifting the rest.
            let due = start + interval.mul_f64(n as f64);
            if n == warmup {
                measured_from = due;
            }
            actix_rt::time::sleep_until(due.into()).await;
            let request = client
                .get(&urls[n % urls.len()])
                .insert_header(("Authorization", authorization.as_str()));
            let answers = answers.clone();
            let counted = n >= warmup;
            pending.push(actix_rt::spawn(async move {
                let answer = match request.send().await {
                    Ok(mut response) => match response.body().limit(1 << 20).await {
                        Ok(_) => Answer::Status(response.status().as_u16(), due.elapsed()),
                        Err(_) => Answer::Failed,
                    },
                    Err(_) => Answer::Failed,
                };
                if counted {
                    answers.borrow_mut().push(answer);
                }
            }));
        }
        for task in pending {
            task.await.map_err(|e| e.to_string())?;
        }
        let elapsed = measured_from.elapsed().as_secs_f64();
        let answers = answers.borrow();
        let mut latencies: Vec<f64> = answers
            .iter()
            .filter_map(|a| match a {
                Answer::Status(_, latency) => Some(latency.as_secs_f64() * 1000.0),
                Answer::Failed => None,
            })
            .collect();
        latencies.sort_by(f64::total_cmp);
        let non_2xx = answers
            .iter()
            .filter(|a| matches!(a, Answer::Status(status, _) if !(200..300).contains(status)))
            .count();
        let errors = answers
            .iter()
            .filter(|a| matches!(a, Answer::Failed))
            .count();
        Ok(OpenLoop {
            workload: workload.name,
            offered_per_second: rate,
            achieved_per_second: latencies.len() as f64 / elapsed.max(f64::EPSILON),
            count: answers.len(),
            p50_ms: percentile(&latencies, 50.0),
            p90_ms: percentile(&latencies, 90.0),
            p99_ms: percentile(&latencies, 99.0),
            p999_ms: percentile(&latencies, 99.9),
            max_ms: latencies.last().copied().unwrap_or(0.0),
            non_2xx,
            errors,
        })
    })
}
