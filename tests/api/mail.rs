//! People without an API are told (DESIGN §15), against a real SMTP server started by the test:
//! the consenting reporter hears of the acknowledgement and the answer, one without consent
//! hears nothing, a partner's contact hears of its idea; an SMTP server that is down gets
//! retries and the mail arrives when it is back; an erased reporter gets nothing more; the
//! unsubscribe link works.

use std::time::{Duration, Instant};

use awc::http::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, partner, pb, report_signal, signal_action, spawn_app_with, transition_with_reason,
};
use crate::smtp_sink::SmtpSink;
use wijkregie::auth::Role;
use wijkregie::config::{SmtpSecurity, SmtpSettings};
use wijkregie::jobs::retention::erase_reporters;

const PUBLIC_URL: &str = "https://wijkregie.example";

/// A server that mails over SMTP to 127.0.0.1:`port` and retries in milliseconds.
async fn app_mailing_to(port: u16) -> TestApp {
    spawn_app_with(|s| {
        s.mail.smtp = Some(SmtpSettings {
            host: "127.0.0.1".to_owned(),
            port: Some(port),
            security: SmtpSecurity::Plain,
            user: None,
            password: None,
        });
        s.mail.from = "Gemeente Den Haag <wijkregie@denhaag.nl>".to_owned();
        s.webhooks.public_url = Some(PUBLIC_URL.to_owned());
        s.webhooks.retry_base = Duration::from_millis(20);
        s.webhooks.poll = Duration::from_millis(50);
        s.webhooks.request_timeout = Duration::from_secs(2);
    })
    .await
}

/// Moves a signal as the bureau.
async fn move_signal(app: &TestApp, id: &str, body: Value) {
    signal_action(app, &pb(), id, "transitions", body).await;
}

async fn answer(app: &TestApp, id: &str, response: &str) {
    move_signal(app, id, json!({"to": "acknowledged"})).await;
    move_signal(app, id, json!({"to": "in_progress"})).await;
    move_signal(app, id, json!({"to": "answered", "response": response})).await;
}

