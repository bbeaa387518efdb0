//! What the parts of a project share: listing them under the project's read rule, editing them
//! under its edit rule in one transaction, and the trail entries of the parts that carry their
//! own version (goals and funding lines).

use actix_web::HttpResponse;
use serde::Serialize;
use serde_json::{Value, json};

use crate::api::access::{readable_project, record_project_event};
use crate::api::http;
use crate::api::records::snapshot;
use crate::auth::Principal;
use crate::authz;
use crate::db::{Db, DbConnection};
use crate::domain::events::changed_members;
use crate::error::ApiError;

/// `200` with a list of parts (small, unpaginated: a project has tens of them, not thousands).
#[derive(Debug, Serialize)]
struct Items<T> {
    items: Vec<T>,
}

/// `200` with all parts of one kind of a project the caller may read.
pub(super) async fn list_parts<Row, Dto>(
    db: &Db,
    principal: Principal,
    project_id: String,
    load: fn(&mut DbConnection, &str) -> Result<Vec<Row>, ApiError>,
) -> Result<HttpResponse, ApiError>
where
    Row: Send + 'static,
    Dto: From<Row> + Serialize + Send + 'static,
{
    let items = db
        .read(move |conn| {
            readable_project(conn, &principal, &project_id)?;
            Ok(load(conn, &project_id)?
                .into_iter()
                .map(Dto::from)
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// Runs `work` in one write transaction after checking that the principal may read the project
/// (404) and do this to it (403).
pub(super) async fn edit_project<T, F>(
    db: &Db,
    principal: Principal,
    project_id: String,
    what: &'static str,
    allowed: fn(&Principal, &authz::ProjectFacts) -> bool,
    work: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &Principal, &str) -> Result<T, ApiError> + Send + 'static,
{
    db.write(move |conn| {
        let (_, facts) = readable_project(conn, &principal, &project_id)?;
        authz::require(&principal, &facts, allowed(&principal, &facts), what)?;
        work(conn, &principal, &project_id)
    })
    .await
}

pub(super) fn may_edit(principal: &Principal, facts: &authz::ProjectFacts) -> bool {
    authz::can_edit_project(principal, facts)
}

/// A part of a project with its own version (`ETag`): a goal or a funding line.
pub(super) trait VersionedPart: Serialize {
    /// Its name in trail actions: `goal` makes `goal_created`.
    const ACTION: &'static str;
    /// The member of the trail data that names it: `goalId`.
    const ID_MEMBER: &'static str;
    /// Its collection under the project's URL: `goals`.
    const COLLECTION: &'static str;
    fn id(&self) -> &str;
    fn version(&self) -> i64;
}

/// `{ <ID_MEMBER>: id, "before": before, "after": after }`.
fn trail_data<P: VersionedPart>(id: &str, before: Value, after: Value) -> Value {
    let mut data = serde_json::Map::new();
    data.insert(P::ID_MEMBER.to_owned(), json!(id));
    data.insert("before".to_owned(), before);
    data.insert("after".to_owned(), after);
    Value::Object(data)
}

/// Records a new part on the project's trail, with all its members.
pub(super) fn record_created<P: VersionedPart>(
    conn: &mut DbConnection,
    principal: &Principal,
    project_id: &str,
    part: &P,
) -> Result<(), ApiError> {
    let data = trail_data::<P>(part.id(), Value::Null, snapshot(part)?);
    record_project_event(
        conn,
        principal,
        project_id,
        &format!("{}_created", P::ACTION),
        data,
    )
}

/// Records a changed part on the project's trail, with only the members that changed.
pub(super) fn record_updated<P: VersionedPart>(
    conn: &mut DbConnection,
    principal: &Principal,
    project_id: &str,
    before: &impl Serialize,
    after: &P,
) -> Result<(), ApiError> {
    let (old, new) = changed_members(&snapshot(before)?, &snapshot(after)?);
    let data = trail_data::<P>(after.id(), old, new);
    record_project_event(
        conn,
        principal,
        project_id,
        &format!("{}_updated", P::ACTION),
        data,
    )
}

/// Records a removed part on the project's trail, with all its members as they were.
pub(super) fn record_deleted<P: VersionedPart>(
    conn: &mut DbConnection,
    principal: &Principal,
    project_id: &str,
    before: &P,
) -> Result<(), ApiError> {
    let data = trail_data::<P>(before.id(), snapshot(before)?, Value::Null);
    record_project_event(
        conn,
        principal,
        project_id,
        &format!("{}_deleted", P::ACTION),
        data,
    )
}

/// `201 Created` with the part, its `ETag` and its URL.
pub(super) fn created<P: VersionedPart>(project_id: &str, part: &P) -> HttpResponse {
    http::created(
        format!(
            "/api/v1/projects/{project_id}/{}/{}",
            P::COLLECTION,
            part.id()
        ),
        part.version(),
        part,
    )
}
