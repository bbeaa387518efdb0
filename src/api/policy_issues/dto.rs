//! The policy issue's representation and the documentation types of its bodies and filters.

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use crate::domain::policy_issues as rules;
use crate::domain::time;
use crate::visibility::SeenPolicyIssue;

/// Signals bundled for the department that owns the policy, and that department's response.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyIssue {
    pub id: String,
    pub title: String,
    pub description: String,
    pub theme_id: String,
    /// The department that owns the policy and owes the response.
    pub department_id: String,
    /// draft, raised, responded or closed.
    pub status: String,
    /// The bundled signals the caller may open (DESIGN §9).
    pub signal_ids: Vec<String>,
    /// How many signals the issue bundles, those the caller may not open included.
    pub signal_count: usize,
    /// The neighbourhoods the bundled signals come from.
    pub neighbourhood_ids: Vec<String>,
    #[serde(with = "time::rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub raised_at: Option<NaiveDateTime>,
    /// Raising plus `POLICY_RESPONSE_DAYS`.
    #[serde(with = "time::rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub response_due_at: Option<NaiveDateTime>,
    /// Raised, not responded to, and past `responseDueAt`.
    pub overdue: bool,
    /// The owner's response; null until it responds.
    pub response: Option<PolicyResponse>,
    pub version: i64,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

/// The owner's response to a policy issue.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyResponse {
    /// will_adjust, under_review, no_change or already_addressed.
    pub position: String,
    pub explanation: String,
    /// When the position was decided.
    #[schema(value_type = Option<String>, format = Date, example = "2026-11-29")]
    pub decided_on: Option<String>,
    /// When the owner comes back to it.
    #[schema(value_type = Option<String>, format = Date, example = "2027-03-01")]
    pub follow_up_on: Option<String>,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub responded_at: NaiveDateTime,
}

impl PolicyIssue {
    /// The issue as `visibility::policy_issues_as_seen_by` left it: with the signal ids its
    /// reader may open.
    pub fn shown(seen: SeenPolicyIssue, now: NaiveDateTime) -> Self {
        let SeenPolicyIssue {
            issue,
            open_signal_ids,
        } = seen;
        let row = issue.row;
        let mut neighbourhood_ids: Vec<String> = issue
            .signals
            .iter()
            .map(|s| s.neighbourhood_id.clone())
            .collect();
        neighbourhood_ids.sort_unstable();
        neighbourhood_ids.dedup();
        let response = match (
            row.response_position,
            row.response_explanation,
            row.responded_at,
        ) {
            (Some(position), Some(explanation), Some(responded_at)) => Some(PolicyResponse {
                position,
                explanation,
                decided_on: row.response_decided_on,
                follow_up_on: row.response_follow_up_on,
                responded_at,
            }),
            _ => None,
        };
        Self {
            overdue: rules::is_overdue(&row.status, row.response_due_at, now),
            signal_count: issue.signals.len(),
            signal_ids: open_signal_ids,
            neighbourhood_ids,
            id: row.id,
            title: row.title,
            description: row.description,
            theme_id: row.theme_id,
            department_id: row.department_id,
            status: row.status,
            raised_at: row.raised_at,
            response_due_at: row.response_due_at,
            response,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

crate::api::http::page_schema!(PolicyIssuePage, PolicyIssue);

/// The owner's position: it will adjust the policy, reviews it, keeps it, or already did.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum PolicyPositionValue {
    WillAdjust,
    UnderReview,
    NoChange,
    AlreadyAddressed,
}

/// A policy issue status.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum PolicyIssueStatusValue {
    Draft,
    Raised,
    Responded,
    Closed,
}

/// A new policy issue (a draft).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct PolicyIssueCreate {
    #[schema(
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
    description: String,
    #[schema(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    theme_id: String,
    /// The owner; by default the department the theme routes to.
    #[schema(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    department_id: Option<String>,
    /// The signals it bundles (1 to 200), with `policyFeedback` or not.
    #[schema(min_items = 1, max_items = 200)]
    signal_ids: Vec<String>,
}

/// Changes to a policy issue; `signalIds` replaces the list (until it is responded to).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct PolicyIssueUpdate {
    #[schema(
        min_length = 1,
        max_length = 200,
        nullable = false,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    title: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 5000,
        nullable = false,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    description: Option<String>,
    #[schema(min_items = 1, max_items = 200, nullable = false)]
    signal_ids: Option<Vec<String>>,
}

/// A status change of a policy issue.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct PolicyIssueTransitionInput {
    to: PolicyIssueStatusValue,
}

/// The owner's response.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct PolicyResponseInput {
    position: PolicyPositionValue,
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    explanation: String,
    #[schema(value_type = Option<String>, format = Date)]
    decided_on: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    follow_up_on: Option<String>,
}

/// Filters of the policy issue list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code, reason = "documentation only: read through QueryParams")]
pub struct PolicyIssueListParams {
    /// Only these statuses (repeat the key for several).
    status: Option<Vec<PolicyIssueStatusValue>>,
    #[param(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    department_id: Option<String>,
    #[param(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    theme_id: Option<String>,
    /// Only the issues bundling this signal; a signal you cannot open filters like an unknown
    /// one (an empty page).
    #[param(pattern = "^[A-Za-z0-9-]{1,64}$")]
    signal_id: Option<String>,
    /// `true`: raised and past their response deadline; `false`: the others.
    overdue: Option<bool>,
}
