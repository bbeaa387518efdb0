//! The one map from URL and method to handler. Every resource lists its methods once; from that
//! listing follow the registration, the `Allow` header of the 405 for any other method, and the
//! table a test holds against the OpenAPI document. Anything unmatched (including a trailing
//! slash) is a 404.

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse, Route, web};

use crate::api::projects::{
    evaluation, funding_lines, goals, links, notes, partners as project_partners,
};
use crate::api::subscriptions::deliveries;
use crate::api::{
    assessments, departments, districts, events, health, neighbourhoods, partners, personal_data,
    policy_issues, projects, reports, signals, subscriptions, themes, track,
};
use crate::error::ApiError;

/// Declares a route table once: the function that registers its resources (each with the 405
/// answer and `Allow` header for the methods it lacks) and the same table as data, which a test
/// holds against the OpenAPI document.
macro_rules! route_table {
    ($(#[$doc:meta])* $register:ident, $listing:ident:
     $($path:literal => { $m1:ident $h1:path $(, $m:ident $h:path)* $(,)? }),+ $(,)?) => {
        $(#[$doc])*
        pub fn $register(cfg: &mut web::ServiceConfig) {
            $(
                cfg.service(resource(
                    $path,
                    concat!(stringify!($m1) $(, ", ", stringify!($m))*),
                    [
                        web::route().method(Method::$m1).to($h1),
                        $(web::route().method(Method::$m).to($h),)*
                    ],
                ));
            )+
        }

        #[doc = concat!("The table of `", stringify!($register), "` as data: each path with its methods.")]
        pub const $listing: &[(&str, &[&str])] = &[
            $(($path, &[stringify!($m1) $(, stringify!($m))*]),)+
        ];
    };
}

route_table! {
    /// Routes of the versioned API, relative to `/api/v1`.
    api, API_ROUTES:
    "/districts" => { GET districts::list_districts, POST districts::create_district },
    "/districts/{districtId}" => { GET districts::get_district, PATCH districts::update_district },
    "/neighbourhoods" => { GET neighbourhoods::list_neighbourhoods, POST neighbourhoods::create_neighbourhood },
    "/neighbourhoods/{neighbourhoodId}" => { GET neighbourhoods::get_neighbourhood, PATCH neighbourhoods::update_neighbourhood },
    "/departments" => { GET departments::list_departments, POST departments::create_department },
    "/departments/{departmentId}" => { GET departments::get_department, PATCH departments::update_department },
    "/themes" => { GET themes::list_themes, POST themes::create_theme },
    "/themes/{themeId}" => { GET themes::get_theme, PATCH themes::update_theme },
    "/partners" => { GET partners::list_partners, POST partners::create_partner },
    "/partners/{partnerId}" => { GET partners::get_partner, PATCH partners::update_partner },
    "/projects" => { GET projects::list_projects, POST projects::create_project },
    "/projects/{projectId}" => { GET projects::get_project, PATCH projects::update_project },
    "/projects/{projectId}/transitions" => { POST projects::transition_project },
    "/projects/{projectId}/history" => { GET projects::project_history },
    "/projects/{projectId}/evaluation" => { GET evaluation::get_evaluation, PUT evaluation::put_evaluation },
    "/projects/{projectId}/goals" => { GET goals::list_goals, POST goals::create_goal },
    "/projects/{projectId}/goals/{goalId}" => { PATCH goals::update_goal, DELETE goals::delete_goal },
    "/projects/{projectId}/funding-lines" => { GET funding_lines::list_funding_lines, POST funding_lines::create_funding_line },
    "/projects/{projectId}/funding-lines/{lineId}" => { PATCH funding_lines::update_funding_line, DELETE funding_lines::delete_funding_line },
    "/projects/{projectId}/partners/{partnerId}" => { PUT project_partners::put_project_partner, DELETE project_partners::delete_project_partner },
    "/projects/{projectId}/links" => { POST links::create_project_link },
    "/projects/{projectId}/links/{linkId}" => { DELETE links::delete_project_link },
    "/projects/{projectId}/notes" => { GET notes::list_notes, POST notes::create_note },
    "/projects/{projectId}/assessments" => { GET assessments::list_assessments, POST assessments::create_assessment },
    "/projects/{projectId}/assessments/{assessmentId}" => { GET assessments::get_assessment, PATCH assessments::update_assessment },
    "/signals" => { GET signals::list_signals, POST signals::create_signal },
    "/signals/{signalId}" => { GET signals::get_signal, PATCH signals::update_signal },
    "/signals/{signalId}/transitions" => { POST signals::transition_signal },
    "/signals/{signalId}/reassignments" => { POST signals::reassign_signal },
    "/signals/{signalId}/history" => { GET signals::signal_history },
    "/policy-issues" => { GET policy_issues::list_policy_issues, POST policy_issues::create_policy_issue },
    "/policy-issues/{policyIssueId}" => { GET policy_issues::get_policy_issue, PATCH policy_issues::update_policy_issue },
    "/policy-issues/{policyIssueId}/transitions" => { POST policy_issues::transition_policy_issue },
    "/policy-issues/{policyIssueId}/response" => { PUT policy_issues::respond_to_policy_issue },
    "/policy-issues/{policyIssueId}/history" => { GET policy_issues::policy_issue_history },
    "/reports/progress" => { GET reports::get_progress_report },
    "/events" => { GET events::list_events },
    "/personal-data-access" => { GET personal_data::list_personal_data_access },
    "/subscriptions" => { GET subscriptions::list_subscriptions, POST subscriptions::create_subscription },
    "/subscriptions/{subscriptionId}" => { GET subscriptions::get_subscription, PATCH subscriptions::update_subscription, DELETE subscriptions::delete_subscription },
    "/subscriptions/{subscriptionId}/secret-rotations" => { POST subscriptions::rotate_subscription_secret },
    "/subscriptions/{subscriptionId}/deliveries" => { GET deliveries::list_deliveries },
    "/subscriptions/{subscriptionId}/redeliveries" => { POST deliveries::create_redelivery },
    "/subscriptions/{subscriptionId}/pings" => { POST deliveries::create_ping },
    "/mail-deliveries" => { GET deliveries::list_mail_deliveries },
}

route_table! {
    /// Operations outside the versioned API: the health checks.
    health, HEALTH_ROUTES:
    "/health/live" => { GET health::live },
    "/health/ready" => { GET health::ready },
}

route_table! {
    /// The public pages outside the versioned API, without login (DESIGN §15).
    public, PUBLIC_ROUTES:
    "/track/{trackingCode}" => { GET track::track_signal },
    "/unsubscribe/{token}" => { GET track::unsubscribe_page, POST track::unsubscribe },
}

/// Routes outside the versioned API: the health checks, the public pages and the way to the
/// API documentation.
pub fn operations(cfg: &mut web::ServiceConfig) {
    health(cfg);
    public(cfg);
    cfg.service(resource("/docs", "GET", [web::get().to(docs_redirect)]));
}

/// The OpenAPI documents as this installation serves them, rendered once at start-up.
#[derive(Debug)]
pub struct ServedDocuments {
    /// The API's, at `/api/v1/openapi.json`.
    pub api: String,
    /// The public pages', at `/openapi-public.json`.
    pub public_pages: String,
}

/// The API's OpenAPI document, at `/api/v1/openapi.json`.
pub async fn openapi_document(documents: web::Data<ServedDocuments>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(documents.api.clone())
}

/// The public pages' OpenAPI document, at `/openapi-public.json`.
pub async fn public_openapi_document(documents: web::Data<ServedDocuments>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(documents.public_pages.clone())
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
