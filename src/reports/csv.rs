//! The progress report as CSV (RFC 4180): a header row, one row per neighbourhood and a total
//! row; CRLF line ends; fields with a comma, quote or line break are quoted, quotes doubled.
//! Money in cents, ratios rounded to four decimals ([`Cell::ratio`]); an empty field is a
//! figure that does not exist (a ratio without a denominator). Figures are written as numbers,
//! text (names, titles, lessons, quotes) neutralised against formulas ([`Cell`]).
//!
//! Columns are named as in every CSV the service writes: by the JSON member, a nested member
//! by its path (`projects.budget.cofinancingRatio`), an entry of a list keyed by its code by
//! that code (`projects.byStatus.running`, `projects.effects.safety`).

use super::cell::Cell;
use super::feedback::FeedbackFigures;
use super::results::EffectResult;
use super::{NeighbourhoodProgress, ProgressReport, ProjectProgress, SignalProgress};
use crate::domain::Rejection;
use crate::domain::policy_issues::POSITIONS;
use crate::domain::projects::{EFFECTS, STATUSES};

/// Which of the report's tables the CSV holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Neighbourhoods,
    PolicyFeedback,
    Quarters,
    Lessons,
    Advice,
    Results,
    PolicyChanges,
}

impl Section {
    pub fn parse(value: &str) -> Result<Self, Rejection> {
        match value {
            "neighbourhoods" => Ok(Self::Neighbourhoods),
            "policy_feedback" => Ok(Self::PolicyFeedback),
            "quarters" => Ok(Self::Quarters),
            "lessons" => Ok(Self::Lessons),
            "advice" => Ok(Self::Advice),
            "results" => Ok(Self::Results),
            "policy_changes" => Ok(Self::PolicyChanges),
            _ => Err(Rejection::new(
                "not_allowed",
                "must be one of neighbourhoods, policy_feedback, quarters, lessons, advice, results, \
                 policy_changes",
            )),
        }
    }
}

pub fn render(report: &ProgressReport, section: Section) -> String {
    match section {
        Section::Neighbourhoods => neighbourhoods(report),
        Section::PolicyFeedback => policy_feedback(report),
        Section::Quarters => quarters(report),
        Section::Lessons => lessons(report),
        Section::Advice => advice(report),
        Section::Results => results(report),
        Section::PolicyChanges => policy_changes(report),
    }
}

/// One row per department: the advice asked of it in the period and how it was given.
fn advice(report: &ProgressReport) -> String {
    let header = [
        "departmentId",
        "name",
        "requested",
        "givenOnTime",
        "givenLate",
        "withdrawn",
        "open",
        "overdueNow",
    ]
    .map(str::to_owned);
    let mut out = String::new();
    header_line(&mut out, &header);
    for a in &report.advice_by_department {
        let figures = [
            a.requested,
            a.given_on_time,
            a.given_late,
            a.withdrawn,
            a.open,
            a.overdue_now,
        ];
        let mut row: Vec<Cell> = vec![a.department_id.as_str().into(), a.name.as_str().into()];
        row.extend(figures.into_iter().map(Cell::figure));
        line(&mut out, &row);
    }
    out
}

/// One row per neighbourhood and effect, then per effect the total (`neighbourhoodId`
/// `total`).
fn results(report: &ProgressReport) -> String {
    let mut out = String::new();
    let header = [
        "neighbourhoodId",
        "name",
        "effect",
        "goals",
        "met",
        "progressing",
        "notMet",
        "notMeasured",
    ]
    .map(str::to_owned);
    header_line(&mut out, &header);
    let rows = report
        .results
        .neighbourhoods
        .iter()
        .flat_map(|n| {
            n.effects
                .iter()
                .map(|e| (n.neighbourhood_id.as_str(), n.name.as_str(), e))
        })
        .chain(report.results.total.iter().map(|e| ("total", "Total", e)));
    for (id, name, e) in rows {
        line(&mut out, &result_row(id, name, e));
    }
    out
}

fn result_row(id: &str, name: &str, e: &EffectResult) -> Vec<Cell> {
    vec![
        id.into(),
        name.into(),
        e.effect.into(),
        Cell::figure(e.goals),
        Cell::figure(e.met),
        Cell::figure(e.progressing),
        Cell::figure(e.not_met),
        Cell::figure(e.not_measured),
    ]
}

