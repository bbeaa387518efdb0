//! Signals from the neighbourhood: routed by theme to the department that owns the policy,
//! answered on time, handed off with a reason, never lost between desks. The reporter's personal
//! data is shown only to the programme bureau and the department assigned now.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::access::record_event;
use super::http::{self, EventPageParams, Page, PageParams, PageRequest};
use super::input::{
    Field, Fields, JsonObject, QueryParams, array, bool_param, id_param, slug_param, string, text,
};
use super::personal_data::{View, reporters_shown, store_in_transaction};
use crate::auth::{Authorized, Principal};
use crate::authz::ops;
use crate::authz::{self, SignalFacts};
use crate::db::personal_data::AccessRow;
use crate::db::signals::{
    self as repo, Signal as SignalRecord, SignalChange, SignalFilter, SignalRow,
};
use crate::db::{Db, DbConnection, partners as partner_repo, reference as reference_repo};
use crate::domain::partners::{email, search_form};
use crate::domain::signals::{self as rules, Requirement};
use crate::domain::{Rejection, bounded_text, reference, time};
use crate::error::ApiError;
use crate::visibility::{self, SignalDisclosure, SignalMoment::*, signal_disclosure};

/// The person who raised a signal. Personal data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reporter {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The reporter consented to updates by e-mail (DESIGN §15); the unsubscribe link of the
    /// e-mails turns it off.
    #[serde(rename = "wantsUpdates")]
    pub wants_updates: bool,
}

/// A signal as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Signal {
    pub id: String,
    pub title: String,
    pub description: String,
    pub neighbourhood_id: String,
    pub district_id: String,
    /// resident, partner, wijkmanager, community_worker, school, department or other.
    pub source: String,
    pub theme_id: String,
    /// The signal says policy does not fit the neighbourhood.
    pub policy_feedback: bool,
    /// Only for the programme bureau and the department assigned now; `null` for everyone else.
    pub reporter: Option<Reporter>,
    /// The code of the public tracking page `/track/{trackingCode}` (128 random bits, hex).
    /// In the response that creates the signal; afterwards only for the reporting partner, the
    /// programme bureau and the department assigned now; `null` for everyone else.
    #[schema(pattern = "^[0-9a-f]{32}$")]
    pub tracking_code: Option<String>,
    /// The department that owns the answer now.
    pub assigned_department_id: String,
    /// received, acknowledged, in_progress, answered, closed or reopened.
    pub status: String,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub received_at: NaiveDateTime,
    /// Receipt plus the theme's response days; a hand-off does not move it.
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub due_at: NaiveDateTime,
    #[serde(with = "time::rfc3339_option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub answered_at: Option<NaiveDateTime>,
    pub response: Option<String>,
    pub reassignment_count: i32,
    /// Open and past `dueAt`.
    pub overdue: bool,
    pub project_ids: Vec<String>,
    /// The policy issues bundling it that the caller may open (DESIGN §13).
    pub policy_issue_ids: Vec<String>,
    pub version: i64,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

impl Signal {
    /// The signal with the parts `disclosure` (from `visibility`) lets its reader see.
    fn shown(disclosure: SignalDisclosure, signal: SignalRecord, now: NaiveDateTime) -> Self {
        let row = signal.row;
        let has_reporter = row.reporter_name.is_some()
            || row.reporter_email.is_some()
            || row.reporter_phone.is_some();
        Self {
            overdue: rules::is_open(&row.status) && now > row.due_at,
            reporter: (disclosure.reporter && has_reporter).then_some(Reporter {
                name: row.reporter_name,
                email: row.reporter_email,
                phone: row.reporter_phone,
                wants_updates: row.reporter_wants_updates,
            }),
            tracking_code: disclosure.tracking_code.then_some(row.tracking_code),
            id: row.id,
            title: row.title,
            description: row.description,
            neighbourhood_id: row.neighbourhood_id,
            district_id: row.district_id,
            source: row.source,
            theme_id: row.theme_id,
            policy_feedback: row.policy_feedback,
            assigned_department_id: row.assigned_department_id,
            status: row.status,
            received_at: row.received_at,
            due_at: row.due_at,
            answered_at: row.answered_at,
            response: row.response,
            reassignment_count: row.reassignment_count,
            project_ids: signal.project_ids,
            policy_issue_ids: signal.policy_issue_ids,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

http::page_schema!(SignalPage, Signal);

/// A new signal.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct SignalCreate {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    title: String,
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    description: String,
    #[schema(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    neighbourhood_id: String,
    source: SignalSource,
    #[schema(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    theme_id: String,
    policy_feedback: Option<bool>,
    reporter: Option<ReporterInput>,
}

/// The reporter as sent.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct ReporterInput {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    name: Option<String>,
    #[schema(
        max_length = 254,
        pattern = "^[^\\s@\\u0000-\\u001f\\u007f-\\u009f]+@[^\\s@.\\u0000-\\u001f\\u007f-\\u009f]+(\\.[^\\s@.\\u0000-\\u001f\\u007f-\\u009f]+)+$"
    )]
    email: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    phone: Option<String>,
    /// Consent to updates by e-mail (default false); needs `email`.
    #[serde(rename = "wantsUpdates")]
    wants_updates: Option<bool>,
}

