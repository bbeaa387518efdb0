//! Authentication: a Bearer JWT becomes a [`Principal`]. The handler's signature names its
//! operation (`Authorized<ops::CreateTheme>`), whose row in `authz`'s access table is the route
//! guard: a missing or bad token answers 401 and a role the row denies outright 403, both before
//! the handler body runs. Everything about who may do what is decided in `authz/`.

pub mod claims;
pub mod jwt;
pub mod keys;
pub mod verified;

use std::marker::PhantomData;

use futures_util::future::LocalBoxFuture;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

pub use crate::domain::principal::{Principal, Role, RoleKind};
pub use jwt::{TokenMinter, TokenVerifier};

use crate::authz::Guarded;
use crate::error::ApiError;

/// The caller, authenticated and let through by the guard of operation `P`.
#[derive(Debug)]
pub struct Authorized<P: Guarded> {
    pub principal: Principal,
    policy: PhantomData<P>,
}

impl<P: Guarded> std::ops::Deref for Authorized<P> {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl<P: Guarded> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let principal = authenticate(&req).await?;
            if P::OPERATION.access(principal.role.kind()).passes_guard() {
                Ok(Self {
                    principal,
                    policy: PhantomData,
                })
            } else {
                Err(ApiError::Forbidden(format!(
                    "The role '{}' may not do this; allowed: {}.",
                    principal.role.kind().as_str(),
                    P::OPERATION
                        .allowed_roles()
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        })
    }
}

/// Reads and verifies the Bearer token of a request.
async fn authenticate(req: &HttpRequest) -> Result<Principal, ApiError> {
    let verifier = req
        .app_data::<web::Data<TokenVerifier>>()
        .ok_or_else(|| ApiError::Internal("no token verifier configured".to_owned()))?;
    verifier.verify(bearer(req)?).await
}

/// The Bearer token of the `Authorization` header, its only place (never the URL).
fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthenticated("Send a Bearer token in the Authorization header.".to_owned())
    })?;
    let value = value.to_str().map_err(|_| {
        ApiError::Unauthenticated("The Authorization header is not readable text.".to_owned())
    })?;
    value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthenticated(
                "The Authorization header must be 'Bearer <token>'.".to_owned(),
            )
        })
}

/// When the token of a request that [`Authorized`] let through expires (its `exp`, Unix
/// seconds): a live event stream ends then. The token was verified by the extractor, so its
/// claims are read here without checking the signature again.
pub fn token_expiry(req: &HttpRequest) -> Result<i64, ApiError> {
    use base64::Engine as _;
    let unreadable = || ApiError::Unauthenticated("The token has no readable exp.".to_owned());
    let payload = bearer(req)?.split('.').nth(1).ok_or_else(unreadable)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| unreadable())?;
    let claims: serde_json::Value = serde_json::from_slice(&json).map_err(|_| unreadable())?;
    claims["exp"].as_i64().ok_or_else(unreadable)
}
