//! `Accept: text/csv` on the partner and project lists (DESIGN §14): every matching row, with
//! the filters and visibility of the JSON list, read in keyset batches and written batch by
//! batch into a streamed body, so the memory an export takes does not grow with the list.
//!
//! The CSV follows the progress report's conventions: RFC 4180, a header row, CRLF line ends,
//! a field quoted only when it holds a comma, quote or line break; an empty field is an absent
//! value; text that a spreadsheet would take for a formula gets a leading apostrophe, figures
//! stay numbers ([`Cell`]). Columns are named as the JSON members, a nested member by its path
//! (`contact.email`), and a list is one field with its values separated by spaces.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::stream;

use super::reports::Format;
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
pub use crate::reports::cell::Cell;

/// Rows read from the database per batch of an export.
pub const BATCH: i64 = 500;

/// A representation that is also a CSV row.
pub trait CsvRecord {
    /// The header row: the column names, in order.
    const HEADER: &'static [&'static str];
    /// The fields of the row, in the order of [`CsvRecord::HEADER`].
    fn fields(&self) -> Vec<Cell>;
}

/// Whether the caller asked for CSV rather than JSON (the default); `406` when its `Accept`
/// allows neither.
pub fn wants_csv(req: &HttpRequest, list: &str) -> Result<bool, ApiError> {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok());
    match Format::negotiate_among(accept, &[Format::Json, Format::Csv]) {
        Some(Format::Json) => Ok(false),
        Some(Format::Csv) => Ok(true),
        Some(Format::Html) | None => Err(ApiError::NotAcceptable(format!(
            "The {list} list comes as application/json or text/csv."
        ))),
    }
}

/// A JSON list answer that says it depends on `Accept`.
pub fn vary_on_accept(mut response: HttpResponse) -> HttpResponse {
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}

/// A list field: the values separated by spaces.
pub fn joined<S: AsRef<str>>(values: &[S]) -> String {
    values
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(" ")
}

/// An optional field: empty when absent.
pub fn optional<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Reads one batch: `BATCH + 1` rows after the key (the extra row says there is more).
pub type Load<Row, Key> =
    dyn Fn(&mut DbConnection, Option<&Key>, i64) -> Result<Vec<Row>, ApiError> + Send + Sync;

/// Streams every row `load` gives, batch after batch, as `filename`. The first batch is read
/// before answering, so a failing database is a problem answer rather than a cut-off body; a
/// later failure ends the body early (the client sees an incomplete transfer).
pub async fn stream<Row, Key, Dto>(
    db: Db,
    filename: &'static str,
    load: Arc<Load<Row, Key>>,
    key: fn(&Row) -> Key,
) -> Result<HttpResponse, ApiError>
where
    Row: Send + 'static,
    Key: Send + Sync + 'static,
    Dto: From<Row> + CsvRecord,
{
    let first = read_batch(&db, &load, None).await?;
    let head = render::<Row, Key, Dto>(true, first, key)?;
    let rest = stream::unfold(
        head.1.map(|after| (db, load, after)),
        move |state| async move {
            let (db, load, after) = state?;
            let rows = match read_batch(&db, &load, Some(after)).await {
                Ok(rows) => rows,
                Err(e) => return Some((Err(e), None)),
            };
            match render::<Row, Key, Dto>(false, rows, key) {
                Ok((bytes, next)) => Some((Ok(bytes), next.map(|after| (db, load, after)))),
                Err(e) => Some((Err(e), None)),
            }
        },
    );
    let body = futures_util::StreamExt::chain(stream::iter([Ok::<_, ApiError>(head.0)]), rest);
    Ok(HttpResponse::Ok()
        .insert_header((header::VARY, HeaderValue::from_static("Accept")))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .content_type("text/csv; charset=utf-8; header=present")
        .streaming(body))
}

async fn read_batch<Row, Key>(
    db: &Db,
    load: &Arc<Load<Row, Key>>,
    after: Option<Key>,
) -> Result<Vec<Row>, ApiError>
where
    Row: Send + 'static,
    Key: Send + Sync + 'static,
{
    let load = Arc::clone(load);
    db.read_long(move |conn| load(conn, after.as_ref(), BATCH))
        .await
}

/// One batch as CSV (with the header row first when `header`), and the key to continue after
/// when there is more.
fn render<Row, Key, Dto>(
    header: bool,
    mut rows: Vec<Row>,
    key: fn(&Row) -> Key,
) -> Result<(Bytes, Option<Key>), ApiError>
where
    Dto: From<Row> + CsvRecord,
{
    let more = usize::try_from(BATCH).is_ok_and(|batch| rows.len() > batch);
    if more {
        rows.pop();
    }
    let next = rows.last().filter(|_| more).map(key);
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if header {
        writer.write_record(Dto::HEADER).map_err(cannot_write)?;
    }
    for row in rows {
        let cells = Dto::from(row).fields();
        writer
            .write_record(cells.iter().map(|cell| cell.written().into_owned()))
            .map_err(cannot_write)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("cannot write CSV: {e}")))?;
    Ok((Bytes::from(bytes), next))
}

fn cannot_write(e: csv::Error) -> ApiError {
    ApiError::Internal(format!("cannot write CSV: {e}"))
}
