//! Mail repo (DESIGN §15): who hears of a moment and what the message says, read when the mail
//! is sent — so an address erased or a consent withdrawn meanwhile is not mailed — and the
//! recipients' unsubscribe tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{advice_requests, departments, mail_recipients, partners, projects, signals};
use crate::domain::mail::{Recipient, Subject};
use crate::domain::tracking;
use crate::error::ApiError;

/// One recipient's unsubscribe token.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = mail_recipients)]
pub struct RecipientRow {
    pub token: String,
    pub kind: String,
    pub target_id: String,
    pub stopped_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl RecipientRow {
    pub fn recipient(&self) -> Option<Recipient> {
        Recipient::parse(&self.kind)
    }
}

/// One message to send: to whom, and their unsubscribe token.
#[derive(Debug, Clone)]
pub struct Addressee {
    pub email: String,
    pub recipient: Recipient,
    /// The partner's name for a partner's contact; none for a reporter (whose name is not used).
    pub organisation: Option<String>,
    pub token: String,
}

/// What the messages about a signal or project say, as it stands now.
#[derive(Debug, Clone, Default)]
pub struct Particulars {
    pub title: String,
    pub tracking_code: Option<String>,
    pub due_at: Option<NaiveDateTime>,
    pub department: Option<String>,
    pub response: Option<String>,
}

/// The addressees of a moment about `resource_id` and what to tell them; none when the
/// resource is gone.
pub fn letters(
    conn: &mut DbConnection,
    subject: Subject,
    resource_id: &str,
    now: NaiveDateTime,
) -> Result<Option<(Particulars, Vec<Addressee>)>, ApiError> {
    match subject {
        Subject::Signal => signal_letters(conn, resource_id, now),
        Subject::Project => project_letters(conn, resource_id, now),
        Subject::AdviceRequest => advice_letters(conn, resource_id, now),
    }
}

/// The asked department's contact address (unless it has none or unsubscribed), told the
/// project, the question and the date the advice is due.
fn advice_letters(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> Result<Option<(Particulars, Vec<Addressee>)>, ApiError> {
    let row: Option<(
        String,
        String,
        NaiveDateTime,
        String,
        String,
        Option<String>,
    )> = advice_requests::table
        .inner_join(projects::table.on(projects::id.eq(advice_requests::project_id)))
        .inner_join(departments::table.on(departments::id.eq(advice_requests::department_id)))
        .filter(advice_requests::id.eq(id))
        .select((
            projects::title,
            advice_requests::question,
            advice_requests::due_at,
            departments::id,
            departments::name,
            departments::contact_email,
        ))
        .first(conn)
        .optional()?;
    let Some((title, question, due_at, department_id, name, email)) = row else {
        return Ok(None);
    };
    let mut addressees = Vec::new();
    if let Some(email) = email {
        if let Some(token) = token(conn, Recipient::Department, &department_id, now)? {
            addressees.push(Addressee {
                email,
                recipient: Recipient::Department,
                organisation: Some(name.clone()),
                token,
            });
        }
    }
    let particulars = Particulars {
        title,
        // The last moment to give it: the day it is due.
        due_at: Some(due_at - chrono::Duration::days(1)),
        department: Some(name),
        response: Some(question),
        ..Particulars::default()
    };
    Ok(Some((particulars, addressees)))
}

type SignalMailRow = (
    String,
    String,
    NaiveDateTime,
    String,
    Option<String>,
    Option<String>,
    bool,
    Option<String>,
);

fn signal_letters(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> Result<Option<(Particulars, Vec<Addressee>)>, ApiError> {
    let row: Option<SignalMailRow> = signals::table
        .inner_join(departments::table.on(departments::id.eq(signals::assigned_department_id)))
        .filter(signals::id.eq(id))
        .select((
            signals::title,
            signals::tracking_code,
            signals::due_at,
            departments::name,
            signals::response,
            signals::reporter_email,
            signals::reporter_wants_updates,
            signals::reported_by_partner_id,
        ))
        .first(conn)
        .optional()?;
    let Some((title, code, due_at, department, response, email, wants_updates, partner)) = row
    else {
        return Ok(None);
    };
    let mut addressees = Vec::new();
    if let (true, Some(email)) = (wants_updates, email) {
        if let Some(token) = token(conn, Recipient::Reporter, id, now)? {
            addressees.push(Addressee {
                email,
                recipient: Recipient::Reporter,
                organisation: None,
                token,
            });
        }
    }
    if let Some(partner_id) = partner {
        addressees.extend(partner_contact(conn, &partner_id, now)?);
    }
    let particulars = Particulars {
        title,
        tracking_code: Some(code),
        due_at: Some(due_at),
        department: Some(department),
        response,
    };
    Ok(Some((particulars, addressees)))
}

fn project_letters(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> Result<Option<(Particulars, Vec<Addressee>)>, ApiError> {
    let row: Option<(String, Option<NaiveDateTime>, Option<String>)> = projects::table
        .filter(projects::id.eq(id))
        .select((
            projects::title,
            projects::response_due_at,
            projects::initiator_partner_id,
        ))
        .first(conn)
        .optional()?;
    let Some((title, response_due_at, partner)) = row else {
        return Ok(None);
    };
    let addressees = match partner {
        Some(partner_id) => partner_contact(conn, &partner_id, now)?
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    let particulars = Particulars {
        title,
        due_at: response_due_at,
        ..Particulars::default()
    };
    Ok(Some((particulars, addressees)))
}

/// The partner's contact, unless it has no address or unsubscribed.
fn partner_contact(
    conn: &mut DbConnection,
    partner_id: &str,
    now: NaiveDateTime,
) -> Result<Option<Addressee>, ApiError> {
    let row: Option<(String, Option<String>)> = partners::table
        .filter(partners::id.eq(partner_id))
        .select((partners::name, partners::contact_email))
        .first(conn)
        .optional()?;
    let Some((name, Some(email))) = row else {
        return Ok(None);
    };
    Ok(
        token(conn, Recipient::Partner, partner_id, now)?.map(|token| Addressee {
            email,
            recipient: Recipient::Partner,
            organisation: Some(name),
            token,
        }),
    )
}

/// The recipient's unsubscribe token, made on first use; `None` once they unsubscribed.
fn token(
    conn: &mut DbConnection,
    recipient: Recipient,
    target_id: &str,
    now: NaiveDateTime,
) -> Result<Option<String>, ApiError> {
    let found: Option<RecipientRow> = mail_recipients::table
        .filter(mail_recipients::kind.eq(recipient.as_str()))
        .filter(mail_recipients::target_id.eq(target_id))
        .select(RecipientRow::as_select())
        .first(conn)
        .optional()?;
    if let Some(row) = found {
        return Ok(row.stopped_at.is_none().then_some(row.token));
    }
    let row = RecipientRow {
        token: tracking::new_code(),
        kind: recipient.as_str().to_owned(),
        target_id: target_id.to_owned(),
        stopped_at: None,
        created_at: now,
    };
    diesel::insert_into(mail_recipients::table)
        .values(&row)
        .execute(conn)?;
    Ok(Some(row.token))
}

/// The recipient of an unsubscribe token.
pub fn find_token(conn: &mut DbConnection, token: &str) -> Result<Option<RecipientRow>, ApiError> {
    Ok(mail_recipients::table
        .find(token)
        .select(RecipientRow::as_select())
        .first(conn)
        .optional()?)
}

/// Unsubscribes the token's recipient (a reporter's consent on the signal is withdrawn, as a
/// new version of the signal); whether anything changed.
pub fn stop(
    conn: &mut DbConnection,
    row: &RecipientRow,
    now: NaiveDateTime,
) -> Result<bool, ApiError> {
    if row.stopped_at.is_some() {
        return Ok(false);
    }
    diesel::update(mail_recipients::table.find(&row.token))
        .set(mail_recipients::stopped_at.eq(now))
        .execute(conn)?;
    if row.recipient() == Some(Recipient::Reporter) {
        diesel::update(
            signals::table
                .filter(signals::id.eq(&row.target_id))
                .filter(signals::reporter_wants_updates.eq(true)),
        )
        .set((
            signals::reporter_wants_updates.eq(false),
            signals::version.eq(signals::version + 1),
            signals::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(true)
}
