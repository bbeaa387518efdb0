//! Projects: from a neighbourhood idea to a running, co-financed, connected project. Created as
//! `draft`, moved along the status machine with `POST /projects/{id}/transitions`. Who may read
//! and change a project is decided per object in `authz`.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::http::{self, EventPageParams, PageParams, PageRequest};
use super::input::{Field, Fields, JsonObject, QueryParams, array, slug_param, string};
use super::records::{self, Versioned};
use crate::auth::{AnyRole, Authorized, Principal, ProjectCreators, ProjectWriters};
use crate::authz::{self, ProjectFacts};
use crate::db::events as event_store;
use crate::db::projects::{
    self as repo, LinkView, Project as ProjectRecord, ProjectChange, ProjectFilter, ProjectRow,
    ProjectUpdate,
};
use crate::db::{Db, DbConnection, partners as partner_repo, reference as reference_repo};
use crate::domain::events::NewEvent;
use crate::domain::partners::search_form;
use crate::domain::projects::{self as rules, COFINANCING_TARGET, Status};
use crate::domain::{Rejection, bounded_text, time};
use crate::error::ApiError;

/// Days the bureau has to answer a submitted project (`PROJECT_RESPONSE_DAYS`).
#[derive(Debug, Clone, Copy)]
pub struct ProjectResponseDays(pub i64);

/// The money of a project, derived from its funding lines.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Budget {
    /// All funding lines together.
    #[schema(example = 5000000)]
    pub total_cents: i64,
    /// Lines with source type `programme`.
    #[schema(example = 2500000)]
    pub programme_cents: i64,
    /// Every other source.
    #[schema(example = 2500000)]
    pub other_cents: i64,
    /// `otherCents / totalCents`; `null` without funding. The programme's target is 0.40.
    #[schema(example = 0.5)]
    pub cofinancing_ratio: Option<f64>,
    /// Whether the ratio exceeds the programme's co-financing target (0.40).
    pub meets_cofinancing_target: bool,
}

impl Budget {
    fn of(funding: &[(String, i64)]) -> Self {
        let total_cents: i64 = funding.iter().map(|(_, amount)| amount).sum();
        let programme_cents: i64 = funding
            .iter()
            .filter(|(source, _)| source == "programme")
            .map(|(_, a)| a)
            .sum();
        let other_cents = total_cents - programme_cents;
        #[expect(
            clippy::cast_precision_loss,
            reason = "a ratio of euro amounts needs no 53-bit precision"
        )]
        let cofinancing_ratio = (total_cents > 0).then(|| other_cents as f64 / total_cents as f64);
        Self {
            total_cents,
            programme_cents,
            other_cents,
            cofinancing_ratio,
            meets_cofinancing_target: cofinancing_ratio.is_some_and(|r| r > COFINANCING_TARGET),
        }
    }
}

/// A partner taking part in a project.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectPartner {
    pub partner_id: String,
    /// `lead`, `executor`, `co_financier` or `adviser`.
    #[schema(example = "executor")]
    pub role: String,
}

/// A link between two projects, as seen from this one.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectLink {
    pub id: String,
    /// The project on the other side.
    pub project_id: String,
    /// `builds_on`, `complements`, `same_target_group` or `follow_up`.
    #[schema(example = "complements")]
    pub kind: String,
    /// `outgoing` when this project made the link, `incoming` when the other did.
    #[schema(example = "outgoing")]
    pub direction: String,
}

impl From<LinkView> for ProjectLink {
    fn from(link: LinkView) -> Self {
        Self {
            id: link.id,
            project_id: link.project_id,
            kind: link.kind,
            direction: link.direction.to_owned(),
        }
    }
}

