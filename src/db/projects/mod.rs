//! Projects repo: the project row with its neighbourhoods, claimed effects, partners, links and
//! funding (for the derived budget), and the list with the role's visibility in the query. The
//! sub-resources have a file each, mirroring `api/projects/`; their items are re-exported here so
//! callers name one repo.

mod funding_lines;
mod goals;
mod links;
mod notes;
mod partners;

pub use funding_lines::{
    FundingLineChange, FundingLineRow, delete_funding_line, find_funding_line, funding_lines_of,
    insert_funding_line, update_funding_line,
};
pub use goals::{GoalChange, GoalRow, delete_goal, find_goal, goals_of, insert_goal, update_goal};
pub use links::{delete_link, insert_link, link_exists, link_pair_key};
pub use notes::{NoteRow, insert_note, notes_of};
pub use partners::{put_partner, remove_partner};

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::members::{ProjectMemberRow, ProjectMembers, load_members};
use super::{After, Condition, DbConnection, list_order, new_id, on_backend, version_checked};
// `funding_lines` is also the name of the sub-module, so the table is named through `schema`.
use super::schema::{self, project_effects, project_neighbourhoods, project_partners, projects};
use crate::domain::access::{OutcomeScope, ProjectFacts, ProjectScope};
use crate::domain::partners::search_form;
use crate::domain::projects::Status;
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = projects)]
pub struct ProjectRow {
    pub id: String,
    pub title: String,
    pub title_search: String,
    pub summary: Option<String>,
    pub district_id: String,
    pub initiator: Option<String>,
    pub initiator_partner_id: Option<String>,
    pub project_leader: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub sustainability_plan: Option<String>,
    pub status: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub response_due_at: Option<NaiveDateTime>,
    pub responded_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The outcome of the latest final programme assessment; `None` before there is one.
    pub eligible: Option<bool>,
    pub assessment_id: Option<String>,
}

impl ProjectRow {
    /// A new project as `draft`, at version 1, made `now`, with a fresh id; what else it says is
    /// empty until the caller sets it.
    pub fn draft(title: String, district_id: String, now: NaiveDateTime) -> Self {
        Self {
            id: new_id(),
            title_search: search_form(&title),
            title,
            summary: None,
            district_id,
            initiator: None,
            initiator_partner_id: None,
            project_leader: None,
            start_date: None,
            end_date: None,
            sustainability_plan: None,
            status: Status::Draft.as_str().to_owned(),
            submitted_at: None,
            response_due_at: None,
            responded_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
            eligible: None,
            assessment_id: None,
        }
    }
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = projects)]
pub struct ProjectChange {
    pub title: Option<String>,
    pub title_search: Option<String>,
    pub summary: Option<Option<String>>,
    pub district_id: Option<String>,
    pub initiator: Option<Option<String>>,
    pub project_leader: Option<Option<String>>,
    pub start_date: Option<Option<String>>,
    pub end_date: Option<Option<String>>,
    pub sustainability_plan: Option<Option<String>>,
    pub status: Option<String>,
    pub submitted_at: Option<Option<NaiveDateTime>>,
    pub response_due_at: Option<Option<NaiveDateTime>>,
    pub responded_at: Option<Option<NaiveDateTime>>,
    pub eligible: Option<Option<bool>>,
    pub assessment_id: Option<Option<String>>,
}

/// A change to a project with its multi-valued members (replaced when given).
#[derive(Debug, Default, Clone)]
pub struct ProjectUpdate {
    pub fields: ProjectChange,
    pub neighbourhood_ids: Option<Vec<String>>,
    pub claimed_effects: Option<Vec<String>>,
}

/// A link as seen from one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkView {
    pub id: String,
    /// The project on the other side.
    pub project_id: String,
    pub kind: String,
    /// `outgoing` when this project made the link, `incoming` when the other did.
    pub direction: &'static str,
    pub created_at: NaiveDateTime,
}

/// A project with everything its representation shows.
#[derive(Debug, Clone)]
pub struct Project {
    pub row: ProjectRow,
    pub neighbourhood_ids: Vec<String>,
    pub claimed_effects: Vec<String>,
    /// (partner id, role), by partner id.
    pub partners: Vec<(String, String)>,
    pub links: Vec<LinkView>,
    /// (source type, amount) of every funding line.
    pub funding: Vec<(String, i64)>,
    /// The signals linked to it.
    pub signal_ids: Vec<String>,
}

impl Project {
    pub fn facts(&self) -> Result<ProjectFacts, ApiError> {
        Ok(ProjectFacts {
            id: self.row.id.clone(),
            status: Status::parse(&self.row.status).map_err(|_| {
                ApiError::Internal(format!(
                    "project {} has status {}",
                    self.row.id, self.row.status
                ))
            })?,
            district_id: self.row.district_id.clone(),
            initiator_partner_id: self.row.initiator_partner_id.clone(),
            partner_ids: self.partners.iter().map(|(id, _)| id.clone()).collect(),
        })
    }
}

