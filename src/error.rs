//! The one error type of the service and the one table that turns it into an HTTP answer.
//!
//! Every failure a client can see is an [`ApiError`]; [`ApiError::status`] is the only place
//! that knows HTTP status codes, and every variant carries a stable snake_case `code`. The body
//! is always `application/problem+json` (RFC 9457).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::request_id::RequestId;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One problem with one input field (query key, path segment, header or body member).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvalidParam {
    /// The input that is wrong: a query key, a body member (`contact.email`), `body` or a header.
    #[schema(example = "responseDays")]
    pub name: String,
    /// Stable, machine-readable reason.
    #[schema(example = "out_of_range")]
    pub code: String,
    /// Human-readable explanation.
    #[schema(example = "must be a whole number from 0 to 365")]
    pub reason: String,
}

impl InvalidParam {
    pub fn new(name: impl Into<String>, code: &str, reason: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            code: code.to_owned(),
            reason: reason.into(),
        }
    }
}

/// An RFC 9457 problem document, as every error response carries it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// URI reference that identifies the kind of problem.
    #[schema(example = "urn:wijkregie:problem:not_found")]
    pub r#type: String,
    /// Short summary of the kind of problem.
    #[schema(example = "Not found")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 404)]
    pub status: u16,
    /// What went wrong in this case.
    #[schema(example = "There is no district 'noord'.")]
    pub detail: String,
    /// The request path this problem is about.
    #[schema(example = "/api/v1/districts/noord")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The request's `X-Request-Id`, to find its log line.
    #[schema(example = "0193a0b4-7c1e-7d2a-9f3b-2c4d5e6f7a8b")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Stable, machine-readable code; clients branch on this, never on `title` or `detail`.
    #[schema(example = "not_found")]
    pub code: String,
    /// For invalid input: every problem at once.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid_params: Vec<InvalidParam>,
    /// Extra facts for some conflicts (for example why a transition is refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required: {0}")]
    Unauthenticated(String),
    /// The token names a partner whose record is archived: its tokens are no longer honoured.
    #[error("partner {0} is inactive")]
    PartnerInactive(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("no such route")]
    RouteNotFound,
    #[error("method not allowed")]
    MethodNotAllowed { allow: &'static str },
    #[error("not acceptable: {0}")]
    NotAcceptable(String),
    #[error("invalid input")]
    InvalidInput(Vec<InvalidParam>),
    #[error("conflict ({code}): {detail}")]
    Conflict {
        code: &'static str,
        detail: String,
        details: Option<serde_json::Value>,
    },
    #[error("Idempotency-Key in use by a request still running")]
    IdempotencyKeyInUse,
    #[error("Idempotency-Key reused with another request body")]
    IdempotencyKeyReused,
    #[error("If-Match required")]
    PreconditionRequired,
    #[error("stale If-Match (current version {current:?})")]
    PreconditionFailed { current: Option<i64> },
    #[error("body too large (limit {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("request body not received within {seconds} s")]
    BodyTimeout { seconds: u64 },
    /// The request's header fields are more than the service reads (see
    /// `api::hostile_input::refuse_oversized_headers`).
    #[error("header fields too large")]
    HeadersTooLarge { bytes: usize, fields: usize },
    #[error("database unavailable: {0}")]
    DatabaseUnavailable(String),
    /// Every connection of the pool stayed busy for the checkout timeout: the database is
    /// there, this instance is saturated.
    #[error("connection pool exhausted")]
    PoolExhausted,
    /// A statement waited for a lock longer than the request's deadline, or ran longer than its
    /// statement timeout, and was cancelled: another transaction holds what it needs.
    #[error("database busy: {0}")]
    DatabaseBusy(String),
    /// The identity provider's keys cannot be fetched and the token's key is not cached.
    #[error("identity provider unavailable: {0}")]
    IdentityProviderUnavailable(String),
    /// A public page asked for too often from one address; try again after `retry_after` s.
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    /// A principal already holds as many live event streams as one may (DESIGN §16).
    #[error("too many event streams (limit {limit})")]
    TooManyStreams { limit: usize },
    #[error("internal error: {0}")]
    Internal(String),
    /// An error response that did not come from wijkregie's own code (actix, a middleware).
    #[error("HTTP {0}")]
    Other(StatusCode),
}