/// A neighbourhood project.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: String,
    #[schema(example = "Moestuin op het plein")]
    pub title: String,
    pub summary: Option<String>,
    #[schema(example = json!(["moerwijk"]))]
    pub neighbourhood_ids: Vec<String>,
    /// The district the neighbourhoods lie in.
    #[schema(example = "escamp")]
    pub district_id: String,
    #[schema(example = "Bewonersgroep Moerwijk-Oost")]
    pub initiator: Option<String>,
    pub initiator_partner_id: Option<String>,
    #[schema(example = "A. de Vries")]
    pub project_leader: Option<String>,
    #[schema(value_type = Option<String>, format = Date, example = "2027-03-01")]
    pub start_date: Option<String>,
    #[schema(value_type = Option<String>, format = Date, example = "2027-12-31")]
    pub end_date: Option<String>,
    #[schema(example = json!(["social_cohesion", "ownership"]))]
    pub claimed_effects: Vec<String>,
    /// Who carries it on after the funding (borging).
    pub sustainability_plan: Option<String>,
    #[schema(example = "draft")]
    pub status: String,
    #[serde(with = "time::rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<NaiveDateTime>,
    /// When the bureau owes the initiator an answer (set on submission).
    #[serde(with = "time::rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub response_due_at: Option<NaiveDateTime>,
    /// When the bureau answered (the project left `submitted`).
    #[serde(with = "time::rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub responded_at: Option<NaiveDateTime>,
    pub partners: Vec<ProjectPartner>,
    pub links: Vec<ProjectLink>,
    pub budget: Budget,
    /// The outcome of the latest final programme assessment; `null` until there is one.
    pub eligible: Option<bool>,
    /// That assessment.
    pub assessment_id: Option<String>,
    /// The signals from the neighbourhood linked to this project.
    pub signal_ids: Vec<String>,
    pub version: i64,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl From<ProjectRecord> for Project {
    fn from(project: ProjectRecord) -> Self {
        let budget = Budget::of(&project.funding);
        let row = project.row;
        Self {
            id: row.id,
            title: row.title,
            summary: row.summary,
            neighbourhood_ids: project.neighbourhood_ids,
            district_id: row.district_id,
            initiator: row.initiator,
            initiator_partner_id: row.initiator_partner_id,
            project_leader: row.project_leader,
            start_date: row.start_date,
            end_date: row.end_date,
            claimed_effects: project.claimed_effects,
            sustainability_plan: row.sustainability_plan,
            status: row.status,
            submitted_at: row.submitted_at,
            response_due_at: row.response_due_at,
            responded_at: row.responded_at,
            partners: project
                .partners
                .into_iter()
                .map(|(partner_id, role)| ProjectPartner { partner_id, role })
                .collect(),
            links: project.links.into_iter().map(ProjectLink::from).collect(),
            budget,
            eligible: row.eligible,
            assessment_id: row.assessment_id,
            signal_ids: project.signal_ids,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl Versioned for Project {
    const KIND: &'static str = "project";
    const COLLECTION: &'static str = "projects";
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
}

http::page_schema!(ProjectPage, Project);

/// A new project (created as `draft`).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct ProjectCreate {
    #[schema(
        example = "Moestuin op het plein",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    title: String,
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    summary: Option<String>,
    /// One or more neighbourhoods, all in one district.
    #[schema(example = json!(["moerwijk"]), min_items = 1)]
    neighbourhood_ids: Vec<super::partners::NeighbourhoodId>,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    initiator: Option<String>,
    /// The initiating partner; a partner creating a project is its initiator.
    #[schema(pattern = "^[A-Za-z0-9-]{1,64}$")]
    initiator_partner_id: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    project_leader: Option<String>,
    #[schema(format = Date, example = "2027-03-01")]
    start_date: Option<String>,
    /// Not before `startDate`.
    #[schema(format = Date, example = "2027-12-31")]
    end_date: Option<String>,
    #[schema(example = json!(["social_cohesion", "ownership", "positive_image"]))]
    claimed_effects: Option<Vec<Effect>>,
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    sustainability_plan: Option<String>,
}

/// Changes to a project (JSON merge patch; `null` clears optional members).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct ProjectUpdateInput {
    #[schema(
        nullable = false,
        example = "Moestuin op het plein",
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    title: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    summary: Option<String>,
    #[schema(nullable = false, example = json!(["moerwijk"]), min_items = 1)]
    neighbourhood_ids: Option<Vec<super::partners::NeighbourhoodId>>,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    initiator: Option<String>,
    #[schema(pattern = "^[A-Za-z0-9-]{1,64}$")]
    initiator_partner_id: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    project_leader: Option<String>,
    #[schema(format = Date, example = "2027-03-01")]
    start_date: Option<String>,
    #[schema(format = Date, example = "2027-12-31")]
    end_date: Option<String>,
    #[schema(nullable = false)]
    claimed_effects: Option<Vec<Effect>>,
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    sustainability_plan: Option<String>,
}

/// One of the six societal effects.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum Effect {
    SocialCohesion,
    PositiveImage,
    AccessToServices,
    Safety,
    Employment,
    Ownership,
}

