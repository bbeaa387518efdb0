//! Advice requests (DESIGN §16): the bureau asks a department for advice on an idea by a date;
//! the department's final advisory assessment gives it, or the bureau withdraws it; who may
//! ask, who reads which request, and the events each change writes.

use awc::http::Method;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{
    Response, TestApp, assess, finalize, partner, pb, spawn_app, stadsdeel, transition, vakdienst,
};
use wijkregie::auth::Role;

const EFFECTS: [&str; 6] = [
    "social_cohesion",
    "positive_image",
    "access_to_services",
    "safety",
    "employment",
    "ownership",
];

pub fn advisory() -> Value {
    let effects: Vec<Value> = EFFECTS
        .iter()
        .map(|e| json!({"effect": e, "score": 2, "motivation": "Onderbouwing"}))
        .collect();
    json!({"kind": "advisory", "effects": effects, "sustainability": {"score": 1, "motivation": "Borging"},
           "advice": "positive", "explanation": "Past bij het beleid"})
}

pub fn in_days(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days)).to_string()
}

/// A project in Moerwijk (escamp) moved by the bureau through `statuses`.
pub async fn project(app: &TestApp, statuses: &[&str]) -> String {
    let created = app
        .post(
            "/api/v1/projects",
            &app.token(&pb()),
            &json!({"title": "Huiswerkklas in het buurthuis", "neighbourhoodIds": ["moerwijk"]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_owned();
    for to in statuses {
        assert_eq!(transition(app, &pb(), &id, to).await.status, 200, "{to}");
    }
    id
}

/// Asks `department` for advice on `project` as `role`, due in a week.
pub async fn ask(app: &TestApp, role: &Role, project: &str, department: &str) -> Response {
    app.post(
        &format!("/api/v1/projects/{project}/advice-requests"),
        &app.token(role),
        &json!({"departmentId": department, "question": "Past dit bij het onderwijsbeleid?", "dueOn": in_days(7)}),
    )
    .await
}

/// The department's advisory assessment of `project`, made final.
pub async fn advise(app: &TestApp, department: &str, project: &str) {
    let draft = assess(app, &vakdienst(department), project, &advisory()).await;
    assert_eq!(draft.status, 201, "{}", draft.text);
    let done = finalize(app, &vakdienst(department), project, &draft).await;
    assert_eq!(done.status, 200, "{}", done.text);
}

async fn withdraw(app: &TestApp, role: &Role, id: &str, body: Value) -> Response {
    let path = format!("/api/v1/advice-requests/{id}");
    let version = app
        .get(&path, &app.token(&pb()))
        .await
        .header("etag")
        .unwrap();
    app.request(
        Method::POST,
        &format!("{path}/transitions"),
        Some(&app.token(role)),
        Some(&body),
        &[("If-Match", &version)],
    )
    .await
}

fn listed(response: &Response) -> Vec<String> {
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

fn actions(response: &Response) -> Vec<String> {
    listed_actions(&response.body)
}

fn listed_actions(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_rt::test]
async fn the_asked_departments_final_advisory_assessment_gives_the_advice_on_time() {
    let app = spawn_app().await;
    let id = project(&app, &["submitted"]).await;
    let asked = ask(&app, &pb(), &id, "ocw").await;
    assert_eq!(asked.status, 201, "{}", asked.text);
    assert_eq!(asked.body["status"], "open");
    assert_eq!(asked.body["dueOn"], in_days(7));
    assert_eq!(asked.body["onTime"], Value::Null);
    let request = asked.body["id"].as_str().unwrap().to_owned();
    let other = ask(&app, &pb(), &id, "szw").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Another department's advice does not settle ocw's request.
    advise(&app, "szw", &id).await;
    let path = format!("/api/v1/advice-requests/{request}");
    assert_eq!(
        app.get(&path, &app.token(&pb())).await.body["status"],
        "open"
    );
    advise(&app, "ocw", &id).await;

    let given = app.get(&path, &app.token(&vakdienst("ocw"))).await;
    assert_eq!(given.body["status"], "given", "{}", given.text);
    assert_eq!(given.body["onTime"], true);
    assert!(given.body["assessmentId"].is_string(), "{}", given.text);
    assert!(given.body["settledAt"].is_string());
    // The district reads the request, not the department's advisory assessment.
    let seen = app.get(&path, &app.token(&stadsdeel("escamp"))).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.body["assessmentId"], Value::Null);
    let szw = app
        .get(
            &format!("/api/v1/advice-requests/{other}"),
            &app.token(&pb()),
        )
        .await;
    assert_eq!(szw.body["status"], "given");

    let history = app.get(&format!("{path}/history"), &app.token(&pb())).await;
    assert_eq!(
        actions(&history),
        ["advice_request.requested", "advice_request.given"]
    );
    let given_event = &history.body["items"][1];
    assert_eq!(given_event["data"]["projectId"], id.as_str());
    assert_eq!(given_event["data"]["departmentId"], "ocw");
    assert_eq!(given_event["data"]["onTime"], true);

    // Every event written on the way has its delivery described in the document's webhooks.
    let document = app.get("/api/v1/openapi.json", "").await.body;
    let feed = app
        .get("/api/v1/events?limit=200", &app.token(&Role::Admin))
        .await;
    for action in listed_actions(&feed.body) {
        let described = &document["webhooks"][format!("nl.wijkregie.{action}")]["post"];
        assert!(
            described["requestBody"].is_object(),
            "{action} is not in the webhooks"
        );
    }
    let payload = &document["webhooks"]["nl.wijkregie.advice_request.given"]["post"]["requestBody"]
        ["content"]["application/cloudevents+json"]["schema"]["allOf"];
    assert_eq!(payload[0]["$ref"], "#/components/schemas/CloudEvent");
    assert_eq!(
        payload[1]["properties"]["data"]["properties"]["resourceType"]["enum"],
        json!(["advice_request"])
    );
}

#[actix_rt::test]
async fn each_role_reads_the_advice_requests_of_its_own_scope() {
    let app = spawn_app().await;
    let id = project(&app, &["submitted", "in_dialogue"]).await;
    let request = ask(&app, &pb(), &id, "ocw").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let one = vec![request.clone()];
    let none: Vec<String> = Vec::new();
    for (role, expected) in [
        (pb(), &one),
        (Role::Admin, &one),
        (vakdienst("ocw"), &one),
        (vakdienst("szw"), &none),
        (stadsdeel("escamp"), &one),
        (stadsdeel("centrum"), &none),
        (partner("0190f0a0-0000-7000-8000-000000000001"), &none),
    ] {
        let token = app.token(&role);
        assert_eq!(
            &listed(&app.get("/api/v1/advice-requests", &token).await),
            expected,
            "{role:?}"
        );
        let single = app
            .get(&format!("/api/v1/advice-requests/{request}"), &token)
            .await;
        let status = if expected.is_empty() { 404 } else { 200 };
        assert_eq!(single.status, status, "{role:?}: {}", single.text);
        let events = app
            .get("/api/v1/events?types=advice_request.*", &token)
            .await;
        assert_eq!(
            listed_actions(&events.body).len(),
            expected.len(),
            "{role:?}: {}",
            events.text
        );
    }
    let on_project = app
        .get(
            &format!("/api/v1/projects/{id}/advice-requests"),
            &app.token(&vakdienst("ocw")),
        )
        .await;
    assert_eq!(listed(&on_project), one);
    let filtered = app
        .get(
            "/api/v1/advice-requests?departmentId=szw",
            &app.token(&pb()),
        )
        .await;
    assert!(listed(&filtered).is_empty());
}

#[actix_rt::test]
async fn only_the_bureau_asks_and_only_while_the_idea_is_weighed() {
    let app = spawn_app().await;
    let id = project(&app, &["submitted"]).await;
    ask(&app, &stadsdeel("escamp"), &id, "ocw")
        .await
        .assert_problem(403, "forbidden");
    ask(&app, &vakdienst("ocw"), &id, "ocw")
        .await
        .assert_problem(403, "forbidden");
    ask(&app, &Role::Admin, &id, "ocw")
        .await
        .assert_problem(403, "forbidden");
    // A partner that cannot read the project does not learn it exists.
    let outsider = ask(
        &app,
        &partner("0190f0a0-0000-7000-8000-000000000001"),
        &id,
        "ocw",
    )
    .await;
    assert_eq!(outsider.status, 404, "{}", outsider.text);

    let draft = project(&app, &[]).await;
    ask(&app, &pb(), &draft, "ocw")
        .await
        .assert_problem(409, "advice_not_requestable");
    let approved = project(&app, &["submitted", "in_dialogue", "under_assessment"]).await;
    assert_eq!(ask(&app, &pb(), &approved, "ocw").await.status, 201);

    let bad = app
        .post(
            &format!("/api/v1/projects/{id}/advice-requests"),
            &app.token(&pb()),
            &json!({"departmentId": "nergens", "question": " ", "dueOn": in_days(-1)}),
        )
        .await;
    bad.assert_problem(400, "invalid_input");
    let mut names = bad.invalid_param_names();
    names.sort();
    assert_eq!(names, ["departmentId", "dueOn", "question"]);
}

#[actix_rt::test]
async fn the_bureau_withdraws_an_open_request_with_a_reason_and_if_match() {
    let app = spawn_app().await;
    let id = project(&app, &["submitted"]).await;
    let request = ask(&app, &pb(), &id, "ocw").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/advice-requests/{request}");
    let body = json!({"to": "withdrawn", "reason": "De vraag is elders beantwoord"});

    let blind = app
        .post(&format!("{path}/transitions"), &app.token(&pb()), &body)
        .await;
    blind.assert_problem(428, "if_match_required");
    let stale = app
        .request(
            Method::POST,
            &format!("{path}/transitions"),
            Some(&app.token(&pb())),
            Some(&body),
            &[("If-Match", "\"7\"")],
        )
        .await;
    assert_eq!(stale.status, 412, "{}", stale.text);
    withdraw(&app, &pb(), &request, json!({"to": "withdrawn"}))
        .await
        .assert_problem(400, "invalid_input");
    withdraw(&app, &stadsdeel("escamp"), &request, body.clone())
        .await
        .assert_problem(403, "forbidden");
    let outsider = withdraw(&app, &vakdienst("szw"), &request, body.clone()).await;
    assert_eq!(outsider.status, 404);

    let done = withdraw(&app, &pb(), &request, body.clone()).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.body["status"], "withdrawn");
    assert_eq!(
        done.body["withdrawalReason"],
        "De vraag is elders beantwoord"
    );
    withdraw(&app, &pb(), &request, body)
        .await
        .assert_problem(409, "transition_not_allowed");
    // Advice given afterwards leaves a withdrawn request withdrawn.
    advise(&app, "ocw", &id).await;
    assert_eq!(
        app.get(&path, &app.token(&pb())).await.body["status"],
        "withdrawn"
    );
    let history = app
        .get(&format!("{path}/history"), &app.token(&vakdienst("ocw")))
        .await;
    assert_eq!(
        actions(&history),
        ["advice_request.requested", "advice_request.withdrawn"]
    );
}

#[actix_rt::test]
async fn the_report_counts_advice_asked_given_on_time_and_late_per_department() {
    let app = spawn_app().await;
    let id = project(&app, &["submitted"]).await;
    ask(&app, &pb(), &id, "ocw").await;
    advise(&app, "ocw", &id).await;
    let late = project(&app, &["submitted"]).await;
    let asked = ask(&app, &pb(), &late, "ocw").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.database.execute(&format!(
        "UPDATE advice_requests SET due_at = '2026-01-02 00:00:00' WHERE id = '{asked}'"
    ));
    advise(&app, "ocw", &late).await;
    let open = project(&app, &["submitted"]).await;
    let overdue = ask(&app, &pb(), &open, "szw").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.database.execute(&format!(
        "UPDATE advice_requests SET due_at = '2026-01-02 00:00:00' WHERE id = '{overdue}'"
    ));

    let report = app.get("/api/v1/reports/progress", &app.token(&pb())).await;
    assert_eq!(report.status, 200, "{}", report.text);
    let of = |department: &str| {
        report.body["adviceByDepartment"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["departmentId"] == department)
            .cloned()
            .unwrap()
    };
    let ocw = of("ocw");
    assert_eq!(
        (
            ocw["requested"].clone(),
            ocw["givenOnTime"].clone(),
            ocw["givenLate"].clone()
        ),
        (json!(2), json!(1), json!(1))
    );
    let szw = of("szw");
    assert_eq!(
        (szw["open"].clone(), szw["overdueNow"].clone()),
        (json!(1), json!(1))
    );

    let csv = app
        .request(
            Method::GET,
            "/api/v1/reports/progress?section=advice",
            Some(&app.token(&pb())),
            None,
            &[("Accept", "text/csv")],
        )
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    assert!(
        csv.text.starts_with(
            "departmentId,name,requested,givenOnTime,givenLate,withdrawn,open,overdueNow\r\n"
        ),
        "{}",
        csv.text
    );
    assert!(csv.text.contains(",2,1,1,0,0,0\r\n"), "{}", csv.text);
    let page = app
        .request(
            Method::GET,
            "/api/v1/reports/progress",
            Some(&app.token(&pb())),
            None,
            &[("Accept", "text/html")],
        )
        .await;
    assert!(
        page.text.contains("Adviesaanvragen per vakdienst"),
        "{}",
        page.text
    );
}
