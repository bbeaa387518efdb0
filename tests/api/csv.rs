//! CSV export of the partner and project lists (`Accept: text/csv`).

use serde_json::json;

use crate::helpers::{TestApp, partner, pb, spawn_app, stadsdeel};

async fn csv(app: &TestApp, path: &str, token: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    let response = app
        .request(
            awc::http::Method::GET,
            path,
            Some(token),
            None,
            &[("Accept", "text/csv")],
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        response.content_type(),
        "text/csv; charset=utf-8; header=present"
    );
    assert_eq!(response.header("vary").as_deref(), Some("Accept"));
    assert!(
        response
            .header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment; filename=")),
        "{:?}",
        response.header("content-disposition")
    );
    assert!(
        response.text.ends_with("\r\n"),
        "RFC 4180 lines end in CRLF"
    );
    let mut reader = csv::Reader::from_reader(response.text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let records = reader.records().map(Result::unwrap).collect();
    (header, records)
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("column {name} in {header:?}"))
}

#[actix_rt::test]
async fn every_partner_past_a_page_comes_as_one_csv_with_the_lists_filters() {
    let app = spawn_app().await;
    let values: Vec<String> = (0..1_203)
        .map(|i| {
            let kind = if i % 3 == 0 { "school" } else { "welfare" };
            format!(
                "('0190f0a0-0000-7000-8000-{i:012}', 'Partner {i}', 'partner {i}', '{kind}', \
                 NULL, NULL, 'p{i}@example.nl', NULL, NULL, TRUE, 1, \
                 '2026-11-01 10:00:00', '2026-11-01 10:00:00')"
            )
        })
        .collect();
    app.database.execute(&format!(
        "INSERT INTO partners (id, name, name_search, kind, kvk_number, contact_name, \
         contact_email, contact_phone, website, active, version, created_at, updated_at) \
         VALUES {}",
        values.join(", ")
    ));
    let token = app.token(&pb());
    let (header, records) = csv(&app, "/api/v1/partners", &token).await;
    assert_eq!(header[..3], ["id", "name", "kind"]);
    assert_eq!(records.len(), 1_203, "every row, past the 200-item page");
    let ids: std::collections::BTreeSet<&str> = records.iter().map(|r| &r[0]).collect();
    assert_eq!(ids.len(), 1_203, "no row twice across the batches");
    let email = column(&header, "contact.email");
    let first = records
        .iter()
        .find(|r| &r[1] == "Partner 7")
        .expect("Partner 7");
    assert_eq!(&first[email], "p7@example.nl");
    assert_eq!(&first[column(&header, "kvkNumber")], "");

    let (_, schools) = csv(&app, "/api/v1/partners?kind=school&limit=5", &token).await;
    assert_eq!(schools.len(), 401, "the filter applies; limit does not");
    assert!(schools.iter().all(|r| &r[2] == "school"));

    let json = app.get("/api/v1/partners?limit=5", &token).await;
    assert_eq!(json.status, 200);
    assert_eq!(json.header("vary").as_deref(), Some("Accept"));
    assert_eq!(json.body["items"].as_array().map(Vec::len), Some(5));
}

#[actix_rt::test]
async fn a_list_answers_json_by_default_and_406_when_neither_is_acceptable() {
    let app = spawn_app().await;
    let token = app.token(&pb());
    for path in ["/api/v1/partners", "/api/v1/projects"] {
        for (accept, status) in [
            ("application/json", 200),
            ("*/*", 200),
            ("text/html", 406),
            ("application/xml, text/csv;q=0", 406),
        ] {
            let response = app
                .request(
                    awc::http::Method::GET,
                    path,
                    Some(&token),
                    None,
                    &[("Accept", accept)],
                )
                .await;
            match status {
                200 => assert!(response.content_type().starts_with("application/json")),
                _ => {
                    response.assert_problem(406, "not_acceptable");
                }
            }
        }
    }
}

