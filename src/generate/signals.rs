//! Signals with their departments and project links, and their events: received, routed,
//! reassigned and overdue.

use chrono::Duration;

use super::sql_batch::{Table, Tables};
use super::{DEPARTMENTS, Plan, Progress, Reference, days, minutes};
use crate::db::DbConnection;
use crate::demo::{Rng, SIGNAL_TOPICS};
use crate::domain::partners::search_form;
use crate::error::ApiError;

const DONE: [&str; 2] = ["answered", "closed"];

/// Signals over two years, oldest first: most old ones answered (some late), recent ones open,
/// some old ones open and overdue (with their `signal.overdue` event, as the sweep writes it),
/// one in eleven handed off to another department.
#[allow(
    clippy::too_many_arguments,
    reason = "the generator's state, passed down once"
)]
pub(super) fn signals(
    conn: &mut DbConnection,
    tables: &mut Tables,
    rng: &mut Rng,
    plan: &Plan,
    reference: &Reference,
    partners: &[String],
    projects: &[String],
    progress: Progress<'_>,
) -> Result<(), ApiError> {
    let count = plan.signals;
    let span_minutes = 730 * 24 * 60;
    for i in 0..count {
        let (theme, department, response_days) = rng.pick(&reference.themes).clone();
        let (neighbourhood, district) = rng.pick(&reference.neighbourhoods).clone();
        let received_at = plan.anchor - minutes(span_minutes)
            + minutes(i * span_minutes / count.max(1))
            + Duration::seconds(i64::try_from(rng.below(60)).unwrap_or(0));
        let response_days = usize::try_from(response_days).unwrap_or(14);
        let age_days = usize::try_from((plan.anchor - received_at).num_days()).unwrap_or(0);
        let due_at = received_at + days(response_days);
        let id = rng.id(received_at);
        let roll = rng.below(100);
        let (status, answered_after) = match (age_days > response_days, roll) {
            (true, 0..=59) => ("closed", Some(1 + rng.below(response_days))),
            (true, 60..=84) => ("answered", Some(response_days + 1 + rng.below(20))),
            (true, 85..=92) => ("in_progress", None),
            (true, _) => ("acknowledged", None),
            (false, 0..=29) => ("answered", Some(rng.below(age_days.max(1)))),
            (false, 30..=69) => ("acknowledged", None),
            (false, _) => ("received", None),
        };
        let answered = DONE.contains(&status);
        let answered_at = answered_after
            .filter(|_| answered)
            .map(|d| received_at + days(d));
        let overdue = !answered && due_at < plan.anchor;
        let handed_off = roll % 11 == 0;
        let final_department = if handed_off {
            let from = DEPARTMENTS
                .iter()
                .position(|d| *d == department)
                .unwrap_or(0);
            DEPARTMENTS[(from + 1 + rng.below(DEPARTMENTS.len() - 1)) % DEPARTMENTS.len()]
        } else {
            department.as_str()
        };
        let by_partner = roll % 3 == 0;
        let topic = SIGNAL_TOPICS[i % SIGNAL_TOPICS.len()];
        let reporter_partner = by_partner.then(|| rng.pick(partners).clone());
        let updated_at = answered_at.unwrap_or(received_at);
        tables.push(
            conn,
            Table::Signals,
            &[
                &id,
                &topic,
                &search_form(topic),
                &"Gemeld tijdens het spreekuur in de wijk.",
                &neighbourhood,
                &district,
                &if by_partner { "partner" } else { "resident" },
                &theme,
                &(roll % 4 == 0),
                &format!("Melder {}", i + 1),
                &None::<String>,
                &None::<String>,
                &reporter_partner,
                &final_department,
                &status,
                &received_at,
                &due_at,
                &answered_at,
                &answered.then_some("Opgepakt met de wijkmanager; zie het antwoord in de brief."),
                &i32::from(handed_off),
                &overdue,
                &(1 + i64::from(handed_off) + i64::from(status != "received")),
                &received_at,
                &updated_at,
                &false,
                &crate::domain::tracking::new_code(),
            ],
        )?;
        tables.push(conn, Table::SignalDepartments, &[&id, &department])?;
        tables.event(
            conn,
            received_at,
            "signal",
            &id,
            "received",
            &serde_json::json!({ "themeId": theme, "neighbourhoodId": neighbourhood }),
        )?;
        tables.event(
            conn,
            received_at,
            "signal",
            &id,
            "routed",
            &serde_json::json!({ "assignedDepartmentId": department, "themeId": theme }),
        )?;
        if handed_off {
            tables.push(conn, Table::SignalDepartments, &[&id, &final_department])?;
            tables.event(
                conn,
                received_at + Duration::days(1),
                "signal",
                &id,
                "reassigned",
                &serde_json::json!({
                    "before": { "assignedDepartmentId": department },
                    "after": { "assignedDepartmentId": final_department },
                    "reason": "Beleid ligt bij een andere dienst"
                }),
            )?;
        }
        if overdue {
            tables.event(
                conn,
                due_at,
                "signal",
                &id,
                "overdue",
                &serde_json::json!({ "dueAt": crate::domain::time::format(&due_at) }),
            )?;
        }
        if i % 40 == 0 && !projects.is_empty() {
            let project = rng.pick(projects);
            tables.push(conn, Table::SignalProjects, &[&id, project])?;
        }
        if i % 5000 == 4999 || i + 1 == count {
            progress("signals", i + 1, count);
        }
    }
    Ok(())
}
