//! `wijkregie import partners FILE.csv [--dry-run]`: the bureau's partner lists into the
//! register. The file has the columns of the CSV export (`GET /partners` with
//! `Accept: text/csv`), so an export can be edited and read back; `id`, `version`, `createdAt`
//! and `updatedAt` are read-only and ignored, every other column is optional.
//!
//! Every row is checked with the rules of `POST /partners` (the same code reads it, as the JSON
//! body the row stands for). Any bad row, or an unknown column, and nothing is written: every
//! problem of every row is reported with its line. Otherwise all rows are written in one
//! transaction, each created or changed partner with its event, as the `wijkregie-import`
//! system actor.
//!
//! A cell the export wrote with a leading apostrophe (text that starts like a formula, see
//! `reports::cell`) is read without it, so an export goes back in unchanged.
//!
//! A row is the same partner as an existing one with its `kvkNumber`; a row without a number
//! is the same as a partner of exactly its name that has no number either. That partner is
//! updated to the row, or left alone when nothing differs, so a second run of a file creates
//! nothing. A row that matches several partners, or the same partner as an earlier row, is a
//! bad row.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::export::CsvRecord;
use super::input::JsonObject;
use super::partners::{self, Partner};
use super::records::snapshot;
use crate::auth::Principal;
use crate::db::partners::{self as repo, Partner as PartnerRecord, PartnerRow};
use crate::db::{BATCH, DbConnection, events as event_store, reference, write_transaction};
use crate::domain::events::NewEvent;
use crate::domain::time;
use crate::error::ApiError;
use crate::reports::cell::restored;

/// The columns only the export has.
const READ_ONLY: [&str; 4] = ["id", "version", "createdAt", "updatedAt"];

/// What an import did, or with `--dry-run` would do.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Where an import is, for a progress bar: the rows of the file are checked first (outside any
/// transaction), then the good ones are written in one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Rows read and checked so far.
    Checking,
    /// Rows written so far, inside the import's transaction.
    Writing,
}

/// What one good row comes to.
enum Plan {
    Create(PartnerRecord),
    Update(Box<PartnerRecord>, PartnerRecord),
    Unchanged,
}

/// The rows checked so far: what to do, the problems, and the partner each row is.
#[derive(Default)]
struct Checked {
    plans: Vec<Plan>,
    problems: Vec<String>,
    /// A row's partner (its matching key) and the line that named it first.
    seen: HashMap<String, u64>,
}

/// Checks every row of `file` and, unless `dry_run`, writes them all in one transaction.
/// `progress` hears how many rows are done at each [`Stage`]. `Err` lists every problem of the
/// rows, one per line — or, when the database fails, that one error: nothing is written either
/// way.
///
/// The work is linear in the rows: they are checked and matched [`BATCH`] at a time, with one
/// indexed look-up per batch, and written a batch per statement; the events of all of them
/// take their ids at the end ([`event_store::record_all`]), so other writers never wait
/// behind the import's work.
pub fn partners(
    conn: &mut DbConnection,
    file: &[u8],
    dry_run: bool,
    progress: &mut dyn FnMut(Stage, usize),
) -> Result<Imported, String> {
    let mut reader = csv::Reader::from_reader(file);
    let header = header_of(&mut reader)?;
    let now = time::now();
    let mut checked = Checked::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut rows = 0;
    let mut lines = Lines::default();
    let mut records = reader.records();
    loop {
        let record = records.next();
        let end = record.is_none();
        match record {
            Some(Ok(record)) => batch.push((lines.line_of(file, record.position()), record)),
            Some(Err(e)) => checked.problems.push(format!("{e}")),
            None => {}
        }
        if batch.len() == BATCH || (end && !batch.is_empty()) {
            let last_line = batch.last().map_or(0, |(line, _)| *line);
            check_batch(conn, &header, std::mem::take(&mut batch), now, &mut checked).map_err(
                |e| {
                    // One line, whatever the driver's message spans.
                    let e = e
                        .to_string()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                    format!("nothing was imported: the database failed at line {last_line}: {e}")
                },
            )?;
        }
        if end {
            break;
        }
        rows += 1;
        progress(Stage::Checking, rows);
    }
    let Checked {
        plans, problems, ..
    } = checked;
    if !problems.is_empty() {
        return Err(format!(
            "nothing was imported; {} problem(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        ));
    }
    let mut imported = Imported::default();
    for plan in &plans {
        match plan {
            Plan::Create(_) => imported.created += 1,
            Plan::Update(..) => imported.updated += 1,
            Plan::Unchanged => imported.unchanged += 1,
        }
    }
    if !dry_run {
        write_transaction(conn, |conn| write(conn, plans, now, progress))
            .map_err(|e| format!("nothing was imported: {e}"))?;
    }
    Ok(imported)
}

/// The header row: only columns of the export, each at most once.
fn header_of(reader: &mut csv::Reader<&[u8]>) -> Result<Vec<String>, String> {
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the header row: {e}"))?
        .iter()
        .map(str::to_owned)
        .collect();
    let unknown: Vec<&String> = header
        .iter()
        .filter(|c| !<Partner as CsvRecord>::HEADER.contains(&c.as_str()))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "line 1: unknown column(s) {unknown:?}; the columns are those of the export: {}",
            <Partner as CsvRecord>::HEADER.join(",")
        ));
    }
    let mut twice: Vec<&String> = Vec::new();
    for (i, column) in header.iter().enumerate() {
        if header[..i].contains(column) && !twice.contains(&column) {
            twice.push(column);
        }
    }
    if !twice.is_empty() {
        return Err(format!(
            "line 1: column(s) {twice:?} appear more than once; each column may appear once"
        ));
    }
    Ok(header)
}