#[actix_rt::test]
async fn the_project_csv_shows_only_what_the_caller_may_read() {
    let app = spawn_app().await;
    let bureau = app.token(&pb());
    let school = app
        .post(
            "/api/v1/partners",
            &bureau,
            &json!({"name": "Basisschool De Regenboog", "kind": "school"}),
        )
        .await;
    assert_eq!(school.status, 201, "{}", school.text);
    let school_id = school.body["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for (title, neighbourhood, initiator) in [
        ("Moestuin Moerwijk", "moerwijk", Some(school_id.as_str())),
        ("Buurtfeest Morgenstond", "morgenstond", None),
        ("Speeltuin Transvaal", "transvaal", None),
    ] {
        let mut body = json!({"title": title, "neighbourhoodIds": [neighbourhood]});
        if let Some(partner_id) = initiator {
            body["initiatorPartnerId"] = json!(partner_id);
        }
        let created = app.post("/api/v1/projects", &bureau, &body).await;
        assert_eq!(created.status, 201, "{}", created.text);
        ids.push(created.body["id"].as_str().unwrap().to_owned());
    }
    let titles = |records: &[csv::StringRecord]| {
        let mut titles: Vec<String> = records.iter().map(|r| r[1].to_owned()).collect();
        titles.sort();
        titles
    };
    let (header, all) = csv(&app, "/api/v1/projects", &bureau).await;
    assert_eq!(all.len(), 3);
    assert_eq!(&all[0][column(&header, "budget.totalCents")], "0");
    assert_eq!(&all[0][column(&header, "status")], "draft");

    // Drafts: a stadsdeel reads only its own district's; a partner only the projects it is in.
    let escamp = app.token(&stadsdeel("escamp"));
    let (_, seen) = csv(&app, "/api/v1/projects", &escamp).await;
    assert_eq!(
        titles(&seen),
        ["Buurtfeest Morgenstond", "Moestuin Moerwijk"]
    );
    let (_, seen) = csv(&app, "/api/v1/projects", &app.token(&partner(&school_id))).await;
    assert_eq!(titles(&seen), ["Moestuin Moerwijk"]);
    let (_, seen) = csv(&app, "/api/v1/projects?neighbourhoodId=transvaal", &bureau).await;
    assert_eq!(titles(&seen), ["Speeltuin Transvaal"]);
    assert_eq!(&seen[0][0], ids[2]);
}

/// Text a spreadsheet would run as a formula (OWASP "CSV injection"), one of each start that
/// stored text can have (text is trimmed, so a leading tab or carriage return is never stored;
/// `reports::cell`'s unit tests cover those).
const FORMULAS: [&str; 5] = [
    "=HYPERLINK(\"https://evil.example\",\"Klik\")",
    "+31 70 353 3000",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "'=1+1",
];

#[actix_rt::test]
async fn formula_cells_of_the_exports_get_an_apostrophe_and_figures_stay_numbers() {
    let app = spawn_app().await;
    let bureau = app.token(&pb());
    for (i, formula) in FORMULAS.iter().enumerate() {
        let created = app
            .post(
                "/api/v1/partners",
                &bureau,
                &json!({"name": format!("{formula} {i}"), "kind": "school",
                        "contact": {"phone": "+31 70 353 3000"}}),
            )
            .await;
        assert_eq!(created.status, 201, "{formula:?}: {}", created.text);
    }
    let (header, records) = csv(&app, "/api/v1/partners", &bureau).await;
    let (name, phone, version) = (
        column(&header, "name"),
        column(&header, "contact.phone"),
        column(&header, "version"),
    );
    let mut names: Vec<&str> = records.iter().map(|r| &r[name]).collect();
    names.sort_unstable();
    let mut expected: Vec<String> = FORMULAS
        .iter()
        .enumerate()
        .map(|(i, formula)| format!("'{formula} {i}"))
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    for record in &records {
        assert_eq!(&record[phone], "'+31 70 353 3000");
        assert_eq!(&record[version], "1", "a figure is not text");
    }

    let project = app
        .post(
            "/api/v1/projects",
            &bureau,
            &json!({"title": "@Moestuin", "summary": "-5 tegels", "neighbourhoodIds": ["moerwijk"]}),
        )
        .await;
    assert_eq!(project.status, 201, "{}", project.text);
    let (header, records) = csv(&app, "/api/v1/projects", &bureau).await;
    assert_eq!(&records[0][column(&header, "title")], "'@Moestuin");
    assert_eq!(&records[0][column(&header, "summary")], "'-5 tegels");
    assert_eq!(&records[0][column(&header, "budget.totalCents")], "0");
}

#[actix_rt::test]
async fn the_reports_csv_neutralises_names_and_keeps_its_figures_numbers() {
    let app = spawn_app().await;
    let admin = app.token(&wijkregie::auth::Role::Admin);
    let path = "/api/v1/neighbourhoods/moerwijk";
    let etag = app.get(path, &admin).await.header("etag");
    let renamed = app
        .patch(path, &admin, etag.as_deref(), &json!({"name": "=1+1"}))
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let response = app
        .request(
            awc::http::Method::GET,
            "/api/v1/reports/progress",
            Some(&app.token(&pb())),
            None,
            &[("Accept", "text/csv")],
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let mut reader = csv::Reader::from_reader(response.text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let moerwijk = reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "moerwijk")
        .unwrap();
    assert_eq!(&moerwijk[column(&header, "name")], "'=1+1");
    assert_eq!(&moerwijk[column(&header, "projects.count")], "0");
    assert_eq!(
        &moerwijk[column(&header, "projects.budget.totalCents")],
        "0"
    );
}
