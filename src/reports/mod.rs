//! The progress report for the council (DESIGN §6): the figures per neighbourhood and in total,
//! and the signal figures per theme and per department, assembled from the aggregates that
//! [`crate::db::reports`] computes in the database. Rendered as JSON (these types), CSV
//! ([`csv`]) or a printable HTML page with inline SVG charts ([`html`]).

pub mod cell;
pub mod csv;
mod dutch;
pub mod feedback;
pub mod html;
pub mod results;

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::reference::{DepartmentRow, NeighbourhoodRow, ThemeRow};
use crate::db::reports::{self as figures_repo, Figures};
use crate::domain::advice_requests as advice_rules;
use crate::domain::projects::{COFINANCING_TARGET, EFFECTS, STATUSES, meets_cofinancing_target};
use crate::domain::time;

/// The progress of the programme over a period.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgressReport {
    /// When the report was computed; "overdue now" and "waiting" are as of this moment.
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime, example = "2026-11-27T09:30:00.000000Z")]
    pub generated_at: NaiveDateTime,
    pub period: Period,
    /// The district the report is limited to, or null for the whole city.
    #[schema(example = "escamp")]
    pub district_id: Option<String>,
    /// The programme's co-financing target: the share of cost from other sources than the
    /// programme.
    #[schema(example = 0.4)]
    pub cofinancing_target: f64,
    /// One entry per neighbourhood in scope. A project in two neighbourhoods counts in both.
    pub neighbourhoods: Vec<NeighbourhoodProgress>,
    /// The whole scope, each project once.
    pub total: Progress,
    /// Signal figures per theme (the routing table).
    pub signals_by_theme: Vec<ThemeSignals>,
    /// Signal figures per department the signals are assigned to now.
    pub signals_by_department: Vec<DepartmentSignals>,
    /// Signals fed back to policy and the policy issues raised in the period (DESIGN §13).
    pub policy_feedback: feedback::PolicyFeedback,
    /// The lessons and voices of the evaluations written in the period, newest first (at most
    /// 20).
    pub lessons: Vec<feedback::Lesson>,
    /// Quarter by quarter inside the period; without `from`, the last four quarters up to `to`
    /// (or today).
    pub quarters: Vec<feedback::QuarterProgress>,
    /// The results of the goals per effect, per neighbourhood and in total (DESIGN §18).
    pub results: results::Results,
    /// The policy issues answered in the period, `will_adjust` first, then in the order of
    /// their answers: what the neighbourhoods' signals changed.
    pub policy_changes: Vec<results::PolicyChange>,
    /// The advice the bureau asked of each department in the period (by the day it was asked),
    /// and how it was given (DESIGN §16).
    pub advice_by_department: Vec<DepartmentAdvice>,
}

/// Advice asked of one department: given by the end of the day it was due or later, withdrawn,
/// still open, and open past its deadline now.
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentAdvice {
    #[schema(example = "ocw")]
    pub department_id: String,
    pub name: String,
    pub requested: i64,
    pub given_on_time: i64,
    pub given_late: i64,
    pub withdrawn: i64,
    pub open: i64,
    pub overdue_now: i64,
}

/// The advice figures per department, every department listed.
fn advice_by_department(
    departments: &[crate::db::reference::DepartmentRow],
    rows: &[figures_repo::AdviceFigure],
    now: NaiveDateTime,
) -> Vec<DepartmentAdvice> {
    departments
        .iter()
        .map(|d| {
            let mut advice = DepartmentAdvice {
                department_id: d.id.clone(),
                name: d.name.clone(),
                ..DepartmentAdvice::default()
            };
            for row in rows.iter().filter(|r| r.department_id == d.id) {
                advice.requested += 1;
                match (row.status.as_str(), row.settled_at) {
                    ("given", Some(at)) if advice_rules::given_on_time(at, row.due_at) => {
                        advice.given_on_time += 1
                    }
                    ("given", _) => advice.given_late += 1,
                    ("withdrawn", _) => advice.withdrawn += 1,
                    _ => {
                        advice.open += 1;
                        if advice_rules::is_overdue(&row.status, row.due_at, now) {
                            advice.overdue_now += 1;
                        }
                    }
                }
            }
            advice
        })
        .collect()
}

