//! Background jobs: work the service does on a timer or on its own rather than on a request.
//! They use `db` and `domain` like handlers do, but answer no one over HTTP.

pub mod idempotency;
pub mod overdue;
pub mod retention;
pub mod webhooks;
