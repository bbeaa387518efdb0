//! Subscriptions repo: the rows, their reading scope, version-checked changes, and the claims
//! with which instances share the delivery work (DESIGN §10). A claim is a lease: an instance
//! sets `lease_owner` and `lease_until` and renews them while it works; when it dies, the lease
//! runs out and another instance takes the subscription over. Claiming is the one place where
//! the backends differ (`claim`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{event_counter, events, subscriptions};
use super::{DbConnection, version_checked};
use crate::domain::access::{SubscriptionOwner, SubscriptionScope};
use crate::domain::webhooks::{Channel, EventFilter, SubscriptionStatus};
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = subscriptions)]
pub struct SubscriptionRow {
    pub id: String,
    pub owner_sub: String,
    pub owner_role: String,
    pub owner_scope: Option<String>,
    pub owner_name: Option<String>,
    pub callback_url: String,
    pub types: String,
    pub filter_district_id: Option<String>,
    pub filter_neighbourhood_id: Option<String>,
    pub filter_department_id: Option<String>,
    pub filter_theme_id: Option<String>,
    pub description: Option<String>,
    pub status: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub last_event_id: i64,
    pub retry_at: Option<NaiveDateTime>,
    pub failing_since: Option<NaiveDateTime>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `webhook`, or `mail` for the service's own mail queue (DESIGN §15).
    pub channel: String,
    /// How often a redelivery moved the position back (`rewind`).
    pub rewinds: i64,
}

impl SubscriptionRow {
    /// A new active queue of `channel` for `owner` at version 1, positioned after event
    /// `last_event_id`, carrying nothing yet: the caller sets the callback, types, filter,
    /// description and secret that it has.
    pub fn active(
        id: String,
        owner: SubscriptionOwner,
        channel: Channel,
        last_event_id: i64,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id,
            owner_sub: owner.sub,
            owner_role: owner.role,
            owner_scope: owner.scope,
            owner_name: owner.name,
            callback_url: String::new(),
            types: "[]".to_owned(),
            filter_district_id: None,
            filter_neighbourhood_id: None,
            filter_department_id: None,
            filter_theme_id: None,
            description: None,
            status: SubscriptionStatus::Active.as_str().to_owned(),
            secret: String::new(),
            previous_secret: None,
            previous_secret_until: None,
            last_event_id,
            retry_at: None,
            failing_since: None,
            lease_owner: None,
            lease_until: None,
            version: 1,
            created_at: now,
            updated_at: now,
            channel: channel.as_str().to_owned(),
            rewinds: 0,
        }
    }

    pub fn owner(&self) -> SubscriptionOwner {
        SubscriptionOwner {
            sub: self.owner_sub.clone(),
            role: self.owner_role.clone(),
            scope: self.owner_scope.clone(),
            name: self.owner_name.clone(),
        }
    }

    /// The event types, stored as a JSON array.
    pub fn type_list(&self) -> Vec<String> {
        serde_json::from_str(&self.types).unwrap_or_default()
    }

    pub fn filter(&self) -> EventFilter {
        EventFilter {
            district_id: self.filter_district_id.clone(),
            neighbourhood_id: self.filter_neighbourhood_id.clone(),
            department_id: self.filter_department_id.clone(),
            theme_id: self.filter_theme_id.clone(),
        }
    }

    pub fn status(&self) -> Option<SubscriptionStatus> {
        SubscriptionStatus::parse(&self.status)
    }

    /// What it delivers to; a channel this version does not know is a webhook's.
    pub fn channel(&self) -> Channel {
        Channel::parse(&self.channel).unwrap_or(Channel::Webhook)
    }
}

/// The id of the service's one mail queue (DESIGN §15).
pub const MAIL_QUEUE_ID: &str = "mail";