/// Numbers records by the line they start on, 1 for the first (the reader's own line count
/// sees a CRLF record end as the start of the next record), counting the line breaks since the previous
/// record only (counting from the top for every record made the import quadratic).
#[derive(Debug, Default)]
struct Lines {
    /// Where the previous record started, and the line breaks before it.
    offset: usize,
    breaks: usize,
}

impl Lines {
    /// The line a record at `position` starts on; records come in file order.
    fn line_of(&mut self, file: &[u8], position: Option<&csv::Position>) -> u64 {
        let start = position.map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
        let start = file
            .iter()
            .skip(start)
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count()
            .saturating_add(start)
            .min(file.len());
        if start < self.offset {
            *self = Self::default();
        }
        self.breaks += file[self.offset..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = start;
        u64::try_from(self.breaks).map_or(u64::MAX, |n| n + 1)
    }
}

/// The body a row stands for: its non-empty fields as the members of `POST /partners`, each
/// without the apostrophe the export put before a formula start (`'=…`, see `reports::cell`).
fn body_of(header: &[String], record: &csv::StringRecord) -> JsonObject {
    let mut body = Map::new();
    let mut contact = Map::new();
    for (column, value) in header.iter().zip(record.iter()) {
        let value = restored(value);
        if value.is_empty() || READ_ONLY.contains(&column.as_str()) {
            continue;
        }
        let text = Value::String(value.to_owned());
        match column.as_str() {
            "neighbourhoodIds" => {
                let ids = value
                    .split_whitespace()
                    .map(|id| Value::String(id.to_owned()));
                body.insert(column.clone(), Value::Array(ids.collect()));
            }
            "active" => {
                let flag = match value {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => text,
                };
                body.insert(column.clone(), flag);
            }
            nested => match nested.strip_prefix("contact.") {
                Some(member) => {
                    contact.insert(member.to_owned(), text);
                }
                None => {
                    body.insert(column.clone(), text);
                }
            },
        }
    }
    if !contact.is_empty() {
        body.insert("contact".to_owned(), Value::Object(contact));
    }
    JsonObject(body)
}

/// Checks a batch of rows and finds the partners they are, with one look-up of their
/// neighbourhoods and one of the partners they may be. A row's problems go into `checked`;
/// `Err` is the database failing, which stops the import.
fn check_batch(
    conn: &mut DbConnection,
    header: &[String],
    batch: Vec<(u64, csv::StringRecord)>,
    now: chrono::NaiveDateTime,
    checked: &mut Checked,
) -> Result<(), ApiError> {
    let bodies: Vec<(u64, JsonObject)> = batch
        .into_iter()
        .map(|(line, record)| (line, body_of(header, &record)))
        .collect();
    let mut asked: Vec<String> = bodies
        .iter()
        .flat_map(|(_, body)| partners::asked_neighbourhoods(body))
        .collect();
    asked.sort();
    asked.dedup();
    let known = match asked.is_empty() {
        true => HashMap::new(),
        false => reference::districts_of_neighbourhoods(conn, &asked)?,
    };
    let mut good = Vec::with_capacity(bodies.len());
    for (line, body) in bodies {
        match partners::new_partner(body, &known, now) {
            Ok(new) => good.push((line, new)),
            Err(ApiError::InvalidInput(params)) => checked.problems.extend(
                params
                    .iter()
                    .map(|p| format!("line {line}: {}: {} ({})", p.name, p.reason, p.code)),
            ),
            Err(other) => return Err(other),
        }
    }
    let (kvk_numbers, names): (Vec<_>, Vec<_>) = good
        .iter()
        .map(|(_, new)| &new.row)
        .partition(|row| row.kvk_number.is_some());
    let kvk_numbers: Vec<String> = kvk_numbers
        .iter()
        .filter_map(|r| r.kvk_number.clone())
        .collect();
    let names: Vec<String> = names.iter().map(|r| r.name.clone()).collect();
    let mut registered: HashMap<String, Vec<PartnerRecord>> = HashMap::new();
    for partner in repo::matching(conn, &kvk_numbers, &names)? {
        registered
            .entry(key_of(&partner.row))
            .or_default()
            .push(partner);
    }
    for (line, new) in good {
        let key = key_of(&new.row);
        let plan = match registered.get(&key).map(Vec::as_slice) {
            None | Some([]) => Plan::Create(new),
            Some([old]) => match same(old, &new) {
                true => Plan::Unchanged,
                false => Plan::Update(Box::new(old.clone()), new),
            },
            Some(_) => {
                checked.problems.push(format!(
                    "line {line}: kvkNumber: matches more than one registered partner (ambiguous)"
                ));
                continue;
            }
        };
        match checked.seen.insert(key, line) {
            Some(earlier) => checked.problems.push(format!(
                "line {line}: the same partner as line {earlier} (kvkNumber, or name without one)"
            )),
            None => checked.plans.push(plan),
        }
    }
    Ok(())
}

/// The partner a row or a registered partner is: its KvK number, or its name without one.
fn key_of(row: &PartnerRow) -> String {
    match &row.kvk_number {
        Some(kvk) => format!("kvk {kvk}"),
        None => format!("name {}", row.name),
    }
}

/// Whether a row says nothing new about a partner.
fn same(old: &PartnerRecord, new: &PartnerRecord) -> bool {
    let (a, b) = (&old.row, &new.row);
    let mut old_ids = old.neighbourhood_ids.clone();
    let mut new_ids = new.neighbourhood_ids.clone();
    old_ids.sort();
    new_ids.sort();
    (&a.name, &a.kind, &a.kvk_number, &a.website, a.active)
        == (&b.name, &b.kind, &b.kvk_number, &b.website, b.active)
        && (&a.contact_name, &a.contact_email, &a.contact_phone)
            == (&b.contact_name, &b.contact_email, &b.contact_phone)
        && old_ids == new_ids
}

/// Writes the plans a batch at a time, then the events of all of them at once.
fn write(
    conn: &mut DbConnection,
    plans: Vec<Plan>,
    now: chrono::NaiveDateTime,
    progress: &mut dyn FnMut(Stage, usize),
) -> Result<(), ApiError> {
    let mut events = Vec::new();
    let mut written = 0;
    let mut plans = plans.into_iter();
    loop {
        let batch: Vec<Plan> = plans.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            break;
        }
        written += batch.len();
        let mut created = Vec::new();
        let mut updated = Vec::new();
        for plan in batch {
            match plan {
                Plan::Unchanged => {}
                Plan::Create(mut new) => {
                    new.neighbourhood_ids.sort();
                    created.push(new);
                }
                Plan::Update(old, new) => {
                    let after = updated_to(&old, new, now);
                    updated.push((*old, after));
                }
            }
        }
        repo::insert_all(conn, &created.iter().collect::<Vec<_>>())?;
        let changes: Vec<(i64, &PartnerRecord)> = updated
            .iter()
            .map(|(old, after)| (old.row.version, after))
            .collect();
        if !repo::update_all(conn, &changes)? {
            return Err(ApiError::conflict(
                "partner_changed",
                "a partner of the file was changed while the file was checked; run the import again",
            ));
        }
        for new in created {
            let new = Partner::from(new);
            events.push(NewEvent::created("partner", &new.id, snapshot(&new)?));
        }
        for (old, after) in updated {
            let id = after.row.id.clone();
            let (before, after) = (Partner::from(old), Partner::from(after));
            let (before, after) = (snapshot(&before)?, snapshot(&after)?);
            events.push(NewEvent::updated("partner", &id, &before, &after));
        }
        progress(Stage::Writing, written);
    }
    let actor = Principal::system("wijkregie-import").actor();
    event_store::record_all(conn, &actor, events, now)?;
    Ok(())
}

