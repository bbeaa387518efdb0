//! The OpenAPI documents: the API's under [`BASE_PATH`] ([`ApiDoc`]), and the public pages' at
//! the root ([`PublicDoc`]: health checks, the tracking and unsubscribe pages), each with one
//! server, so that a generated client calls the right address unchanged. The conventions the NL
//! API Design Rules ask for are applied to both in one place ([`Conventions`]): the
//! `API-Version` header on every success, problem bodies on every error, and the errors every
//! operation can give.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::server::{ServerBuilder, ServerVariableBuilder};
use utoipa::openapi::{Content, OpenApi as OpenApiDoc, PathItem, Ref, RefOr, Required};
use utoipa::{Modify, OpenApi};

use crate::api::projects::{
    evaluation, funding_lines, goals, links, notes, partners as project_partners,
};
use crate::api::subscriptions::{deliveries, dto as subscription_dto};
use crate::api::{
    advice_requests, assessments, departments, districts, events, health, neighbourhoods, partners,
    personal_data, policy_issues, projects, reports, signals, subscriptions, themes, track,
    webhook_payloads, worklist,
};
use crate::authz::{self, Access, Callers};
use crate::domain::principal::RoleKind;
use crate::error::{InvalidParam, PROBLEM_JSON, Problem};

/// The version of the API contract, sent as `API-Version` on every response.
pub const API_VERSION: &str = "1.0.0";
/// Where the API lives; the major version is in the path.
pub const BASE_PATH: &str = "/api/v1";
/// The paths outside [`BASE_PATH`], at the root: health checks and public pages, described by
/// [`PublicDoc`].
pub const ROOT_PREFIXES: [&str; 3] = ["/health/", "/track/", "/unsubscribe/"];
/// Where the public pages' document is served.
pub const PUBLIC_DOCUMENT_PATH: &str = "/openapi-public.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wijkregie",
        description = "Coordinates The Hague's neighbourhood programme across departments: \
            projects, partners, assessments against the six effects, and signals from the \
            neighbourhood routed to the department that owns the policy.\n\n\
            Authenticate with `Authorization: Bearer <JWT>`. Roles: `programmabureau`, \
            `stadsdeel` (with a `district` claim), `vakdienst` (with a `department` claim), \
            `partner` (with a `partner` claim) and `admin`. Errors are \
            `application/problem+json` with a stable `code`; invalid input is a 400 listing \
            every problem in `invalidParams`. Versioned resources carry an `ETag`; changes \
            need `If-Match`. Lists are keyset-paginated with `limit` and `cursor`.",
        contact(name = "wijkregie programme bureau", url = "https://github.com/wijkregie/wijkregie", email = "wijkregie@denhaag.nl"),
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    paths(
        districts::list_districts, districts::get_district, districts::create_district, districts::update_district,
        neighbourhoods::list_neighbourhoods, neighbourhoods::get_neighbourhood,
        neighbourhoods::create_neighbourhood, neighbourhoods::update_neighbourhood,
        departments::list_departments, departments::get_department,
        departments::create_department, departments::update_department,
        themes::list_themes, themes::get_theme, themes::create_theme, themes::update_theme,
        partners::list_partners, partners::get_partner, partners::create_partner, partners::update_partner,
        projects::list_projects, projects::get_project, projects::create_project, projects::update_project,
        projects::transition_project, projects::project_history,
        evaluation::get_evaluation, evaluation::put_evaluation,
        goals::list_goals, goals::create_goal, goals::update_goal, goals::delete_goal,
        funding_lines::list_funding_lines, funding_lines::create_funding_line,
        funding_lines::update_funding_line, funding_lines::delete_funding_line,
        project_partners::put_project_partner, project_partners::delete_project_partner,
        links::create_project_link, links::delete_project_link,
        notes::list_notes, notes::create_note,
        assessments::list_assessments, assessments::get_assessment,
        assessments::create_assessment, assessments::update_assessment,
        signals::list_signals, signals::get_signal, signals::create_signal, signals::update_signal,
        signals::transition_signal, signals::reassign_signal, signals::signal_history,
        policy_issues::list_policy_issues, policy_issues::get_policy_issue,
        policy_issues::create_policy_issue, policy_issues::update_policy_issue,
        policy_issues::transition_policy_issue, policy_issues::respond_to_policy_issue,
        policy_issues::policy_issue_history,
        advice_requests::list_project_advice_requests, advice_requests::create_advice_request,
        advice_requests::list_advice_requests, advice_requests::get_advice_request,
        advice_requests::transition_advice_request, advice_requests::advice_request_history,
        worklist::get_worklist,
        reports::get_progress_report,
        events::list_events,
        personal_data::list_personal_data_access,
        subscriptions::list_subscriptions, subscriptions::create_subscription,
        subscriptions::get_subscription, subscriptions::update_subscription,
        subscriptions::delete_subscription, subscriptions::rotate_subscription_secret,
        deliveries::list_deliveries, deliveries::create_redelivery, deliveries::create_ping,
        deliveries::list_mail_deliveries,
    ),
    components(schemas(
        Problem, InvalidParam,
        districts::District, districts::DistrictCreate, districts::DistrictUpdate,
        neighbourhoods::Neighbourhood, neighbourhoods::NeighbourhoodCreate, neighbourhoods::NeighbourhoodUpdate,
        departments::Department, departments::DepartmentCreate, departments::DepartmentUpdate,
        departments::DepartmentContact, departments::DepartmentContactInput,
        themes::Theme, themes::ThemeCreate, themes::ThemeUpdate,
        events::Event, events::EventActor,
        personal_data::PersonalDataAccess, personal_data::Reader,
        subscription_dto::Subscription, subscription_dto::SubscriptionWithSecret,
        subscription_dto::SubscriptionCreate, subscription_dto::SubscriptionUpdate,
        subscription_dto::SubscriptionFilter, subscription_dto::SubscriptionFilterInput, subscription_dto::EventTypeInput,
        subscription_dto::SubscriptionOwnerView,
        deliveries::Delivery, deliveries::RedeliveryCreate, deliveries::Queued,
        webhook_payloads::CloudEvent, webhook_payloads::CloudEventData,
        worklist::WorklistSide, worklist::WorklistKind,
    )),
    modifiers(&Conventions, &WebhookPayloads),
    tags(
        (name = "Reference data", description = "Districts, neighbourhoods, departments and themes (the routing table of signals)."),
        (name = "Partners", description = "The organisations of the neighbourhood: schools, housing corporations, welfare, community centres, ..."),
        (name = "Projects", description = "Neighbourhood projects and their status machine, from idea to evaluation."),
        (name = "Project parts", description = "Goals, funding lines, project partners, links and notes of a project."),
        (name = "Assessments", description = "Assessments against the six effects and sustainability; the latest final programme assessment decides approval."),
        (name = "Signals", description = "Signals from the neighbourhood, routed by theme to the department that owns the policy, answered on time."),
        (name = "Policy issues", description = "Signals bundled for the department that owns the policy, which owes a response: policy feedback to the political level."),
        (name = "Advice requests", description = "The programme bureau asks departments for advice on an idea by a date; the department's final advisory assessment gives it."),
        (name = "Worklist", description = "What the caller owes and is owed: every open obligation of the programme it is party to and may see, by due date."),
        (name = "Reports", description = "The progress report for the council: per neighbourhood and in total, as JSON, CSV or a printable HTML page."),
        (name = "Events", description = "The audit trail of every change, in commit order."),
        (name = "Personal data", description = "Who was shown residents' personal data (signal reporters): the access log the AVG asks for."),
        (name = "Subscriptions", description = "Webhooks to departmental systems: signed CloudEvents about what the subscriber may read, in order, at least once."),
    )
)]
pub struct ApiDoc;