/// Makes the mail queue if there is none, starting after the last event recorded: mail is sent
/// for what happens from the first start with mail configured on. Several instances starting
/// at once make one.
pub fn ensure_mail_queue(conn: &mut DbConnection, now: NaiveDateTime) -> Result<(), ApiError> {
    if find(conn, MAIL_QUEUE_ID)?.is_some() {
        return Ok(());
    }
    let owner = SubscriptionOwner {
        sub: "wijkregie-mail".to_owned(),
        role: "admin".to_owned(),
        scope: None,
        name: None,
    };
    let row = SubscriptionRow {
        callback_url: "mailto:".to_owned(),
        description: Some("E-mail to reporters and partners (DESIGN §15)".to_owned()),
        ..SubscriptionRow::active(
            MAIL_QUEUE_ID.to_owned(),
            owner,
            Channel::Mail,
            last_event_id(conn)?,
            now,
        )
    };
    // Another instance may have made it meanwhile: then this insert fails on the key, and the
    // queue is there all the same.
    if let Err(e) = insert(conn, &row) {
        if find(conn, MAIL_QUEUE_ID)?.is_none() {
            return Err(e);
        }
    }
    Ok(())
}

/// A change by the owner (merge patch); `Some(None)` clears an optional member.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = subscriptions)]
pub struct SubscriptionChange {
    pub callback_url: Option<String>,
    pub types: Option<String>,
    pub filter_district_id: Option<Option<String>>,
    pub filter_neighbourhood_id: Option<Option<String>>,
    pub filter_department_id: Option<Option<String>>,
    pub filter_theme_id: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub status: Option<String>,
    /// Cleared when the owner (re)activates: the failing clock starts again.
    pub failing_since: Option<Option<NaiveDateTime>>,
    pub secret: Option<String>,
    pub previous_secret: Option<Option<String>>,
    pub previous_secret_until: Option<Option<NaiveDateTime>>,
}

pub fn insert(conn: &mut DbConnection, row: &SubscriptionRow) -> Result<(), ApiError> {
    diesel::insert_into(subscriptions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<SubscriptionRow>, ApiError> {
    Ok(subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .optional()?)
}

/// The subscription, or 404 (the mail queue is not one: it is the service's own).
pub fn get(conn: &mut DbConnection, id: &str) -> Result<SubscriptionRow, ApiError> {
    find(conn, id)?
        .filter(|row| row.channel() == Channel::Webhook)
        .ok_or_else(|| ApiError::NotFound(format!("There is no subscription '{id}'.")))
}

/// The owners of the subscriptions among `ids` that exist.
pub fn owners_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<(String, SubscriptionOwner)>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<SubscriptionRow> = subscriptions::table
        .filter(subscriptions::id.eq_any(ids))
        .select(SubscriptionRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| (row.id.clone(), row.owner()))
        .collect())
}