/// The period of the report: projects created and signals received from `from` to `to`, both
/// days included (UTC). Null means open-ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct Period {
    #[schema(value_type = Option<String>, format = Date, example = "2026-01-01")]
    pub from: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-31")]
    pub to: Option<NaiveDate>,
}

/// The figures of one neighbourhood.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NeighbourhoodProgress {
    #[schema(example = "schilderswijk")]
    pub neighbourhood_id: String,
    #[schema(example = "Schilderswijk")]
    pub name: String,
    #[schema(example = "centrum")]
    pub district_id: String,
    /// An aandachtswijk of the programme.
    pub focus_area: bool,
    pub projects: ProjectProgress,
    pub signals: SignalProgress,
}

/// Project and signal figures of a scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    pub projects: ProjectProgress,
    pub signals: SignalProgress,
}

/// What the projects of a scope deliver.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectProgress {
    /// All projects, whatever their status.
    #[schema(example = 12)]
    pub count: i64,
    /// Every status, in the order of the status machine, with zeros.
    pub by_status: Vec<StatusCount>,
    pub budget: BudgetProgress,
    /// Per effect, the approved, running, completed and evaluated projects whose counting
    /// (latest final programme) assessment scores it substantial (2).
    pub effects: Vec<EffectCount>,
    pub links: LinkProgress,
    /// Submitted projects still waiting for the bureau's answer past their `responseDueAt`.
    #[schema(example = 1)]
    pub waiting_past_response_due: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusCount {
    #[schema(example = "running")]
    pub status: &'static str,
    #[schema(example = 4)]
    pub count: i64,
}

/// Committed and received funding of the approved, running, completed and evaluated projects
/// (requested money is not counted).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BudgetProgress {
    #[schema(example = 12_500_000)]
    pub total_cents: i64,
    #[schema(example = 7_000_000)]
    pub programme_cents: i64,
    #[schema(example = 5_500_000)]
    pub other_cents: i64,
    /// `otherCents / totalCents`, four decimals; null without funding.
    #[schema(example = 0.44)]
    pub cofinancing_ratio: Option<f64>,
    /// Whether the ratio reaches the programme's target (`>=`, judged on the cents); null
    /// without funding.
    pub meets_target: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EffectCount {
    #[schema(example = "social_cohesion")]
    pub effect: &'static str,
    #[schema(example = 3)]
    pub projects: i64,
}

/// How connected the projects past draft are: few links per project means a fragmented
/// programme.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkProgress {
    /// Projects past draft.
    #[schema(example = 10)]
    pub projects: i64,
    /// Their links, each counted for both projects it connects.
    #[schema(example = 8)]
    pub links: i64,
    /// `links / projects`, two decimals; null without projects.
    #[schema(example = 0.8)]
    pub links_per_project: Option<f64>,
    /// Projects past draft without any link.
    #[schema(example = 4)]
    pub unlinked_projects: i64,
}

