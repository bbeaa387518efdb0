//! The progress report against a small hand-built programme whose every figure is worked out
//! below by hand: counts, money, ratios, medians (odd and even), on-time percentages with a
//! signal answered exactly at its deadline, a reopened signal, the period and the district.
//! The same figures come back as JSON, as CSV (parsed back) and in the HTML page.

use awc::http::Method;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{Response, TestApp, assess, finalize, spawn_app, transition};
use wijkregie::auth::Role;

const PB: Role = Role::Programmabureau;
const R: &str = "2026-03-02 09:00:00";

/// The hand-built programme. Projects (all created in March 2026 but P5, created in 2025):
/// - P1 running, moerwijk + morgenstond; scores social_cohesion, positive_image and safety
///   substantial; funding programme 60,000 and szw 40,000 committed, a national 10,000 only
///   requested (not counted): ratio 0.40, which meets the target.
/// - P2 approved, moerwijk; scores social_cohesion, employment and ownership substantial; funding
///   programme 30,000 received and a fund's 70,000 committed.
/// - P3 submitted, schilderswijk, its response overdue; programme funding (not counted: not
///   delivering).
/// - P4 submitted, schilderswijk, answer not yet due.
/// - P5 draft, moerwijk, created in 2025.
/// - P6 under assessment, schilderswijk, with a final assessment scoring everything substantial
///   (not counted: not approved yet).
/// - Links: P1–P2 and P1–P3.
///
/// Signals (R = 2026-03-02 09:00):
/// - S1 moerwijk public_space (dsb, 14 days), answered exactly at its deadline: on time, 14 days.
/// - S2 moerwijk public_space, closed one second after its deadline: late, 14 days.
/// - S3 morgenstond housing (dso, 28 days), answered three calendar days later but 2 days and
///   23 hours after receipt: on time, 3 days (days to answer are calendar days).
/// - S4 schilderswijk housing, handed off to dsb, in progress past its deadline: overdue.
/// - S5 schilderswijk public_space, acknowledged, due in ten days: open, not overdue.
/// - S6 moerwijk public_space, answered once and reopened, past its deadline: overdue.
/// - S7 moerwijk public_space, received in 2025, answered after 10 days: on time.
struct Programme {
    app: TestApp,
}

