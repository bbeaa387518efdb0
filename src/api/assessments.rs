//! Assessments (toetsing) of a project against the six effects and sustainability: programme
//! assessments by the bureau, advisory ones by a vakdienst. Created as `draft`; `final` is
//! immutable. The latest final programme assessment decides whether a project may be approved.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::access::{readable_project, record_project_event};
use super::http;
use super::input::{
    Create, Field, Fields, JsonObject, Patch, Presence, Problems, QueryParams, array, integer,
    object, string, text,
};
use super::vocabulary::Effect;
use crate::auth::{Authorized, Principal};
use crate::authz::ops;
use crate::authz::{self, AssessmentFacts, ProjectFacts};
use crate::db::assessments::{self as repo, AssessmentChange, AssessmentRow, Scoring};
use crate::db::{Db, DbConnection};
use crate::domain::assessments::{self as rules, EffectScore};
use crate::domain::projects::effect;
use crate::domain::{Rejection, time};
use crate::error::ApiError;

/// One scored effect.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoredEffect {
    #[schema(example = "social_cohesion")]
    pub effect: String,
    /// 0 (none), 1 (limited) or 2 (substantial).
    #[schema(minimum = 0, maximum = 2, example = 2)]
    pub score: i32,
    pub motivation: String,
}

/// The sustainability score (borging).
#[derive(Debug, Serialize, ToSchema)]
pub struct Sustainability {
    #[schema(minimum = 0, maximum = 2, example = 1)]
    pub score: i32,
    pub motivation: String,
}

/// An assessment of a project.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Assessment {
    pub id: String,
    pub project_id: String,
    /// `programme` (by the bureau) or `advisory` (by a vakdienst).
    #[schema(example = "programme")]
    pub kind: String,
    /// The advising department, for advisory assessments.
    pub department_id: Option<String>,
    /// `draft` or `final`.
    #[schema(example = "final")]
    pub status: String,
    pub effects: Vec<ScoredEffect>,
    pub sustainability: Sustainability,
    /// `positive`, `conditional` or `negative`.
    #[schema(example = "positive")]
    pub advice: String,
    pub explanation: String,
    /// How many effects score 2.
    #[schema(example = 3)]
    pub substantial_effects: i32,
    /// At least 3 substantial effects and sustainability at least 1.
    pub eligible: bool,
    #[schema(example = json!(["2 of the required 3 effects substantial"]))]
    pub ineligible_reasons: Vec<String>,
    #[serde(with = "time::rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finalized_at: Option<NaiveDateTime>,
    pub version: i64,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl From<AssessmentRow> for Assessment {
    fn from(row: AssessmentRow) -> Self {
        let scores: Vec<EffectScore> = serde_json::from_str(&row.effects).unwrap_or_default();
        let outcome = rules::outcome(&scores, row.sustainability_score);
        Self {
            id: row.id,
            project_id: row.project_id,
            kind: row.kind,
            department_id: row.department_id,
            status: row.status,
            effects: scores
                .into_iter()
                .map(|s| ScoredEffect {
                    effect: s.effect,
                    score: s.score,
                    motivation: s.motivation,
                })
                .collect(),
            sustainability: Sustainability {
                score: row.sustainability_score,
                motivation: row.sustainability_motivation,
            },
            advice: row.advice,
            explanation: row.explanation,
            substantial_effects: row.substantial_effects,
            eligible: row.eligible,
            ineligible_reasons: outcome.ineligible_reasons,
            finalized_at: row.finalized_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The assessments of a project the caller may see.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation only")]
pub struct AssessmentList {
    items: Vec<Assessment>,
}

/// A scored effect as sent.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct ScoredEffectInput {
    effect: Effect,
    #[schema(minimum = 0, maximum = 2)]
    score: i32,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    motivation: String,
}

/// The sustainability score as sent.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct SustainabilityInput {
    #[schema(minimum = 0, maximum = 2)]
    score: i32,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    motivation: String,
}

/// The kind of assessment.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum AssessmentKind {
    Programme,
    Advisory,
}

/// The overall advice.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum Advice {
    Positive,
    Conditional,
    Negative,
}