/// Signals received in the period, and how they were answered.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignalProgress {
    #[schema(example = 120)]
    pub received: i64,
    /// Answered or closed now.
    #[schema(example = 90)]
    pub answered: i64,
    /// Answered at or before `dueAt`.
    #[schema(example = 72)]
    pub answered_on_time: i64,
    /// `answeredOnTime / answered` as a percentage, one decimal; null when none is answered.
    #[schema(example = 80.0)]
    pub answered_on_time_percentage: Option<f64>,
    /// The median of the calendar days (UTC) from receipt to answer: an answer on the day of
    /// receipt is 0 days. Null when none is answered.
    #[schema(example = 9.5)]
    pub median_days_to_answer: Option<f64>,
    /// Not answered or closed, and past `dueAt` now.
    #[schema(example = 6)]
    pub overdue_now: i64,
    /// Hand-offs between departments.
    #[schema(example = 11)]
    pub hand_offs: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThemeSignals {
    #[schema(example = "public_space")]
    pub theme_id: String,
    #[schema(example = "Openbare ruimte")]
    pub name: String,
    /// The department that owns the theme's policy.
    #[schema(example = "dsb")]
    pub department_id: String,
    pub signals: SignalProgress,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentSignals {
    #[schema(example = "dsb")]
    pub department_id: String,
    #[schema(example = "Stadsbeheer")]
    pub name: String,
    pub signals: SignalProgress,
}

/// The reference rows the report labels its figures with.
#[derive(Debug)]
pub struct Labels {
    pub neighbourhoods: Vec<NeighbourhoodRow>,
    pub themes: Vec<ThemeRow>,
    pub departments: Vec<DepartmentRow>,
}

/// What the report was asked for.
#[derive(Debug, Clone)]
pub struct Request {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub district_id: Option<String>,
    pub now: NaiveDateTime,
}

impl Request {
    /// The selection in database terms: from the start of `from` to the start of the day after
    /// `to` (open-ended when that day does not exist).
    pub fn scope(&self) -> figures_repo::ReportScope {
        let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0);
        let quarters = self
            .quarters()
            .into_iter()
            .filter_map(|(from, to)| Some((midnight(from)?, midnight(to.succ_opt()?)?)))
            .collect();
        figures_repo::ReportScope {
            quarters,
            from: self.from.and_then(|d| d.and_hms_opt(0, 0, 0)),
            until: self
                .to
                .and_then(|d| d.succ_opt())
                .and_then(|d| d.and_hms_opt(0, 0, 0)),
            district_id: self.district_id.clone(),
            now: self.now,
        }
    }
}

impl Request {
    /// The quarters the report shows, as calendar days.
    pub fn quarters(&self) -> Vec<(NaiveDate, NaiveDate)> {
        feedback::quarters(self.from, self.to, self.now.date())
    }
}

/// Puts the database's aggregates into the report's shape.
pub fn assemble(request: &Request, labels: Labels, figures: Figures) -> ProgressReport {
    let mut projects = ProjectGroups::default();
    for row in figures.projects {
        let entry = projects.entry(row.grp.clone());
        *entry.statuses.entry(row.status.clone()).or_default() += row.projects;
        entry.waiting += row.waiting;
        entry.total_cents += row.total_cents;
        entry.programme_cents += row.programme_cents;
        for (sum, count) in entry.effects.iter_mut().zip(row.effects()) {
            *sum += count;
        }
        entry.linked_projects += row.past_draft;
        entry.links += row.links;
        entry.unlinked += row.unlinked;
    }
    let mut signals: HashMap<(String, Option<String>), SignalProgress> = HashMap::new();
    let mut feedback_signals: HashMap<(String, Option<String>), i64> = HashMap::new();
    for row in figures.signals {
        feedback_signals.insert(
            (row.dimension.clone(), row.grp.clone()),
            row.policy_feedback,
        );
        signals.insert(
            (row.dimension, row.grp),
            SignalProgress {
                received: row.received,
                answered: row.answered,
                answered_on_time: row.answered_on_time,
                answered_on_time_percentage: ratio(row.answered_on_time * 100, row.answered, 1),
                median_days_to_answer: row.median_days,
                overdue_now: row.overdue_now,
                hand_offs: row.hand_offs,
            },
        );
    }
    let results = results::results(&figures.council.results, &labels.neighbourhoods);
    let policy_changes =
        results::policy_changes(figures.council.policy_changes, &labels.departments);
    let mut signals_of = |dimension: &str, key: Option<&str>| {
        signals
            .remove(&(dimension.to_owned(), key.map(str::to_owned)))
            .unwrap_or_default()
    };
    let neighbourhoods = labels
        .neighbourhoods
        .into_iter()
        .map(|n| NeighbourhoodProgress {
            projects: projects.progress(Some(&n.id)),
            signals: signals_of("neighbourhood", Some(&n.id)),
            neighbourhood_id: n.id,
            name: n.name,
            district_id: n.district_id,
            focus_area: n.focus_area,
        })
        .collect();
    let total = Progress {
        projects: projects.progress(None),
        signals: signals_of("total", None),
    };
    let policy_feedback = feedback::policy_feedback(
        &figures.later.issues,
        &labels.themes,
        &labels.departments,
        request.now,
        |dimension, key| {
            feedback_signals
                .get(&(dimension.to_owned(), key.map(str::to_owned)))
                .copied()
                .unwrap_or(0)
        },
    );
    let quarters = feedback::quarter_progress(&request.quarters(), &figures.later);
    let signals_by_theme = labels
        .themes
        .into_iter()
        .map(|t| ThemeSignals {
            signals: signals_of("theme", Some(&t.id)),
            theme_id: t.id,
            name: t.name,
            department_id: t.department_id,
        })
        .collect();
    let advice_by_department =
        advice_by_department(&labels.departments, &figures.later.advice, request.now);
    let signals_by_department = labels
        .departments
        .into_iter()
        .map(|d| DepartmentSignals {
            signals: signals_of("department", Some(&d.id)),
            department_id: d.id,
            name: d.name,
        })
        .collect();
    ProgressReport {
        generated_at: request.now,
        period: Period {
            from: request.from,
            to: request.to,
        },
        district_id: request.district_id.clone(),
        cofinancing_target: COFINANCING_TARGET,
        neighbourhoods,
        total,
        signals_by_theme,
        signals_by_department,
        policy_feedback,
        lessons: feedback::lessons(figures.later),
        quarters,
        advice_by_department,
        results,
        policy_changes,
    }
}