/// One row per policy issue answered in the period, `will_adjust` first.
fn policy_changes(report: &ProgressReport) -> String {
    let mut out = String::new();
    let header = [
        "policyIssueId",
        "title",
        "themeId",
        "departmentId",
        "departmentName",
        "position",
        "explanation",
        "decidedOn",
        "followUpOn",
    ]
    .map(str::to_owned);
    header_line(&mut out, &header);
    for c in &report.policy_changes {
        line(
            &mut out,
            &[
                c.policy_issue_id.as_str().into(),
                c.title.as_str().into(),
                c.theme_id.as_str().into(),
                c.department_id.as_str().into(),
                c.department_name.as_str().into(),
                c.position.as_str().into(),
                c.explanation.clone().unwrap_or_default().into(),
                c.decided_on.clone().unwrap_or_default().into(),
                c.follow_up_on.clone().unwrap_or_default().into(),
            ],
        );
    }
    out
}

/// One row per theme, per department and the total: `dimension` says which.
fn policy_feedback(report: &ProgressReport) -> String {
    let mut header: Vec<String> = [
        "dimension",
        "id",
        "name",
        "feedback.policyFeedbackSignals",
        "feedback.issuesRaised",
        "feedback.issuesResponded",
    ]
    .map(str::to_owned)
    .to_vec();
    header.extend(POSITIONS.iter().map(|p| format!("feedback.positions.{p}")));
    header.push("feedback.responsesOverdue".to_owned());
    let mut out = String::new();
    header_line(&mut out, &header);
    let section = &report.policy_feedback;
    let rows = section
        .by_theme
        .iter()
        .map(|t| ("theme", t.theme_id.as_str(), t.name.as_str(), &t.feedback))
        .chain(section.by_department.iter().map(|d| {
            (
                "department",
                d.department_id.as_str(),
                d.name.as_str(),
                &d.feedback,
            )
        }))
        .chain(std::iter::once(("total", "total", "Total", &section.total)));
    for (dimension, id, name, f) in rows {
        line(&mut out, &feedback_row(dimension, id, name, f));
    }
    out
}

fn feedback_row(dimension: &str, id: &str, name: &str, f: &FeedbackFigures) -> Vec<Cell> {
    let mut fields = vec![
        dimension.into(),
        id.into(),
        name.into(),
        Cell::figure(f.policy_feedback_signals),
        Cell::figure(f.issues_raised),
        Cell::figure(f.issues_responded),
    ];
    fields.extend(f.positions.iter().map(|p| Cell::figure(p.count)));
    fields.push(Cell::figure(f.responses_overdue));
    fields
}

fn quarters(report: &ProgressReport) -> String {
    let mut out = String::new();
    let header = [
        "quarter",
        "from",
        "to",
        "projectsCreated",
        "signalsReceived",
        "signalsAnswered",
        "signalsAnsweredOnTime",
        "answeredOnTimePercentage",
        "policyFeedbackSignals",
        "policyIssuesRaised",
    ]
    .map(str::to_owned);
    header_line(&mut out, &header);
    for q in &report.quarters {
        line(
            &mut out,
            &[
                q.quarter.as_str().into(),
                q.from.to_string().into(),
                q.to.to_string().into(),
                Cell::figure(q.projects_created),
                Cell::figure(q.signals_received),
                Cell::figure(q.signals_answered),
                Cell::figure(q.signals_answered_on_time),
                Cell::optional_figure(q.answered_on_time_percentage),
                Cell::figure(q.policy_feedback_signals),
                Cell::figure(q.policy_issues_raised),
            ],
        );
    }
    out
}

/// One row per voice; a lesson without voices gets one row with the voice fields empty.
fn lessons(report: &ProgressReport) -> String {
    let mut out = String::new();
    let header = [
        "projectId",
        "title",
        "status",
        "districtId",
        "lessonsLearned",
        "continuation",
        "voices.quote",
        "voices.speakerRole",
        "voices.neighbourhoodId",
    ]
    .map(str::to_owned);
    header_line(&mut out, &header);
    for l in &report.lessons {
        let lesson: [Cell; 6] = [
            l.project_id.as_str().into(),
            l.title.as_str().into(),
            l.status.as_str().into(),
            l.district_id.as_str().into(),
            l.lessons_learned.as_str().into(),
            l.continuation.clone().unwrap_or_default().into(),
        ];
        if l.voices.is_empty() {
            let mut fields = lesson.to_vec();
            fields.extend(["".into(), "".into(), "".into()]);
            line(&mut out, &fields);
        }
        for v in &l.voices {
            let mut fields = lesson.to_vec();
            fields.extend([
                v.quote.as_str().into(),
                v.speaker_role.as_str().into(),
                v.neighbourhood_id.clone().unwrap_or_default().into(),
            ]);
            line(&mut out, &fields);
        }
    }
    out
}