impl ApiError {
    /// One invalid input, as a 400 with one `invalidParams` entry.
    pub fn invalid(name: impl Into<String>, code: &str, reason: impl Into<String>) -> Self {
        Self::InvalidInput(vec![InvalidParam::new(name, code, reason)])
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
            details: None,
        }
    }

    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "unauthenticated",
            Self::PartnerInactive(_) => "partner_inactive",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::RouteNotFound => "route_not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::NotAcceptable(_) => "not_acceptable",
            Self::InvalidInput(_) => "invalid_input",
            Self::Conflict { code, .. } => code,
            Self::IdempotencyKeyInUse => "idempotency_key_in_use",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::PreconditionRequired => "if_match_required",
            Self::PreconditionFailed { .. } => "version_mismatch",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::BodyTimeout { .. } => "body_timeout",
            Self::HeadersTooLarge { .. } => "headers_too_large",
            Self::DatabaseUnavailable(_) => "database_unavailable",
            Self::PoolExhausted => "pool_exhausted",
            Self::DatabaseBusy(_) => "database_busy",
            Self::IdentityProviderUnavailable(_) => "identity_provider_unavailable",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::TooManyStreams { .. } => "too_many_streams",
            Self::Internal(_) => "internal_error",
            Self::Other(status) => match status.as_u16() {
                400 => "bad_request",
                408 => "request_timeout",
                414 => "uri_too_long",
                431 => "headers_too_large",
                500..=599 => "internal_error",
                _ => "http_error",
            },
        }
    }

    /// The closest error for a bare status from outside wijkregie's code.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Self::Unauthenticated("Authentication is required.".to_owned()),
            403 => Self::Forbidden("This is not allowed.".to_owned()),
            404 => Self::RouteNotFound,
            413 => Self::PayloadTooLarge { limit: 0 },
            415 => Self::UnsupportedMediaType("This media type is not supported here.".to_owned()),
            _ => Self::Other(status),
        }
    }

    /// Writes what the client is not told to the log.
    pub fn log(&self) {
        match self {
            Self::Internal(cause) => log::error!("internal error: {cause}"),
            Self::DatabaseUnavailable(cause) => log::warn!("database unavailable: {cause}"),
            Self::PoolExhausted => log::warn!("every database connection stayed busy"),
            Self::DatabaseBusy(cause) => log::warn!("database busy: {cause}"),
            Self::IdentityProviderUnavailable(cause) => {
                log::warn!("identity provider unavailable: {cause}");
            }
            _ => {}
        }
    }

    /// The one status table.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated(_) | Self::PartnerInactive(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) | Self::RouteNotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::InvalidInput(_) => StatusCode::BAD_REQUEST,
            Self::Conflict { .. } | Self::IdempotencyKeyInUse => StatusCode::CONFLICT,
            Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::BodyTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::DatabaseUnavailable(_)
            | Self::PoolExhausted
            | Self::DatabaseBusy(_)
            | Self::IdentityProviderUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooManyRequests { .. } | Self::TooManyStreams { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Other(status) => *status,
        }
    }

    /// What the client is told. Internal and database details stay in the log.
    fn detail(&self) -> String {
        match self {
            Self::Unauthenticated(reason) => reason.clone(),
            Self::PartnerInactive(id) => format!(
                "The partner '{id}' this token acts for is archived; its tokens are no longer accepted."
            ),
            Self::Forbidden(reason) | Self::NotFound(reason) | Self::NotAcceptable(reason) => {
                reason.clone()
            }
            Self::RouteNotFound => "There is no resource at this path.".to_owned(),
            Self::MethodNotAllowed { allow } => {
                format!("This resource does not support this method; it allows {allow}.")
            }
            Self::InvalidInput(params) => match params.len() {
                1 => "The request has 1 invalid input; see invalidParams.".to_owned(),
                n => format!("The request has {n} invalid inputs; see invalidParams."),
            },
            Self::Conflict { detail, .. } => detail.clone(),
            Self::IdempotencyKeyInUse => "A request with this Idempotency-Key is still being \
                handled (or its change was made and its answer is on its way); retry shortly."
                .to_owned(),
            Self::IdempotencyKeyReused => "This Idempotency-Key was used for a request with \
                another body; use a new key for a new request."
                .to_owned(),
            Self::PreconditionRequired => {
                "Send If-Match with the ETag you last read, so that no update is lost.".to_owned()
            }
            Self::PreconditionFailed {
                current: Some(current),
            } => format!(
                "The resource has changed since you read it; its current version is {current}. Read it again and retry."
            ),
            Self::PreconditionFailed { current: None } => {
                "If-Match does not name a version of this resource; read it again for its ETag."
                    .to_owned()
            }
            Self::PayloadTooLarge { limit: 0 } => "The request is too large.".to_owned(),
            Self::PayloadTooLarge { limit } => {
                format!("The request body is larger than {limit} bytes.")
            }
            Self::UnsupportedMediaType(detail) => detail.clone(),
            Self::BodyTimeout { seconds } => {
                format!("The request body did not arrive within {seconds} seconds.")
            }
            Self::HeadersTooLarge { bytes, fields } => format!(
                "The request's header fields are more than this service reads: at most \
                 {bytes} bytes in at most {fields} fields."
            ),
            Self::DatabaseUnavailable(_) => {
                "The database cannot be reached right now; try again shortly.".to_owned()
            }
            Self::PoolExhausted => {
                "Every database connection is busy; try again in a moment.".to_owned()
            }
            Self::DatabaseBusy(_) => {
                "The data this request needs is held by other work for longer than the request \
                 may wait; nothing was changed. Try again in a moment."
                    .to_owned()
            }
            Self::IdentityProviderUnavailable(_) => {
                "The identity provider's keys cannot be fetched right now, so the token cannot be \
                 checked; try again shortly."
                    .to_owned()
            }
            Self::TooManyRequests { retry_after } => {
                format!("Too many requests from your address; try again in {retry_after} s.")
            }
            Self::TooManyStreams { limit } => format!(
                "You hold {limit} open event streams, the most one principal may have; close \
                 one before opening another."
            ),
            Self::Internal(_) => "Something went wrong on our side; it has been logged.".to_owned(),
            Self::Other(status) => format!(
                "The request could not be handled ({}).",
                status.canonical_reason().unwrap_or("error")
            ),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self, instance: Option<String>, request_id: Option<String>) -> Problem {
        let status = self.status();
        let code = self.code();
        Problem {
            r#type: format!("urn:wijkregie:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: self.detail(),
            instance,
            request_id,
            code: code.to_owned(),
            invalid_params: match self {
                Self::InvalidInput(params) => params.clone(),
                _ => Vec::new(),
            },
            details: match self {
                Self::Conflict { details, .. } => details.clone(),
                _ => None,
            },
        }
    }

    /// The full response, with the request's path as `instance` and its id as `requestId`.
    pub fn to_response(&self, request: Option<&HttpRequest>) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status());
        builder.content_type(PROBLEM_JSON);
        match self {
            Self::Unauthenticated(_) | Self::PartnerInactive(_) => {
                builder.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"wijkregie\""));
            }
            Self::TooManyRequests { retry_after } => {
                builder.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::MethodNotAllowed { allow } => {
                builder.insert_header((header::ALLOW, HeaderValue::from_static(allow)));
            }
            Self::DatabaseUnavailable(_) => {
                builder.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::PoolExhausted | Self::DatabaseBusy(_) => {
                builder.insert_header((header::RETRY_AFTER, "1"));
            }
            Self::IdentityProviderUnavailable(_) => {
                builder.insert_header((header::RETRY_AFTER, "30"));
            }
            _ => {}
        }
        let instance = request.map(|r| r.path().to_owned());
        let request_id = request
            .and_then(RequestId::of)
            .map(|id| id.as_str().to_owned());
        builder.json(self.problem(instance, request_id))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    /// Without the request at hand there is no `instance`; the middleware in `startup` fills it in.
    fn error_response(&self) -> HttpResponse {
        self.to_response(None)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &error {
            Error::NotFound => Self::NotFound("The resource does not exist.".to_owned()),
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => {
                Self::DatabaseUnavailable(error.to_string())
            }
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::conflict(
                "already_exists",
                "A resource with this identity already exists.",
            ),
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => Self::conflict(
                "reference_conflict",
                "The change refers to something that does not exist, or is still referred to.",
            ),
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => Self::conflict(
                "concurrent_update",
                "Another change to the same data was committed at the same moment; retry.",
            ),
            // SQLite's busy timeout, PostgreSQL's lock and statement timeouts.
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().contains("database is locked")
                    || info.message().starts_with("canceling statement due to") =>
            {
                Self::DatabaseBusy(error.to_string())
            }
            _ => Self::Internal(error.to_string()),
        }
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(error: r2d2::Error) -> Self {
        Self::DatabaseUnavailable(error.to_string())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::Internal(error.to_string())
    }
}
