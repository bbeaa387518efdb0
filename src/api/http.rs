//! HTTP conventions shared by every resource: keyset pages with `nextCursor` and a `Link`
//! header, `ETag` / `If-Match` on versioned resources, and `201 Created` with `Location`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::input::QueryParams;
use crate::domain::Rejection;
use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;
const CURSOR_PREFIX: &str = "k1:";

/// The two pagination keys every list takes.
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
    cursor: Option<String>,
}

/// What page a client asked for: `limit` and the decoded key after which it starts.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<String>,
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
}

/// A cursor is the last key of the previous page, base64url-encoded: opaque to clients.
pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{key}"))
}

fn decode_cursor(cursor: &str) -> Result<String, Rejection> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(CURSOR_PREFIX).map(str::to_owned))
        .ok_or_else(|| Rejection::new("invalid_cursor", "is not a cursor this service gave out"))
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
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
        key: impl Fn(&R) -> String,
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

/// The version a client names in `If-Match`: 428 when absent, 412 when it cannot match.
pub fn if_match(req: &HttpRequest) -> Result<i64, ApiError> {
    let value = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired)?
        .to_str()
        .map_err(|_| ApiError::PreconditionRequired)?
        .trim();
    if value == "*" {
        // `*` would match any version and so defeat the lost-update check.
        return Err(ApiError::PreconditionRequired);
    }
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or(ApiError::PreconditionFailed { current: None })
}

/// `200 OK` with an `ETag`.
pub fn ok_with_etag<T: Serialize>(version: i64, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// `201 Created` with `Location` and `ETag`.
pub fn created<T: Serialize>(location: String, version: i64, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        assert_eq!(decode_cursor(&encode_cursor("laak")), Ok("laak".to_owned()));
        assert!(decode_cursor("bGFhaw").is_err());
        assert!(decode_cursor("!!").is_err());
    }

    #[test]
    fn a_page_of_limit_plus_one_rows_has_a_next_cursor() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| n.to_string(), |n| n);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor, Some(encode_cursor("2")));
        let last = Page::from_rows(vec![1, 2], 2, |n| n.to_string(), |n| n);
        assert_eq!(last.next_cursor, None);
    }
}