/// A project status.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum ProjectStatus {
    Draft,
    Submitted,
    InDialogue,
    UnderAssessment,
    Approved,
    Rejected,
    Running,
    Completed,
    Stopped,
    Evaluated,
}

/// A status change.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct TransitionInput {
    to: ProjectStatus,
    /// Required when returning to draft, rejecting or stopping.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    reason: Option<String>,
}

/// Filters of the project list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code, reason = "documentation only: read through QueryParams")]
pub struct ProjectListParams {
    /// Only these statuses (repeat the key for several).
    status: Option<Vec<ProjectStatus>>,
    #[param(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    district_id: Option<String>,
    #[param(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    neighbourhood_id: Option<String>,
    /// Initiated by, or taking part: this partner.
    #[param(pattern = "^[A-Za-z0-9-]{1,64}$")]
    partner_id: Option<String>,
    /// Only projects that claim this effect.
    effect: Option<Effect>,
    /// Case-insensitive search in the title (accents ignored).
    #[param(max_length = 100)]
    q: Option<String>,
    /// `true`: only submitted projects whose answer is overdue.
    awaiting_response: Option<bool>,
    /// Only projects whose latest final programme assessment is (`true`) or is not (`false`)
    /// eligible.
    eligible: Option<bool>,
    /// Only projects changed after this moment.
    #[param(value_type = Option<String>, format = DateTime)]
    updated_after: Option<String>,
}

pub(crate) fn text(max: usize) -> impl Fn(&str) -> Result<String, Rejection> {
    move |value| {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(Rejection::new("empty", "must not be empty"));
        }
        if value.chars().count() > max {
            return Err(Rejection::new(
                "too_long",
                format!("must be at most {max} characters"),
            ));
        }
        if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            return Err(Rejection::new(
                "control_characters",
                "must not contain control characters",
            ));
        }
        Ok(trimmed.to_owned())
    }
}

fn title(value: &str) -> Result<String, Rejection> {
    bounded_text(value, 200)
}

pub(crate) fn id_param(value: &str) -> Result<String, Rejection> {
    if value.is_empty()
        || value.len() > 64
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        Err(Rejection::new("invalid_id", "is not an id"))
    } else {
        Ok(value.to_owned())
    }
}

/// The members of a project body, checked against the database (neighbourhoods, partner).
struct ProjectBody {
    title: Option<String>,
    summary: Field<String>,
    neighbourhood_ids: Option<Vec<String>>,
    district_id: Option<String>,
    initiator: Field<String>,
    initiator_partner_id: Field<String>,
    project_leader: Field<String>,
    start_date: Field<String>,
    end_date: Field<String>,
    claimed_effects: Option<Vec<String>>,
    sustainability_plan: Field<String>,
}

