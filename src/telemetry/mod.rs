//! What an operations team watches (DESIGN §14): every request gets its id
//! ([`RequestId`]), one access-log line and its metrics; `logging` writes the log as text or
//! JSON lines, `metrics` keeps the Prometheus metrics and serves them on their own listener.

pub mod logging;
pub mod metrics;

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

use crate::request_id::{self, RequestId};

/// Where the access log writes; `RUST_LOG=wijkregie::access=off` silences it alone.
pub const ACCESS_LOG: &str = "wijkregie::access";

/// Middleware around everything but the problem backstop: gives the request its id, answers
/// every response with `X-Request-Id`, writes the access-log line, and counts the request by
/// its route template when the service keeps metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = RequestId::from_header(req.headers().get(request_id::HEADER));
    req.extensions_mut().insert(id.clone());
    let started = Instant::now();
    let mut response = next.call(req).await?;
    if let Some(value) = id.header_value() {
        response.headers_mut().insert(request_id::HEADER, value);
    }
    let elapsed = started.elapsed();
    // Milliseconds to the microsecond: enough for a latency, short in a log line.
    let elapsed_ms = elapsed.as_micros() as f64 / 1000.0;
    let req = response.request();
    let status = response.status().as_u16();
    let route = req.match_pattern();
    if let Some(metrics) = req.app_data::<metrics::Metrics>() {
        metrics.request_served(req.method(), route.as_deref(), status, elapsed);
    }
    log::info!(
        target: ACCESS_LOG,
        request_id = id.as_str(),
        method = req.method().as_str(),
        path = req.path(),
        route = route.as_deref().unwrap_or("-"),
        status = status,
        duration_ms = elapsed_ms;
        "{} {} {} {elapsed_ms} ms",
        req.method(),
        req.path(),
        status,
    );
    Ok(response)
}
