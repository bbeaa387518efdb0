//! Partners, projects with their neighbourhoods, effects, goals, funding lines, partners and
//! links, and the projects' programme assessments with their scores.

use chrono::{Duration, NaiveDateTime};

use super::sql_batch::{Table, Tables};
use super::{DEPARTMENTS, Plan, Progress, Reference, date, days, minutes};
use crate::db::{DbConnection, projects::link_pair_key};
use crate::demo::{PROJECT_IDEAS, Rng};
use crate::domain::partners::{PARTNER_KINDS, search_form};
use crate::domain::projects::{EFFECTS, FUNDING_STATUSES, LINK_KINDS, PARTNER_ROLES, STATUSES};
use crate::error::ApiError;

/// Partners of every kind, each in one neighbourhood; returns their ids.
pub(super) fn partners(
    conn: &mut DbConnection,
    tables: &mut Tables,
    rng: &mut Rng,
    plan: &Plan,
    reference: &Reference,
    count: usize,
) -> Result<Vec<String>, ApiError> {
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let at = plan.anchor - days(1500) + minutes(i * 60);
        let id = rng.id(at);
        let kind = PARTNER_KINDS[i % PARTNER_KINDS.len()];
        let name = format!("Partner {} ({})", i + 1, kind.replace('_', " "));
        let (neighbourhood, _) = rng.pick(&reference.neighbourhoods);
        // KvK numbers are unique among active partners: numbered, not drawn. The draw stays,
        // so the rest of a seed's data is what it was.
        let _ = rng.below(9_999_999);
        let kvk = format!("{:08}", 40_000_000 + i);
        tables.push(
            conn,
            Table::Partners,
            &[
                &id,
                &name,
                &search_form(&name),
                &kind,
                &kvk,
                &"Contactpersoon",
                &format!("info{}@partner.example.nl", i + 1),
                &None::<String>,
                &None::<String>,
                &true,
                &1i64,
                &at,
                &at,
            ],
        )?;
        tables.push(conn, Table::PartnerNeighbourhoods, &[&id, neighbourhood])?;
        tables.event(
            conn,
            at,
            "partner",
            &id,
            "created",
            &serde_json::json!({ "after": { "name": name } }),
        )?;
        ids.push(id);
    }
    Ok(ids)
}

