//! Partners: every member validated at once, search that folds case the same on both
//! databases, archiving instead of deleting.

use awc::http::Method;
use serde_json::json;

use crate::helpers::{pb, spawn_app};

#[actix_rt::test]
async fn partners_validate_every_member_and_search_the_same_on_both_databases() {
    let app = spawn_app().await;
    let bureau = app.token(&pb());
    let bad = app
        .post("/api/v1/partners", &bureau, &json!({"name": "", "kind": "bank", "kvkNumber": "123", "neighbourhoodIds": ["atlantis"], "contact": {"email": "geen-email", "fax": "1"}, "website": "ftp://x"}))
        .await;
    bad.assert_problem(400, "invalid_input");
    assert_eq!(
        bad.invalid_param_names(),
        [
            "contact.email",
            "contact.fax",
            "kind",
            "kvkNumber",
            "name",
            "neighbourhoodIds",
            "website"
        ]
    );
    for name in ["Ärger Café", "Buurthuis De Mussen", "Stichting ÄRGERNIS"] {
        let created = app
            .post(
                "/api/v1/partners",
                &bureau,
                &json!({"name": name, "kind": "community_centre"}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
    }
    let found = app.get("/api/v1/partners?q=%C3%A4rger", &bureau).await;
    let names: Vec<&str> = found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Stichting ÄRGERNIS", "Ärger Café"],
        "newest first, Unicode case folded"
    );
    assert_eq!(
        app.get("/api/v1/partners?q=arger", &bureau).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        app.get("/api/v1/partners?q=100%25", &bureau).await.body["items"],
        json!([])
    );

    let id = app.get("/api/v1/partners?q=mussen", &bureau).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let archived = app
        .patch(
            &format!("/api/v1/partners/{id}"),
            &bureau,
            Some("\"1\""),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(archived.status, 200, "{}", archived.text);
    assert_eq!(
        app.get("/api/v1/partners?active=false", &bureau).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get(
            "/api/v1/partners?kind=community_centre&active=true",
            &bureau
        )
        .await
        .body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let removed = app
        .request(
            Method::DELETE,
            &format!("/api/v1/partners/{id}"),
            Some(&bureau),
            None,
            &[],
        )
        .await;
    removed.assert_problem(405, "method_not_allowed");
}