/// A page of the subscriptions `scope` admits, newest first (ids are UUIDv7), after `after`.
pub fn list(
    conn: &mut DbConnection,
    scope: &SubscriptionScope,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<SubscriptionRow>, ApiError> {
    let mut query = subscriptions::table
        .filter(subscriptions::channel.eq(Channel::Webhook.as_str()))
        .select(SubscriptionRow::as_select())
        .into_boxed();
    if let SubscriptionScope::OwnedBy(owner) = scope {
        query = query
            .filter(subscriptions::owner_sub.eq(owner.sub.clone()))
            .filter(subscriptions::owner_role.eq(owner.role.clone()));
        query = match &owner.scope {
            Some(value) => query.filter(subscriptions::owner_scope.eq(value.clone())),
            None => query.filter(subscriptions::owner_scope.is_null()),
        };
    }
    if let Some(after) = after {
        query = query.filter(subscriptions::id.lt(after));
    }
    Ok(query
        .order(subscriptions::id.desc())
        .limit(limit + 1)
        .load(conn)?)
}

/// Applies `change` if the subscription still has `version`; the row after the change.
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    version: i64,
    change: &SubscriptionChange,
    now: NaiveDateTime,
) -> Result<SubscriptionRow, ApiError> {
    let touched = diesel::update(
        subscriptions::table
            .filter(subscriptions::id.eq(id))
            .filter(subscriptions::version.eq(version)),
    )
    .set((
        change,
        subscriptions::version.eq(version + 1),
        subscriptions::updated_at.eq(now),
    ))
    .execute(conn)?;
    version_checked(touched, || get(conn, id).map(|row| row.version))?;
    if change.status.is_some() {
        // A pause ends the worker's claim (its next renewal fails anyway), and a resumed
        // subscription must be claimable at once, not when a claim taken before the pause runs
        // out (the lease: 30 s).
        diesel::update(subscriptions::table.filter(subscriptions::id.eq(id)))
            .set((
                subscriptions::lease_owner.eq(None::<String>),
                subscriptions::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
    }
    get(conn, id)
}

/// Deletes the subscription if it still has `version` (its deliveries go with it).
pub fn delete(conn: &mut DbConnection, id: &str, version: i64) -> Result<(), ApiError> {
    let touched = diesel::delete(
        subscriptions::table
            .filter(subscriptions::id.eq(id))
            .filter(subscriptions::version.eq(version)),
    )
    .execute(conn)?;
    version_checked(touched, || get(conn, id).map(|row| row.version))
}

/// The id of the last event recorded: a new subscription starts after it.
pub fn last_event_id(conn: &mut DbConnection) -> Result<i64, ApiError> {
    Ok(event_counter::table
        .filter(event_counter::id.eq(1))
        .select(event_counter::last_id)
        .first(conn)?)
}

/// When the oldest event was written that an active queue of `channel` has not dealt with yet
/// (delivered, skipped or given up): the first event after the furthest-behind position.
/// `None` when every queue of the channel is caught up, or it has none.
pub fn oldest_pending_event(
    conn: &mut DbConnection,
    channel: Channel,
) -> Result<Option<NaiveDateTime>, ApiError> {
    let furthest_behind: Option<i64> = subscriptions::table
        .filter(subscriptions::status.eq(SubscriptionStatus::Active.as_str()))
        .filter(subscriptions::channel.eq(channel.as_str()))
        .select(diesel::dsl::min(subscriptions::last_event_id))
        .first(conn)?;
    let Some(position) = furthest_behind else {
        return Ok(None);
    };
    Ok(events::table
        .filter(events::id.gt(position))
        .order(events::id.asc())
        .select(events::occurred_at)
        .first(conn)
        .optional()?)
}

/// Claims up to `limit` active queues of `channels` with work and no live lease for
/// `instance`, until `lease_until`; returns their ids. Work is an event after the subscription's position (when
/// its head does not wait for a retry) or a retry that is due.
///
/// PostgreSQL: `FOR UPDATE SKIP LOCKED`, so instances claiming at once pass each other by
/// instead of queueing on the same rows; the conditional `UPDATE` then sets the lease. SQLite
/// has one writer at a time: the same select and update inside the caller's `BEGIN IMMEDIATE`.
pub fn claim(
    conn: &mut DbConnection,
    instance: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
    channels: &[Channel],
) -> Result<Vec<String>, ApiError> {
    let last = last_event_id(conn)?;
    let channels: Vec<&str> = channels.iter().map(|c| c.as_str()).collect();
    let candidates = subscriptions::table
        .filter(subscriptions::status.eq(SubscriptionStatus::Active.as_str()))
        .filter(subscriptions::channel.eq_any(channels))
        .filter(
            subscriptions::lease_until
                .is_null()
                .or(subscriptions::lease_until.lt(now)),
        )
        .filter(
            subscriptions::retry_at
                .is_null()
                .and(subscriptions::last_event_id.lt(last))
                .or(subscriptions::retry_at.le(now)),
        )
        .select(subscriptions::id)
        .order(subscriptions::id.asc())
        .limit(limit);
    let ids: Vec<String> = match conn {
        DbConnection::Pg(pg) => candidates.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => candidates.load(sqlite)?,
    };
    if ids.is_empty() {
        return Ok(ids);
    }
    diesel::update(subscriptions::table.filter(subscriptions::id.eq_any(&ids)))
        .set((
            subscriptions::lease_owner.eq(instance),
            subscriptions::lease_until.eq(lease_until),
        ))
        .execute(conn)?;
    Ok(ids)
}

/// The subscription if `instance` still holds its lease and it is active; the lease renewed.
pub fn renew(
    conn: &mut DbConnection,
    id: &str,
    instance: &str,
    lease_until: NaiveDateTime,
) -> Result<Option<SubscriptionRow>, ApiError> {
    let touched = diesel::update(
        subscriptions::table
            .filter(subscriptions::id.eq(id))
            .filter(subscriptions::lease_owner.eq(instance))
            .filter(subscriptions::status.eq(SubscriptionStatus::Active.as_str())),
    )
    .set(subscriptions::lease_until.eq(lease_until))
    .execute(conn)?;
    if touched == 0 {
        return Ok(None);
    }
    find(conn, id)
}

/// What the worker writes on a subscription it holds.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = subscriptions)]
pub struct Progress {
    pub last_event_id: Option<i64>,
    pub retry_at: Option<Option<NaiveDateTime>>,
    pub failing_since: Option<Option<NaiveDateTime>>,
    pub status: Option<String>,
}

/// Writes `progress` if `instance` still holds the lease; whether it did.
pub fn advance(
    conn: &mut DbConnection,
    id: &str,
    instance: &str,
    progress: &Progress,
) -> Result<bool, ApiError> {
    let touched = diesel::update(
        subscriptions::table
            .filter(subscriptions::id.eq(id))
            .filter(subscriptions::lease_owner.eq(instance)),
    )
    .set(progress)
    .execute(conn)?;
    Ok(touched > 0)
}

/// Gives the lease back, so that any instance may take the subscription when it has work.
pub fn release(conn: &mut DbConnection, id: &str, instance: &str) -> Result<(), ApiError> {
    diesel::update(
        subscriptions::table
            .filter(subscriptions::id.eq(id))
            .filter(subscriptions::lease_owner.eq(instance)),
    )
    .set((
        subscriptions::lease_owner.eq(None::<String>),
        subscriptions::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Replays from `from_event_id`: the position goes back to just before it (never forward), a
/// waiting retry is no longer waited for, and when the replay reaches back to the head or
/// before it, `rewinds` counts one more, so that an attempt in flight (taken with the count
/// before) does not write its outcome over the replay (`still_unrewound`). Each is one
/// statement on the row, so neither a concurrent worker nor another replay is overwritten.
pub fn rewind(conn: &mut DbConnection, id: &str, from_event_id: i64) -> Result<(), ApiError> {
    get(conn, id)?;
    diesel::update(
        subscriptions::table
            .filter(subscriptions::id.eq(id))
            .filter(subscriptions::last_event_id.ge(from_event_id - 1)),
    )
    .set((
        subscriptions::last_event_id.eq(from_event_id - 1),
        subscriptions::rewinds.eq(subscriptions::rewinds + 1),
    ))
    .execute(conn)?;
    diesel::update(subscriptions::table.filter(subscriptions::id.eq(id)))
        .set(subscriptions::retry_at.eq(None::<NaiveDateTime>))
        .execute(conn)?;
    Ok(())
}

/// Whether no redelivery has moved the position back since the worker read `rewinds`; the
/// row is written (and so, on PostgreSQL, locked until the caller's transaction ends), so a
/// redelivery either came before and is seen here, or waits and comes after the caller's write.
pub fn still_unrewound(conn: &mut DbConnection, id: &str, rewinds: i64) -> Result<bool, ApiError> {
    let touched = diesel::update(
        subscriptions::table
            .filter(subscriptions::id.eq(id))
            .filter(subscriptions::rewinds.eq(rewinds)),
    )
    .set(subscriptions::rewinds.eq(rewinds))
    .execute(conn)?;
    Ok(touched > 0)
}

/// Sets the status on the service's own account (paused by a 410, suspended after failing too
/// long), as a new version, and gives up the lease.
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: SubscriptionStatus,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    diesel::update(subscriptions::table.filter(subscriptions::id.eq(id)))
        .set((
            subscriptions::status.eq(status.as_str()),
            subscriptions::retry_at.eq(None::<NaiveDateTime>),
            subscriptions::lease_owner.eq(None::<String>),
            subscriptions::lease_until.eq(None::<NaiveDateTime>),
            subscriptions::version.eq(subscriptions::version + 1),
            subscriptions::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