/// Projects over five years in every status; returns their ids and the number of assessments.
pub(super) fn projects(
    conn: &mut DbConnection,
    tables: &mut Tables,
    rng: &mut Rng,
    plan: &Plan,
    reference: &Reference,
    partners: &[String],
    progress: Progress<'_>,
) -> Result<(Vec<String>, usize), ApiError> {
    let count = plan.projects;
    let mut ids: Vec<String> = Vec::with_capacity(count);
    let mut assessments = 0;
    let span_minutes = 5 * 365 * 24 * 60;
    for i in 0..count {
        let status = *rng.pick(&STATUSES);
        let (neighbourhood, district) = rng.pick(&reference.neighbourhoods).clone();
        // Oldest first, so ids (UUIDv7-shaped, by time) grow with i.
        let at = plan.anchor - minutes(span_minutes) + minutes(i * span_minutes / count.max(1));
        let id = rng.id(at);
        let title = format!(
            "{} {}",
            rng.pick(&PROJECT_IDEAS),
            neighbourhood.replace('-', " ")
        );
        let initiator = rng.pick(partners).clone();
        let past_draft = status != "draft";
        let submitted_at = past_draft.then(|| at + Duration::days(7));
        let responded_at = (past_draft && status != "submitted").then(|| at + Duration::days(14));
        let assessed = past_draft && !matches!(status, "submitted" | "in_dialogue");
        let decided = assessed && status != "under_assessment";
        let assessment = assessed.then(|| {
            let assessed_at = at + Duration::days(30);
            (rng.id(assessed_at), assessed_at)
        });
        let substantial = if status == "rejected" {
            2
        } else {
            3 + rng.below(3)
        };
        let scores: Vec<i32> = (0..EFFECTS.len())
            .map(|e| {
                if e < substantial {
                    2
                } else {
                    i32::from(e % 2 == 0)
                }
            })
            .collect();
        let eligible = substantial >= 3;
        let (eligible_column, assessment_column) = match (&assessment, decided) {
            (Some((assessment_id, _)), true) => (Some(eligible), Some(assessment_id.clone())),
            _ => (None, None),
        };
        tables.push(
            conn,
            Table::Projects,
            &[
                &id,
                &title,
                &search_form(&title),
                &"Een initiatief uit de wijk, uitgewerkt met de partners.",
                &district,
                &"Bewoners en partners",
                &initiator,
                &"Wijkmanager",
                &date(at + Duration::days(60)),
                &date(at + Duration::days(420)),
                &"Een partner zet het voort na de subsidie.",
                &status,
                &submitted_at,
                &submitted_at.map(|s| s + Duration::days(14)),
                &responded_at,
                &1i64,
                &at,
                &at,
                &eligible_column,
                &assessment_column,
            ],
        )?;
        tables.push(conn, Table::ProjectNeighbourhoods, &[&id, &neighbourhood])?;
        let second = rng.pick(&reference.neighbourhoods).0.clone();
        if second != neighbourhood && i % 3 == 0 {
            tables.push(conn, Table::ProjectNeighbourhoods, &[&id, &second])?;
        }
        let effect_count = 2 + rng.below(3);
        for effect in EFFECTS.iter().take(effect_count) {
            tables.push(conn, Table::ProjectEffects, &[&id, effect])?;
        }
        tables.event(
            conn,
            at,
            "project",
            &id,
            "created",
            &serde_json::json!({ "after": { "title": title, "status": status } }),
        )?;

        let done = matches!(status, "completed" | "evaluated");
        for (g, effect) in EFFECTS.iter().take(2).enumerate() {
            let target = f64::from(u32::try_from(5 + rng.below(20)).unwrap_or(5));
            tables.push(
                conn,
                Table::Goals,
                &[
                    &rng.id(at),
                    &id,
                    effect,
                    &format!("Deelnemers ({})", g + 1),
                    &"persons",
                    &0.0f64,
                    &target,
                    &done.then_some(target * 0.9),
                    &done.then(|| date(at + Duration::days(400))),
                    &1i64,
                    &at,
                    &at,
                ],
            )?;
        }
        let programme = i64::try_from(1_000_000 + rng.below(40) * 100_000).unwrap_or(1_000_000);
        let funding_status = FUNDING_STATUSES[usize::from(past_draft) + usize::from(done)];
        let department = DEPARTMENTS[rng.below(DEPARTMENTS.len())];
        let mut lines: Vec<(&str, Option<&str>, i64)> = vec![
            ("programme", None, programme),
            ("department", Some(department), programme / 2),
        ];
        if i % 3 != 0 {
            lines.push(("partner", Some(initiator.as_str()), programme / 3));
        }
        for (source_type, source_id, amount) in lines {
            tables.push(
                conn,
                Table::FundingLines,
                &[
                    &rng.id(at),
                    &id,
                    &source_type,
                    &source_id,
                    &amount,
                    &funding_status,
                    &1i64,
                    &at,
                    &at,
                ],
            )?;
        }
        tables.push(
            conn,
            Table::ProjectPartners,
            &[&id, &initiator, &PARTNER_ROLES[0], &at],
        )?;
        let executor = rng.pick(partners);
        if *executor != initiator {
            tables.push(
                conn,
                Table::ProjectPartners,
                &[&id, executor, &PARTNER_ROLES[1 + rng.below(3)], &at],
            )?;
        }
        if let Some(previous) = ids.last().filter(|_| i % 4 == 1) {
            tables.push(
                conn,
                Table::ProjectLinks,
                &[
                    &rng.id(at),
                    &id,
                    previous,
                    &LINK_KINDS[i % LINK_KINDS.len()],
                    &link_pair_key(&id, previous),
                    &at,
                ],
            )?;
        }
        if let Some((assessment_id, assessed_at)) = assessment {
            assessment_rows(
                conn,
                tables,
                &AssessmentFacts {
                    id: &assessment_id,
                    project_id: &id,
                    at: assessed_at,
                    decided,
                    eligible,
                    scores: &scores,
                },
            )?;
            assessments += 1;
        }
        ids.push(id);
        if i % 1000 == 999 || i + 1 == count {
            progress("projects", i + 1, count);
        }
    }
    Ok((ids, assessments))
}

/// One programme assessment as the generator decided it.
struct AssessmentFacts<'a> {
    id: &'a str,
    project_id: &'a str,
    at: NaiveDateTime,
    /// Final (and recorded on the project) rather than a draft.
    decided: bool,
    eligible: bool,
    /// One score (0–2) per effect, in the order of `EFFECTS`.
    scores: &'a [i32],
}

/// The assessment row, its per-effect score rows, and its event.
fn assessment_rows(
    conn: &mut DbConnection,
    tables: &mut Tables,
    facts: &AssessmentFacts<'_>,
) -> Result<(), ApiError> {
    let effects: Vec<serde_json::Value> = EFFECTS
        .iter()
        .zip(facts.scores)
        .map(|(effect, score)| {
            serde_json::json!({ "effect": effect, "score": score, "motivation": "Zie het projectplan." })
        })
        .collect();
    let substantial = facts.scores.iter().filter(|s| **s == 2).count();
    tables.push(
        conn,
        Table::Assessments,
        &[
            &facts.id,
            &facts.project_id,
            &"programme",
            &None::<String>,
            &if facts.decided { "final" } else { "draft" },
            &serde_json::Value::Array(effects).to_string(),
            &1i32,
            &"Een partner neemt het over.",
            &if facts.eligible {
                "positive"
            } else {
                "negative"
            },
            &"Getoetst aan de zes effecten.",
            &i32::try_from(substantial).unwrap_or(0),
            &facts.eligible,
            &"wijkregie-generate",
            &facts.decided.then_some(facts.at),
            &1i64,
            &facts.at,
            &facts.at,
        ],
    )?;
    // One row per effect, which the progress report counts.
    for (effect, score) in EFFECTS.iter().zip(facts.scores) {
        tables.push(conn, Table::AssessmentScores, &[&facts.id, effect, score])?;
    }
    tables.event(
        conn,
        facts.at,
        "project",
        facts.project_id,
        "assessment_created",
        &serde_json::json!({ "assessmentId": facts.id, "eligible": facts.eligible }),
    )
}
