//! Assessments (toetsing): a project scored 0–2 on each of the six effects and on
//! sustainability. Eligible: at least three substantial effects (score 2) and a sustainability
//! score of at least 1. Only the latest final programme assessment counts for approval.

use super::Rejection;
use super::partners::one_of;
use super::projects::EFFECTS;

pub const KINDS: [&str; 2] = ["programme", "advisory"];
pub const ADVICES: [&str; 3] = ["positive", "conditional", "negative"];
/// Substantial effects a project needs.
pub const REQUIRED_SUBSTANTIAL: usize = 3;

pub fn kind(value: &str) -> Result<String, Rejection> {
    one_of(value, &KINDS)
}

pub fn advice(value: &str) -> Result<String, Rejection> {
    one_of(value, &ADVICES)
}

pub fn score(value: i64) -> Result<i32, Rejection> {
    match value {
        0..=2 => Ok(i32::try_from(value).unwrap_or_default()),
        _ => Err(Rejection::new(
            "out_of_range",
            "must be 0 (none), 1 (limited) or 2 (substantial)",
        )),
    }
}

/// One scored effect.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EffectScore {
    pub effect: String,
    pub score: i32,
    pub motivation: String,
}

/// Checks that every one of the six effects is scored exactly once.
pub fn complete_effects(scores: &[EffectScore]) -> Result<(), Rejection> {
    let missing: Vec<&str> = EFFECTS
        .iter()
        .copied()
        .filter(|e| !scores.iter().any(|s| s.effect == *e))
        .collect();
    let twice = scores
        .iter()
        .enumerate()
        .find(|(i, s)| scores[..*i].iter().any(|t| t.effect == s.effect));
    if let Some((_, score)) = twice {
        return Err(Rejection::new(
            "duplicate_effect",
            format!("scores {} more than once", score.effect),
        ));
    }
    if !missing.is_empty() {
        return Err(Rejection::new(
            "missing_effects",
            format!("must score every effect; missing {}", missing.join(", ")),
        ));
    }
    Ok(())
}

/// What an assessment amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub substantial_effects: usize,
    pub eligible: bool,
    pub ineligible_reasons: Vec<String>,
}

pub fn outcome(scores: &[EffectScore], sustainability: i32) -> Outcome {
    let substantial_effects = scores.iter().filter(|s| s.score == 2).count();
    let mut ineligible_reasons = Vec::new();
    if substantial_effects < REQUIRED_SUBSTANTIAL {
        ineligible_reasons.push(format!(
            "{substantial_effects} of the required {REQUIRED_SUBSTANTIAL} effects substantial"
        ));
    }
    if sustainability < 1 {
        ineligible_reasons.push("no sustainability plan scored".to_owned());
    }
    Outcome {
        substantial_effects,
        eligible: ineligible_reasons.is_empty(),
        ineligible_reasons,
    }
}

/// Why a project may not be approved, from its latest final programme assessment (its effect
/// scores and sustainability score): that assessment's reasons, or that it has none. `None`
/// when it may be approved.
pub fn approval_refusal(assessment: Option<(&[EffectScore], i32)>) -> Option<Vec<String>> {
    let Some((scores, sustainability)) = assessment else {
        return Some(vec!["no final programme assessment".to_owned()]);
    };
    let outcome = outcome(scores, sustainability);
    (!outcome.eligible).then_some(outcome.ineligible_reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(substantial: usize) -> Vec<EffectScore> {
        EFFECTS
            .iter()
            .enumerate()
            .map(|(i, e)| EffectScore {
                effect: (*e).to_owned(),
                score: if i < substantial { 2 } else { 1 },
                motivation: "m".into(),
            })
            .collect()
    }

    #[test]
    fn three_substantial_effects_and_some_sustainability_make_a_project_eligible() {
        assert!(outcome(&scores(3), 1).eligible);
        assert_eq!(
            outcome(&scores(2), 1).ineligible_reasons,
            ["2 of the required 3 effects substantial"]
        );
        assert_eq!(
            outcome(&scores(6), 0).ineligible_reasons,
            ["no sustainability plan scored"]
        );
        assert_eq!(outcome(&scores(2), 0).ineligible_reasons.len(), 2);
    }

    #[test]
    fn every_effect_is_scored_exactly_once() {
        assert!(complete_effects(&scores(3)).is_ok());
        let mut missing = scores(3);
        missing.pop();
        assert_eq!(
            complete_effects(&missing).map_err(|r| r.code),
            Err("missing_effects")
        );
        let mut twice = scores(3);
        twice[5].effect = "safety".into();
        assert_eq!(
            complete_effects(&twice).map_err(|r| r.code),
            Err("duplicate_effect")
        );
    }

    #[test]
    fn only_an_eligible_final_programme_assessment_allows_approval() {
        assert_eq!(
            approval_refusal(None),
            Some(vec!["no final programme assessment".to_owned()])
        );
        assert_eq!(approval_refusal(Some((&scores(3), 1))), None);
        assert_eq!(
            approval_refusal(Some((&scores(2), 1))),
            Some(vec!["2 of the required 3 effects substantial".to_owned()])
        );
    }
}
