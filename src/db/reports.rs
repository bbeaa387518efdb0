//! The progress report's figures, computed by aggregate queries in the database.
//!
//! Two queries, one over the projects and one over the signals, each reading its table once and
//! returning a few hundred rows at most, whatever the number of projects or signals: per
//! neighbourhood (and a total row with `grp` NULL), per theme, per department or per quarter.
//! The handler only divides and rounds what comes back. The SQL is raw because it needs window functions
//! and `UNION ALL`, which diesel's query builder does not offer on both backends; it is the same
//! text for both but for the expression in [`Dialect`].

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Double, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::{Connection, QueryableByName, RunQueryDsl};

pub use self::advice::AdviceFigure;
use self::advice::advice_figures;
use self::results::council_figures;
pub use self::results::{CouncilFigures, GoalFigures, PolicyChangeFigure};
use super::evaluations::Lesson;
use super::schema::{policy_issue_signals, policy_issues, signals};
use super::{DbConnection, evaluations};
use crate::domain::projects::EFFECTS;
use crate::error::ApiError;

mod advice;
mod results;

/// What the report covers. Projects are selected by `created_at`, signals by `received_at`;
/// `until` is exclusive (the day after the report's `to`).
#[derive(Debug, Clone)]
pub struct ReportScope {
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub district_id: Option<String>,
    pub now: NaiveDateTime,
    /// The quarters shown inside the period, each `[start, end)`, in order.
    pub quarters: Vec<(NaiveDateTime, NaiveDateTime)>,
}

/// The project figures of one neighbourhood (`grp`) or of the total (`grp` NULL), per status:
/// the projects, and over them the sums the report shows. Money, effects and links are
/// non-zero only for the statuses they count (see [`projects`]). The total rows are split
/// further by the quarter of creation (`quarter`, see [`ReportScope::quarters`]; NULL outside
/// them), so the sum of a status's total rows is the total.
#[derive(Debug, QueryableByName)]
pub struct ProjectFigures {
    #[diesel(sql_type = Nullable<Text>)]
    pub grp: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub quarter: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub projects: i64,
    /// Submitted projects past their `responseDueAt`.
    #[diesel(sql_type = BigInt)]
    pub waiting: i64,
    #[diesel(sql_type = BigInt)]
    pub total_cents: i64,
    #[diesel(sql_type = BigInt)]
    pub programme_cents: i64,
    /// Projects past draft, their link ends, and those without links.
    #[diesel(sql_type = BigInt)]
    pub past_draft: i64,
    #[diesel(sql_type = BigInt)]
    pub links: i64,
    #[diesel(sql_type = BigInt)]
    pub unlinked: i64,
    /// Per effect, in the order of [`EFFECTS`], projects that score it substantial.
    #[diesel(sql_type = BigInt)]
    pub effect_1: i64,
    #[diesel(sql_type = BigInt)]
    pub effect_2: i64,
    #[diesel(sql_type = BigInt)]
    pub effect_3: i64,
    #[diesel(sql_type = BigInt)]
    pub effect_4: i64,
    #[diesel(sql_type = BigInt)]
    pub effect_5: i64,
    #[diesel(sql_type = BigInt)]
    pub effect_6: i64,
}

impl ProjectFigures {
    /// The effect counts in the order of [`EFFECTS`].
    pub fn effects(&self) -> [i64; 6] {
        [
            self.effect_1,
            self.effect_2,
            self.effect_3,
            self.effect_4,
            self.effect_5,
            self.effect_6,
        ]
    }
}

/// Signal figures of one group: `dimension` is `neighbourhood`, `theme`, `department`,
/// `total` (with `grp` NULL) or `quarter` (with `grp` NULL and the quarter's index in
/// `quarter`).
#[derive(Debug, QueryableByName)]
pub struct SignalFigures {
    #[diesel(sql_type = Text)]
    pub dimension: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub grp: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub quarter: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub received: i64,
    #[diesel(sql_type = BigInt)]
    pub answered: i64,
    #[diesel(sql_type = BigInt)]
    pub answered_on_time: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue_now: i64,
    #[diesel(sql_type = BigInt)]
    pub hand_offs: i64,
    /// Signals with `policy_feedback`.
    #[diesel(sql_type = BigInt)]
    pub policy_feedback: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub median_days: Option<f64>,
}

