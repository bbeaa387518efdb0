//! The report's sections on policy feedback, learning and the quarters (DESIGN §13), put into
//! shape from [`crate::db::reports::LaterFigures`].

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::ratio;
use crate::db::reference::{DepartmentRow, ThemeRow};
use crate::db::reports::{IssueFigure, LaterFigures, QuarterFigures};
use crate::domain::policy_issues::{POSITIONS, is_overdue};

/// Policy feedback per theme, per owning department and in total.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyFeedback {
    pub by_theme: Vec<ThemeFeedback>,
    pub by_department: Vec<DepartmentFeedback>,
    pub total: FeedbackFigures,
}

/// Signals that say policy does not fit (received in the period) and the policy issues raised
/// in the period, with their responses.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackFigures {
    /// Signals received in the period with `policyFeedback`.
    #[schema(example = 14)]
    pub policy_feedback_signals: i64,
    /// Policy issues raised in the period.
    #[schema(example = 3)]
    pub issues_raised: i64,
    /// Of those, the ones the owner responded to.
    #[schema(example = 2)]
    pub issues_responded: i64,
    /// The responses per position, every position with zeros.
    pub positions: Vec<PositionCount>,
    /// Of those raised, the ones past their response deadline now without a response.
    #[schema(example = 1)]
    pub responses_overdue: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PositionCount {
    #[schema(example = "will_adjust")]
    pub position: &'static str,
    #[schema(example = 1)]
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThemeFeedback {
    #[schema(example = "employment")]
    pub theme_id: String,
    #[schema(example = "Werk")]
    pub name: String,
    pub department_id: String,
    pub feedback: FeedbackFigures,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DepartmentFeedback {
    #[schema(example = "szw")]
    pub department_id: String,
    #[schema(example = "Sociale Zaken en Werkgelegenheid")]
    pub name: String,
    pub feedback: FeedbackFigures,
}

/// What a project taught, from an evaluation written in the period.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Lesson {
    pub project_id: String,
    pub title: String,
    #[schema(example = "evaluated")]
    pub status: String,
    pub district_id: String,
    pub lessons_learned: String,
    #[schema(example = "continued_by_partner")]
    pub continuation: Option<String>,
    pub voices: Vec<Voice>,
}

/// A quote of someone who did the work, given with consent; never a name.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Voice {
    pub quote: String,
    #[schema(example = "volunteer")]
    pub speaker_role: String,
    pub neighbourhood_id: Option<String>,
}

/// The figures of one quarter inside the period (clipped to the period at its ends).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuarterProgress {
    #[schema(example = "2026-Q4")]
    pub quarter: String,
    #[schema(value_type = String, format = Date, example = "2026-10-01")]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date, example = "2026-12-31")]
    pub to: NaiveDate,
    pub projects_created: i64,
    pub signals_received: i64,
    /// Of those received in the quarter, answered or closed now.
    pub signals_answered: i64,
    pub signals_answered_on_time: i64,
    /// `signalsAnsweredOnTime / signalsAnswered` as a percentage, one decimal.
    pub answered_on_time_percentage: Option<f64>,
    pub policy_feedback_signals: i64,
    pub policy_issues_raised: i64,
}

/// The most quarters a report shows (ten years).
const MAX_QUARTERS: usize = 40;

