//! The progress report as CSV (RFC 4180): a header row, one row per neighbourhood and a total
//! row; CRLF line ends; fields with a comma, quote or line break are quoted, quotes doubled.
//! Money in cents and ratios as in the JSON; an empty field is a figure that does not exist
//! (a ratio without a denominator).

use super::{NeighbourhoodProgress, ProgressReport, ProjectProgress, SignalProgress};
use crate::domain::projects::{EFFECTS, STATUSES};

pub fn render(report: &ProgressReport) -> String {
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
