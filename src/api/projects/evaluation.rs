//! A project's evaluation (DESIGN §13): lessons learned, what worked and what did not, who
//! carries it on, and the voices of the people who did it (quotes with consent, never names).
//! Written from `running` on with the project's `ETag`; `running → stopped` and
//! `completed → evaluated` need one.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::api::access::{readable_project, record_project_event};
use crate::api::http;
use crate::api::input::{
    Field, Fields, JsonObject, array, boolean, id_param, object, string, text,
};
use crate::auth::Authorized;
use crate::authz::{self, ops};
use crate::db::evaluations::{self as repo, Evaluation as EvaluationRecord, EvaluationRow, Voice};
use crate::db::projects::{self as project_repo, ProjectUpdate};
use crate::db::{Db, reference as reference_repo};
use crate::domain::evaluations::{self as rules, MAX_VOICES};
use crate::domain::{Rejection, reference, time};
use crate::error::ApiError;
use crate::visibility::{can_open_project, evaluation_as_seen_by};

/// What a project taught, and who carries it on.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub project_id: String,
    pub lessons_learned: String,
    pub what_worked: Option<String>,
    pub what_did_not: Option<String>,
    /// continued_by_partner, continued_by_department, follow_up_project or ended.
    pub continuation: Option<String>,
    /// The follow-up project, with `continuation` follow_up_project (null when the reader may
    /// not open it).
    pub follow_up_project_id: Option<String>,
    pub voices: Vec<EvaluationVoice>,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

/// A quote of someone who did the work, given with consent; never a name.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationVoice {
    #[schema(example = "Eindelijk kennen we onze buren.")]
    pub quote: String,
    /// resident, volunteer, partner_staff or professional.
    pub speaker_role: String,
    pub neighbourhood_id: Option<String>,
}

impl Evaluation {
    /// The evaluation as `visibility::evaluation_as_seen_by` left it.
    fn shown(record: EvaluationRecord) -> Self {
        let row = record.row;
        Self {
            project_id: row.project_id,
            lessons_learned: row.lessons_learned,
            what_worked: row.what_worked,
            what_did_not: row.what_did_not,
            continuation: row.continuation,
            follow_up_project_id: row.follow_up_project_id,
            voices: record
                .voices
                .into_iter()
                .map(|v| EvaluationVoice {
                    quote: v.quote,
                    speaker_role: v.speaker_role,
                    neighbourhood_id: v.neighbourhood_id,
                })
                .collect(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The evaluation as sent (it replaces the one there was).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct EvaluationInput {
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    lessons_learned: String,
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    what_worked: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    what_did_not: Option<String>,
    continuation: Option<Continuation>,
    /// Required with `continuation` follow_up_project: an existing project.
    #[schema(pattern = "^[A-Za-z0-9-]{1,64}$")]
    follow_up_project_id: Option<String>,
    #[schema(max_items = 20)]
    voices: Option<Vec<VoiceInput>>,
}

/// Who carries the project on.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum Continuation {
    ContinuedByPartner,
    ContinuedByDepartment,
    FollowUpProject,
    Ended,
}

/// Who speaks in a voice.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum SpeakerRole {
    Resident,
    Volunteer,
    PartnerStaff,
    Professional,
}

/// A voice as sent: no name, and only with consent.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct VoiceInput {
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    quote: String,
    speaker_role: SpeakerRole,
    #[schema(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    neighbourhood_id: Option<String>,
    /// Must be true: the speaker agreed to be quoted.
    consent: bool,
}

fn voices(value: &serde_json::Value) -> Result<Vec<Voice>, crate::api::input::Problems> {
    let voices = array(object(|f: &mut Fields| {
        let quote = f.required("quote", string(text(1000)));
        let speaker_role = f.required("speakerRole", string(rules::speaker_role));
        let neighbourhood_id = f.optional("neighbourhoodId", string(reference::slug));
        let consent = f.required("consent", |v| boolean(v).and_then(rules::consent));
        (quote, speaker_role, neighbourhood_id, consent)
    }))(value)?;
    if voices.len() > MAX_VOICES {
        return Err(Rejection::new(
            "out_of_range",
            format!("must hold at most {MAX_VOICES} voices"),
        )
        .into());
    }
    Ok(voices
        .into_iter()
        .map(|(quote, speaker_role, neighbourhood_id, _)| Voice {
            quote,
            speaker_role,
            neighbourhood_id: neighbourhood_id.into_option(),
        })
        .collect())
}

/// A project's evaluation. The `ETag` is the project's version, for `PUT` with `If-Match`.
#[utoipa::path(
    get, path = "/projects/{projectId}/evaluation", tag = "Projects", operation_id = "get_evaluation",
    params(("projectId" = String, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The evaluation", body = Evaluation, headers(("ETag" = String, description = "The project's version, for If-Match"))),
        (status = 404, description = "No such project, not yours to read, or not evaluated yet"),
    )
)]
pub async fn get_evaluation(
    caller: Authorized<ops::GetEvaluation>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal;
    let id = path.into_inner();
    let (version, evaluation) = db
        .read(move |conn| {
            let (project, _) = readable_project(conn, &principal, &id)?;
            let mut record = repo::find(conn, &id)?.ok_or_else(|| {
                ApiError::NotFound(format!("Project '{id}' has no evaluation yet."))
            })?;
            evaluation_as_seen_by(conn, &principal, &mut record)?;
            Ok((project.row.version, Evaluation::shown(record)))
        })
        .await?;
    Ok(http::ok_with_etag(version, &evaluation))
}

