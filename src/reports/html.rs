//! The progress report as a printable HTML page for the council: five inline SVG charts, a plain
//! Dutch sentence per effect on the goals' results, and the figures as tables. One self-contained document: no scripts, fonts, images or stylesheets
//! from elsewhere, so it prints and archives as it is.

use std::fmt::Write;

mod council;

use super::dutch::{self, label as dutch_label};
use super::feedback::FeedbackFigures;
use super::{ProgressReport, SignalProgress};
use crate::domain::projects::STATUSES;

/// A colour per project status (in the order of [`STATUSES`]), distinguishable in greyscale print
/// by lightness.
const STATUS_COLOURS: [&str; 10] = [
    "#d9d9d9", "#9ecae1", "#6baed6", "#4292c6", "#74c476", "#e6550d", "#31a354", "#006d2c",
    "#fd8d3c", "#00441b",
];
const CHART_WIDTH: u32 = 820;
const LABEL_WIDTH: u32 = 250;
const BAR_HEIGHT: u32 = 18;
const ROW_HEIGHT: u32 = 26;

pub fn render(report: &ProgressReport) -> String {
    let mut page = String::with_capacity(64 * 1024);
    let scope = match &report.district_id {
        Some(district) => format!("stadsdeel {}", escape(district)),
        None => "heel Den Haag".to_owned(),
    };
    let period = match (report.period.from, report.period.to) {
        (None, None) => "alle jaren".to_owned(),
        (from, to) => format!(
            "{} t/m {}",
            from.map(dutch::date).unwrap_or_else(|| "begin".to_owned()),
            to.map(dutch::date).unwrap_or_else(|| "nu".to_owned())
        ),
    };
    let _ = write!(
        page,
        r#"<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Voortgangsrapportage wijkprogramma — {scope}</title>
<style>
  @page {{ size: A4; margin: 14mm; }}
  body {{ font-family: "Segoe UI", Helvetica, Arial, sans-serif; color: #1a1a1a; margin: 2rem auto; max-width: 64rem; padding: 0 1rem; line-height: 1.4; }}
  h1 {{ font-size: 1.6rem; margin-bottom: 0.2rem; }}
  h2 {{ font-size: 1.2rem; margin-top: 2rem; border-bottom: 2px solid #154273; padding-bottom: 0.2rem; color: #154273; }}
  .meta {{ color: #555; margin-top: 0; }}
  .kpis {{ display: flex; flex-wrap: wrap; gap: 0.8rem; margin: 1rem 0; }}
  .kpi {{ border: 1px solid #c8c8c8; border-radius: 4px; padding: 0.5rem 0.8rem; min-width: 9rem; }}
  .kpi strong {{ display: block; font-size: 1.4rem; }}
  table {{ border-collapse: collapse; width: 100%; font-size: 0.8rem; margin: 0.6rem 0; }}
  td {{ white-space: nowrap; }}
  tr.wrap td {{ white-space: normal; text-align: left; }}
  th, td {{ border-bottom: 1px solid #ddd; padding: 0.2rem 0.3rem; text-align: right; }}
  th:first-child, td:first-child {{ text-align: left; }}
  thead th {{ background: #eef2f7; }}
  tr.total td {{ font-weight: bold; border-top: 2px solid #154273; }}
  svg.chart {{ display: block; max-width: 100%; height: auto; margin: 0.5rem 0; }}
  svg.chart text {{ font-family: inherit; font-size: 12px; fill: #1a1a1a; }}
  .legend {{ font-size: 0.8rem; }}
  .legend span {{ display: inline-block; margin-right: 0.8rem; }}
  .legend i {{ display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.25rem; vertical-align: middle; border: 1px solid #888; }}
  section {{ break-inside: avoid; page-break-inside: avoid; }}
  h3 {{ font-size: 1rem; margin: 1rem 0 0.2rem; }}
  blockquote {{ margin: 0.3rem 0 0.3rem 1rem; font-style: italic; }}
  cite {{ font-style: normal; color: #555; }}
  article {{ break-inside: avoid; page-break-inside: avoid; }}
  @media print {{
    body {{ margin: 0; max-width: none; font-size: 10pt; }}
    h2 {{ break-after: avoid; }}
    .legend i {{ print-color-adjust: exact; -webkit-print-color-adjust: exact; }}
    svg.chart {{ print-color-adjust: exact; -webkit-print-color-adjust: exact; }}
  }}
</style>
</head>
<body>
<h1>Voortgangsrapportage wijkprogramma</h1>
<p class="meta">{scope} · periode: {period} · opgesteld {generated}</p>
"#,
        generated = escape(&format!(
            "{} om {} uur (UTC)",
            dutch::date(report.generated_at.date()),
            report.generated_at.format("%H:%M")
        )),
    );
    key_figures(&mut page, report);
    projects_per_status(&mut page, report);
    effects_coverage(&mut page, report);
    council::results(&mut page, report);
    cofinancing(&mut page, report);
    signals_on_time(&mut page, report);
    figures_table(&mut page, report);
    signal_tables(&mut page, report);
    policy_feedback(&mut page, report);
    advice(&mut page, report);
    council::policy_changes(&mut page, report);
    quarters(&mut page, report);
    lessons(&mut page, report);
    page.push_str(
        "<p class=\"meta\">Bron: wijkregie. Projecten tellen mee per wijk waarin ze lopen; \
         het totaal telt elk project één keer. Budget: toegezegde en ontvangen financiering van \
         goedgekeurde, lopende, afgeronde en geëvalueerde projecten.</p>\n</body>\n</html>\n",
    );
    page
}

fn key_figures(page: &mut String, report: &ProgressReport) {
    let projects = &report.total.projects;
    let signals = &report.total.signals;
    let kpi = |label: &str, value: String| {
        format!(
            "<div class=\"kpi\">{}<strong>{}</strong></div>",
            escape(label),
            escape(&value)
        )
    };
    let _ = writeln!(
        page,
        "<div class=\"kpis\">{}{}{}{}{}{}</div>",
        kpi("Projecten", projects.count.to_string()),
        kpi(
            "Cofinanciering",
            percent(projects.budget.cofinancing_ratio.map(|r| r * 100.0))
        ),
        kpi("Signalen", signals.received.to_string()),
        kpi(
            "Op tijd beantwoord",
            percent(signals.answered_on_time_percentage)
        ),
        kpi("Nu te laat", signals.overdue_now.to_string()),
        kpi(
            "Wachten op antwoord bureau",
            projects.waiting_past_response_due.to_string()
        ),
    );
}

/// Chart 1: a stacked bar per neighbourhood, one segment per status.
fn projects_per_status(page: &mut String, report: &ProgressReport) {
    let rows = &report.neighbourhoods;
    let max = rows
        .iter()
        .map(|n| n.projects.count)
        .max()
        .unwrap_or(0)
        .max(1);
    let height = ROW_HEIGHT * count(rows.len()) + 10;
    let scale = f64::from(CHART_WIDTH - LABEL_WIDTH - 40) / max as f64;
    let _ = writeln!(
        page,
        "<section><h2>Projecten per status per wijk</h2>\n{}",
        svg_open(
            "chart-projects-per-status",
            height,
            "Projecten per status per wijk"
        )
    );
    for (i, n) in rows.iter().enumerate() {
        let y = ROW_HEIGHT * count(i) + 4;
        label(page, y, &n.name);
        let mut x = f64::from(LABEL_WIDTH);
        for (status, colour) in n.projects.by_status.iter().zip(STATUS_COLOURS) {
            if status.count == 0 {
                continue;
            }
            let width = status.count as f64 * scale;
            let _ = writeln!(
                page,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{width:.1}\" height=\"{BAR_HEIGHT}\" fill=\"{colour}\"><title>{}: {} {}</title></rect>",
                escape(&n.name),
                status.count,
                dutch_label(status.status)
            );
            x += width;
        }
        value(page, x + 6.0, y, &n.projects.count.to_string());
    }
    page.push_str("</svg>\n<p class=\"legend\">");
    for (status, colour) in STATUSES.iter().zip(STATUS_COLOURS) {
        let _ = write!(
            page,
            "<span><i style=\"background:{colour}\"></i>{}</span>",
            dutch_label(status)
        );
    }
    page.push_str("</p></section>\n");
}

/// Chart 2: per effect, the delivering projects that score it substantial.
fn effects_coverage(page: &mut String, report: &ProgressReport) {
    let effects = &report.total.projects.effects;
    let max = effects.iter().map(|e| e.projects).max().unwrap_or(0).max(1);
    let height = ROW_HEIGHT * count(effects.len()) + 10;
    let scale = f64::from(CHART_WIDTH - LABEL_WIDTH - 60) / max as f64;
    let _ = writeln!(
        page,
        "<section><h2>Dekking van de zes effecten</h2>\n<p>Goedgekeurde, lopende, afgeronde en \
         geëvalueerde projecten die het effect substantieel scoren.</p>\n{}",
        svg_open(
            "chart-effects-coverage",
            height,
            "Dekking van de zes effecten"
        )
    );
    for (i, effect) in effects.iter().enumerate() {
        let y = ROW_HEIGHT * count(i) + 4;
        label(page, y, dutch_label(effect.effect));
        let width = effect.projects as f64 * scale;
        bar(
            page,
            f64::from(LABEL_WIDTH),
            y,
            width,
            "#154273",
            dutch_label(effect.effect),
        );
        value(
            page,
            f64::from(LABEL_WIDTH) + width + 6.0,
            y,
            &effect.projects.to_string(),
        );
    }
    page.push_str("</svg></section>\n");
}

/// Chart 3: the co-financing ratio per neighbourhood and in total, against the target line.
fn cofinancing(page: &mut String, report: &ProgressReport) {
    let mut rows: Vec<(&str, Option<f64>, Option<bool>)> = report
        .neighbourhoods
        .iter()
        .map(|n| {
            (
                n.name.as_str(),
                n.projects.budget.cofinancing_ratio,
                n.projects.budget.meets_target,
            )
        })
        .collect();
    let total = &report.total.projects.budget;
    rows.push(("Totaal", total.cofinancing_ratio, total.meets_target));
    let height = ROW_HEIGHT * count(rows.len()) + 28;
    let span = f64::from(CHART_WIDTH - LABEL_WIDTH - 80);
    let _ = writeln!(
        page,
        "<section><h2>Cofinanciering tegen het doel van {}</h2>\n<p>Aandeel van de kosten uit \
         andere bronnen dan het programma; groen haalt het doel (40 % of meer).</p>\n{}",
        percent(Some(report.cofinancing_target * 100.0)),
        svg_open(
            "chart-cofinancing",
            height,
            "Cofinanciering per wijk tegen het doel"
        )
    );
    // The figures stand in a column right of the longest possible bar (100 %), so no label
    // ever meets the dashed target line, whatever the ratio.
    let figure_x = f64::from(LABEL_WIDTH) + span + 10.0;
    for (i, (name, ratio, meets)) in rows.iter().enumerate() {
        let y = ROW_HEIGHT * count(i) + 4;
        label(page, y, name);
        match ratio {
            Some(ratio) => {
                let width = ratio.clamp(0.0, 1.0) * span;
                let colour = if meets == &Some(true) {
                    "#31a354"
                } else {
                    "#e6550d"
                };
                bar(page, f64::from(LABEL_WIDTH), y, width, colour, name);
                value(page, figure_x, y, &percent(Some(ratio * 100.0)));
            }
            None => value(page, figure_x, y, "geen"),
        }
    }
    let target_x = f64::from(LABEL_WIDTH) + report.cofinancing_target * span;
    let bottom = height - 16;
    let _ = writeln!(
        page,
        "<line x1=\"{target_x:.1}\" y1=\"0\" x2=\"{target_x:.1}\" y2=\"{bottom}\" stroke=\"#1a1a1a\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\
         <text x=\"{target_x:.1}\" y=\"{}\" text-anchor=\"middle\">doel {}</text>",
        height - 3,
        percent(Some(report.cofinancing_target * 100.0))
    );
    page.push_str("</svg></section>\n");
}

/// Chart 4: per department, the share of its answered signals answered on time.
fn signals_on_time(page: &mut String, report: &ProgressReport) {
    let rows = &report.signals_by_department;
    let height = ROW_HEIGHT * count(rows.len()) + 10;
    let span = f64::from(CHART_WIDTH - LABEL_WIDTH - 150);
    let _ = writeln!(
        page,
        "<section><h2>Signalen op tijd beantwoord per vakdienst</h2>\n{}",
        svg_open(
            "chart-signals-on-time",
            height,
            "Signalen op tijd beantwoord per vakdienst"
        )
    );
    for (i, d) in rows.iter().enumerate() {
        let y = ROW_HEIGHT * count(i) + 4;
        label(page, y, &d.name);
        let s = &d.signals;
        // The track shows 100 %, so a short bar reads as a shortfall.
        let _ = writeln!(
            page,
            "<rect x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{span:.1}\" height=\"{BAR_HEIGHT}\" fill=\"#eeeeee\"/>"
        );
        let width = s.answered_on_time_percentage.unwrap_or(0.0) / 100.0 * span;
        bar(page, f64::from(LABEL_WIDTH), y, width, "#154273", &d.name);
        value(
            page,
            f64::from(LABEL_WIDTH) + span + 6.0,
            y,
            &format!(
                "{} ({} van {})",
                percent(s.answered_on_time_percentage),
                s.answered_on_time,
                s.answered
            ),
        );
    }
    page.push_str("</svg></section>\n");
}

fn figures_table(page: &mut String, report: &ProgressReport) {
    page.push_str(
        "<section><h2>Cijfers per wijk</h2>\n<table><thead><tr><th>Wijk</th><th>Projecten</th>\
         <th>Budget</th><th>Cofinanciering</th><th>Links per project</th>\
         <th>Wachten</th><th>Signalen</th><th>Beantwoord</th><th>Op tijd</th><th>Mediaan dagen</th>\
         <th>Nu te laat</th><th>Overdrachten</th></tr></thead><tbody>\n",
    );
    let rows = report
        .neighbourhoods
        .iter()
        .map(|n| (n.name.as_str(), &n.projects, &n.signals, false))
        .chain(std::iter::once((
            "Totaal",
            &report.total.projects,
            &report.total.signals,
            true,
        )));
    for (name, projects, signals, total) in rows {
        let _ = writeln!(
            page,
            "<tr{}><td>{}</td><td>{}</td><td>€&nbsp;{}</td><td>{}</td><td>{}</td><td>{}</td>{}</tr>",
            if total { " class=\"total\"" } else { "" },
            escape(name),
            projects.count,
            euros(projects.budget.total_cents),
            percent(projects.budget.cofinancing_ratio.map(|r| r * 100.0)),
            decimal(projects.links.links_per_project),
            projects.waiting_past_response_due,
            signal_cells(signals),
        );
    }
    page.push_str("</tbody></table></section>\n");
}

fn signal_tables(page: &mut String, report: &ProgressReport) {
    let head = "<table><thead><tr><th>{}</th><th>Signalen</th><th>Beantwoord</th><th>Op tijd</th>\
                <th>Mediaan dagen</th><th>Nu te laat</th><th>Overdrachten</th></tr></thead><tbody>\n";
    page.push_str("<section><h2>Signalen per thema</h2>\n");
    page.push_str(&head.replace("{}", "Thema"));
    for t in &report.signals_by_theme {
        let _ = writeln!(
            page,
            "<tr><td>{}</td>{}</tr>",
            escape(&t.name),
            signal_cells(&t.signals)
        );
    }
    page.push_str("</tbody></table></section>\n<section><h2>Signalen per vakdienst</h2>\n");
    page.push_str(&head.replace("{}", "Vakdienst"));
    for d in &report.signals_by_department {
        let _ = writeln!(
            page,
            "<tr><td>{}</td>{}</tr>",
            escape(&d.name),
            signal_cells(&d.signals)
        );
    }
    page.push_str("</tbody></table></section>\n");
}

/// The advice the bureau asked of each department, and how it was given.
fn advice(page: &mut String, report: &ProgressReport) {
    page.push_str(
        "<section><h2>Adviesaanvragen per vakdienst</h2>\n<table><thead><tr><th>Vakdienst</th>\
         <th>Gevraagd</th><th>Op tijd gegeven</th><th>Te laat gegeven</th><th>Ingetrokken</th>\
         <th>Open</th><th>Nu te laat</th></tr></thead><tbody>\n",
    );
    for a in report
        .advice_by_department
        .iter()
        .filter(|a| a.requested > 0)
    {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&a.name),
            a.requested,
            a.given_on_time,
            a.given_late,
            a.withdrawn,
            a.open,
            a.overdue_now
        );
    }
    page.push_str("</tbody></table></section>\n");
}

/// Policy feedback per theme and per owning department: signals, issues, responses, positions.
fn policy_feedback(page: &mut String, report: &ProgressReport) {
    let section = &report.policy_feedback;
    let total = &section.total;
    let _ = writeln!(
        page,
        "<section id=\"beleidssignalen\"><h2>Signalen teruggelegd bij het beleid</h2>\n<p>\
         Signalen die zeggen dat beleid niet past bij de wijk: {}. Bundels voorgelegd aan de \
         beleidseigenaar: {}, waarvan beantwoord: {} en antwoord te laat: {}.</p>",
        total.policy_feedback_signals,
        total.issues_raised,
        total.issues_responded,
        total.responses_overdue
    );
    let head = |first: &str| {
        let mut head = format!(
            "<table><thead><tr><th>{first}</th><th>Beleidssignalen</th><th>Voorgelegd</th>\
             <th>Beantwoord</th>"
        );
        for position in &total.positions {
            let _ = write!(head, "<th>{}</th>", escape(dutch_label(position.position)));
        }
        head.push_str("<th>Antwoord te laat</th></tr></thead><tbody>\n");
        head
    };
    page.push_str(&head("Thema"));
    for t in &section.by_theme {
        feedback_row(page, &t.name, &t.feedback, false);
    }
    feedback_row(page, "Totaal", total, true);
    page.push_str("</tbody></table>\n");
    page.push_str(&head("Vakdienst"));
    for d in &section.by_department {
        feedback_row(page, &d.name, &d.feedback, false);
    }
    feedback_row(page, "Totaal", total, true);
    page.push_str("</tbody></table></section>\n");
}

fn feedback_row(page: &mut String, name: &str, f: &FeedbackFigures, total: bool) {
    let positions: String = f
        .positions
        .iter()
        .map(|p| format!("<td>{}</td>", p.count))
        .collect();
    let _ = writeln!(
        page,
        "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{positions}<td>{}</td></tr>",
        if total { " class=\"total\"" } else { "" },
        escape(name),
        f.policy_feedback_signals,
        f.issues_raised,
        f.issues_responded,
        f.responses_overdue
    );
}

/// The development over the period, quarter by quarter.
fn quarters(page: &mut String, report: &ProgressReport) {
    page.push_str(
        "<section id=\"kwartalen\"><h2>Per kwartaal</h2>\n<table><thead><tr><th>Kwartaal</th>\
         <th>Van</th><th>Tot en met</th><th>Nieuwe projecten</th><th>Signalen</th>\
         <th>Beantwoord</th><th>Op tijd</th><th>Beleidssignalen</th><th>Voorgelegd</th>\
         </tr></thead><tbody>\n",
    );
    for q in &report.quarters {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>",
            escape(&dutch::quarter(&q.quarter)),
            escape(&dutch::date(q.from)),
            escape(&dutch::date(q.to)),
            q.projects_created,
            q.signals_received,
            q.signals_answered,
            percent(q.answered_on_time_percentage),
            q.policy_feedback_signals,
            q.policy_issues_raised
        );
    }
    page.push_str("</tbody></table></section>\n");
}

/// What the projects taught, in the words of the people who did the work.
fn lessons(page: &mut String, report: &ProgressReport) {
    page.push_str("<section id=\"lessen\"><h2>Lessen en stemmen uit de wijk</h2>\n");
    if report.lessons.is_empty() {
        page.push_str("<p>In deze periode zijn geen projecten geëvalueerd.</p>\n");
    }
    for lesson in &report.lessons {
        let continuation = lesson
            .continuation
            .as_deref()
            .map(|c| format!(" · {}", escape(dutch_label(c))))
            .unwrap_or_default();
        let _ = writeln!(
            page,
            "<article><h3>{} <small>({}{continuation})</small></h3>\n<p>{}</p>",
            escape(&lesson.title),
            escape(dutch_label(&lesson.status)),
            escape(&lesson.lessons_learned)
        );
        for voice in &lesson.voices {
            let _ = writeln!(
                page,
                "<blockquote>“{}” <cite>— {}</cite></blockquote>",
                escape(&voice.quote),
                escape(dutch_label(&voice.speaker_role))
            );
        }
        page.push_str("</article>\n");
    }
    page.push_str("</section>\n");
}

fn signal_cells(s: &SignalProgress) -> String {
    format!(
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        s.received,
        s.answered,
        percent(s.answered_on_time_percentage),
        decimal(s.median_days_to_answer),
        s.overdue_now,
        s.hand_offs
    )
}

fn svg_open(id: &str, height: u32, title: &str) -> String {
    format!(
        "<svg class=\"chart\" id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" \
         viewBox=\"0 0 {CHART_WIDTH} {height}\" width=\"{CHART_WIDTH}\" height=\"{height}\" \
         aria-labelledby=\"{id}-title\"><title id=\"{id}-title\">{}</title>",
        escape(title)
    )
}

fn label(page: &mut String, y: u32, text: &str) {
    let _ = writeln!(
        page,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
        LABEL_WIDTH - 8,
        y + 13,
        escape(text)
    );
}

fn value(page: &mut String, x: f64, y: u32, text: &str) {
    let _ = writeln!(
        page,
        "<text x=\"{x:.1}\" y=\"{}\">{}</text>",
        y + 13,
        escape(text)
    );
}

fn bar(page: &mut String, x: f64, y: u32, width: f64, colour: &str, title: &str) {
    let _ = writeln!(
        page,
        "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{width:.1}\" height=\"{BAR_HEIGHT}\" fill=\"{colour}\"><title>{}</title></rect>",
        escape(title)
    );
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX / ROW_HEIGHT)
}

/// One decimal with a decimal comma, as Dutch readers expect; a dash for a missing figure.
fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{} %", decimal(Some(v))))
}

fn decimal(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}").replace('.', ","))
}

/// Whole euros with a dot per thousand, as a Dutch council paper writes them.
fn euros(cents: i64) -> String {
    let whole = (cents / 100).to_string();
    let (sign, digits) = whole
        .strip_prefix('-')
        .map_or(("", whole.as_str()), |d| ("-", d));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}")
}

/// Text for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::council::result_sentence;
    use super::{escape, euros, percent};
    use crate::reports::results::EffectResult;

    #[test]
    fn percentages_use_a_decimal_comma() {
        assert_eq!(percent(Some(40.0)), "40,0 %");
        assert_eq!(percent(None), "–");
    }

    #[test]
    fn a_result_is_one_plain_dutch_sentence() {
        let result = EffectResult {
            effect: "social_cohesion",
            goals: 20,
            met: 14,
            progressing: 4,
            not_met: 2,
            not_measured: 0,
        };
        assert_eq!(
            result_sentence(&result),
            "Sociale samenhang: 14 van 20 doelen gehaald, 4 op weg, 2 niet gehaald."
        );
        let measuring = EffectResult {
            effect: "safety",
            goals: 3,
            met: 1,
            not_measured: 2,
            ..EffectResult::default()
        };
        assert_eq!(
            result_sentence(&measuring),
            "Veiligheid: 1 van 3 doelen gehaald, 0 op weg, 0 niet gehaald, 2 nog niet gemeten."
        );
        assert_eq!(
            result_sentence(&EffectResult {
                effect: "employment",
                ..EffectResult::default()
            }),
            "Werk: geen doelen."
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<b>\"Mussen\" & 'co'</b>"),
            "&lt;b&gt;&quot;Mussen&quot; &amp; &#39;co&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn euros_are_grouped_by_thousands() {
        assert_eq!(euros(0), "0");
        assert_eq!(euros(99_999), "999");
        assert_eq!(euros(123_456_789), "1.234.567");
        assert_eq!(euros(-500_000), "-5.000");
    }
}
