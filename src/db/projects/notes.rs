//! The dialogue log of a project: append-only notes with their author.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::notes;
use crate::db::{DbConnection, new_id};
use crate::domain::events::Actor;
use crate::error::ApiError;

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

impl NoteRow {
    /// A new note of `project_id` by `author`, written `now`, with a fresh id.
    pub fn new(project_id: &str, text: String, author: Actor, now: NaiveDateTime) -> Self {
        Self {
            id: new_id(),
            project_id: project_id.to_owned(),
            text,
            author_sub: author.sub,
            author_role: author.role.to_owned(),
            author_name: author.name,
            created_at: now,
        }
    }
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