/// What the rules need to know about each of `ids` that exists (two queries, whatever the
/// number): for deciding which referenced projects a reader may see.
pub fn facts_of(conn: &mut DbConnection, ids: &[String]) -> Result<Vec<ProjectFacts>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, String, Option<String>)> = projects::table
        .filter(projects::id.eq_any(ids))
        .select((
            projects::id,
            projects::status,
            projects::district_id,
            projects::initiator_partner_id,
        ))
        .load(conn)?;
    let mut partners: HashMap<String, Vec<String>> = HashMap::new();
    for (project, partner) in project_partners::table
        .filter(project_partners::project_id.eq_any(ids))
        .select((project_partners::project_id, project_partners::partner_id))
        .load::<(String, String)>(conn)?
    {
        partners.entry(project).or_default().push(partner);
    }
    rows.into_iter()
        .map(|(id, status, district_id, initiator_partner_id)| {
            Ok(ProjectFacts {
                status: Status::parse(&status)
                    .map_err(|_| ApiError::Internal(format!("project {id} has status {status}")))?,
                partner_ids: partners.remove(&id).unwrap_or_default(),
                id,
                district_id,
                initiator_partner_id,
            })
        })
        .collect()
}

/// The neighbourhoods of each of the projects `ids`, in id order.
pub fn neighbourhoods_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<String>>, ApiError> {
    let mut neighbourhoods: HashMap<String, Vec<String>> = HashMap::new();
    for (project, neighbourhood) in on_backend!(conn, |c| project_neighbourhoods::table
        .filter(project_neighbourhoods::project_id.eq_any(ids))
        .order((
            project_neighbourhoods::project_id,
            project_neighbourhoods::neighbourhood_id,
        ))
        .select((
            project_neighbourhoods::project_id,
            project_neighbourhoods::neighbourhood_id,
        ))
        .load::<(String, String)>(c))?
    {
        neighbourhoods
            .entry(project)
            .or_default()
            .push(neighbourhood);
    }
    Ok(neighbourhoods)
}