/// A new assessment (created as `draft`). Every one of the six effects exactly once.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct AssessmentCreate {
    kind: AssessmentKind,
    #[schema(min_items = 6, max_items = 6)]
    effects: Vec<ScoredEffectInput>,
    sustainability: SustainabilityInput,
    advice: Advice,
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    explanation: String,
}

/// The status an assessment can be set to.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum AssessmentStatus {
    Draft,
    Final,
}

/// Changes to a draft assessment (JSON merge patch); `status: final` makes it final.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct AssessmentUpdate {
    #[schema(nullable = false, min_items = 6, max_items = 6)]
    effects: Option<Vec<ScoredEffectInput>>,
    #[schema(nullable = false)]
    sustainability: Option<SustainabilityInput>,
    #[schema(nullable = false)]
    advice: Option<Advice>,
    #[schema(
        nullable = false,
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    explanation: Option<String>,
    #[schema(nullable = false)]
    status: Option<AssessmentStatus>,
}

/// One element of `effects`: its problems are named below it (`effects[5].score`).
fn scored_effect(value: &Value) -> Result<EffectScore, Problems> {
    object(|scored| {
        (
            scored.required("effect", string(effect)),
            scored.required("score", integer(rules::score)),
            scored.required("motivation", string(text(2000))),
        )
    })(value)
    .map(|(effect, score, motivation)| EffectScore {
        effect,
        score,
        motivation,
    })
}

/// The scores of an assessment body, as read for [`Fields::finish`]: on create ([`Create`]) all
/// are required; in a patch ([`Patch`]) each may be left out.
struct Scored<P: Presence> {
    effects: P::Member<Vec<EffectScore>>,
    sustainability: P::Member<(i32, String)>,
    advice: P::Member<String>,
    explanation: P::Member<String>,
}

fn read_scores<P: Presence>(fields: &mut Fields) -> Scored<P> {
    let effects = P::member(fields, "effects", array(scored_effect));
    if let Some(scores) = P::peek(&effects) {
        if let Err(rejection) = rules::complete_effects(scores) {
            fields.reject("effects", rejection);
        }
    }
    let sustainability = fields.nested("sustainability", |inner| {
        (
            inner.required("score", integer(rules::score)),
            inner.required("motivation", string(text(2000))),
        )
    });
    let sustainability = match sustainability {
        Field::Value((Some(score), Some(motivation))) => P::derived(Some((score, motivation))),
        Field::Value(_) => P::derived(None),
        Field::Absent | Field::Null => {
            P::absent(
                fields,
                "sustainability",
                Rejection::new("required", "is required"),
            );
            P::derived(None)
        }
    };
    Scored {
        effects,
        sustainability,
        advice: P::member(fields, "advice", string(rules::advice)),
        explanation: P::member(fields, "explanation", string(text(5000))),
    }
}

/// Whether a vakdienst is involved in a project: it co-finances it or advised on it.
fn involved(
    conn: &mut DbConnection,
    principal: &Principal,
    project_id: &str,
) -> Result<bool, ApiError> {
    match authz::assessing_department(principal) {
        Some(department_id) => Ok(repo::co_finances(conn, project_id, department_id)?
            || repo::of_project(conn, project_id)?.iter().any(|a| {
                a.kind == "advisory" && a.department_id.as_deref() == Some(department_id)
            })),
        None => Ok(false),
    }
}

fn facts_of(row: &AssessmentRow) -> AssessmentFacts {
    AssessmentFacts {
        programme: row.kind == "programme",
        department_id: row.department_id.clone(),
        is_final: row.status == "final",
    }
}

/// The assessment, if the principal may see it (404 otherwise).
fn visible(
    conn: &mut DbConnection,
    principal: &Principal,
    project: &ProjectFacts,
    id: &str,
) -> Result<AssessmentRow, ApiError> {
    let missing = || ApiError::NotFound(format!("There is no assessment '{id}' on this project."));
    let row = repo::find(conn, &project.id, id)?.ok_or_else(missing)?;
    let involved = involved(conn, principal, &project.id)?;
    if authz::can_read_assessment(principal, project, &facts_of(&row), involved) {
        Ok(row)
    } else {
        Err(missing())
    }
}

