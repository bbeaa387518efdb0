//! Who is calling: a role together with the scope that role needs. A district user without a
//! district cannot be represented, so no rule has to ask.

use super::events::Actor;

/// The role and its scope, straight from the token's claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The programme bureau: steers, assesses, decides, routes.
    Programmabureau,
    /// A city district organisation (stadsdeel); scoped to one district.
    Stadsdeel { district_id: String },
    /// A specialist department (vakdienst); scoped to one department.
    Vakdienst { department_id: String },
    /// A partner organisation; scoped to its own partner record.
    Partner { partner_id: String },
    /// Technical administration.
    Admin,
}

/// A role without its scope: what route policies and documentation speak of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleKind {
    Programmabureau,
    Stadsdeel,
    Vakdienst,
    Partner,
    Admin,
}

impl RoleKind {
    pub const ALL: [RoleKind; 5] = [
        RoleKind::Programmabureau,
        RoleKind::Stadsdeel,
        RoleKind::Vakdienst,
        RoleKind::Partner,
        RoleKind::Admin,
    ];

    /// The position in [`RoleKind::ALL`], for tables with one column per role.
    pub const fn index(self) -> usize {
        match self {
            Self::Programmabureau => 0,
            Self::Stadsdeel => 1,
            Self::Vakdienst => 2,
            Self::Partner => 3,
            Self::Admin => 4,
        }
    }

    /// The `role` claim value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Programmabureau => "programmabureau",
            Self::Stadsdeel => "stadsdeel",
            Self::Vakdienst => "vakdienst",
            Self::Partner => "partner",
            Self::Admin => "admin",
        }
    }

    pub fn parse(claim: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == claim)
    }

    /// The claim that carries this role's scope, if it needs one.
    pub fn scope_claim(self) -> Option<&'static str> {
        match self {
            Self::Stadsdeel => Some("district"),
            Self::Vakdienst => Some("department"),
            Self::Partner => Some("partner"),
            Self::Programmabureau | Self::Admin => None,
        }
    }
}

impl Role {
    pub fn kind(&self) -> RoleKind {
        match self {
            Self::Programmabureau => RoleKind::Programmabureau,
            Self::Stadsdeel { .. } => RoleKind::Stadsdeel,
            Self::Vakdienst { .. } => RoleKind::Vakdienst,
            Self::Partner { .. } => RoleKind::Partner,
            Self::Admin => RoleKind::Admin,
        }
    }

    /// The value of the role's scope claim (district, department or partner id), if it has one.
    pub fn scope(&self) -> Option<&str> {
        match self {
            Self::Stadsdeel { district_id } => Some(district_id),
            Self::Vakdienst { department_id } => Some(department_id),
            Self::Partner { partner_id } => Some(partner_id),
            Self::Programmabureau | Self::Admin => None,
        }
    }

    /// A readable subject for development tokens: `dev-stadsdeel-escamp`, `dev-admin`.
    pub fn default_subject(&self) -> String {
        match self.scope() {
            Some(scope) => format!("dev-{}-{scope}", self.kind().as_str()),
            None => format!("dev-{}", self.kind().as_str()),
        }
    }

    /// Builds the role from its kind and the value of its scope claim.
    pub fn with_scope(kind: RoleKind, scope: Option<String>) -> Option<Self> {
        match kind {
            RoleKind::Programmabureau => Some(Self::Programmabureau),
            RoleKind::Admin => Some(Self::Admin),
            RoleKind::Stadsdeel => scope.map(|district_id| Self::Stadsdeel { district_id }),
            RoleKind::Vakdienst => scope.map(|department_id| Self::Vakdienst { department_id }),
            RoleKind::Partner => scope.map(|partner_id| Self::Partner { partner_id }),
        }
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's `sub`.
    pub subject: String,
    /// The token's `name`, when it has one (machine clients have none).
    pub name: Option<String>,
    /// The token's `azp` or `client_id`: the application the token was issued to.
    pub client_id: Option<String>,
    pub role: Role,
}

impl Principal {
    /// wijkregie itself, as the actor of the changes its background jobs make (the overdue
    /// sweep, the webhook worker): recorded on events as `admin` with its own `sub`. An actor
    /// on the trail, never a caller: no request is ever authorized as it.
    pub fn system(subject: &str) -> Self {
        Self {
            subject: subject.to_owned(),
            name: None,
            client_id: None,
            role: Role::Admin,
        }
    }

    /// The caller as recorded on events.
    pub fn actor(&self) -> Actor {
        Actor {
            sub: self.subject.clone(),
            role: self.role.kind().as_str(),
            scope: self.role.scope().map(str::to_owned),
            name: self.name.clone(),
            client_id: self.client_id.clone(),
        }
    }
}
