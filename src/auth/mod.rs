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
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthenticated("Send a Bearer token in the Authorization header.".to_owned())
    })?;
    let value = value.to_str().map_err(|_| {
        ApiError::Unauthenticated("The Authorization header is not readable text.".to_owned())
    })?;
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthenticated(
                "The Authorization header must be 'Bearer <token>'.".to_owned(),
            )
        })?;
    verifier.verify(token).await
}
