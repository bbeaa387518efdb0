//! Health checks for load balancers and orchestrators. No authentication.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Db;
use crate::error::ApiError;

/// The service's health.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `up`.
    #[schema(example = "up")]
    pub status: &'static str,
    /// The database backend in use (`postgresql` or `sqlite`), on the readiness check.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "postgresql")]
    pub database: Option<&'static str>,
}

/// Liveness: the process answers.
#[utoipa::path(
    get, path = "/health/live", tag = "Health", operation_id = "health_live",
    responses((status = 200, description = "The process is alive", body = Health))
)]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "up",
        database: None,
    })
}

/// Readiness: the database answers and holds wijkregie's schema. Asked on a connection of the
/// check's own, so it answers within about a second however busy the service is: 503
/// `database_busy` when the database gives no answer in that second (another transaction
/// holds what the check reads), 503 `database_unavailable` when it cannot be reached or is
/// not migrated.
#[utoipa::path(
    get, path = "/health/ready", tag = "Health", operation_id = "health_ready",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database cannot be reached or is not migrated \
            (`database_unavailable`), or did not answer within a second (`database_busy`)"),
    )
)]
pub async fn ready(db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    let backend = db.backend();
    db.ready().await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "up",
        database: Some(backend),
    }))
}
