//! The progress report as CSV (RFC 4180): a header row, one row per neighbourhood and a total
//! row; CRLF line ends; fields with a comma, quote or line break are quoted, quotes doubled.
//! Money in cents and ratios as in the JSON; an empty field is a figure that does not exist
//! (a ratio without a denominator).

use super::feedback::FeedbackFigures;
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
}

impl Section {
    pub fn parse(value: &str) -> Result<Self, Rejection> {
        match value {
            "neighbourhoods" => Ok(Self::Neighbourhoods),
            "policy_feedback" => Ok(Self::PolicyFeedback),
            "quarters" => Ok(Self::Quarters),
            "lessons" => Ok(Self::Lessons),
            "advice" => Ok(Self::Advice),
            _ => Err(Rejection::new(
                "not_allowed",
                "must be one of neighbourhoods, policy_feedback, quarters, lessons, advice",
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
    }
}

/// One row per department: the advice asked of it in the period and how it was given.
fn advice(report: &ProgressReport) -> String {
    let header = [
        "department_id",
        "name",
        "requested",
        "given_on_time",
        "given_late",
        "withdrawn",
        "open",
        "overdue_now",
    ]
    .map(str::to_owned);
    let mut out = String::new();
    line(&mut out, &header);
    for a in &report.advice_by_department {
        let figures = [
            a.requested,
            a.given_on_time,
            a.given_late,
            a.withdrawn,
            a.open,
            a.overdue_now,
        ];
        let mut row = vec![a.department_id.clone(), a.name.clone()];
        row.extend(figures.iter().map(i64::to_string));
        line(&mut out, &row);
    }
    out
}

/// One row per theme, per department and the total: `dimension` says which.
fn policy_feedback(report: &ProgressReport) -> String {
    let mut header: Vec<String> = [
        "dimension",
        "id",
        "name",
        "policy_feedback_signals",
        "issues_raised",
        "issues_responded",
    ]
    .map(str::to_owned)
    .to_vec();
    header.extend(POSITIONS.iter().map(|p| format!("position_{p}")));
    header.push("responses_overdue".to_owned());
    let mut out = String::new();
    line(&mut out, &header);
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

fn feedback_row(dimension: &str, id: &str, name: &str, f: &FeedbackFigures) -> Vec<String> {
    let mut fields = vec![
        dimension.to_owned(),
        id.to_owned(),
        name.to_owned(),
        f.policy_feedback_signals.to_string(),
        f.issues_raised.to_string(),
        f.issues_responded.to_string(),
    ];
    fields.extend(f.positions.iter().map(|p| p.count.to_string()));
    fields.push(f.responses_overdue.to_string());
    fields
}

fn quarters(report: &ProgressReport) -> String {
    let mut out = String::new();
    let header = [
        "quarter",
        "from",
        "to",
        "projects_created",
        "signals_received",
        "signals_answered",
        "signals_answered_on_time",
        "answered_on_time_percentage",
        "policy_feedback_signals",
        "policy_issues_raised",
    ]
    .map(str::to_owned);
    line(&mut out, &header);
    for q in &report.quarters {
        line(
            &mut out,
            &[
                q.quarter.clone(),
                q.from.to_string(),
                q.to.to_string(),
                q.projects_created.to_string(),
                q.signals_received.to_string(),
                q.signals_answered.to_string(),
                q.signals_answered_on_time.to_string(),
                optional(q.answered_on_time_percentage),
                q.policy_feedback_signals.to_string(),
                q.policy_issues_raised.to_string(),
            ],
        );
    }
    out
}

/// One row per voice; a lesson without voices gets one row with the voice fields empty.
fn lessons(report: &ProgressReport) -> String {
    let mut out = String::new();
    let header = [
        "project_id",
        "title",
        "status",
        "district_id",
        "lessons_learned",
        "continuation",
        "quote",
        "speaker_role",
        "neighbourhood_id",
    ]
    .map(str::to_owned);
    line(&mut out, &header);
    for l in &report.lessons {
        let lesson = [
            l.project_id.clone(),
            l.title.clone(),
            l.status.clone(),
            l.district_id.clone(),
            l.lessons_learned.clone(),
            l.continuation.clone().unwrap_or_default(),
        ];
        if l.voices.is_empty() {
            let mut fields = lesson.to_vec();
            fields.extend([String::new(), String::new(), String::new()]);
            line(&mut out, &fields);
        }
        for v in &l.voices {
            let mut fields = lesson.to_vec();
            fields.extend([
                v.quote.clone(),
                v.speaker_role.clone(),
                v.neighbourhood_id.clone().unwrap_or_default(),
            ]);
            line(&mut out, &fields);
        }
    }
    out
}

fn neighbourhoods(report: &ProgressReport) -> String {
    let mut header: Vec<String> = ["neighbourhood_id", "name", "district_id", "focus_area"]
        .map(str::to_owned)
        .to_vec();
    header.push("projects".to_owned());
    header.extend(STATUSES.iter().map(|s| format!("projects_{s}")));
    header.extend(
        [
            "budget_total_cents",
            "budget_programme_cents",
            "budget_other_cents",
            "cofinancing_ratio",
            "cofinancing_meets_target",
        ]
        .map(str::to_owned),
    );
    header.extend(EFFECTS.iter().map(|e| format!("effect_{e}")));
    header.extend(
        [
            "projects_past_draft",
            "links",
            "links_per_project",
            "unlinked_projects",
            "waiting_past_response_due",
            "signals_received",
            "signals_answered",
            "signals_answered_on_time",
            "signals_answered_on_time_percentage",
            "signals_median_days_to_answer",
            "signals_overdue_now",
            "signals_hand_offs",
        ]
        .map(str::to_owned),
    );
    let mut out = String::new();
    line(&mut out, &header);
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
) -> Vec<String> {
    let mut fields = match neighbourhood {
        Some(n) => vec![
            n.neighbourhood_id.clone(),
            n.name.clone(),
            n.district_id.clone(),
            n.focus_area.to_string(),
        ],
        None => vec![
            "total".to_owned(),
            "Total".to_owned(),
            String::new(),
            String::new(),
        ],
    };
    fields.push(projects.count.to_string());
    fields.extend(projects.by_status.iter().map(|s| s.count.to_string()));
    let budget = &projects.budget;
    fields.extend([
        budget.total_cents.to_string(),
        budget.programme_cents.to_string(),
        budget.other_cents.to_string(),
        optional(budget.cofinancing_ratio),
        budget
            .meets_target
            .map(|m| m.to_string())
            .unwrap_or_default(),
    ]);
    fields.extend(projects.effects.iter().map(|e| e.projects.to_string()));
    fields.extend([
        projects.links.projects.to_string(),
        projects.links.links.to_string(),
        optional(projects.links.links_per_project),
        projects.links.unlinked_projects.to_string(),
        projects.waiting_past_response_due.to_string(),
        signals.received.to_string(),
        signals.answered.to_string(),
        signals.answered_on_time.to_string(),
        optional(signals.answered_on_time_percentage),
        optional(signals.median_days_to_answer),
        signals.overdue_now.to_string(),
        signals.hand_offs.to_string(),
    ]);
    fields
}

fn optional(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn line(out: &mut String, fields: &[String]) {
    let quoted: Vec<String> = fields.iter().map(|f| field(f)).collect();
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
