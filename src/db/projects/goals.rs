//! Goals of a project, each with its indicator: baseline, target and the actual value
//! measured at the end. Versioned on their own (`If-Match` on the goal).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::goals;
use crate::db::{DbConnection, new_id, version_checked};
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = goals)]
pub struct GoalRow {
    pub id: String,
    pub project_id: String,
    pub effect: String,
    pub indicator: String,
    pub unit: String,
    pub baseline: f64,
    pub target: f64,
    pub actual: Option<f64>,
    pub measured_on: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl GoalRow {
    /// A new goal of `project_id` at version 1, made `now`, with a fresh id and nothing measured
    /// yet.
    pub fn new(
        project_id: &str,
        effect: String,
        indicator: String,
        unit: String,
        baseline: f64,
        target: f64,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id: new_id(),
            project_id: project_id.to_owned(),
            effect,
            indicator,
            unit,
            baseline,
            target,
            actual: None,
            measured_on: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = goals)]
pub struct GoalChange {
    pub effect: Option<String>,
    pub indicator: Option<String>,
    pub unit: Option<String>,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub actual: Option<Option<f64>>,
    pub measured_on: Option<Option<String>>,
}

pub fn goals_of(conn: &mut DbConnection, project_id: &str) -> Result<Vec<GoalRow>, ApiError> {
    Ok(goals::table
        .filter(goals::project_id.eq(project_id))
        .order((goals::created_at, goals::id))
        .select(GoalRow::as_select())
        .load(conn)?)
}

pub fn find_goal(
    conn: &mut DbConnection,
    project_id: &str,
    goal_id: &str,
) -> Result<Option<GoalRow>, ApiError> {
    Ok(goals::table
        .filter(goals::project_id.eq(project_id))
        .filter(goals::id.eq(goal_id))
        .select(GoalRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_goal(conn: &mut DbConnection, row: &GoalRow) -> Result<(), ApiError> {
    diesel::insert_into(goals::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Version-checked; returns the goal after, or 412 / 404.
pub fn update_goal(
    conn: &mut DbConnection,
    project_id: &str,
    goal_id: &str,
    expected_version: i64,
    change: &GoalChange,
    now: NaiveDateTime,
) -> Result<GoalRow, ApiError> {
    let changed = diesel::update(
        goals::table
            .filter(goals::project_id.eq(project_id))
            .filter(goals::id.eq(goal_id))
            .filter(goals::version.eq(expected_version)),
    )
    .set((
        change,
        goals::version.eq(expected_version + 1),
        goals::updated_at.eq(now),
    ))
    .execute(conn)?;
    version_checked(changed, || Ok(existing(conn, project_id, goal_id)?.version))?;
    existing(conn, project_id, goal_id)
}

pub fn delete_goal(
    conn: &mut DbConnection,
    project_id: &str,
    goal_id: &str,
    expected_version: i64,
) -> Result<GoalRow, ApiError> {
    let current = existing(conn, project_id, goal_id)?;
    let deleted = diesel::delete(
        goals::table
            .filter(goals::id.eq(goal_id))
            .filter(goals::version.eq(expected_version)),
    )
    .execute(conn)?;
    version_checked(deleted, || Ok(current.version))?;
    Ok(current)
}

/// The goal, or 404.
fn existing(conn: &mut DbConnection, project_id: &str, goal_id: &str) -> Result<GoalRow, ApiError> {
    find_goal(conn, project_id, goal_id)?
        .ok_or_else(|| ApiError::NotFound(format!("There is no goal '{goal_id}' on this project.")))
}
