//! Projects repo: the project row with its neighbourhoods, claimed effects, partners, links and
//! funding (for the derived budget), its sub-resources, and the list with the role's
//! visibility in the query.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{
    funding_lines, goals, notes, project_effects, project_links, project_neighbourhoods,
    project_partners, projects, signal_projects,
};
use crate::domain::access::{ProjectFacts, ProjectScope};
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

/// A funding line as the budget needs it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = funding_lines)]
pub struct FundingLineRow {
    pub id: String,
    pub project_id: String,
    pub source_type: String,
    pub source_id: Option<String>,
    pub amount_cents: i64,
    pub status: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = funding_lines)]
pub struct FundingLineChange {
    pub source_type: Option<String>,
    pub source_id: Option<Option<String>>,
    pub amount_cents: Option<i64>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = goals)]
pub struct GoalRow {
    pub id: String,
    pub project_id: String,
    pub effect: String,
    pub indicator: String,
    pub unit: String,
    pub baseline: f64,
    pub target: f64,
    pub actual: Option<f64>,
    pub measured_on: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = goals)]
pub struct GoalChange {
    pub effect: Option<String>,
    pub indicator: Option<String>,
    pub unit: Option<String>,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    pub actual: Option<Option<f64>>,
    pub measured_on: Option<Option<String>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notes)]
