//! Webhooks (DESIGN §10), against a real receiver: subscriptions and their access, signed
//! CloudEvents without personal data, delivery scoped to what the owner may read at delivery
//! time, retries in order, dead letters and replay, 410, refused addresses, secret rotation.

use std::time::Duration;

use awc::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, pb, spawn_app_with, stadsdeel, vakdienst};
use crate::receiver::{Received, Receiver};
use wijkregie::auth::Role;
use wijkregie::jobs::webhooks::signing;

/// A server whose worker retries in milliseconds and may call the test receiver on 127.0.0.1.
async fn app_with_hooks(give_up: Duration) -> TestApp {
    spawn_app_with(|s| {
        s.webhooks.allow_http = vec!["127.0.0.1".to_owned()];
        s.webhooks.retry_base = Duration::from_millis(10);
        s.webhooks.give_up_after = give_up;
        s.webhooks.poll = Duration::from_millis(50);
    })
    .await
}

async fn app() -> TestApp {
    app_with_hooks(Duration::from_secs(3600)).await
}

/// Subscribes as `role`; returns the subscription.
async fn subscribe(app: &TestApp, role: &Role, callback: &str, types: Value) -> Value {
    let created = app
        .post(
            "/api/v1/subscriptions",
            &app.token(role),
            &json!({"callbackUrl": callback, "types": types, "description": "Zaaksysteem"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body
}

fn report(neighbourhood: &str, theme: &str) -> Value {
    json!({"title": "Speeltuin kapot", "description": "Al weken een gevaarlijk klimrek.",
           "neighbourhoodId": neighbourhood, "source": "resident", "themeId": theme, "policyFeedback": false,
           "reporter": {"name": "Fatima el Amrani", "email": "fatima@demussen.nl", "phone": "+31612345678"}})
}

async fn create_signal(app: &TestApp, neighbourhood: &str, theme: &str) -> String {
    let created = app
        .post(
            "/api/v1/signals",
            &app.token(&pb()),
            &report(neighbourhood, theme),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.body["id"].as_str().unwrap().to_owned()
}

async fn ping(app: &TestApp, role: &Role, id: &str) {
    let pinged = app
        .post(
            &format!("/api/v1/subscriptions/{id}/pings"),
            &app.token(role),
            &json!({}),
        )
        .await;
    assert_eq!(pinged.status, 202, "{}", pinged.text);
}

fn verifies(received: &Received, secret: &str) -> bool {
    signing::verify(
        secret,
        received.header("webhook-id"),
        received.header("webhook-timestamp"),
        received.header("webhook-signature"),
        &received.body,
        chrono::Utc::now().timestamp(),
        300,
    )
    .is_ok()
}

fn subjects_of(received: &[Received], kind: &str) -> Vec<String> {
    received
        .iter()
        .filter(|r| r.kind() == kind)
        .map(|r| r.json()["subject"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[actix_rt::test]
async fn owners_manage_their_own_subscriptions_and_admin_sees_all() {
    let app = app().await;
    let receiver = Receiver::start().await;
    let ocw = vakdienst("ocw");
    let created = subscribe(&app, &ocw, &receiver.url("/ocw"), json!(["signal.*"])).await;
    let id = created["id"].as_str().unwrap();
    let secret = created["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 6 + 44,
        "{secret}"
    );
    assert_eq!(created["status"], "active");
    assert_eq!(
        created["owner"],
        json!({"sub": "test-user", "role": "vakdienst", "scope": "ocw"})
    );

    let path = format!("/api/v1/subscriptions/{id}");
    let read = app.get(&path, &app.token(&ocw)).await;
    assert_eq!(read.status, 200);
    assert!(
        read.body.get("secret").is_none(),
        "the secret is shown once"
    );
    assert_eq!(read.header("etag").as_deref(), Some("\"1\""));
    // Someone else's subscription does not exist for the caller; admin sees it.
    app.get(&path, &app.token(&vakdienst("dsb")))
        .await
        .assert_problem(404, "not_found");
    app.get(&path, &app.token(&pb()))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(app.get(&path, &app.token(&Role::Admin)).await.status, 200);
    let listed = app
        .get("/api/v1/subscriptions", &app.token(&vakdienst("dsb")))
        .await;
    assert_eq!(listed.body["items"], json!([]));
    let all = app
        .get("/api/v1/subscriptions", &app.token(&Role::Admin))
        .await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 1);

    app.patch(&path, &app.token(&ocw), None, &json!({"status": "paused"}))
        .await
        .assert_problem(428, "if_match_required");
    let paused = app
        .patch(
            &path,
            &app.token(&ocw),
            Some("\"1\""),
            &json!({"status": "paused", "filter": {"themeId": "youth_education"}}),
        )
        .await;
    assert_eq!(paused.status, 200, "{}", paused.text);
    assert_eq!(paused.body["status"], "paused");
    assert_eq!(paused.body["filter"]["themeId"], "youth_education");

    // The trail of the subscription is its owner's, and never holds the secret.
    let trail = app
        .get(
            &format!("/api/v1/events?resourceType=subscription&resourceId={id}"),
            &app.token(&ocw),
        )
        .await;
    assert_eq!(
        trail.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        trail.text
    );
    assert!(!trail.text.contains(secret));
    let others = app
        .get(
            &format!("/api/v1/events?resourceType=subscription&resourceId={id}"),
            &app.token(&pb()),
        )
        .await;
    assert_eq!(others.body["items"], json!([]));

    let deleted = app
        .request(
            Method::DELETE,
            &path,
            Some(&app.token(&ocw)),
            None,
            &[("If-Match", "\"2\"")],
        )
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    app.get(&path, &app.token(&ocw))
        .await
        .assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn every_problem_with_a_subscription_is_reported_at_once() {
    let app = app().await;
    let refused = app
        .post(
            "/api/v1/subscriptions",
            &app.token(&pb()),
            &json!({"callbackUrl": "http://zaaksysteem.example.nl/hook", "types": [],
                    "filter": {"districtId": "atlantis", "colour": "blue"}, "extra": 1}),
        )
        .await;
    refused.assert_problem(400, "invalid_input");
    assert_eq!(
        refused.invalid_param_names(),
        vec![
            "callbackUrl",
            "extra",
            "filter.colour",
            "filter.districtId",
            "types"
        ]
    );
    for private in [
        "https://10.0.0.7/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00::1]/hook",
        "https://localhost:9000/hook",
    ] {
        let refused = app
            .post(
                "/api/v1/subscriptions",
                &app.token(&pb()),
                &json!({"callbackUrl": private, "types": ["signal.*"]}),
            )
            .await;
        refused.assert_problem(400, "invalid_input");
        assert_eq!(
            refused.body["invalidParams"][0]["code"], "forbidden_callback_address",
            "{private}: {}",
            refused.text
        );
    }
}

#[actix_rt::test]
async fn deliveries_are_signed_cloud_events_in_order_without_personal_data() {
    let app = app().await;
    let receiver = Receiver::start().await;
    let dsb = vakdienst("dsb");
    let created = subscribe(&app, &dsb, &receiver.url("/dsb"), json!(["signal.*"])).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let signal = create_signal(&app, "transvaal", "public_space").await;

    let received = receiver
        .wait_until(Duration::from_secs(20), "two events", |r| r.len() >= 2)
        .await;
    assert_eq!(
        received.iter().map(Received::kind).collect::<Vec<_>>(),
        vec!["nl.wijkregie.signal.received", "nl.wijkregie.signal.routed"]
    );
    let first = &received[0];
    assert!(
        verifies(first, &secret),
        "the signature verifies with the secret"
    );
    assert!(
        !verifies(first, &signing::new_secret()),
        "and with no other"
    );
    assert_eq!(first.header("content-type"), "application/cloudevents+json");
    let event = first.json();
    assert_eq!(event["specversion"], "1.0");
    assert_eq!(event["source"], "urn:nld:gemeente:wijkregie");
    assert_eq!(event["subject"], signal.as_str());
    assert_eq!(event["datacontenttype"], "application/json");
    assert_eq!(event["sequencetype"], "Integer");
    let id: i64 = event["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(event["sequence"], format!("{id:020}"));
    assert_eq!(
        event["dataref"],
        format!("{}/api/v1/signals/{signal}", app.address)
    );
    assert_eq!(event["data"]["resourceType"], "signal");
    assert_eq!(event["data"]["action"], "signal.received");
    assert!(event["data"]["changed"].is_array());
    assert!(first.header("webhook-id").contains(&id.to_string()));
    for r in &received {
        let text = String::from_utf8_lossy(&r.body);
        for personal in [
            "Fatima",
            "fatima@demussen.nl",
            "+31612345678",
            "Speeltuin",
            "klimrek",
        ] {
            assert!(!text.contains(personal), "{personal} leaked: {text}");
        }
    }
    let deliveries = app
        .get(
            &format!(
                "/api/v1/subscriptions/{}/deliveries?status=delivered",
                created["id"].as_str().unwrap()
            ),
            &app.token(&dsb),
        )
        .await;
    let items = deliveries.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", deliveries.text);
    assert_eq!(items[0]["type"], "signal.routed", "newest first");
    assert_eq!(items[0]["attempts"], 1);
    assert_eq!(items[0]["lastStatus"], 200);
}

#[actix_rt::test]
async fn a_subscription_carries_only_what_its_owner_may_read_at_delivery_time() {
    let app = app().await;
    let receiver = Receiver::start().await;
    let ocw = vakdienst("ocw");
    let centrum = stadsdeel("centrum");
    let ocw_sub = subscribe(&app, &ocw, &receiver.url("/ocw"), json!(["signal.*"])).await;
    let centrum_sub = subscribe(
        &app,
        &centrum,
        &receiver.url("/centrum"),
        json!(["signal.received"]),
    )
    .await;

    let for_dsb = create_signal(&app, "transvaal", "public_space").await;
    let for_ocw = create_signal(&app, "moerwijk", "youth_education").await;
    let stays_dsb = create_signal(&app, "moerwijk", "public_space").await;
    // dsb hands its signal to ocw: from then on it is ocw's to read.
    let version = app
        .get(&format!("/api/v1/signals/{for_dsb}"), &app.token(&pb()))
        .await
        .header("etag")
        .unwrap();
    let handed = app
        .request(
            Method::POST,
            &format!("/api/v1/signals/{for_dsb}/reassignments"),
            Some(&app.token(&pb())),
            Some(&json!({"departmentId": "ocw", "reason": "Onderwijs"})),
            &[("If-Match", &version)],
        )
        .await;
    assert_eq!(handed.status, 200, "{}", handed.text);

    ping(&app, &ocw, ocw_sub["id"].as_str().unwrap()).await;
    ping(&app, &centrum, centrum_sub["id"].as_str().unwrap()).await;
    let to_ocw = receiver.wait_for_type("/ocw", "nl.wijkregie.ping").await;
    let to_centrum = receiver
        .wait_for_type("/centrum", "nl.wijkregie.ping")
        .await;

    // Its own signal's routing always; the handed-off signal's routing only if the worker
    // reached that event after the hand-off committed (see below).
    let routed = subjects_of(&to_ocw, "nl.wijkregie.signal.routed");
    assert!(routed.contains(&for_ocw), "{routed:?}");
    assert!(
        routed.iter().all(|s| s == &for_ocw || s == &for_dsb),
        "{routed:?}"
    );
    assert_eq!(
        subjects_of(&to_ocw, "nl.wijkregie.signal.reassigned"),
        vec![for_dsb.clone()]
    );
    // Delivered at delivery time: by then the handed-off signal was ocw's, its earlier events too
    // (the worker had not reached them) or not (it had); never another department's signal.
    assert!(to_ocw.iter().all(|r| r.kind() == "nl.wijkregie.ping"
        || [&for_ocw, &for_dsb].contains(&&r.json()["subject"].as_str().unwrap().to_owned())));
    assert!(
        !to_ocw
            .iter()
            .any(|r| r.json()["subject"] == stays_dsb.as_str())
    );
    assert_eq!(
        subjects_of(&to_centrum, "nl.wijkregie.signal.received"),
        vec![for_dsb]
    );
    assert!(
        subjects_of(&to_centrum, "nl.wijkregie.signal.routed").is_empty(),
        "types narrow"
    );
}

#[actix_rt::test]
async fn a_failing_receiver_gets_retries_in_order_until_it_recovers() {
    let app = app().await;
    let receiver = Receiver::start().await;
    receiver.script(&[500, 503, 500]);
    let dsb = vakdienst("dsb");
    let sub = subscribe(&app, &dsb, &receiver.url("/dsb"), json!(["signal.*"])).await;
    create_signal(&app, "transvaal", "public_space").await;
    let accepted = receiver
        .wait_until(Duration::from_secs(20), "two accepted events", |r| {
            r.iter().filter(|r| r.status == 200).count() >= 2
        })
        .await;
    let kinds: Vec<(u16, String)> = accepted.iter().map(|r| (r.status, r.kind())).collect();
    assert_eq!(
        kinds,
        vec![
            (500, "nl.wijkregie.signal.received".to_owned()),
            (503, "nl.wijkregie.signal.received".to_owned()),
            (500, "nl.wijkregie.signal.received".to_owned()),
            (200, "nl.wijkregie.signal.received".to_owned()),
            (200, "nl.wijkregie.signal.routed".to_owned()),
        ],
        "the next event waits for the one before"
    );
    let ids: Vec<&str> = accepted.iter().map(|r| r.header("webhook-id")).collect();
    assert!(
        ids[..4].iter().all(|id| *id == ids[0]),
        "the same webhook-id on every retry"
    );
    let deliveries = app
        .get(
            &format!(
                "/api/v1/subscriptions/{}/deliveries",
                sub["id"].as_str().unwrap()
            ),
            &app.token(&dsb),
        )
        .await;
    assert_eq!(
        deliveries.body["items"][1]["attempts"], 4,
        "{}",
        deliveries.text
    );
}

#[actix_rt::test]
async fn a_dead_receiver_ends_in_dead_letters_which_a_redelivery_sends_again() {
    let app = app_with_hooks(Duration::from_millis(300)).await;
    let receiver = Receiver::start().await;
    receiver.answer(500);
    let dsb = vakdienst("dsb");
    let sub = subscribe(&app, &dsb, &receiver.url("/dsb"), json!(["signal.*"])).await;
    let id = sub["id"].as_str().unwrap();
    create_signal(&app, "transvaal", "public_space").await;
    let dead_path = format!("/api/v1/subscriptions/{id}/deliveries?status=dead");
    let mut dead = Value::Null;
    for _ in 0..200 {
        dead = app.get(&dead_path, &app.token(&dsb)).await.body;
        if dead["items"]
            .as_array()
            .is_some_and(|items| items.len() == 2)
        {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    let items = dead["items"].as_array().expect("dead letters");
    assert_eq!(items.len(), 2, "{dead}");
    assert_eq!(items[0]["lastStatus"], 500);
    assert!(items[0]["attempts"].as_i64().unwrap() >= 2);
    let first_event = items[1]["eventId"].as_i64().unwrap();

    receiver.answer(200);
    let replay = app
        .post(
            &format!("/api/v1/subscriptions/{id}/redeliveries"),
            &app.token(&dsb),
            &json!({"fromEventId": first_event}),
        )
        .await;
    assert_eq!(replay.status, 202, "{}", replay.text);
    let accepted = receiver
        .wait_until(Duration::from_secs(20), "the replay", |r| {
            r.iter().filter(|r| r.status == 200).count() >= 2
        })
        .await;
    let replayed: Vec<String> = accepted
        .iter()
        .filter(|r| r.status == 200)
        .map(Received::kind)
        .collect();
    assert_eq!(
        replayed,
        vec!["nl.wijkregie.signal.received", "nl.wijkregie.signal.routed"]
    );
}

#[actix_rt::test]
async fn a_410_pauses_the_subscription_until_its_owner_resumes_it() {
    let app = app().await;
    let receiver = Receiver::start().await;
    receiver.script(&[410]);
    let dsb = vakdienst("dsb");
    let sub = subscribe(&app, &dsb, &receiver.url("/dsb"), json!(["signal.routed"])).await;
    let path = format!("/api/v1/subscriptions/{}", sub["id"].as_str().unwrap());
    create_signal(&app, "transvaal", "public_space").await;
    let mut read = app.get(&path, &app.token(&dsb)).await;
    for _ in 0..200 {
        if read.body["status"] == "paused" {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
        read = app.get(&path, &app.token(&dsb)).await;
    }
    assert_eq!(read.body["status"], "paused", "{}", read.text);
    let etag = read.header("etag").unwrap();
    let resumed = app
        .patch(
            &path,
            &app.token(&dsb),
            Some(&etag),
            &json!({"status": "active"}),
        )
        .await;
    assert_eq!(resumed.status, 200, "{}", resumed.text);
    receiver
        .wait_for_type("/dsb", "nl.wijkregie.signal.routed")
        .await;
}

#[actix_rt::test]
async fn a_callback_that_resolves_to_a_private_address_is_refused_at_delivery() {
    let app = app().await;
    let receiver = Receiver::start().await;
    let dsb = vakdienst("dsb");
    let sub = subscribe(&app, &dsb, &receiver.url("/dsb"), json!(["signal.*"])).await;
    let id = sub["id"].as_str().unwrap();
    // As if the callback's name had come to resolve to loopback after it was checked.
    let port = receiver.base.rsplit(':').next().unwrap();
    app.database.execute(&format!(
        "UPDATE subscriptions SET callback_url = 'https://localhost:{port}/dsb' WHERE id = '{id}'"
    ));
    ping(&app, &dsb, id).await;
    let path = format!("/api/v1/subscriptions/{id}/deliveries?status=retrying");
    let mut retrying = Value::Null;
    for _ in 0..200 {
        retrying = app.get(&path, &app.token(&dsb)).await.body;
        if retrying["items"].as_array().is_some_and(|i| !i.is_empty()) {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    let error = retrying["items"][0]["lastError"]
        .as_str()
        .unwrap_or_default();
    assert!(error.contains("refused"), "{retrying}");
    assert!(
        receiver.received().is_empty(),
        "nothing reached the receiver"
    );
}

#[actix_rt::test]
async fn after_a_rotation_both_secrets_sign_for_a_day() {
    let app = app().await;
    let receiver = Receiver::start().await;
    let dsb = vakdienst("dsb");
    let sub = subscribe(&app, &dsb, &receiver.url("/dsb"), json!(["signal.routed"])).await;
    let id = sub["id"].as_str().unwrap();
    let old = sub["secret"].as_str().unwrap();
    let rotated = app
        .post(
            &format!("/api/v1/subscriptions/{id}/secret-rotations"),
            &app.token(&dsb),
            &json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let new = rotated.body["secret"].as_str().unwrap();
    assert_ne!(old, new);
    assert!(rotated.body["previousSecretExpiresAt"].is_string());
    ping(&app, &dsb, id).await;
    let received = receiver.wait_for_type("/dsb", "nl.wijkregie.ping").await;
    let delivery = &received[0];
    assert_eq!(delivery.header("webhook-signature").split(' ').count(), 2);
    assert!(verifies(delivery, old) && verifies(delivery, new));
}

#[actix_rt::test]
async fn a_resumed_subscription_is_delivered_at_once_whatever_claim_it_had() {
    let app = app().await;
    let receiver = Receiver::start().await;
    let dsb = vakdienst("dsb");
    let sub = subscribe(&app, &dsb, &receiver.url("/dsb"), json!(["signal.routed"])).await;
    let id = sub["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/subscriptions/{id}");
    let paused = app
        .patch(
            &path,
            &app.token(&dsb),
            Some("\"1\""),
            &json!({"status": "paused"}),
        )
        .await;
    assert_eq!(paused.status, 200, "{}", paused.text);
    // As if a worker had claimed it just before the pause, for an hour: a status change by the
    // owner ends any claim, so the resumed subscription does not wait for it to run out.
    app.database.execute(&format!(
        "UPDATE subscriptions SET lease_owner = 'an-instance', lease_until = '2999-01-01 00:00:00' WHERE id = '{id}'"
    ));
    let signal = create_signal(&app, "transvaal", "public_space").await;
    let resumed = app
        .patch(
            &path,
            &app.token(&dsb),
            Some("\"2\""),
            &json!({"status": "active"}),
        )
        .await;
    assert_eq!(resumed.status, 200, "{}", resumed.text);
    let received = receiver
        .wait_until(Duration::from_secs(10), "the routed signal", |received| {
            received
                .iter()
                .any(|r| r.json()["subject"] == signal.as_str())
        })
        .await;
    assert!(!received.is_empty());
}

/// The event id of a delivery (the CloudEvent's `id`).
fn event_id(received: &Received) -> i64 {
    received.json()["id"].as_str().unwrap().parse().unwrap()
}

#[actix_rt::test]
async fn a_redelivery_asked_during_a_delivery_is_kept_and_no_delivery_record_disappears() {
    let app = app_with_hooks(Duration::from_millis(300)).await;
    let receiver = Receiver::start().await;
    let dsb = vakdienst("dsb");
    let sub = subscribe(&app, &dsb, &receiver.url("/dsb"), json!(["signal.*"])).await;
    let id = sub["id"].as_str().unwrap();
    let token = app.token(&dsb);

    // A first signal's two events end as dead letters.
    receiver.answer(500);
    create_signal(&app, "transvaal", "public_space").await;
    let dead_path = format!("/api/v1/subscriptions/{id}/deliveries?status=dead");
    let mut dead = Vec::new();
    for _ in 0..200 {
        dead = app.get(&dead_path, &token).await.body["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if dead.len() == 2 {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(dead.len(), 2, "two dead letters: {dead:?}");
    let (first, second) = (
        dead[1]["eventId"].as_i64().unwrap(),
        dead[0]["eventId"].as_i64().unwrap(),
    );

    // A second signal: the receiver holds its first event while the redelivery is asked.
    receiver.answer(200);
    let release = receiver.hold_next();
    create_signal(&app, "transvaal", "public_space").await;
    let held = receiver
        .wait_until(Duration::from_secs(20), "the held delivery", |r| {
            r.iter().any(|r| r.status == 200)
        })
        .await;
    let in_flight = event_id(held.iter().find(|r| r.status == 200).unwrap());
    let replay = app
        .post(
            &format!("/api/v1/subscriptions/{id}/redeliveries"),
            &token,
            &json!({"fromEventId": first}),
        )
        .await;
    assert_eq!(replay.status, 202, "{}", replay.text);
    release.send(()).unwrap();

    // A ping goes out after everything before it: then the replay must have been delivered.
    ping(&app, &dsb, id).await;
    let accepted = receiver.wait_for_type("/dsb", "nl.wijkregie.ping").await;
    let ids: Vec<i64> = accepted.iter().map(event_id).collect();
    assert_eq!(ids.len(), 6, "{ids:?}");
    let (last, ping_id) = (ids[4], ids[5]);
    assert!(in_flight < last && last < ping_id, "{ids:?}");
    assert_eq!(
        ids,
        vec![in_flight, first, second, in_flight, last, ping_id],
        "the held event, then the replay from the first dead letter on, in order"
    );

    // Every delivery record is there, the former dead letters delivered now (the last outcome
    // is written just after the receiver has answered).
    let wanted = [first, second, in_flight, last, ping_id];
    let mut records: Vec<(i64, String)> = Vec::new();
    for _ in 0..200 {
        let all = app
            .get(&format!("/api/v1/subscriptions/{id}/deliveries"), &token)
            .await;
        records = all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let status = d["status"].as_str().unwrap().to_owned();
                (d["eventId"].as_i64().unwrap(), status)
            })
            .collect();
        if wanted
            .iter()
            .all(|e| records.contains(&(*e, "delivered".to_owned())))
        {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    for event in wanted {
        assert!(
            records.contains(&(event, "delivered".to_owned())),
            "event {event} has its delivery record, delivered: {records:?}"
        );
    }
}

#[actix_rt::test]
async fn an_unfinished_delivery_passed_over_keeps_its_record_as_skipped() {
    let app = app().await;
    let receiver = Receiver::start().await;
    receiver.answer(500);
    let dsb = vakdienst("dsb");
    let sub = subscribe(&app, &dsb, &receiver.url("/dsb"), json!(["signal.*"])).await;
    let id = sub["id"].as_str().unwrap();
    create_signal(&app, "transvaal", "public_space").await;
    receiver
        .wait_until(Duration::from_secs(20), "a failed attempt", |r| {
            !r.is_empty()
        })
        .await;
    // The owner narrows the filter to another theme: the retrying event is passed over.
    let path = format!("/api/v1/subscriptions/{id}");
    let version = app
        .get(&path, &app.token(&dsb))
        .await
        .header("etag")
        .unwrap();
    let narrowed = app
        .patch(
            &path,
            &app.token(&dsb),
            Some(&version),
            &json!({"filter": {"themeId": "youth_education"}}),
        )
        .await;
    assert_eq!(narrowed.status, 200, "{}", narrowed.text);
    receiver.answer(200);
    ping(&app, &dsb, id).await;
    receiver.wait_for_type("/dsb", "nl.wijkregie.ping").await;

    let tried = event_id(&receiver.received()[0]);
    let all = app
        .get(
            &format!("/api/v1/subscriptions/{id}/deliveries?status=skipped"),
            &app.token(&dsb),
        )
        .await;
    let skipped = all.body["items"].as_array().unwrap();
    let record = skipped
        .iter()
        .find(|d| d["eventId"] == tried)
        .unwrap_or_else(|| panic!("the tried event keeps its record: {}", all.text));
    assert!(record["attempts"].as_i64().unwrap() >= 1, "{record}");
    assert_eq!(record["lastStatus"], 500, "{record}");
    assert_eq!(record["nextAttemptAt"], Value::Null, "{record}");
}
