//! Reference data: seeded on first migration, read by every role, written by administration
//! (themes also by the programme bureau), every change version-checked and recorded.

use serde_json::{Value, json};

use crate::helpers::{every_role, spawn_app};
use wijkregie::auth::{Role, RoleKind};
use wijkregie::authz::{Access, operations};

const RESOURCES: [&str; 4] = ["districts", "neighbourhoods", "departments", "themes"];

/// A valid new record of each resource.
fn new_record(resource: &str) -> Value {
    match resource {
        "districts" => json!({"id": "noordrand", "name": "Noordrand"}),
        "neighbourhoods" => {
            json!({"id": "bezuidenhout", "name": "Bezuidenhout", "districtId": "haagse-hout", "cbsCode": "WK051899"})
        }
        "departments" => json!({"id": "dso-wonen", "name": "Wonen en Ruimte"}),
        "themes" => {
            json!({"id": "sports", "name": "Sport en bewegen", "departmentId": "ocw", "responseDays": 21})
        }
        _ => unreachable!(),
    }
}

/// The seeded record each resource's single-item tests use.
fn seeded_id(resource: &str) -> &'static str {
    match resource {
        "districts" => "laak",
        "neighbourhoods" => "moerwijk",
        "departments" => "szw",
        "themes" => "public_space",
        _ => unreachable!(),
    }
}

/// Whether `role` may `verb` (create, update) records of `resource`, as the access table says:
/// reference data has no object rules, so a cell is all or nothing.
fn may(verb: &str, resource: &str, role: RoleKind) -> bool {
    let operation = format!("{verb}_{}", resource.trim_end_matches('s'));
    let row = operations::find(&operation)
        .unwrap_or_else(|| panic!("{operation} has no row in the access table"));
    match row.access(role) {
        Access::Yes => true,
        Access::Denied | Access::DeniedPerObject => false,
        Access::Only(rule) => panic!("{operation} has an object rule for reference data: {rule}"),
    }
}

#[actix_rt::test]
async fn the_programme_reference_data_is_seeded() {
    let app = spawn_app().await;
    let token = app.token(&Role::Programmabureau);
    let districts = app.get("/api/v1/districts?limit=200", &token).await;
    let ids: Vec<&str> = districts.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "centrum",
            "escamp",
            "haagse-hout",
            "laak",
            "leidschenveen-ypenburg",
            "loosduinen",
            "scheveningen",
            "segbroek"
        ]
    );
    let focus = app
        .get("/api/v1/neighbourhoods?focusArea=true&limit=200", &token)
        .await;
    assert_eq!(
        focus.body["items"].as_array().unwrap().len(),
        7,
        "seven focus neighbourhoods"
    );
    let departments = app.get("/api/v1/departments", &token).await;
    assert_eq!(departments.body["items"].as_array().unwrap().len(), 6);
    let housing = app.get("/api/v1/themes/housing", &token).await;
    assert_eq!(housing.body["departmentId"], "dso");
    let escamp = app
        .get("/api/v1/neighbourhoods?districtId=escamp", &token)
        .await;
    let escamp_ids: Vec<&str> = escamp.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        escamp_ids,
        ["bouwlust-vrederust", "moerwijk", "morgenstond"]
    );
    let ocw = app.get("/api/v1/themes?departmentId=ocw", &token).await;
    assert!(
        ocw.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["departmentId"] == "ocw")
    );
    assert_eq!(ocw.body["items"].as_array().unwrap().len(), 3);
}

#[actix_rt::test]
async fn every_role_reads_every_reference_resource() {
    let app = spawn_app().await;
    for role in every_role() {
        let token = app.token(&role);
        for resource in RESOURCES {
            let list = app.get(&format!("/api/v1/{resource}"), &token).await;
            assert_eq!(list.status, 200, "{role:?} lists {resource}");
            assert!(!list.body["items"].as_array().unwrap().is_empty());
            let one = app
                .get(
                    &format!("/api/v1/{resource}/{}", seeded_id(resource)),
                    &token,
                )
                .await;
            assert_eq!(one.status, 200, "{role:?} reads one of {resource}");
            assert_eq!(one.header("etag").as_deref(), Some("\"1\""));
        }
    }
}

