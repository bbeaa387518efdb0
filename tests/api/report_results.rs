//! What the council report says the programme achieved (DESIGN §18), against small programmes
//! worked out by hand: the results of the goals per effect in both directions, the policy
//! changes, the 40 % co-financing target met at 40 %, and the CSV's column names and ratios.
//! Project statuses are set in the database: the report reads them, the status machine is
//! tested elsewhere.

use awc::http::Method;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{Response, TestApp, etag, pb, spawn_app, stadsdeel, vakdienst};
use wijkregie::auth::Role;

async fn project(app: &TestApp, neighbourhoods: &[&str], status: &str) -> String {
    let created = app
        .post(
            "/api/v1/projects",
            &app.token(&pb()),
            &json!({"title": "Buurtproject", "neighbourhoodIds": neighbourhoods}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    app.database.execute(&format!(
        "UPDATE projects SET status = '{status}' WHERE id = '{id}'"
    ));
    id
}

/// A goal of `project` for `effect` from `baseline` to `target`, measured at `actual`.
async fn goal(
    app: &TestApp,
    project: &str,
    effect: &str,
    (baseline, target): (f64, f64),
    actual: Option<f64>,
) {
    let created = app
        .post(
            &format!("/api/v1/projects/{project}/goals"),
            &app.token(&pb()),
            &json!({"effect": effect, "indicator": "Indicator", "unit": "count",
                    "baseline": baseline, "target": target}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    if let Some(actual) = actual {
        app.database.execute(&format!(
            "UPDATE goals SET actual = {actual:?} WHERE id = '{}'",
            created.body["id"].as_str().unwrap()
        ));
    }
}

async fn report(app: &TestApp, role: &Role, query: &str, accept: &str) -> Response {
    let response = app
        .request(
            Method::GET,
            &format!("/api/v1/reports/progress{query}"),
            Some(&app.token(role)),
            None,
            &[("Accept", accept)],
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response
}

fn result(effect: &str, met: i64, progressing: i64, not_met: i64, not_measured: i64) -> Value {
    json!({"effect": effect, "goals": met + progressing + not_met + not_measured, "met": met,
           "progressing": progressing, "notMet": not_met, "notMeasured": not_measured})
}

fn effect<'a>(results: &'a Value, effect: &str) -> &'a Value {
    results
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["effect"] == effect)
        .unwrap_or_else(|| panic!("effect {effect}"))
}

fn neighbourhood<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["results"]["neighbourhoods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["neighbourhoodId"] == id)
        .unwrap_or_else(|| panic!("neighbourhood {id}"))
}

/// The CSV as a header and records.
fn parse(csv: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(csv.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    (header, reader.records().map(Result::unwrap).collect())
}

/// - P1 running, moerwijk + morgenstond: social cohesion upwards (10 → 20) measured at 25 and 20
///   (met), 15 (progressing), 10 and 5 (not met) and not at all; safety downwards (10 → 5)
///   measured at 4 and 5 (met), 7 (progressing), 10 and 12 (not met: no movement, the wrong
///   way).
/// - P2 approved, schilderswijk: safety 10 → 5 at 4 (met); employment 0 → 12 at 3
///   (progressing).
/// - P3 draft and P4 stopped, moerwijk: a met social cohesion goal each, not counted.
#[actix_rt::test]
async fn goals_are_counted_by_result_in_the_direction_from_baseline_to_target() {
    let app = spawn_app().await;
    let p1 = project(&app, &["moerwijk", "morgenstond"], "running").await;
    for actual in [
        Some(25.0),
        Some(20.0),
        Some(15.0),
        Some(10.0),
        Some(5.0),
        None,
    ] {
        goal(&app, &p1, "social_cohesion", (10.0, 20.0), actual).await;
    }
    for actual in [4.0, 5.0, 7.0, 10.0, 12.0] {
        goal(&app, &p1, "safety", (10.0, 5.0), Some(actual)).await;
    }
    let p2 = project(&app, &["schilderswijk"], "approved").await;
    goal(&app, &p2, "safety", (10.0, 5.0), Some(4.0)).await;
    goal(&app, &p2, "employment", (0.0, 12.0), Some(3.0)).await;
    for status in ["draft", "stopped"] {
        let other = project(&app, &["moerwijk"], status).await;
        goal(&app, &other, "social_cohesion", (10.0, 20.0), Some(25.0)).await;
    }

    let json = report(&app, &pb(), "", "application/json").await.body;
    let total = &json["results"]["total"];
    assert_eq!(
        total.as_array().unwrap().len(),
        6,
        "every effect, with zeros"
    );
    assert_eq!(
        effect(total, "social_cohesion"),
        &result("social_cohesion", 2, 1, 2, 1)
    );
    assert_eq!(effect(total, "safety"), &result("safety", 3, 1, 2, 0));
    assert_eq!(
        effect(total, "employment"),
        &result("employment", 0, 1, 0, 0)
    );
    assert_eq!(effect(total, "ownership"), &result("ownership", 0, 0, 0, 0));
    for id in ["moerwijk", "morgenstond"] {
        let effects = &neighbourhood(&json, id)["effects"];
        assert_eq!(
            effect(effects, "social_cohesion"),
            &result("social_cohesion", 2, 1, 2, 1),
            "{id}"
        );
        assert_eq!(
            effect(effects, "safety"),
            &result("safety", 2, 1, 2, 0),
            "{id}"
        );
    }
    let schilderswijk = &neighbourhood(&json, "schilderswijk")["effects"];
    assert_eq!(
        effect(schilderswijk, "safety"),
        &result("safety", 1, 0, 0, 0)
    );
    assert_eq!(
        effect(&neighbourhood(&json, "transvaal")["effects"], "safety"),
        &result("safety", 0, 0, 0, 0)
    );

    // A district's report counts its own neighbourhoods' projects only.
    let centrum = report(&app, &pb(), "?districtId=centrum", "application/json")
        .await
        .body;
    assert_eq!(
        effect(&centrum["results"]["total"], "safety"),
        &result("safety", 1, 0, 0, 0)
    );

    let csv = report(&app, &pb(), "?section=results", "text/csv").await;
    let (header, records) = parse(&csv.text);
    assert_eq!(
        header,
        [
            "neighbourhoodId",
            "name",
            "effect",
            "goals",
            "met",
            "progressing",
            "notMet",
            "notMeasured"
        ]
    );
    let row = |id: &str, effect: &str| -> Vec<String> {
        records
            .iter()
            .find(|r| &r[0] == id && &r[2] == effect)
            .unwrap_or_else(|| panic!("row {id} {effect}"))
            .iter()
            .skip(3)
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(row("moerwijk", "safety"), ["5", "2", "1", "2", "0"]);
    assert_eq!(row("total", "social_cohesion"), ["6", "2", "1", "2", "1"]);
    assert_eq!(row("total", "employment"), ["1", "0", "1", "0", "0"]);
    let neighbourhoods = json["neighbourhoods"].as_array().unwrap().len();
    assert_eq!(records.len(), (neighbourhoods + 1) * 6);

    let page = report(&app, &pb(), "", "text/html").await.text;
    assert!(page.contains("<svg class=\"chart\" id=\"chart-results\""));
    for sentence in [
        "Sociale samenhang: 2 van 6 doelen gehaald, 1 op weg, 2 niet gehaald, 1 nog niet gemeten.",
        "Veiligheid: 3 van 6 doelen gehaald, 1 op weg, 2 niet gehaald.",
        "Werk: 0 van 1 doel gehaald, 1 op weg, 0 niet gehaald.",
        "Eigenaarschap: geen doelen.",
    ] {
        assert!(page.contains(sentence), "the page says {sentence:?}");
    }
}

async fn signal(app: &TestApp, neighbourhood: &str, theme: &str) -> String {
    let created = app
        .post("/api/v1/signals", &app.token(&pb()), &json!({"title": "Signaal", "description": "Uit de wijk",
            "neighbourhoodId": neighbourhood, "source": "resident", "themeId": theme, "policyFeedback": true}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["id"].as_str().unwrap().to_owned()
}

/// A policy issue of `theme` bundling `signals`, raised; answered by `owner` with `response`
/// when given.
async fn issue(
    app: &TestApp,
    title: &str,
    theme: &str,
    signals: &[&str],
    answer: Option<(&str, Value)>,
) -> String {
    let created = app
        .post(
            "/api/v1/policy-issues",
            &app.token(&pb()),
            &json!({"title": title, "description": "Beleid past niet",
                    "themeId": theme, "signalIds": signals}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/policy-issues/{id}");
    let mut steps = vec![(
        pb(),
        format!("{path}/transitions"),
        Method::POST,
        json!({"to": "raised"}),
    )];
    if let Some((owner, response)) = answer {
        steps.push((
            vakdienst(owner),
            format!("{path}/response"),
            Method::PUT,
            response,
        ));
    }
    for (role, at, method, body) in steps {
        let version = etag(app, &path).await;
        let done = app
            .request(
                method,
                &at,
                Some(&app.token(&role)),
                Some(&body),
                &[("If-Match", &version)],
            )
            .await;
        assert!(done.status < 300, "{at}: {}", done.text);
    }
    id
}

/// - I1 employment (szw), a moerwijk signal: answered `no_change`, first.
/// - I2 housing (dso), a schilderswijk signal: answered `will_adjust`, after I1.
/// - I3 public space, a moerwijk signal: raised, not answered.
/// - I4 employment, a schilderswijk signal: answered `under_review` 400 days ago, before the
///   period.
#[actix_rt::test]
async fn the_policy_changes_name_every_issue_answered_in_the_period_will_adjust_first() {
    let app = spawn_app().await;
    let s1 = signal(&app, "moerwijk", "employment").await;
    let s2 = signal(&app, "schilderswijk", "housing").await;
    let s3 = signal(&app, "moerwijk", "public_space").await;
    let s4 = signal(&app, "schilderswijk", "employment").await;
    let i1 = issue(
        &app,
        "Bijstand en vrijwilligerswerk",
        "employment",
        &[&s1],
        Some((
            "szw",
            json!({"position": "no_change", "explanation": "De regel blijft.",
                   "decidedOn": "2026-11-02"}),
        )),
    )
    .await;
    let i2 = issue(
        &app,
        "Portiekwoningen zonder lift",
        "housing",
        &[&s2],
        Some((
            "dso",
            json!({"position": "will_adjust", "explanation": "=Voorrang bij verhuizing",
                   "decidedOn": "2026-11-20", "followUpOn": "2027-03-01"}),
        )),
    )
    .await;
    issue(&app, "Speelplekken", "public_space", &[&s3], None).await;
    let i4 = issue(
        &app,
        "Re-integratie",
        "employment",
        &[&s4],
        Some((
            "szw",
            json!({"position": "under_review", "explanation": "Wordt bekeken."}),
        )),
    )
    .await;
    let long_ago = (Utc::now() - Duration::days(400)).format("%Y-%m-%d %H:%M:%S");
    app.database.execute(&format!(
        "UPDATE policy_issues SET responded_at = '{long_ago}' WHERE id = '{i4}'"
    ));
    let from = (Utc::now() - Duration::days(30)).format("?from=%Y-%m-%d");

    let json = report(&app, &pb(), &from.to_string(), "application/json")
        .await
        .body;
    assert_eq!(
        json["policyChanges"],
        json!([
            {"policyIssueId": i2, "title": "Portiekwoningen zonder lift", "themeId": "housing",
             "departmentId": "dso", "departmentName": json["policyChanges"][0]["departmentName"],
             "position": "will_adjust", "explanation": "=Voorrang bij verhuizing",
             "decidedOn": "2026-11-20", "followUpOn": "2027-03-01"},
            {"policyIssueId": i1, "title": "Bijstand en vrijwilligerswerk", "themeId": "employment",
             "departmentId": "szw", "departmentName": json["policyChanges"][1]["departmentName"],
             "position": "no_change", "explanation": "De regel blijft.",
             "decidedOn": "2026-11-02", "followUpOn": null},
        ]),
        "will_adjust first, then in the order of the answers; I3 unanswered, I4 before the period"
    );
    let names: Vec<&str> = json["policyChanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["departmentName"].as_str().unwrap())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.is_empty() && *n != "dso" && *n != "szw"),
        "{names:?}"
    );
    let all_time = report(&app, &pb(), "", "application/json").await.body;
    assert_eq!(all_time["policyChanges"].as_array().unwrap().len(), 3);

    // Escamp's stadsdeel sees what its own neighbourhoods' signals changed.
    let escamp = report(
        &app,
        &stadsdeel("escamp"),
        &from.to_string(),
        "application/json",
    )
    .await
    .body;
    let ids: Vec<&Value> = escamp["policyChanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["policyIssueId"])
        .collect();
    assert_eq!(ids, [&json!(i1)]);

    let csv = report(
        &app,
        &pb(),
        &format!("{from}&section=policy_changes"),
        "text/csv",
    )
    .await;
    let (header, records) = parse(&csv.text);
    assert_eq!(
        header,
        [
            "policyIssueId",
            "title",
            "themeId",
            "departmentId",
            "departmentName",
            "position",
            "explanation",
            "decidedOn",
            "followUpOn"
        ]
    );
    assert_eq!(records.len(), 2);
    assert_eq!(&records[0][0], i2.as_str());
    assert_eq!(&records[0][5], "will_adjust");
    assert_eq!(
        &records[0][6], "'=Voorrang bij verhuizing",
        "a formula start is neutralised"
    );
    assert_eq!(&records[1][0], i1.as_str());
    assert_eq!(&records[1][8], "", "no follow-up");

    let page = report(&app, &pb(), &from.to_string(), "text/html")
        .await
        .text;
    let section = page
        .split("<section id=\"beleidswijzigingen\">")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .expect("the page has the policy changes");
    let adjusted = section.find("Portiekwoningen zonder lift").unwrap();
    let unchanged = section.find("Bijstand en vrijwilligerswerk").unwrap();
    assert!(adjusted < unchanged, "will_adjust first");
    for text in [
        "beleid wordt aangepast",
        "geen wijziging",
        "20 november 2026",
        "1 maart 2027",
    ] {
        assert!(section.contains(text), "the table shows {text:?}");
    }
    assert!(!section.contains("Speelplekken") && !section.contains("Re-integratie"));
}

/// P1 (moerwijk, running) is co-financed exactly 40 %: 600 programme, 400 from szw. P2
/// (schilderswijk, approved) a third: 200 programme, 100 from szw.
#[actix_rt::test]
async fn the_cofinancing_target_is_met_at_forty_percent_and_csv_ratios_have_four_decimals() {
    let app = spawn_app().await;
    let pb_token = app.token(&pb());
    let p1 = project(&app, &["moerwijk"], "running").await;
    let p2 = project(&app, &["schilderswijk"], "approved").await;
    for (id, source, cents) in [
        (&p1, "programme", 60_000),
        (&p1, "department", 40_000),
        (&p2, "programme", 20_000),
        (&p2, "department", 10_000),
    ] {
        let mut line = json!({"sourceType": source, "amountCents": cents, "status": "committed"});
        if source == "department" {
            line["sourceId"] = json!("szw");
        }
        let added = app
            .post(
                &format!("/api/v1/projects/{id}/funding-lines"),
                &pb_token,
                &line,
            )
            .await;
        assert_eq!(added.status, 201, "{}", added.text);
    }

    let project = app.get(&format!("/api/v1/projects/{p1}"), &pb_token).await;
    assert_eq!(project.body["budget"]["cofinancingRatio"], json!(0.4));
    assert_eq!(
        project.body["budget"]["meetsCofinancingTarget"],
        json!(true)
    );

    let json = report(&app, &pb(), "", "application/json").await.body;
    let budget = |id: &str| {
        json["neighbourhoods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["neighbourhoodId"] == id)
            .unwrap()["projects"]["budget"]
            .clone()
    };
    assert_eq!(budget("moerwijk")["cofinancingRatio"], json!(0.4));
    assert_eq!(budget("moerwijk")["meetsTarget"], json!(true), "40 % meets");
    assert_eq!(budget("schilderswijk")["meetsTarget"], json!(false));
    // 500 of 1,300: 38.5 %, below.
    assert_eq!(
        json["total"]["projects"]["budget"]["meetsTarget"],
        json!(false)
    );

    let page = report(&app, &pb(), "", "text/html").await.text;
    let chart = page
        .split("id=\"chart-cofinancing\"")
        .nth(1)
        .and_then(|rest| rest.split("</svg>").next())
        .unwrap();
    assert!(
        chart.contains("fill=\"#31a354\"><title>Moerwijk</title>"),
        "40 % is drawn as met"
    );

    // The project list's CSV and the report's: the JSON members as columns, ratios rounded.
    let export = app
        .request(
            Method::GET,
            "/api/v1/projects",
            Some(&pb_token),
            None,
            &[("Accept", "text/csv")],
        )
        .await;
    let (header, records) = parse(&export.text);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let p2_row = records.iter().find(|r| r[0] == *p2).unwrap();
    assert_eq!(&p2_row[column("budget.cofinancingRatio")], "0.3333");
    let p1_row = records.iter().find(|r| r[0] == *p1).unwrap();
    assert_eq!(&p1_row[column("budget.meetsCofinancingTarget")], "true");

    let csv = report(&app, &pb(), "", "text/csv").await;
    let (header, records) = parse(&csv.text);
    for row in &records {
        let (subject, id) = match &row[0] {
            "total" => (&json["total"], "total"),
            id => (
                json["neighbourhoods"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|n| n["neighbourhoodId"] == id)
                    .unwrap(),
                id,
            ),
        };
        for (name, cell) in header.iter().zip(row.iter()) {
            if id == "total" && !name.contains('.') {
                continue;
            }
            let value = member(subject, name).unwrap_or_else(|| panic!("{name} is no JSON member"));
            assert!(
                same(&value, cell),
                "{id} {name}: JSON {value}, CSV {cell:?}"
            );
        }
    }
    let schilderswijk = records.iter().find(|r| &r[0] == "schilderswijk").unwrap();
    let ratio = header
        .iter()
        .position(|h| h == "projects.budget.cofinancingRatio")
        .unwrap();
    assert_eq!(&schilderswijk[ratio], "0.3333");
}

/// The value at a CSV column's path in `value`: members by name, a list entry by its code (the
/// entry's one text member), whose figure is its one number.
fn member(value: &Value, path: &str) -> Option<Value> {
    let mut at = value.clone();
    for segment in path.split('.') {
        at = match at {
            Value::Object(map) => map.get(segment)?.clone(),
            Value::Array(entries) => {
                let entry = entries.into_iter().find(|e| {
                    e.as_object()
                        .is_some_and(|o| o.values().any(|v| v == segment))
                })?;
                entry.as_object()?.values().find(|v| v.is_number())?.clone()
            }
            _ => return None,
        };
    }
    Some(at)
}

/// Whether a CSV cell holds a JSON value: the same number, text, boolean, or empty for null.
fn same(value: &Value, cell: &str) -> bool {
    match value {
        Value::Null => cell.is_empty(),
        Value::Number(n) => cell.parse::<f64>().ok() == n.as_f64(),
        Value::Bool(b) => cell == b.to_string(),
        Value::String(s) => cell == s,
        _ => false,
    }
}

/// Every section's header row is the one the OpenAPI document gives for it.
#[actix_rt::test]
async fn the_openapi_document_gives_the_columns_of_every_csv_section() {
    let app = spawn_app().await;
    let document = std::fs::read_to_string("openapi/openapi.json").unwrap();
    let document: Value = serde_json::from_str(&document).unwrap();
    let description =
        document["paths"]["/reports/progress"]["get"]["responses"]["200"]["description"]
            .as_str()
            .unwrap();
    for section in [
        "neighbourhoods",
        "policy_feedback",
        "quarters",
        "lessons",
        "results",
        "policy_changes",
    ] {
        let csv = report(&app, &pb(), &format!("?section={section}"), "text/csv").await;
        let header = csv.text.split("\r\n").next().unwrap();
        assert!(
            description.contains(&format!("- `{section}`"))
                && description.contains(&format!("`{header}`")),
            "the document gives {section}: {header}"
        );
        for column in header.split(',') {
            assert!(
                column
                    .split('.')
                    .all(|segment| !segment.contains('_') || is_code(segment)),
                "{section}: {column} is named as a JSON member"
            );
        }
    }
}

/// A code of a vocabulary that names a list entry in a column (`projects.byStatus.in_dialogue`).
fn is_code(segment: &str) -> bool {
    wijkregie::domain::projects::STATUSES.contains(&segment)
        || wijkregie::domain::projects::EFFECTS.contains(&segment)
        || wijkregie::domain::policy_issues::POSITIONS.contains(&segment)
}
