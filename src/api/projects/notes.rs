//! The dialogue log of a project: append-only notes, each with its author.

use actix_web::{HttpResponse, web};
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::parts::{edit_project, list_parts, may_edit};
use crate::api::access::record_project_event;
use crate::api::input::{Fields, JsonObject, QueryParams, string, text};
use crate::auth::Authorized;
use crate::authz::ops;
use crate::db::Db;
use crate::db::projects::{self as repo, NoteRow};
use crate::domain::time;
use crate::error::ApiError;

/// A note in the dialogue log of a project (append-only).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub id: String,
    #[schema(example = "Spoke with the school; they join as co-financier.")]
    pub text: String,
    pub author: crate::api::events::EventActor,
    #[serde(with = "time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

impl From<NoteRow> for Note {
    fn from(row: NoteRow) -> Self {
        Self {
            id: row.id,
            text: row.text,
            author: crate::api::events::EventActor {
                sub: row.author_sub,
                role: row.author_role,
                // A note keeps its author's subject, role and name; the event that wrote it
                // has the rest.
                scope: None,
                name: row.author_name,
                client_id: None,
            },
            created_at: row.created_at,
        }
    }
}

/// The notes of a project.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "documentation only")]
pub struct NoteList {
    items: Vec<Note>,
}

/// A new note.
#[derive(Debug, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "documents the body read by Fields")]
pub struct NoteInput {
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"
    )]
    text: String,
}

/// The dialogue log of a project, oldest first.
#[utoipa::path(
    get, path = "/projects/{projectId}/notes", tag = "Project parts", operation_id = "list_notes",
    params(("projectId" = String, Path, description = "The project's id")),
    responses((status = 200, description = "The notes", body = NoteList), (status = 404, description = "No such project"))
)]
pub async fn list_notes(
    caller: Authorized<ops::ListNotes>,
    path: web::Path<String>,
    query: QueryParams,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    query.finish()?;
    list_parts::<_, Note>(&db, caller.principal, path.into_inner(), repo::notes_of).await
}

/// Add a note to the dialogue log; notes are never changed or removed.
#[utoipa::path(
    post, path = "/projects/{projectId}/notes", tag = "Project parts", operation_id = "create_note",
    params(("projectId" = String, Path, description = "The project's id")),
    request_body = NoteInput,
    responses(
        (status = 201, description = "Added", body = Note, headers(("Location" = String, description = "The notes of the project"))),
        (status = 404, description = "No such project"),
    )
)]
pub async fn create_note(
    caller: Authorized<ops::CreateNote>,
    path: web::Path<String>,
    body: JsonObject,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::new(body);
    let text = fields.required("text", string(text(5000)));
    let text = fields.finish(text)?;
    let project_id = path.into_inner();
    let location = format!("/api/v1/projects/{project_id}/notes");
    let note = edit_project(
        &db,
        caller.principal,
        project_id,
        "add notes",
        may_edit,
        move |conn, principal, project_id| {
            let row = NoteRow::new(project_id, text, principal.actor(), time::now());
            repo::insert_note(conn, &row)?;
            let note = Note::from(row);
            record_project_event(
                conn,
                principal,
                project_id,
                "note_added",
                json!({ "noteId": note.id, "text": note.text }),
            )?;
            Ok(note)
        },
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(note))
}