/// The assessments of a project that the caller may see, oldest first.
#[utoipa::path(
    get, path = "/projects/{projectId}/assessments", tag = "Assessments", operation_id = "list_assessments",
    params(("projectId" = String, Path, description = "The project's id")),
    responses((status = 200, description = "The assessments", body = AssessmentList), (status = 404, description = "No such project"))
)]
pub async fn list_assessments(
    caller: Authorized<ops::ListAssessments>,
    path: web::Path<String>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    query.finish()?;
    let principal = caller.principal;
    let project_id = path.into_inner();
    let items = db
        .read(move |conn| {
            let (_, project) = readable_project(conn, &principal, &project_id)?;
            let involved = involved(conn, &principal, &project_id)?;
            Ok(repo::of_project(conn, &project_id)?
                .into_iter()
                .filter(|row| {
                    authz::can_read_assessment(&principal, &project, &facts_of(row), involved)
                })
                .map(Assessment::from)
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

/// Get one assessment.
#[utoipa::path(
    get, path = "/projects/{projectId}/assessments/{assessmentId}", tag = "Assessments", operation_id = "get_assessment",
    params(("projectId" = String, Path, description = "The project's id"), ("assessmentId" = String, Path, description = "The assessment's id")),
    responses(
        (status = 200, description = "The assessment", body = Assessment, headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such project or assessment, or not yours to see"),
    )
)]
pub async fn get_assessment(
    caller: Authorized<ops::GetAssessment>,
    path: web::Path<(String, String)>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal;
    let (project_id, id) = path.into_inner();
    let assessment = db
        .read(move |conn| {
            let (_, project) = readable_project(conn, &principal, &project_id)?;
            visible(conn, &principal, &project, &id).map(Assessment::from)
        })
        .await?;
    Ok(http::ok_with_etag(assessment.version, &assessment))
}

/// Assess a project (as `draft`).
#[utoipa::path(
    post, path = "/projects/{projectId}/assessments", tag = "Assessments", operation_id = "create_assessment",
    params(("projectId" = String, Path, description = "The project's id")),
    request_body = AssessmentCreate,
    responses(
        (status = 201, description = "Created", body = Assessment, headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The assessment's URL"))),
        (status = 404, description = "No such project"),
    )
)]
pub async fn create_assessment(
    caller: Authorized<ops::CreateAssessment>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::new(body);
    let kind = fields.required("kind", string(rules::kind));
    let scored = read_scores::<Create>(&mut fields);
    let (kind, (effects, (sustainability_score, sustainability_motivation), advice, explanation)) =
        fields.finish((
            kind,
            (
                scored.effects,
                scored.sustainability,
                scored.advice,
                scored.explanation,
            ),
        ))?;
    let scoring = Scoring {
        effects,
        sustainability_score,
        sustainability_motivation,
        advice,
        explanation,
    };
    let principal = caller.principal;
    let project_id = path.into_inner();
    let location_of = project_id.clone();
    let assessment = db
        .write(move |conn| {
            let (_, project) = readable_project(conn, &principal, &project_id)?;
            let department_id = authz::assessing_department(&principal).map(str::to_owned);
            let facts = AssessmentFacts { programme: kind == "programme", department_id: department_id.clone(), is_final: false };
            authz::require(&principal, &project, authz::can_write_assessment(&principal, &project, &facts), &format!("make a {kind} assessment"))?;
            let row = AssessmentRow::draft(
                &project_id,
                kind,
                department_id,
                principal.subject.clone(),
                &scoring,
                time::now(),
            )?;
            repo::insert(conn, &row, &scoring.effects)?;
            let assessment = Assessment::from(row);
            record_project_event(conn, &principal, &project_id, "assessment_created", json!({ "assessmentId": assessment.id, "kind": assessment.kind, "eligible": assessment.eligible }))?;
            Ok(assessment)
        })
        .await?;
    Ok(http::created(
        format!(
            "/api/v1/projects/{location_of}/assessments/{}",
            assessment.id
        ),
        assessment.version,
        &assessment,
    ))
}

/// Change a draft assessment, or make it final (`status: final`). A final assessment is
/// immutable (409 `assessment_final`). Finalizing a programme assessment makes it the one that
/// counts for the project's approval.
///
/// Requires `If-Match`.
#[utoipa::path(
    patch, path = "/projects/{projectId}/assessments/{assessmentId}", tag = "Assessments", operation_id = "update_assessment",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("assessmentId" = String, Path, description = "The assessment's id"),
        ("If-Match" = String, Header, description = "The assessment's ETag", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body(content = AssessmentUpdate, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = Assessment, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such project or assessment"),
        (status = 409, description = "The assessment is final"),
        (status = 412, description = "The assessment changed since you read it"),
    )
)]
pub async fn update_assessment(
    req: HttpRequest,
    caller: Authorized<ops::UpdateAssessment>,
    path: web::Path<(String, String)>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let scored = read_scores::<Patch>(&mut fields);
    let status = Patch::member(
        &mut fields,
        "status",
        string(|v| crate::domain::partners::one_of(v, &["draft", "final"])),
    );
    let ((effects, sustainability, advice, explanation), status) = fields.finish((
        (
            scored.effects,
            scored.sustainability,
            scored.advice,
            scored.explanation,
        ),
        status,
    ))?;
    let principal = caller.principal;
    let (project_id, id) = path.into_inner();
    let assessment = db
        .write(move |conn| {
            let (_, project) = readable_project(conn, &principal, &project_id)?;
            let before = visible(conn, &principal, &project, &id)?;
            authz::require(
                &principal,
                &project,
                authz::can_write_assessment(&principal, &project, &facts_of(&before)),
                "change this assessment",
            )?;
            if before.status == "final" {
                return Err(ApiError::conflict(
                    "assessment_final",
                    "A final assessment cannot be changed; make a new one.",
                ));
            }
            if before.version != version {
                return Err(ApiError::PreconditionFailed {
                    current: Some(before.version),
                });
            }
            let rescored = effects.is_some();
            let effects = match effects {
                Some(effects) => effects,
                None => serde_json::from_str(&before.effects)
                    .map_err(|e| ApiError::Internal(e.to_string()))?,
            };
            let (sustainability_score, sustainability_motivation) = sustainability.unwrap_or((
                before.sustainability_score,
                before.sustainability_motivation.clone(),
            ));
            let outcome = rules::outcome(&effects, sustainability_score);
            let now = time::now();
            let finalizing = status.as_deref() == Some("final");
            let change = AssessmentChange {
                status: status.clone(),
                effects: Some(
                    serde_json::to_string(&effects)
                        .map_err(|e| ApiError::Internal(e.to_string()))?,
                ),
                sustainability_score: Some(sustainability_score),
                sustainability_motivation: Some(sustainability_motivation),
                advice,
                explanation,
                substantial_effects: Some(i32::try_from(outcome.substantial_effects).unwrap_or(0)),
                eligible: Some(outcome.eligible),
                finalized_at: finalizing.then_some(Some(now)),
            };
            let after = repo::update(conn, &project_id, &id, version, &change, now)?;
            if rescored {
                repo::write_scores(conn, &id, &effects)?;
            }
            if finalizing && after.kind == "programme" {
                repo::set_project_outcome(conn, &project_id, &id, after.eligible, now)?;
            }
            if let (true, Some(department)) = (finalizing, after.department_id.as_deref()) {
                super::advice_requests::settle_by_assessment(
                    conn,
                    &principal,
                    &project_id,
                    department,
                    &id,
                    now,
                )?;
            }
            let action = if finalizing {
                "assessment_finalized"
            } else {
                "assessment_updated"
            };
            record_project_event(
                conn,
                &principal,
                &project_id,
                action,
                json!({ "assessmentId": id, "kind": after.kind, "eligible": after.eligible }),
            )?;
            Ok(Assessment::from(after))
        })
        .await?;
    Ok(http::ok_with_etag(assessment.version, &assessment))
}
