//! HTTP conventions shared by every resource: keyset pages with `nextCursor` and a `Link`
//! header, `ETag` / `If-Match` on versioned resources, `If-None-Match` on reads (304), and
//! `201 Created` with `Location`.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::IntoParams;

use chrono::{DateTime, NaiveDateTime};

use super::input::QueryParams;
use crate::db::After;
use crate::domain::Rejection;
use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// The pagination keys of lists ordered by a text id.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(
    dead_code,
    reason = "documentation only: lists read these through PageRequest"
)]
pub struct PageParams {
    /// How many items per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<i64>,
    /// The `nextCursor` of the previous page; opaque.
    #[param(pattern = "^([0-9a-f]{2}){1,128}$", example = "6c61616b")]
    cursor: Option<String>,
}

/// The pagination keys of the event list (ordered by event id).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(
    dead_code,
    reason = "documentation only: lists read these through PageRequest"
)]
pub struct EventPageParams {
    /// How many items per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<i64>,
    /// The `nextCursor` of the previous page; opaque.
    #[param(pattern = "^[0-9a-f]{16}$", example = "000000000000002a")]
    cursor: Option<String>,
}

/// What page a client asked for: `limit` and the decoded key after which it starts.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<Vec<u8>>,
}

impl PageRequest {
    /// Reads `limit` and `cursor` from the query.
    pub fn read(query: &mut QueryParams) -> Self {
        let limit = query.single("limit", |text| match text.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(Rejection::new(
                "out_of_range",
                format!("must be a whole number from 1 to {MAX_LIMIT}"),
            )),
        });
        let after = query.single("cursor", decode_cursor);
        Self {
            limit: limit.unwrap_or(DEFAULT_LIMIT),
            after,
        }
    }

    /// The key of a list ordered by a text id.
    pub fn after_text(&self) -> Result<Option<String>, ApiError> {
        self.after.as_deref().map(key_text).transpose()
    }

    /// Where the page starts: by id, or, for lists asked with `updatedAfter`
    /// (`by_update`), by (updatedAt, id) — see [`list_key`].
    pub fn after(&self, by_update: bool) -> Result<Option<After>, ApiError> {
        let Some(key) = self.after.as_deref() else {
            return Ok(None);
        };
        if !by_update {
            return key_text(key).map(|id| Some(After::Id(id)));
        }
        key.split_first_chunk::<8>()
            .and_then(|(micros, id)| {
                let at = DateTime::from_timestamp_micros(i64::from_be_bytes(*micros))?;
                let id = key_text(id).ok()?;
                Some(After::Updated(at.naive_utc(), id))
            })
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid(
                    "cursor",
                    "invalid_cursor",
                    "is not a cursor of this list with updatedAfter",
                )
            })
    }

    /// The key of a list ordered by a number (eight bytes, big-endian).
    pub fn after_number(&self) -> Result<Option<i64>, ApiError> {
        self.after
            .as_deref()
            .map(|key| {
                <[u8; 8]>::try_from(key)
                    .map(i64::from_be_bytes)
                    .map_err(|_| {
                        ApiError::invalid(
                            "cursor",
                            "invalid_cursor",
                            "is not a cursor of this list",
                        )
                    })
            })
            .transpose()
    }
}

/// The id in a cursor key, checked before any query: UTF-8 text without control characters
/// (above all NUL, which PostgreSQL refuses in text with an error), as every id this service
/// gives out is.
fn key_text(key: &[u8]) -> Result<String, ApiError> {
    std::str::from_utf8(key)
        .ok()
        .filter(|id| !id.is_empty() && !id.chars().any(char::is_control))
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::invalid("cursor", "invalid_cursor", "is not a cursor of this list")
        })
}

/// The cursor key of an item of a list ordered by id, or (`by_update`) by (updatedAt, id):
/// then eight bytes of microseconds since the epoch, big-endian, followed by the id.
pub fn list_key(by_update: bool, updated_at: &NaiveDateTime, id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(8 + id.len());
    if by_update {
        key.extend_from_slice(&updated_at.and_utc().timestamp_micros().to_be_bytes());
    }
    key.extend_from_slice(id.as_bytes());
    key
}

