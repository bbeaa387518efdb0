//! The report's sections on policy feedback, learning and the quarters, against a small
//! programme worked out by hand:
//! - S1 moerwijk employment (szw), policy feedback; S2 moerwijk employment, no feedback;
//!   S3 schilderswijk housing (dso), feedback; S4 schilderswijk public_space (dsb), feedback,
//!   received 100 days ago (an earlier quarter). The others are received today.
//! - I1 employment → szw, S1 + S2, raised and answered `will_adjust`; I2 housing → dso, S3,
//!   raised and past its deadline unanswered (overdue); I3 public_space, S4, a draft (not raised,
//!   so not counted).
//! - One running project in moerwijk, evaluated with two voices.
//!
//! Per theme: employment 1 feedback signal, 1 raised, 1 answered (will_adjust), 0 overdue;
//! housing 1, 1, 0, 1 overdue; public_space 1, 0, 0, 0. In total 3, 2, 1, 1. For escamp only
//! S1 and I1 count.

use awc::http::Method;
use chrono::{Datelike, Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, etag, pb, spawn_app, stadsdeel, vakdienst};
use wijkregie::auth::Role;

async fn signal(app: &TestApp, neighbourhood: &str, theme: &str, feedback: bool) -> String {
    let created = app
        .post("/api/v1/signals", &app.token(&pb()), &json!({"title": "Signaal", "description": "Uit de wijk",
            "neighbourhoodId": neighbourhood, "source": "resident", "themeId": theme, "policyFeedback": feedback}))
        .await;
    created.body["id"].as_str().unwrap().to_owned()
}

async fn send(
    app: &TestApp,
    role: &Role,
    method: Method,
    path: &str,
    of: &str,
    body: Value,
) -> u16 {
    let version = etag(app, of).await;
    let response = app
        .request(
            method,
            path,
            Some(&app.token(role)),
            Some(&body),
            &[("If-Match", &version)],
        )
        .await;
    assert!(response.status < 300, "{path}: {}", response.text);
    response.status
}

async fn issue(app: &TestApp, theme: &str, signals: &[&str], raise: bool) -> String {
    let created = app
        .post(
            "/api/v1/policy-issues",
            &app.token(&pb()),
            &json!({"title": "Bundel", "description": "Beleid past niet",
            "themeId": theme, "signalIds": signals}),
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/policy-issues/{id}");
    if raise {
        send(
            app,
            &pb(),
            Method::POST,
            &format!("{path}/transitions"),
            &path,
            json!({"to": "raised"}),
        )
        .await;
    }
    id
}

async fn build() -> TestApp {
    let app = spawn_app().await;
    let s1 = signal(&app, "moerwijk", "employment", true).await;
    let s2 = signal(&app, "moerwijk", "employment", false).await;
    let s3 = signal(&app, "schilderswijk", "housing", true).await;
    let s4 = signal(&app, "schilderswijk", "public_space", true).await;
    let earlier = (Utc::now() - Duration::days(100)).format("%Y-%m-%d %H:%M:%S");
    app.database.execute(&format!(
        "UPDATE signals SET received_at = '{earlier}', due_at = '{earlier}' WHERE id = '{s4}'"
    ));
    let i1 = issue(&app, "employment", &[&s1, &s2], true).await;
    let path = format!("/api/v1/policy-issues/{i1}");
    send(
        &app,
        &vakdienst("szw"),
        Method::PUT,
        &format!("{path}/response"),
        &path,
        json!({"position": "will_adjust", "explanation": "De regel wordt verruimd."}),
    )
    .await;
    let i2 = issue(&app, "housing", &[&s3], true).await;
    app.database.execute(&format!(
        "UPDATE policy_issues SET response_due_at = '2020-01-01 00:00:00' WHERE id = '{i2}'"
    ));
    issue(&app, "public_space", &[&s4], false).await;

    let project = app
        .post(
            "/api/v1/projects",
            &app.token(&pb()),
            &json!({"title": "Buurtconciërge", "neighbourhoodIds": ["moerwijk"]}),
        )
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.database.execute(&format!(
        "UPDATE projects SET status = 'running' WHERE id = '{project}'"
    ));
    let path = format!("/api/v1/projects/{project}");
    send(&app, &pb(), Method::PUT, &format!("{path}/evaluation"), &path, json!({
        "lessonsLearned": "Een vast gezicht in de portiek werkt beter dan folders.",
        "continuation": "continued_by_partner",
        "voices": [
            {"quote": "Ik durf de buren weer aan te spreken.", "speakerRole": "resident", "neighbourhoodId": "moerwijk", "consent": true},
            {"quote": "Elke week koffie, dat doet het.", "speakerRole": "volunteer", "consent": true}
        ]})).await;
    app
}

fn figures(signals: i64, raised: i64, responded: i64, will_adjust: i64, overdue: i64) -> Value {
    json!({"policyFeedbackSignals": signals, "issuesRaised": raised, "issuesResponded": responded,
           "positions": [{"position": "will_adjust", "count": will_adjust}, {"position": "under_review", "count": 0},
                         {"position": "no_change", "count": 0}, {"position": "already_addressed", "count": 0}],
           "responsesOverdue": overdue})
}

fn by<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x[key] == value)
        .unwrap()
}

