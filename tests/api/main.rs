//! Black-box tests: each test starts the real server on port 0 with its own fresh database and
//! speaks HTTP to it. `cargo test` runs them on SQLite; with `TEST_DATABASE_URL=postgres://…`
//! the same tests run on PostgreSQL. The few that need PostgreSQL or Node are `#[ignore]`d with
//! the reason, so a plain run lists them as ignored; `cargo test -- --include-ignored` runs
//! them (CI's PostgreSQL run does), and there they fail if what they need is missing.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "a failed expectation in a test is the test failing"
)]

mod access;
mod advice_requests;
mod architecture;
mod assessments;
mod auth;
mod cli;
mod cluster;
mod conventions;
mod csv;
mod demo;
mod evaluations;
mod events;
mod generate;
mod health;
mod helpers;
mod hostile;
mod idempotency;
mod import;
mod integration;
mod mail;
mod metrics;
mod oidc;
mod openapi;
mod outbound;
mod partners;
mod personal_data;
mod policy_issues;
mod projects;
mod receiver;
mod reference;
mod report_feedback;
mod report_results;
mod reports;
mod scopes;
mod signals;
mod smtp_sink;
mod storage;
mod stream;
mod telemetry;
mod token_attacks;
mod tracking;
mod visibility;
mod webhooks;
mod werkbank;
mod worklist;
