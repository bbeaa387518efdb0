//! The report's figures of what the programme achieved (DESIGN §18): the results of the goals
//! per effect, in one pass over the goals of the delivering projects in scope, and the policy
//! issues answered in the period. Read in the report's snapshot by [`super::figures`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::{DELIVERING, ReportScope, Sql, load};
use crate::db::DbConnection;
use crate::db::schema::{policy_issue_signals, policy_issues, signals};
use crate::error::ApiError;

/// What the programme achieved (DESIGN §18): the goals' results and the policy changes.
#[derive(Debug, Default)]
pub struct CouncilFigures {
    pub results: Vec<GoalFigures>,
    pub policy_changes: Vec<PolicyChangeFigure>,
}

/// The goals of delivering projects that claim one effect, by result, in one neighbourhood
/// (`grp`) or in total (`grp` NULL). See [`goal_results`] for what counts as which.
#[derive(Debug, QueryableByName)]
pub struct GoalFigures {
    #[diesel(sql_type = Nullable<Text>)]
    pub grp: Option<String>,
    #[diesel(sql_type = Text)]
    pub effect: String,
    #[diesel(sql_type = BigInt)]
    pub met: i64,
    #[diesel(sql_type = BigInt)]
    pub progressing: i64,
    #[diesel(sql_type = BigInt)]
    pub not_met: i64,
    #[diesel(sql_type = BigInt)]
    pub not_measured: i64,
}

/// A policy issue its owner answered in the period.
#[derive(Debug, Clone, Queryable)]
pub struct PolicyChangeFigure {
    pub id: String,
    pub title: String,
    pub theme_id: String,
    pub department_id: String,
    pub position: Option<String>,
    pub explanation: Option<String>,
    pub decided_on: Option<String>,
    pub follow_up_on: Option<String>,
    pub responded_at: Option<NaiveDateTime>,
}

/// The goals' results and the policy changes of the report's scope.
pub(super) fn council_figures(
    conn: &mut DbConnection,
    scope: &ReportScope,
) -> Result<CouncilFigures, ApiError> {
    Ok(CouncilFigures {
        results: load(conn, goal_results(scope))?,
        policy_changes: policy_changes(conn, scope)?,
    })
}

/// One pass over the goals of the delivering projects in scope (the projects selected as in
/// [`projects`]), each goal judged once, then counted per neighbourhood and effect and per
/// effect in total. A goal's direction runs from its baseline to its target: a target below
/// the baseline means lower is better. With an actual value, the goal is `met` when the actual
/// reached the target in that direction, `progressing` when it moved from the baseline towards
/// the target without reaching it, and `not_met` when it did not move or moved the wrong way;
/// without one it is `not_measured`. A target equal to the baseline (keep the level) is met at
/// the baseline or better.
fn goal_results(scope: &ReportScope) -> Sql {
    let mut sql = Sql::default();
    sql.push(&format!(
        "WITH judged AS MATERIALIZED (SELECT g.project_id AS project_id, g.effect AS effect, \
           CASE WHEN g.actual IS NULL THEN 0 \
             WHEN g.target >= g.baseline THEN \
               CASE WHEN g.actual >= g.target THEN 1 WHEN g.actual > g.baseline THEN 2 ELSE 3 END \
             ELSE \
               CASE WHEN g.actual <= g.target THEN 1 WHEN g.actual < g.baseline THEN 2 ELSE 3 END \
           END AS outcome \
           FROM goals g JOIN projects p ON p.id = g.project_id \
           WHERE p.status IN {DELIVERING}"
    ));
    sql.project_scope(scope);
    let counts = [
        (1, "met"),
        (2, "progressing"),
        (3, "not_met"),
        (0, "not_measured"),
    ]
    .map(|(outcome, name)| {
        format!("CAST(SUM(CASE WHEN j.outcome = {outcome} THEN 1 ELSE 0 END) AS BIGINT) AS {name}")
    })
    .join(", ");
    sql.push(&format!(
        ") SELECT pn.neighbourhood_id AS grp, j.effect AS effect, {counts} \
         FROM judged j JOIN project_neighbourhoods pn ON pn.project_id = j.project_id \
         GROUP BY pn.neighbourhood_id, j.effect \
         UNION ALL SELECT CAST(NULL AS TEXT), j.effect, {counts} FROM judged j GROUP BY j.effect"
    ));
    sql
}

/// The policy issues answered in the period (by `responded_at`), for a district those holding
/// one of its signals, as the issues raised are selected; oldest answer first.
fn policy_changes(
    conn: &mut DbConnection,
    scope: &ReportScope,
) -> Result<Vec<PolicyChangeFigure>, ApiError> {
    let mut changes = policy_issues::table
        .select((
            policy_issues::id,
            policy_issues::title,
            policy_issues::theme_id,
            policy_issues::department_id,
            policy_issues::response_position,
            policy_issues::response_explanation,
            policy_issues::response_decided_on,
            policy_issues::response_follow_up_on,
            policy_issues::responded_at,
        ))
        .filter(policy_issues::response_position.is_not_null())
        .filter(policy_issues::responded_at.is_not_null())
        .into_boxed();
    if let Some(from) = scope.from {
        changes = changes.filter(policy_issues::responded_at.ge(from));
    }
    if let Some(until) = scope.until {
        changes = changes.filter(policy_issues::responded_at.lt(until));
    }
    if let Some(district) = &scope.district_id {
        changes = changes.filter(
            policy_issues::id.eq_any(
                policy_issue_signals::table
                    .inner_join(signals::table.on(signals::id.eq(policy_issue_signals::signal_id)))
                    .filter(signals::district_id.eq(district.clone()))
                    .select(policy_issue_signals::policy_issue_id),
            ),
        );
    }
    Ok(changes
        .order((policy_issues::responded_at, policy_issues::id))
        .load::<PolicyChangeFigure>(conn)?)
}