fn quarter_of(days_ago: i64) -> String {
    let day = Utc::now().date_naive() - Duration::days(days_ago);
    format!("{}-Q{}", day.year(), day.month0() / 3 + 1)
}

#[actix_rt::test]
async fn policy_feedback_lessons_and_quarters_match_the_hand_built_programme() {
    let app = build().await;
    let report = app.get("/api/v1/reports/progress", &app.token(&pb())).await;
    assert_eq!(report.status, 200, "{}", report.text);
    let feedback = &report.body["policyFeedback"];
    assert_eq!(feedback["total"], figures(3, 2, 1, 1, 1));
    assert_eq!(
        by(&feedback["byTheme"], "themeId", "employment")["feedback"],
        figures(1, 1, 1, 1, 0)
    );
    assert_eq!(
        by(&feedback["byTheme"], "themeId", "housing")["feedback"],
        figures(1, 1, 0, 0, 1)
    );
    assert_eq!(
        by(&feedback["byTheme"], "themeId", "public_space")["feedback"],
        figures(1, 0, 0, 0, 0)
    );
    assert_eq!(
        by(&feedback["byDepartment"], "departmentId", "szw")["feedback"],
        figures(1, 1, 1, 1, 0)
    );
    assert_eq!(
        by(&feedback["byDepartment"], "departmentId", "dso")["feedback"],
        figures(1, 1, 0, 0, 1)
    );
    assert_eq!(
        by(&feedback["byDepartment"], "departmentId", "ocw")["feedback"],
        figures(0, 0, 0, 0, 0)
    );

    // The last four quarters; this one holds S1–S3, both raised issues and the project.
    let quarters = report.body["quarters"].as_array().unwrap();
    assert_eq!(quarters.len(), 4);
    let now = by(&report.body["quarters"], "quarter", &quarter_of(0));
    assert_eq!(
        (
            &now["signalsReceived"],
            &now["policyFeedbackSignals"],
            &now["policyIssuesRaised"],
            &now["projectsCreated"]
        ),
        (&json!(3), &json!(2), &json!(2), &json!(1))
    );
    let before = by(&report.body["quarters"], "quarter", &quarter_of(100));
    assert_eq!(
        (&before["signalsReceived"], &before["policyFeedbackSignals"]),
        (&json!(1), &json!(1))
    );
    let sum = |key: &str| {
        quarters
            .iter()
            .map(|q| q[key].as_i64().unwrap())
            .sum::<i64>()
    };
    assert_eq!(sum("signalsReceived"), 4);

    let lessons = report.body["lessons"].as_array().unwrap();
    assert_eq!(lessons.len(), 1);
    assert_eq!(lessons[0]["continuation"], "continued_by_partner");
    assert_eq!(lessons[0]["voices"][1]["speakerRole"], "volunteer");

    // A district sees its own: S1 and I1.
    let escamp = app
        .get("/api/v1/reports/progress", &app.token(&stadsdeel("escamp")))
        .await;
    assert_eq!(
        escamp.body["policyFeedback"]["total"],
        figures(1, 1, 1, 1, 0)
    );
    assert_eq!(escamp.body["lessons"].as_array().unwrap().len(), 1);

    // The same figures as CSV, one table per section.
    let csv = app
        .request(
            Method::GET,
            "/api/v1/reports/progress?section=policy_feedback",
            Some(&app.token(&pb())),
            None,
            &[("Accept", "text/csv")],
        )
        .await;
    let total = csv.text.lines().find(|l| l.starts_with("total,")).unwrap();
    assert_eq!(total, "total,total,Total,3,2,1,1,0,0,0,1");
    let lessons_csv = app
        .request(
            Method::GET,
            "/api/v1/reports/progress?section=lessons",
            Some(&app.token(&pb())),
            None,
            &[("Accept", "text/csv")],
        )
        .await;
    assert_eq!(
        lessons_csv.text.lines().count(),
        3,
        "a header and one row per voice"
    );
    let bad = app
        .request(
            Method::GET,
            "/api/v1/reports/progress?section=all",
            Some(&app.token(&pb())),
            None,
            &[("Accept", "text/csv")],
        )
        .await;
    bad.assert_problem(400, "invalid_input");
}