/// The figures of one quarter of the period (`quarter`: its index in [`ReportScope::quarters`]).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct QuarterFigures {
    pub quarter: i64,
    /// Projects created, or signals received.
    pub count: i64,
    /// Signals only: answered, answered on time, with policy feedback.
    pub answered: i64,
    pub answered_on_time: i64,
    pub policy_feedback: i64,
}

/// A policy issue raised in the period.
#[derive(Debug, Clone, Queryable)]
pub struct IssueFigure {
    pub theme_id: String,
    pub department_id: String,
    pub status: String,
    pub position: Option<String>,
    pub raised_at: Option<NaiveDateTime>,
    pub response_due_at: Option<NaiveDateTime>,
}

/// Everything the report needs from the database.
#[derive(Debug)]
pub struct Figures {
    pub projects: Vec<ProjectFigures>,
    pub signals: Vec<SignalFigures>,
    pub later: LaterFigures,
    pub council: CouncilFigures,
}

/// The figures of policy feedback, learning and the quarters (DESIGN §13).
#[derive(Debug, Default)]
pub struct LaterFigures {
    pub quarter_projects: Vec<QuarterFigures>,
    pub quarter_signals: Vec<QuarterFigures>,
    pub issues: Vec<IssueFigure>,
    pub lessons: Vec<Lesson>,
    pub advice: Vec<AdviceFigure>,
}

/// Statuses of the projects that deliver: approved and everything after it but `stopped`.
const DELIVERING: &str = "('approved', 'running', 'completed', 'evaluated')";
/// Signal statuses that count as answered.
const ANSWERED: &str = "('answered', 'closed')";

/// The report's figures, in one snapshot so they agree with each other while writers go on.
///
/// Each big table is read once: the quarter figures come out of the same passes as the rest
/// (the project pass splits its total rows by quarter, the signal pass groups by quarter too).
/// On PostgreSQL with a `spare` connection the project and signal queries run side by side
/// (each is a few hundred milliseconds at city scale, and PostgreSQL runs one query per
/// connection); the second transaction imports the first one's snapshot, so both see the same
/// data.
pub fn figures(
    conn: &mut DbConnection,
    spare: Option<&mut DbConnection>,
    scope: &ReportScope,
) -> Result<Figures, ApiError> {
    let projects_sql = projects(scope);
    match (conn, spare) {
        (conn @ DbConnection::Pg(_), Some(DbConnection::Pg(other))) => {
            let signals_sql = signals(scope, Dialect::Postgres);
            conn.transaction(|conn| {
                conn.batch_execute(PG_REPORT_TRANSACTION)?;
                let snapshot = diesel::select(diesel::dsl::sql::<Text>("pg_export_snapshot()"))
                    .get_result::<String>(conn)?;
                std::thread::scope(|threads| {
                    let signal_rows = threads.spawn(move || {
                        other.transaction(|other| {
                            other.batch_execute(&format!(
                                "{PG_REPORT_TRANSACTION}; SET TRANSACTION SNAPSHOT '{}'",
                                snapshot.replace('\'', "")
                            ))?;
                            Ok::<_, ApiError>(bind::<Pg>(&signals_sql).load(other)?)
                        })
                    });
                    // The projects, then the small tables, while the signals are counted.
                    let project_rows = load(conn, projects_sql)?;
                    let (issues, lessons) = feedback_figures(conn, scope)?;
                    let advice = advice_figures(conn, scope)?;
                    let council = council_figures(conn, scope)?;
                    let signal_rows = signal_rows.join().map_err(|_| {
                        ApiError::Internal("the signal figures' query thread failed".to_owned())
                    })??;
                    let mut figures =
                        Figures::new(project_rows, signal_rows, issues, lessons).with(council);
                    figures.later.advice = advice;
                    Ok(figures)
                })
            })
        }
        (conn, _) => {
            let dialect = match conn {
                DbConnection::Pg(_) => Dialect::Postgres,
                DbConnection::Sqlite(_) => Dialect::Sqlite,
            };
            // On SQLite (WAL) a read transaction is a snapshot.
            conn.transaction(|conn| {
                if let DbConnection::Pg(pg) = conn {
                    pg.batch_execute(PG_REPORT_TRANSACTION)?;
                }
                let project_rows = load(conn, projects_sql)?;
                let signal_rows = load(conn, signals(scope, dialect))?;
                let (issues, lessons) = feedback_figures(conn, scope)?;
                let council = council_figures(conn, scope)?;
                let mut figures =
                    Figures::new(project_rows, signal_rows, issues, lessons).with(council);
                figures.later.advice = advice_figures(conn, scope)?;
                Ok(figures)
            })
        }
    }
}

