//! `Idempotency-Key` on every `POST` (DESIGN §11, IETF draft-ietf-httpapi-idempotency-key-header),
//! once for the whole API as a middleware on its scope, so no handler knows about it.
//!
//! A `POST` with the header and a valid token has its body read (within the body limit),
//! fingerprinted (SHA-256) and put back for the handler. The key is looked up per principal (the
//! token's `sub`, role and scope: two tokens sharing a `sub` with different roles have separate
//! keys), method and path before the handler runs, and reserved by the handler's own write
//! transaction (no statement of its own); a repeat is answered from the key's row:
//! the stored response with `Idempotent-Replayed: true` (nothing written), 422
//! `idempotency_key_reused` for another body, 409 `idempotency_key_in_use` while the first still
//! runs. A stored answer is replayed only if the caller may still open what it is about, and see
//! the reporter it shows (`visibility::may_see_again`); otherwise 404, as for what one cannot open. After the handler the
//! response is stored (status, `Location`, `ETag`, `Content-Type`, body) — every answer except a
//! 5xx or a lost race (409, 412, 428) that committed nothing, which leaves no row behind so
//! that a retry runs. How the reservation is tied to the write's own transaction, and the crash
//! window that closes, is told in `db::idempotency`.
//!
//! Without a valid token the request goes through untouched: the handler answers 401.

use actix_web::body::{BoxBody, EitherBody, MessageBody, to_bytes};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use chrono::Duration;
use sha2::{Digest, Sha256};

use super::input::{self, BodyLimit, BodyTimeout};
use super::personal_data::{View, reporters_shown};
use crate::auth::{Principal, TokenVerifier};
use crate::db::idempotency::{self as keys, FreshKey, RESERVATION, Reservation, StoredResponse};
use crate::db::personal_data::AccessRow;
use crate::db::{Db, DbConnection};
use crate::domain::time;
use crate::error::ApiError;
use crate::visibility;

/// The request header.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// The response header of a replayed answer.
pub const IDEMPOTENT_REPLAYED: &str = "Idempotent-Replayed";

/// Hours a key and its response are kept (`WIJKREGIE_IDEMPOTENCY_HOURS`).
#[derive(Debug, Clone, Copy)]
pub struct IdempotencyHours(pub i64);

/// What the reservation step decided.
enum Decision {
    /// The key is ours (taken over): run the handler.
    Run,
    /// Nobody holds the key: run the handler; its write inserts the key's row.
    RunFresh,
    /// The same request was answered before.
    Replay(StoredResponse),
    Refuse(ApiError),
}