/// Loads the members of many projects at once, in one statement ([`ProjectMembers`]).
fn complete(conn: &mut DbConnection, rows: Vec<ProjectRow>) -> Result<Vec<Project>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let member_rows: Vec<ProjectMemberRow> = load_members::<ProjectMembers, _>(conn, &ids)?;
    let mut neighbourhoods: HashMap<String, Vec<String>> = HashMap::new();
    let mut effects: HashMap<String, Vec<String>> = HashMap::new();
    let mut partners: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut funding: HashMap<String, Vec<(String, i64)>> = HashMap::new();
    let mut signals: HashMap<String, Vec<String>> = HashMap::new();
    let mut links: HashMap<String, Vec<LinkView>> = HashMap::new();
    for (member, project, key, a, b, amount, at) in member_rows {
        match (member.as_str(), a, b, amount, at) {
            ("neighbourhood", ..) => neighbourhoods.entry(project).or_default().push(key),
            ("effect", ..) => effects.entry(project).or_default().push(key),
            ("partner", Some(role), ..) => partners.entry(project).or_default().push((key, role)),
            ("funding", Some(source), _, Some(cents), _) => {
                funding.entry(project).or_default().push((source, cents))
            }
            ("signal", ..) => signals.entry(project).or_default().push(key),
            ("link", Some(target), Some(kind), _, Some(created_at)) => {
                if ids.contains(&project) {
                    links.entry(project.clone()).or_default().push(LinkView {
                        id: key.clone(),
                        project_id: target.clone(),
                        kind: kind.clone(),
                        direction: "outgoing",
                        created_at,
                    });
                }
                if ids.contains(&target) {
                    links.entry(target).or_default().push(LinkView {
                        id: key,
                        project_id: project,
                        kind,
                        direction: "incoming",
                        created_at,
                    });
                }
            }
            (other, ..) => {
                return Err(ApiError::Internal(format!(
                    "a project member row of kind '{other}' lacks a column its table requires"
                )));
            }
        }
    }
    // The rows come by source project; each project lists its links, both ways, by link id.
    for project_links in links.values_mut() {
        project_links.sort_by(|x, y| x.id.cmp(&y.id));
    }
    Ok(rows
        .into_iter()
        .map(|row| Project {
            neighbourhood_ids: neighbourhoods.remove(&row.id).unwrap_or_default(),
            claimed_effects: effects.remove(&row.id).unwrap_or_default(),
            partners: partners.remove(&row.id).unwrap_or_default(),
            links: links.remove(&row.id).unwrap_or_default(),
            funding: funding.remove(&row.id).unwrap_or_default(),
            signal_ids: signals.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Project>, ApiError> {
    let row = on_backend!(conn, |c| projects::table
        .find(id)
        .select(ProjectRow::as_select())
        .first(c)
        .optional())?;
    match row {
        None => Ok(None),
        Some(row) => Ok(complete(conn, vec![row])?.pop()),
    }
}

/// The project, or 404 (whether it does not exist or is not the principal's to read is
/// decided by the caller with `authz::require`).
pub fn get(conn: &mut DbConnection, id: &str) -> Result<Project, ApiError> {
    find(conn, id)?.ok_or_else(|| ApiError::NotFound(format!("There is no project '{id}'.")))
}

fn replace_members(
    conn: &mut DbConnection,
    id: &str,
    update: &ProjectUpdate,
) -> Result<(), ApiError> {
    if let Some(neighbourhood_ids) = &update.neighbourhood_ids {
        diesel::delete(
            project_neighbourhoods::table.filter(project_neighbourhoods::project_id.eq(id)),
        )
        .execute(conn)?;
        for neighbourhood_id in neighbourhood_ids {
            diesel::insert_into(project_neighbourhoods::table)
                .values((
                    project_neighbourhoods::project_id.eq(id),
                    project_neighbourhoods::neighbourhood_id.eq(neighbourhood_id),
                ))
                .execute(conn)?;
        }
    }
    if let Some(effects) = &update.claimed_effects {
        diesel::delete(project_effects::table.filter(project_effects::project_id.eq(id)))
            .execute(conn)?;
        for effect in effects {
            diesel::insert_into(project_effects::table)
                .values((
                    project_effects::project_id.eq(id),
                    project_effects::effect.eq(effect),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

pub fn insert(
    conn: &mut DbConnection,
    row: &ProjectRow,
    members: &ProjectUpdate,
) -> Result<Project, ApiError> {
    diesel::insert_into(projects::table)
        .values(row)
        .execute(conn)?;
    replace_members(conn, &row.id, members)?;
    get(conn, &row.id)
}

/// Applies a change when the project still has `expected_version`, and bumps the version.
/// The caller has read the project (for its authorization) in the same transaction.
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    expected_version: i64,
    update: &ProjectUpdate,
    now: NaiveDateTime,
) -> Result<Project, ApiError> {
    let changed = diesel::update(
        projects::table
            .filter(projects::id.eq(id))
            .filter(projects::version.eq(expected_version)),
    )
    .set((
        &update.fields,
        projects::version.eq(expected_version + 1),
        projects::updated_at.eq(now),
    ))
    .execute(conn)?;
    version_checked(changed, || {
        projects::table
            .find(id)
            .select(projects::version)
            .first::<i64>(conn)
            .optional()?
            .ok_or_else(|| ApiError::NotFound(format!("There is no project '{id}'.")))
    })?;
    replace_members(conn, id, update)?;
    get(conn, id)
}

/// Filters of the project list.
#[derive(Debug, Default, Clone)]
pub struct ProjectFilter {
    pub statuses: Vec<String>,
    pub district_id: Option<String>,
    pub neighbourhood_id: Option<String>,
    pub partner_id: Option<String>,
    pub effect: Option<String>,
    /// Already in search form.
    pub q: Option<String>,
    /// Submitted and past `response_due_at` at this moment.
    pub awaiting_response_at: Option<NaiveDateTime>,
    /// Only projects changed after this moment; the list is then in (updated_at, id) order.
    pub updated_after: Option<NaiveDateTime>,
    /// The outcome asked for, with whose outcomes the reader may see (authz).
    pub eligible: Option<(bool, OutcomeScope)>,
}

/// The projects `scope` admits, as a condition on `projects` (`ProjectScope::admits` in SQL);
/// `None` for every project.
pub(crate) fn admitted(scope: &ProjectScope) -> Option<Condition<projects::table>> {
    let draft = Status::Draft.as_str();
    match scope {
        ProjectScope::All => None,
        ProjectScope::PastDraftAndDraftsOf { district_id } => Some(Box::new(
            projects::status
                .ne(draft)
                .or(projects::district_id.eq(district_id.clone())),
        )),
        ProjectScope::PastDraft => Some(Box::new(projects::status.ne(draft))),
        ProjectScope::InvolvingPartner { partner_id } => Some(Box::new(
            projects::initiator_partner_id
                .eq(partner_id.clone())
                .or(projects::id.eq_any(
                    project_partners::table
                        .filter(project_partners::partner_id.eq(partner_id.clone()))
                        .select(project_partners::project_id),
                ))
                .assume_not_null(),
        )),
    }
}

/// Newest first (with `updated_after`: oldest change first), only what `scope` admits;
/// `limit + 1` projects after the cursor.
pub fn list(
    conn: &mut DbConnection,
    scope: &ProjectScope,
    filter: &ProjectFilter,
    after: Option<&After>,
    limit: i64,
) -> Result<Vec<Project>, ApiError> {
    let mut query = projects::table.select(ProjectRow::as_select()).into_boxed();
    // Visibility lives in the query: the scope authz gave, as SQL (`ProjectScope::admits`).
    if let Some(admitted) = admitted(scope) {
        query = query.filter(admitted);
    }
    query = match filter.statuses.as_slice() {
        [] => query,
        // `=` rather than `= ANY(…)` for one value: PostgreSQL then reads projects_status or
        // projects_district_status in id order instead of filtering the newest projects.
        [status] => query.filter(projects::status.eq(status.clone())),
        statuses => query.filter(projects::status.eq_any(statuses.to_vec())),
    };
    if let Some(district_id) = &filter.district_id {
        query = query.filter(projects::district_id.eq(district_id.clone()));
    }
    if let Some(neighbourhood_id) = &filter.neighbourhood_id {
        query = query.filter(
            projects::id.eq_any(
                project_neighbourhoods::table
                    .filter(project_neighbourhoods::neighbourhood_id.eq(neighbourhood_id.clone()))
                    .select(project_neighbourhoods::project_id),
            ),
        );
    }
    if let Some(partner_id) = &filter.partner_id {
        query = query.filter(
            projects::initiator_partner_id
                .eq(partner_id.clone())
                .or(projects::id.eq_any(
                    project_partners::table
                        .filter(project_partners::partner_id.eq(partner_id.clone()))
                        .select(project_partners::project_id),
                )),
        );
    }
    if let Some(effect) = &filter.effect {
        query = query.filter(
            projects::id.eq_any(
                project_effects::table
                    .filter(project_effects::effect.eq(effect.clone()))
                    .select(project_effects::project_id),
            ),
        );
    }
    if let Some(q) = &filter.q {
        let pattern = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        query = query.filter(projects::title_search.like(pattern).escape('\\'));
    }
    if let Some(now) = filter.awaiting_response_at {
        query = query
            .filter(projects::status.eq(Status::Submitted.as_str()))
            .filter(projects::response_due_at.lt(now));
    }
    if let Some((eligible, outcome)) = &filter.eligible {
        query = query.filter(projects::eligible.eq(*eligible));
        // Only outcomes the reader may see: the scope authz gave, as SQL (`OutcomeScope::admits`).
        query = match outcome {
            OutcomeScope::All => query,
            OutcomeScope::InvolvingDepartment { department_id } => query.filter(
                projects::id
                    .eq_any(
                        schema::funding_lines::table
                            .filter(schema::funding_lines::source_type.eq("department"))
                            .filter(schema::funding_lines::source_id.eq(department_id.clone()))
                            .select(schema::funding_lines::project_id),
                    )
                    .or(projects::id.eq_any(
                        schema::assessments::table
                            .filter(schema::assessments::kind.eq("advisory"))
                            .filter(schema::assessments::department_id.eq(department_id.clone()))
                            .select(schema::assessments::project_id),
                    )),
            ),
            OutcomeScope::DecidedInDistrict { district_id } => query
                .filter(projects::status.eq_any(Status::decided()))
                .filter(projects::district_id.eq(district_id.clone())),
            OutcomeScope::DecidedInitiatedBy { partner_id } => query
                .filter(projects::status.eq_any(Status::decided()))
                .filter(projects::initiator_partner_id.eq(partner_id.clone())),
        };
    }
    query = list_order!(query, projects, filter.updated_after, after);
    let rows = query.limit(limit + 1).load(conn)?;
    complete(conn, rows)
}

/// Sets or clears the initiating partner of a project that `update` has just version-checked
/// and bumped; returns the project after.
pub fn set_initiator_partner(
    conn: &mut DbConnection,
    id: &str,
    partner: Option<String>,
) -> Result<Option<Project>, ApiError> {
    diesel::update(projects::table.filter(projects::id.eq(id)))
        .set(projects::initiator_partner_id.eq(partner))
        .execute(conn)?;
    find(conn, id)
}

/// Bumps the project's version when it is still `expected_version` (changes to its partners
/// and links are changes to the project's representation, so they need its `If-Match`).
pub fn bump_version(
    conn: &mut DbConnection,
    id: &str,
    expected_version: i64,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    update(conn, id, expected_version, &ProjectUpdate::default(), now).map(|_| ())
}
