//! `wijkregie listen`: a webhook receiver for people trying subscriptions out. It checks every
//! delivery's Standard Webhooks signature and timestamp (five minutes' tolerance) with the
//! subscription's secret, prints the verified CloudEvent, and refuses with 401 what does not
//! verify — what a departmental system's receiver should do too.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

use crate::jobs::webhooks::signing;

/// How far a delivery's timestamp may be from now, in seconds.
const TOLERANCE_SECONDS: i64 = 300;

/// Serves on `host:port` until stopped.
pub async fn run(host: &str, port: u16, secret: String) -> Result<(), String> {
    if signing::key_of(&secret).is_none() {
        return Err("--secret must be the whsec_… secret the subscription was created with".into());
    }
    let secret = web::Data::new(secret);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(secret.clone())
            .default_service(web::to(receive))
    })
    .workers(1)
    .bind((host, port))
    .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
    for address in server.addrs() {
        eprintln!("listening on http://{address}/ for signed deliveries");
    }
    server
        .run()
        .await
        .map_err(|e| format!("the receiver stopped: {e}"))
}

async fn receive(req: HttpRequest, body: web::Bytes, secret: web::Data<String>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let verified = if id.is_empty() || timestamp.is_empty() || signature.is_empty() {
        Err(signing::Unverified::MissingHeaders)
    } else {
        signing::verify(
            &secret,
            &id,
            &timestamp,
            &signature,
            &body,
            chrono::Utc::now().timestamp(),
            TOLERANCE_SECONDS,
        )
    };
    match verified {
        Ok(()) => {
            let event: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let shown = serde_json::to_string_pretty(&event).unwrap_or_default();
            println!("verified {} {id}\n{shown}", req.path());
            HttpResponse::NoContent().finish()
        }
        Err(reason) => {
            eprintln!("refused {} {id}: {reason}", req.path());
            HttpResponse::Unauthorized().body(reason.to_string())
        }
    }
}