/// The middleware (see the module documentation).
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, actix_web::Error> {
    let header = match req.headers().get(IDEMPOTENCY_KEY) {
        Some(value) if req.method() == Method::POST => value.clone(),
        _ => return Ok(next.call(req).await?.map_into_left_body()),
    };
    let Some(caller) = caller(&req).await else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let key = match valid_key(header.as_bytes()) {
        Ok(key) => key,
        Err(error) => return Ok(req.error_response(error).map_into_right_body()),
    };
    let (Some(db), hours) = (
        req.app_data::<web::Data<Db>>().cloned(),
        req.app_data::<IdempotencyHours>().map_or(24, |h| h.0),
    ) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let body = match read_body(&mut req).await {
        Ok(body) => body,
        Err(error) => return Ok(req.error_response(error).map_into_right_body()),
    };
    let hash = format!("{:x}", Sha256::digest(&body));
    req.set_payload(Payload::from(body));

    let reservation = Reservation::new(
        holder(&caller),
        Method::POST.to_string(),
        req.path().to_owned(),
        key,
    );
    let now = time::now();
    let expires_at = now + Duration::hours(hours);
    let decision = db
        .read({
            let reservation = reservation.clone();
            let hash = hash.clone();
            move |conn| {
                let Some(existing) = keys::look_up(conn, &reservation)? else {
                    return Ok(Decision::RunFresh);
                };
                let take_over = |conn: &mut DbConnection| {
                    let taken = keys::take_over(
                        conn,
                        &reservation,
                        &existing.attempt,
                        &hash,
                        now,
                        expires_at,
                    )?;
                    Ok(match taken {
                        true => Decision::Run,
                        false => Decision::Refuse(ApiError::IdempotencyKeyInUse),
                    })
                };
                if existing.expired(now) {
                    take_over(conn)
                } else if existing.request_hash != hash {
                    Ok(Decision::Refuse(ApiError::IdempotencyKeyReused))
                } else if let Some(stored) = existing.response.clone() {
                    Ok(Decision::Replay(stored))
                } else if existing.stale(now) {
                    take_over(conn)
                } else {
                    Ok(Decision::Refuse(ApiError::IdempotencyKeyInUse))
                }
            }
        })
        .await;
    let mut reservation = reservation;
    match decision {
        Ok(Decision::Run) => {}
        Ok(Decision::RunFresh) => {
            reservation.fresh = Some(FreshKey {
                request_hash: hash,
                created_at: now,
                expires_at,
            });
        }
        Ok(Decision::Replay(stored)) => {
            if let Err(error) = may_replay(&db, &caller, req.path(), &stored).await {
                return Ok(req.error_response(error).map_into_right_body());
            }
            if let Err(error) = db.log_access(replayed_reporter(&caller, &stored)).await {
                return Ok(req.error_response(error).map_into_right_body());
            }
            return Ok(req.into_response(replay(&stored)).map_into_right_body());
        }
        Ok(Decision::Refuse(error)) | Err(error) => {
            return Ok(req.error_response(error).map_into_right_body());
        }
    }

    let response = RESERVATION.scope(reservation.clone(), next.call(req)).await;
    let keep = match &response {
        Ok(response) => reservation.is_committed() || !may_retry(response.status()),
        Err(_) => reservation.is_committed(),
    };
    if !keep {
        // A fresh key has no row unless its write committed: nothing to give back.
        if reservation.fresh.is_none() {
            let held = reservation.clone();
            if let Err(error) = db.read(move |conn| keys::release(conn, &held)).await {
                log::warn!("cannot release an idempotency key: {error}");
            }
        }
        return Ok(response?.map_into_left_body());
    }
    let stored = settle(response?).await;
    let (request, answer, stored) = stored;
    if let Some(stored) = stored {
        if let Err(error) = db
            .read(move |conn| keys::store_answer(conn, &reservation, &stored))
            .await
        {
            log::warn!("cannot store the response of an idempotency key: {error}");
        }
    }
    Ok(ServiceResponse::new(request, answer).map_into_right_body())
}

/// A failure a retry may cure, and which committed nothing: its key is released.
fn may_retry(status: StatusCode) -> bool {
    status.is_server_error() || matches!(status.as_u16(), 409 | 412 | 428)
}

/// The key: 1 to 255 visible ASCII characters.
fn valid_key(value: &[u8]) -> Result<String, ApiError> {
    let visible = value.iter().all(|b| (0x21..=0x7e).contains(b));
    match std::str::from_utf8(value) {
        Ok(key) if visible && (1..=255).contains(&key.len()) => Ok(key.to_owned()),
        _ => Err(ApiError::invalid(
            IDEMPOTENCY_KEY,
            "invalid_idempotency_key",
            "must be 1 to 255 visible ASCII characters, such as a UUID",
        )),
    }
}

/// The caller of a valid Bearer token, or `None` (the handler then answers 401 itself).
async fn caller(req: &ServiceRequest) -> Option<Principal> {
    let verifier = req.app_data::<web::Data<TokenVerifier>>()?;
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    verifier.verify(token.trim()).await.ok()
}

/// Who holds a key: the whole principal, as a JSON array `[sub, role, scope]` (unambiguous
/// whatever the claims hold), so a token with another role or scope never shares a key.
fn holder(caller: &Principal) -> String {
    serde_json::json!([
        caller.subject,
        caller.role.kind().as_str(),
        caller.role.scope()
    ])
    .to_string()
}

