//! Serves the werkbank, the web client built in `web/` (DESIGN §17), at `/werkbank/` when
//! `WIJKREGIE_WERKBANK_DIR` names its built folder: hashed assets cached for a year, every other
//! path of the single-page app answered with `index.html` (never cached), all under a strict
//! Content-Security-Policy, gzipped for clients that accept it; and `config.json`, how the
//! werkbank logs in.

use actix_files::{Files, NamedFile};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{Compress, DefaultHeaders, Next, from_fn};
use actix_web::{Error, HttpResponse, web};
use serde_json::json;

use crate::config::WerkbankSettings;
use crate::error::ApiError;

/// Where the werkbank lives.
pub const PATH: &str = "/werkbank";

/// Vite's output folder for content-hashed files: safe to cache for good.
const ASSETS: &str = "/werkbank/assets/";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The policy: scripts, styles, fonts and calls from this origin only (no inline script), plus
/// the identity provider for the login's discovery, token and silent-renewal requests. Only the
/// werkbank itself may frame its pages (the silent renewal's hidden iframe).
pub fn content_security_policy(settings: &WerkbankSettings) -> String {
    let idp = settings
        .oidc
        .as_ref()
        .map(|oidc| format!(" {}", oidc.origin()))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         font-src 'self' data:; connect-src 'self'{idp}; frame-src 'self'{idp}; \
         form-action 'self'{idp}; frame-ancestors 'self'; base-uri 'self'; object-src 'none'"
    )
}

/// What the werkbank reads at start: `oidc` (authority, client id, scope) or `null` for the
/// token page.
pub fn client_config(settings: &WerkbankSettings) -> serde_json::Value {
    let oidc = settings.oidc.as_ref().map(|oidc| {
        json!({ "authority": oidc.authority, "clientId": oidc.client_id, "scope": oidc.scope })
    });
    json!({ "oidc": oidc })
}

/// Registers `/werkbank` (a redirect), `/werkbank/config.json` and the files.
pub fn configure(cfg: &mut web::ServiceConfig, settings: &WerkbankSettings) {
    let config = web::Data::new(client_config(settings));
    let index = settings.dir.join("index.html");
    cfg.service(web::resource(PATH).route(web::get().to(|| async {
        HttpResponse::MovedPermanently()
            .insert_header((header::LOCATION, "/werkbank/"))
            .finish()
    })))
    .service(
        web::scope(PATH)
            .wrap(Compress::default())
            .wrap(from_fn(cache_control))
            .wrap(
                DefaultHeaders::new()
                    .add((
                        header::CONTENT_SECURITY_POLICY,
                        content_security_policy(settings),
                    ))
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .add((header::REFERRER_POLICY, "no-referrer")),
            )
            .app_data(config)
            .route("/config.json", web::get().to(config_json))
            .service(
                Files::new("/", &settings.dir)
                    .index_file("index.html")
                    .use_etag(true)
                    .default_handler(fn_service(move |req: ServiceRequest| {
                        let index = index.clone();
                        async move { app_page(req, &index).await }
                    })),
            ),
    );
}

async fn config_json(config: web::Data<serde_json::Value>) -> HttpResponse {
    HttpResponse::Ok().json(config.get_ref())
}

/// A path of the app (`/werkbank/projecten/p-1`) gets `index.html`, whose router shows it; a
/// missing file (a path with an extension, or under `assets/`) is a 404.
async fn app_page(req: ServiceRequest, index: &std::path::Path) -> Result<ServiceResponse, Error> {
    let (req, _) = req.into_parts();
    let last = req.path().rsplit('/').next().unwrap_or_default();
    if req.path().starts_with(ASSETS) || last.contains('.') {
        return Ok(ServiceResponse::new(
            req,
            HttpResponse::from_error(ApiError::RouteNotFound),
        ));
    }
    let file = NamedFile::open_async(index).await?;
    let response = file.into_response(&req);
    Ok(ServiceResponse::new(req, response))
}

/// Hashed assets for a year; everything else (index.html, config.json) checked every time.
async fn cache_control(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let hashed = req.path().starts_with(ASSETS);
    let mut response = next.call(req).await?;
    let value = if hashed && response.status().is_success() {
        IMMUTABLE
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    Ok(response)
}