async fn build() -> Programme {
    let app = spawn_app().await;
    let pb = app.token(&PB);
    let admin = app.token(&Role::Admin);

    // A neighbourhood name that CSV must quote and HTML must escape.
    let moerwijk = app.get("/api/v1/neighbourhoods/moerwijk", &admin).await;
    let renamed = app
        .patch(
            "/api/v1/neighbourhoods/moerwijk",
            &admin,
            moerwijk.header("etag").as_deref(),
            &json!({"name": "Moerwijk, \"Oost\""}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);

    let p1 = project(&app, &["moerwijk", "morgenstond"]).await;
    let p2 = project(&app, &["moerwijk"]).await;
    let p3 = project(&app, &["schilderswijk"]).await;
    let p4 = project(&app, &["schilderswijk"]).await;
    let p5 = project(&app, &["moerwijk"]).await;
    let p6 = project(&app, &["schilderswijk"]).await;

    for (id, source, source_id, cents, status) in [
        (&p1, "programme", None, 6_000_000, "committed"),
        (&p1, "department", Some("szw"), 4_000_000, "committed"),
        (&p1, "national", None, 1_000_000, "requested"),
        (&p2, "programme", None, 3_000_000, "received"),
        (&p2, "fund", None, 7_000_000, "committed"),
        (&p3, "programme", None, 5_000_000, "committed"),
    ] {
        let mut line = json!({"sourceType": source, "amountCents": cents, "status": status});
        if let Some(source_id) = source_id {
            line["sourceId"] = json!(source_id);
        }
        let added = app
            .post(&format!("/api/v1/projects/{id}/funding-lines"), &pb, &line)
            .await;
        assert_eq!(added.status, 201, "{}", added.text);
    }

    for id in [&p1, &p2, &p3, &p4, &p6] {
        transition_as_bureau(&app, id, "submitted").await;
    }
    for id in [&p1, &p2, &p6] {
        transition_as_bureau(&app, id, "in_dialogue").await;
        transition_as_bureau(&app, id, "under_assessment").await;
    }
    assess_final(&app, &p1, &["social_cohesion", "positive_image", "safety"]).await;
    assess_final(&app, &p2, &["social_cohesion", "employment", "ownership"]).await;
    assess_final(
        &app,
        &p6,
        &[
            "social_cohesion",
            "positive_image",
            "access_to_services",
            "safety",
            "employment",
            "ownership",
        ],
    )
    .await;
    for (id, steps) in [
        (&p1, &["approved", "running"][..]),
        (&p2, &["approved"][..]),
    ] {
        for to in steps {
            transition_as_bureau(&app, id, to).await;
        }
    }
    for (from, to) in [(&p1, &p2), (&p1, &p3)] {
        let linked = app
            .post(
                &format!("/api/v1/projects/{from}/links"),
                &pb,
                &json!({"targetProjectId": to, "kind": "complements"}),
            )
            .await;
        assert_eq!(linked.status, 201, "{}", linked.text);
    }
    let db = &app.database;
    db.execute(&format!(
        "UPDATE projects SET created_at = '2026-03-01 12:00:00' WHERE id <> '{p5}';
         UPDATE projects SET created_at = '2025-06-01 12:00:00' WHERE id = '{p5}';
         UPDATE projects SET response_due_at = '2026-03-15 12:00:00' WHERE id = '{p3}';
         UPDATE projects SET response_due_at = '{}' WHERE id = '{p4}';",
        in_days(10)
    ));

    let s1 = signal(&app, "moerwijk", "public_space").await;
    let s2 = signal(&app, "moerwijk", "public_space").await;
    let s3 = signal(&app, "morgenstond", "housing").await;
    let s4 = signal(&app, "schilderswijk", "housing").await;
    let s5 = signal(&app, "schilderswijk", "public_space").await;
    let s6 = signal(&app, "moerwijk", "public_space").await;
    let s7 = signal(&app, "moerwijk", "public_space").await;

    // Through the API where timing does not matter: an answer (later moved in time) and a
    // hand-off.
    signal_transition(
        &app,
        &s3,
        json!({"to": "answered", "response": "Geregeld."}),
    )
    .await;
    let current = app.get(&format!("/api/v1/signals/{s4}"), &pb).await;
    let handed = app
        .request(
            Method::POST,
            &format!("/api/v1/signals/{s4}/reassignments"),
            Some(&pb),
            Some(&json!({"departmentId": "dsb", "reason": "Het gaat om de buitenruimte"})),
            &[("If-Match", &current.header("etag").unwrap())],
        )
        .await;
    assert_eq!(handed.status, 200, "{}", handed.text);

    let received = |id: &str, at: &str, days: i64, status: &str, answered: Option<&str>| {
        format!(
            "UPDATE signals SET received_at = '{at}', due_at = '{due}', status = '{status}', \
             answered_at = {answered} WHERE id = '{id}';",
            due = plus_days(at, days),
            answered = answered.map_or("NULL".to_owned(), |a| format!("'{a}'")),
        )
    };
    db.execute(
        &[
            received(&s1, R, 14, "answered", Some("2026-03-16 09:00:00")),
            received(&s2, R, 14, "closed", Some("2026-03-16 09:00:01")),
            received(&s3, R, 28, "answered", Some("2026-03-05 08:00:00")),
            received(&s4, R, 28, "in_progress", None),
            format!(
                "UPDATE signals SET received_at = '{R}', due_at = '{}', status = 'acknowledged' \
             WHERE id = '{s5}';",
                in_days(10)
            ),
            received(&s6, R, 14, "reopened", Some("2026-03-07 09:00:00")),
            received(
                &s7,
                "2025-05-01 08:00:00",
                14,
                "closed",
                Some("2025-05-11 10:00:00"),
            ),
        ]
        .join("\n"),
    );
    Programme { app }
}

fn plus_days(at: &str, days: i64) -> String {
    let start = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").unwrap();
    (start + Duration::days(days))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn in_days(days: i64) -> String {
    (Utc::now().naive_utc() + Duration::days(days))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

async fn project(app: &TestApp, neighbourhoods: &[&str]) -> String {
    let created = app
        .post(
            "/api/v1/projects",
            &app.token(&PB),
            &json!({"title": "Buurtproject", "neighbourhoodIds": neighbourhoods}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["id"].as_str().unwrap().to_owned()
}

/// Moves project `id` to `to` as the bureau; the move must succeed.
async fn transition_as_bureau(app: &TestApp, id: &str, to: &str) {
    let moved = transition(app, &PB, id, to).await;
    assert_eq!(moved.status, 200, "{id} to {to}: {}", moved.text);
}

/// A final programme assessment scoring `substantial` 2 and the other effects 1.
async fn assess_final(app: &TestApp, id: &str, substantial: &[&str]) {
    let effects: Vec<Value> = [
        "social_cohesion",
        "positive_image",
        "access_to_services",
        "safety",
        "employment",
        "ownership",
    ]
    .iter()
    .map(|e| {
        json!({"effect": e, "score": if substantial.contains(e) { 2 } else { 1 },
               "motivation": "Onderbouwing"})
    })
    .collect();
    let made = assess(
        app,
        &PB,
        id,
        &json!({"kind": "programme", "effects": effects,
                "sustainability": {"score": 1, "motivation": "Borging"},
                "advice": "positive", "explanation": "Toelichting"}),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let finalized = finalize(app, &PB, id, &made).await;
    assert_eq!(finalized.status, 200, "{}", finalized.text);
}

async fn signal(app: &TestApp, neighbourhood: &str, theme: &str) -> String {
    let created = app
        .post(
            "/api/v1/signals",
            &app.token(&PB),
            &json!({"title": "Signaal", "description": "Uit de wijk", "neighbourhoodId": neighbourhood,
                    "source": "resident", "themeId": theme, "policyFeedback": false}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["id"].as_str().unwrap().to_owned()
}

async fn signal_transition(app: &TestApp, id: &str, body: Value) {
    let pb = app.token(&PB);
    for to in ["acknowledged", "in_progress"] {
        let current = app.get(&format!("/api/v1/signals/{id}"), &pb).await;
        let moved = app
            .request(
                Method::POST,
                &format!("/api/v1/signals/{id}/transitions"),
                Some(&pb),
                Some(&json!({"to": to})),
                &[("If-Match", &current.header("etag").unwrap())],
            )
            .await;
        assert_eq!(moved.status, 200, "{}", moved.text);
    }
    let current = app.get(&format!("/api/v1/signals/{id}"), &pb).await;
    let moved = app
        .request(
            Method::POST,
            &format!("/api/v1/signals/{id}/transitions"),
            Some(&pb),
            Some(&body),
            &[("If-Match", &current.header("etag").unwrap())],
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
}

impl Programme {
    async fn report(&self, role: &Role, query: &str, accept: Option<&str>) -> Response {
        let headers: Vec<(&str, &str)> = accept.map(|a| vec![("Accept", a)]).unwrap_or_default();
        self.app
            .request(
                Method::GET,
                &format!("/api/v1/reports/progress{query}"),
                Some(&self.app.token(role)),
                None,
                &headers,
            )
            .await
    }
}

fn row<'a>(report: &'a Value, neighbourhood: &str) -> &'a Value {
    report["neighbourhoods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["neighbourhoodId"] == neighbourhood)
        .unwrap_or_else(|| panic!("{neighbourhood} is in the report"))
}

fn by_key<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|item| item[key] == value)
        .unwrap_or_else(|| panic!("{key} {value} is listed"))
}

/// Status counts in the machine's order: draft, submitted, in_dialogue, under_assessment,
/// approved, rejected, running, completed, stopped, evaluated.
fn statuses(projects: &Value) -> Vec<i64> {
    projects["byStatus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["count"].as_i64().unwrap())
        .collect()
}

/// Effect counts in the order social_cohesion, positive_image, access_to_services, safety,
/// employment, ownership.
fn effects(projects: &Value) -> Vec<i64> {
    projects["effects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["projects"].as_i64().unwrap())
        .collect()
}

fn signals(
    received: i64,
    answered: i64,
    on_time: i64,
    percentage: Value,
    median: Value,
    overdue: i64,
    hand_offs: i64,
) -> Value {
    json!({"received": received, "answered": answered, "answeredOnTime": on_time,
           "answeredOnTimePercentage": percentage, "medianDaysToAnswer": median,
           "overdueNow": overdue, "handOffs": hand_offs})
}

#[actix_rt::test]
async fn every_figure_of_the_report_matches_the_hand_built_programme() {
    let programme = build().await;
    let response = programme.report(&PB, "", None).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(response.content_type().starts_with("application/json"));
    assert_eq!(response.header("vary").as_deref(), Some("Accept"));
    let report = &response.body;
    assert_eq!(report["period"], json!({"from": null, "to": null}));
    assert_eq!(report["districtId"], Value::Null);
    assert_eq!(report["cofinancingTarget"], json!(0.4));
    assert_eq!(report["neighbourhoods"].as_array().unwrap().len(), 12);

    let total = &report["total"]["projects"];
    assert_eq!(total["count"], 6);
    assert_eq!(statuses(total), [1, 2, 0, 1, 1, 0, 1, 0, 0, 0]);
    assert_eq!(
        total["budget"],
        json!({"totalCents": 20_000_000, "programmeCents": 9_000_000, "otherCents": 11_000_000,
               "cofinancingRatio": 0.55, "meetsTarget": true})
    );
    assert_eq!(effects(total), [2, 1, 0, 1, 1, 1]);
    assert_eq!(
        total["links"],
        json!({"projects": 5, "links": 4, "linksPerProject": 0.8, "unlinkedProjects": 2})
    );
    assert_eq!(total["waitingPastResponseDue"], 1);

    let moerwijk = &row(report, "moerwijk")["projects"];
    assert_eq!(row(report, "moerwijk")["name"], "Moerwijk, \"Oost\"");
    assert_eq!(moerwijk["count"], 3);
    assert_eq!(statuses(moerwijk), [1, 0, 0, 0, 1, 0, 1, 0, 0, 0]);
    assert_eq!(
        moerwijk["budget"],
        json!({"totalCents": 20_000_000, "programmeCents": 9_000_000, "otherCents": 11_000_000,
               "cofinancingRatio": 0.55, "meetsTarget": true})
    );
    assert_eq!(effects(moerwijk), [2, 1, 0, 1, 1, 1]);
    assert_eq!(
        moerwijk["links"],
        json!({"projects": 2, "links": 3, "linksPerProject": 1.5, "unlinkedProjects": 0})
    );

    let morgenstond = &row(report, "morgenstond")["projects"];
    assert_eq!(statuses(morgenstond), [0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    assert_eq!(
        morgenstond["budget"],
        json!({"totalCents": 10_000_000, "programmeCents": 6_000_000, "otherCents": 4_000_000,
               "cofinancingRatio": 0.4, "meetsTarget": true}),
        "exactly 40 % meets the target"
    );
    assert_eq!(effects(morgenstond), [1, 1, 0, 1, 0, 0]);
    assert_eq!(
        morgenstond["links"],
        json!({"projects": 1, "links": 2, "linksPerProject": 2.0, "unlinkedProjects": 0})
    );

    let schilderswijk = &row(report, "schilderswijk")["projects"];
    assert_eq!(statuses(schilderswijk), [0, 2, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        schilderswijk["budget"],
        json!({"totalCents": 0, "programmeCents": 0, "otherCents": 0,
               "cofinancingRatio": null, "meetsTarget": null})
    );
    assert_eq!(effects(schilderswijk), [0; 6], "not approved: not counted");
    assert_eq!(
        schilderswijk["links"],
        json!({"projects": 3, "links": 1, "linksPerProject": 0.33, "unlinkedProjects": 2})
    );
    assert_eq!(schilderswijk["waitingPastResponseDue"], 1);

    let transvaal = row(report, "transvaal");
    assert_eq!(transvaal["projects"]["count"], 0);
    assert_eq!(
        transvaal["signals"],
        signals(0, 0, 0, Value::Null, Value::Null, 0, 0)
    );

    // Signals: the even median (3, 10, 14, 14) is 12; S1 answered at its deadline is on time.
    assert_eq!(
        report["total"]["signals"],
        signals(7, 4, 3, json!(75.0), json!(12.0), 2, 1)
    );
    assert_eq!(
        row(report, "moerwijk")["signals"],
        signals(4, 3, 2, json!(66.7), json!(14.0), 1, 0)
    );
    assert_eq!(
        row(report, "morgenstond")["signals"],
        signals(1, 1, 1, json!(100.0), json!(3.0), 0, 0)
    );
    assert_eq!(
        row(report, "schilderswijk")["signals"],
        signals(2, 0, 0, Value::Null, Value::Null, 1, 1)
    );
    let themes = &report["signalsByTheme"];
    assert_eq!(themes.as_array().unwrap().len(), 10);
    assert_eq!(
        by_key(themes, "themeId", "public_space")["signals"],
        signals(5, 3, 2, json!(66.7), json!(14.0), 1, 0)
    );
    assert_eq!(
        by_key(themes, "themeId", "housing")["signals"],
        signals(2, 1, 1, json!(100.0), json!(3.0), 1, 1)
    );
    assert_eq!(by_key(themes, "themeId", "housing")["departmentId"], "dso");
    let departments = &report["signalsByDepartment"];
    assert_eq!(departments.as_array().unwrap().len(), 6);
    assert_eq!(
        by_key(departments, "departmentId", "dsb")["signals"],
        signals(6, 3, 2, json!(66.7), json!(14.0), 2, 1)
    );
    assert_eq!(
        by_key(departments, "departmentId", "dso")["signals"],
        signals(1, 1, 1, json!(100.0), json!(3.0), 0, 0)
    );
    assert_eq!(
        by_key(departments, "departmentId", "ocw")["signals"],
        signals(0, 0, 0, Value::Null, Value::Null, 0, 0)
    );

    // The period leaves out P5 and S7 (2025); the odd median (3, 14, 14) is 14.
    let year = programme
        .report(&PB, "?from=2026-01-01&to=2026-12-31", None)
        .await;
    assert_eq!(year.status, 200, "{}", year.text);
    assert_eq!(
        year.body["period"],
        json!({"from": "2026-01-01", "to": "2026-12-31"})
    );
    assert_eq!(year.body["total"]["projects"]["count"], 5);
    assert_eq!(
        year.body["total"]["signals"],
        signals(6, 3, 2, json!(66.7), json!(14.0), 2, 1)
    );
    assert_eq!(row(&year.body, "moerwijk")["projects"]["count"], 2);
    // A period is whole days: `to` includes its last day, `from` its first.
    let last_day = programme
        .report(&PB, "?from=2026-03-02&to=2026-03-02", None)
        .await;
    assert_eq!(last_day.body["total"]["signals"]["received"], 6);
    assert_eq!(last_day.body["total"]["projects"]["count"], 0);
    let first_day = programme.report(&PB, "?to=2026-03-01", None).await;
    assert_eq!(first_day.body["total"]["projects"]["count"], 6);
    assert_eq!(first_day.body["total"]["signals"]["received"], 1);
}

#[actix_rt::test]
async fn the_report_reads_the_same_as_csv_and_as_a_page_with_charts() {
    let programme = build().await;
    let json = programme.report(&PB, "", None).await.body;

    let csv = programme.report(&PB, "", Some("text/csv")).await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.content_type().starts_with("text/csv"),
        "{}",
        csv.content_type()
    );
    assert!(csv.text.ends_with("\r\n"), "RFC 4180 lines end in CRLF");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(csv.text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 13, "12 neighbourhoods and a total row");
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let record = |id: &str| {
        records
            .iter()
            .find(|r| &r[0] == id)
            .unwrap_or_else(|| panic!("row {id}"))
    };
    for record in &records {
        assert_eq!(record.len(), header.len(), "every row has every column");
    }
    let moerwijk = record("moerwijk");
    assert_eq!(
        &moerwijk[column("name")],
        "Moerwijk, \"Oost\"",
        "quoted and read back"
    );
    assert_eq!(&moerwijk[column("projects.count")], "3");
    assert_eq!(&moerwijk[column("projects.byStatus.running")], "1");
    assert_eq!(
        &moerwijk[column("projects.budget.cofinancingRatio")],
        "0.55"
    );
    assert_eq!(&moerwijk[column("projects.effects.social_cohesion")], "2");
    assert_eq!(&moerwijk[column("projects.links.linksPerProject")], "1.5");
    assert_eq!(
        &moerwijk[column("signals.answeredOnTimePercentage")],
        "66.7"
    );
    assert_eq!(&moerwijk[column("signals.medianDaysToAnswer")], "14");
    let total = record("total");
    let total_json = &json["total"];
    for (name, value) in [
        (
            "projects.count",
            total_json["projects"]["count"].to_string(),
        ),
        (
            "projects.budget.totalCents",
            total_json["projects"]["budget"]["totalCents"].to_string(),
        ),
        ("projects.budget.meetsTarget", "true".to_owned()),
        ("projects.waitingPastResponseDue", "1".to_owned()),
        ("signals.received", "7".to_owned()),
        ("signals.answeredOnTime", "3".to_owned()),
        ("signals.answeredOnTimePercentage", "75".to_owned()),
        ("signals.medianDaysToAnswer", "12".to_owned()),
        ("signals.overdueNow", "2".to_owned()),
        ("signals.handOffs", "1".to_owned()),
    ] {
        assert_eq!(total[column(name)], value, "total {name}");
    }
    let schilderswijk = record("schilderswijk");
    assert_eq!(
        &schilderswijk[column("projects.budget.cofinancingRatio")],
        "",
        "no funding: no ratio"
    );
    assert_eq!(&schilderswijk[column("signals.medianDaysToAnswer")], "");

    let page = programme.report(&PB, "", Some("text/html")).await;
    assert_eq!(page.status, 200);
    assert!(page.content_type().starts_with("text/html"));
    for chart in [
        "chart-projects-per-status",
        "chart-effects-coverage",
        "chart-cofinancing",
        "chart-signals-on-time",
    ] {
        assert!(
            page.text
                .contains(&format!("<svg class=\"chart\" id=\"{chart}\"")),
            "the page has {chart}"
        );
    }
    assert!(
        page.text.contains("Moerwijk, &quot;Oost&quot;"),
        "names are escaped"
    );
    assert!(!page.text.contains("Moerwijk, \"Oost\""));
    for external in ["<script", "src=", "href=", "url(", "@import"] {
        assert!(
            !page.text.contains(external),
            "no external assets ({external})"
        );
    }
    assert!(page.text.contains("@media print"));
}

#[actix_rt::test]
async fn who_may_read_the_report_and_what_a_district_sees() {
    let programme = build().await;
    for role in [
        Role::Programmabureau,
        Role::Admin,
        Role::Vakdienst {
            department_id: "ocw".to_owned(),
        },
    ] {
        let report = programme.report(&role, "", None).await;
        assert_eq!(report.status, 200, "{role:?}");
        assert_eq!(report.body["total"]["projects"]["count"], 6, "{role:?}");
    }
    let partner = Role::Partner {
        partner_id: "0190b1a2-0000-7000-8000-000000000001".to_owned(),
    };
    programme
        .report(&partner, "", None)
        .await
        .assert_problem(403, "forbidden");

    let escamp = Role::Stadsdeel {
        district_id: "escamp".to_owned(),
    };
    let own = programme.report(&escamp, "", None).await;
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(own.body["districtId"], "escamp");
    assert!(
        own.body["neighbourhoods"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["districtId"] == "escamp")
    );
    assert_eq!(own.body["total"]["projects"]["count"], 3, "P1, P2 and P5");
    assert_eq!(own.body["total"]["signals"]["received"], 5, "S1–S3, S6, S7");
    let asked = programme.report(&escamp, "?districtId=escamp", None).await;
    assert_eq!(asked.body["total"], own.body["total"]);
    programme
        .report(&escamp, "?districtId=centrum", None)
        .await
        .assert_problem(403, "forbidden");

    let centrum = programme.report(&PB, "?districtId=centrum", None).await;
    assert_eq!(
        centrum.body["total"]["projects"]["count"], 3,
        "P3, P4 and P6"
    );
    assert_eq!(
        centrum.body["total"]["projects"]["waitingPastResponseDue"],
        1
    );
}

#[actix_rt::test]
async fn bad_questions_get_problems() {
    let app = spawn_app().await;
    let pb = app.token(&PB);
    let all_wrong = app
        .get(
            "/api/v1/reports/progress?from=2026-05-01&to=2026-01-01&districtId=Nope&colour=red",
            &pb,
        )
        .await;
    all_wrong.assert_problem(400, "invalid_input");
    assert_eq!(
        all_wrong.invalid_param_names(),
        ["colour", "districtId", "to"],
        "every problem at once"
    );
    let bad_date = app
        .get("/api/v1/reports/progress?from=2026-02-30", &pb)
        .await;
    assert_eq!(bad_date.invalid_param_names(), ["from"]);
    let unknown = app
        .get("/api/v1/reports/progress?districtId=atlantis", &pb)
        .await;
    assert_eq!(unknown.invalid_param_names(), ["districtId"]);

    for accept in [
        "application/xml",
        "application/json;q=0",
        "image/png, text/plain",
    ] {
        let refused = app
            .request(
                Method::GET,
                "/api/v1/reports/progress",
                Some(&pb),
                None,
                &[("Accept", accept)],
            )
            .await;
        refused.assert_problem(406, "not_acceptable");
    }
    let browser = app
        .request(
            Method::GET,
            "/api/v1/reports/progress",
            Some(&pb),
            None,
            &[(
                "Accept",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            )],
        )
        .await;
    assert!(browser.content_type().starts_with("text/html"));
}