fn neighbourhoods(report: &ProgressReport) -> String {
    let mut header: Vec<String> = [
        "neighbourhoodId",
        "name",
        "districtId",
        "focusArea",
        "projects.count",
    ]
    .map(str::to_owned)
    .to_vec();
    header.extend(STATUSES.iter().map(|s| format!("projects.byStatus.{s}")));
    header.extend(
        [
            "totalCents",
            "programmeCents",
            "otherCents",
            "cofinancingRatio",
            "meetsTarget",
        ]
        .map(|m| format!("projects.budget.{m}")),
    );
    header.extend(EFFECTS.iter().map(|e| format!("projects.effects.{e}")));
    header.extend(
        [
            "links.projects",
            "links.links",
            "links.linksPerProject",
            "links.unlinkedProjects",
            "waitingPastResponseDue",
        ]
        .map(|m| format!("projects.{m}")),
    );
    header.extend(
        [
            "received",
            "answered",
            "answeredOnTime",
            "answeredOnTimePercentage",
            "medianDaysToAnswer",
            "overdueNow",
            "handOffs",
        ]
        .map(|m| format!("signals.{m}")),
    );
    let mut out = String::new();
    header_line(&mut out, &header);
    for n in &report.neighbourhoods {
        line(&mut out, &row(Some(n), &n.projects, &n.signals));
    }
    line(
        &mut out,
        &row(None, &report.total.projects, &report.total.signals),
    );
    out
}

fn row(
    neighbourhood: Option<&NeighbourhoodProgress>,
    projects: &ProjectProgress,
    signals: &SignalProgress,
) -> Vec<Cell> {
    let mut fields: Vec<Cell> = match neighbourhood {
        Some(n) => vec![
            n.neighbourhood_id.as_str().into(),
            n.name.as_str().into(),
            n.district_id.as_str().into(),
            n.focus_area.to_string().into(),
        ],
        None => vec!["total".into(), "Total".into(), "".into(), "".into()],
    };
    fields.push(Cell::figure(projects.count));
    fields.extend(projects.by_status.iter().map(|s| Cell::figure(s.count)));
    let budget = &projects.budget;
    fields.extend([
        Cell::figure(budget.total_cents),
        Cell::figure(budget.programme_cents),
        Cell::figure(budget.other_cents),
        Cell::ratio(budget.cofinancing_ratio),
        budget
            .meets_target
            .map(|m| m.to_string())
            .unwrap_or_default()
            .into(),
    ]);
    fields.extend(projects.effects.iter().map(|e| Cell::figure(e.projects)));
    fields.extend([
        Cell::figure(projects.links.projects),
        Cell::figure(projects.links.links),
        Cell::ratio(projects.links.links_per_project),
        Cell::figure(projects.links.unlinked_projects),
        Cell::figure(projects.waiting_past_response_due),
        Cell::figure(signals.received),
        Cell::figure(signals.answered),
        Cell::figure(signals.answered_on_time),
        Cell::optional_figure(signals.answered_on_time_percentage),
        Cell::optional_figure(signals.median_days_to_answer),
        Cell::figure(signals.overdue_now),
        Cell::figure(signals.hand_offs),
    ]);
    fields
}

/// The header row: column names, text like any other.
fn header_line(out: &mut String, names: &[String]) {
    let cells: Vec<Cell> = names.iter().map(|name| name.as_str().into()).collect();
    line(out, &cells);
}

fn line(out: &mut String, fields: &[Cell]) {
    let quoted: Vec<String> = fields.iter().map(|f| field(&f.written())).collect();
    out.push_str(&quoted.join(","));
    out.push_str("\r\n");
}

/// One RFC 4180 field.
fn field(value: &str) -> String {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("Moerwijk"), "Moerwijk");
        assert_eq!(field("Laak, Noord"), "\"Laak, Noord\"");
        assert_eq!(field("De \"Mussen\""), "\"De \"\"Mussen\"\"\"");
        assert_eq!(field("twee\nregels"), "\"twee\nregels\"");
    }
}