impl Figures {
    /// Sorts the rows of the two passes: the quarter rows become [`LaterFigures`].
    fn new(
        projects: Vec<ProjectFigures>,
        signals: Vec<SignalFigures>,
        issues: Vec<IssueFigure>,
        lessons: Vec<Lesson>,
    ) -> Self {
        let mut created: BTreeMap<i64, i64> = BTreeMap::new();
        for row in projects.iter().filter(|r| r.grp.is_none()) {
            if let Some(quarter) = row.quarter {
                *created.entry(quarter).or_default() += row.projects;
            }
        }
        let quarter_projects = created
            .into_iter()
            .map(|(quarter, count)| QuarterFigures {
                quarter,
                count,
                ..QuarterFigures::default()
            })
            .collect();
        let (quarter_rows, signals): (Vec<_>, Vec<_>) =
            signals.into_iter().partition(|r| r.dimension == "quarter");
        let quarter_signals = quarter_rows
            .into_iter()
            .filter_map(|r| {
                Some(QuarterFigures {
                    quarter: r.quarter?,
                    count: r.received,
                    answered: r.answered,
                    answered_on_time: r.answered_on_time,
                    policy_feedback: r.policy_feedback,
                })
            })
            .collect();
        Self {
            projects,
            signals,
            later: LaterFigures {
                quarter_projects,
                quarter_signals,
                issues,
                lessons,
                advice: Vec::new(),
            },
            council: CouncilFigures::default(),
        }
    }

    fn with(self, council: CouncilFigures) -> Self {
        Self { council, ..self }
    }
}

/// The most lessons of a period the report shows.
const LESSONS: i64 = 20;

/// The policy issues raised in the period and its lessons: small tables, read by index.
fn feedback_figures(
    conn: &mut DbConnection,
    scope: &ReportScope,
) -> Result<(Vec<IssueFigure>, Vec<Lesson>), ApiError> {
    let mut issues = policy_issues::table
        .select((
            policy_issues::theme_id,
            policy_issues::department_id,
            policy_issues::status,
            policy_issues::response_position,
            policy_issues::raised_at,
            policy_issues::response_due_at,
        ))
        .filter(policy_issues::raised_at.is_not_null())
        .into_boxed();
    if let Some(from) = scope.from {
        issues = issues.filter(policy_issues::raised_at.ge(from));
    }
    if let Some(until) = scope.until {
        issues = issues.filter(policy_issues::raised_at.lt(until));
    }
    if let Some(district) = &scope.district_id {
        issues = issues.filter(
            policy_issues::id.eq_any(
                policy_issue_signals::table
                    .inner_join(signals::table.on(signals::id.eq(policy_issue_signals::signal_id)))
                    .filter(signals::district_id.eq(district.clone()))
                    .select(policy_issue_signals::policy_issue_id),
            ),
        );
    }
    let issues = issues.order(policy_issues::id).load::<IssueFigure>(conn)?;
    let lessons = evaluations::of_period(
        conn,
        scope.from,
        scope.until,
        scope.district_id.as_deref(),
        LESSONS,
    )?;
    Ok((issues, lessons))
}

