//! The council's two answers to "what does it deliver?" on the page (DESIGN §18): the goals'
//! results per effect as a chart with a plain Dutch sentence each, and the policy changes the
//! neighbourhood's signals brought about, as a table.

use std::fmt::Write;

use super::super::ProgressReport;
use super::super::dutch::{self, label as dutch_label};
use super::super::results::EffectResult;
use super::{CHART_WIDTH, LABEL_WIDTH, ROW_HEIGHT, bar, count, escape, label, svg_open, value};

/// The results of the goals, one colour each, in the order of the bar's segments.
const RESULT_COLOURS: [(&str, &str); 4] = [
    ("gehaald", "#31a354"),
    ("op weg", "#9ecae1"),
    ("niet gehaald", "#e6550d"),
    ("nog niet gemeten", "#d9d9d9"),
];

/// Chart 5: per effect, the goals of the delivering projects by result, and a sentence each.
pub(super) fn results(page: &mut String, report: &ProgressReport) {
    let effects = &report.results.total;
    let max = effects.iter().map(|e| e.goals).max().unwrap_or(0).max(1);
    let height = ROW_HEIGHT * count(effects.len()) + 10;
    let scale = f64::from(CHART_WIDTH - LABEL_WIDTH - 60) / max as f64;
    let _ = writeln!(
        page,
        "<section id=\"resultaten\"><h2>Resultaten per effect</h2>\n<p>De doelen van \
         goedgekeurde, lopende, afgeronde en geëvalueerde projecten, gemeten van de nulmeting \
         naar het streefdoel (een lager streefdoel betekent: lager is beter).</p>\n{}",
        svg_open("chart-results", height, "Resultaten per effect")
    );
    for (i, effect) in effects.iter().enumerate() {
        let y = ROW_HEIGHT * count(i) + 4;
        let name = dutch_label(effect.effect);
        label(page, y, name);
        let mut x = f64::from(LABEL_WIDTH);
        let parts = [
            effect.met,
            effect.progressing,
            effect.not_met,
            effect.not_measured,
        ];
        for (goals, (result, colour)) in parts.into_iter().zip(RESULT_COLOURS) {
            if goals == 0 {
                continue;
            }
            let width = goals as f64 * scale;
            bar(
                page,
                x,
                y,
                width,
                colour,
                &format!("{name}: {goals} {result}"),
            );
            x += width;
        }
        value(page, x + 6.0, y, &effect.goals.to_string());
    }
    page.push_str("</svg>\n<p class=\"legend\">");
    for (result, colour) in RESULT_COLOURS {
        let _ = write!(
            page,
            "<span><i style=\"background:{colour}\"></i>{result}</span>"
        );
    }
    page.push_str("</p>\n<ul class=\"results\">\n");
    for effect in effects {
        let _ = writeln!(page, "<li>{}</li>", escape(&result_sentence(effect)));
    }
    page.push_str("</ul></section>\n");
}

/// "Sociale samenhang: 14 van 20 doelen gehaald, 4 op weg, 2 niet gehaald."
pub(super) fn result_sentence(effect: &EffectResult) -> String {
    let name = capitalised(dutch_label(effect.effect));
    if effect.goals == 0 {
        return format!("{name}: geen doelen.");
    }
    let goals = if effect.goals == 1 { "doel" } else { "doelen" };
    let mut sentence = format!(
        "{name}: {} van {} {goals} gehaald, {} op weg, {} niet gehaald",
        effect.met, effect.goals, effect.progressing, effect.not_met
    );
    if effect.not_measured > 0 {
        let _ = write!(sentence, ", {} nog niet gemeten", effect.not_measured);
    }
    sentence.push('.');
    sentence
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The policy issues answered in the period, `will_adjust` first.
pub(super) fn policy_changes(page: &mut String, report: &ProgressReport) {
    page.push_str(
        "<section id=\"beleidswijzigingen\"><h2>Wat de signalen uit de wijk veranderden</h2>\n",
    );
    if report.policy_changes.is_empty() {
        page.push_str("<p>In deze periode is op geen beleidsbundel geantwoord.</p></section>\n");
        return;
    }
    page.push_str(
        "<table><thead><tr><th>Beleidsbundel</th><th>Vakdienst</th><th>Standpunt</th>\
         <th>Toelichting</th><th>Besloten op</th><th>Vervolg op</th></tr></thead><tbody>\n",
    );
    let day = |value: &Option<String>| {
        value.as_deref().map_or_else(
            || "–".to_owned(),
            |text| {
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map_or_else(|_| text.to_owned(), dutch::date)
            },
        )
    };
    for change in &report.policy_changes {
        let _ = writeln!(
            page,
            "<tr class=\"wrap\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&change.title),
            escape(&change.department_name),
            escape(dutch_label(&change.position)),
            escape(change.explanation.as_deref().unwrap_or("")),
            escape(&day(&change.decided_on)),
            escape(&day(&change.follow_up_on)),
        );
    }
    page.push_str("</tbody></table></section>\n");
}
