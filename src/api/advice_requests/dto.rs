//! The advice request's representation and the documentation types of its bodies and filters.

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::db::advice_requests::AdviceRequestRow;
use crate::domain::advice_requests as rules;
use crate::domain::time;

/// The programme bureau's question to a department about an idea, open until the department
/// finalises an advisory assessment of the project (`given`) or the bureau withdraws it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdviceRequest {
    pub id: String,
    pub project_id: String,
    /// The department asked, which owes the advice.
    #[schema(example = "ocw")]
    pub department_id: String,
    pub question: String,
    /// The day the advice is due; late from the end of that day (UTC).
    #[schema(value_type = String, format = Date, example = "2026-12-22")]
    pub due_on: String,
    /// The moment the request becomes late: the end of `dueOn`.
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: NaiveDateTime,
    pub status: AdviceRequestStatusValue,
    /// Open and past `dueAt`.
    pub overdue: bool,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub requested_at: NaiveDateTime,
    /// When it was given or withdrawn.
    #[serde(with = "time::rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub settled_at: Option<NaiveDateTime>,
    /// Given, and by `dueAt`; null while open or when withdrawn.
    pub on_time: Option<bool>,
    /// The advisory assessment that gave the advice, for the readers who may open it.
    pub assessment_id: Option<String>,
    /// Why the bureau withdrew it.
    pub withdrawal_reason: Option<String>,
    pub version: i64,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl AdviceRequest {
    /// The request as a reader sees it: the assessment id only where `assessment_open`.
    pub fn shown(row: AdviceRequestRow, assessment_open: bool, now: NaiveDateTime) -> Self {
        let status = AdviceRequestStatusValue::of(&row.status);
        Self {
            overdue: rules::is_overdue(&row.status, row.due_at, now),
            on_time: (row.status == "given")
                .then(|| row.settled_at.is_some_and(|at| at < row.due_at)),
            assessment_id: row.assessment_id.filter(|_| assessment_open),
            id: row.id,
            project_id: row.project_id,
            department_id: row.department_id,
            question: row.question,
            due_on: row.due_on,
            due_at: row.due_at,
            status,
            requested_at: row.requested_at,
            settled_at: row.settled_at,
            withdrawal_reason: row.withdrawal_reason,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

crate::api::http::page_schema!(AdviceRequestPage, AdviceRequest);

/// An advice request's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdviceRequestStatusValue {
    Open,
    Given,
    Withdrawn,
}

impl AdviceRequestStatusValue {
    fn of(status: &str) -> Self {
        match status {
            "given" => Self::Given,
            "withdrawn" => Self::Withdrawn,
            _ => Self::Open,
        }
    }
}

/// A new advice request.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct AdviceRequestCreate {
    /// The department asked.
    #[schema(
        pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$",
        max_length = 64,
        example = "ocw"
    )]
    department_id: String,
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$",
        example = "Past dit idee bij het onderwijsbeleid van de wijk?"
    )]
    question: String,
    /// Today or later.
    #[schema(value_type = String, format = Date, example = "2026-12-22")]
    due_on: String,
}

/// The one move of an advice request: the bureau withdraws it, with a reason.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct AdviceRequestTransitionInput {
    to: AdviceRequestMove,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    reason: String,
}

/// Where a transition may take an advice request.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum AdviceRequestMove {
    Withdrawn,
}

/// Filters of the advice request lists.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code, reason = "documentation only: read through QueryParams")]
pub struct AdviceRequestListParams {
    /// Only these statuses (repeat the key for several).
    status: Option<Vec<AdviceRequestStatusValue>>,
    #[param(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    department_id: Option<String>,
    /// `true`: open and past due; `false`: the others.
    overdue: Option<bool>,
}

/// Filters of `GET /advice-requests`: those of a project's list, and the project.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code, reason = "documentation only: read through QueryParams")]
pub struct AdviceRequestProjectParam {
    /// Only the requests about this project.
    #[param(pattern = "^[A-Za-z0-9-]{1,64}$")]
    project_id: Option<String>,
}
