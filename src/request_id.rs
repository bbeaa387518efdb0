//! The id of one request (DESIGN §14): taken from the client's `X-Request-Id` when it is a
//! sensible token, otherwise made here. `telemetry::observe` puts it in the request's
//! extensions before anything else runs, so the access log, the response header and every
//! problem body (`error.rs`) carry the same id.

use actix_web::HttpMessage;
use actix_web::HttpRequest;
use actix_web::http::header::{HeaderName, HeaderValue};

/// The header, in requests and in every response.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest id taken from a client; a longer one is replaced.
pub const MAX_LEN: usize = 128;

/// One request's id: 1 to [`MAX_LEN`] visible ASCII characters (no spaces, no control
/// characters), so it is safe in a header, a log line and a JSON string as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// The client's id when it is valid, else a new one (a UUID v7, ordered by time).
    pub fn from_header(value: Option<&HeaderValue>) -> Self {
        value
            .and_then(|v| Self::parse(v.as_bytes()))
            .unwrap_or_else(|| Self(uuid::Uuid::now_v7().to_string()))
    }

    /// An id a client sent, if it is 1 to [`MAX_LEN`] visible ASCII characters.
    pub fn parse(value: &[u8]) -> Option<Self> {
        let visible = value.iter().all(|b| (0x21..=0x7e).contains(b));
        match std::str::from_utf8(value) {
            Ok(id) if visible && (1..=MAX_LEN).contains(&id.len()) => Some(Self(id.to_owned())),
            _ => None,
        }
    }

    /// The id of a request that passed through `telemetry::observe`.
    pub fn of(request: &HttpRequest) -> Option<Self> {
        request.extensions().get::<Self>().cloned()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as a header value; it is visible ASCII by construction.
    pub fn header_value(&self) -> Option<HeaderValue> {
        HeaderValue::from_str(&self.0).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_LEN, RequestId};
    use actix_web::http::header::HeaderValue;

    #[test]
    fn a_client_id_is_kept_only_when_it_is_visible_ascii_of_bounded_length() {
        assert_eq!(
            RequestId::parse(b"trace-42/abc").map(|id| id.as_str().to_owned()),
            Some("trace-42/abc".to_owned())
        );
        assert_eq!(RequestId::parse(b""), None);
        assert_eq!(RequestId::parse(b"two words"), None);
        assert_eq!(RequestId::parse(b"tab\there"), None);
        assert_eq!(RequestId::parse("caf\u{e9}".as_bytes()), None);
        assert!(RequestId::parse("x".repeat(MAX_LEN).as_bytes()).is_some());
        assert_eq!(RequestId::parse("x".repeat(MAX_LEN + 1).as_bytes()), None);
    }

    #[test]
    fn an_invalid_or_missing_id_is_replaced_by_a_new_one() {
        let made = RequestId::from_header(None);
        assert_eq!(made.as_str().len(), 36, "a hyphenated UUID: {made:?}");
        let replaced = RequestId::from_header(Some(&HeaderValue::from_static("a b")));
        assert_ne!(replaced.as_str(), "a b");
        assert_ne!(replaced, made);
        let kept = RequestId::from_header(Some(&HeaderValue::from_static("abc")));
        assert_eq!(kept.as_str(), "abc");
    }
}