/// The public pages at the root, outside the versioned API and without a token: the health
/// checks for the platform, and for people without an API a signal's tracking page and the
/// unsubscribe link of the e-mails (DESIGN §15).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "wijkregie public pages",
        description = "The pages of a wijkregie installation at the root of its address, outside \
            the versioned API (`/api/v1`, described by `/api/v1/openapi.json`) and without login: \
            liveness and readiness for the platform, a signal's public tracking page, and the \
            unsubscribe link of the e-mails. They are not versioned: e-mails link to them for \
            as long as a signal lives.",
        contact(name = "wijkregie programme bureau", url = "https://github.com/wijkregie/wijkregie", email = "wijkregie@denhaag.nl"),
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    paths(
        health::live, health::ready,
        track::track_signal, track::unsubscribe_page, track::unsubscribe,
    ),
    components(schemas(
        Problem, InvalidParam,
        health::Health,
        track::Tracking, track::TrackingStep,
    )),
    modifiers(&Conventions),
    tags(
        (name = "Health", description = "Liveness and readiness, for the platform."),
        (name = "Tracking", description = "For people without an API, without login: a signal's public tracking page, and the unsubscribe link of the e-mails."),
    )
)]
pub struct PublicDoc;

/// Where a document says the service lives: its one server, the API's under [`BASE_PATH`], the
/// public pages' at the root.
#[derive(Debug, Clone, Copy)]
pub enum ServedAt<'a> {
    /// The service's public base URL (`WIJKREGIE_PUBLIC_URL`, without a final `/`), as served
    /// in production: clients and the NL API Design Rules want an absolute https address.
    Public(&'a str),
    /// No public URL configured (development): relative, so that Swagger UI calls the very
    /// server it loaded the document from, whatever address that was.
    Relative,
    /// The committed `openapi/openapi.json`, for any installation: `https://{host}`, with the
    /// host as a server variable.
    AnyHost,
}

