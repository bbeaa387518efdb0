//! Reading under the caller's object rules and writing to a trail: what every handler that
//! touches a project or one of its parts (goals, assessments, ...) or a signal does first and
//! last, kept here so that those resources need not import each other. What an answer may show
//! its reader is `crate::visibility`'s.

use crate::auth::Principal;
use crate::authz::{self, ProjectFacts};
use crate::db::projects::{self as repo, Project};
use crate::db::{DbConnection, events as event_store};
use crate::domain::events::NewEvent;
use crate::domain::time;
use crate::error::ApiError;

/// Records a change to a project (or one of its parts) on the project's trail.
pub(crate) fn record_project_event(
    conn: &mut DbConnection,
    principal: &Principal,
    project_id: &str,
    action: &str,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    record_event(conn, principal, "project", project_id, action, data)
}

/// Records a change on a resource's trail as `<resource_type>.<action>`, by the principal, now.
pub(crate) fn record_event(
    conn: &mut DbConnection,
    principal: &Principal,
    resource_type: &'static str,
    resource_id: &str,
    action: &str,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    let event = NewEvent {
        action: format!("{resource_type}.{action}"),
        resource_type,
        resource_id: resource_id.to_owned(),
        data,
    };
    event_store::record(conn, &principal.actor(), event, time::now())?;
    Ok(())
}

/// Reads a project and checks that the principal may read it (404 otherwise).
pub(crate) fn readable_project(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
) -> Result<(Project, ProjectFacts), ApiError> {
    let project = repo::get(conn, id)?;
    let facts = project.facts()?;
    authz::require(principal, &facts, true, "read")?;
    Ok((project, facts))
}