/// The mail deliveries as admin sees them.
async fn mail_deliveries(app: &TestApp, status: &str) -> Vec<Value> {
    let page = app
        .get(
            &format!("/api/v1/mail-deliveries?status={status}"),
            &app.token(&Role::Admin),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    page.body["items"].as_array().cloned().unwrap_or_default()
}

/// Waits until every event recorded so far has been worked by the mail queue: its last
/// answered event is delivered.
async fn wait_until_delivered(app: &TestApp, event_type: &str, count: usize) {
    let start = Instant::now();
    loop {
        let delivered = mail_deliveries(app, "delivered").await;
        if delivered.iter().filter(|d| d["type"] == event_type).count() >= count {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{count} delivered {event_type} expected: {delivered:?}"
        );
        actix_rt::time::sleep(Duration::from_millis(25)).await;
    }
}

#[actix_rt::test]
async fn a_consenting_reporter_hears_of_receipt_and_answer_and_one_without_consent_hears_nothing() {
    let sink = SmtpSink::start();
    let app = app_mailing_to(sink.port).await;
    let consenting = report_signal(
        &app,
        &pb(),
        json!({"name": "Fatima el Amrani", "email": "fatima@example.nl", "wantsUpdates": true}),
    )
    .await;
    let silent = report_signal(
        &app,
        &pb(),
        json!({"name": "Jan Jansen", "email": "jan@example.nl"}),
    )
    .await;
    assert_eq!(consenting["reporter"]["wantsUpdates"], true);
    assert_eq!(silent["reporter"]["wantsUpdates"], false);
    let (id, code) = (
        consenting["id"].as_str().unwrap(),
        consenting["trackingCode"].as_str().unwrap(),
    );
    answer(&app, id, "Het klimrek is vervangen.").await;
    answer(&app, silent["id"].as_str().unwrap(), "Opgelost.").await;

    let mails = sink.wait_for("fatima@example.nl", 2).await;
    let (received, answered) = (&mails[0], &mails[1]);
    assert_eq!(
        received.subject,
        "Uw melding is in behandeling: Speeltuin kapot"
    );
    assert!(received.text.contains("Beste melder"), "{}", received.text);
    assert!(
        received
            .text
            .contains(&format!("{PUBLIC_URL}/track/{code}")),
        "the tracking link: {}",
        received.text
    );
    assert!(
        received.text.contains("uiterlijk"),
        "the due date: {}",
        received.text
    );
    assert!(
        received
            .html
            .contains(&format!("href=\"{PUBLIC_URL}/track/{code}\""))
    );
    assert!(
        received
            .list_unsubscribe
            .starts_with(&format!("<{PUBLIC_URL}/unsubscribe/")),
        "{}",
        received.list_unsubscribe
    );
    assert!(
        received
            .raw
            .contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    );
    assert_eq!(answered.subject, "Antwoord op uw melding: Speeltuin kapot");
    assert!(
        answered.text.contains("Het klimrek is vervangen."),
        "{}",
        answered.text
    );
    assert!(answered.html.contains("Het klimrek is vervangen."));
    for mail in &mails {
        assert!(
            !mail.raw.contains("Fatima"),
            "no name in the message: {}",
            mail.raw
        );
    }
    // The second signal's answer has been worked too, and its reporter got nothing.
    wait_until_delivered(&app, "signal.answered", 2).await;
    assert!(
        sink.mails().iter().all(|m| m.to != ["jan@example.nl"]),
        "no consent, no mail"
    );
    assert_eq!(
        sink.mails().len(),
        2,
        "acknowledged and answered, nothing else"
    );
}

#[actix_rt::test]
async fn a_partners_contact_hears_of_its_ideas_receipt_and_the_bureaus_answers() {
    let sink = SmtpSink::start();
    let app = app_mailing_to(sink.port).await;
    let created = app
        .post(
            "/api/v1/partners",
            &app.token(&pb()),
            &json!({"name": "Buurthuis De Mussen", "kind": "community_centre", "neighbourhoodIds": ["transvaal"],
                    "contact": {"name": "Contact", "email": "info@demussen.nl", "phone": null}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let centre = partner(created.body["id"].as_str().unwrap());
    let idea = app
        .post(
            "/api/v1/projects",
            &app.token(&centre),
            &json!({"title": "Huiswerkklas", "summary": "Huiswerkbegeleiding in het buurthuis", "neighbourhoodIds": ["transvaal"],
                    "initiator": "Buurthuis De Mussen", "projectLeader": "A. de Vries", "startDate": "2027-03-01",
                    "endDate": "2027-12-31", "claimedEffects": ["social_cohesion", "ownership", "positive_image"],
                    "sustainabilityPlan": "Vrijwilligers nemen het over"}),
        )
        .await;
    assert_eq!(idea.status, 201, "{}", idea.text);
    let id = idea.body["id"].as_str().unwrap();
    let submitted = transition_with_reason(&app, &centre, id, "submitted", None).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    let returned =
        transition_with_reason(&app, &pb(), id, "draft", Some("Het budget ontbreekt nog.")).await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    let again = transition_with_reason(&app, &centre, id, "submitted", None).await;
    assert_eq!(again.status, 200, "{}", again.text);
    let dialogue = transition_with_reason(&app, &pb(), id, "in_dialogue", None).await;
    assert_eq!(dialogue.status, 200, "{}", dialogue.text);

    let mails = sink.wait_for("info@demussen.nl", 4).await;
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "Wij hebben uw projectidee ontvangen: Huiswerkklas",
            "Uw projectidee is teruggestuurd: Huiswerkklas",
            "Wij hebben uw projectidee ontvangen: Huiswerkklas",
            "Wij gaan met u in gesprek over uw projectidee: Huiswerkklas",
        ]
    );
    assert!(
        mails[0]
            .text
            .contains("Beste contactpersoon van Buurthuis De Mussen")
    );
    assert!(
        mails[0].text.contains("uiterlijk"),
        "the response due date: {}",
        mails[0].text
    );
    assert!(
        mails[1].text.contains("Het budget ontbreekt nog."),
        "the reason: {}",
        mails[1].text
    );
}

#[actix_rt::test]
async fn mail_to_an_smtp_server_that_is_down_is_retried_and_arrives_when_it_is_back() {
    let port = SmtpSink::free_port();
    let app = app_mailing_to(port).await;
    let signal = report_signal(
        &app,
        &pb(),
        json!({"email": "fatima@example.nl", "wantsUpdates": true}),
    )
    .await;
    move_signal(
        &app,
        signal["id"].as_str().unwrap(),
        json!({"to": "acknowledged"}),
    )
    .await;

    // Nothing listens: the delivery fails and waits for its retry, more than once.
    let start = Instant::now();
    loop {
        let retrying = mail_deliveries(&app, "retrying").await;
        if let Some(d) = retrying
            .first()
            .filter(|d| d["attempts"].as_i64() >= Some(2))
        {
            assert_eq!(d["type"], "signal.status_changed");
            assert!(d["lastError"].is_string(), "{d}");
            assert!(d["nextAttemptAt"].is_string(), "{d}");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no retries: {retrying:?}"
        );
        actix_rt::time::sleep(Duration::from_millis(25)).await;
    }
    let sink = SmtpSink::start_on(port);
    let mails = sink.wait_for("fatima@example.nl", 1).await;
    assert_eq!(
        mails[0].subject,
        "Uw melding is in behandeling: Speeltuin kapot"
    );
    wait_until_delivered(&app, "signal.status_changed", 1).await;
    assert!(mail_deliveries(&app, "dead").await.is_empty());
}

#[actix_rt::test]
async fn a_reporter_whose_data_was_erased_gets_nothing_more() {
    let sink = SmtpSink::start();
    let app = app_mailing_to(sink.port).await;
    let signal = report_signal(
        &app,
        &pb(),
        json!({"name": "Fatima el Amrani", "email": "fatima@example.nl", "wantsUpdates": true}),
    )
    .await;
    let id = signal["id"].as_str().unwrap();
    move_signal(&app, id, json!({"to": "acknowledged"})).await;
    sink.wait_for("fatima@example.nl", 1).await;

    move_signal(&app, id, json!({"to": "in_progress"})).await;
    move_signal(
        &app,
        id,
        json!({"to": "answered", "response": "Het klimrek wordt vervangen."}),
    )
    .await;
    move_signal(&app, id, json!({"to": "closed"})).await;
    sink.wait_for("fatima@example.nl", 2).await;

    // The retention job, on a clock past the term, erases the reporter of the closed signal.
    let mut conn = app.database.target().connect().unwrap();
    let later = chrono::Utc::now().naive_utc() + chrono::Duration::days(366);
    assert_eq!(erase_reporters(&mut conn, later, 365).unwrap(), 1);

    // Reopened and answered again: moments that would be mailed, but nobody is left to tell.
    move_signal(
        &app,
        id,
        json!({"to": "reopened", "reason": "Het klimrek is nog niet vervangen."}),
    )
    .await;
    move_signal(&app, id, json!({"to": "in_progress"})).await;
    move_signal(
        &app,
        id,
        json!({"to": "answered", "response": "Het klimrek is vervangen."}),
    )
    .await;
    wait_until_delivered(&app, "signal.answered", 2).await;
    assert_eq!(
        sink.mails().len(),
        2,
        "only the mails from before the erasure"
    );
}

#[actix_rt::test]
async fn the_unsubscribe_link_withdraws_the_consent_and_no_more_mail_comes() {
    let sink = SmtpSink::start();
    let app = app_mailing_to(sink.port).await;
    let signal = report_signal(
        &app,
        &pb(),
        json!({"email": "fatima@example.nl", "wantsUpdates": true}),
    )
    .await;
    let id = signal["id"].as_str().unwrap();
    move_signal(&app, id, json!({"to": "acknowledged"})).await;
    let mails = sink.wait_for("fatima@example.nl", 1).await;
    let link = format!("/unsubscribe/{}", mails[0].unsubscribe_token());

    // Opening the link asks first (a mail scanner's visit unsubscribes no one).
    let page = app.request(Method::GET, &link, None, None, &[]).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.content_type().starts_with("text/html"));
    assert!(
        page.text
            .contains("Wilt u geen e-mail meer krijgen over deze melding?"),
        "{}",
        page.text
    );
    let still = app
        .get(&format!("/api/v1/signals/{id}"), &app.token(&pb()))
        .await;
    assert_eq!(still.body["reporter"]["wantsUpdates"], true);

    // The button, or a mail program's one-click unsubscribe.
    let done = app.request(Method::POST, &link, None, None, &[]).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(done.text.contains("U bent afgemeld"), "{}", done.text);
    let after = app
        .get(&format!("/api/v1/signals/{id}"), &app.token(&pb()))
        .await;
    assert_eq!(after.body["reporter"]["wantsUpdates"], false);
    assert_eq!(
        after.body["version"],
        still.body["version"].as_i64().unwrap() + 1
    );
    let history = app
        .get(&format!("/api/v1/signals/{id}/history"), &app.token(&pb()))
        .await;
    assert!(
        history.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "signal.updates_declined"),
        "{}",
        history.text
    );

    move_signal(&app, id, json!({"to": "in_progress"})).await;
    move_signal(&app, id, json!({"to": "answered", "response": "Opgelost."})).await;
    wait_until_delivered(&app, "signal.answered", 1).await;
    assert_eq!(sink.mails().len(), 1, "nothing after unsubscribing");
    let unknown = app
        .request(
            Method::POST,
            "/unsubscribe/00000000000000000000000000000000",
            None,
            None,
            &[],
        )
        .await;
    unknown.assert_problem(404, "not_found");
}