/// Where a signal comes from.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum SignalSource {
    Resident,
    Partner,
    Wijkmanager,
    CommunityWorker,
    School,
    Department,
    Other,
}

/// A signal status.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum SignalStatus {
    Received,
    Acknowledged,
    InProgress,
    Answered,
    Closed,
    Reopened,
}

/// Changes to a signal: the projects it is linked to (replaces the list).
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct SignalUpdate {
    #[schema(nullable = false)]
    project_ids: Option<Vec<String>>,
}

/// A status change of a signal.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct SignalTransitionInput {
    to: SignalStatus,
    /// Required for `answered`: the answer the reporter gets.
    #[schema(min_length = 1, max_length = 5000)]
    response: Option<String>,
    /// Required for `reopened`.
    #[schema(min_length = 1, max_length = 2000)]
    reason: Option<String>,
}

/// A hand-off to another department.
#[derive(Debug, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct ReassignmentInput {
    #[schema(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    department_id: String,
    #[schema(min_length = 1, max_length = 2000)]
    reason: String,
}

/// Filters of the signal list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code, reason = "documentation only: read through QueryParams")]
pub struct SignalListParams {
    /// Only these statuses (repeat the key for several).
    status: Option<Vec<SignalStatus>>,
    #[param(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    theme_id: Option<String>,
    #[param(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    assigned_department_id: Option<String>,
    #[param(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    neighbourhood_id: Option<String>,
    #[param(pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
    district_id: Option<String>,
    source: Option<SignalSource>,
    policy_feedback: Option<bool>,
    /// `true`: open and past their due date; `false`: the others.
    overdue: Option<bool>,
    #[param(value_type = Option<String>, format = DateTime)]
    received_after: Option<String>,
    #[param(value_type = Option<String>, format = DateTime)]
    received_before: Option<String>,
    /// Case-insensitive search in the title (accents ignored).
    #[param(max_length = 100)]
    q: Option<String>,
    /// Only signals changed after this moment (a hand-off, a transition, a new link), oldest
    /// change first: the list is then ordered by (`updatedAt`, `id`), and its cursor continues
    /// from the last change read, so a system can catch up after downtime.
    #[param(value_type = Option<String>, format = DateTime)]
    updated_after: Option<String>,
}

fn short(value: &str) -> Result<String, Rejection> {
    bounded_text(value, 200)
}

/// Records a change on the signal's trail. `data` never holds the reporter's personal data.
fn record(
    conn: &mut DbConnection,
    principal: &Principal,
    signal_id: &str,
    action: &str,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    record_event(conn, principal, "signal", signal_id, action, data)
}

/// A signal's representation as `principal` sees it at `moment` (DESIGN §9: nothing it may not
/// open), and the access row to store before it is sent when it shows the reporter (DESIGN §14).
fn shown(
    conn: &mut DbConnection,
    principal: &Principal,
    signal: SignalRecord,
    moment: visibility::SignalMoment,
    now: NaiveDateTime,
) -> Result<(Signal, Vec<AccessRow>), ApiError> {
    let mut signals = [signal];
    visibility::signals_as_seen_by(conn, principal, &mut signals)?;
    let [signal] = signals;
    let signal = Signal::shown(signal_disclosure(principal, &signal, moment), signal, now);
    let shown = signal.reporter.is_some().then_some(signal.id.as_str());
    let access = reporters_shown(principal, View::Signal, shown);
    Ok((signal, access))
}