#[actix_rt::test]
async fn only_the_allowed_roles_create_and_update_reference_data() {
    let app = spawn_app().await;
    for resource in RESOURCES {
        for role in every_role() {
            let token = app.token(&role);
            let mut record = new_record(resource);
            record["id"] = json!(format!(
                "{}-{}",
                record["id"].as_str().unwrap(),
                role.kind().as_str()
            ));
            let created = app
                .post(&format!("/api/v1/{resource}"), &token, &record)
                .await;
            let path = format!("/api/v1/{resource}/{}", seeded_id(resource));
            let current = app.get(&path, &token).await.header("etag").unwrap();
            let updated = app
                .patch(
                    &path,
                    &token,
                    Some(&current),
                    &json!({"name": "Nieuwe naam"}),
                )
                .await;
            if may("create", resource, role.kind()) {
                assert_eq!(
                    created.status, 201,
                    "{role:?} creates {resource}: {}",
                    created.text
                );
            } else {
                created.assert_problem(403, "forbidden");
            }
            if may("update", resource, role.kind()) {
                assert_eq!(
                    updated.status, 200,
                    "{role:?} updates {resource}: {}",
                    updated.text
                );
            } else {
                updated.assert_problem(403, "forbidden");
            }
        }
    }
}

#[actix_rt::test]
async fn creating_answers_201_with_location_and_etag_and_the_record_reads_back() {
    let app = spawn_app().await;
    let admin = app.token(&Role::Admin);
    for resource in RESOURCES {
        let record = new_record(resource);
        let created = app
            .post(&format!("/api/v1/{resource}"), &admin, &record)
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let location = created.header("location").unwrap();
        assert_eq!(
            location,
            format!("/api/v1/{resource}/{}", record["id"].as_str().unwrap())
        );
        assert_eq!(created.header("etag").as_deref(), Some("\"1\""));
        let read = app.get(&location, &admin).await;
        assert_eq!(read.body, created.body);
        for (key, value) in record.as_object().unwrap() {
            assert_eq!(&read.body[key], value, "{resource}.{key}");
        }
        let again = app
            .post(&format!("/api/v1/{resource}"), &admin, &record)
            .await;
        again.assert_problem(409, "already_exists");
    }
}

#[actix_rt::test]
async fn invalid_input_lists_every_problem_at_once() {
    let app = spawn_app().await;
    let admin = app.token(&Role::Admin);
    let response = app
        .post(
            "/api/v1/themes",
            &admin,
            &json!({"id": "Not A Slug", "name": "   ", "departmentId": 7, "responseDays": 366, "colour": "red"}),
        )
        .await;
    response.assert_problem(400, "invalid_input");
    assert_eq!(
        response.invalid_param_names(),
        ["colour", "departmentId", "id", "name", "responseDays"]
    );
    let codes: Vec<&str> = response.body["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    for code in [
        "invalid_slug",
        "empty",
        "wrong_type",
        "out_of_range",
        "unknown_field",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }

    let missing = app.post("/api/v1/neighbourhoods", &admin, &json!({})).await;
    missing.assert_problem(400, "invalid_input");
    assert_eq!(missing.invalid_param_names(), ["districtId", "id", "name"]);

    let unknown = app
        .post("/api/v1/neighbourhoods", &admin, &json!({"id": "nergens", "name": "Nergens", "districtId": "atlantis", "cbsCode": "CBS1"}))
        .await;
    unknown.assert_problem(400, "invalid_input");
    assert_eq!(unknown.invalid_param_names(), ["cbsCode", "districtId"]);
    assert_eq!(
        unknown.body["invalidParams"][1]["code"],
        "unknown_reference"
    );
}

