//! Partners: every member validated at once, search that folds case the same on both
//! databases, archiving instead of deleting; the identity rules of DESIGN §12 (a KvK number
//! names one active partner and only the bureau and administration set it or `active`; an
//! archived partner's tokens are refused at once).

use awc::http::Method;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{
    AUDIENCE, ISSUER, TEST_SECRET, TestApp, partner, pb, spawn_app, spawn_app_with, stadsdeel,
};
use wijkregie::auth::Role;

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

/// Registers a partner as the bureau, with `extra` members; returns its id.
async fn register(app: &TestApp, name: &str, extra: Value) -> String {
    let mut body = json!({"name": name, "kind": "school"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let created = app.post("/api/v1/partners", &app.token(&pb()), &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["id"].as_str().unwrap().to_owned()
}

/// `PATCH /partners/{id}` as `role`, at the partner's current version.
async fn change(app: &TestApp, role: &Role, id: &str, body: Value) -> crate::helpers::Response {
    let path = format!("/api/v1/partners/{id}");
    let version = crate::helpers::etag(app, &path).await;
    app.patch(&path, &app.token(role), Some(&version), &body)
        .await
}

#[actix_rt::test]
async fn a_kvk_number_names_one_active_partner_and_only_the_bureau_and_admin_set_it() {
    let app = spawn_app().await;
    let first = register(&app, "De Regenboog", json!({"kvkNumber": "41150013"})).await;
    app.post(
        "/api/v1/partners",
        &app.token(&pb()),
        &json!({"name": "Dubbel", "kind": "school", "kvkNumber": "41150013"}),
    )
    .await
    .assert_problem(409, "kvk_number_taken");
    let second = register(&app, "De Kameleon", json!({})).await;
    change(&app, &pb(), &second, json!({"kvkNumber": "41150013"}))
        .await
        .assert_problem(409, "kvk_number_taken");

    // A stadsdeel registers partners and edits them, but sets neither number nor `active`.
    let district = stadsdeel("escamp");
    app.post(
        "/api/v1/partners",
        &app.token(&district),
        &json!({"name": "Wijkteam", "kind": "welfare", "kvkNumber": "12345678"}),
    )
    .await
    .assert_problem(403, "forbidden");
    for body in [
        json!({"kvkNumber": "12345678"}),
        json!({"kvkNumber": "41150013"}),
        json!({"active": false}),
    ] {
        change(&app, &district, &second, body)
            .await
            .assert_problem(403, "forbidden");
    }
    let renamed = change(&app, &district, &second, json!({"name": "OBS De Kameleon"})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);

    // A partner edits its own record but neither its number nor `active`; resending them as
    // they are is no change.
    let own = partner(&second);
    for body in [json!({"kvkNumber": "87654321"}), json!({"active": false})] {
        change(&app, &own, &second, body)
            .await
            .assert_problem(403, "forbidden");
    }
    let same = change(
        &app,
        &own,
        &second,
        json!({"kvkNumber": null, "active": true, "website": "https://kameleon.nl"}),
    )
    .await;
    assert_eq!(same.status, 200, "{}", same.text);
    assert_eq!(same.body["kvkNumber"], Value::Null);

    // An archived partner keeps its number, which another active partner may then take; the
    // archived one cannot come back while it is taken.
    let archived = change(&app, &pb(), &first, json!({"active": false})).await;
    assert_eq!(archived.status, 200, "{}", archived.text);
    let taken = change(
        &app,
        &Role::Admin,
        &second,
        json!({"kvkNumber": "41150013"}),
    )
    .await;
    assert_eq!(taken.status, 200, "{}", taken.text);
    change(&app, &pb(), &first, json!({"active": true}))
        .await
        .assert_problem(409, "kvk_number_taken");
    let trail = app
        .get(
            &format!("/api/v1/events?resourceType=partner&resourceId={first}"),
            &app.token(&pb()),
        )
        .await;
    let actions: Vec<&str> = trail.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["partner.created", "partner.updated"],
        "a refused change records nothing"
    );
}

/// Calls that a partner's token makes; the first is also what makes the token remembered.
async fn partner_calls(app: &TestApp, token: &str) -> Vec<crate::helpers::Response> {
    vec![
        app.get("/api/v1/projects", token).await,
        app.post(
            "/api/v1/signals",
            token,
            &json!({"title": "Losliggende tegels", "description": "Bij de ingang van de school.",
                    "neighbourhoodId": "transvaal", "source": "partner", "themeId": "public_space"}),
        )
        .await,
    ]
}

#[actix_rt::test]
async fn archiving_a_partner_ends_its_tokens_at_once_remembered_or_not() {
    let app = spawn_app().await;
    let id = register(&app, "Buurthuis De Mussen", json!({})).await;
    let token = app.token(&partner(&id));
    for answer in partner_calls(&app, &token).await {
        assert!(answer.status < 300, "{}", answer.text);
    }
    let archived = change(&app, &pb(), &id, json!({"active": false})).await;
    assert_eq!(archived.status, 200, "{}", archived.text);
    for answer in partner_calls(&app, &token).await {
        answer.assert_problem(401, "partner_inactive");
        assert!(answer.header("www-authenticate").is_some());
    }
    // It cannot bring itself back; the bureau can, and the token works again.
    let path = format!("/api/v1/partners/{id}");
    app.patch(&path, &token, Some("\"2\""), &json!({"active": true}))
        .await
        .assert_problem(401, "partner_inactive");
    let back = change(&app, &pb(), &id, json!({"active": true})).await;
    assert_eq!(back.status, 200, "{}", back.text);
    assert_eq!(app.get("/api/v1/projects", &token).await.status, 200);
}

#[actix_rt::test]
async fn a_token_that_a_claim_map_gives_an_archived_partner_is_refused() {
    let id = "0190f0a0-0000-7000-8000-00000000ab01";
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("claims.toml");
    std::fs::write(
        &map,
        format!(
            "role_claim = \"roles\"\n[roles]\n\"bureau\" = {{ role = \"programmabureau\" }}\n\"school\" = {{ role = \"partner\", partner = \"{id}\" }}\n"
        ),
    )
    .unwrap();
    let app = spawn_app_with(|s| s.jwt.claims_map = Some(map)).await;
    app.database.execute(&format!(
        "INSERT INTO partners (id, name, name_search, kind, active, version, created_at, \
         updated_at) VALUES ('{id}', 'OBS Het Startpunt', 'obs het startpunt', 'school', TRUE, 1, \
         '2026-11-01 10:00:00', '2026-11-01 10:00:00')"
    ));
    let now = chrono::Utc::now().timestamp();
    let token = |sub: &str, role: &str| {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &json!({"sub": sub, "roles": [role], "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 600}),
            &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
        )
        .unwrap()
    };
    let (school, bureau) = (token("school-app", "school"), token("pb-app", "bureau"));
    assert_eq!(app.get("/api/v1/projects", &school).await.status, 200);
    let path = format!("/api/v1/partners/{id}");
    let archived = app
        .patch(&path, &bureau, Some("\"1\""), &json!({"active": false}))
        .await;
    assert_eq!(archived.status, 200, "{}", archived.text);
    app.get("/api/v1/projects", &school)
        .await
        .assert_problem(401, "partner_inactive");
}
