//! The demo's policy feedback loop: policy issues in every state with the owners' responses,
//! and evaluations with lessons and voices for the projects that ended.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::db::DbConnection;
use crate::db::evaluations::{self as evaluation_repo, EvaluationRow, Voice};
use crate::db::policy_issues::{self as policy_issue_repo, PolicyIssueChange, PolicyIssueRow};
use crate::domain::events::Actor;
use crate::error::ApiError;

use super::*;

/// (theme, title, status, position of the response): two issues in every state, every
/// position answered once at least, one raised issue past its deadline.
const POLICY_ISSUES: [(&str, &str, &str, Option<&str>); 8] = [
    (
        "employment",
        "Vrijwilligersvergoeding en de bijstand",
        "draft",
        None,
    ),
    (
        "housing",
        "Schimmel in portiekwoningen: handhaving",
        "draft",
        None,
    ),
    ("poverty_debt", "Wachtlijst schuldhulp", "raised", None),
    (
        "public_services_rules",
        "Loket alleen op afspraak",
        "raised",
        None,
    ),
    (
        "welfare_community",
        "Subsidieregels buurthuizen",
        "responded",
        Some("will_adjust"),
    ),
    (
        "youth_education",
        "Huiswerkbegeleiding buiten schooltijd",
        "responded",
        Some("under_review"),
    ),
    (
        "public_space",
        "Onderhoud speeltuinen",
        "closed",
        Some("already_addressed"),
    ),
    (
        "safety",
        "Verlichting rond de school",
        "closed",
        Some("no_change"),
    ),
];

/// Bundles the policy-feedback signals of a theme into issues in every state (DESIGN §13).
pub(super) fn load_policy_issues(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<usize, ApiError> {
    for (i, (theme, title, status, position)) in POLICY_ISSUES.iter().enumerate() {
        let department = THEMES
            .iter()
            .find(|(t, _, _)| t == theme)
            .map_or("dpz", |(_, d, _)| *d);
        let signal_ids: Vec<String> = signals::table
            .filter(signals::theme_id.eq(*theme))
            .filter(signals::policy_feedback.eq(true))
            .order(signals::id.desc())
            .limit(3 + i64::try_from(i % 3).unwrap_or(0))
            .select(signals::id)
            .load(conn)?;
        let created_at = now - Duration::days(150 - 15 * i64::try_from(i).unwrap_or(0));
        let row = PolicyIssueRow {
            id: format!("0190f0a0-0000-7000-9000-{:012}", i + 1),
            ..PolicyIssueRow::draft(
                (*title).to_owned(),
                "Signalen uit de wijken laten zien dat dit beleid niet past bij de praktijk."
                    .to_owned(),
                (*theme).to_owned(),
                department.to_owned(),
                created_at,
            )
        };
        policy_issue_repo::insert(conn, &row, &signal_ids)?;
        record(
            conn,
            actor,
            "policy_issue",
            &row.id,
            "created",
            json!({ "themeId": theme, "departmentId": department, "signalIds": signal_ids }),
            created_at,
        )?;
        if *status == "draft" {
            continue;
        }
        // The first raised issue is within its deadline, the second one past it.
        let raised_at = match i {
            2 => now - Duration::days(10),
            3 => now - Duration::days(60),
            _ => created_at + Duration::days(7),
        };
        let mut change = PolicyIssueChange {
            status: Some((*status).to_owned()),
            raised_at: Some(Some(raised_at)),
            response_due_at: Some(Some(raised_at + Duration::days(42))),
            ..PolicyIssueChange::default()
        };
        record(
            conn,
            actor,
            "policy_issue",
            &row.id,
            "status_changed",
            json!({ "before": { "status": "draft" }, "after": { "status": "raised" } }),
            raised_at,
        )?;
        if let Some(position) = position {
            let responded_at = raised_at + Duration::days(30);
            change.response_position = Some(Some((*position).to_owned()));
            change.response_explanation = Some(Some(
                "De vakdienst heeft de signalen besproken met de wethouder.".to_owned(),
            ));
            change.response_decided_on = Some(Some(responded_at.format("%Y-%m-%d").to_string()));
            change.responded_at = Some(Some(responded_at));
            record(
                conn,
                actor,
                "policy_issue",
                &row.id,
                "responded",
                json!({ "after": { "status": "responded", "position": position } }),
                responded_at,
            )?;
            if *status == "closed" {
                record(
                    conn,
                    actor,
                    "policy_issue",
                    &row.id,
                    "status_changed",
                    json!({ "before": { "status": "responded" }, "after": { "status": "closed" } }),
                    responded_at + Duration::days(5),
                )?;
            }
        }
        policy_issue_repo::update(conn, &row.id, 1, &change, now)?;
    }
    Ok(POLICY_ISSUES.len())
}

const LESSONS: [&str; 3] = [
    "Een vast gezicht in de wijk werkt beter dan folders: bewoners komen als ze iemand kennen.",
    "Begin klein en laat de school vanaf de eerste dag meebeslissen.",
    "Zonder vaste financiering na het eerste jaar haken vrijwilligers af; regel de borging vooraf.",
];
const VOICES: [(&str, &str); 4] = [
    ("Ik durf de buren weer aan te spreken.", "resident"),
    ("Elke week koffie, dat doet het.", "volunteer"),
    (
        "We zien nu welke gezinnen hulp nodig hebben.",
        "partner_staff",
    ),
    (
        "De wijkagent en de school praten eindelijk met elkaar.",
        "professional",
    ),
];

/// Evaluates every stopped and evaluated project and some completed and running ones, with
/// voices from their neighbourhood.
pub(super) fn load_evaluations(
    conn: &mut DbConnection,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<usize, ApiError> {
    let rows: Vec<(String, String)> = projects::table
        .filter(projects::status.eq_any(["stopped", "evaluated", "completed", "running"]))
        .order(projects::id)
        .select((projects::id, projects::status))
        .load(conn)?;
    let mut written = 0;
    for (i, (id, status)) in rows.iter().enumerate() {
        if matches!(status.as_str(), "completed" | "running") && i % 2 == 1 {
            continue;
        }
        let neighbourhood = project_repo::neighbourhoods_of(conn, std::slice::from_ref(id))?
            .remove(id)
            .and_then(|n| n.into_iter().next());
        let at = now - Duration::days(20 + 10 * i64::try_from(i).unwrap_or(0));
        let row = EvaluationRow {
            project_id: id.clone(),
            lessons_learned: LESSONS[i % LESSONS.len()].to_owned(),
            what_worked: Some("De samenwerking met de partners in de wijk.".to_owned()),
            what_did_not: (status == "stopped")
                .then(|| "Te weinig vrijwilligers om het vol te houden.".to_owned()),
            continuation: Some(
                match status.as_str() {
                    "stopped" => "ended",
                    _ if i % 3 == 0 => "continued_by_department",
                    _ => "continued_by_partner",
                }
                .to_owned(),
            ),
            follow_up_project_id: None,
            created_at: at,
            updated_at: at,
        };
        let voices: Vec<Voice> = (0..2)
            .map(|k| {
                let (quote, role) = VOICES[(i + k) % VOICES.len()];
                Voice {
                    quote: quote.to_owned(),
                    speaker_role: role.to_owned(),
                    neighbourhood_id: neighbourhood.clone(),
                }
            })
            .collect();
        evaluation_repo::put(conn, &row, &voices)?;
        record(
            conn,
            actor,
            "project",
            id,
            "evaluation_written",
            json!({ "continuation": row.continuation, "voices": voices.len() }),
            at,
        )?;
        written += 1;
    }
    Ok(written)
}