/// [`shown`] for a write's answer: its access row goes into the write's own transaction.
fn shown_in_write(
    conn: &mut DbConnection,
    principal: &Principal,
    signal: SignalRecord,
    moment: visibility::SignalMoment,
    now: NaiveDateTime,
) -> Result<Signal, ApiError> {
    let (signal, access) = shown(conn, principal, signal, moment, now)?;
    store_in_transaction(conn, &access)?;
    Ok(signal)
}

fn readable(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
) -> Result<(SignalRecord, SignalFacts), ApiError> {
    let signal = repo::get(conn, id)?;
    let facts = signal.facts();
    authz::require_signal(principal, &facts, true, "read")?;
    Ok((signal, facts))
}

/// List signals, newest first: only those the caller may read.
///
/// With `updatedAfter`, only those changed after that moment, oldest change first
/// (ordered by `updatedAt`, then `id`).
///
/// The reporter is shown only to the programme bureau and the department assigned now.
#[utoipa::path(
    get, path = "/signals", tag = "Signals", operation_id = "list_signals",
    params(SignalListParams, PageParams),
    responses((status = 200, description = "A page of signals", body = SignalPage))
)]
pub async fn list_signals(
    req: HttpRequest,
    caller: Authorized<ops::ListSignals>,
    mut query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let now = time::now();
    let moment = |v: &str| {
        time::parse(v)
            .ok_or_else(|| Rejection::new("invalid_date_time", "must be an RFC 3339 date-time"))
    };
    let filter = SignalFilter {
        statuses: query.many("status", rules::status),
        theme_id: query.single("themeId", slug_param),
        assigned_department_id: query.single("assignedDepartmentId", slug_param),
        neighbourhood_id: query.single("neighbourhoodId", slug_param),
        district_id: query.single("districtId", slug_param),
        source: query.single("source", rules::source),
        policy_feedback: query.single("policyFeedback", bool_param),
        overdue: query
            .single("overdue", bool_param)
            .map(|overdue| (overdue, now)),
        received_after: query.single("receivedAfter", moment),
        received_before: query.single("receivedBefore", moment),
        q: query.single("q", |v| {
            if v.chars().count() > 100 {
                Err(Rejection::new("too_long", "must be at most 100 characters"))
            } else {
                Ok(search_form(v))
            }
        }),
        updated_after: query.single("updatedAfter", moment),
    };
    let page = PageRequest::read(&mut query);
    query.finish()?;
    let principal = caller.principal;
    let by_update = filter.updated_after.is_some();
    let (limit, after) = (page.limit, page.after(by_update)?);
    let (signals, access) = db
        .read({
            let scope = authz::signal_scope(&principal);
            let principal = principal.clone();
            move |conn| {
                let mut signals = repo::list(conn, &scope, &filter, after.as_ref(), limit)?;
                visibility::signals_as_seen_by(conn, &principal, &mut signals)?;
                let signals: Vec<Signal> = signals
                    .into_iter()
                    .map(|s| Signal::shown(signal_disclosure(&principal, &s, Later), s, now))
                    .collect();
                // The extra row that only says there is a next page is not shown.
                let page = signals
                    .iter()
                    .take(usize::try_from(limit).unwrap_or(usize::MAX));
                let shown = page.filter(|s| s.reporter.is_some()).map(|s| s.id.as_str());
                let access = reporters_shown(&principal, View::SignalList, shown);
                Ok((signals, access))
            }
        })
        .await?;
    db.log_access(access).await?;
    let key = |s: &Signal| http::list_key(by_update, &s.updated_at, &s.id);
    let page = Page::from_rows(signals, limit, key, |s| s);
    Ok(http::page_response(&req, page))
}

/// Get one signal.
#[utoipa::path(
    get, path = "/signals/{signalId}", tag = "Signals", operation_id = "get_signal",
    params(("signalId" = String, Path, description = "The signal's id")),
    responses(
        (status = 200, description = "The signal", body = Signal, headers(("ETag" = String, description = "The version, for If-Match"))),
        (status = 404, description = "No such signal, or not yours to read"),
    )
)]
pub async fn get_signal(
    caller: Authorized<ops::GetSignal>,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal;
    let id = path.into_inner();
    let (signal, access) = db
        .read(move |conn| {
            let (signal, _) = readable(conn, &principal, &id)?;
            shown(conn, &principal, signal, Later, time::now())
        })
        .await?;
    db.log_access(access).await?;
    Ok(http::ok_with_etag(signal.version, &signal))
}