/// The text a reader sees: tags, styles and attributes taken out.
fn visible_text(page: &str) -> String {
    let body = page.split("</style>").nth(1).unwrap_or(page);
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

#[actix_rt::test]
async fn the_page_speaks_dutch_shows_the_new_sections_and_keeps_labels_off_the_target_line() {
    let app = build().await;
    let page = app
        .request(
            Method::GET,
            "/api/v1/reports/progress",
            Some(&app.token(&pb())),
            None,
            &[("Accept", "text/html")],
        )
        .await;
    assert_eq!(page.status, 200);
    for section in [
        "id=\"beleidssignalen\"",
        "id=\"kwartalen\"",
        "id=\"lessen\"",
    ] {
        assert!(page.text.contains(section), "{section}");
    }
    let text = visible_text(&page.text);
    for dutch in [
        "beleid wordt aangepast",
        "Ik durf de buren weer aan te spreken.",
        "vrijwilliger",
        "voortgezet door een partner",
        "lopend",
    ] {
        assert!(text.contains(dutch), "{dutch}");
    }
    // No code of any vocabulary the page shows reaches the reader.
    use wijkregie::domain::{evaluations, policy_issues, projects};
    let codes = projects::STATUSES
        .iter()
        .chain(&projects::EFFECTS)
        .chain(&policy_issues::STATUSES)
        .chain(&policy_issues::POSITIONS)
        .chain(&evaluations::CONTINUATIONS)
        .chain(&evaluations::SPEAKER_ROLES)
        .filter(|code| **code != "professional");
    for code in codes {
        let word = text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| w == *code);
        assert!(!word, "the code {code} shows on the page");
    }
    // The date is Dutch, without microseconds.
    let today = Utc::now().date_naive();
    let month = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ][today.month0() as usize];
    assert!(
        text.contains(&format!(
            "opgesteld {} {month} {}",
            today.day(),
            today.year()
        )),
        "{text}"
    );
    assert!(!page.text.contains("<script"));

    // In the co-financing chart every figure stands right of the dashed 40 % line.
    let chart = page
        .text
        .split("id=\"chart-cofinancing\"")
        .nth(1)
        .unwrap()
        .split("</svg>")
        .next()
        .unwrap();
    let attribute = |tag: &str, name: &str| -> Option<f64> {
        tag.split(&format!(" {name}=\""))
            .nth(1)?
            .split('"')
            .next()?
            .parse()
            .ok()
    };
    let line_x = attribute(chart.split("<line").nth(1).unwrap(), "x1").unwrap();
    let figures: Vec<f64> = chart
        .split("<text")
        .skip(1)
        .filter(|t| !t.contains("text-anchor"))
        .filter_map(|t| attribute(t, "x"))
        .collect();
    assert!(!figures.is_empty());
    assert!(
        figures.iter().all(|x| *x > line_x + 40.0),
        "{figures:?} against the line at {line_x}"
    );
}

