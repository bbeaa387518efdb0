//! Reference data repo: districts, neighbourhoods, departments and themes.
//!
//! Reads are keyset-paginated by id (ascending). Updates are version-checked: the row is read,
//! its version compared with the client's `If-Match`, and the `UPDATE … WHERE version = $v`
//! only succeeds for the one writer that still holds the current version.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{departments, districts, neighbourhoods, themes};
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = districts)]
pub struct DistrictRow {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = districts)]
pub struct DistrictChange {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = neighbourhoods)]
pub struct NeighbourhoodRow {
    pub id: String,
    pub name: String,
    pub district_id: String,
    pub focus_area: bool,
    pub cbs_code: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = neighbourhoods)]
pub struct NeighbourhoodChange {
    pub name: Option<String>,
    pub district_id: Option<String>,
    pub focus_area: Option<bool>,
    /// `Some(None)` clears the code.
    pub cbs_code: Option<Option<String>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = departments)]
pub struct DepartmentRow {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Where the e-mails about the advice asked of the department go.
    pub contact_email: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = departments)]
pub struct DepartmentChange {
    pub name: Option<String>,
    /// `Some(None)` clears the address.
    pub contact_email: Option<Option<String>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = themes)]
pub struct ThemeRow {
    pub id: String,
    pub name: String,
    pub department_id: String,
    pub response_days: i32,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = themes)]
pub struct ThemeChange {
    pub name: Option<String>,
    pub department_id: Option<String>,
    pub response_days: Option<i32>,
}

/// Filters of the neighbourhood list.
#[derive(Debug, Default, Clone)]
pub struct NeighbourhoodFilter {
    pub district_id: Option<String>,
    pub focus_area: Option<bool>,
}

/// Filters of the theme list.
#[derive(Debug, Default, Clone)]
pub struct ThemeFilter {
    pub department_id: Option<String>,
}

/// Generates, for one reference table: `find` by id, `insert`, and the version-checked `update`.
macro_rules! reference_repo {
    ($module:ident, $table:ident, $row:ty, $change:ty) => {
        pub mod $module {
            use super::*;

            pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<$row>, ApiError> {
                Ok($table::table
                    .find(id)
                    .select(<$row>::as_select())
                    .first(conn)
                    .optional()?)
            }

            pub fn insert(conn: &mut DbConnection, row: &$row) -> Result<$row, ApiError> {
                Ok(diesel::insert_into($table::table)
                    .values(row)
                    .get_result(conn)?)
            }

            /// Applies `change` when the row still has `expected_version`; returns the row before
            /// and after. `None` when there is no such row.
            pub fn update(
                conn: &mut DbConnection,
                id: &str,
                expected_version: i64,
                change: &$change,
                now: NaiveDateTime,
            ) -> Result<Option<($row, $row)>, ApiError> {
                let Some(before) = find(conn, id)? else {
                    return Ok(None);
                };
                if before.version != expected_version {
                    return Err(ApiError::PreconditionFailed {
                        current: Some(before.version),
                    });
                }
                let after = diesel::update(
                    $table::table
                        .filter($table::id.eq(id))
                        .filter($table::version.eq(expected_version)),
                )
                .set((
                    change,
                    $table::version.eq(expected_version + 1),
                    $table::updated_at.eq(now),
                ))
                .get_result::<$row>(conn)
                .optional()?;
                match after {
                    Some(after) => Ok(Some((before, after))),
                    // Another writer committed between our read and our update.
                    None => Err(ApiError::PreconditionFailed {
                        current: Some(expected_version + 1),
                    }),
                }
            }
        }
    };
}

reference_repo!(district, districts, DistrictRow, DistrictChange);
reference_repo!(
    neighbourhood,
    neighbourhoods,
    NeighbourhoodRow,
    NeighbourhoodChange
);
reference_repo!(department, departments, DepartmentRow, DepartmentChange);
reference_repo!(theme, themes, ThemeRow, ThemeChange);

/// A page of districts after `after` (exclusive), `limit + 1` rows so the caller sees if more exist.
pub fn list_districts(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<DistrictRow>, ApiError> {
    let mut query = districts::table
        .select(DistrictRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(districts::id.gt(after.to_owned()));
    }
    Ok(query
        .order(districts::id.asc())
        .limit(limit + 1)
        .load(conn)?)
}

pub fn list_departments(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<DepartmentRow>, ApiError> {
    let mut query = departments::table
        .select(DepartmentRow::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(departments::id.gt(after.to_owned()));
    }
    Ok(query
        .order(departments::id.asc())
        .limit(limit + 1)
        .load(conn)?)
}

pub fn list_neighbourhoods(
    conn: &mut DbConnection,
    filter: &NeighbourhoodFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<NeighbourhoodRow>, ApiError> {
    let mut query = neighbourhoods::table
        .select(NeighbourhoodRow::as_select())
        .into_boxed();
    if let Some(district_id) = &filter.district_id {
        query = query.filter(neighbourhoods::district_id.eq(district_id.clone()));
    }
    if let Some(focus_area) = filter.focus_area {
        query = query.filter(neighbourhoods::focus_area.eq(focus_area));
    }
    if let Some(after) = after {
        query = query.filter(neighbourhoods::id.gt(after.to_owned()));
    }
    Ok(query
        .order(neighbourhoods::id.asc())
        .limit(limit + 1)
        .load(conn)?)
}

pub fn list_themes(
    conn: &mut DbConnection,
    filter: &ThemeFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ThemeRow>, ApiError> {
    let mut query = themes::table.select(ThemeRow::as_select()).into_boxed();
    if let Some(department_id) = &filter.department_id {
        query = query.filter(themes::department_id.eq(department_id.clone()));
    }
    if let Some(after) = after {
        query = query.filter(themes::id.gt(after.to_owned()));
    }
    Ok(query.order(themes::id.asc()).limit(limit + 1).load(conn)?)
}

/// Whether a district exists (for validating references in input).
pub fn district_exists(conn: &mut DbConnection, id: &str) -> Result<bool, ApiError> {
    Ok(district::find(conn, id)?.is_some())
}

/// Whether a department exists (for validating references in input).
pub fn department_exists(conn: &mut DbConnection, id: &str) -> Result<bool, ApiError> {
    Ok(department::find(conn, id)?.is_some())
}

/// The district of each given neighbourhood that exists (missing ones are absent).
pub fn districts_of_neighbourhoods(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, ApiError> {
    Ok(neighbourhoods::table
        .filter(neighbourhoods::id.eq_any(ids))
        .select((neighbourhoods::id, neighbourhoods::district_id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}