/// Report a signal. Its theme routes it: the theme's department owns the answer, due after the
/// theme's response days.
#[utoipa::path(
    post, path = "/signals", tag = "Signals", operation_id = "create_signal",
    request_body = SignalCreate,
    responses(
        (status = 201, description = "Received and routed", body = Signal, headers(("ETag" = String, description = "The version"), ("Location" = String, description = "The signal's URL"))),
    )
)]
pub async fn create_signal(
    caller: Authorized<ops::CreateSignal>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::new(body);
    let title = fields.required("title", string(short));
    let description = fields.required("description", string(text(5000)));
    let neighbourhood_id = fields.required("neighbourhoodId", string(reference::slug));
    let source = fields.required("source", string(rules::source));
    let theme_id = fields.required("themeId", string(reference::slug));
    let policy_feedback = fields.optional("policyFeedback", super::input::boolean);
    let reporter = fields.nested("reporter", |inner| {
        (
            inner.optional("name", string(short)),
            inner.optional("email", string(email)),
            inner.optional("phone", string(|v| bounded_text(v, 50))),
            inner.optional("wantsUpdates", super::input::boolean),
        )
    });
    if let Field::Value((_, email, _, Field::Value(true))) = &reporter {
        if !matches!(email, Field::Value(_)) {
            fields.reject(
                "reporter.wantsUpdates",
                Rejection::new(
                    "requires_email",
                    "needs reporter.email to send the updates to",
                ),
            );
        }
    }
    let mut routing = None;
    if let (Some(neighbourhood), Some(theme)) = (neighbourhood_id.clone(), theme_id.clone()) {
        let (district, theme_row) = db
            .read(move |conn| {
                let district = reference_repo::districts_of_neighbourhoods(conn, &[neighbourhood])?
                    .into_values()
                    .next();
                Ok((district, reference_repo::theme::find(conn, &theme)?))
            })
            .await?;
        if district.is_none() {
            fields.reject(
                "neighbourhoodId",
                Rejection::new("unknown_reference", "is not an existing neighbourhood"),
            );
        }
        if theme_row.is_none() {
            fields.reject(
                "themeId",
                Rejection::new("unknown_reference", "is not an existing theme"),
            );
        }
        routing = district.zip(theme_row);
    }
    let (title, description, neighbourhood_id, source, policy_feedback, reporter, routing) = fields
        .finish((
            title,
            description,
            neighbourhood_id,
            source,
            policy_feedback,
            reporter,
            routing,
        ))?;
    let (district_id, theme) = routing;
    let principal = caller.principal;
    if !authz::can_report_signal(&principal, &district_id) {
        return Err(ApiError::Forbidden(format!(
            "A stadsdeel reports signals only in its own district, not in '{district_id}'."
        )));
    }
    let (reporter_name, reporter_email, reporter_phone, wants_updates) = match reporter {
        Field::Value((n, e, p, w)) => (
            n.into_option(),
            e.into_option(),
            p.into_option(),
            w.into_option(),
        ),
        Field::Absent | Field::Null => (None, None, None, None),
    };
    let now = time::now();
    let row = SignalRow {
        policy_feedback: policy_feedback.into_option().unwrap_or(false),
        reporter_name,
        reporter_email,
        reporter_phone,
        reporter_wants_updates: wants_updates.unwrap_or(false),
        reported_by_partner_id: authz::acting_partner(&principal).map(str::to_owned),
        ..SignalRow::received(
            title,
            description,
            neighbourhood_id,
            district_id,
            source,
            &theme,
            now,
        )
    };
    let signal = db
        .write(move |conn| {
            if let Some(partner_id) = authz::acting_partner(&principal) {
                if !partner_repo::exists(conn, partner_id)? {
                    return Err(ApiError::Forbidden(
                        "The partner of this token is not registered.".to_owned(),
                    ));
                }
            }
            let signal = repo::insert(conn, &row)?;
            record(conn, &principal, &row.id, "received", json!({ "themeId": row.theme_id, "neighbourhoodId": row.neighbourhood_id, "source": row.source, "policyFeedback": row.policy_feedback }))?;
            record(conn, &principal, &row.id, "routed", json!({ "departmentId": row.assigned_department_id, "dueAt": time::format(&row.due_at), "themeId": row.theme_id }))?;
            // Its creator always gets the tracking code, to hand on to the reporter.
            shown_in_write(conn, &principal, signal, Reported, now)
        })
        .await?;
    Ok(http::created(
        format!("/api/v1/signals/{}", signal.id),
        signal.version,
        &signal,
    ))
}

