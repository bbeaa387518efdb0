//! Links between two projects. One row per pair (A→B and B→A share a key); both projects
//! show it, as `outgoing` from the one that made it and `incoming` on the other.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::project_links;
use crate::error::ApiError;

/// The key that makes A→B and B→A the same link.
pub fn link_pair_key(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a}|{b}")
    } else {
        format!("{b}|{a}")
    }
}

pub fn link_exists(conn: &mut DbConnection, pair_key: &str) -> Result<bool, ApiError> {
    Ok(project_links::table
        .filter(project_links::pair_key.eq(pair_key))
        .select(project_links::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

pub fn insert_link(
    conn: &mut DbConnection,
    id: &str,
    project_id: &str,
    target_project_id: &str,
    kind: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(project_links::table)
        .values((
            project_links::id.eq(id),
            project_links::project_id.eq(project_id),
            project_links::target_project_id.eq(target_project_id),
            project_links::kind.eq(kind),
            project_links::pair_key.eq(link_pair_key(project_id, target_project_id)),
            project_links::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes a link seen from `project_id` (either side); returns the other project's id.
pub fn delete_link(
    conn: &mut DbConnection,
    project_id: &str,
    link_id: &str,
) -> Result<Option<(String, String)>, ApiError> {
    let link: Option<(String, String, String)> = project_links::table
        .filter(project_links::id.eq(link_id))
        .filter(
            project_links::project_id
                .eq(project_id)
                .or(project_links::target_project_id.eq(project_id)),
        )
        .select((
            project_links::project_id,
            project_links::target_project_id,
            project_links::kind,
        ))
        .first(conn)
        .optional()?;
    let Some((source, target, kind)) = link else {
        return Ok(None);
    };
    diesel::delete(project_links::table.filter(project_links::id.eq(link_id))).execute(conn)?;
    let other = if source == project_id { target } else { source };
    Ok(Some((other, kind)))
}