/// The example host of [`ServedAt::AnyHost`].
pub const EXAMPLE_HOST: &str = "wijkregie.denhaag.nl";

/// The API's document, naming its server as `at` says.
pub fn document(at: ServedAt<'_>) -> OpenApiDoc {
    served(ApiDoc::openapi(), BASE_PATH, at)
}

/// The public pages' document, naming its server as `at` says.
pub fn public_document(at: ServedAt<'_>) -> OpenApiDoc {
    let mut doc = served(PublicDoc::openapi(), "", at);
    // No page here takes a token.
    if let Some(components) = doc.components.as_mut() {
        components.security_schemes.clear();
    }
    doc
}

/// `doc` with one server: the origin `at` names, then `base`.
fn served(mut doc: OpenApiDoc, base: &str, at: ServedAt<'_>) -> OpenApiDoc {
    let (origin, description) = match at {
        ServedAt::Public(url) => (url.trim_end_matches('/').to_owned(), "This installation"),
        ServedAt::Relative => (String::new(), "This server"),
        ServedAt::AnyHost => ("https://{host}".to_owned(), "An installation of wijkregie"),
    };
    let server = |path: &str| {
        let url = match (origin.as_str(), path) {
            ("", "") => "/".to_owned(),
            (origin, path) => format!("{origin}{path}"),
        };
        let builder = ServerBuilder::new().url(url).description(Some(description));
        match at {
            ServedAt::AnyHost => builder.parameter(
                "host",
                ServerVariableBuilder::new()
                    .default_value(EXAMPLE_HOST)
                    .description(Some(
                        "The host name of the installation's WIJKREGIE_PUBLIC_URL",
                    )),
            ),
            ServedAt::Public(_) | ServedAt::Relative => builder,
        }
        .build()
    };
    doc.servers = Some(vec![server(base)]);
    doc
}

/// The API's document as pretty JSON with a final newline (`openapi/openapi.json`'s form).
pub fn document_json(at: ServedAt<'_>) -> Result<String, serde_json::Error> {
    pretty(document(at))
}

