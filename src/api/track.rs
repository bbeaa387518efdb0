//! The public side of DESIGN §15, outside `/api/v1` and without login: a signal's tracking page
//! (`GET /track/{trackingCode}`, a small Dutch HTML page or JSON) and the unsubscribe link of
//! the e-mails (`/unsubscribe/{token}`). Neither ever shows a person's data: the page carries
//! statuses, departments, dates and the response. Both are rate-limited per client address.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use minijinja::{Environment, context};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::access::record_event;
use super::http;
use crate::auth::Principal;
use crate::db::{Db, mail as mail_repo, tracking as repo};
use crate::domain::mail::Recipient;
use crate::domain::{time, tracking};
use crate::error::ApiError;

/// The requests per client address the public pages answer (the rest get 429).
pub struct PublicRateLimit(DefaultKeyedRateLimiter<IpAddr>);

impl PublicRateLimit {
    pub fn per_minute(requests: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(requests).unwrap_or(NonZeroU32::MIN));
        Self(DefaultKeyedRateLimiter::keyed(quota))
    }

    /// 429 when the caller's address has used its quota. The address is the connection's peer:
    /// behind a proxy every client shares the proxy's (see docs/mail-and-tracking.md).
    fn admit(&self, req: &HttpRequest) -> Result<(), ApiError> {
        let Some(ip) = req.peer_addr().map(|a| a.ip()) else {
            return Ok(());
        };
        if self.0.len() > 100_000 {
            self.0.retain_recent();
        }
        self.0.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::TooManyRequests {
                retry_after: wait.as_secs().max(1),
            }
        })
    }
}

const PAGES: [(&str, &str); 2] = [
    (
        "track.html",
        include_str!("../../templates/pages/track.html"),
    ),
    (
        "unsubscribe.html",
        include_str!("../../templates/pages/unsubscribe.html"),
    ),
];

/// The page templates, parsed once; `.html` escapes what it inserts.
static ENVIRONMENT: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in PAGES {
        env.add_template(name, source)
            .map_err(|e| format!("page template {name}: {e}"))?;
    }
    Ok(env)
});

fn page(name: &str, values: minijinja::Value) -> Result<HttpResponse, ApiError> {
    let env = ENVIRONMENT
        .as_ref()
        .map_err(|e| ApiError::Internal(e.clone()))?;
    let html = env
        .get_template(name)
        .and_then(|t| t.render(values))
        .map_err(|e| ApiError::Internal(format!("page {name}: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::VARY, HeaderValue::from_static("Accept")))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        ))
        .body(html))
}

/// A signal as its public tracking page shows it. No person's data.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tracking {
    /// received, acknowledged, in_progress, answered, closed or reopened.
    pub status: String,
    /// The status in Dutch.
    pub status_label: String,
    /// The theme's name.
    pub theme: String,
    /// The neighbourhood's name.
    pub neighbourhood: String,
    /// The department responsible now.
    pub department: String,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub received_at: NaiveDateTime,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: NaiveDateTime,
    #[serde(with = "time::rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub answered_at: Option<NaiveDateTime>,
    /// The answer, once answered.
    pub response: Option<String>,
    /// Open and past `dueAt`.
    pub overdue: bool,
    /// What happened, oldest first.
    pub history: Vec<TrackingStep>,
}

/// One step in a signal's history.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackingStep {
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: NaiveDateTime,
    /// received, routed, reassigned, overdue, or the status it moved to.
    pub kind: String,
    /// The step in Dutch.
    pub description: String,
}

impl Tracking {
    fn of(tracked: repo::Tracked, now: NaiveDateTime) -> Self {
        let history = tracked
            .steps
            .into_iter()
            .map(|step| {
                let department = step.department.unwrap_or_default();
                let description = match step.kind.as_str() {
                    "routed" => format!("Doorgezet naar de afdeling {department}"),
                    "reassigned" => format!("Doorgestuurd naar de afdeling {department}"),
                    "overdue" => "De termijn voor een antwoord is verstreken".to_owned(),
                    status => tracking::status_label(status).to_owned(),
                };
                TrackingStep {
                    at: step.at,
                    kind: step.kind,
                    description,
                }
            })
            .collect();
        Self {
            overdue: crate::domain::signals::is_open(&tracked.status) && now > tracked.due_at,
            status_label: tracking::status_label(&tracked.status).to_owned(),
            status: tracked.status,
            theme: tracked.theme,
            neighbourhood: tracked.neighbourhood,
            department: tracked.department,
            received_at: tracked.received_at,
            due_at: tracked.due_at,
            answered_at: tracked.answered_at,
            response: tracked.response,
            history,
        }
    }
}

/// The code or token of the path, once the caller's address is within its quota; `unknown`
/// for anything not shaped like one (it is not looked up).
fn admitted_code(
    req: &HttpRequest,
    limit: &PublicRateLimit,
    path: web::Path<String>,
    unknown: fn() -> ApiError,
) -> Result<String, ApiError> {
    limit.admit(req)?;
    let code = path.into_inner();
    if tracking::is_code(&code) {
        Ok(code)
    } else {
        Err(unknown())
    }
}

fn unknown_code() -> ApiError {
    ApiError::NotFound("There is no signal with this tracking code.".to_owned())
}

