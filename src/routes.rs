//! The one map from URL and method to handler. Every resource lists its methods once; any other
//! method answers 405 with `Allow`, and anything unmatched (including a trailing slash) 404.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, Route, web};

use crate::api::projects::{funding_lines, goals, links, notes, partners as project_partners};
use crate::api::{
    assessments, departments, districts, events, health, neighbourhoods, partners, projects,
    reports, signals, themes,
};
use crate::error::ApiError;
use crate::openapi;

/// Routes of the versioned API, relative to `/api/v1`.
pub fn api(cfg: &mut web::ServiceConfig) {
    cfg.service(resource(
        "/districts",
        "GET, POST",
        [
            web::get().to(districts::list_districts),
            web::post().to(districts::create_district),
        ],
    ))
    .service(resource(
        "/districts/{districtId}",
        "GET, PATCH",
        [
            web::get().to(districts::get_district),
            web::patch().to(districts::update_district),
        ],
    ))
    .service(resource(
        "/neighbourhoods",
        "GET, POST",
        [
            web::get().to(neighbourhoods::list_neighbourhoods),
            web::post().to(neighbourhoods::create_neighbourhood),
        ],
    ))
    .service(resource(
        "/neighbourhoods/{neighbourhoodId}",
        "GET, PATCH",
        [
            web::get().to(neighbourhoods::get_neighbourhood),
            web::patch().to(neighbourhoods::update_neighbourhood),
        ],
    ))
    .service(resource(
        "/departments",
        "GET, POST",
        [
            web::get().to(departments::list_departments),
            web::post().to(departments::create_department),
        ],
    ))
    .service(resource(
        "/departments/{departmentId}",
        "GET, PATCH",
        [
            web::get().to(departments::get_department),
            web::patch().to(departments::update_department),
        ],
    ))
    .service(resource(
        "/themes",
        "GET, POST",
        [
            web::get().to(themes::list_themes),
            web::post().to(themes::create_theme),
        ],
    ))
    .service(resource(
        "/themes/{themeId}",
        "GET, PATCH",
        [
            web::get().to(themes::get_theme),
            web::patch().to(themes::update_theme),
        ],
    ))
    .service(resource(
        "/partners",
        "GET, POST",
        [
            web::get().to(partners::list_partners),
            web::post().to(partners::create_partner),
        ],
    ))
    .service(resource(
        "/partners/{partnerId}",
        "GET, PATCH",
        [
            web::get().to(partners::get_partner),
            web::patch().to(partners::update_partner),
        ],
    ))
    .service(resource(
        "/projects",
        "GET, POST",
        [
            web::get().to(projects::list_projects),
            web::post().to(projects::create_project),
        ],
    ))
    .service(resource(
        "/projects/{projectId}",
        "GET, PATCH",
        [
            web::get().to(projects::get_project),
            web::patch().to(projects::update_project),
        ],
    ))
    .service(resource(
        "/projects/{projectId}/transitions",
        "POST",
        [web::post().to(projects::transition_project)],
    ))
    .service(resource(
        "/projects/{projectId}/history",
        "GET",
        [web::get().to(projects::project_history)],
    ))
    .service(resource(
        "/projects/{projectId}/goals",
        "GET, POST",
        [
            web::get().to(goals::list_goals),
            web::post().to(goals::create_goal),
        ],
    ))
    .service(resource(
        "/projects/{projectId}/goals/{goalId}",
        "PATCH, DELETE",
        [
            web::patch().to(goals::update_goal),
            web::delete().to(goals::delete_goal),
        ],
    ))
    .service(resource(
        "/projects/{projectId}/funding-lines",
        "GET, POST",
        [
            web::get().to(funding_lines::list_funding_lines),
            web::post().to(funding_lines::create_funding_line),
        ],
    ))
    .service(resource(
        "/projects/{projectId}/funding-lines/{lineId}",
        "PATCH, DELETE",
        [
            web::patch().to(funding_lines::update_funding_line),
            web::delete().to(funding_lines::delete_funding_line),
        ],
    ))
    .service(resource(
        "/projects/{projectId}/partners/{partnerId}",
        "PUT, DELETE",
        [
            web::put().to(project_partners::put_project_partner),
            web::delete().to(project_partners::delete_project_partner),
        ],
    ))
    .service(resource(
        "/projects/{projectId}/links",
        "POST",
        [web::post().to(links::create_project_link)],
    ))
    .service(resource(
        "/projects/{projectId}/links/{linkId}",
        "DELETE",
        [web::delete().to(links::delete_project_link)],
    ))
    .service(resource(
        "/projects/{projectId}/notes",
        "GET, POST",
        [
            web::get().to(notes::list_notes),
            web::post().to(notes::create_note),
        ],
    ))
    .service(resource(
        "/projects/{projectId}/assessments",
        "GET, POST",
        [
            web::get().to(assessments::list_assessments),
            web::post().to(assessments::create_assessment),
        ],
    ))
    .service(resource(
        "/projects/{projectId}/assessments/{assessmentId}",
        "GET, PATCH",
        [
            web::get().to(assessments::get_assessment),
            web::patch().to(assessments::update_assessment),
        ],
    ))
    .service(resource(
        "/signals",
        "GET, POST",
        [
            web::get().to(signals::list_signals),
            web::post().to(signals::create_signal),
        ],
    ))
    .service(resource(
        "/signals/{signalId}",
        "GET, PATCH",
        [
            web::get().to(signals::get_signal),
            web::patch().to(signals::update_signal),
        ],
    ))
    .service(resource(
        "/signals/{signalId}/transitions",
        "POST",
        [web::post().to(signals::transition_signal)],
    ))
    .service(resource(
        "/signals/{signalId}/reassignments",
        "POST",
        [web::post().to(signals::reassign_signal)],
    ))
    .service(resource(
        "/signals/{signalId}/history",
        "GET",
        [web::get().to(signals::signal_history)],
    ))
    .service(resource(
        "/reports/progress",
        "GET",
        [web::get().to(reports::get_progress_report)],
    ))
    .service(resource(
        "/events",
        "GET",
        [web::get().to(events::list_events)],
    ));
}

/// Routes outside the versioned API.
pub fn operations(cfg: &mut web::ServiceConfig) {
    cfg.service(resource(
        "/health/live",
        "GET",
        [web::get().to(health::live)],
    ))
    .service(resource(
        "/health/ready",
        "GET",
        [web::get().to(health::ready)],
    ))
    .service(resource("/docs", "GET", [web::get().to(docs_redirect)]));
}

/// The OpenAPI document, at `/api/v1/openapi.json`.
pub async fn openapi_document() -> Result<HttpResponse, ApiError> {
    let json = openapi::document_json()
        .map_err(|e| ApiError::Internal(format!("cannot render the OpenAPI document: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(json))
}

/// `/docs` → `/docs/`, where Swagger UI's files are served from.
async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// Anything no route matched.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound)
}

/// A resource with its methods; other methods answer 405 with `Allow: <allow>`.
pub fn resource<const N: usize>(
    path: &str,
    allow: &'static str,
    routes: [Route; N],
) -> actix_web::Resource {
    routes
        .into_iter()
        .fold(web::resource(path), |resource, route| resource.route(route))
        .default_service(web::to(move |_: HttpRequest| async move {
            Err::<HttpResponse, ApiError>(ApiError::MethodNotAllowed { allow })
        }))
}
