//! Funding lines of a project: money from one source each; the project's budget is derived
//! from them. Versioned on their own (`If-Match` on the line).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::funding_lines;
use crate::db::{DbConnection, new_id, version_checked};
use crate::error::ApiError;

/// A funding line as the budget needs it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = funding_lines)]
pub struct FundingLineRow {
    pub id: String,
    pub project_id: String,
    pub source_type: String,
    pub source_id: Option<String>,
    pub amount_cents: i64,
    pub status: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl FundingLineRow {
    /// A new funding line of `project_id` at version 1, made `now`, with a fresh id.
    pub fn new(
        project_id: &str,
        source_type: String,
        source_id: Option<String>,
        amount_cents: i64,
        status: String,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id: new_id(),
            project_id: project_id.to_owned(),
            source_type,
            source_id,
            amount_cents,
            status,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = funding_lines)]
pub struct FundingLineChange {
    pub source_type: Option<String>,
    pub source_id: Option<Option<String>>,
    pub amount_cents: Option<i64>,
    pub status: Option<String>,
}

pub fn funding_lines_of(
    conn: &mut DbConnection,
    project_id: &str,
) -> Result<Vec<FundingLineRow>, ApiError> {
    Ok(funding_lines::table
        .filter(funding_lines::project_id.eq(project_id))
        .order((funding_lines::created_at, funding_lines::id))
        .select(FundingLineRow::as_select())
        .load(conn)?)
}

pub fn find_funding_line(
    conn: &mut DbConnection,
    project_id: &str,
    line_id: &str,
) -> Result<Option<FundingLineRow>, ApiError> {
    Ok(funding_lines::table
        .filter(funding_lines::project_id.eq(project_id))
        .filter(funding_lines::id.eq(line_id))
        .select(FundingLineRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_funding_line(conn: &mut DbConnection, row: &FundingLineRow) -> Result<(), ApiError> {
    diesel::insert_into(funding_lines::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update_funding_line(
    conn: &mut DbConnection,
    project_id: &str,
    line_id: &str,
    expected_version: i64,
    change: &FundingLineChange,
    now: NaiveDateTime,
) -> Result<FundingLineRow, ApiError> {
    let changed = diesel::update(
        funding_lines::table
            .filter(funding_lines::project_id.eq(project_id))
            .filter(funding_lines::id.eq(line_id))
            .filter(funding_lines::version.eq(expected_version)),
    )
    .set((
        change,
        funding_lines::version.eq(expected_version + 1),
        funding_lines::updated_at.eq(now),
    ))
    .execute(conn)?;
    version_checked(changed, || Ok(existing(conn, project_id, line_id)?.version))?;
    existing(conn, project_id, line_id)
}

pub fn delete_funding_line(
    conn: &mut DbConnection,
    project_id: &str,
    line_id: &str,
    expected_version: i64,
) -> Result<FundingLineRow, ApiError> {
    let current = existing(conn, project_id, line_id)?;
    let deleted = diesel::delete(
        funding_lines::table
            .filter(funding_lines::id.eq(line_id))
            .filter(funding_lines::version.eq(expected_version)),
    )
    .execute(conn)?;
    version_checked(deleted, || Ok(current.version))?;
    Ok(current)
}

/// The funding line, or 404.
fn existing(
    conn: &mut DbConnection,
    project_id: &str,
    line_id: &str,
) -> Result<FundingLineRow, ApiError> {
    find_funding_line(conn, project_id, line_id)?.ok_or_else(|| {
        ApiError::NotFound(format!(
            "There is no funding line '{line_id}' on this project."
        ))
    })
}