/// A registered partner as a row makes it: the row's values, the partner's identity, its next
/// version.
fn updated_to(
    old: &PartnerRecord,
    new: PartnerRecord,
    now: chrono::NaiveDateTime,
) -> PartnerRecord {
    let mut neighbourhood_ids = new.neighbourhood_ids;
    neighbourhood_ids.sort();
    PartnerRecord {
        row: PartnerRow {
            id: old.row.id.clone(),
            version: old.row.version + 1,
            created_at: old.row.created_at,
            updated_at: now,
            ..new.row
        },
        neighbourhood_ids,
    }
}

#[cfg(test)]
mod tests {
    use super::Lines;

    #[test]
    fn rows_are_numbered_by_the_line_they_start_on_whatever_the_line_ends() {
        for file in [
            "name,kind\nA,school\n\"B\nC\",welfare\nD,other\n",
            "name,kind\r\nA,school\r\n\"B\r\nC\",welfare\r\nD,other\r\n",
        ] {
            let mut reader = csv::Reader::from_reader(file.as_bytes());
            let mut counter = Lines::default();
            let lines: Vec<u64> = reader
                .records()
                .map(|r| {
                    counter.line_of(file.as_bytes(), r.ok().as_ref().and_then(|r| r.position()))
                })
                .collect();
            assert_eq!(lines, [2, 3, 5], "{file:?}");
        }
    }
}
