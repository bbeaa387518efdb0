//! How long the database may take: PostgreSQL's statement timeouts for requests and for the
//! report and exports.

use std::time::Duration;

use super::number;

/// How long one statement of a request may run on PostgreSQL (milliseconds).
pub const DEFAULT_STATEMENT_TIMEOUT_MS: u64 = 10_000;
/// How long one statement of the progress report or a CSV export may run (milliseconds).
pub const DEFAULT_REPORT_STATEMENT_TIMEOUT_MS: u64 = 120_000;

/// How long one statement may run on PostgreSQL before it is cancelled (a 503
/// `database_busy`); SQLite runs in-process and has no such limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementTimeouts {
    /// Every request's statements (`WIJKREGIE_STATEMENT_TIMEOUT_MS`, default 10 s).
    pub request: Duration,
    /// The progress report's and the CSV exports' (`WIJKREGIE_REPORT_STATEMENT_TIMEOUT_MS`,
    /// default 120 s): they read the whole programme.
    pub report: Duration,
}

impl Default for StatementTimeouts {
    fn default() -> Self {
        Self {
            request: Duration::from_millis(DEFAULT_STATEMENT_TIMEOUT_MS),
            report: Duration::from_millis(DEFAULT_REPORT_STATEMENT_TIMEOUT_MS),
        }
    }
}

/// `WIJKREGIE_STATEMENT_TIMEOUT_MS` and `WIJKREGIE_REPORT_STATEMENT_TIMEOUT_MS`.
pub(super) fn statement_timeouts(
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> StatementTimeouts {
    StatementTimeouts {
        request: Duration::from_millis(number(
            var,
            "WIJKREGIE_STATEMENT_TIMEOUT_MS",
            DEFAULT_STATEMENT_TIMEOUT_MS,
            100,
            600_000,
            problems,
        )),
        report: Duration::from_millis(number(
            var,
            "WIJKREGIE_REPORT_STATEMENT_TIMEOUT_MS",
            DEFAULT_REPORT_STATEMENT_TIMEOUT_MS,
            100,
            3_600_000,
            problems,
        )),
    }
}