/// The public pages' document as pretty JSON with a final newline (`openapi/public.json`).
pub fn public_document_json(at: ServedAt<'_>) -> Result<String, serde_json::Error> {
    pretty(public_document(at))
}

fn pretty(doc: OpenApiDoc) -> Result<String, serde_json::Error> {
    doc.to_pretty_json().map(|mut json| {
        json.push('\n');
        json
    })
}

/// The API document's top-level `webhooks`: what a subscriber receives (the public pages'
/// document has none).
struct WebhookPayloads;

impl Modify for WebhookPayloads {
    fn modify(&self, doc: &mut OpenApiDoc) {
        doc.webhooks = Some(webhook_payloads::webhooks());
    }
}

/// Applies the conventions every operation shares.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut OpenApiDoc) {
        doc.info.version = API_VERSION.to_owned();
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT with `sub`, `iss`, `aud`, `exp` (and `iat`), and the role with its scope: \
                         wijkregie's own claims (`role` and `district`, `department` or `partner`), \
                         or the identity provider's, mapped by the service's claim map.",
                    ))
                    .build(),
            ),
        );
        for item in doc.paths.paths.values_mut() {
            if let Some(post) = item.post.as_mut() {
                idempotent_post(post);
            }
            if let Some(get) = item.get.as_mut() {
                conditional_read(get);
            }
            for operation in operations(item) {
                apply_conventions(operation);
            }
        }
    }
}

/// DESIGN §11 on every `POST`: the optional `Idempotency-Key`, the replay header and the two
/// answers a reused key can get (`api::idempotency`).
fn idempotent_post(operation: &mut Operation) {
    optional_header(
        operation,
        "Idempotency-Key",
        "Makes a retry safe: a repeat with the same key and body returns the first answer (with \
         `Idempotent-Replayed: true`) and changes nothing, while the caller may still read it \
         (otherwise 404). Per principal (`sub`, role and scope), method and path; kept 24 hours \
         by default.",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(255))
            .pattern(Some("^[\\x21-\\x7E]+$")),
    );
    for (status, response) in operation.responses.responses.iter_mut() {
        if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
            response.headers.insert(
                "Idempotent-Replayed".to_owned(),
                RefOr::T(
                    HeaderBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::String).examples(["true"])))
                        .description(Some("`true` when this is the stored answer to an earlier request with the same Idempotency-Key"))
                        .build(),
                ),
            );
        }
    }
    for (status, description) in [
        (
            "409",
            "Conflict; also idempotency_key_in_use while a request with the same key runs",
        ),
        (
            "422",
            "idempotency_key_reused: the key was used with another body",
        ),
    ] {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(description).build()));
    }
}

/// DESIGN §11 on every read that gives an `ETag`: `If-None-Match` and its 304 (`api::http`).
fn conditional_read(operation: &mut Operation) {
    let etag = match operation.responses.responses.get("200") {
        Some(RefOr::T(ok)) => ok.headers.get("ETag").cloned(),
        _ => None,
    };
    let Some(etag) = etag else {
        return;
    };
    optional_header(
        operation,
        "If-None-Match",
        "An ETag you hold (or `*`): 304 without a body when it is current",
        ObjectBuilder::new().schema_type(Type::String),
    );
    let mut not_modified = ResponseBuilder::new()
        .description("Not modified: If-None-Match names the current version")
        .build();
    not_modified.headers.insert("ETag".to_owned(), etag);
    operation
        .responses
        .responses
        .insert("304".to_owned(), RefOr::T(not_modified));
}

