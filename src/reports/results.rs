//! What the programme achieved, for the council (DESIGN §18): the results of the goals per
//! effect, per neighbourhood and in total, and the policy that changed because of the
//! neighbourhoods' signals. Put into shape from [`crate::db::reports::CouncilFigures`].

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::reference::{DepartmentRow, NeighbourhoodRow};
use crate::db::reports::{GoalFigures, PolicyChangeFigure};
use crate::domain::projects::EFFECTS;

/// The goals' results per effect, per neighbourhood and in total.
#[derive(Debug, Serialize, ToSchema)]
pub struct Results {
    /// One entry per neighbourhood in scope. A project in two neighbourhoods counts its goals
    /// in both.
    pub neighbourhoods: Vec<NeighbourhoodResults>,
    /// The whole scope, each goal once; every effect, with zeros.
    pub total: Vec<EffectResult>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NeighbourhoodResults {
    #[schema(example = "schilderswijk")]
    pub neighbourhood_id: String,
    #[schema(example = "Schilderswijk")]
    pub name: String,
    /// Every effect, with zeros.
    pub effects: Vec<EffectResult>,
}

/// The goals of the approved, running, completed and evaluated projects that claim an effect,
/// judged in the direction from baseline to target (a target below the baseline means lower
/// is better).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EffectResult {
    #[schema(example = "social_cohesion")]
    pub effect: &'static str,
    /// All these goals: `met + progressing + notMet + notMeasured`.
    #[schema(example = 20)]
    pub goals: i64,
    /// The actual value reached the target.
    #[schema(example = 14)]
    pub met: i64,
    /// The actual value moved from the baseline towards the target, short of it.
    #[schema(example = 4)]
    pub progressing: i64,
    /// The actual value stayed at the baseline or moved the wrong way.
    #[schema(example = 2)]
    pub not_met: i64,
    /// No actual value yet.
    #[schema(example = 0)]
    pub not_measured: i64,
}

/// A policy issue its owner answered in the period: what the neighbourhoods' signals changed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyChange {
    pub policy_issue_id: String,
    #[schema(example = "Speelplekken sluiten om 20.00 uur")]
    pub title: String,
    #[schema(example = "public_space")]
    pub theme_id: String,
    /// The department that owns the policy.
    #[schema(example = "dsb")]
    pub department_id: String,
    #[schema(example = "Stadsbeheer")]
    pub department_name: String,
    #[schema(example = "will_adjust")]
    pub position: String,
    pub explanation: Option<String>,
    #[schema(value_type = Option<String>, format = Date, example = "2026-10-15")]
    pub decided_on: Option<String>,
    #[schema(value_type = Option<String>, format = Date, example = "2027-03-01")]
    pub follow_up_on: Option<String>,
}

/// The results per neighbourhood of `neighbourhoods` and in total, every effect with zeros.
pub fn results(rows: &[GoalFigures], neighbourhoods: &[NeighbourhoodRow]) -> Results {
    let mut by_group: HashMap<(Option<&str>, &str), &GoalFigures> = HashMap::new();
    for row in rows {
        by_group.insert((row.grp.as_deref(), row.effect.as_str()), row);
    }
    let effects_of = |group: Option<&str>| -> Vec<EffectResult> {
        EFFECTS
            .iter()
            .map(|effect| {
                let mut result = EffectResult {
                    effect,
                    ..EffectResult::default()
                };
                if let Some(r) = by_group.get(&(group, *effect)) {
                    result.met = r.met;
                    result.progressing = r.progressing;
                    result.not_met = r.not_met;
                    result.not_measured = r.not_measured;
                    result.goals = r.met + r.progressing + r.not_met + r.not_measured;
                }
                result
            })
            .collect()
    };
    Results {
        neighbourhoods: neighbourhoods
            .iter()
            .map(|n| NeighbourhoodResults {
                neighbourhood_id: n.id.clone(),
                name: n.name.clone(),
                effects: effects_of(Some(&n.id)),
            })
            .collect(),
        total: effects_of(None),
    }
}

/// The policy changes, `will_adjust` first, then in the order of their answers.
pub fn policy_changes(
    rows: Vec<PolicyChangeFigure>,
    departments: &[DepartmentRow],
) -> Vec<PolicyChange> {
    let mut changes: Vec<PolicyChange> = rows
        .into_iter()
        .map(|row| PolicyChange {
            department_name: departments
                .iter()
                .find(|d| d.id == row.department_id)
                .map_or_else(|| row.department_id.clone(), |d| d.name.clone()),
            policy_issue_id: row.id,
            title: row.title,
            theme_id: row.theme_id,
            department_id: row.department_id,
            position: row.position.unwrap_or_default(),
            explanation: row.explanation,
            decided_on: row.decided_on,
            follow_up_on: row.follow_up_on,
        })
        .collect();
    // Stable: within each part the order of the answers stays.
    changes.sort_by_key(|c| c.position != "will_adjust");
    changes
}