async fn read_project_body(
    db: &Db,
    body: JsonObject,
    creating: bool,
) -> Result<ProjectBody, ApiError> {
    let mut fields = Fields::new(body);
    let (title, neighbourhood_ids) = if creating {
        (
            fields.required("title", string(title)),
            fields.required("neighbourhoodIds", array(string(slug_param))),
        )
    } else {
        (
            fields.not_null("title", string(title)),
            fields.not_null("neighbourhoodIds", array(string(slug_param))),
        )
    };
    let summary = fields.optional("summary", string(text(5000)));
    let initiator = fields.optional("initiator", string(text(200)));
    let initiator_partner_id = fields.optional("initiatorPartnerId", string(id_param));
    let project_leader = fields.optional("projectLeader", string(text(200)));
    let start_date = fields.optional("startDate", string(rules::date));
    let end_date = fields.optional("endDate", string(rules::date));
    let claimed_effects = fields.not_null("claimedEffects", array(string(rules::effect)));
    let sustainability_plan = fields.optional("sustainabilityPlan", string(text(5000)));
    if let (Field::Value(start), Field::Value(end)) = (&start_date, &end_date) {
        if end < start {
            fields.reject(
                "endDate",
                Rejection::new("before_start", "must not be before startDate"),
            );
        }
    }
    let mut district_id = None;
    if let Some(ids) = neighbourhood_ids.clone() {
        if ids.is_empty() {
            fields.reject(
                "neighbourhoodIds",
                Rejection::new("empty", "must name at least one neighbourhood"),
            );
        } else {
            let known = db
                .read(move |conn| reference_repo::districts_of_neighbourhoods(conn, &ids))
                .await?;
            let ids = neighbourhood_ids.iter().flatten();
            if let Some(missing) = ids.clone().find(|id| !known.contains_key(*id)) {
                fields.reject(
                    "neighbourhoodIds",
                    Rejection::new(
                        "unknown_reference",
                        format!("'{missing}' is not an existing neighbourhood"),
                    ),
                );
            } else {
                let mut districts: Vec<&String> = known.values().collect();
                districts.sort();
                districts.dedup();
                if districts.len() > 1 {
                    fields.reject(
                        "neighbourhoodIds",
                        Rejection::new("several_districts", "must all lie in one district"),
                    );
                }
                district_id = districts.first().map(|d| (*d).clone());
            }
        }
    }
    if let Field::Value(partner_id) = initiator_partner_id.clone() {
        if !db
            .read(move |conn| partner_repo::exists(conn, &partner_id))
            .await?
        {
            fields.reject(
                "initiatorPartnerId",
                Rejection::new("unknown_reference", "is not an existing partner"),
            );
        }
    }
    let (
        summary,
        initiator,
        initiator_partner_id,
        project_leader,
        start_date,
        end_date,
        sustainability_plan,
    ) = fields.finish((
        summary,
        initiator,
        initiator_partner_id,
        project_leader,
        start_date,
        end_date,
        sustainability_plan,
    ))?;
    Ok(ProjectBody {
        title,
        summary,
        neighbourhood_ids,
        district_id,
        initiator,
        initiator_partner_id,
        project_leader,
        start_date,
        end_date,
        claimed_effects,
        sustainability_plan,
    })
}

/// Records a change to a project (or one of its parts) on the project's trail.
pub(crate) fn record(
    conn: &mut DbConnection,
    principal: &Principal,
    project_id: &str,
    action: &str,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    let event = NewEvent {
        action: format!("project.{action}"),
        resource_type: "project",
        resource_id: project_id.to_owned(),
        data,
    };
    event_store::record(conn, &principal.actor(), event, time::now())?;
    Ok(())
}

/// Reads a project and checks that the principal may read it (404 otherwise).
pub(crate) fn readable(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
) -> Result<(ProjectRecord, ProjectFacts), ApiError> {
    let project = repo::get(conn, id)?;
    let facts = project.facts()?;
    authz::require(principal, &facts, true, "read")?;
    Ok((project, facts))
}

fn snapshot(project: &Project) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(project).map_err(|e| ApiError::Internal(format!("cannot serialize: {e}")))
}

/// List projects, newest first: only those the caller may read.
///
/// Roles: every role; a stadsdeel and a vakdienst see all projects past draft (a stadsdeel also
/// its district's drafts), a partner those it initiated or takes part in.
#[utoipa::path(
    get, path = "/projects", tag = "Projects", operation_id = "list_projects",
    params(ProjectListParams, PageParams),
    responses((status = 200, description = "A page of projects", body = ProjectPage)),
    security(("bearer" = []))
)]
pub async fn list_projects(
    req: HttpRequest,
    caller: Authorized<AnyRole>,
    mut query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let filter = ProjectFilter {
        statuses: query.many("status", |v| {
            Status::parse(v).map(|s| s.as_str().to_owned())
        }),
        district_id: query.single("districtId", slug_param),
        neighbourhood_id: query.single("neighbourhoodId", slug_param),
        partner_id: query.single("partnerId", id_param),
        effect: query.single("effect", rules::effect),
        q: query.single("q", |v| {
            if v.chars().count() > 100 {
                Err(Rejection::new("too_long", "must be at most 100 characters"))
            } else {
                Ok(search_form(v))
            }
        }),
        awaiting_response_at: query
            .single("awaitingResponse", super::input::bool_param)
            .and_then(|awaiting| awaiting.then(time::now)),
        eligible: query.single("eligible", super::input::bool_param),
        updated_after: query.single("updatedAfter", |v| {
            time::parse(v)
                .ok_or_else(|| Rejection::new("invalid_date_time", "must be an RFC 3339 date-time"))
        }),
    };
    let page = PageRequest::read(&mut query);
    query.finish()?;
    let scope = authz::project_scope(&caller.principal);
    records::list_by_id::<_, Project>(&req, &db, page, move |conn, after, limit| {
        repo::list(conn, &scope, &filter, after, limit)
    })
    .await
}

