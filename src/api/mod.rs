//! The HTTP resources: one file per resource with its request and response types and thin
//! handlers (extract → read input → authorize → one database call → response).

mod access;
pub mod assessments;
pub mod departments;
pub mod districts;
pub mod event_stream;
pub mod events;
pub mod export;
pub mod health;
pub mod hostile_input;
pub mod http;
pub mod idempotency;
pub mod import;
pub mod input;
pub mod neighbourhoods;
pub mod partners;
pub mod personal_data;
pub mod policy_issues;
pub mod projects;
mod records;
pub mod reports;
pub mod signals;
pub mod subscriptions;
pub mod themes;
pub mod track;
pub mod vocabulary;
