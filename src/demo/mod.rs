//! A demo programme for a newcomer's first look: partners of every kind in the seven focus
//! neighbourhoods, 60 projects across all statuses with goals, funding, partners, links and
//! assessments, 2,000 signals over two years with answers, hand-offs and overdue ones, policy
//! issues in every state with the owners' responses, and evaluations with voices.
//!
//! Deterministic: the same seed gives the same programme (times are relative to now). It loads
//! only into a database without programme data, so the run command can be repeated safely.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::db::assessments::{self as assessment_repo, AssessmentRow};
use crate::db::events as event_store;
use crate::db::partners::{self as partner_repo, Partner, PartnerRow};
use crate::db::projects::{
    self as project_repo, FundingLineRow, GoalRow, ProjectChange, ProjectRow, ProjectUpdate,
};
use crate::db::schema::{partners, projects, signal_departments, signals};
use crate::db::signals::{self as signal_repo, SignalRow};
use crate::db::{DbConnection, write_transaction};
use crate::domain::assessments::{EffectScore, outcome};
use crate::domain::events::{Actor, NewEvent};
use crate::domain::partners::{PARTNER_KINDS, search_form};
use crate::domain::projects::{EFFECTS, STATUSES};
use crate::error::ApiError;

mod feedback;

use feedback::{load_evaluations, load_policy_issues};

const SEED: u64 = 20_261_127;
const FOCUS: [(&str, &str); 7] = [
    ("schilderswijk", "centrum"),
    ("transvaal", "centrum"),
    ("moerwijk", "escamp"),
    ("morgenstond", "escamp"),
    ("bouwlust-vrederust", "escamp"),
    ("laakkwartier", "laak"),
    ("mariahoeve", "haagse-hout"),
];
/// (theme, department, response days), as seeded.
const THEMES: [(&str, &str, i64); 10] = [
    ("housing", "dso", 28),
    ("public_space", "dsb", 14),
    ("safety", "bsd", 14),
    ("youth_education", "ocw", 28),
    ("welfare_community", "ocw", 28),
    ("health_care", "ocw", 28),
    ("employment", "szw", 28),
    ("poverty_debt", "szw", 21),
    ("public_services_rules", "dpz", 21),
    ("other", "dpz", 28),
];
const DEPARTMENTS: [&str; 6] = ["ocw", "szw", "dso", "dsb", "dpz", "bsd"];
pub(crate) const PROJECT_IDEAS: [&str; 12] = [
    "Moestuin op het plein",
    "Huiswerkklas in het buurthuis",
    "Taalcafé voor ouders",
    "Schuldhulp aan de keukentafel",
    "Sportieve zomer",
    "Buurtconciërge",
    "Werkstage in de wijk",
    "Opknapdag portiekflats",
    "Jongerenpodium",
    "Wijkmaaltijd",
    "Veilig naar school",
    "Repair café",
];
pub(crate) const SIGNAL_TOPICS: [&str; 8] = [
    "Subsidieaanvraag buurthuis blijft liggen",
    "Loszittende stoeptegels bij de school",
    "Wachtlijst schuldhulp te lang",
    "Regels voor vrijwilligersvergoeding onduidelijk",
    "Speeltuin 's avonds onveilig",
    "Schimmel in portiekwoningen",
    "Geen plek voor huiswerkbegeleiding",
    "Loket alleen op afspraak bereikbaar",
];

/// SplitMix64: small, fast, and the same sequence on every platform and version. Shared with
/// the bulk generator (`crate::generate`), so both make ids and choices the same way.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number from 0 to `n - 1`.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A deterministic UUIDv7-shaped id whose time part orders like `at`.
    pub(crate) fn id(&mut self, at: NaiveDateTime) -> String {
        let millis = u64::try_from(at.and_utc().timestamp_millis()).unwrap_or(0);
        let random = self.next();
        format!(
            "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
            millis >> 16,
            millis & 0xffff,
            random & 0xfff,
            0x8000 | ((random >> 12) & 0x3fff),
            (random >> 26) & 0xffff_ffff_ffff
        )
    }
}

/// What was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub partners: usize,
    pub projects: usize,
    pub signals: usize,
    pub policy_issues: usize,
    pub evaluations: usize,
}

/// Whether the database holds programme data already (partners, projects or signals).
pub fn has_programme_data(conn: &mut DbConnection) -> Result<bool, ApiError> {
    let partner = partners::table
        .select(partners::id)
        .first::<String>(conn)
        .optional()?;
    let project = projects::table
        .select(projects::id)
        .first::<String>(conn)
        .optional()?;
    let signal = signals::table
        .select(signals::id)
        .first::<String>(conn)
        .optional()?;
    Ok(partner.is_some() || project.is_some() || signal.is_some())
}