/// Link a signal to projects (`projectIds` replaces the list; both sides show the link).
///
/// Requires `If-Match`.
#[utoipa::path(
    patch, path = "/signals/{signalId}", tag = "Signals", operation_id = "update_signal",
    params(
        ("signalId" = String, Path, description = "The signal's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body(content = SignalUpdate, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Updated", body = Signal, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such signal, or not yours to read"),
        (status = 412, description = "The signal changed since you read it"),
    )
)]
pub async fn update_signal(
    req: HttpRequest,
    caller: Authorized<ops::UpdateSignal>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let project_ids = fields.not_null("projectIds", array(string(id_param)));
    fields.finish(())?;
    let principal = caller.principal;
    let id = path.into_inner();
    let signal = db
        .write(move |conn| {
            let (before, facts) = readable(conn, &principal, &id)?;
            authz::require_signal(&principal, &facts, authz::can_link_signal(&principal, &facts), "link projects")?;
            if let Some(project_ids) = &project_ids {
                // A project the writer may not open is answered as one that does not exist.
                for project_id in project_ids {
                    if !visibility::can_open_project(conn, &principal, project_id)? {
                        return Err(ApiError::invalid("projectIds", "unknown_reference", format!("'{project_id}' is not an existing project")));
                    }
                }
                // The list replaces what the writer sees; links it cannot see stay as they are.
                let mut linked = visibility::projects_hidden_from(conn, &principal, &before.project_ids)?;
                linked.extend(project_ids.iter().cloned());
                linked.sort_unstable();
                linked.dedup();
                repo::set_projects(conn, &id, &linked)?;
            }
            let after = repo::update(conn, &id, version, &SignalChange::default(), time::now())?;
            record(conn, &principal, &id, "projects_linked", json!({ "before": { "projectIds": before.project_ids }, "after": { "projectIds": after.project_ids } }))?;
            shown_in_write(conn, &principal, after, Later, time::now())
        })
        .await?;
    Ok(http::ok_with_etag(signal.version, &signal))
}

