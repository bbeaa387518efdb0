//! The audit trail: every change, in commit order. Also the outbox a departmental system can
//! follow with `?after=<last event id>`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::event_stream::{self, EVENT_STREAM, LiveEvents, Opening};
use super::export;
use super::http::{self, EventPageParams, Page, PageRequest};
use super::input::QueryParams;
use crate::auth::{Authorized, Principal};
use crate::authz::ops;
use crate::db::Db;
use crate::db::events::{self as repo, EventFilter, EventRow};
use crate::domain::{Rejection, time};
use crate::error::ApiError;
use crate::visibility::events_as_seen_by;

/// Who made a change: the token's subject and the role (with its scope) it was mapped to.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventActor {
    /// The token's subject.
    #[schema(example = "pb-anna")]
    pub sub: String,
    #[schema(example = "programmabureau")]
    pub role: String,
    /// The district, department or partner id of the role, for the roles that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "ocw")]
    pub scope: Option<String>,
    /// The token's `name`; machine clients have none.
    #[schema(example = "Anna de Groot")]
    pub name: Option<String>,
    /// The application the token was issued to (its `azp` or `client_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "zaaksysteem-ocw")]
    pub client_id: Option<String>,
}

/// One recorded change.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Monotonic, in commit order.
    #[schema(example = 42)]
    pub id: i64,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub occurred_at: NaiveDateTime,
    pub actor: EventActor,
    /// `<resourceType>.<verb>`.
    #[schema(example = "theme.updated")]
    pub action: String,
    #[schema(example = "theme")]
    pub resource_type: String,
    #[schema(example = "public_space")]
    pub resource_id: String,
    /// Before and after of what changed.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<EventRow> for Event {
    fn from(row: EventRow) -> Self {
        Self {
            id: row.id,
            occurred_at: row.occurred_at,
            actor: EventActor {
                sub: row.actor_sub,
                role: row.actor_role,
                scope: row.actor_scope,
                name: row.actor_name,
                client_id: row.actor_client_id,
            },
            action: row.action,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            data: serde_json::from_str(&row.data).unwrap_or(serde_json::Value::Null),
        }
    }
}

/// Filters of the event list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code, reason = "documentation only: read through QueryParams")]
pub struct EventListParams {
    /// Only events about this kind of resource.
    #[param(example = "theme", min_length = 1, max_length = 100)]
    resource_type: Option<String>,
    /// Only events about this resource.
    #[param(example = "public_space", min_length = 1, max_length = 100)]
    resource_id: Option<String>,
    /// Only this action.
    #[param(example = "theme.updated", min_length = 1, max_length = 100)]
    action: Option<String>,
    /// Only these event types (actions), comma-separated; a trailing `*` matches a prefix.
    #[param(
        example = "signal.routed,signal.reassigned,project.*",
        min_length = 1,
        max_length = 500,
        pattern = r"^([a-z_.]{1,100}\*?|\*)(,([a-z_.]{1,100}\*?|\*))*$"
    )]
    types: Option<String>,
    /// Only events after this event id (to follow the trail).
    #[param(minimum = 0, example = 41)]
    after: Option<i64>,
}

/// `signal.routed`, `signal.*`, `*`: actions, or prefixes of them ending in `*`, comma-separated
/// (each read as a subscription's `types` are).
fn event_types(value: &str) -> Result<Vec<String>, Rejection> {
    let types: Result<Vec<String>, Rejection> = value
        .split(',')
        .map(|t| crate::domain::webhooks::event_type(t.trim()))
        .collect();
    match types {
        Ok(types) if value.len() <= 500 => Ok(types),
        _ => Err(Rejection::new(
            "invalid_event_type",
            "must be event types like signal.routed or signal.*, comma-separated",
        )),
    }
}

fn short_text(value: &str) -> Result<String, Rejection> {
    if value.is_empty() || value.len() > 100 {
        Err(Rejection::new(
            "out_of_range",
            "must be 1 to 100 characters",
        ))
    } else {
        Ok(value.to_owned())
    }
}

http::page_schema!(EventPage, Event);