#[actix_rt::test]
async fn consent_needs_an_address() {
    let app = spawn_app_with(|_| {}).await;
    let refused = app
        .post(
            "/api/v1/signals",
            &app.token(&pb()),
            &json!({"title": "Speeltuin kapot", "description": "Klimrek.", "neighbourhoodId": "transvaal",
                    "source": "resident", "themeId": "public_space", "reporter": {"name": "Jan", "wantsUpdates": true}}),
        )
        .await;
    refused.assert_problem(400, "invalid_input");
    assert_eq!(refused.invalid_param_names(), ["reporter.wantsUpdates"]);
    // Without SMTP configured there is no mail queue: nothing is sent, nothing waits.
    assert!(mail_deliveries(&app, "pending").await.is_empty());
}

#[actix_rt::test]
async fn in_development_the_mails_are_files_in_a_folder() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let dir = folder.path().to_path_buf();
    let app = spawn_app_with(|s| {
        s.mail.dir = Some(dir);
        s.webhooks.poll = Duration::from_millis(50);
    })
    .await;
    let signal = report_signal(
        &app,
        &pb(),
        json!({"email": "fatima@example.nl", "wantsUpdates": true}),
    )
    .await;
    move_signal(
        &app,
        signal["id"].as_str().unwrap(),
        json!({"to": "acknowledged"}),
    )
    .await;
    wait_until_delivered(&app, "signal.status_changed", 1).await;
    let files: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let message = std::fs::read_to_string(&files[0]).unwrap();
    assert!(message.contains("To: fatima@example.nl"), "{message}");
    assert!(
        message.contains("Subject: Uw melding is in behandeling: Speeltuin kapot"),
        "{message}"
    );
}