/// Loads the demo programme in one transaction, or does nothing (`None`) when the database
/// already holds programme data.
pub fn load(conn: &mut DbConnection, now: NaiveDateTime) -> Result<Option<Loaded>, ApiError> {
    write_transaction(conn, |conn| {
        if has_programme_data(conn)? {
            return Ok(None);
        }
        let mut rng = Rng(SEED);
        let actor = Actor {
            sub: "wijkregie-demo".to_owned(),
            role: "admin",
            scope: None,
            name: Some("Demo data".to_owned()),
            client_id: None,
        };
        let partner_ids = load_partners(conn, &mut rng, &actor, now)?;
        let project_ids = load_projects(conn, &mut rng, &actor, now, &partner_ids)?;
        let signals = load_signals(conn, &mut rng, &actor, now, &partner_ids, &project_ids)?;
        let policy_issues = load_policy_issues(conn, &actor, now)?;
        let evaluations = load_evaluations(conn, &actor, now)?;
        Ok(Some(Loaded {
            partners: partner_ids.len(),
            projects: project_ids.len(),
            signals,
            policy_issues,
            evaluations,
        }))
    })
}

fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    kind: &'static str,
    id: &str,
    action: &str,
    data: serde_json::Value,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let event = NewEvent {
        action: format!("{kind}.{action}"),
        resource_type: kind,
        resource_id: id.to_owned(),
        data,
    };
    event_store::record(conn, actor, event, at).map(|_| ())
}

fn load_partners(
    conn: &mut DbConnection,
    rng: &mut Rng,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<Vec<String>, ApiError> {
    let names = [
        "Basisschool De Regenboog",
        "Staedion",
        "Welzijn Centrum",
        "Buurthuis De Mussen",
        "Bibliotheek Transvaal",
        "Stichting Marokkaanse Vrouwen",
        "Opbouwwerk Escamp",
        "Gezondheidscentrum Moerwijk",
        "Bakkerij Van Dam",
        "Voedselbank Laak",
        "Vestia",
        "Wijkcentrum Mariahoeve",
        "Huiswerkinstituut Morgenstond",
        "Sportclub Bouwlust",
    ];
    let mut ids = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let at = now - Duration::days(800 - i64::try_from(i).unwrap_or(0));
        let id = rng.id(at);
        let (neighbourhood, _) = FOCUS[i % FOCUS.len()];
        let partner = Partner {
            row: PartnerRow {
                id: id.clone(),
                name: (*name).to_owned(),
                name_search: search_form(name),
                kind: PARTNER_KINDS[i % PARTNER_KINDS.len()].to_owned(),
                kvk_number: Some(format!("{:08}", 40_000_000 + rng.below(9_999_999))),
                contact_name: Some("Contactpersoon".to_owned()),
                contact_email: Some(format!("info{}@partner.example.nl", i + 1)),
                contact_phone: None,
                website: None,
                active: true,
                version: 1,
                created_at: at,
                updated_at: at,
            },
            neighbourhood_ids: vec![neighbourhood.to_owned()],
        };
        partner_repo::insert(conn, &partner)?;
        record(
            conn,
            actor,
            "partner",
            &id,
            "created",
            json!({ "after": { "name": name } }),
            at,
        )?;
        ids.push(id);
    }
    Ok(ids)
}

