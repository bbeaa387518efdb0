//! Assessments repo. Finalizing a programme assessment also records its outcome on the project
//! (the latest final programme assessment is the one that counts).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{assessment_scores, assessments, funding_lines, projects};
use super::{DbConnection, new_id, version_checked};
use crate::domain::access::AssessmentFacts;
use crate::domain::assessments::{EffectScore, outcome};
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assessments)]
pub struct AssessmentRow {
    pub id: String,
    pub project_id: String,
    pub kind: String,
    pub department_id: Option<String>,
    pub status: String,
    /// JSON array of `{effect, score, motivation}`.
    pub effects: String,
    pub sustainability_score: i32,
    pub sustainability_motivation: String,
    pub advice: String,
    pub explanation: String,
    pub substantial_effects: i32,
    pub eligible: bool,
    pub author_sub: String,
    pub finalized_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What an assessor says in an assessment: a score per effect, sustainability, advice.
#[derive(Debug, Clone)]
pub struct Scoring {
    pub effects: Vec<EffectScore>,
    pub sustainability_score: i32,
    pub sustainability_motivation: String,
    pub advice: String,
    pub explanation: String,
}

impl AssessmentRow {
    /// A new `draft` assessment of `project_id` by `author_sub` at version 1, made `now`, with a
    /// fresh id and its outcome (`rules::outcome`) derived from `scoring`.
    pub fn draft(
        project_id: &str,
        kind: String,
        department_id: Option<String>,
        author_sub: String,
        scoring: &Scoring,
        now: NaiveDateTime,
    ) -> Result<Self, ApiError> {
        let outcome = outcome(&scoring.effects, scoring.sustainability_score);
        Ok(Self {
            id: new_id(),
            project_id: project_id.to_owned(),
            kind,
            department_id,
            status: "draft".to_owned(),
            effects: serde_json::to_string(&scoring.effects)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            sustainability_score: scoring.sustainability_score,
            sustainability_motivation: scoring.sustainability_motivation.clone(),
            advice: scoring.advice.clone(),
            explanation: scoring.explanation.clone(),
            substantial_effects: i32::try_from(outcome.substantial_effects).unwrap_or(0),
            eligible: outcome.eligible,
            author_sub,
            finalized_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = assessments)]
pub struct AssessmentChange {
    pub status: Option<String>,
    pub effects: Option<String>,
    pub sustainability_score: Option<i32>,
    pub sustainability_motivation: Option<String>,
    pub advice: Option<String>,
    pub explanation: Option<String>,
    pub substantial_effects: Option<i32>,
    pub eligible: Option<bool>,
    pub finalized_at: Option<Option<NaiveDateTime>>,
}

/// Inserts an assessment with its per-effect scores (`scores` is what `row.effects` holds).
pub fn insert(
    conn: &mut DbConnection,
    row: &AssessmentRow,
    scores: &[EffectScore],
) -> Result<(), ApiError> {
    diesel::insert_into(assessments::table)
        .values(row)
        .execute(conn)?;
    write_scores(conn, &row.id, scores)
}

/// Replaces the per-effect score rows of an assessment, which the progress report counts.
pub fn write_scores(
    conn: &mut DbConnection,
    assessment_id: &str,
    scores: &[EffectScore],
) -> Result<(), ApiError> {
    diesel::delete(
        assessment_scores::table.filter(assessment_scores::assessment_id.eq(assessment_id)),
    )
    .execute(conn)?;
    for score in scores {
        diesel::insert_into(assessment_scores::table)
            .values((
                assessment_scores::assessment_id.eq(assessment_id),
                assessment_scores::effect.eq(&score.effect),
                assessment_scores::score.eq(score.score),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(
    conn: &mut DbConnection,
    project_id: &str,
    id: &str,
) -> Result<Option<AssessmentRow>, ApiError> {
    Ok(assessments::table
        .filter(assessments::project_id.eq(project_id))
        .filter(assessments::id.eq(id))
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn of_project(
    conn: &mut DbConnection,
    project_id: &str,
) -> Result<Vec<AssessmentRow>, ApiError> {
    Ok(assessments::table
        .filter(assessments::project_id.eq(project_id))
        .order((assessments::created_at, assessments::id))
        .select(AssessmentRow::as_select())
        .load(conn)?)
}

/// Version-checked; returns the row after, or 412.
pub fn update(
    conn: &mut DbConnection,
    project_id: &str,
    id: &str,
    expected_version: i64,
    change: &AssessmentChange,
    now: NaiveDateTime,
) -> Result<AssessmentRow, ApiError> {
    let changed = diesel::update(
        assessments::table
            .filter(assessments::project_id.eq(project_id))
            .filter(assessments::id.eq(id))
            .filter(assessments::version.eq(expected_version)),
    )
    .set((
        change,
        assessments::version.eq(expected_version + 1),
        assessments::updated_at.eq(now),
    ))
    .execute(conn)?;
    let existing = |conn: &mut DbConnection| {
        find(conn, project_id, id)?
            .ok_or_else(|| ApiError::NotFound(format!("There is no assessment '{id}'.")))
    };
    version_checked(changed, || Ok(existing(conn)?.version))?;
    existing(conn)
}

/// Records the outcome of a just-finalized programme assessment on its project.
pub fn set_project_outcome(
    conn: &mut DbConnection,
    project_id: &str,
    assessment_id: &str,
    eligible: bool,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(projects::table.filter(projects::id.eq(project_id)))
        .set((
            projects::eligible.eq(Some(eligible)),
            projects::assessment_id.eq(Some(assessment_id)),
            projects::version.eq(projects::version + 1),
            projects::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether a department co-finances a project (has a funding line on it).
/// Among `project_ids`, those a department is involved in: it co-finances them or gave advice
/// on them (one query each, whatever the number).
pub fn involving_department(
    conn: &mut DbConnection,
    project_ids: &[String],
    department_id: &str,
) -> Result<std::collections::HashSet<String>, ApiError> {
    let mut involved: std::collections::HashSet<String> = funding_lines::table
        .filter(funding_lines::project_id.eq_any(project_ids))
        .filter(funding_lines::source_type.eq("department"))
        .filter(funding_lines::source_id.eq(department_id))
        .select(funding_lines::project_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    involved.extend(
        assessments::table
            .filter(assessments::project_id.eq_any(project_ids))
            .filter(assessments::kind.eq("advisory"))
            .filter(assessments::department_id.eq(department_id))
            .select(assessments::project_id)
            .load::<String>(conn)?,
    );
    Ok(involved)
}

/// What the rules need to know about each of `ids` that exists: (id, project id, facts).
pub fn facts_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<(String, String, AssessmentFacts)>, ApiError> {
    let rows: Vec<(String, String, String, Option<String>, String)> = assessments::table
        .filter(assessments::id.eq_any(ids))
        .select((
            assessments::id,
            assessments::project_id,
            assessments::kind,
            assessments::department_id,
            assessments::status,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, project_id, kind, department_id, status)| {
            let facts = AssessmentFacts {
                programme: kind == "programme",
                department_id,
                is_final: status == "final",
            };
            (id, project_id, facts)
        })
        .collect())
}

pub fn co_finances(
    conn: &mut DbConnection,
    project_id: &str,
    department_id: &str,
) -> Result<bool, ApiError> {
    Ok(funding_lines::table
        .filter(funding_lines::project_id.eq(project_id))
        .filter(funding_lines::source_type.eq("department"))
        .filter(funding_lines::source_id.eq(department_id))
        .select(funding_lines::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// The effect scores and sustainability score of the assessment a project names as its latest
/// final programme assessment (`None` when it names none), for `assessments::approval_refusal`.
pub fn approval_scores(
    conn: &mut DbConnection,
    project_id: &str,
    assessment_id: Option<&str>,
) -> Result<Option<(Vec<EffectScore>, i32)>, ApiError> {
    let Some(assessment_id) = assessment_id else {
        return Ok(None);
    };
    let row = find(conn, project_id, assessment_id)?.ok_or_else(|| {
        ApiError::Internal(format!("project {project_id} names a missing assessment"))
    })?;
    let scores: Vec<EffectScore> =
        serde_json::from_str(&row.effects).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Some((scores, row.sustainability_score)))
}
