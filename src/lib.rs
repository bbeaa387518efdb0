//! wijkregie: the service that coordinates The Hague's neighbourhood programme across
//! departments. `main.rs` is a thin CLI over this library, so that tests start the very same
//! server.
//!
//! Flow of a request: `routes` → `api/<resource>` (read input, `auth` route policy) →
//! `db/<resource>` (one transaction, with its event) → response or `error::ApiError`.

pub mod api;
pub mod auth;
pub mod authz;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod generate;
pub mod jobs;
pub mod listen;
pub mod openapi;
pub mod outbound;
pub mod reports;
pub mod request_id;
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod tls;
pub mod visibility;
pub mod werkbank;