fn load_projects(
    conn: &mut DbConnection,
    rng: &mut Rng,
    actor: &Actor,
    now: NaiveDateTime,
    partner_ids: &[String],
) -> Result<Vec<String>, ApiError> {
    let mut ids: Vec<String> = Vec::new();
    for i in 0..60usize {
        let status = STATUSES[i % STATUSES.len()];
        let (neighbourhood, district) = *rng.pick(&FOCUS);
        let at = now - Duration::days(700 - i64::try_from(i * 10).unwrap_or(0));
        let id = rng.id(at);
        let title = format!(
            "{} {}",
            rng.pick(&PROJECT_IDEAS),
            neighbourhood.replace('-', " ")
        );
        let initiator = rng.pick(partner_ids).clone();
        let past_draft = status != "draft";
        let submitted_at = past_draft.then(|| at + Duration::days(7));
        let row = ProjectRow {
            id: id.clone(),
            title_search: search_form(&title),
            title,
            summary: Some("Een initiatief uit de wijk, uitgewerkt met de partners.".to_owned()),
            district_id: district.to_owned(),
            initiator: Some("Bewoners en partners".to_owned()),
            initiator_partner_id: Some(initiator.clone()),
            project_leader: Some("Wijkmanager".to_owned()),
            start_date: Some((at + Duration::days(60)).format("%Y-%m-%d").to_string()),
            end_date: Some((at + Duration::days(420)).format("%Y-%m-%d").to_string()),
            sustainability_plan: Some("Een partner zet het voort na de subsidie.".to_owned()),
            status: status.to_owned(),
            submitted_at,
            response_due_at: submitted_at.map(|s| s + Duration::days(14)),
            responded_at: (past_draft && status != "submitted").then(|| at + Duration::days(14)),
            version: 1,
            created_at: at,
            updated_at: at,
            eligible: None,
            assessment_id: None,
        };
        let mut effects: Vec<String> = EFFECTS.iter().map(|e| (*e).to_owned()).collect();
        effects.truncate(2 + rng.below(3));
        let members = ProjectUpdate {
            fields: ProjectChange::default(),
            neighbourhood_ids: Some(vec![neighbourhood.to_owned()]),
            claimed_effects: Some(effects.clone()),
        };
        project_repo::insert(conn, &row, &members)?;
        record(
            conn,
            actor,
            "project",
            &id,
            "created",
            json!({ "after": { "title": row.title, "status": status } }),
            at,
        )?;

        let done = matches!(status, "completed" | "evaluated");
        for (g, effect) in effects.iter().enumerate().take(2) {
            let target = f64::from(u32::try_from(5 + rng.below(20)).unwrap_or(5));
            project_repo::insert_goal(
                conn,
                &GoalRow {
                    id: rng.id(at),
                    project_id: id.clone(),
                    effect: effect.clone(),
                    indicator: format!("Deelnemers ({})", g + 1),
                    unit: "persons".to_owned(),
                    baseline: 0.0,
                    target,
                    actual: done.then_some(target * 0.9),
                    measured_on: done
                        .then(|| (at + Duration::days(400)).format("%Y-%m-%d").to_string()),
                    version: 1,
                    created_at: at,
                    updated_at: at,
                },
            )?;
        }
        let programme = i64::try_from(1_000_000 + rng.below(40) * 100_000).unwrap_or(1_000_000);
        let mut lines = vec![("programme".to_owned(), None, programme)];
        lines.push((
            "department".to_owned(),
            Some(rng.pick(&DEPARTMENTS).to_string()),
            programme / 2,
        ));
        if i % 3 != 0 {
            lines.push(("partner".to_owned(), Some(initiator.clone()), programme / 3));
        }
        for (source_type, source_id, amount_cents) in lines {
            project_repo::insert_funding_line(
                conn,
                &FundingLineRow {
                    id: rng.id(at),
                    project_id: id.clone(),
                    source_type,
                    source_id,
                    amount_cents,
                    status: "committed".to_owned(),
                    version: 1,
                    created_at: at,
                    updated_at: at,
                },
            )?;
        }
        project_repo::put_partner(conn, &id, &initiator, "lead", at)?;
        let executor = rng.pick(partner_ids).clone();
        if executor != initiator {
            project_repo::put_partner(conn, &id, &executor, "executor", at)?;
        }
        if past_draft && !matches!(status, "submitted" | "in_dialogue") {
            load_assessment(conn, rng, actor, &id, status, at + Duration::days(30))?;
        }
        if let Some(previous) = ids.last().filter(|_| i % 4 == 1) {
            project_repo::insert_link(conn, &rng.id(at), &id, previous, "complements", at)?;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// A final programme assessment: eligible for approved and later projects, not for rejected ones.
fn load_assessment(
    conn: &mut DbConnection,
    rng: &mut Rng,
    actor: &Actor,
    project_id: &str,
    status: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let substantial = if status == "rejected" {
        2
    } else {
        3 + rng.below(3)
    };
    let scores: Vec<EffectScore> = EFFECTS
        .iter()
        .enumerate()
        .map(|(i, e)| EffectScore {
            effect: (*e).to_owned(),
            score: if i < substantial {
                2
            } else {
                i32::from(i % 2 == 0)
            },
            motivation: "Zie het projectplan.".to_owned(),
        })
        .collect();
    let decided = status != "under_assessment";
    let result = outcome(&scores, 1);
    let id = rng.id(at);
    assessment_repo::insert(
        conn,
        &AssessmentRow {
            id: id.clone(),
            project_id: project_id.to_owned(),
            kind: "programme".to_owned(),
            department_id: None,
            status: if decided { "final" } else { "draft" }.to_owned(),
            effects: serde_json::to_string(&scores)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            sustainability_score: 1,
            sustainability_motivation: "Een partner neemt het over.".to_owned(),
            advice: if result.eligible {
                "positive"
            } else {
                "negative"
            }
            .to_owned(),
            explanation: "Getoetst aan de zes effecten.".to_owned(),
            substantial_effects: i32::try_from(result.substantial_effects).unwrap_or(0),
            eligible: result.eligible,
            author_sub: actor.sub.clone(),
            finalized_at: decided.then_some(at),
            version: 1,
            created_at: at,
            updated_at: at,
        },
        &scores,
    )?;
    if decided {
        assessment_repo::set_project_outcome(conn, project_id, &id, result.eligible, at)?;
    }
    record(
        conn,
        actor,
        "project",
        project_id,
        "assessment_created",
        json!({ "assessmentId": id, "eligible": result.eligible }),
        at,
    )
}

fn load_signals(
    conn: &mut DbConnection,
    rng: &mut Rng,
    actor: &Actor,
    now: NaiveDateTime,
    partner_ids: &[String],
    project_ids: &[String],
) -> Result<usize, ApiError> {
    let count = 2000usize;
    for i in 0..count {
        let (theme, department, days) = *rng.pick(&THEMES);
        let (neighbourhood, district) = *rng.pick(&FOCUS);
        // Spread over two years, oldest first.
        let age = i64::try_from((count - i) * 730 / count).unwrap_or(0);
        let received_at = now
            - Duration::days(age)
            - Duration::minutes(i64::try_from(rng.below(600)).unwrap_or(0));
        let due_at = received_at + Duration::days(days);
        let id = rng.id(received_at);
        let roll = rng.below(100);
        // Most older signals are answered (some late); recent ones are still open; a few old ones
        // are open and overdue: the cases the programme wants to see.
        let (status, answered_after) = match (age > days, roll) {
            (true, 0..=59) => (
                "closed",
                Some(1 + rng.below(usize::try_from(days).unwrap_or(14))),
            ),
            (true, 60..=84) => (
                "answered",
                Some(usize::try_from(days).unwrap_or(14) + 1 + rng.below(20)),
            ),
            (true, 85..=92) => ("in_progress", None),
            (true, _) => ("acknowledged", None),
            (false, 0..=29) => (
                "answered",
                Some(rng.below(usize::try_from(age.max(1)).unwrap_or(1))),
            ),
            (false, 30..=69) => ("acknowledged", None),
            (false, _) => ("received", None),
        };
        let answered_at =
            answered_after.map(|d| received_at + Duration::days(i64::try_from(d).unwrap_or(0)));
        let handed_off = roll % 11 == 0;
        let final_department = if handed_off {
            DEPARTMENTS[(rng.below(5)
                + 1
                + DEPARTMENTS
                    .iter()
                    .position(|d| *d == department)
                    .unwrap_or(0))
                % 6]
        } else {
            department
        };
        let by_partner = roll % 3 == 0;
        let row = SignalRow {
            id: id.clone(),
            title_search: search_form(SIGNAL_TOPICS[i % SIGNAL_TOPICS.len()]),
            title: SIGNAL_TOPICS[i % SIGNAL_TOPICS.len()].to_owned(),
            description: "Gemeld tijdens het spreekuur in de wijk.".to_owned(),
            neighbourhood_id: neighbourhood.to_owned(),
            district_id: district.to_owned(),
            source: if by_partner { "partner" } else { "resident" }.to_owned(),
            theme_id: theme.to_owned(),
            policy_feedback: roll % 4 == 0,
            reporter_name: Some(format!("Melder {}", i + 1)),
            reporter_email: None,
            reporter_phone: None,
            reported_by_partner_id: by_partner.then(|| rng.pick(partner_ids).clone()),
            assigned_department_id: final_department.to_owned(),
            status: status.to_owned(),
            received_at,
            due_at,
            answered_at: answered_at.filter(|_| matches!(status, "answered" | "closed")),
            response: matches!(status, "answered" | "closed")
                .then(|| "Opgepakt met de wijkmanager; zie het antwoord in de brief.".to_owned()),
            reassignment_count: i32::from(handed_off),
            overdue_recorded: false,
            version: 1,
            created_at: received_at,
            updated_at: received_at,
            reporter_wants_updates: false,
            tracking_code: crate::domain::tracking::new_code(),
        };
        signal_repo::insert(conn, &row)?;
        record(
            conn,
            actor,
            "signal",
            &id,
            "received",
            json!({ "themeId": theme }),
            received_at,
        )?;
        record(
            conn,
            actor,
            "signal",
            &id,
            "routed",
            json!({ "assignedDepartmentId": department }),
            received_at,
        )?;
        if handed_off {
            diesel::insert_into(signal_departments::table)
                .values((
                    signal_departments::signal_id.eq(&id),
                    signal_departments::department_id.eq(department),
                ))
                .execute(conn)?;
            record(
                conn,
                actor,
                "signal",
                &id,
                "reassigned",
                json!({ "before": { "assignedDepartmentId": department }, "after": { "assignedDepartmentId": final_department }, "reason": "Beleid ligt bij een andere dienst" }),
                received_at,
            )?;
        }
        if i % 40 == 0 {
            signal_repo::set_projects(conn, &id, &[rng.pick(project_ids).clone()])?;
        }
    }
    Ok(count)
}
