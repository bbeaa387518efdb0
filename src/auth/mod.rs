//! Authentication and route policies: a Bearer JWT becomes a [`Principal`], and the handler's
//! signature states which roles may call it (`Authorized<ThemeWriters>`). A missing or bad
//! token answers 401 and a role outside the policy 403, both before the handler body runs.
//! Rules about individual objects (scope) live in `authz/`.

pub mod jwt;

use std::future::{Ready, ready};
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

pub use crate::domain::principal::{Principal, Role, RoleKind};
pub use jwt::{TokenMinter, TokenVerifier};

use crate::authz::Guarded;
use crate::error::ApiError;

/// Which roles the route guard lets through.
pub trait Policy {
    fn lets_through(role: RoleKind) -> bool;
    fn roles() -> Vec<RoleKind>;
}

/// The guard of an operation is its row of `authz`'s access table.
impl<G: Guarded> Policy for G {
    fn lets_through(role: RoleKind) -> bool {
        G::OPERATION.access(role).passes_guard()
    }
    fn roles() -> Vec<RoleKind> {
        G::OPERATION.guard_roles()
    }
}

/// The caller, authenticated and allowed by policy `P`.
#[derive(Debug)]
pub struct Authorized<P: Policy> {
    pub principal: Principal,
    policy: PhantomData<P>,
}

impl<P: Policy> std::ops::Deref for Authorized<P> {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl<P: Policy> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req).and_then(|principal| {
            if P::lets_through(principal.role.kind()) {
                Ok(Self {
                    principal,
                    policy: PhantomData,
                })
            } else {
                Err(ApiError::Forbidden(format!(
                    "The role '{}' may not do this; allowed: {}.",
                    principal.role.kind().as_str(),
                    P::roles()
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }))
    }
}

/// Reads and verifies the Bearer token of a request.
fn authenticate(req: &HttpRequest) -> Result<Principal, ApiError> {
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
    verifier
        .verify(token)
        .map_err(|rejected| ApiError::Unauthenticated(rejected.0))
}

/// Declares a policy type with its roles.
macro_rules! policy {
    ($(#[$doc:meta])* $name:ident: $($role:ident),+) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;
        impl Guarded for $name {
            const OPERATION: crate::authz::Operation = crate::authz::Operation {
                id: stringify!($name),
                callers: crate::authz::Callers::Roles({
                    let mut access = [crate::authz::Access::Denied; RoleKind::ALL.len()];
                    $(access[RoleKind::$role.index()] = crate::authz::Access::Yes;)+
                    access
                }),
            };
        }
    };
}

policy!(
    /// Every authenticated role.
    AnyRole: Programmabureau, Stadsdeel, Vakdienst, Partner, Admin
);
policy!(
    /// Technical administration only: districts, neighbourhoods, departments.
    Admins: Admin
);
policy!(
    /// The routing table of signals: the programme bureau and administration.
    ThemeWriters: Programmabureau, Admin
);
policy!(
    /// Registering partners.
    PartnerCreators: Programmabureau, Stadsdeel, Admin
);
policy!(
    /// Changing partner records (a partner only its own: see `authz`).
    PartnerEditors: Programmabureau, Stadsdeel, Partner, Admin
);
policy!(
    /// Creating projects (a stadsdeel in its district, a partner as initiator: see `authz`).
    ProjectCreators: Programmabureau, Stadsdeel, Partner
);
policy!(
    /// Changing projects and their parts; object rules in `authz` decide the rest.
    ProjectWriters: Programmabureau, Stadsdeel, Vakdienst, Partner
);
policy!(
    /// Assessing: programme assessments by the bureau, advisory ones by a vakdienst.
    Assessors: Programmabureau, Vakdienst
);
policy!(
    /// Reporting signals (a stadsdeel in its district: see `authz`).
    SignalReporters: Programmabureau, Stadsdeel, Vakdienst, Partner
);
policy!(
    /// Handling signals: moving, handing off, linking. Partners pass the route so that the
    /// object rules in `authz` can answer 404 for a signal they may not even read.
    SignalHandlers: Programmabureau, Stadsdeel, Vakdienst, Partner
);
policy!(
    /// The progress report (a stadsdeel for its own district: see the handler).
    ReportReaders: Programmabureau, Stadsdeel, Vakdienst, Admin
);
policy!(
    /// The audit trail.
    EventReaders: Programmabureau, Admin
);