/// The quarters inside `[from, to]`, clipped to it, first to last (at most the last
/// [`MAX_QUARTERS`]). An open start means the four quarters up to the end; an open end, today.
pub fn quarters(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<(NaiveDate, NaiveDate)> {
    let end = to.unwrap_or(today);
    let start = from.unwrap_or_else(|| {
        quarter_start(end)
            .checked_sub_months(Months::new(9))
            .unwrap_or(end)
    });
    let mut out = Vec::new();
    let mut at = quarter_start(start);
    while at <= end {
        let Some(next) = at.checked_add_months(Months::new(3)) else {
            break;
        };
        let last = next.pred_opt().unwrap_or(next);
        out.push((at.max(start), last.min(end)));
        at = next;
    }
    let skip = out.len().saturating_sub(MAX_QUARTERS);
    out.split_off(skip)
}

fn quarter_start(day: NaiveDate) -> NaiveDate {
    let month = (day.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
}

/// `2026-Q4` for a day in that quarter.
fn quarter_label(day: NaiveDate) -> String {
    format!("{}-Q{}", day.year(), day.month0() / 3 + 1)
}

/// Sums the issues that `keep` selects.
fn figures_of(
    issues: &[IssueFigure],
    feedback_signals: i64,
    now: NaiveDateTime,
    keep: impl Fn(&IssueFigure) -> bool,
) -> FeedbackFigures {
    let kept: Vec<&IssueFigure> = issues.iter().filter(|i| keep(i)).collect();
    let count = |f: &dyn Fn(&IssueFigure) -> bool| {
        i64::try_from(kept.iter().filter(|i| f(i)).count()).unwrap_or(i64::MAX)
    };
    FeedbackFigures {
        policy_feedback_signals: feedback_signals,
        issues_raised: count(&|_| true),
        issues_responded: count(&|i| i.position.is_some()),
        positions: POSITIONS
            .iter()
            .map(|position| PositionCount {
                position,
                count: count(&|i| i.position.as_deref() == Some(*position)),
            })
            .collect(),
        responses_overdue: count(&|i| is_overdue(&i.status, i.response_due_at, now)),
    }
}

/// The policy feedback section; `feedback_signals(dimension, key)` gives the policy-feedback
/// signals of a theme, a department or (`total`, `None`) the whole scope.
pub fn policy_feedback(
    issues: &[IssueFigure],
    themes: &[ThemeRow],
    departments: &[DepartmentRow],
    now: NaiveDateTime,
    mut feedback_signals: impl FnMut(&str, Option<&str>) -> i64,
) -> PolicyFeedback {
    PolicyFeedback {
        by_theme: themes
            .iter()
            .map(|t| ThemeFeedback {
                feedback: figures_of(issues, feedback_signals("theme", Some(&t.id)), now, |i| {
                    i.theme_id == t.id
                }),
                theme_id: t.id.clone(),
                name: t.name.clone(),
                department_id: t.department_id.clone(),
            })
            .collect(),
        by_department: departments
            .iter()
            .map(|d| DepartmentFeedback {
                feedback: figures_of(
                    issues,
                    feedback_signals("department", Some(&d.id)),
                    now,
                    |i| i.department_id == d.id,
                ),
                department_id: d.id.clone(),
                name: d.name.clone(),
            })
            .collect(),
        total: figures_of(issues, feedback_signals("total", None), now, |_| true),
    }
}

/// The quarters' figures, one entry per quarter of `quarters`, zeros included.
pub fn quarter_progress(
    quarters: &[(NaiveDate, NaiveDate)],
    later: &LaterFigures,
) -> Vec<QuarterProgress> {
    let of = |rows: &[QuarterFigures], i: usize| {
        rows.iter()
            .find(|r| usize::try_from(r.quarter).ok() == Some(i))
            .map_or((0, 0, 0, 0), |r| {
                (r.count, r.answered, r.answered_on_time, r.policy_feedback)
            })
    };
    quarters
        .iter()
        .enumerate()
        .map(|(i, (from, to))| {
            let (projects_created, ..) = of(&later.quarter_projects, i);
            let (received, answered, on_time, feedback) = of(&later.quarter_signals, i);
            let raised = later
                .issues
                .iter()
                .filter(|issue| {
                    issue
                        .raised_at
                        .is_some_and(|at| at.date() >= *from && at.date() <= *to)
                })
                .count();
            QuarterProgress {
                quarter: quarter_label(*from),
                from: *from,
                to: *to,
                projects_created,
                signals_received: received,
                signals_answered: answered,
                signals_answered_on_time: on_time,
                answered_on_time_percentage: ratio(on_time * 100, answered, 1),
                policy_feedback_signals: feedback,
                policy_issues_raised: i64::try_from(raised).unwrap_or(i64::MAX),
            }
        })
        .collect()
}

/// The lessons of the period.
pub fn lessons(later: LaterFigures) -> Vec<Lesson> {
    later
        .lessons
        .into_iter()
        .map(|l| Lesson {
            project_id: l.project_id,
            title: l.title,
            status: l.status,
            district_id: l.district_id,
            lessons_learned: l.lessons_learned,
            continuation: l.continuation,
            voices: l
                .voices
                .into_iter()
                .map(|v| Voice {
                    quote: v.quote,
                    speaker_role: v.speaker_role,
                    neighbourhood_id: v.neighbourhood_id,
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_period_splits_into_its_quarters_clipped_at_both_ends() {
        assert_eq!(
            quarters(
                Some(day(2026, 2, 15)),
                Some(day(2026, 7, 10)),
                day(2026, 12, 3)
            ),
            vec![
                (day(2026, 2, 15), day(2026, 3, 31)),
                (day(2026, 4, 1), day(2026, 6, 30)),
                (day(2026, 7, 1), day(2026, 7, 10)),
            ]
        );
        let open = quarters(None, None, day(2026, 12, 3));
        assert_eq!(open.len(), 4);
        assert_eq!(open[0], (day(2026, 1, 1), day(2026, 3, 31)));
        assert_eq!(open[3], (day(2026, 10, 1), day(2026, 12, 3)));
        assert_eq!(quarter_label(day(2026, 12, 3)), "2026-Q4");
        assert_eq!(
            quarters(
                Some(day(2000, 1, 1)),
                Some(day(2026, 12, 31)),
                day(2026, 12, 3)
            )
            .len(),
            MAX_QUARTERS
        );
    }
}
