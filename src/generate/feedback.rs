//! Policy feedback and learning at city scale, modestly: one policy issue per 10,000 signals
//! (at least eight), in every state, each bundling five recent policy-feedback signals of its
//! theme; and an evaluation with two voices for every stopped and evaluated project, written
//! by set-based statements.

use chrono::Duration;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::sql_batch::Tables;
use super::{Plan, Reference};
use crate::db::DbConnection;
use crate::db::policy_issues::{self as repo, PolicyIssueChange, PolicyIssueRow};
use crate::db::schema::signals;
use crate::demo::Rng;
use crate::domain::policy_issues::POSITIONS;
use crate::error::ApiError;

/// The evaluations and their voices: two statements each, the same text on both backends.
const EVALUATIONS: &str = "\
    INSERT INTO evaluations (project_id, lessons_learned, what_worked, what_did_not, continuation, \
      follow_up_project_id, created_at, updated_at) \
    SELECT id, 'Een vast gezicht in de wijk werkt beter dan folders.', \
      'De samenwerking met de partners in de wijk.', NULL, \
      CASE WHEN status = 'stopped' THEN 'ended' ELSE 'continued_by_partner' END, NULL, \
      updated_at, updated_at FROM projects WHERE status IN ('stopped', 'evaluated'); \
    INSERT INTO evaluation_voices (project_id, position, quote, speaker_role, neighbourhood_id) \
    SELECT project_id, 0, 'Ik durf de buren weer aan te spreken.', 'resident', NULL FROM evaluations; \
    INSERT INTO evaluation_voices (project_id, position, quote, speaker_role, neighbourhood_id) \
    SELECT project_id, 1, 'Elke week koffie, dat doet het.', 'volunteer', NULL FROM evaluations;";

/// Writes the policy issues and evaluations; returns the number of issues.
pub(super) fn feedback(
    conn: &mut DbConnection,
    tables: &mut Tables,
    rng: &mut Rng,
    plan: &Plan,
    reference: &Reference,
) -> Result<usize, ApiError> {
    conn.batch_execute(EVALUATIONS)?;
    let count = (plan.signals / 10_000).max(8);
    for i in 0..count {
        let (theme, department, _) = &reference.themes[i % reference.themes.len()];
        let round = i64::try_from(i / reference.themes.len()).unwrap_or(0);
        let signal_ids: Vec<String> = signals::table
            .filter(signals::theme_id.eq(theme))
            .filter(signals::policy_feedback.eq(true))
            .order(signals::id.desc())
            .offset(round * 5)
            .limit(5)
            .select(signals::id)
            .load(conn)?;
        if signal_ids.is_empty() {
            continue;
        }
        let created_at = plan.anchor - Duration::days(200)
            + Duration::days(i64::try_from(rng.below(180)).unwrap_or(0));
        let row = PolicyIssueRow {
            id: rng.id(created_at),
            ..PolicyIssueRow::draft(
                format!("Beleid past niet bij de wijk ({theme}, {})", i + 1),
                "Signalen uit de wijken, gebundeld voor de beleidseigenaar.".to_owned(),
                theme.clone(),
                department.clone(),
                created_at,
            )
        };
        repo::insert(conn, &row, &signal_ids)?;
        let data = serde_json::json!({ "themeId": theme, "departmentId": department, "signalIds": signal_ids });
        tables.event(conn, created_at, "policy_issue", &row.id, "created", &data)?;
        let status = ["draft", "raised", "responded", "closed"][i % 4];
        if status == "draft" {
            continue;
        }
        let raised_at = created_at + Duration::days(7);
        let responded_at = raised_at + Duration::days(30);
        let answered = status != "raised";
        let position = POSITIONS[(i / 4) % POSITIONS.len()];
        let change = PolicyIssueChange {
            status: Some(status.to_owned()),
            raised_at: Some(Some(raised_at)),
            response_due_at: Some(Some(raised_at + Duration::days(42))),
            response_position: Some(answered.then(|| position.to_owned())),
            response_explanation: Some(answered.then(|| "Besproken met de wethouder.".to_owned())),
            responded_at: Some(answered.then_some(responded_at)),
            ..PolicyIssueChange::default()
        };
        repo::update(
            conn,
            &row.id,
            1,
            &change,
            if answered { responded_at } else { raised_at },
        )?;
        let moved =
            serde_json::json!({ "before": { "status": "draft" }, "after": { "status": "raised" } });
        tables.event(
            conn,
            raised_at,
            "policy_issue",
            &row.id,
            "status_changed",
            &moved,
        )?;
        if answered {
            let data =
                serde_json::json!({ "after": { "status": "responded", "position": position } });
            tables.event(
                conn,
                responded_at,
                "policy_issue",
                &row.id,
                "responded",
                &data,
            )?;
        }
    }
    Ok(count)
}
