//! Partners repo. A partner's neighbourhoods are rows of `partner_neighbourhoods`; a partner is
//! never deleted, only archived (`active = false`).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{partner_neighbourhoods, partners};
use super::{BATCH, DbConnection, new_id};
use crate::domain::partners::search_form;
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = partners)]
// An absent value is NULL rather than DEFAULT, so that many rows go into one SQLite statement.
#[diesel(treat_none_as_default_value = false)]
pub struct PartnerRow {
    pub id: String,
    pub name: String,
    pub name_search: String,
    pub kind: String,
    pub kvk_number: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub website: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PartnerRow {
    /// A new, active partner at version 1, registered `now`, with a fresh id; what else it says
    /// is empty until the caller sets it.
    pub fn new(name: String, kind: String, now: NaiveDateTime) -> Self {
        Self {
            id: new_id(),
            name_search: search_form(&name),
            name,
            kind,
            kvk_number: None,
            contact_name: None,
            contact_email: None,
            contact_phone: None,
            website: None,
            active: true,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

/// A partner with its neighbourhoods.
#[derive(Debug, Clone)]
pub struct Partner {
    pub row: PartnerRow,
    pub neighbourhood_ids: Vec<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = partners)]
pub struct PartnerChange {
    pub name: Option<String>,
    pub name_search: Option<String>,
    pub kind: Option<String>,
    pub kvk_number: Option<Option<String>>,
    pub contact_name: Option<Option<String>>,
    pub contact_email: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub active: Option<bool>,
}

#[derive(Debug, Default, Clone)]
pub struct PartnerFilter {
    pub kind: Option<String>,
    pub neighbourhood_id: Option<String>,
    pub active: Option<bool>,
    /// Already in search form.
    pub q: Option<String>,
}

fn neighbourhoods_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<String>>, ApiError> {
    let pairs: Vec<(String, String)> = partner_neighbourhoods::table
        .filter(partner_neighbourhoods::partner_id.eq_any(ids))
        .order((
            partner_neighbourhoods::partner_id,
            partner_neighbourhoods::neighbourhood_id,
        ))
        .select((
            partner_neighbourhoods::partner_id,
            partner_neighbourhoods::neighbourhood_id,
        ))
        .load(conn)?;
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (partner, neighbourhood) in pairs {
        map.entry(partner).or_default().push(neighbourhood);
    }
    Ok(map)
}

fn with_neighbourhoods(
    conn: &mut DbConnection,
    rows: Vec<PartnerRow>,
) -> Result<Vec<Partner>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut map = neighbourhoods_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| Partner {
            neighbourhood_ids: map.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Partner>, ApiError> {
    let row = partners::table
        .find(id)
        .select(PartnerRow::as_select())
        .first(conn)
        .optional()?;
    match row {
        None => Ok(None),
        Some(row) => Ok(with_neighbourhoods(conn, vec![row])?.pop()),
    }
}

/// The id of the one active partner with this KvK number (a claim map names partners so);
/// `None` when there is none, or more than one and so no answer.
pub fn active_id_by_kvk(conn: &mut DbConnection, kvk: &str) -> Result<Option<String>, ApiError> {
    let ids: Vec<String> = partners::table
        .filter(partners::kvk_number.eq(kvk))
        .filter(partners::active.eq(true))
        .select(partners::id)
        .order(partners::id)
        .limit(2)
        .load(conn)?;
    Ok(match ids.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    })
}

/// Whether partner `id` is registered and archived (a token acting for it is refused); an
/// unregistered id is not archived.
pub fn is_archived(conn: &mut DbConnection, id: &str) -> Result<bool, ApiError> {
    let active: Option<bool> = partners::table
        .find(id)
        .select(partners::active)
        .first(conn)
        .optional()?;
    Ok(active == Some(false))
}

pub fn exists(conn: &mut DbConnection, id: &str) -> Result<bool, ApiError> {
    Ok(partners::table
        .find(id)
        .select(partners::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

fn set_neighbourhoods(
    conn: &mut DbConnection,
    id: &str,
    neighbourhood_ids: &[String],
) -> Result<(), ApiError> {
    diesel::delete(partner_neighbourhoods::table.filter(partner_neighbourhoods::partner_id.eq(id)))
        .execute(conn)?;
    for neighbourhood_id in neighbourhood_ids {
        diesel::insert_into(partner_neighbourhoods::table)
            .values((
                partner_neighbourhoods::partner_id.eq(id),
                partner_neighbourhoods::neighbourhood_id.eq(neighbourhood_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The index that keeps a KvK number to one active partner (migration `partner_identity`).
const KVK_INDEX: &str = "partners_active_kvk_number";

/// A violation of [`KVK_INDEX`] as the 409 `kvk_number_taken`; other errors as they are.
/// PostgreSQL names the index; SQLite names its column (`partners.kvk_number`).
fn kvk_number_taken(error: diesel::result::Error) -> ApiError {
    use diesel::result::{DatabaseErrorKind, Error};
    match &error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
            if info.constraint_name() == Some(KVK_INDEX)
                || info.message().contains("partners.kvk_number") =>
        {
            ApiError::conflict(
                "kvk_number_taken",
                "Another active partner has this KvK number; a KvK number names one active \
                 partner (archive the other, or correct the number).",
            )
        }
        _ => error.into(),
    }
}

pub fn insert(conn: &mut DbConnection, partner: &Partner) -> Result<Partner, ApiError> {
    diesel::insert_into(partners::table)
        .values(&partner.row)
        .execute(conn)
        .map_err(kvk_number_taken)?;
    set_neighbourhoods(conn, &partner.row.id, &partner.neighbourhood_ids)?;
    find(conn, &partner.row.id)?
        .ok_or_else(|| ApiError::Internal("inserted partner not found".to_owned()))
}

/// A version-checked update; `neighbourhood_ids` replaces the set when given.
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    expected_version: i64,
    change: &(PartnerChange, Option<Vec<String>>),
    now: NaiveDateTime,
) -> Result<Option<(Partner, Partner)>, ApiError> {
    let Some(before) = find(conn, id)? else {
        return Ok(None);
    };
    if before.row.version != expected_version {
        return Err(ApiError::PreconditionFailed {
            current: Some(before.row.version),
        });
    }
    let updated = diesel::update(
        partners::table
            .filter(partners::id.eq(id))
            .filter(partners::version.eq(expected_version)),
    )
    .set((
        &change.0,
        partners::version.eq(expected_version + 1),
        partners::updated_at.eq(now),
    ))
    .execute(conn)
    .map_err(kvk_number_taken)?;
    if updated == 0 {
        return Err(ApiError::PreconditionFailed {
            current: Some(expected_version + 1),
        });
    }
    if let Some(neighbourhood_ids) = &change.1 {
        set_neighbourhoods(conn, id, neighbourhood_ids)?;
    }
    let after = find(conn, id)?
        .ok_or_else(|| ApiError::Internal("updated partner not found".to_owned()))?;
    Ok(Some((before, after)))
}

/// The partners that imported rows may be the same as, in two statements for a whole batch of
/// rows (and one for their neighbourhoods): those with one of `kvk_numbers`, and those without
/// a number that have one of `names` exactly. Both look-ups are indexed
/// (migration `import_indexes`).
pub fn matching(
    conn: &mut DbConnection,
    kvk_numbers: &[String],
    names: &[String],
) -> Result<Vec<Partner>, ApiError> {
    let mut rows: Vec<PartnerRow> = Vec::new();
    if !kvk_numbers.is_empty() {
        rows.extend(
            partners::table
                .filter(partners::kvk_number.eq_any(kvk_numbers))
                .select(PartnerRow::as_select())
                .order(partners::id.asc())
                .load(conn)?,
        );
    }
    if !names.is_empty() {
        rows.extend(
            partners::table
                .filter(partners::kvk_number.is_null())
                .filter(partners::name.eq_any(names))
                .select(PartnerRow::as_select())
                .order(partners::id.asc())
                .load(conn)?,
        );
    }
    with_neighbourhoods(conn, rows)
}

/// Inserts new partners and their neighbourhoods, [`BATCH`] rows per statement.
pub fn insert_all(conn: &mut DbConnection, new: &[&Partner]) -> Result<(), ApiError> {
    let rows: Vec<&PartnerRow> = new.iter().map(|p| &p.row).collect();
    for chunk in rows.chunks(BATCH) {
        super::on_backend!(&mut *conn, |c| diesel::insert_into(partners::table)
            .values(chunk.iter().copied().cloned().collect::<Vec<_>>())
            .execute(c))?;
    }
    insert_neighbourhoods(conn, new)
}

/// Writes imported changes to existing partners: each row version-checked (`Ok(false)` when
/// one was changed meanwhile), their neighbourhood sets replaced, a batch at a time.
pub fn update_all(conn: &mut DbConnection, changed: &[(i64, &Partner)]) -> Result<bool, ApiError> {
    for (expected_version, after) in changed {
        let row = &after.row;
        let touched = diesel::update(
            partners::table
                .filter(partners::id.eq(&row.id))
                .filter(partners::version.eq(expected_version)),
        )
        .set((
            partners::name.eq(&row.name),
            partners::name_search.eq(&row.name_search),
            partners::kind.eq(&row.kind),
            partners::kvk_number.eq(&row.kvk_number),
            partners::contact_name.eq(&row.contact_name),
            partners::contact_email.eq(&row.contact_email),
            partners::contact_phone.eq(&row.contact_phone),
            partners::website.eq(&row.website),
            partners::active.eq(row.active),
            partners::version.eq(row.version),
            partners::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
        if touched == 0 {
            return Ok(false);
        }
    }
    let partners: Vec<&Partner> = changed.iter().map(|(_, p)| *p).collect();
    for chunk in partners.chunks(BATCH) {
        let ids: Vec<&str> = chunk.iter().map(|p| p.row.id.as_str()).collect();
        diesel::delete(
            partner_neighbourhoods::table.filter(partner_neighbourhoods::partner_id.eq_any(ids)),
        )
        .execute(conn)?;
    }
    insert_neighbourhoods(conn, &partners)?;
    Ok(true)
}

fn insert_neighbourhoods(conn: &mut DbConnection, of: &[&Partner]) -> Result<(), ApiError> {
    let pairs: Vec<_> = of
        .iter()
        .flat_map(|p| {
            p.neighbourhood_ids.iter().map(|n| {
                (
                    partner_neighbourhoods::partner_id.eq(p.row.id.clone()),
                    partner_neighbourhoods::neighbourhood_id.eq(n.clone()),
                )
            })
        })
        .collect();
    for chunk in pairs.chunks(BATCH) {
        super::on_backend!(&mut *conn, |c| diesel::insert_into(
            partner_neighbourhoods::table
        )
        .values(chunk.to_vec())
        .execute(c))?;
    }
    Ok(())
}

/// Newest first (ids are UUIDv7); `limit + 1` rows after the cursor id.
pub fn list(
    conn: &mut DbConnection,
    filter: &PartnerFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Partner>, ApiError> {
    let mut query = partners::table.select(PartnerRow::as_select()).into_boxed();
    if let Some(kind) = &filter.kind {
        query = query.filter(partners::kind.eq(kind.clone()));
    }
    if let Some(active) = filter.active {
        query = query.filter(partners::active.eq(active));
    }
    if let Some(q) = &filter.q {
        let pattern = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        query = query.filter(partners::name_search.like(pattern).escape('\\'));
    }
    if let Some(neighbourhood_id) = &filter.neighbourhood_id {
        query = query.filter(
            partners::id.eq_any(
                partner_neighbourhoods::table
                    .filter(partner_neighbourhoods::neighbourhood_id.eq(neighbourhood_id.clone()))
                    .select(partner_neighbourhoods::partner_id),
            ),
        );
    }
    if let Some(after) = after {
        query = query.filter(partners::id.lt(after.to_owned()));
    }
    let rows = query
        .order(partners::id.desc())
        .limit(limit + 1)
        .load(conn)?;
    with_neighbourhoods(conn, rows)
}

/// The first registered active partner, if any (for development-mode tokens).
pub fn first_active_id(conn: &mut DbConnection) -> Result<Option<String>, ApiError> {
    Ok(partners::table
        .filter(partners::active.eq(true))
        .order(partners::id.asc())
        .select(partners::id)
        .first(conn)
        .optional()?)
}