/// `Ok` when the stored answer may be shown to `caller` now: what it is about (its `Location`,
/// else the path posted to) is still the caller's to open, and a reporter it shows still the
/// caller's to see. Otherwise 404, the answer for what one cannot open.
async fn may_replay(
    db: &Db,
    caller: &Principal,
    posted_to: &str,
    stored: &StoredResponse,
) -> Result<(), ApiError> {
    let path = stored
        .location
        .clone()
        .unwrap_or_else(|| posted_to.to_owned());
    let showing_reporter = reporter_shown(stored).is_some();
    let principal = caller.clone();
    let about = path.clone();
    let allowed = db
        .read(move |conn| visibility::may_see_again(conn, &principal, &about, showing_reporter))
        .await?;
    match allowed {
        true => Ok(()),
        false => Err(ApiError::NotFound(format!(
            "The answer stored under this Idempotency-Key is about {path}, which you cannot \
             open now; it is not shown again."
        ))),
    }
}

/// The id of the signal whose reporter a stored answer shows, if it shows one.
fn reporter_shown(stored: &StoredResponse) -> Option<String> {
    let answer: serde_json::Value = serde_json::from_str(&stored.body).ok()?;
    answer
        .get("reporter")
        .filter(|reporter| reporter.is_object())?;
    answer
        .get("id")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

/// A replay shows again what the first answer showed: a signal's reporter in it is logged
/// again (DESIGN §14), for the caller replaying it.
fn replayed_reporter(caller: &Principal, stored: &StoredResponse) -> Vec<AccessRow> {
    let shown = reporter_shown(stored);
    reporters_shown(caller, View::Signal, shown.as_deref())
}

/// The whole body, within the configured limit (413 beyond it) and time (408 after it).
async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, ApiError> {
    let limit = req.app_data::<BodyLimit>().map_or(64 * 1024, |l| l.0);
    let timeout = req
        .app_data::<BodyTimeout>()
        .map_or(std::time::Duration::from_secs(30), |t| t.0);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let mut payload = req.take_payload();
    input::read_body(&mut payload, declared, limit, timeout).await
}

/// The response as the client gets it (a problem with its `instance`), and what to store of it.
async fn settle<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> (actix_web::HttpRequest, HttpResponse, Option<StoredResponse>) {
    let problem = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(|error| {
            error.log();
            error.to_response(Some(response.request()))
        });
    let (request, answer) = response.into_parts();
    let answer = problem.unwrap_or_else(|| answer.map_into_boxed_body());
    let (head, body) = answer.into_parts();
    match to_bytes(body).await {
        Ok(bytes) => {
            let text = |name: HeaderName| header_text(head.headers(), name);
            let stored = StoredResponse {
                status: i32::from(head.status().as_u16()),
                location: text(header::LOCATION),
                etag: text(header::ETAG),
                content_type: text(header::CONTENT_TYPE),
                body: String::from_utf8_lossy(&bytes).into_owned(),
            };
            (request, head.set_body(BoxBody::new(bytes)), Some(stored))
        }
        Err(error) => {
            let error = ApiError::Internal(format!("cannot read a response body: {error}"));
            error.log();
            let answer = error.to_response(Some(&request));
            (request, answer, None)
        }
    }
}

fn header_text(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The stored response again, marked as a replay.
fn replay(stored: &StoredResponse) -> HttpResponse {
    let status = u16::try_from(stored.status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    for (name, value) in [
        (header::LOCATION, &stored.location),
        (header::ETAG, &stored.etag),
        (header::CONTENT_TYPE, &stored.content_type),
    ] {
        if let Some(value) = value {
            builder.insert_header((name, value.as_str()));
        }
    }
    builder.insert_header((IDEMPOTENT_REPLAYED, "true"));
    builder.body(stored.body.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_255_visible_ascii_characters() {
        for good in [
            "a",
            "0190f0a0-0000-7000-8000-000000000001",
            &"k".repeat(255),
        ] {
            assert!(valid_key(good.as_bytes()).is_ok(), "{good}");
        }
        for bad in ["", "with space", "tab\there", "é", &"k".repeat(256)] {
            assert!(valid_key(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_failures_a_retry_may_cure_release_the_key() {
        for status in [500, 503, 409, 412, 428] {
            assert!(may_retry(StatusCode::from_u16(status).unwrap_or_default()));
        }
        for status in [200, 201, 400, 403, 404, 413, 415, 422] {
            assert!(!may_retry(StatusCode::from_u16(status).unwrap_or_default()));
        }
    }
}