/// Follow a signal: its status history, the department responsible now, the due date and the
/// response once answered. No login: the tracking code (32 hex digits, 128 random bits) is
/// the key, given in the response that creates the signal and in the reporter's e-mails. Never
/// shows the reporter's or any other person's data.
///
/// A small Dutch HTML page by default; JSON with `Accept: application/json`. Unknown codes are
/// a 404; more than `WIJKREGIE_TRACK_RATE_PER_MINUTE` requests a minute from one address a 429.
#[utoipa::path(
    get, path = "/track/{trackingCode}", tag = "Tracking", operation_id = "track_signal",
    params(("trackingCode" = String, Path, description = "The signal's tracking code", pattern = "^[0-9a-f]{32}$")),
    responses(
        (status = 200, description = "The signal's progress",
            headers(("Vary" = String, description = "Accept: HTML or JSON")),
            content((Tracking = "application/json"), (String = "text/html"))),
        (status = 404, description = "No signal has this tracking code"),
        (status = 406, description = "Neither HTML nor JSON is acceptable"),
        (status = 429, description = "Too many requests from this address",
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
pub async fn track_signal(
    req: HttpRequest,
    path: web::Path<String>,
    db: web::Data<Db>,
    limit: web::Data<PublicRateLimit>,
) -> Result<HttpResponse, ApiError> {
    let code = admitted_code(&req, &limit, path, unknown_code)?;
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let format = http::negotiate(accept, &["text/html", "application/json"]).ok_or_else(|| {
        ApiError::NotAcceptable(
            "The tracking page comes as text/html or application/json.".to_owned(),
        )
    })?;
    let tracked = db
        .read(move |conn| repo::find(conn, &code))
        .await?
        .ok_or_else(unknown_code)?;
    let tracking = Tracking::of(tracked, time::now());
    if format == "application/json" {
        return Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::VARY, HeaderValue::from_static("Accept")))
            .json(tracking));
    }
    let history: Vec<minijinja::Value> = tracking
        .history
        .iter()
        .map(|step| context! { on => tracking::dutch_date(&step.at), description => step.description })
        .collect();
    page(
        "track.html",
        context! {
            status_label => tracking.status_label,
            overdue => tracking.overdue,
            theme => tracking.theme,
            neighbourhood => tracking.neighbourhood,
            department => tracking.department,
            received_on => tracking::dutch_date(&tracking.received_at),
            due_on => tracking::dutch_date(&tracking.due_at),
            answered_on => tracking.answered_at.as_ref().map(tracking::dutch_date),
            response => tracking.response,
            history,
        },
    )
}

/// What a recipient unsubscribes from, in the page's words.
fn about(recipient: Option<Recipient>) -> &'static str {
    match recipient {
        Some(Recipient::Reporter) => "deze melding",
        Some(Recipient::Partner) | None => "de meldingen en projecten van uw organisatie",
        Some(Recipient::Department) => "de adviesaanvragen aan uw dienst",
    }
}

fn unknown_token() -> ApiError {
    ApiError::NotFound("This unsubscribe link is not known.".to_owned())
}

/// The unsubscribe page of an e-mail's link: asks to confirm (a link a mail scanner opens must
/// not unsubscribe anyone).
#[utoipa::path(
    get, path = "/unsubscribe/{token}", tag = "Tracking", operation_id = "unsubscribe_page",
    params(("token" = String, Path, description = "The token of the e-mail's unsubscribe link", pattern = "^[0-9a-f]{32}$")),
    responses(
        (status = 200, description = "A Dutch page with the button that unsubscribes", content((String = "text/html"))),
        (status = 404, description = "No such link"),
        (status = 429, description = "Too many requests from this address",
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
pub async fn unsubscribe_page(
    req: HttpRequest,
    path: web::Path<String>,
    db: web::Data<Db>,
    limit: web::Data<PublicRateLimit>,
) -> Result<HttpResponse, ApiError> {
    let token = admitted_code(&req, &limit, path, unknown_token)?;
    let action = format!("/unsubscribe/{token}");
    let row = db
        .read(move |conn| mail_repo::find_token(conn, &token))
        .await?
        .ok_or_else(unknown_token)?;
    page(
        "unsubscribe.html",
        context! { stopped => row.stopped_at.is_some(), about => about(row.recipient()), action },
    )
}

/// Unsubscribe: the form of the unsubscribe page, and one-click unsubscribing from a mail
/// program (RFC 8058, `List-Unsubscribe-Post`). A reporter's consent on the signal is
/// withdrawn (`reporter.wantsUpdates` becomes false); a partner's contact gets no more mail.
/// The body, if any, is not read.
#[utoipa::path(
    post, path = "/unsubscribe/{token}", tag = "Tracking", operation_id = "unsubscribe",
    params(("token" = String, Path, description = "The token of the e-mail's unsubscribe link", pattern = "^[0-9a-f]{32}$")),
    responses(
        (status = 200, description = "Unsubscribed: a Dutch page that says so", content((String = "text/html"))),
        (status = 404, description = "No such link"),
        (status = 429, description = "Too many requests from this address",
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
pub async fn unsubscribe(
    req: HttpRequest,
    path: web::Path<String>,
    db: web::Data<Db>,
    limit: web::Data<PublicRateLimit>,
) -> Result<HttpResponse, ApiError> {
    let token = admitted_code(&req, &limit, path, unknown_token)?;
    let recipient = db
        .write(move |conn| {
            let row = mail_repo::find_token(conn, &token)?.ok_or_else(unknown_token)?;
            let now = time::now();
            if mail_repo::stop(conn, &row, now)? {
                // The event says what happened, never to whom: it carries no data.
                let actor = Principal::system("wijkregie-unsubscribe");
                let (resource_type, action) = match row.recipient() {
                    Some(Recipient::Reporter) => ("signal", "updates_declined"),
                    Some(Recipient::Partner) | None => ("partner", "mail_stopped"),
                    Some(Recipient::Department) => ("department", "mail_stopped"),
                };
                record_event(
                    conn,
                    &actor,
                    resource_type,
                    &row.target_id,
                    action,
                    json!({}),
                )?;
            }
            Ok(row.recipient())
        })
        .await?;
    page(
        "unsubscribe.html",
        context! { stopped => true, about => about(recipient) },
    )
}
