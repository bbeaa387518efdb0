//! Documentation-only value types that several resources share in their request bodies, so that
//! no resource file has to name another's. The values themselves are checked in `domain`.

use utoipa::ToSchema;

/// One of the six societal effects.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "documentation of the allowed values")]
pub enum Effect {
    SocialCohesion,
    PositiveImage,
    AccessToServices,
    Safety,
    Employment,
    Ownership,
}

/// The slug id of an existing neighbourhood.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, example = "schilderswijk", pattern = "^[a-z0-9]+([-_][a-z0-9]+)*$", max_length = 64)]
#[allow(dead_code, reason = "documentation only")]
pub struct NeighbourhoodId(String);
