//! Dutch words for the codes of the programme, and Dutch dates, for the council's page: the
//! page shows no code a reader would have to look up.

use chrono::NaiveDate;

/// The Dutch label of a code from one of the programme's vocabularies (project statuses, the
/// six effects, policy issue statuses, positions, continuations, speaker roles); the code itself
/// when there is none (a test keeps every vocabulary covered).
pub fn label(code: &str) -> &str {
    match code {
        // Project statuses.
        "draft" => "concept",
        "submitted" => "ingediend",
        "in_dialogue" => "in gesprek",
        "under_assessment" => "in toetsing",
        "approved" => "goedgekeurd",
        "rejected" => "afgewezen",
        "running" => "lopend",
        "completed" => "afgerond",
        "stopped" => "gestopt",
        "evaluated" => "geëvalueerd",
        // The six effects.
        "social_cohesion" => "sociale samenhang",
        "positive_image" => "positief imago",
        "access_to_services" => "toegang tot voorzieningen",
        "safety" => "veiligheid",
        "employment" => "werk",
        "ownership" => "eigenaarschap",
        // Policy issues.
        "raised" => "voorgelegd",
        "responded" => "beantwoord",
        "closed" => "afgesloten",
        "will_adjust" => "beleid wordt aangepast",
        "under_review" => "wordt onderzocht",
        "no_change" => "geen wijziging",
        "already_addressed" => "al opgelost",
        // Continuation after an evaluation.
        "continued_by_partner" => "voortgezet door een partner",
        "continued_by_department" => "voortgezet door een vakdienst",
        "follow_up_project" => "vervolgproject",
        "ended" => "beëindigd",
        // Who speaks in a voice.
        "resident" => "bewoner",
        "volunteer" => "vrijwilliger",
        "partner_staff" => "medewerker partner",
        "professional" => "professional",
        other => other,
    }
}

/// "29 november 2026".
pub fn date(day: NaiveDate) -> String {
    crate::domain::time::dutch_date(day)
}

/// "4e kwartaal 2026" for `2026-Q4`.
pub fn quarter(label: &str) -> String {
    match label.split_once("-Q") {
        Some((year, q)) => format!("{q}e kwartaal {year}"),
        None => label.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{evaluations, policy_issues, projects};

    #[test]
    fn every_code_the_page_can_show_has_a_dutch_label() {
        let vocabularies = [
            projects::STATUSES.as_slice(),
            projects::EFFECTS.as_slice(),
            policy_issues::STATUSES.as_slice(),
            policy_issues::POSITIONS.as_slice(),
            evaluations::CONTINUATIONS.as_slice(),
            evaluations::SPEAKER_ROLES.as_slice(),
        ];
        for code in vocabularies.into_iter().flatten() {
            // "professional" is the same word in Dutch; every other label differs from its code.
            assert!(
                label(code) != *code || *code == "professional",
                "no Dutch label for {code}"
            );
            assert!(!label(code).contains('_'), "{code}");
        }
    }

    #[test]
    fn dates_are_written_out_in_dutch() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default();
        assert_eq!(date(day), "29 november 2026");
        assert_eq!(quarter("2026-Q4"), "4e kwartaal 2026");
    }
}