#[actix_rt::test]
async fn updates_need_the_current_if_match() {
    let app = spawn_app().await;
    let admin = app.token(&Role::Admin);
    let path = "/api/v1/themes/housing";
    let change = json!({"responseDays": 21});

    app.patch(path, &admin, None, &change)
        .await
        .assert_problem(428, "if_match_required");
    for malformed in ["*", "garbage", "\"\"", "W/\"1\"", "\"-1\""] {
        let refused = app.patch(path, &admin, Some(malformed), &change).await;
        refused.assert_problem(400, "invalid_input");
        assert_eq!(refused.invalid_param_names(), ["If-Match"], "{malformed}");
    }
    app.patch(path, &admin, Some("\"7\""), &change)
        .await
        .assert_problem(412, "version_mismatch");

    let updated = app.patch(path, &admin, Some("\"1\""), &change).await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.header("etag").as_deref(), Some("\"2\""));
    assert_eq!(updated.body["responseDays"], 21);
    assert_eq!(updated.body["version"], 2);

    let stale = app
        .patch(path, &admin, Some("\"1\""), &json!({"responseDays": 7}))
        .await;
    stale.assert_problem(412, "version_mismatch");
    assert_eq!(
        app.get(path, &admin).await.body["responseDays"],
        21,
        "a stale write never overwrites"
    );

    app.patch("/api/v1/themes/nothing", &admin, Some("\"1\""), &change)
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn a_patch_changes_only_what_it_names_and_null_clears_optional_members() {
    let app = spawn_app().await;
    let admin = app.token(&Role::Admin);
    let path = "/api/v1/neighbourhoods/moerwijk";
    let with_code = app
        .patch(path, &admin, Some("\"1\""), &json!({"cbsCode": "WK051842"}))
        .await;
    assert_eq!(with_code.body["cbsCode"], "WK051842");
    assert_eq!(with_code.body["name"], "Moerwijk");
    assert_eq!(with_code.body["focusArea"], true);
    let cleared = app
        .patch(path, &admin, Some("\"2\""), &json!({"cbsCode": null}))
        .await;
    assert_eq!(cleared.status, 200);
    assert!(cleared.body["cbsCode"].is_null());
    let refused = app
        .patch(
            path,
            &admin,
            Some("\"3\""),
            &json!({"name": null, "districtId": "atlantis"}),
        )
        .await;
    refused.assert_problem(400, "invalid_input");
    assert_eq!(refused.invalid_param_names(), ["districtId", "name"]);
}

#[actix_rt::test]
async fn two_concurrent_updates_with_the_same_version_have_exactly_one_winner() {
    let app = spawn_app().await;
    let admin = app.token(&Role::Admin);
    let path = "/api/v1/themes/safety";
    for round in 1..=5 {
        let version = format!("\"{round}\"");
        let (first, second) = (
            json!({"responseDays": 10 + round}),
            json!({"responseDays": 20 + round}),
        );
        let (a, b) = futures::join!(
            app.patch(path, &admin, Some(&version), &first),
            app.patch(path, &admin, Some(&version), &second),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 412],
            "round {round}: {} / {}",
            a.text,
            b.text
        );
        let winner = if a.status == 200 { &a } else { &b };
        let current = app.get(path, &admin).await;
        assert_eq!(
            current.body["responseDays"], winner.body["responseDays"],
            "the winner's write stands"
        );
    }
    let events = app
        .get("/api/v1/events?resourceId=safety&limit=200", &admin)
        .await;
    assert_eq!(
        events.body["items"].as_array().unwrap().len(),
        5,
        "one event per successful update"
    );
}

#[actix_rt::test]
async fn unknown_records_are_404_problems() {
    let app = spawn_app().await;
    let token = app.token(&Role::Programmabureau);
    for resource in RESOURCES {
        app.get(&format!("/api/v1/{resource}/does-not-exist"), &token)
            .await
            .assert_problem(404, "not_found");
    }
}