fn optional_header(
    operation: &mut Operation,
    name: &str,
    description: &str,
    schema: ObjectBuilder,
) {
    operation.parameters.get_or_insert_with(Vec::new).push(
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(description))
            .schema(Some(schema))
            .build()
            .into(),
    );
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Who may call the operation, from `authz`'s access table: the roles that can succeed become
/// the security requirement's scopes, and the row becomes a sentence of the description. An
/// operation the table does not know is left unsecured, which a test refuses.
fn apply_access(operation: &mut Operation) -> bool {
    let Some(row) = operation
        .operation_id
        .as_deref()
        .and_then(authz::operations::find)
    else {
        return false;
    };
    let description = operation.description.get_or_insert_with(String::new);
    if !description.is_empty() {
        description.push_str("\n\n");
    }
    description.push_str(&row.sentence());
    match row.callers {
        Callers::Anyone => {
            operation.security = None;
            false
        }
        Callers::Roles(_) => {
            let roles = row.allowed_roles();
            operation.security = Some(vec![SecurityRequirement::new(
                "bearer",
                roles.iter().map(|role| role.as_str()),
            )]);
            let restricted = RoleKind::ALL
                .into_iter()
                .any(|role| row.access(role) != Access::Yes);
            if restricted {
                operation.responses.responses.insert(
                    "403".to_owned(),
                    RefOr::T(
                        ResponseBuilder::new()
                            .description(
                                "Not allowed for this role, or not on this object (see Access)",
                            )
                            .build(),
                    ),
                );
            }
            true
        }
    }
}

/// The text a query value may hold: anything but control characters, which the API refuses
/// (400 `control_characters`) before they reach a validator or the database.
const NO_CONTROL_CHARACTERS: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// Says of every free-text query parameter (a string without a pattern or enumeration of its
/// own) that it holds no control characters.
fn refuse_control_characters(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        let RefOr::T(parameter) = parameter else {
            continue;
        };
        if parameter.parameter_in != ParameterIn::Query {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut() {
            let string = matches!(object.schema_type, SchemaType::Type(Type::String))
                || matches!(&object.schema_type, SchemaType::Array(types) if types.contains(&Type::String));
            if string
                && object.pattern.is_none()
                && object.enum_values.is_none()
                && object.format.is_none()
            {
                object.pattern = Some(NO_CONTROL_CHARACTERS.to_owned());
            }
        }
    }
}

fn apply_conventions(operation: &mut Operation) {
    refuse_control_characters(operation);
    let secured = apply_access(operation);
    let takes_input = operation.request_body.is_some()
        || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let has_body = operation.request_body.is_some();
    let needs_if_match = operation.responses.responses.contains_key("412");
    let responses = &mut operation.responses.responses;
    let mut standard = vec![("500", "Internal error; details are in the server log")];
    if has_body {
        standard.push(("413", "Body too large"));
        standard.push(("415", "Body is not JSON"));
    }
    if needs_if_match {
        standard.push(("428", "If-Match missing"));
    }
    if takes_input {
        standard.push((
            "400",
            "Invalid input: every problem at once in invalidParams",
        ));
    }
    if secured {
        standard.push((
            "401",
            "No valid Bearer token (`unauthenticated`), or one acting for an archived partner (`partner_inactive`)",
        ));
        standard.push(("503", "The database cannot be reached"));
    }
    for (status, description) in standard {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(description).build()));
    }
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if status.starts_with('2') || status.starts_with('3') {
            response.headers.insert(
                "API-Version".to_owned(),
                RefOr::T(
                    HeaderBuilder::new()
                        .schema(Some(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .examples([API_VERSION]),
                        ))
                        .description(Some("The version of the API contract (SemVer)"))
                        .build(),
                ),
            );
            response.headers.insert(
                "X-Request-Id".to_owned(),
                RefOr::T(
                    HeaderBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                        .description(Some(
                            "The request's id: the client's X-Request-Id (1 to 128 visible \
                             ASCII characters) or one made by the service; also in the log line \
                             and as requestId in problems",
                        ))
                        .build(),
                ),
            );
        } else if response.content.is_empty() {
            response.content.insert(
                PROBLEM_JSON.to_owned(),
                RefOr::T(Content::new(Some(Ref::from_schema_name("Problem")))),
            );
        }
    }
}
