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
use crate::db::partners::{self as repo, Partner as PartnerRecord, PartnerChange};
use crate::db::{DbConnection, events as event_store, write_transaction};
use crate::domain::events::NewEvent;
use crate::domain::partners::search_form;
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

/// What one good row comes to.
enum Plan {
    Create(PartnerRecord),
    Update(Box<PartnerRecord>, PartnerRecord),
    Unchanged,
}

/// Checks every row of `file` and, unless `dry_run`, writes them all in one transaction.
/// `progress` hears of each row checked. `Err` lists every problem, one per line.
pub fn partners(
    conn: &mut DbConnection,
    file: &[u8],
    dry_run: bool,
    progress: &mut dyn FnMut(),
) -> Result<Imported, String> {
    let mut reader = csv::Reader::from_reader(file);
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
    let now = time::now();
    let mut problems = Vec::new();
    let mut plans = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        progress();
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                problems.push(format!("{e}"));
                continue;
            }
        };
        let line = line_of(file, record.position());
        match plan_row(conn, &header, &record, now) {
            Ok((key, plan)) => match seen.insert(key, line) {
                Some(earlier) => problems.push(format!(
                    "line {line}: the same partner as line {earlier} (kvkNumber, or name without one)"
                )),
                None => plans.push(plan),
            },
            Err(ApiError::InvalidInput(params)) => problems.extend(
                params
                    .iter()
                    .map(|p| format!("line {line}: {}: {} ({})", p.name, p.reason, p.code)),
            ),
            Err(other) => problems.push(format!("line {line}: {other}")),
        }
    }
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
        write_transaction(conn, |conn| write(conn, plans, now))
            .map_err(|e| format!("nothing was imported: {e}"))?;
    }
    Ok(imported)
}

/// The line of the file a record starts on, 1 for the first. (The reader's own line count
/// sees a CRLF record end as the start of the next record.)
fn line_of(file: &[u8], position: Option<&csv::Position>) -> u64 {
    let start = position.map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
    let start = file
        .iter()
        .skip(start)
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count()
        .saturating_add(start)
        .min(file.len());
    let breaks = file[..start].iter().filter(|&&b| b == b'\n').count();
    u64::try_from(breaks).map_or(u64::MAX, |n| n + 1)
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

/// Checks a row and finds the partner it is: its matching key and what to do.
fn plan_row(
    conn: &mut DbConnection,
    header: &[String],
    record: &csv::StringRecord,
    now: chrono::NaiveDateTime,
) -> Result<(String, Plan), ApiError> {
    let new = partners::new_partner(conn, body_of(header, record), now)?;
    let kvk = new.row.kvk_number.clone();
    let key = match &kvk {
        Some(kvk) => format!("kvk {kvk}"),
        None => format!("name {}", new.row.name),
    };
    let mut existing = repo::matching(conn, kvk.as_deref(), &new.row.name)?;
    let plan = match (existing.pop(), existing.is_empty()) {
        (None, _) => Plan::Create(new),
        (Some(old), true) => match same(&old, &new) {
            true => Plan::Unchanged,
            false => Plan::Update(Box::new(old), new),
        },
        (Some(_), false) => {
            return Err(ApiError::invalid(
                "kvkNumber",
                "ambiguous",
                "matches more than one registered partner",
            ));
        }
    };
    Ok((key, plan))
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

fn write(
    conn: &mut DbConnection,
    plans: Vec<Plan>,
    now: chrono::NaiveDateTime,
) -> Result<(), ApiError> {
    let actor = Principal::system("wijkregie-import").actor();
    for plan in plans {
        let event = match plan {
            Plan::Unchanged => continue,
            Plan::Create(new) => {
                let created = Partner::from(repo::insert(conn, &new)?);
                NewEvent::created("partner", &created.id, snapshot(&created)?)
            }
            Plan::Update(old, new) => {
                let row = new.row;
                let change = PartnerChange {
                    name_search: Some(search_form(&row.name)),
                    name: Some(row.name),
                    kind: Some(row.kind),
                    kvk_number: Some(row.kvk_number),
                    contact_name: Some(row.contact_name),
                    contact_email: Some(row.contact_email),
                    contact_phone: Some(row.contact_phone),
                    website: Some(row.website),
                    active: Some(row.active),
                };
                let id = old.row.id.clone();
                let changed = (change, Some(new.neighbourhood_ids));
                let (before, after) = repo::update(conn, &id, old.row.version, &changed, now)?
                    .ok_or_else(|| ApiError::NotFound(format!("partner '{id}' went away")))?;
                let (before, after) = (Partner::from(before), Partner::from(after));
                NewEvent::updated("partner", &id, &snapshot(&before)?, &snapshot(&after)?)
            }
        };
        event_store::record(conn, &actor, event, now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::line_of;

    #[test]
    fn rows_are_numbered_by_the_line_they_start_on_whatever_the_line_ends() {
        for file in [
            "name,kind\nA,school\n\"B\nC\",welfare\nD,other\n",
            "name,kind\r\nA,school\r\n\"B\r\nC\",welfare\r\nD,other\r\n",
        ] {
            let mut reader = csv::Reader::from_reader(file.as_bytes());
            let lines: Vec<u64> = reader
                .records()
                .map(|r| line_of(file.as_bytes(), r.ok().as_ref().and_then(|r| r.position())))
                .collect();
            assert_eq!(lines, [2, 3, 5], "{file:?}");
        }
    }
}