/// Move a signal along its status machine: `received → acknowledged → in_progress → answered →
/// closed`; `answered | closed → reopened → in_progress`. `answered` needs a `response`,
/// `reopened` a `reason`; anything else is a 409 `transition_not_allowed`.
///
/// Requires `If-Match`.
#[utoipa::path(
    post, path = "/signals/{signalId}/transitions", tag = "Signals", operation_id = "transition_signal",
    params(
        ("signalId" = String, Path, description = "The signal's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body = SignalTransitionInput,
    responses(
        (status = 200, description = "The signal in its new status", body = Signal, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such signal, or not yours to read"),
        (status = 409, description = "Not allowed from the current status"),
        (status = 412, description = "The signal changed since you read it"),
    )
)]
pub async fn transition_signal(
    req: HttpRequest,
    caller: Authorized<ops::TransitionSignal>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let to = fields.required("to", string(rules::status));
    let response = fields.optional("response", string(text(5000)));
    let reason = fields.optional("reason", string(text(2000)));
    let (to, response, reason) = fields.finish((to, response, reason))?;
    let (response, reason) = (response.into_option(), reason.into_option());
    let principal = caller.principal;
    let id = path.into_inner();
    let signal = db
        .write(move |conn| {
            let (signal, facts) = readable(conn, &principal, &id)?;
            if signal.row.version != version {
                return Err(ApiError::PreconditionFailed { current: Some(signal.row.version) });
            }
            let from = signal.row.status.clone();
            let Some(requirement) = rules::transition(&from, &to) else {
                return Err(ApiError::Conflict {
                    code: "transition_not_allowed",
                    detail: format!("A signal cannot go from {from} to {to}."),
                    details: Some(json!({ "from": from, "to": to })),
                });
            };
            authz::require_signal(&principal, &facts, authz::can_handle_signal(&principal, &facts), &format!("move it to {to}"))?;
            match requirement {
                Requirement::Response if response.is_none() => {
                    return Err(ApiError::invalid("response", "required", "is required to answer a signal"));
                }
                Requirement::Reason if reason.is_none() => {
                    return Err(ApiError::invalid("reason", "required", "is required to reopen a signal"));
                }
                Requirement::Nothing | Requirement::Response | Requirement::Reason => {}
            }
            let now = time::now();
            let effects = rules::status_effects(&to, response.clone(), now);
            let change = SignalChange {
                status: Some(to.clone()),
                answered_at: effects.answered_at,
                response: effects.response,
                ..SignalChange::default()
            };
            let after = repo::update(conn, &id, version, &change, now)?;
            let action = effects.action;
            record(conn, &principal, &id, action, json!({ "before": { "status": from }, "after": { "status": to }, "response": response, "reason": reason }))?;
            shown_in_write(conn, &principal, after, Later, now)
        })
        .await?;
    Ok(http::ok_with_etag(signal.version, &signal))
}

/// Hand a signal off to another department, with a reason. The new department gains access,
/// the previous one keeps read access, `reassignmentCount` goes up and `dueAt` does not move.
/// A hand-off to the department that has it is a 409 `same_department`.
///
/// Requires `If-Match`.
#[utoipa::path(
    post, path = "/signals/{signalId}/reassignments", tag = "Signals", operation_id = "reassign_signal",
    params(
        ("signalId" = String, Path, description = "The signal's id"),
        ("If-Match" = String, Header, description = "The ETag you last read", example = "\"1\"", pattern = "^\"[0-9]{1,18}\"$"),
    ),
    request_body = ReassignmentInput,
    responses(
        (status = 200, description = "Handed off", body = Signal, headers(("ETag" = String, description = "The new version"))),
        (status = 404, description = "No such signal, or not yours to read"),
        (status = 409, description = "Already with that department"),
        (status = 412, description = "The signal changed since you read it"),
    )
)]
pub async fn reassign_signal(
    req: HttpRequest,
    caller: Authorized<ops::ReassignSignal>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let version = http::if_match(&req)?;
    let mut fields = Fields::new(body);
    let department_id = fields.required("departmentId", string(reference::slug));
    let reason = fields.required("reason", string(text(2000)));
    if let Some(department) = department_id.clone() {
        if !db
            .read(move |conn| reference_repo::department_exists(conn, &department))
            .await?
        {
            fields.reject(
                "departmentId",
                Rejection::new("unknown_reference", "is not an existing department"),
            );
        }
    }
    let (department_id, reason) = fields.finish((department_id, reason))?;
    let principal = caller.principal;
    let id = path.into_inner();
    let signal = db
        .write(move |conn| {
            let (signal, facts) = readable(conn, &principal, &id)?;
            authz::require_signal(&principal, &facts, authz::can_handle_signal(&principal, &facts), "hand it off")?;
            if signal.row.version != version {
                return Err(ApiError::PreconditionFailed { current: Some(signal.row.version) });
            }
            if signal.row.assigned_department_id == department_id {
                return Err(ApiError::conflict("same_department", format!("The signal is with {department_id} already.")));
            }
            let change = SignalChange {
                assigned_department_id: Some(department_id.clone()),
                reassignment_count: Some(signal.row.reassignment_count + 1),
                ..SignalChange::default()
            };
            let now = time::now();
            let after = repo::update(conn, &id, version, &change, now)?;
            record(conn, &principal, &id, "reassigned", json!({ "before": { "departmentId": signal.row.assigned_department_id }, "after": { "departmentId": department_id }, "reason": reason }))?;
            shown_in_write(conn, &principal, after, Later, now)
        })
        .await?;
    Ok(http::ok_with_etag(signal.version, &signal))
}

/// The trail of a signal: received, routed, every hand-off with its reason, status changes and
/// the answer, oldest first. Events never hold the reporter's personal data.
#[utoipa::path(
    get, path = "/signals/{signalId}/history", tag = "Signals", operation_id = "signal_history",
    params(("signalId" = String, Path, description = "The signal's id"), EventPageParams),
    responses(
        (status = 200, description = "A page of the signal's events", body = super::events::EventPage),
        (status = 404, description = "No such signal, or not yours to read"),
    )
)]
pub async fn signal_history(
    req: HttpRequest,
    caller: Authorized<ops::SignalHistory>,
    path: web::Path<String>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let principal = caller.principal;
    super::events::history(
        &req,
        &db,
        principal.clone(),
        query,
        "signal",
        path.into_inner(),
        move |conn, id| readable(conn, &principal, id).map(|_| ()),
    )
    .await
}