/// A cursor is the last key of the previous page in hexadecimal: opaque to clients, and every
/// string of the documented pattern is one the service can read.
pub fn encode_cursor(key: &[u8]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(cursor: &str) -> Result<Vec<u8>, Rejection> {
    let invalid = || Rejection::new("invalid_cursor", "is not a cursor this service gave out");
    if cursor.is_empty() || cursor.len() % 2 != 0 {
        return Err(invalid());
    }
    (0..cursor.len())
        .step_by(2)
        .map(|i| {
            cursor
                .get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(invalid)
        })
        .collect()
}

/// Declares the documented type of one page of a list (`DistrictPage`): the same shape as
/// [`Page`], with a name the API Design Rules accept (generic schemas get `Page_District`).
macro_rules! page_schema {
    ($page:ident, $item:ty) => {
        /// One page of a list.
        #[derive(Debug, utoipa::ToSchema)]
        #[allow(
            dead_code,
            non_snake_case,
            reason = "documentation only: responses are Page<T>"
        )]
        pub struct $page {
            items: Vec<$item>,
            /// Pass as `cursor` to get the next page; `null` on the last page.
            nextCursor: Option<String>,
        }
    };
}
pub(crate) use page_schema;

/// One page of a list.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` rows: the extra row only says that there is more.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        limit: i64,
        key: impl Fn(&R) -> Vec<u8>,
        to_item: impl FnMut(R) -> T,
    ) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|row| encode_cursor(&key(row)))
        } else {
            None
        };
        Self {
            items: rows.into_iter().map(to_item).collect(),
            next_cursor,
        }
    }
}

/// `200 OK` with the page and, when there is a next page, `Link: <…>; rel="next"`.
pub fn page_response<T: Serialize>(req: &HttpRequest, page: Page<T>) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if let Some(cursor) = &page.next_cursor {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        pairs.retain(|(key, _)| key != "cursor");
        pairs.push(("cursor".to_owned(), cursor.clone()));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        response.insert_header((
            header::LINK,
            format!("<{}?{query}>; rel=\"next\"", req.path()),
        ));
    }
    response.json(page)
}

/// The `ETag` of a version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version a client names in `If-Match`: 428 when absent, 400 when it is not one of our
/// ETags (`*` included: it would match any version and so defeat the lost-update check).
pub fn if_match(req: &HttpRequest) -> Result<i64, ApiError> {
    let value = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired)?;
    value
        .to_str()
        .ok()
        .map(str::trim)
        .and_then(|v| v.strip_prefix('"'))
        .and_then(|v| v.strip_suffix('"'))
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| {
            ApiError::invalid(
                "If-Match",
                "invalid_etag",
                "must be the ETag you read, a version in double quotes like \"3\"",
            )
        })
}

/// `200 OK` with an `ETag`.
pub fn ok_with_etag<T: Serialize>(version: i64, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// Conditional reads for every resource at once (a middleware on the API scope): a `GET` or
/// `HEAD` whose `If-None-Match` matches the `ETag` of the `200` the handler gave is answered
/// `304 Not Modified` with the same headers (`ETag` among them) and no body (RFC 9110 §13.1.2).
/// Lists carry no `ETag`, so they are never 304.
pub async fn not_modified(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let condition = matches!(*req.method(), Method::GET | Method::HEAD)
        .then(|| req.headers().get(header::IF_NONE_MATCH).cloned())
        .flatten();
    let response = next.call(req).await?;
    let hit = condition.is_some_and(|condition| {
        response.status() == StatusCode::OK
            && response
                .headers()
                .get(header::ETAG)
                .is_some_and(|etag| none_match_hits(&condition, etag))
    });
    if !hit {
        return Ok(response.map_into_left_body());
    }
    let (request, full) = response.into_parts();
    let mut answer = HttpResponse::NotModified().finish();
    for (name, value) in full.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(request, answer).map_into_right_body())
}

/// Whether `If-None-Match` names the current `etag`: `*`, or any tag of the list by the weak
/// comparison (`W/"3"` matches `"3"`). A malformed header matches nothing, so the read is whole.
fn none_match_hits(condition: &HeaderValue, etag: &HeaderValue) -> bool {
    let (Ok(condition), Ok(etag)) = (condition.to_str(), etag.to_str()) else {
        return false;
    };
    let opaque = |tag: &str| {
        let tag = tag.trim();
        tag.strip_prefix("W/").unwrap_or(tag).to_owned()
    };
    let current = opaque(etag);
    condition.trim() == "*" || condition.split(',').any(|tag| opaque(tag) == current)
}

