//! The partners taking part in a project, with their role. They are part of the project's
//! representation, so the caller bumps the project's version (`bump_version`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::project_partners;
use crate::error::ApiError;

/// Adds or changes a project partner's role; returns the role before (`None`: newly added).
pub fn put_partner(
    conn: &mut DbConnection,
    project_id: &str,
    partner_id: &str,
    role: &str,
    now: NaiveDateTime,
) -> Result<Option<String>, ApiError> {
    let before: Option<String> = project_partners::table
        .filter(project_partners::project_id.eq(project_id))
        .filter(project_partners::partner_id.eq(partner_id))
        .select(project_partners::role)
        .first(conn)
        .optional()?;
    if before.is_some() {
        diesel::update(
            project_partners::table
                .filter(project_partners::project_id.eq(project_id))
                .filter(project_partners::partner_id.eq(partner_id)),
        )
        .set(project_partners::role.eq(role))
        .execute(conn)?;
    } else {
        diesel::insert_into(project_partners::table)
            .values((
                project_partners::project_id.eq(project_id),
                project_partners::partner_id.eq(partner_id),
                project_partners::role.eq(role),
                project_partners::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(before)
}

/// Removes a project partner; returns its role, `None` when it was not one.
pub fn remove_partner(
    conn: &mut DbConnection,
    project_id: &str,
    partner_id: &str,
) -> Result<Option<String>, ApiError> {
    let before: Option<String> = project_partners::table
        .filter(project_partners::project_id.eq(project_id))
        .filter(project_partners::partner_id.eq(partner_id))
        .select(project_partners::role)
        .first(conn)
        .optional()?;
    diesel::delete(
        project_partners::table
            .filter(project_partners::project_id.eq(project_id))
            .filter(project_partners::partner_id.eq(partner_id)),
    )
    .execute(conn)?;
    Ok(before)
}