/// The report's transaction on PostgreSQL: a read-only snapshot. `work_mem`: the estimate of
/// groups in the signal scan is far too high, and with the default 4 MB PostgreSQL sorts a
/// million rows on disk instead of hashing a few thousand groups (2.6 s against 0.6 s at a
/// million signals). `jit`: the same estimate puts the signal query's cost past the threshold
/// at which PostgreSQL compiles its expressions with inlining and optimisation, and compiling
/// its ninety-odd functions took longer than running the whole query without (5.3 s of 9.2 s
/// at a million signals on a busy machine); the work is hashing, which compiled expressions
/// do not speed up.
const PG_REPORT_TRANSACTION: &str = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; \
     SET LOCAL work_mem = '64MB'; SET LOCAL jit = off";

/// One pass over the projects in scope: each project's facts (its waiting answer, its
/// committed and received money and its effects when it delivers, its links when past draft)
/// are gathered once, then summed per neighbourhood (through `project_neighbourhoods`, so a
/// project in two neighbourhoods counts in both) and in total (each project once), per status;
/// the total also per quarter of creation, which gives the quarters' projects created.
fn projects(scope: &ReportScope) -> Sql {
    let mut sql = Sql::default();
    let effect_flags = EFFECTS
        .iter()
        .enumerate()
        .map(|(i, effect)| {
            format!(
                "MAX(CASE WHEN effect = '{effect}' THEN 1 ELSE 0 END) AS e{}",
                i + 1
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let delivering_effects = (1..=EFFECTS.len())
        .map(|i| {
            format!(
                "CASE WHEN p.status IN {DELIVERING} THEN COALESCE(sc.e{i}, 0) ELSE 0 END AS e{i}"
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let due = sql.param(Param::Timestamp(scope.now));
    let quarter = sql.quarter_of("p.created_at", &scope.quarters);
    sql.push(&format!(
        "WITH funding AS (SELECT project_id, SUM(amount_cents) AS total_cents, \
           SUM(CASE WHEN source_type = 'programme' THEN amount_cents ELSE 0 END) AS programme_cents \
           FROM funding_lines WHERE status IN ('committed', 'received') GROUP BY project_id), \
         link_ends AS (SELECT project_id FROM project_links \
           UNION ALL SELECT target_project_id FROM project_links), \
         link_counts AS (SELECT project_id, COUNT(*) AS links FROM link_ends GROUP BY project_id), \
         scores AS (SELECT assessment_id, {effect_flags} FROM assessment_scores WHERE score = 2 \
           GROUP BY assessment_id), \
         per_project AS MATERIALIZED (SELECT p.id AS id, p.status AS status, \
           CASE WHEN p.status = 'submitted' AND p.response_due_at < {due} THEN 1 ELSE 0 END \
             AS waiting, \
           CASE WHEN p.status IN {DELIVERING} THEN COALESCE(fu.total_cents, 0) ELSE 0 END \
             AS total_cents, \
           CASE WHEN p.status IN {DELIVERING} THEN COALESCE(fu.programme_cents, 0) ELSE 0 END \
             AS programme_cents, \
           CASE WHEN p.status <> 'draft' THEN 1 ELSE 0 END AS past_draft, \
           CASE WHEN p.status <> 'draft' THEN COALESCE(lc.links, 0) ELSE 0 END AS links, \
           CASE WHEN p.status <> 'draft' AND lc.links IS NULL THEN 1 ELSE 0 END AS unlinked, \
           {delivering_effects}, \
           {quarter} AS quarter \
           FROM projects p \
           LEFT JOIN funding fu ON fu.project_id = p.id \
           LEFT JOIN link_counts lc ON lc.project_id = p.id \
           LEFT JOIN scores sc ON sc.assessment_id = p.assessment_id \
           WHERE 1 = 1"
    ));
    sql.project_scope(scope);
    let sums = [
        "waiting",
        "total_cents",
        "programme_cents",
        "past_draft",
        "links",
        "unlinked",
    ]
    .iter()
    .map(|c| format!("CAST(COALESCE(SUM(pp.{c}), 0) AS BIGINT) AS {c}"))
    .chain(
        (1..=EFFECTS.len())
            .map(|i| format!("CAST(COALESCE(SUM(pp.e{i}), 0) AS BIGINT) AS effect_{i}")),
    )
    .collect::<Vec<_>>()
    .join(", ");
    sql.push(&format!(
        ") SELECT pn.neighbourhood_id AS grp, pp.status AS status, \
         CAST(NULL AS BIGINT) AS quarter, COUNT(*) AS projects, {sums} \
         FROM per_project pp JOIN project_neighbourhoods pn ON pn.project_id = pp.id \
         GROUP BY pn.neighbourhood_id, pp.status \
         UNION ALL SELECT CAST(NULL AS TEXT), pp.status, CAST(pp.quarter AS BIGINT), COUNT(*), \
         {sums} FROM per_project pp GROUP BY pp.status, pp.quarter"
    ));
    sql
}

/// One pass over the signals in scope into two small tables at once: the fine rows
/// (neighbourhood × theme × department × calendar days to answer) and the rows per day of
/// receipt, which give the quarter rows (quarter of receipt × answered or not). The five
/// dimensions and the medians are then aggregated from those, so the report costs one scan of
/// `signals` however many dimensions it shows.
///
/// On PostgreSQL the two groupings are `GROUPING SETS` of one aggregation, which hashes both in
/// the same scan; the second set is the day of receipt rather than the quarter, because the
/// quarters are whole days (midnight to midnight) and the migration `report_statistics` gives
/// the planner the distinct counts of exactly these expressions. Without those statistics it
/// expected two million groups, sorted the million signals on disk instead of hashing and took
/// three times as long. The statistics only count when the grouping names the table's own
/// expressions: grouped through a subquery's columns (an earlier form of this query), they
/// become placeholders under `GROUPING SETS`, the planner finds no statistics for them and
/// sorts again (2.7 s against 0.75 s for the aggregation at a million signals). Grouping by quarter and days together instead gave 78,000 fine rows at
/// a million signals (30,000 without the quarter) and made the hashing the report's slowest
/// part. SQLite has no grouping sets: there the two are a `UNION ALL` of two scans, and the
/// second groups by quarter directly.
fn signals(scope: &ReportScope, dialect: Dialect) -> Sql {
    let mut sql = Sql::default();
    let days = days_to_answer(dialect, "s.");
    let answered = answered_flag("s.");
    // SQLite numbers `$n` in the order they appear, so its quarter parameters come first.
    let received = match dialect {
        Dialect::Postgres => day_of_receipt("s."),
        Dialect::Sqlite => sql.quarter_of("s.received_at", &scope.quarters),
    };
    let overdue_at = sql.param(Param::Timestamp(scope.now));
    let mut selection = String::new();
    if let Some(from) = scope.from {
        let p = sql.param(Param::Timestamp(from));
        selection.push_str(&format!(" AND s.received_at >= {p}"));
    }
    if let Some(until) = scope.until {
        let p = sql.param(Param::Timestamp(until));
        selection.push_str(&format!(" AND s.received_at < {p}"));
    }
    if let Some(district) = &scope.district_id {
        let p = sql.param(Param::Text(district.clone()));
        selection.push_str(&format!(" AND s.district_id = {p}"));
    }
    // The tallies of a group, over `s` (the table on PostgreSQL, `base` on SQLite).
    let sums = |past_due: &str| {
        format!(
            "COUNT(*) AS received_count, \
             COUNT(*) FILTER (WHERE s.answered_at <= s.due_at) AS before_due, \
             COUNT(*) FILTER (WHERE {past_due}) AS past_due, \
             SUM(s.reassignment_count) AS hand_offs, \
             SUM(CASE WHEN s.policy_feedback THEN 1 ELSE 0 END) AS feedback"
        )
    };
    let tallies = "received_count, before_due, past_due, hand_offs, feedback";
    // One scan gives two kinds of rows, told apart by `per_quarter`: 0 for the fine rows (per
    // neighbourhood, theme, department, days to answer and answered), 1 for the rows per
    // `received` (the day of receipt on PostgreSQL, the quarter on SQLite) and answered.
    let fine = match dialect {
        Dialect::Postgres => format!(
            "WITH fine AS MATERIALIZED (SELECT s.neighbourhood_id AS nb, s.theme_id AS th, \
             s.assigned_department_id AS dp, {days} AS days, {answered} AS ans, \
             {received} AS received, GROUPING(s.neighbourhood_id) AS per_quarter, {sums} \
             FROM signals s WHERE 1 = 1{selection} \
             GROUP BY GROUPING SETS ((s.neighbourhood_id, s.theme_id, s.assigned_department_id, \
             {days}, {answered}), ({received}, {answered})))",
            sums = sums(&format!("s.due_at < {overdue_at}"))
        ),
        // SQLite binds `$n` in the order of first appearance: the quarters, the moment, then
        // the selection, as they were allocated.
        Dialect::Sqlite => format!(
            "WITH base AS (SELECT s.neighbourhood_id AS nb, s.theme_id AS th, \
             s.assigned_department_id AS dp, {days} AS days, {answered} AS ans, \
             {received} AS received, s.due_at < {overdue_at} AS is_past_due, s.answered_at, \
             s.due_at, s.reassignment_count, s.policy_feedback FROM signals s WHERE 1 = 1{selection}), \
             fine AS MATERIALIZED (\
             SELECT nb, th, dp, days, ans, NULL AS received, 0 AS per_quarter, {sums} \
             FROM base s GROUP BY nb, th, dp, days, ans \
             UNION ALL SELECT NULL, NULL, NULL, NULL, ans, received, 1, {sums} FROM base s \
             GROUP BY received, ans)",
            sums = sums("s.is_past_due")
        ),
    };
    let quarter = match dialect {
        Dialect::Postgres => sql.quarter_of("received", &scope.quarters),
        Dialect::Sqlite => "received".to_owned(),
    };
    sql.push(&format!(
        "{fine}, \
         quarter_rows AS (SELECT {quarter} AS qt, ans, {tallies} FROM fine \
           WHERE per_quarter = 1), "
    ));
    // Every dimension as (dimension, key) over the fine rows.
    let dimensions = [
        ("neighbourhood", "nb"),
        ("theme", "th"),
        ("department", "dp"),
        ("total", "CAST(NULL AS TEXT)"),
    ];
    // The quarters are a dimension of their own, keyed by `quarter` rather than `grp`, over the
    // quarter rows of the signals inside them.
    let union = |select: &str| {
        dimensions
            .iter()
            .map(|(name, key)| {
                let group_by = if *name == "total" {
                    String::new()
                } else {
                    format!(" GROUP BY {key}")
                };
                format!(
                    "SELECT '{name}' AS dimension, {key} AS grp, CAST(NULL AS BIGINT) AS quarter, \
                     {select} FROM fine WHERE per_quarter = 0{group_by}"
                )
            })
            .chain([format!(
                "SELECT 'quarter', CAST(NULL AS TEXT), CAST(qt AS BIGINT), {select} \
                 FROM quarter_rows WHERE qt IS NOT NULL GROUP BY qt"
            )])
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    };
    // Both kinds of rows keep `ans`: answered signals count as answered (on time when answered
    // before due), the others as overdue when past due. Deciding this per aggregated row rather
    // than per signal saves a third of the scan's cost at a million rows.
    let counts = union(
        &[
            ("received_count", "received"),
            (
                "CASE WHEN ans = 1 THEN received_count ELSE 0 END",
                "answered",
            ),
            (
                "CASE WHEN ans = 1 THEN before_due ELSE 0 END",
                "answered_on_time",
            ),
            ("CASE WHEN ans = 0 THEN past_due ELSE 0 END", "overdue_now"),
            ("hand_offs", "hand_offs"),
            ("feedback", "policy_feedback"),
        ]
        .map(|(column, alias)| format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT) AS {alias}"))
        .join(", "),
    );
    // The histogram of calendar days to answer per group; `days` repeats per group, so regroup.
    let histogram = dimensions
        .iter()
        .map(|(name, key)| {
            let group_key = if *name == "total" {
                String::new()
            } else {
                format!("{key}, ")
            };
            format!(
                "SELECT '{name}' AS dimension, {key} AS grp, days, SUM(received_count) AS n \
                 FROM fine \
                 WHERE per_quarter = 0 AND days IS NOT NULL GROUP BY {group_key}days"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    // The median of N sorted values is the mean of the values at positions ceil(N/2) and
    // floor(N/2) + 1: the smallest `days` whose running count reaches 2·count ≥ N, and the
    // smallest whose running count passes 2·count > N.
    sql.push(&format!(
        "counts AS ({counts}), \
         histogram AS ({histogram}), \
         running AS (SELECT dimension, grp, days, \
           SUM(n) OVER (PARTITION BY dimension, grp ORDER BY days) AS upto, \
           SUM(n) OVER (PARTITION BY dimension, grp) AS answered FROM histogram), \
         medians AS (SELECT dimension, grp, \
           (MIN(CASE WHEN 2 * upto >= answered THEN days END) \
            + MIN(CASE WHEN 2 * upto > answered THEN days END)) / 2.0 AS median_days \
           FROM running GROUP BY dimension, grp) \
         SELECT c.dimension AS dimension, c.grp AS grp, c.quarter AS quarter, \
           c.received AS received, \
           c.answered AS answered, c.answered_on_time AS answered_on_time, \
           c.overdue_now AS overdue_now, c.hand_offs AS hand_offs, \
           c.policy_feedback AS policy_feedback, \
           CAST(m.median_days AS DOUBLE PRECISION) AS median_days \
         FROM counts c LEFT JOIN medians m ON m.dimension = c.dimension \
           AND (m.grp = c.grp OR (m.grp IS NULL AND c.grp IS NULL))"
    ));
    sql
}

/// The expressions that differ between the backends.
#[derive(Debug, Clone, Copy)]
enum Dialect {
    Postgres,
    Sqlite,
}

/// The signal pass's grouped expressions, one definition each: the PostgreSQL migration
/// `report_statistics` declares statistics on the same expressions (with no table prefix), and
/// a test holds the two together; the planner only uses statistics on an expression it finds
/// unchanged in the query.
///
/// Calendar days (UTC) from receipt to answer for an answered signal, NULL for the others:
/// exact integer arithmetic on dates on both backends (no floating point), and on PostgreSQL a
/// third of the cost of interval arithmetic over a million rows.
fn days_to_answer(dialect: Dialect, prefix: &str) -> String {
    let days = match dialect {
        Dialect::Postgres => {
            format!("(CAST({prefix}answered_at AS DATE) - CAST({prefix}received_at AS DATE))")
        }
        Dialect::Sqlite => format!(
            "CAST(julianday(date({prefix}answered_at)) - julianday(date({prefix}received_at)) \
             AS INTEGER)"
        ),
    };
    format!("(CASE WHEN {prefix}status IN {ANSWERED} THEN {days} END)")
}

/// 1 for an answered signal, 0 for the others.
fn answered_flag(prefix: &str) -> String {
    format!("(CASE WHEN {prefix}status IN {ANSWERED} THEN 1 ELSE 0 END)")
}

/// The calendar day (UTC) of receipt, on PostgreSQL.
fn day_of_receipt(prefix: &str) -> String {
    format!("(CAST({prefix}received_at AS DATE))")
}

/// A query's text with `$n` placeholders, numbered in the order they appear (which is how
/// SQLite binds them), and their values.
#[derive(Debug, Default)]
struct Sql {
    text: String,
    params: Vec<Param>,
}

#[derive(Debug, Clone)]
enum Param {
    Timestamp(NaiveDateTime),
    Text(String),
}

impl Sql {
    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Adds a value and returns its placeholder. Call it in the order the text is written.
    fn param(&mut self, value: Param) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    /// The index in `quarters` of the quarter that holds the moment `at`, NULL outside them.
    /// The quarters follow each other without gaps, so after the first one's start each one's
    /// end decides.
    fn quarter_of(&mut self, at: &str, quarters: &[(NaiveDateTime, NaiveDateTime)]) -> String {
        let Some((start, _)) = quarters.first() else {
            return "CAST(NULL AS BIGINT)".to_owned();
        };
        let start = self.param(Param::Timestamp(*start));
        let mut case = format!("CASE WHEN {at} < {start} THEN NULL");
        for (i, (_, end)) in quarters.iter().enumerate() {
            let end = self.param(Param::Timestamp(*end));
            case.push_str(&format!(" WHEN {at} < {end} THEN {i}"));
        }
        case.push_str(" END");
        case
    }

    /// The report's selection of projects (alias `p`).
    fn project_scope(&mut self, scope: &ReportScope) {
        if let Some(from) = scope.from {
            let p = self.param(Param::Timestamp(from));
            self.push(&format!(" AND p.created_at >= {p}"));
        }
        if let Some(until) = scope.until {
            let p = self.param(Param::Timestamp(until));
            self.push(&format!(" AND p.created_at < {p}"));
        }
        if let Some(district) = &scope.district_id {
            let p = self.param(Param::Text(district.clone()));
            self.push(&format!(" AND p.district_id = {p}"));
        }
    }
}

fn bind<DB>(sql: &Sql) -> BoxedSqlQuery<'static, DB, SqlQuery>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<Timestamp>
        + diesel::sql_types::HasSqlType<Text>,
    NaiveDateTime: diesel::serialize::ToSql<Timestamp, DB>,
    String: diesel::serialize::ToSql<Text, DB>,
{
    let mut query = diesel::sql_query(sql.text.clone()).into_boxed::<DB>();
    for param in &sql.params {
        query = match param {
            Param::Timestamp(value) => query.bind::<Timestamp, _>(*value),
            Param::Text(value) => query.bind::<Text, _>(value.clone()),
        };
    }
    query
}

fn load<T>(conn: &mut DbConnection, sql: Sql) -> Result<Vec<T>, ApiError>
where
    T: QueryableByName<Pg> + QueryableByName<Sqlite> + 'static,
{
    Ok(match conn {
        DbConnection::Pg(conn) => bind::<Pg>(&sql).load(conn)?,
        DbConnection::Sqlite(conn) => bind::<Sqlite>(&sql).load(conn)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PostgreSQL uses statistics on an expression only when the query holds the same
    /// expression; a change to one side without the other would bring back the on-disk sort.
    #[test]
    fn the_report_statistics_cover_the_grouped_expressions() {
        let migration =
            include_str!("../../migrations/postgres/2026-12-04-000013_report_statistics/up.sql");
        let declared: String = migration
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join(" ");
        let declared = declared.split_whitespace().collect::<Vec<_>>().join(" ");
        for expression in [
            days_to_answer(Dialect::Postgres, ""),
            answered_flag(""),
            day_of_receipt(""),
        ] {
            assert!(
                declared.contains(&expression),
                "{expression} is not declared in the migration"
            );
        }
    }
}