/// The quarters of a period that starts and ends inside a quarter: each signal and project
/// counts in the quarter that holds its moment, a moment at midnight in the one that begins
/// then, and nothing outside the period counts in any quarter or in the total.
#[actix_rt::test]
async fn the_quarters_split_at_midnight_and_stop_at_the_ends_of_the_period() {
    let app = spawn_app().await;
    // (received or created, neighbourhood); the first and the last fall outside the period.
    let moments = [
        ("2026-02-14 23:59:59", "moerwijk"),
        ("2026-02-15 00:00:00", "moerwijk"),
        ("2026-03-31 23:59:59", "moerwijk"),
        ("2026-04-01 00:00:00", "moerwijk"),
        ("2026-05-01 12:00:00", "schilderswijk"),
        ("2026-07-10 23:59:59", "moerwijk"),
        ("2026-07-11 00:00:00", "moerwijk"),
    ];
    for (at, neighbourhood) in moments {
        let signal = signal(
            &app,
            neighbourhood,
            "employment",
            at.starts_with("2026-07-10"),
        )
        .await;
        app.database.execute(&format!(
            "UPDATE signals SET received_at = '{at}', due_at = '{at}' WHERE id = '{signal}'"
        ));
        let project = app
            .post(
                "/api/v1/projects",
                &app.token(&pb()),
                &json!({"title": "Buurtkamer", "neighbourhoodIds": [neighbourhood]}),
            )
            .await
            .body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.database.execute(&format!(
            "UPDATE projects SET created_at = '{at}' WHERE id = '{project}'"
        ));
    }
    // The last one of the first quarter answered late, the first of the second on time.
    app.database.execute(
        "UPDATE signals SET status = 'answered', answered_at = '2026-04-02 09:00:00' \
         WHERE received_at = '2026-03-31 23:59:59'; \
         UPDATE signals SET status = 'answered', answered_at = '2026-04-01 09:00:00', \
         due_at = '2026-04-10 00:00:00' WHERE received_at = '2026-04-01 00:00:00'",
    );
    let quarters = |report: &Value| -> Vec<(String, String, String, [i64; 5])> {
        report["quarters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| {
                let n = |key: &str| q[key].as_i64().unwrap();
                (
                    q["quarter"].as_str().unwrap().to_owned(),
                    q["from"].as_str().unwrap().to_owned(),
                    q["to"].as_str().unwrap().to_owned(),
                    [
                        n("signalsReceived"),
                        n("signalsAnswered"),
                        n("signalsAnsweredOnTime"),
                        n("policyFeedbackSignals"),
                        n("projectsCreated"),
                    ],
                )
            })
            .collect()
    };
    let period = "/api/v1/reports/progress?from=2026-02-15&to=2026-07-10";
    let city = app.get(period, &app.token(&pb())).await;
    assert_eq!(city.status, 200, "{}", city.text);
    let quarter = |label: &str, from: &str, to: &str, figures: [i64; 5]| {
        (label.to_owned(), from.to_owned(), to.to_owned(), figures)
    };
    assert_eq!(
        quarters(&city.body),
        vec![
            quarter("2026-Q1", "2026-02-15", "2026-03-31", [2, 1, 0, 0, 2]),
            quarter("2026-Q2", "2026-04-01", "2026-06-30", [2, 1, 1, 0, 2]),
            quarter("2026-Q3", "2026-07-01", "2026-07-10", [1, 0, 0, 1, 1]),
        ]
    );
    assert_eq!(city.body["total"]["signals"]["received"], 5);
    assert_eq!(city.body["total"]["projects"]["count"], 5);

    // A district's quarters hold only its own.
    let escamp = app
        .get(&format!("{period}&districtId=escamp"), &app.token(&pb()))
        .await;
    assert_eq!(
        quarters(&escamp.body)
            .into_iter()
            .map(|(_, _, _, figures)| figures)
            .collect::<Vec<_>>(),
        vec![[2, 1, 0, 0, 2], [1, 1, 1, 0, 1], [1, 0, 0, 1, 1]]
    );
}
