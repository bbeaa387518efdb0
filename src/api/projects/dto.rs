//! The representation of a project and the documentation of the bodies and filters its
//! handlers read (the bodies themselves are read member by member in `input`).

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::export::{self, Cell, CsvRecord};
use crate::api::http;
use crate::api::records::Versioned;
use crate::api::vocabulary::{Effect, NeighbourhoodId};
use crate::db::projects::{LinkView, Project as ProjectRecord};
use crate::domain::projects::Budget as Money;
use crate::domain::time;

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
    /// Whether the ratio reaches the programme's co-financing target: 0.40 or more.
    pub meets_cofinancing_target: bool,
}

impl From<Money> for Budget {
    fn from(money: Money) -> Self {
        Self {
            total_cents: money.total_cents,
            programme_cents: money.programme_cents,
            other_cents: money.other_cents,
            cofinancing_ratio: money.cofinancing_ratio,
            meets_cofinancing_target: money.meets_cofinancing_target,
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
        let budget = Budget::from(Money::of(&project.funding));
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

impl CsvRecord for Project {
    const HEADER: &'static [&'static str] = &[
        "id",
        "title",
        "summary",
        "neighbourhoodIds",
        "districtId",
        "initiator",
        "initiatorPartnerId",
        "projectLeader",
        "startDate",
        "endDate",
        "claimedEffects",
        "sustainabilityPlan",
        "status",
        "submittedAt",
        "responseDueAt",
        "respondedAt",
        "partners",
        "links",
        "budget.totalCents",
        "budget.programmeCents",
        "budget.otherCents",
        "budget.cofinancingRatio",
        "budget.meetsCofinancingTarget",
        "eligible",
        "assessmentId",
        "signalIds",
        "version",
        "createdAt",
        "updatedAt",
    ];

    fn fields(&self) -> Vec<Cell> {
        let moment = |at: &Option<NaiveDateTime>| export::optional(at.as_ref().map(time::format));
        let partners: Vec<String> = self
            .partners
            .iter()
            .map(|p| format!("{}:{}", p.partner_id, p.role))
            .collect();
        let links: Vec<String> = self
            .links
            .iter()
            .map(|l| format!("{}:{}:{}", l.direction, l.kind, l.project_id))
            .collect();
        vec![
            self.id.as_str().into(),
            self.title.as_str().into(),
            export::optional(self.summary.as_ref()).into(),
            export::joined(&self.neighbourhood_ids).into(),
            self.district_id.as_str().into(),
            export::optional(self.initiator.as_ref()).into(),
            export::optional(self.initiator_partner_id.as_ref()).into(),
            export::optional(self.project_leader.as_ref()).into(),
            export::optional(self.start_date.as_ref()).into(),
            export::optional(self.end_date.as_ref()).into(),
            export::joined(&self.claimed_effects).into(),
            export::optional(self.sustainability_plan.as_ref()).into(),
            self.status.as_str().into(),
            moment(&self.submitted_at).into(),
            moment(&self.response_due_at).into(),
            moment(&self.responded_at).into(),
            export::joined(&partners).into(),
            export::joined(&links).into(),
            Cell::figure(self.budget.total_cents),
            Cell::figure(self.budget.programme_cents),
            Cell::figure(self.budget.other_cents),
            Cell::ratio(self.budget.cofinancing_ratio),
            self.budget.meets_cofinancing_target.to_string().into(),
            export::optional(self.eligible).into(),
            export::optional(self.assessment_id.as_ref()).into(),
            export::joined(&self.signal_ids).into(),
            Cell::figure(self.version),
            time::format(&self.created_at).into(),
            time::format(&self.updated_at).into(),
        ]
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
    neighbourhood_ids: Vec<NeighbourhoodId>,
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
    neighbourhood_ids: Option<Vec<NeighbourhoodId>>,
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
