//! The report's advice figures (DESIGN §16): the advice requests asked in the period, for the
//! count of advice given on time and late per department.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::ReportScope;
use crate::db::DbConnection;
use crate::db::schema::{advice_requests, projects};
use crate::error::ApiError;

/// One advice request asked in the period (DESIGN §16): whom, how it stands, by when.
#[derive(Debug, Clone, Queryable)]
pub struct AdviceFigure {
    pub department_id: String,
    pub status: String,
    pub due_at: NaiveDateTime,
    pub settled_at: Option<NaiveDateTime>,
}

/// The advice requests asked in the period, about projects in the scope's district.
pub(super) fn advice_figures(
    conn: &mut DbConnection,
    scope: &ReportScope,
) -> Result<Vec<AdviceFigure>, ApiError> {
    let mut query = advice_requests::table
        .select((
            advice_requests::department_id,
            advice_requests::status,
            advice_requests::due_at,
            advice_requests::settled_at,
        ))
        .into_boxed();
    if let Some(from) = scope.from {
        query = query.filter(advice_requests::requested_at.ge(from));
    }
    if let Some(until) = scope.until {
        query = query.filter(advice_requests::requested_at.lt(until));
    }
    if let Some(district) = &scope.district_id {
        query = query.filter(
            advice_requests::project_id.eq_any(
                projects::table
                    .filter(projects::district_id.eq(district.clone()))
                    .select(projects::id),
            ),
        );
    }
    Ok(query.order(advice_requests::id).load(conn)?)
}
