//! Evaluations repo: one evaluation per project with its voices (quotes, never names), and the
//! lessons and voices of a period for the progress report.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{evaluation_voices, evaluations, projects};
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evaluations)]
pub struct EvaluationRow {
    pub project_id: String,
    pub lessons_learned: String,
    pub what_worked: Option<String>,
    pub what_did_not: Option<String>,
    pub continuation: Option<String>,
    pub follow_up_project_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = evaluation_voices)]
pub struct Voice {
    pub quote: String,
    pub speaker_role: String,
    pub neighbourhood_id: Option<String>,
}

/// An evaluation with its voices, in the order given.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub row: EvaluationRow,
    pub voices: Vec<Voice>,
}

pub fn find(conn: &mut DbConnection, project_id: &str) -> Result<Option<Evaluation>, ApiError> {
    let Some(row) = evaluations::table
        .find(project_id)
        .select(EvaluationRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let voices = evaluation_voices::table
        .filter(evaluation_voices::project_id.eq(project_id))
        .order(evaluation_voices::position)
        .select(Voice::as_select())
        .load(conn)?;
    Ok(Some(Evaluation { row, voices }))
}

pub fn exists(conn: &mut DbConnection, project_id: &str) -> Result<bool, ApiError> {
    Ok(evaluations::table
        .filter(evaluations::project_id.eq(project_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Writes the whole evaluation, replacing one that was there (its `created_at` stays).
pub fn put(
    conn: &mut DbConnection,
    row: &EvaluationRow,
    voices: &[Voice],
) -> Result<Evaluation, ApiError> {
    let project_id = row.project_id.as_str();
    diesel::delete(evaluation_voices::table.filter(evaluation_voices::project_id.eq(project_id)))
        .execute(conn)?;
    let replaced = diesel::update(evaluations::table.find(project_id))
        .set((
            evaluations::lessons_learned.eq(&row.lessons_learned),
            evaluations::what_worked.eq(&row.what_worked),
            evaluations::what_did_not.eq(&row.what_did_not),
            evaluations::continuation.eq(&row.continuation),
            evaluations::follow_up_project_id.eq(&row.follow_up_project_id),
            evaluations::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    if replaced == 0 {
        diesel::insert_into(evaluations::table)
            .values(row)
            .execute(conn)?;
    }
    for (position, voice) in voices.iter().enumerate() {
        diesel::insert_into(evaluation_voices::table)
            .values((
                evaluation_voices::project_id.eq(project_id),
                evaluation_voices::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
                evaluation_voices::quote.eq(&voice.quote),
                evaluation_voices::speaker_role.eq(&voice.speaker_role),
                evaluation_voices::neighbourhood_id.eq(&voice.neighbourhood_id),
            ))
            .execute(conn)?;
    }
    find(conn, project_id)?.ok_or_else(|| ApiError::Internal("evaluation vanished".to_owned()))
}

/// A lesson of the period for the report: the project, its lessons and its voices.
#[derive(Debug, Clone)]
pub struct Lesson {
    pub project_id: String,
    pub title: String,
    pub status: String,
    pub district_id: String,
    pub lessons_learned: String,
    pub continuation: Option<String>,
    pub voices: Vec<Voice>,
}

/// The evaluations written in `[from, until)` (last change), of projects in `district_id`
/// when given, newest first, at most `limit`.
pub fn of_period(
    conn: &mut DbConnection,
    from: Option<NaiveDateTime>,
    until: Option<NaiveDateTime>,
    district_id: Option<&str>,
    limit: i64,
) -> Result<Vec<Lesson>, ApiError> {
    let mut query = evaluations::table
        .inner_join(projects::table.on(projects::id.eq(evaluations::project_id)))
        .select((
            evaluations::project_id,
            projects::title,
            projects::status,
            projects::district_id,
            evaluations::lessons_learned,
            evaluations::continuation,
        ))
        .into_boxed();
    if let Some(from) = from {
        query = query.filter(evaluations::updated_at.ge(from));
    }
    if let Some(until) = until {
        query = query.filter(evaluations::updated_at.lt(until));
    }
    if let Some(district_id) = district_id {
        query = query.filter(projects::district_id.eq(district_id.to_owned()));
    }
    let rows: Vec<(String, String, String, String, String, Option<String>)> = query
        .order((evaluations::updated_at.desc(), evaluations::project_id))
        .limit(limit)
        .load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let voices: Vec<(String, Voice)> = evaluation_voices::table
        .filter(evaluation_voices::project_id.eq_any(&ids))
        .order((evaluation_voices::project_id, evaluation_voices::position))
        .select((evaluation_voices::project_id, Voice::as_select()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(project_id, title, status, district_id, lessons_learned, continuation)| Lesson {
                voices: voices
                    .iter()
                    .filter(|(id, _)| id == &project_id)
                    .map(|(_, v)| v.clone())
                    .collect(),
                project_id,
                title,
                status,
                district_id,
                lessons_learned,
                continuation,
            },
        )
        .collect())
}