/// The project aggregates per neighbourhood (`Some`) and in total (`None`).
#[derive(Debug, Default)]
struct ProjectGroups(HashMap<Option<String>, ProjectSums>);

#[derive(Debug, Default)]
struct ProjectSums {
    statuses: HashMap<String, i64>,
    waiting: i64,
    total_cents: i64,
    programme_cents: i64,
    /// In the order of [`EFFECTS`].
    effects: [i64; 6],
    linked_projects: i64,
    links: i64,
    unlinked: i64,
}

impl ProjectGroups {
    fn entry(&mut self, group: Option<String>) -> &mut ProjectSums {
        self.0.entry(group).or_default()
    }

    fn progress(&self, group: Option<&str>) -> ProjectProgress {
        let empty = ProjectSums::default();
        let sums = self.0.get(&group.map(str::to_owned)).unwrap_or(&empty);
        let count_of = |map: &HashMap<String, i64>, key: &str| map.get(key).copied().unwrap_or(0);
        let other_cents = sums.total_cents - sums.programme_cents;
        let cofinancing_ratio = ratio(other_cents, sums.total_cents, 4);
        ProjectProgress {
            count: sums.statuses.values().sum(),
            by_status: STATUSES
                .iter()
                .map(|status| StatusCount {
                    status,
                    count: count_of(&sums.statuses, status),
                })
                .collect(),
            budget: BudgetProgress {
                total_cents: sums.total_cents,
                programme_cents: sums.programme_cents,
                other_cents,
                cofinancing_ratio,
                meets_target: (sums.total_cents > 0)
                    .then(|| meets_cofinancing_target(other_cents, sums.total_cents)),
            },
            effects: EFFECTS
                .iter()
                .zip(sums.effects)
                .map(|(effect, projects)| EffectCount { effect, projects })
                .collect(),
            links: LinkProgress {
                projects: sums.linked_projects,
                links: sums.links,
                links_per_project: ratio(sums.links, sums.linked_projects, 2),
                unlinked_projects: sums.unlinked,
            },
            waiting_past_response_due: sums.waiting,
        }
    }
}

/// `part / whole` rounded to `decimals`, or None when `whole` is zero.
pub(crate) fn ratio(part: i64, whole: i64, decimals: i32) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    let scale = 10f64.powi(decimals);
    // Figures stay far below 2^53, so the conversion to f64 is exact.
    Some((part as f64 / whole as f64 * scale).round() / scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_round_and_tolerate_zero() {
        assert_eq!(ratio(1, 3, 2), Some(0.33));
        assert_eq!(ratio(2, 3, 4), Some(0.6667));
        assert_eq!(ratio(200, 3, 1), Some(66.7));
        assert_eq!(ratio(5, 0, 2), None);
    }
}