/// List events, oldest first, or follow them live.
///
/// An audit log is read in the order it was written, so this list runs oldest first (by id);
/// follow it with `after` or the cursor. Every role reads the events about what it can read
/// (the same rules as its reads: an event about a project, signal, assessment or link it may
/// not open is left out, so a page may hold fewer than `limit` events; follow `nextCursor`).
/// Events never hold personal data: fetch the resource with your own token.
///
/// **Live updates** (`Accept: text/event-stream`): the same feed, with the same filters and
/// scope, as Server-Sent Events that stay open: per event an `id:` line (the event id), an
/// `event:` line (its action) and a `data:` line (the event as in the list). It resumes after
/// `Last-Event-ID` (or `after`); without either it starts with the events committed after it
/// opened. A comment line (`: keep-alive`) comes after at most 15 s of silence; the stream ends
/// with a comment when the token expires or the service shuts down (reconnect with a fresh
/// token and `Last-Event-ID`). Events written through other instances arrive within a second.
/// The token travels in the `Authorization` header only (read the stream with `fetch`, not
/// `EventSource`). `limit` and `cursor` do not apply. A principal holds at most
/// `WIJKREGIE_STREAMS_PER_PRINCIPAL` (default 5) streams per instance: one more is a 429.
#[utoipa::path(
    get, path = "/events", tag = "Events", operation_id = "list_events",
    params(EventListParams, EventPageParams, EventStreamHeaders),
    responses(
        (status = 200, description = "A page of events, or the live stream of them",
            headers(("Vary" = String, description = "Accept: a page or a stream follows the Accept header")),
            content(
                (EventPage = "application/json"),
                (String = "text/event-stream", example = "id: 42\nevent: theme.updated\ndata: {\"id\":42,\"action\":\"theme.updated\",…}\n\n: keep-alive\n\n"),
            )),
        (status = 406, description = "Neither JSON nor an event stream is acceptable"),
        (status = 429, description = "The principal holds its maximum of open event streams"),
    )
)]
pub async fn list_events(
    req: HttpRequest,
    caller: Authorized<ops::ListEvents>,
    mut query: QueryParams,
    db: web::Data<Db>,
    live: web::Data<LiveEvents>,
) -> Result<HttpResponse, ApiError> {
    let mut filter = read_filter(&mut query);
    filter.after = last_event_id(&req, &mut query).or(filter.after);
    if wants_stream(&req)? {
        query.finish()?;
        let opening = Opening {
            principal: caller.principal,
            after: filter.after.take(),
            filter,
            expires_at: crate::auth::token_expiry(&req)?,
        };
        return event_stream::open(&live.into_inner(), db.get_ref().clone(), opening).await;
    }
    let page = PageRequest::read(&mut query);
    query.finish()?;
    let cursor = page.after_number()?;
    let limit = page.limit;
    let principal = caller.principal;
    let shown = db
        .read(move |conn| {
            let rows = repo::list(conn, &filter, cursor, limit)?;
            let mut page =
                Page::from_rows(rows, limit, |row| row.id.to_be_bytes().to_vec(), |row| row);
            page.items = events_as_seen_by(conn, &principal, page.items)?;
            Ok(page)
        })
        .await?;
    let page = Page {
        items: shown.items.into_iter().map(Event::from).collect(),
        next_cursor: shown.next_cursor,
    };
    Ok(export::vary_on_accept(http::page_response(&req, page)))
}

/// The feed's filters from the query.
fn read_filter(query: &mut QueryParams) -> EventFilter {
    EventFilter {
        resource_type: query.single("resourceType", short_text),
        resource_id: query.single("resourceId", short_text),
        action: query.single("action", short_text),
        types: query.single("types", event_types).unwrap_or_default(),
        after: query.single("after", event_id),
    }
}

fn event_id(text: &str) -> Result<i64, Rejection> {
    match text.trim().parse::<i64>() {
        Ok(id) if id >= 0 => Ok(id),
        _ => Err(Rejection::new(
            "out_of_range",
            "must be an event id (a whole number from 0)",
        )),
    }
}

/// Whether the caller asked for the live stream rather than a page (the default); `406` when
/// its `Accept` allows neither.
fn wants_stream(req: &HttpRequest) -> Result<bool, ApiError> {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok());
    match http::negotiate(accept, &["application/json", EVENT_STREAM]) {
        Some(EVENT_STREAM) => Ok(true),
        Some(_) => Ok(false),
        None => Err(ApiError::NotAcceptable(
            "The events come as application/json or text/event-stream.".to_owned(),
        )),
    }
}

/// The `Last-Event-ID` a reconnecting client sends; a problem of the request when it is not an
/// event id.
fn last_event_id(req: &HttpRequest, query: &mut QueryParams) -> Option<i64> {
    let value = req.headers().get("last-event-id")?;
    match value
        .to_str()
        .map_err(|_| ())
        .and_then(|text| event_id(text).map_err(|_| ()))
    {
        Ok(id) => Some(id),
        Err(()) => {
            query.reject(
                "Last-Event-ID",
                Rejection::new(
                    "out_of_range",
                    "must be an event id (a whole number from 0)",
                ),
            );
            None
        }
    }
}

/// The request header of a reconnecting stream.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(
    dead_code,
    reason = "documentation only: read from the request's headers"
)]
pub struct EventStreamHeaders {
    /// The id of the last event received: the page or stream goes on after it (it takes
    /// precedence over `after`). A reconnecting event stream sends it.
    #[param(rename = "Last-Event-ID", minimum = 0, example = 41)]
    last_event_id: Option<i64>,
}

/// A page of one resource's events, oldest first, once `check` has confirmed that the caller
/// may read the resource (it answers 404 otherwise). Events about what the caller may not open
/// are left out of the page (which may then hold fewer than `limit`; `nextCursor` goes on).
pub(crate) async fn history<F>(
    req: &HttpRequest,
    db: &Db,
    principal: Principal,
    mut query: QueryParams,
    resource_type: &'static str,
    id: String,
    check: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut crate::db::DbConnection, &str) -> Result<(), ApiError> + Send + 'static,
{
    let page = PageRequest::read(&mut query);
    query.finish()?;
    let cursor = page.after_number()?;
    let limit = page.limit;
    let shown = db
        .read(move |conn| {
            check(conn, &id)?;
            let filter = EventFilter {
                resource_type: Some(resource_type.to_owned()),
                resource_id: Some(id),
                ..EventFilter::default()
            };
            let rows = repo::list(conn, &filter, cursor, limit)?;
            let mut page =
                Page::from_rows(rows, limit, |row| row.id.to_be_bytes().to_vec(), |row| row);
            page.items = events_as_seen_by(conn, &principal, page.items)?;
            Ok(page)
        })
        .await?;
    let page = Page {
        items: shown.items.into_iter().map(Event::from).collect(),
        next_cursor: shown.next_cursor,
    };
    Ok(http::page_response(req, page))
}
