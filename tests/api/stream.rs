//! Live updates for browsers (DESIGN §16): `GET /events` with `Accept: text/event-stream` is the
//! scoped feed as Server-Sent Events, in order, resumable, limited per principal, ending with
//! the token and at shutdown, and fed by other instances' writes within a second.

use std::pin::Pin;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use futures::{Stream, StreamExt};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, partner, pb, required_postgres_server_url, spawn_app, spawn_app_with, stadsdeel,
};
use wijkregie::auth::{Role, TokenMinter};

type Body = Pin<Box<dyn Stream<Item = Result<Bytes, awc::error::PayloadError>>>>;

/// One block of a stream: an event, or a comment line.
#[derive(Debug, Clone, PartialEq)]
enum Frame {
    Event { id: i64, event: String, data: Value },
    Comment(String),
}

/// An open stream, read block by block.
struct Sse {
    headers: awc::http::header::HeaderMap,
    body: Body,
    buffer: String,
}

impl Sse {
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// The next block, `None` when the stream ended; fails the test after `within`.
    async fn next(&mut self, within: Duration) -> Option<Frame> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return Some(parse(block.trim_end()));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match actix_rt::time::timeout(left, self.body.next()).await {
                Err(_) => panic!("nothing from the stream within {within:?}"),
                Ok(None) => return None,
                Ok(Some(chunk)) => self
                    .buffer
                    .push_str(&String::from_utf8_lossy(&chunk.expect("the stream reads"))),
            }
        }
    }

    /// The next event, passing over comments.
    async fn next_event(&mut self, within: Duration) -> (i64, String, Value) {
        loop {
            match self.next(within).await {
                Some(Frame::Event { id, event, data }) => return (id, event, data),
                Some(Frame::Comment(_)) => {}
                None => panic!("the stream ended before an event came"),
            }
        }
    }

    /// Every block until `quiet` passes without one (or the stream ends).
    async fn drain_for(&mut self, quiet: Duration) -> Vec<Frame> {
        let mut frames = Vec::new();
        let until = Instant::now() + quiet;
        while Instant::now() < until {
            let left = until.saturating_duration_since(Instant::now());
            match actix_rt::time::timeout(left, self.next(quiet * 2)).await {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) | Err(_) => break,
            }
        }
        frames
    }
}

fn parse(block: &str) -> Frame {
    let (mut id, mut event, mut data) = (None, None, None);
    for line in block.lines() {
        if let Some(comment) = line.strip_prefix(':') {
            return Frame::Comment(comment.trim().to_owned());
        }
        let (field, value) = line.split_once(": ").expect("field: value");
        match field {
            "id" => id = value.parse::<i64>().ok(),
            "event" => event = Some(value.to_owned()),
            "data" => data = serde_json::from_str(value).ok(),
            other => panic!("unexpected field {other}"),
        }
    }
    Frame::Event {
        id: id.expect("an id line"),
        event: event.expect("an event line"),
        data: data.expect("a data line of JSON"),
    }
}

/// Opens `GET {base}/api/v1/events{query}` as a stream; the answer when it is not one.
async fn open_at(
    base: &str,
    token: &str,
    query: &str,
    headers: &[(&str, &str)],
) -> Result<Sse, (u16, Value)> {
    let client = awc::Client::builder().disable_timeout().finish();
    let mut request = client
        .get(format!("{base}/api/v1/events{query}"))
        .insert_header(("Accept", "text/event-stream"))
        .insert_header(("Authorization", format!("Bearer {token}")));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let mut response = request.send().await.expect("the server answers");
    if response.status() != 200 {
        let body = response.body().await.expect("a problem body");
        return Err((
            response.status().as_u16(),
            serde_json::from_slice(&body).unwrap_or(Value::Null),
        ));
    }
    let headers = response.headers().clone();
    Ok(Sse {
        headers,
        body: Box::pin(response),
        buffer: String::new(),
    })
}

async fn open(app: &TestApp, role: &Role, query: &str, headers: &[(&str, &str)]) -> Sse {
    open_at(&app.address, &app.token(role), query, headers)
        .await
        .unwrap_or_else(|(status, body)| panic!("{status}: {body}"))
}

