//! Deliveries repo: one row per event and subscription once that event reaches the head of the
//! subscription's queue, then kept as the record of its attempts (delivered or dead). Also the
//! facets (district, neighbourhoods, department, theme) of the resources events are about, for
//! subscription filters.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::events::EventRow;
use super::schema::{deliveries, policy_issues, projects, signals};
use crate::domain::webhooks::{DeliveryStatus, Facets};
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deliveries)]
pub struct DeliveryRow {
    pub subscription_id: String,
    pub event_id: i64,
    pub event_type: String,
    pub status: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub first_attempt_at: Option<NaiveDateTime>,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
}

/// The outcome of one attempt, written on the delivery row.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = deliveries)]
pub struct Attempted {
    pub status: Option<String>,
    pub attempts: Option<i32>,
    pub last_status: Option<Option<i32>>,
    pub last_error: Option<Option<String>>,
    pub first_attempt_at: Option<Option<NaiveDateTime>>,
    pub next_attempt_at: Option<Option<NaiveDateTime>>,
    pub delivered_at: Option<Option<NaiveDateTime>>,
}

pub fn find(
    conn: &mut DbConnection,
    subscription_id: &str,
    event_id: i64,
) -> Result<Option<DeliveryRow>, ApiError> {
    Ok(deliveries::table
        .find((subscription_id, event_id))
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()?)
}

/// The delivery of `event` to the subscription, made pending when it is not there yet.
pub fn head(
    conn: &mut DbConnection,
    subscription_id: &str,
    event: &EventRow,
) -> Result<DeliveryRow, ApiError> {
    if let Some(row) = find(conn, subscription_id, event.id)? {
        return Ok(row);
    }
    let row = DeliveryRow {
        subscription_id: subscription_id.to_owned(),
        event_id: event.id,
        event_type: event.action.clone(),
        status: DeliveryStatus::Pending.as_str().to_owned(),
        attempts: 0,
        last_status: None,
        last_error: None,
        first_attempt_at: None,
        next_attempt_at: None,
        delivered_at: None,
    };
    diesel::insert_into(deliveries::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn record(
    conn: &mut DbConnection,
    subscription_id: &str,
    event_id: i64,
    attempted: &Attempted,
) -> Result<(), ApiError> {
    diesel::update(deliveries::table.find((subscription_id, event_id)))
        .set(attempted)
        .execute(conn)?;
    Ok(())
}

/// Marks the unfinished deliveries before `event_id` skipped: events that stopped being the
/// subscription's (no longer visible to its owner, or no longer passing its filter) before they
/// were delivered. No delivery record is ever deleted: it stays, with its attempts.
pub fn skip_unfinished_before(
    conn: &mut DbConnection,
    subscription_id: &str,
    event_id: i64,
) -> Result<(), ApiError> {
    diesel::update(
        deliveries::table
            .filter(deliveries::subscription_id.eq(subscription_id))
            .filter(deliveries::event_id.lt(event_id))
            .filter(deliveries::status.eq_any([
                DeliveryStatus::Pending.as_str(),
                DeliveryStatus::Retrying.as_str(),
            ])),
    )
    .set((
        deliveries::status.eq(DeliveryStatus::Skipped.as_str()),
        deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Makes the deliveries from `from_event_id` on pending again (a replay): delivered, dead and
/// skipped ones included.
pub fn replay(
    conn: &mut DbConnection,
    subscription_id: &str,
    from_event_id: i64,
) -> Result<usize, ApiError> {
    Ok(diesel::update(
        deliveries::table
            .filter(deliveries::subscription_id.eq(subscription_id))
            .filter(deliveries::event_id.ge(from_event_id)),
    )
    .set((
        deliveries::status.eq(DeliveryStatus::Pending.as_str()),
        deliveries::attempts.eq(0),
        deliveries::first_attempt_at.eq(None::<NaiveDateTime>),
        deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
        deliveries::delivered_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?)
}

/// A page of a subscription's deliveries, newest event first, before `before`.
pub fn list(
    conn: &mut DbConnection,
    subscription_id: &str,
    status: Option<DeliveryStatus>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<DeliveryRow>, ApiError> {
    let mut query = deliveries::table
        .filter(deliveries::subscription_id.eq(subscription_id.to_owned()))
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(deliveries::status.eq(status.as_str()));
    }
    if let Some(before) = before {
        query = query.filter(deliveries::event_id.lt(before));
    }
    Ok(query
        .order(deliveries::event_id.desc())
        .limit(limit + 1)
        .load(conn)?)
}

/// Where the resources of `events` sit now, keyed by (resource type, id): signals and projects;
/// other resources have no facets.
pub fn facets_of(
    conn: &mut DbConnection,
    events: &[EventRow],
) -> Result<HashMap<(String, String), Facets>, ApiError> {
    let ids_of = |kind: &str| -> Vec<String> {
        let mut ids: Vec<String> = events
            .iter()
            .filter(|e| e.resource_type == kind)
            .map(|e| e.resource_id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let mut facets = HashMap::new();
    let signal_ids = ids_of("signal");
    if !signal_ids.is_empty() {
        let rows: Vec<(String, String, String, String, String)> = signals::table
            .filter(signals::id.eq_any(&signal_ids))
            .select((
                signals::id,
                signals::district_id,
                signals::neighbourhood_id,
                signals::assigned_department_id,
                signals::theme_id,
            ))
            .load(conn)?;
        for (id, district, neighbourhood, department, theme) in rows {
            facets.insert(
                ("signal".to_owned(), id),
                Facets {
                    district_id: Some(district),
                    neighbourhood_ids: vec![neighbourhood],
                    department_id: Some(department),
                    theme_id: Some(theme),
                },
            );
        }
    }
    let project_ids = ids_of("project");
    if !project_ids.is_empty() {
        let rows: Vec<(String, String)> = projects::table
            .filter(projects::id.eq_any(&project_ids))
            .select((projects::id, projects::district_id))
            .load(conn)?;
        let mut neighbourhoods = super::projects::neighbourhoods_of(conn, &project_ids)?;
        for (id, district) in rows {
            facets.insert(
                ("project".to_owned(), id.clone()),
                Facets {
                    district_id: Some(district),
                    neighbourhood_ids: neighbourhoods.remove(&id).unwrap_or_default(),
                    department_id: None,
                    theme_id: None,
                },
            );
        }
    }
    // A policy issue: its owner and theme (its signals may come from several districts, so a
    // `districtId` or `neighbourhoodId` filter does not select it).
    let issue_ids = ids_of("policy_issue");
    if !issue_ids.is_empty() {
        let rows: Vec<(String, String, String)> = policy_issues::table
            .filter(policy_issues::id.eq_any(&issue_ids))
            .select((
                policy_issues::id,
                policy_issues::department_id,
                policy_issues::theme_id,
            ))
            .load(conn)?;
        for (id, department, theme) in rows {
            facets.insert(
                ("policy_issue".to_owned(), id),
                Facets {
                    district_id: None,
                    neighbourhood_ids: Vec::new(),
                    department_id: Some(department),
                    theme_id: Some(theme),
                },
            );
        }
    }
    Ok(facets)
}