/// Get one project.
///
/// Roles: every role, within its scope (404 outside it).
#[utoipa::path(
    get, path = "/projects/{projectId}", tag = "Projects", operation_id = "get_project",
    params(("projectId" = String, Path, description = "The project's id")),
    responses(
        (status = 200, description = "The project", body = Project,
            headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such project, or not yours to read"),
    ),
    security(("bearer" = []))
)]
pub async fn get_project(
    caller: Authorized<AnyRole>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal;
    let id = path.into_inner();
    let project = db
        .read(move |conn| readable(conn, &principal, &id).map(|(p, _)| Project::from(p)))
        .await?;
    Ok(http::ok_with_etag(project.version, &project))
}

/// Create a project (as `draft`).
///
/// Roles: programmabureau; stadsdeel for neighbourhoods in its district; partner as the
/// initiator (its own partner id).
#[utoipa::path(
    post, path = "/projects", tag = "Projects", operation_id = "create_project",
    request_body = ProjectCreate,
    responses(
        (status = 201, description = "Created", body = Project,
            headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The new project's URL"))),
        (status = 403, description = "Not allowed to create this project"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Body is not JSON"),
    ),
    security(("bearer" = []))
)]
pub async fn create_project(
    caller: Authorized<ProjectCreators>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let input = read_project_body(&db, body, true).await?;
    let (Some(title), Some(neighbourhood_ids), Some(district_id)) =
        (input.title, input.neighbourhood_ids, input.district_id)
    else {
        return Err(ApiError::Internal(
            "title and neighbourhoods were checked as required".to_owned(),
        ));
    };
    let principal = caller.principal;
    if !authz::can_create_project(&principal, &district_id) {
        return Err(ApiError::Forbidden(format!(
            "A stadsdeel creates projects only in its own district, not in '{district_id}'."
        )));
    }
    let initiator_partner_id =
        authz::initiator_of_new_project(&principal, input.initiator_partner_id.into_option())?;
    if let Some(own) = authz::acting_partner(&principal).map(str::to_owned) {
        if !db
            .read(move |conn| partner_repo::exists(conn, &own))
            .await?
        {
            return Err(ApiError::Forbidden(
                "The partner of this token is not registered.".to_owned(),
            ));
        }
    }
    let now = time::now();
    let row = ProjectRow {
        id: uuid::Uuid::now_v7().to_string(),
        title_search: search_form(&title),
        title,
        summary: input.summary.into_option(),
        district_id,
        initiator: input.initiator.into_option(),
        initiator_partner_id,
        project_leader: input.project_leader.into_option(),
        start_date: input.start_date.into_option(),
        end_date: input.end_date.into_option(),
        sustainability_plan: input.sustainability_plan.into_option(),
        status: Status::Draft.as_str().to_owned(),
        submitted_at: None,
        response_due_at: None,
        responded_at: None,
        eligible: None,
        assessment_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let members = ProjectUpdate {
        fields: ProjectChange::default(),
        neighbourhood_ids: Some(neighbourhood_ids),
        claimed_effects: Some(input.claimed_effects.unwrap_or_default()),
    };
    records::create::<_, _, Project>(&db, principal, (row, members), |conn, (row, members)| {
        repo::insert(conn, row, members)
    })
    .await
}

/// Update a project's fields (JSON merge patch).
///
/// Roles: programmabureau; stadsdeel of the project's district; the initiating partner while it
/// is a draft. Requires `If-Match`.
#[utoipa::path(
    patch, path = "/projects/{projectId}", tag = "Projects", operation_id = "update_project",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body(content = ProjectUpdateInput, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = Project, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Not allowed to edit this project"),
        (status = 404, description = "No such project, or not yours to read"),
        (status = 412, description = "The project changed since you read it"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Body is not JSON"),
        (status = 428, description = "If-Match missing"),
    ),
    security(("bearer" = []))
)]
pub async fn update_project(
    req: HttpRequest,
    caller: Authorized<ProjectWriters>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let input = read_project_body(&db, body, false).await?;
    let principal = caller.principal;
    let id = path.into_inner();
    if input.initiator_partner_id != Field::Absent && !authz::can_change_initiator(&principal) {
        return Err(ApiError::Forbidden(
            "A partner cannot change a project's initiator.".to_owned(),
        ));
    }
    let update = ProjectUpdate {
        fields: ProjectChange {
            title_search: input.title.as_deref().map(search_form),
            title: input.title,
            summary: input.summary.into_patch(),
            district_id: input.district_id.clone(),
            initiator: input.initiator.into_patch(),
            project_leader: input.project_leader.into_patch(),
            start_date: input.start_date.into_patch(),
            end_date: input.end_date.into_patch(),
            sustainability_plan: input.sustainability_plan.into_patch(),
            ..ProjectChange::default()
        },
        neighbourhood_ids: input.neighbourhood_ids,
        claimed_effects: input.claimed_effects,
    };
    let new_district = input.district_id;
    let initiator_partner = input.initiator_partner_id;
    let updated = db
        .write(move |conn| {
            let (before, facts) = readable(conn, &principal, &id)?;
            let allowed = authz::can_edit_project(&principal, &facts)
                && new_district.as_deref().is_none_or(|district| {
                    authz::can_move_project_to_district(&principal, district)
                });
            authz::require(&principal, &facts, allowed, "edit")?;
            let mut after = repo::update(conn, &id, version, &update, time::now())?;
            if let Field::Value(partner) = &initiator_partner {
                after = set_initiator_partner(conn, &id, Some(partner.clone()))?.unwrap_or(after);
            } else if initiator_partner == Field::Null {
                after = set_initiator_partner(conn, &id, None)?.unwrap_or(after);
            }
            let (before, after) = (Project::from(before), Project::from(after));
            let (old, new) =
                crate::domain::events::changed_members(&snapshot(&before)?, &snapshot(&after)?);
            record(
                conn,
                &principal,
                &id,
                "updated",
                json!({ "before": old, "after": new }),
            )?;
            Ok(after)
        })
        .await?;
    Ok(http::ok_with_etag(updated.version, &updated))
}