/// `201 Created` with `Location` and `ETag`.
pub fn created<T: Serialize>(location: String, version: i64, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// The media type of `offered` that an `Accept` header prefers: the highest quality, then the
/// order of `offered`. No header means the first; `None` means none is acceptable.
pub fn negotiate<'a>(accept: Option<&str>, offered: &[&'a str]) -> Option<&'a str> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return offered.first().copied();
    };
    let ranges: Vec<(String, f64)> = accept.split(',').filter_map(media_range).collect();
    let quality = |media_type: &str| {
        let (kind, _) = media_type.split_once('/').unwrap_or_default();
        // The most specific range that matches decides (RFC 9110 §12.5.1).
        ranges
            .iter()
            .filter_map(|(range, q)| {
                let specificity = if range == media_type {
                    3
                } else if range.strip_suffix("/*") == Some(kind) {
                    2
                } else if range == "*/*" {
                    1
                } else {
                    return None;
                };
                Some((specificity, *q))
            })
            .max_by_key(|(specificity, _)| *specificity)
            .map_or(0.0, |(_, q)| q)
    };
    let mut best: Option<(&str, f64)> = None;
    for media_type in offered {
        let q = quality(media_type);
        if q > 0.0 && best.is_none_or(|(_, best_q)| q > best_q) {
            best = Some((media_type, q));
        }
    }
    best.map(|(media_type, _)| media_type)
}

/// One media range of an `Accept` header: its lower-case type and quality.
fn media_range(part: &str) -> Option<(String, f64)> {
    let mut pieces = part.split(';');
    let range = pieces.next()?.trim().to_ascii_lowercase();
    if range.is_empty() {
        return None;
    }
    let mut q = 1.0;
    for parameter in pieces {
        if let Some((name, value)) = parameter.split_once('=')
            && name.trim().eq_ignore_ascii_case("q")
        {
            q = value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|q| (0.0..=1.0).contains(q))?;
        }
    }
    Some((range, q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        assert_eq!(decode_cursor(&encode_cursor(b"laak")), Ok(b"laak".to_vec()));
        assert_eq!(encode_cursor(&42i64.to_be_bytes()), "000000000000002a");
        for foreign in ["", "abc", "zz", "6c6"] {
            assert!(decode_cursor(foreign).is_err(), "{foreign:?}");
        }
    }

    #[test]
    fn keys_by_update_round_trip_through_the_cursor() {
        let at = DateTime::from_timestamp_micros(1_790_000_000_123_456)
            .map(|at| at.naive_utc())
            .unwrap_or_default();
        let key = list_key(true, &at, "0190-abc");
        let page = PageRequest {
            limit: 5,
            after: Some(key),
        };
        assert_eq!(
            page.after(true).ok(),
            Some(Some(After::Updated(at, "0190-abc".to_owned())))
        );
        let short = PageRequest {
            limit: 5,
            after: Some(b"abc".to_vec()),
        };
        assert!(short.after(true).is_err());
        assert_eq!(
            short.after(false).ok(),
            Some(Some(After::Id("abc".to_owned())))
        );
    }

    #[test]
    fn a_key_with_a_nul_or_invalid_utf8_is_refused_before_any_query() {
        let mut by_update = list_key(true, &NaiveDateTime::default(), "a");
        by_update.push(0);
        for key in [
            b"a\0b".to_vec(),
            vec![0],
            vec![0xff, 0xfe],
            by_update.clone(),
        ] {
            let page = PageRequest {
                limit: 5,
                after: Some(key.clone()),
            };
            assert!(page.after_text().is_err(), "{key:?}");
            assert!(page.after(false).is_err(), "{key:?}");
        }
        let page = PageRequest {
            limit: 5,
            after: Some(by_update),
        };
        assert!(page.after(true).is_err());
    }

    #[test]
    fn if_none_match_compares_weakly_and_star_matches_any_tag() {
        let etag = HeaderValue::from_static("\"3\"");
        for hit in ["\"3\"", "*", "W/\"3\"", "\"1\", \"3\"", " \"2\" ,W/\"3\" "] {
            assert!(
                none_match_hits(&HeaderValue::from_static(hit), &etag),
                "{hit}"
            );
        }
        for miss in ["\"4\"", "3", "\"33\"", "", "\"1\", \"2\""] {
            assert!(
                !none_match_hits(&HeaderValue::from_static(miss), &etag),
                "{miss}"
            );
        }
    }

    #[test]
    fn a_page_of_limit_plus_one_rows_has_a_next_cursor() {
        let key = |n: &i32| n.to_string().into_bytes();
        let page = Page::from_rows(vec![1, 2, 3], 2, key, |n| n);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor, Some(encode_cursor(b"2")));
        let last = Page::from_rows(vec![1, 2], 2, key, |n| n);
        assert_eq!(last.next_cursor, None);
    }
}