pub struct NoteRow {
    pub id: String,
    pub project_id: String,
    pub text: String,
    pub author_sub: String,
    pub author_role: String,
    pub author_name: Option<String>,
    pub created_at: NaiveDateTime,
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

/// Loads the members of many projects at once (one query per member table).
fn complete(conn: &mut DbConnection, rows: Vec<ProjectRow>) -> Result<Vec<Project>, ApiError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut neighbourhoods: HashMap<String, Vec<String>> = HashMap::new();
    for (project, neighbourhood) in project_neighbourhoods::table
        .filter(project_neighbourhoods::project_id.eq_any(&ids))
        .order((
            project_neighbourhoods::project_id,
            project_neighbourhoods::neighbourhood_id,
        ))
        .select((
            project_neighbourhoods::project_id,
            project_neighbourhoods::neighbourhood_id,
        ))
        .load::<(String, String)>(conn)?
    {
        neighbourhoods
            .entry(project)
            .or_default()
            .push(neighbourhood);
    }
    let mut effects: HashMap<String, Vec<String>> = HashMap::new();
    for (project, effect) in project_effects::table
        .filter(project_effects::project_id.eq_any(&ids))
        .order((project_effects::project_id, project_effects::effect))
        .select((project_effects::project_id, project_effects::effect))
        .load::<(String, String)>(conn)?
    {
        effects.entry(project).or_default().push(effect);
    }
    let mut partners: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (project, partner, role) in project_partners::table
        .filter(project_partners::project_id.eq_any(&ids))
        .order((project_partners::project_id, project_partners::partner_id))
        .select((
            project_partners::project_id,
            project_partners::partner_id,
            project_partners::role,
        ))
        .load::<(String, String, String)>(conn)?
    {
        partners.entry(project).or_default().push((partner, role));
    }
    let mut funding: HashMap<String, Vec<(String, i64)>> = HashMap::new();
    for (project, source, amount) in funding_lines::table
        .filter(funding_lines::project_id.eq_any(&ids))
        .order((funding_lines::project_id, funding_lines::id))
        .select((
            funding_lines::project_id,
            funding_lines::source_type,
            funding_lines::amount_cents,
        ))
        .load::<(String, String, i64)>(conn)?
    {
        funding.entry(project).or_default().push((source, amount));
    }
    let mut signals: HashMap<String, Vec<String>> = HashMap::new();
    for (project, signal) in signal_projects::table
        .filter(signal_projects::project_id.eq_any(&ids))
        .order((signal_projects::project_id, signal_projects::signal_id))
        .select((signal_projects::project_id, signal_projects::signal_id))
        .load::<(String, String)>(conn)?
    {
        signals.entry(project).or_default().push(signal);
    }
    let mut links: HashMap<String, Vec<LinkView>> = HashMap::new();
    type LinkTuple = (String, String, String, String, NaiveDateTime);
    let rows_of_links: Vec<LinkTuple> = project_links::table
        .filter(
            project_links::project_id
                .eq_any(&ids)
                .or(project_links::target_project_id.eq_any(&ids)),
        )
        .order(project_links::id)
        .select((
            project_links::id,
            project_links::project_id,
            project_links::target_project_id,
            project_links::kind,
            project_links::created_at,
        ))
        .load(conn)?;
    for (id, source, target, kind, created_at) in rows_of_links {
        if ids.contains(&source) {
            links.entry(source.clone()).or_default().push(LinkView {
                id: id.clone(),
                project_id: target.clone(),
                kind: kind.clone(),
                direction: "outgoing",
                created_at,
            });
        }
        if ids.contains(&target) {
            links.entry(target).or_default().push(LinkView {
                id,
                project_id: source,
                kind,
                direction: "incoming",
                created_at,
            });
        }
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
    let row = projects::table
        .find(id)
        .select(ProjectRow::as_select())
        .first(conn)
        .optional()?;
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
    if changed == 0 {
        let current = projects::table
            .find(id)
            .select(projects::version)
            .first::<i64>(conn)
            .optional()?;
        return Err(match current {
            Some(current) => ApiError::PreconditionFailed {
                current: Some(current),
            },
            None => ApiError::NotFound(format!("There is no project '{id}'.")),
        });
    }
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
    pub updated_after: Option<NaiveDateTime>,
    pub eligible: Option<bool>,
}

/// Newest first, only what `scope` admits; `limit + 1` projects after the cursor id.
pub fn list(
    conn: &mut DbConnection,
    scope: &ProjectScope,
    filter: &ProjectFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Project>, ApiError> {
    let mut query = projects::table.select(ProjectRow::as_select()).into_boxed();
    let draft = Status::Draft.as_str();
    // Visibility lives in the query: the scope authz gave, as SQL (`ProjectScope::admits`).
    query = match scope {
        ProjectScope::All => query,
        ProjectScope::PastDraftAndDraftsOf { district_id } => query.filter(
            projects::status
                .ne(draft)
                .or(projects::district_id.eq(district_id.clone())),
        ),
        ProjectScope::PastDraft => query.filter(projects::status.ne(draft)),
        ProjectScope::InvolvingPartner { partner_id } => query.filter(
            projects::initiator_partner_id
                .eq(partner_id.clone())
                .or(projects::id.eq_any(
                    project_partners::table
                        .filter(project_partners::partner_id.eq(partner_id.clone()))
                        .select(project_partners::project_id),
                )),
        ),
    };
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
    if let Some(eligible) = filter.eligible {
        query = query.filter(projects::eligible.eq(eligible));
    }
    if let Some(updated_after) = filter.updated_after {
        query = query.filter(projects::updated_at.gt(updated_after));
    }
    if let Some(after) = after {
        query = query.filter(projects::id.lt(after.to_owned()));
    }
    let rows = query
        .order(projects::id.desc())
        .limit(limit + 1)
        .load(conn)?;
    complete(conn, rows)
}

// Sub-resources ---------------------------------------------------------------------------

pub fn goals_of(conn: &mut DbConnection, project_id: &str) -> Result<Vec<GoalRow>, ApiError> {
    Ok(goals::table
        .filter(goals::project_id.eq(project_id))
        .order((goals::created_at, goals::id))
        .select(GoalRow::as_select())
        .load(conn)?)
}

pub fn find_goal(
    conn: &mut DbConnection,
    project_id: &str,
    goal_id: &str,
) -> Result<Option<GoalRow>, ApiError> {
    Ok(goals::table
        .filter(goals::project_id.eq(project_id))
        .filter(goals::id.eq(goal_id))
        .select(GoalRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_goal(conn: &mut DbConnection, row: &GoalRow) -> Result<(), ApiError> {
    diesel::insert_into(goals::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Version-checked; returns the goal after, or 412 / 404.
pub fn update_goal(
    conn: &mut DbConnection,
    project_id: &str,
    goal_id: &str,
    expected_version: i64,
    change: &GoalChange,
    now: NaiveDateTime,
) -> Result<GoalRow, ApiError> {
    let changed = diesel::update(
        goals::table
            .filter(goals::project_id.eq(project_id))
            .filter(goals::id.eq(goal_id))
            .filter(goals::version.eq(expected_version)),
    )
    .set((
        change,
        goals::version.eq(expected_version + 1),
        goals::updated_at.eq(now),
    ))
    .execute(conn)?;
    let current = find_goal(conn, project_id, goal_id)?.ok_or_else(|| {
        ApiError::NotFound(format!("There is no goal '{goal_id}' on this project."))
    })?;
    if changed == 0 {
        return Err(ApiError::PreconditionFailed {
            current: Some(current.version),
        });
    }
    Ok(current)
}

pub fn delete_goal(
    conn: &mut DbConnection,
    project_id: &str,
    goal_id: &str,
    expected_version: i64,
) -> Result<GoalRow, ApiError> {
    let current = find_goal(conn, project_id, goal_id)?.ok_or_else(|| {
        ApiError::NotFound(format!("There is no goal '{goal_id}' on this project."))
    })?;
    let deleted = diesel::delete(
        goals::table
            .filter(goals::id.eq(goal_id))
            .filter(goals::version.eq(expected_version)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(ApiError::PreconditionFailed {
            current: Some(current.version),
        });
    }
    Ok(current)
}

pub fn funding_lines_of(
    conn: &mut DbConnection,
    project_id: &str,
) -> Result<Vec<FundingLineRow>, ApiError> {
    Ok(funding_lines::table
        .filter(funding_lines::project_id.eq(project_id))
        .order((funding_lines::created_at, funding_lines::id))
        .select(FundingLineRow::as_select())
        .load(conn)?)
}

pub fn find_funding_line(
    conn: &mut DbConnection,
    project_id: &str,
    line_id: &str,
) -> Result<Option<FundingLineRow>, ApiError> {
    Ok(funding_lines::table
        .filter(funding_lines::project_id.eq(project_id))
        .filter(funding_lines::id.eq(line_id))
        .select(FundingLineRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_funding_line(conn: &mut DbConnection, row: &FundingLineRow) -> Result<(), ApiError> {
    diesel::insert_into(funding_lines::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update_funding_line(
    conn: &mut DbConnection,
    project_id: &str,
    line_id: &str,
    expected_version: i64,
    change: &FundingLineChange,
    now: NaiveDateTime,
) -> Result<FundingLineRow, ApiError> {
    let changed = diesel::update(
        funding_lines::table
            .filter(funding_lines::project_id.eq(project_id))
            .filter(funding_lines::id.eq(line_id))
            .filter(funding_lines::version.eq(expected_version)),
    )
    .set((
        change,
        funding_lines::version.eq(expected_version + 1),
        funding_lines::updated_at.eq(now),
    ))
    .execute(conn)?;
    let current = find_funding_line(conn, project_id, line_id)?.ok_or_else(|| {
        ApiError::NotFound(format!(
            "There is no funding line '{line_id}' on this project."
        ))
    })?;
    if changed == 0 {
        return Err(ApiError::PreconditionFailed {
            current: Some(current.version),
        });
    }
    Ok(current)
}

pub fn delete_funding_line(
    conn: &mut DbConnection,
    project_id: &str,
    line_id: &str,
    expected_version: i64,
) -> Result<FundingLineRow, ApiError> {
    let current = find_funding_line(conn, project_id, line_id)?.ok_or_else(|| {
        ApiError::NotFound(format!(
            "There is no funding line '{line_id}' on this project."
        ))
    })?;
    let deleted = diesel::delete(
        funding_lines::table
            .filter(funding_lines::id.eq(line_id))
            .filter(funding_lines::version.eq(expected_version)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(ApiError::PreconditionFailed {
            current: Some(current.version),
        });
    }
    Ok(current)
}

/// Adds or changes a project partner's role; returns the role before (`None`: newly added).
pub fn put_partner(
    conn: &mut DbConnection,
    project_id: &str,
    partner_id: &str,
    role: &str,
    now: NaiveDateTime,
) -> Result<Option<String>, ApiError> {
    let before: Option<String> = project_partners::table
        .filter(project_partners::project_id.eq(project_id))
        .filter(project_partners::partner_id.eq(partner_id))
        .select(project_partners::role)
        .first(conn)
        .optional()?;
    if before.is_some() {
        diesel::update(
            project_partners::table
                .filter(project_partners::project_id.eq(project_id))
                .filter(project_partners::partner_id.eq(partner_id)),
        )
        .set(project_partners::role.eq(role))
        .execute(conn)?;
    } else {
        diesel::insert_into(project_partners::table)
            .values((
                project_partners::project_id.eq(project_id),
                project_partners::partner_id.eq(partner_id),
                project_partners::role.eq(role),
                project_partners::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(before)
}

/// Removes a project partner; returns its role, `None` when it was not one.
pub fn remove_partner(
    conn: &mut DbConnection,
    project_id: &str,
    partner_id: &str,
) -> Result<Option<String>, ApiError> {
    let before: Option<String> = project_partners::table
        .filter(project_partners::project_id.eq(project_id))
        .filter(project_partners::partner_id.eq(partner_id))
        .select(project_partners::role)
        .first(conn)
        .optional()?;
    diesel::delete(
        project_partners::table
            .filter(project_partners::project_id.eq(project_id))
            .filter(project_partners::partner_id.eq(partner_id)),
    )
    .execute(conn)?;
    Ok(before)
}

/// The key that makes A→B and B→A the same link.
pub fn link_pair_key(a: &str, b: &str) -> String {
    if a <= b {
        format!("{a}|{b}")
    } else {
        format!("{b}|{a}")
    }
}

pub fn link_exists(conn: &mut DbConnection, pair_key: &str) -> Result<bool, ApiError> {
    Ok(project_links::table
        .filter(project_links::pair_key.eq(pair_key))
        .select(project_links::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

pub fn insert_link(
    conn: &mut DbConnection,
    id: &str,
    project_id: &str,
    target_project_id: &str,
    kind: &str,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::insert_into(project_links::table)
        .values((
            project_links::id.eq(id),
            project_links::project_id.eq(project_id),
            project_links::target_project_id.eq(target_project_id),
            project_links::kind.eq(kind),
            project_links::pair_key.eq(link_pair_key(project_id, target_project_id)),
            project_links::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes a link seen from `project_id` (either side); returns the other project's id.
pub fn delete_link(
    conn: &mut DbConnection,
    project_id: &str,
    link_id: &str,
) -> Result<Option<(String, String)>, ApiError> {
    let link: Option<(String, String, String)> = project_links::table
        .filter(project_links::id.eq(link_id))
        .filter(
            project_links::project_id
                .eq(project_id)
                .or(project_links::target_project_id.eq(project_id)),
        )
        .select((
            project_links::project_id,
            project_links::target_project_id,
            project_links::kind,
        ))
        .first(conn)
        .optional()?;
    let Some((source, target, kind)) = link else {
        return Ok(None);
    };
    diesel::delete(project_links::table.filter(project_links::id.eq(link_id))).execute(conn)?;
    let other = if source == project_id { target } else { source };
    Ok(Some((other, kind)))
}

pub fn notes_of(conn: &mut DbConnection, project_id: &str) -> Result<Vec<NoteRow>, ApiError> {
    Ok(notes::table
        .filter(notes::project_id.eq(project_id))
        .order((notes::created_at, notes::id))
        .select(NoteRow::as_select())
        .load(conn)?)
}

pub fn insert_note(conn: &mut DbConnection, row: &NoteRow) -> Result<(), ApiError> {
    diesel::insert_into(notes::table)
        .values(row)
        .execute(conn)?;
    Ok(())
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
