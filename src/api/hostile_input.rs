//! Control characters never reach a handler or the database: PostgreSQL refuses a NUL byte in
//! text with an error, which would otherwise surface as a 500. A path holding one names no
//! resource (404); a query value holding one is a 400 (see `input::QueryParams`).
//!
//! Header fields beyond what the service reads are a 431 problem. actix-http refuses a request
//! head over 128 KiB or with more than 96 fields itself, before any middleware, with an empty
//! 431 it offers no hook to shape (as it does a malformed head, 400, and a head that stalls,
//! 408); the service's own, lower limits give every request below those a problem body with
//! its `X-Request-Id` instead.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use percent_encoding::percent_decode_str;

use crate::error::ApiError;

/// Middleware: 404 for a path that holds a control character, raw or percent-encoded.
pub async fn refuse_control_characters_in_paths(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if holds_control_characters(req.path()) {
        // A response, not an `Err`: the layers outside (request id, backstop) still see it.
        return Ok(req
            .error_response(ApiError::RouteNotFound)
            .map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// The most the header fields of a request may take: names and values, with `": "` and the line
/// end of each. Generous for any token or cookie; a quarter of actix-http's 128 KiB head.
pub const HEADER_BYTES: usize = 32 * 1024;
/// The most header fields a request may have (actix-http itself refuses more than 96).
pub const HEADER_FIELDS: usize = 64;

/// Middleware: 431 for a request whose header fields exceed [`HEADER_BYTES`] or
/// [`HEADER_FIELDS`].
pub async fn refuse_oversized_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if bytes > HEADER_BYTES || headers.len() > HEADER_FIELDS {
        let too_large = ApiError::HeadersTooLarge {
            bytes: HEADER_BYTES,
            fields: HEADER_FIELDS,
        };
        return Ok(req.error_response(too_large).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Whether `raw` (percent-encoded or not) decodes to text with a control character.
pub fn holds_control_characters(raw: &str) -> bool {
    percent_decode_str(raw)
        .decode_utf8_lossy()
        .chars()
        .any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::holds_control_characters;

    #[test]
    fn control_characters_are_found_raw_and_encoded() {
        assert!(holds_control_characters("/api/v1/projects/a%00b"));
        assert!(holds_control_characters("/api/v1/projects/a%1Fb"));
        assert!(holds_control_characters("/api/v1/projects/a%7f"));
        assert!(holds_control_characters("a\u{0}b"));
        assert!(!holds_control_characters(
            "/api/v1/projects/0190f0a0-0000-7000"
        ));
        assert!(!holds_control_characters(
            "/api/v1/neighbourhoods/bouwlust%2Fvrederust"
        ));
        assert!(!holds_control_characters("/api/v1/x/%C3%A9t%C3%A9"));
    }
}