#[actix_rt::test]
async fn two_instances_on_one_database_send_each_message_once() {
    let sink = SmtpSink::start();
    let first = app_mailing_to(sink.port).await;
    // A second instance of the service on the same database, with the same settings.
    let second = wijkregie::startup::build(&first.settings, None).expect("a second instance");
    let second_base = format!("http://{}", second.address);
    actix_rt::spawn(second.server);
    let mut ids = Vec::new();
    for i in 0..6 {
        let signal = report_signal(
            &first,
            &pb(),
            json!({"email": format!("bewoner{i}@example.nl"), "wantsUpdates": true}),
        )
        .await;
        ids.push(signal["id"].as_str().unwrap().to_owned());
    }
    // Half of the changes are made on the other instance: its worker wakes first for them.
    for (i, id) in ids.iter().enumerate() {
        let body = json!({"to": "acknowledged"});
        if i % 2 == 0 {
            move_signal(&first, id, body).await;
        } else {
            let moved = first
                .client
                .post(format!("{second_base}/api/v1/signals/{id}/transitions"))
                .insert_header(("Authorization", format!("Bearer {}", first.token(&pb()))))
                .insert_header(("If-Match", "\"1\""))
                .send_json(&body)
                .await
                .expect("the second instance answers");
            assert_eq!(moved.status(), 200);
        }
    }
    for i in 0..6 {
        sink.wait_for(&format!("bewoner{i}@example.nl"), 1).await;
    }
    wait_until_delivered(&first, "signal.status_changed", 6).await;
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.mails().len(), 6, "each message once");
}

#[actix_rt::test]
async fn the_asked_department_hears_of_an_advice_request_at_its_contact_address() {
    let sink = SmtpSink::start();
    let app = app_mailing_to(sink.port).await;
    let version = crate::helpers::etag(&app, "/api/v1/departments/ocw").await;
    let contact = app
        .patch(
            "/api/v1/departments/ocw",
            &app.token(&Role::Admin),
            Some(&version),
            &json!({"contact": {"email": "advies@ocw.denhaag.nl"}}),
        )
        .await;
    assert_eq!(contact.status, 200, "{}", contact.text);
    assert_eq!(contact.body["contact"]["email"], "advies@ocw.denhaag.nl");
    let id = crate::advice_requests::project(&app, &["submitted"]).await;
    let asked = crate::advice_requests::ask(&app, &pb(), &id, "ocw").await;
    assert_eq!(asked.status, 201, "{}", asked.text);
    // A department without an address is asked all the same, and no one is mailed.
    assert_eq!(
        crate::advice_requests::ask(&app, &pb(), &id, "szw")
            .await
            .status,
        201
    );

    let mails = sink.wait_for("advies@ocw.denhaag.nl", 1).await;
    assert_eq!(
        mails[0].subject,
        "Adviesaanvraag over het projectidee Huiswerkklas in het buurthuis"
    );
    assert!(
        mails[0].text.contains("Beste collega's van"),
        "{}",
        mails[0].text
    );
    assert!(
        mails[0].text.contains("Past dit bij het onderwijsbeleid?"),
        "{}",
        mails[0].text
    );
    assert!(
        mails[0]
            .text
            .contains(&format!("{PUBLIC_URL}/unsubscribe/")),
        "{}",
        mails[0].text
    );
}