fn set_initiator_partner(
    conn: &mut DbConnection,
    id: &str,
    partner: Option<String>,
) -> Result<Option<ProjectRecord>, ApiError> {
    use crate::db::schema::projects;
    use diesel::prelude::*;
    diesel::update(projects::table.filter(projects::id.eq(id)))
        .set(projects::initiator_partner_id.eq(partner))
        .execute(conn)?;
    repo::find(conn, id)
}

/// Move a project along the status machine.
///
/// `draft → submitted` (the programme bureau, the stadsdeel of the district or the initiating
/// partner) sets `responseDueAt`; leaving `submitted` records the answer (`respondedAt`).
/// `submitted → in_dialogue → under_assessment`, back to `draft` (reason), `approved`,
/// `rejected` (reason), `running → stopped` (reason) and `completed → evaluated` (every goal
/// has an `actual`): the programme bureau. `approved → running → completed`: the bureau or the
/// stadsdeel of the district. A transition that is not allowed from the current status is a
/// 409 `transition_not_allowed`; approval needs an eligible final programme assessment
/// (409 `assessment_not_eligible`). Requires `If-Match`.
///
/// Roles: programmabureau, stadsdeel, partner (as above).
#[utoipa::path(
    post, path = "/projects/{projectId}/transitions", tag = "Projects", operation_id = "transition_project",
    params(
        ("projectId" = String, Path, description = "The project's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body = TransitionInput,
    responses(
        (status = 200, description = "The project in its new status", body = Project, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "Not allowed to make this transition"),
        (status = 404, description = "No such project, or not yours to read"),
        (status = 409, description = "Not allowed from the current status, or its condition is not met"),
        (status = 412, description = "The project changed since you read it"),
        (status = 413, description = "Body too large"),
        (status = 415, description = "Body is not JSON"),
        (status = 428, description = "If-Match missing"),
    ),
    security(("bearer" = []))
)]
pub async fn transition_project(
    req: HttpRequest,
    caller: Authorized<ProjectWriters>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let response_days = req
        .app_data::<ProjectResponseDays>()
        .map_or(14, |days| days.0);
    let mut fields = Fields::new(body);
    let to = fields.required("to", string(Status::parse));
    let reason = fields.optional("reason", string(text(2000)));
    let (to, reason) = fields.finish((to, reason))?;
    let reason = reason.into_option();
    let principal = caller.principal;
    let id = path.into_inner();
    let moved = db
        .write(move |conn| {
            let (project, facts) = readable(conn, &principal, &id)?;
            if project.row.version != version {
                return Err(ApiError::PreconditionFailed { current: Some(project.row.version) });
            }
            let from = facts.status;
            let Some(rule) = rules::transition(from, to) else {
                return Err(ApiError::Conflict {
                    code: "transition_not_allowed",
                    detail: format!("A project cannot go from {} to {}.", from.as_str(), to.as_str()),
                    details: Some(json!({ "from": from.as_str(), "to": to.as_str() })),
                });
            };
            authz::require(&principal, &facts, authz::can_move_project(&principal, &facts, rule.mover), &format!("move to {}", to.as_str()))?;
            if rule.reason_required && reason.is_none() {
                return Err(ApiError::invalid("reason", "required", format!("is required to go to {}", to.as_str())));
            }
            match to {
                Status::Approved => {
                    if let Some(reasons) = super::assessments::approval_refusal(conn, &id, project.row.assessment_id.as_deref())? {
                        return Err(ApiError::Conflict {
                            code: "assessment_not_eligible",
                            detail: format!("A project is approved only with an eligible final programme assessment: {}.", reasons.join("; ")),
                            details: Some(json!({ "ineligibleReasons": reasons })),
                        });
                    }
                }
                Status::Evaluated => {
                    let without: Vec<String> =
                        repo::goals_of(conn, &id)?.into_iter().filter(|g| g.actual.is_none()).map(|g| g.id).collect();
                    if !without.is_empty() {
                        return Err(ApiError::Conflict {
                            code: "goals_without_actual",
                            detail: format!("{} goal(s) have no actual value yet.", without.len()),
                            details: Some(json!({ "goalIds": without })),
                        });
                    }
                }
                _ => {}
            }
            let now = time::now();
            let mut change = ProjectChange { status: Some(to.as_str().to_owned()), ..ProjectChange::default() };
            if to == Status::Submitted {
                change.submitted_at = Some(Some(now));
                change.response_due_at = Some(Some(now + Duration::days(response_days)));
                change.responded_at = Some(None);
            }
            if from == Status::Submitted {
                change.responded_at = Some(Some(now));
            }
            let update = ProjectUpdate { fields: change, ..ProjectUpdate::default() };
            let after = Project::from(repo::update(conn, &id, version, &update, now)?);
            record(
                conn,
                &principal,
                &id,
                "status_changed",
                json!({ "before": { "status": from.as_str() }, "after": { "status": to.as_str() }, "reason": reason }),
            )?;
            Ok(after)
        })
        .await?;
    Ok(http::ok_with_etag(moved.version, &moved))
}

/// The history of a project: every change to it and its parts, oldest first.
///
/// Roles: every role that may read the project.
#[utoipa::path(
    get, path = "/projects/{projectId}/history", tag = "Projects", operation_id = "project_history",
    params(("projectId" = String, Path, description = "The project's id"), EventPageParams),
    responses(
        (status = 200, description = "A page of the project's events", body = super::events::EventPage),
        (status = 404, description = "No such project, or not yours to read"),
    ),
    security(("bearer" = []))
)]
pub async fn project_history(
    req: HttpRequest,
    caller: Authorized<AnyRole>,
    path: web::Path<String>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal;
    super::events::history(
        &req,
        &db,
        query,
        "project",
        path.into_inner(),
        move |conn, id| readable(conn, &principal, id).map(|_| ()),
    )
    .await
}
