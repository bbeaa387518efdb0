//! Tracking repo (DESIGN §15): a signal found by its tracking code, with only what its public
//! page shows — statuses, departments, dates and the response; never the reporter, never an
//! actor.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::events::{self as event_store, EventFilter};
use super::schema::{departments, neighbourhoods, signals, themes};
use crate::error::ApiError;

/// A signal as its tracking page shows it.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub status: String,
    pub theme: String,
    pub neighbourhood: String,
    pub department: String,
    pub received_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
    pub response: Option<String>,
    pub steps: Vec<Step>,
}

/// One step of its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub at: NaiveDateTime,
    /// `received`, `routed`, `reassigned`, `overdue`, or the status it moved to.
    pub kind: String,
    /// The department it went to (`routed`, `reassigned`).
    pub department: Option<String>,
}

type TrackedRow = (
    String,
    String,
    String,
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
);

/// The signal with tracking code `code`, if there is one.
pub fn find(conn: &mut DbConnection, code: &str) -> Result<Option<Tracked>, ApiError> {
    let row: Option<TrackedRow> = signals::table
        .inner_join(themes::table.on(themes::id.eq(signals::theme_id)))
        .inner_join(neighbourhoods::table.on(neighbourhoods::id.eq(signals::neighbourhood_id)))
        .inner_join(departments::table.on(departments::id.eq(signals::assigned_department_id)))
        .filter(signals::tracking_code.eq(code))
        .select((
            signals::id,
            signals::status,
            themes::name,
            neighbourhoods::name,
            departments::name,
            signals::received_at,
            signals::due_at,
            signals::answered_at,
            signals::response,
        ))
        .first(conn)
        .optional()?;
    let Some((
        id,
        status,
        theme,
        neighbourhood,
        department,
        received_at,
        due_at,
        answered_at,
        response,
    )) = row
    else {
        return Ok(None);
    };
    let filter = EventFilter {
        resource_type: Some("signal".to_owned()),
        resource_id: Some(id),
        ..EventFilter::default()
    };
    // In commit order, oldest first.
    let events = event_store::list(conn, &filter, None, 500)?;
    let names: HashMap<String, String> = departments::table
        .select((departments::id, departments::name))
        .load(conn)?
        .into_iter()
        .collect();
    // Events written before the signal's own name `assignedDepartmentId` was used say
    // `departmentId`.
    let named = |value: &serde_json::Value| {
        value["assignedDepartmentId"]
            .as_str()
            .or_else(|| value["departmentId"].as_str())
            .map(str::to_owned)
    };
    let department_of = |data: &serde_json::Value, key: &str| {
        named(&data[key])
            .or_else(|| named(data).filter(|_| key == "after"))
            .map(|id| names.get(&id).cloned().unwrap_or(id))
    };
    let steps: Vec<Step> = events
        .iter()
        .filter_map(|event| {
            let data = event.data_json();
            let (kind, department) = match event.action.as_str() {
                "signal.received" => ("received".to_owned(), None),
                "signal.routed" => ("routed".to_owned(), department_of(&data, "after")),
                "signal.reassigned" => ("reassigned".to_owned(), department_of(&data, "after")),
                "signal.overdue" => ("overdue".to_owned(), None),
                "signal.status_changed" | "signal.answered" => {
                    (data["after"]["status"].as_str()?.to_owned(), None)
                }
                _ => return None,
            };
            Some(Step {
                at: event.occurred_at,
                kind,
                department,
            })
        })
        .collect();
    Ok(Some(Tracked {
        status,
        theme,
        neighbourhood,
        department,
        received_at,
        due_at,
        answered_at,
        response,
        steps,
    }))
}
