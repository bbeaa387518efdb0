//! Advice requests repo: the row, the list with the reader's scope in the query, withdrawal
//! (version-checked) and settlement by the asked department's final advisory assessment.

use chrono::NaiveDateTime;
use diesel::dsl::exists;
use diesel::prelude::*;

use super::schema::{advice_requests, project_partners, projects};
use super::{
    After, Condition, DbConnection, list_order, new_id, projects as project_repo, version_checked,
};
use crate::domain::access::{AdviceRequestFacts, AdviceRequestScope};
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = advice_requests)]
pub struct AdviceRequestRow {
    pub id: String,
    pub project_id: String,
    pub department_id: String,
    pub question: String,
    pub due_on: String,
    pub due_at: NaiveDateTime,
    pub status: String,
    pub requested_at: NaiveDateTime,
    pub settled_at: Option<NaiveDateTime>,
    pub assessment_id: Option<String>,
    pub withdrawal_reason: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl AdviceRequestRow {
    /// An open request made `now`, at version 1 with a fresh id.
    pub fn open(
        project_id: String,
        department_id: String,
        question: String,
        due_on: String,
        due_at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id: new_id(),
            project_id,
            department_id,
            question,
            due_on,
            due_at,
            status: "open".to_owned(),
            requested_at: now,
            settled_at: None,
            assessment_id: None,
            withdrawal_reason: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

/// The requests `scope` admits, as a condition on `advice_requests`
/// (`AdviceRequestScope::admits` in SQL); `None` for every request.
pub(crate) fn admitted(scope: &AdviceRequestScope) -> Option<Condition<advice_requests::table>> {
    Some(match scope {
        AdviceRequestScope::All => return None,
        AdviceRequestScope::ToDepartment { department_id } => {
            Box::new(advice_requests::department_id.eq(department_id.clone()))
        }
        AdviceRequestScope::AboutDistrict { district_id } => Box::new(exists(
            projects::table
                .filter(projects::id.eq(advice_requests::project_id))
                .filter(projects::district_id.eq(district_id.clone())),
        )),
        AdviceRequestScope::AboutProjectsOf { partner_id } => Box::new(
            exists(
                projects::table
                    .filter(projects::id.eq(advice_requests::project_id))
                    .filter(projects::initiator_partner_id.eq(partner_id.clone())),
            )
            .or(exists(
                project_partners::table
                    .filter(project_partners::project_id.eq(advice_requests::project_id))
                    .filter(project_partners::partner_id.eq(partner_id.clone())),
            )),
        ),
    })
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<AdviceRequestRow>, ApiError> {
    Ok(advice_requests::table
        .find(id)
        .select(AdviceRequestRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<AdviceRequestRow, ApiError> {
    find(conn, id)?.ok_or_else(|| ApiError::NotFound(format!("There is no advice request '{id}'.")))
}

/// What the rules need to know about each of `rows` (one query for their projects).
pub fn facts(
    conn: &mut DbConnection,
    rows: &[AdviceRequestRow],
) -> Result<Vec<AdviceRequestFacts>, ApiError> {
    let mut ids: Vec<String> = rows.iter().map(|r| r.project_id.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    let projects = project_repo::facts_of(conn, &ids)?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let project = projects.iter().find(|p| p.id == row.project_id)?;
            Some(AdviceRequestFacts {
                id: row.id.clone(),
                department_id: row.department_id.clone(),
                project: project.clone(),
            })
        })
        .collect())
}

/// The facts of each of `ids` that exists.
pub fn facts_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<AdviceRequestFacts>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = advice_requests::table
        .filter(advice_requests::id.eq_any(ids))
        .select(AdviceRequestRow::as_select())
        .load(conn)?;
    facts(conn, &rows)
}

pub fn insert(conn: &mut DbConnection, row: &AdviceRequestRow) -> Result<(), ApiError> {
    diesel::insert_into(advice_requests::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Withdraws an open request that still has `expected_version`; 412 otherwise.
pub fn withdraw(
    conn: &mut DbConnection,
    id: &str,
    expected_version: i64,
    reason: &str,
    now: NaiveDateTime,
) -> Result<AdviceRequestRow, ApiError> {
    let changed = diesel::update(
        advice_requests::table
            .filter(advice_requests::id.eq(id))
            .filter(advice_requests::version.eq(expected_version))
            .filter(advice_requests::status.eq("open")),
    )
    .set((
        advice_requests::status.eq("withdrawn"),
        advice_requests::withdrawal_reason.eq(reason),
        advice_requests::settled_at.eq(now),
        advice_requests::version.eq(expected_version + 1),
        advice_requests::updated_at.eq(now),
    ))
    .execute(conn)?;
    version_checked(changed, || Ok(get(conn, id)?.version))?;
    get(conn, id)
}

/// Settles every open request to `department_id` about `project_id` as given by
/// `assessment_id`, in the caller's transaction; the requests it settled.
pub fn settle(
    conn: &mut DbConnection,
    project_id: &str,
    department_id: &str,
    assessment_id: &str,
    now: NaiveDateTime,
) -> Result<Vec<AdviceRequestRow>, ApiError> {
    let open = advice_requests::table
        .filter(advice_requests::project_id.eq(project_id))
        .filter(advice_requests::department_id.eq(department_id))
        .filter(advice_requests::status.eq("open"));
    let ids: Vec<String> = open.select(advice_requests::id).load(conn)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(open.filter(advice_requests::id.eq_any(&ids)))
        .set((
            advice_requests::status.eq("given"),
            advice_requests::assessment_id.eq(assessment_id),
            advice_requests::settled_at.eq(now),
            advice_requests::version.eq(advice_requests::version + 1),
            advice_requests::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(advice_requests::table
        .filter(advice_requests::id.eq_any(&ids))
        .filter(advice_requests::status.eq("given"))
        .order(advice_requests::id)
        .select(AdviceRequestRow::as_select())
        .load(conn)?)
}

/// Filters of the advice request lists.
#[derive(Debug, Default, Clone)]
pub struct AdviceRequestFilter {
    pub project_id: Option<String>,
    pub department_id: Option<String>,
    pub statuses: Vec<String>,
    /// `Some((true, now))`: open and past due at `now`; `false`: the others.
    pub overdue: Option<(bool, NaiveDateTime)>,
}

/// Newest first, only what `scope` admits; `limit + 1` requests after the cursor.
pub fn list(
    conn: &mut DbConnection,
    scope: &AdviceRequestScope,
    filter: &AdviceRequestFilter,
    after: Option<&After>,
    limit: i64,
) -> Result<Vec<AdviceRequestRow>, ApiError> {
    let mut query = advice_requests::table
        .select(AdviceRequestRow::as_select())
        .into_boxed();
    // Visibility lives in the query: the scope authz gave, as SQL.
    if let Some(admitted) = admitted(scope) {
        query = query.filter(admitted);
    }
    if let Some(project_id) = &filter.project_id {
        query = query.filter(advice_requests::project_id.eq(project_id.clone()));
    }
    if let Some(department_id) = &filter.department_id {
        query = query.filter(advice_requests::department_id.eq(department_id.clone()));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(advice_requests::status.eq_any(filter.statuses.clone()));
    }
    match filter.overdue {
        Some((true, now)) => {
            query = query
                .filter(advice_requests::status.eq("open"))
                .filter(advice_requests::due_at.lt(now));
        }
        Some((false, now)) => {
            query = query.filter(
                advice_requests::status
                    .ne("open")
                    .or(advice_requests::due_at.ge(now)),
            );
        }
        None => {}
    }
    let since: Option<NaiveDateTime> = None;
    query = list_order!(query, advice_requests, since, after);
    Ok(query.limit(limit + 1).load(conn)?)
}