/// Write a project's evaluation (it replaces the one there was): `lessonsLearned` (required),
/// `whatWorked`, `whatDidNot`, `continuation` (with `followUpProjectId` for
/// follow_up_project) and `voices` (a quote, the speaker's role, the neighbourhood, and
/// `consent: true`; never a name). From `running` on (409 `evaluation_not_open` before);
/// `running → stopped` and `completed → evaluated` need it. `If-Match` carries the project's
/// `ETag`, and the answer the project's new one.
#[utoipa::path(
    put, path = "/projects/{projectId}/evaluation", tag = "Projects", operation_id = "put_evaluation",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("If-Match" = String, Header, description = "The project's ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body = EvaluationInput,
    responses(
        (status = 200, description = "The evaluation", body = Evaluation, headers(("ETag" = String, description = "The project's new version"))),
        (status = 404, description = "No such project, or not yours to read"),
        (status = 409, description = "The project is not running yet"),
        (status = 412, description = "The project changed since you read it"),
    )
)]
pub async fn put_evaluation(
    req: HttpRequest,
    caller: Authorized<ops::PutEvaluation>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let lessons = fields.required("lessonsLearned", string(text(5000)));
    let worked = fields.optional("whatWorked", string(text(5000)));
    let did_not = fields.optional("whatDidNot", string(text(5000)));
    let continuation = fields.optional("continuation", string(rules::continuation));
    let follow_up = fields.optional("followUpProjectId", string(id_param));
    let voices = fields.optional("voices", voices);
    let names_follow_up = matches!(&continuation, Field::Value(c) if rules::names_follow_up(c));
    let follow_up_given = matches!(&follow_up, Field::Value(_));
    if follow_up_given && !names_follow_up {
        fields.reject(
            "followUpProjectId",
            Rejection::new(
                "not_allowed",
                "is only for the continuation follow_up_project",
            ),
        );
    }
    if names_follow_up && !follow_up_given {
        fields.reject(
            "followUpProjectId",
            Rejection::new(
                "required",
                "is required for the continuation follow_up_project",
            ),
        );
    }
    let (lessons, worked, did_not, continuation, follow_up, voices) =
        fields.finish((lessons, worked, did_not, continuation, follow_up, voices))?;
    let voices = voices.into_option().unwrap_or_default();
    let follow_up = follow_up.into_option();
    let mut neighbourhoods: Vec<String> = voices
        .iter()
        .filter_map(|v| v.neighbourhood_id.clone())
        .collect();
    neighbourhoods.sort_unstable();
    neighbourhoods.dedup();
    let principal = caller.principal;
    let id = path.into_inner();
    let (project_version, evaluation) = db
        .write(move |conn| {
            let (project, facts) = readable_project(conn, &principal, &id)?;
            authz::require(
                &principal,
                &facts,
                authz::can_evaluate_project(&principal, &facts),
                "evaluate",
            )?;
            if project.row.version != version {
                return Err(ApiError::PreconditionFailed {
                    current: Some(project.row.version),
                });
            }
            if !rules::evaluable(facts.status) {
                return Err(ApiError::conflict(
                    "evaluation_not_open",
                    format!(
                        "A project is evaluated from running on; this one is {}.",
                        facts.status.as_str()
                    ),
                ));
            }
            let known = reference_repo::districts_of_neighbourhoods(conn, &neighbourhoods)?;
            if let Some(unknown) = neighbourhoods.iter().find(|n| !known.contains_key(*n)) {
                return Err(ApiError::invalid(
                    "voices",
                    "unknown_reference",
                    format!("'{unknown}' is not an existing neighbourhood"),
                ));
            }
            if let Some(other) = &follow_up {
                if other == &id || !can_open_project(conn, &principal, other)? {
                    return Err(ApiError::invalid(
                        "followUpProjectId",
                        "unknown_reference",
                        format!("'{other}' is not an existing other project"),
                    ));
                }
            }
            let now = time::now();
            let created_at = repo::find(conn, &id)?.map_or(now, |e| e.row.created_at);
            let row = EvaluationRow {
                project_id: id.clone(),
                lessons_learned: lessons,
                what_worked: worked.into_option(),
                what_did_not: did_not.into_option(),
                continuation: continuation.into_option(),
                follow_up_project_id: follow_up,
                created_at,
                updated_at: now,
            };
            let mut record = repo::put(conn, &row, &voices)?;
            let after = project_repo::update(conn, &id, version, &ProjectUpdate::default(), now)?;
            record_project_event(
                conn,
                &principal,
                &id,
                "evaluation_written",
                json!({ "continuation": row.continuation, "voices": voices.len() }),
            )?;
            evaluation_as_seen_by(conn, &principal, &mut record)?;
            Ok((after.row.version, Evaluation::shown(record)))
        })
        .await?;
    Ok(http::ok_with_etag(project_version, &evaluation))
}