const WAIT: Duration = Duration::from_secs(10);

/// Changes a theme's answer term: one `theme.updated` event.
async fn rename_theme(app: &TestApp, theme: &str, days: u32) {
    let etag = crate::helpers::etag(app, &format!("/api/v1/themes/{theme}")).await;
    let renamed = app
        .patch(
            &format!("/api/v1/themes/{theme}"),
            &app.token(&pb()),
            Some(&etag),
            &json!({"responseDays": days}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
}

/// Creates a signal through the instance at `base`; its id, and when the request was sent.
async fn create_signal(base_app: &TestApp, base: &str, neighbourhood: &str) -> (String, Instant) {
    let sent = Instant::now();
    let response = base_app
        .client
        .post(format!("{base}/api/v1/signals"))
        .insert_header(("Authorization", format!("Bearer {}", base_app.token(&pb()))))
        .send_json(
            &json!({"title": "Lantaarnpaal stuk", "description": "Donker op de stoep.",
            "neighbourhoodId": neighbourhood, "source": "resident", "themeId": "public_space"}),
        )
        .await
        .expect("the server answers")
        .json::<Value>()
        .await
        .expect("a signal");
    (response["id"].as_str().expect("an id").to_owned(), sent)
}

#[actix_rt::test]
async fn a_stream_sends_new_events_in_order_as_in_the_feed() {
    let app = spawn_app().await;
    rename_theme(&app, "housing", 20).await;
    let mut stream = open(&app, &pb(), "", &[]).await;
    assert_eq!(stream.header("content-type"), "text/event-stream");
    assert_eq!(stream.header("cache-control"), "no-cache");
    rename_theme(&app, "safety", 21).await;
    rename_theme(&app, "employment", 22).await;
    rename_theme(&app, "housing", 23).await;

    let mut received = Vec::new();
    for _ in 0..3 {
        received.push(stream.next_event(WAIT).await);
    }
    let ids: Vec<i64> = received.iter().map(|(id, _, _)| *id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order: {ids:?}");
    let resources: Vec<&str> = received
        .iter()
        .map(|(_, _, data)| data["resourceId"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        resources,
        ["safety", "employment", "housing"],
        "only what came after the stream opened, in commit order"
    );
    let feed = app
        .get(
            &format!("/api/v1/events?after={}", ids[0] - 1),
            &app.token(&pb()),
        )
        .await;
    for ((id, event, data), item) in received.iter().zip(feed.body["items"].as_array().unwrap()) {
        assert_eq!(event, "theme.updated");
        assert_eq!(item["id"], *id);
        assert_eq!(data, item, "the data line is the feed's item");
    }
}

#[actix_rt::test]
async fn a_stream_resumes_after_the_last_event_id_or_after() {
    let app = spawn_app().await;
    for (i, theme) in ["housing", "safety", "employment"].iter().enumerate() {
        rename_theme(&app, theme, 30 + u32::try_from(i).unwrap()).await;
    }
    let feed = app.get("/api/v1/events", &app.token(&pb())).await;
    let ids: Vec<i64> = feed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);

    let first = ids[0].to_string();
    let mut resumed = open(&app, &pb(), "", &[("Last-Event-ID", &first)]).await;
    assert_eq!(resumed.next_event(WAIT).await.0, ids[1]);
    assert_eq!(resumed.next_event(WAIT).await.0, ids[2]);
    let mut after = open(&app, &pb(), &format!("?after={}", ids[1]), &[]).await;
    assert_eq!(after.next_event(WAIT).await.0, ids[2]);
    let mut header_first = open(
        &app,
        &pb(),
        &format!("?after={}", ids[0]),
        &[("Last-Event-ID", &ids[1].to_string())],
    )
    .await;
    assert_eq!(
        header_first.next_event(WAIT).await.0,
        ids[2],
        "Last-Event-ID, which a reconnect sends, wins over the URL's after"
    );
    let page = app
        .request(
            awc::http::Method::GET,
            "/api/v1/events",
            Some(&app.token(&pb())),
            None,
            &[("Last-Event-ID", &ids[1].to_string())],
        )
        .await;
    assert_eq!(
        page.body["items"][0]["id"], ids[2],
        "a page goes on after Last-Event-ID as well"
    );
    assert_eq!(page.header("vary").as_deref(), Some("Accept"));
    let refused = open_at(
        &app.address,
        &app.token(&pb()),
        "?types=Signal;DROP",
        &[("Last-Event-ID", "gisteren")],
    )
    .await
    .err()
    .expect("a bad Last-Event-ID is refused");
    assert_eq!(refused.0, 400);
    let mut names: Vec<&str> = refused.1["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["Last-Event-ID", "types"], "all problems at once");
}

#[actix_rt::test]
async fn a_stream_shows_each_role_only_the_events_it_may_read() {
    let app = spawn_app_with(|s| s.streams.heartbeat = Duration::from_secs(1)).await;
    let mut laak = open(&app, &stadsdeel("laak"), "?types=signal.*", &[]).await;
    let mut stranger = open(
        &app,
        &partner("0190f0a0-0000-7000-8000-00000000dead"),
        "",
        &[],
    )
    .await;
    let (centrum, _) = create_signal(&app, &app.address, "transvaal").await;
    let (in_laak, _) = create_signal(&app, &app.address, "laakkwartier").await;

    let (_, event, data) = laak.next_event(WAIT).await;
    assert_eq!(event, "signal.received");
    assert_eq!(
        data["resourceId"], in_laak,
        "the first event Laak sees is about its own signal, not {centrum}"
    );
    let (_, event, data) = laak.next_event(WAIT).await;
    assert_eq!(
        (event.as_str(), &data["resourceId"]),
        ("signal.routed", &json!(in_laak))
    );
    let seen = stranger.drain_for(Duration::from_millis(2500)).await;
    assert!(
        seen.iter().all(|f| matches!(f, Frame::Comment(_))),
        "a partner sees neither signal: {seen:?}"
    );
    assert!(!seen.is_empty(), "but it hears the heartbeat");
}

#[actix_rt::test]
async fn a_principal_may_hold_only_so_many_streams() {
    let app = spawn_app_with(|s| {
        s.streams.per_principal = 2;
        s.streams.heartbeat = Duration::from_secs(1);
    })
    .await;
    let first = open(&app, &pb(), "", &[]).await;
    let _second = open(&app, &pb(), "", &[]).await;
    let (status, problem) = open_at(&app.address, &app.token(&pb()), "", &[])
        .await
        .err()
        .expect("a third stream is refused");
    assert_eq!(
        (status, problem["code"].as_str()),
        (429, Some("too_many_streams"))
    );
    assert_eq!(problem["status"], 429);
    let _other = open(&app, &stadsdeel("laak"), "", &[]).await;
    let listed = app.get("/api/v1/events", &app.token(&pb())).await;
    assert_eq!(
        listed.status, 200,
        "the list is no stream and is not limited"
    );

    drop(first);
    let start = Instant::now();
    loop {
        match open_at(&app.address, &app.token(&pb()), "", &[]).await {
            Ok(_) => break,
            Err((429, _)) if start.elapsed() < WAIT => {
                actix_rt::time::sleep(Duration::from_millis(200)).await;
            }
            Err(other) => panic!("a closed stream gives its place back: {other:?}"),
        }
    }
}

#[actix_rt::test]
async fn a_stream_ends_when_its_token_expires() {
    let app = spawn_app().await;
    let minter = TokenMinter::new(&app.settings.jwt, None).unwrap();
    let token = minter
        .mint("kort", None, &pb(), Duration::from_secs(2))
        .unwrap();
    let mut stream = open_at(&app.address, &token, "", &[]).await.unwrap();
    let started = Instant::now();
    let mut last = None;
    while let Some(frame) = stream.next(WAIT).await {
        last = Some(frame);
    }
    assert_eq!(last, Some(Frame::Comment("the token expired".to_owned())));
    assert!(
        started.elapsed() < WAIT,
        "ended at the token's exp, not at the heartbeat"
    );
}

#[actix_rt::test]
async fn an_idle_stream_sends_a_comment_line_every_heartbeat() {
    let app = spawn_app_with(|s| s.streams.heartbeat = Duration::from_secs(1)).await;
    let mut stream = open(&app, &pb(), "", &[]).await;
    let frames = stream.drain_for(Duration::from_millis(3500)).await;
    let beats = frames
        .iter()
        .filter(|f| **f == Frame::Comment("keep-alive".to_owned()))
        .count();
    assert!(beats >= 2, "{frames:?}");
    assert_eq!(beats, frames.len(), "nothing else happened: {frames:?}");
}

#[actix_rt::test]
async fn a_token_travels_only_in_the_authorization_header() {
    let app = spawn_app().await;
    let token = app.token(&pb());
    let in_url = app
        .request(
            awc::http::Method::GET,
            &format!("/api/v1/events?access_token={token}"),
            None,
            None,
            &[("Accept", "text/event-stream")],
        )
        .await;
    in_url.assert_problem(401, "unauthenticated");
    let both = open_at(&app.address, &token, &format!("?access_token={token}"), &[])
        .await
        .err()
        .expect("a token in the URL is refused");
    assert_eq!(both.0, 400);
    assert_eq!(both.1["invalidParams"][0]["name"], "access_token");
    app.request(
        awc::http::Method::GET,
        "/api/v1/events",
        Some(&token),
        None,
        &[("Accept", "text/html")],
    )
    .await
    .assert_problem(406, "not_acceptable");
}

#[actix_rt::test]
async fn a_browser_on_an_allowed_origin_may_read_and_resume_the_stream() {
    let origin = "https://werkbank.example.nl";
    let app = spawn_app_with(|s| s.cors_origins = vec![origin.to_owned()]).await;
    let preflight = app
        .request(
            awc::http::Method::OPTIONS,
            "/api/v1/events",
            None,
            None,
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "GET"),
                (
                    "Access-Control-Request-Headers",
                    "authorization,last-event-id",
                ),
            ],
        )
        .await;
    assert_eq!(preflight.status, 200, "{}", preflight.text);
    let allowed = preflight
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(allowed.contains("last-event-id"), "{allowed}");
    let stream = open(
        &app,
        &pb(),
        "",
        &[("Origin", origin), ("Last-Event-ID", "0")],
    )
    .await;
    assert_eq!(stream.header("access-control-allow-origin"), origin);
}

#[actix_rt::test]
#[ignore = "needs PostgreSQL: run with TEST_DATABASE_URL and --include-ignored (CI does)"]
async fn events_written_through_another_instance_arrive_within_a_second() {
    // Several instances share one database only on PostgreSQL.
    required_postgres_server_url();
    let app = spawn_app().await;
    let other = wijkregie::startup::build(&app.settings, None).expect("a second instance");
    let other_base = format!("http://{}", other.address);
    actix_rt::spawn(other.server);
    let mut stream = open(&app, &pb(), "?types=signal.received", &[]).await;
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let (id, sent) = create_signal(&app, &other_base, "transvaal").await;
        let (_, _, data) = stream.next_event(WAIT).await;
        let took = sent.elapsed();
        assert_eq!(data["resourceId"], id);
        slowest = slowest.max(took);
    }
    eprintln!("slowest arrival from the other instance: {slowest:?}");
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
}

#[actix_rt::test]
async fn stopping_the_service_ends_its_streams() {
    let database = crate::helpers::TestDatabase::new();
    let url = match database.target() {
        wijkregie::db::DatabaseTarget::Postgres(url) => url,
        wijkregie::db::DatabaseTarget::Sqlite(path) => path,
    };
    let mut instance = crate::cluster::start(&url);
    let mut stream = open_at(&instance.base, &crate::cluster::token(&pb()), "", &[])
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let pid = instance.child.id().to_string();
    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(stopped.success());
    let mut last = None;
    while let Some(frame) = stream.next(WAIT).await {
        last = Some(frame);
    }
    assert_eq!(
        last,
        Some(Frame::Comment("the service is shutting down".to_owned()))
    );
    let start = Instant::now();
    while instance.child.try_wait().expect("wait").is_none() {
        assert!(
            start.elapsed() < WAIT,
            "the service stops without waiting out its shutdown timeout"
        );
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }
}
