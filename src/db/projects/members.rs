//! A project's members (neighbourhoods, claimed effects, partners, funding lines, signals and
//! links, in both directions) in one statement for any number of projects.
//!
//! Why one statement: a single `GET /projects/{id}` used to send seven, one per member table
//! and the row, and each is a round trip to PostgreSQL in which the request's thread sleeps and
//! wakes; on two cores those hand-overs were most of a read's server time (benches/README.md).
//! Why a hand-written `QueryFragment`: diesel's `eq_any` has no static query id (SQLite's
//! placeholder count follows the list), so its text would be written again for every run, and
//! `sql_query` is never kept in the statement cache. This query has a static id and one bind per
//! branch, whatever the number of projects: PostgreSQL's `= ANY(array)`, SQLite's `json_each`.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};

/// The member tables, each as a `SELECT` of (member, project, sort key, a, b, amount, time)
/// whose `WHERE` ends in the id filter, written in by [`MembersOf`] for each backend. The
/// first branch casts its NULLs, so PostgreSQL knows the union's column types.
const BRANCHES: [&str; 5] = [
    "SELECT 'neighbourhood' AS member, project_id, neighbourhood_id AS sort_key, \
     CAST(NULL AS TEXT) AS a, CAST(NULL AS TEXT) AS b, CAST(NULL AS BIGINT) AS amount, \
     CAST(NULL AS TIMESTAMP) AS at FROM project_neighbourhoods WHERE project_id",
    "SELECT 'effect', project_id, effect, NULL, NULL, NULL, NULL \
     FROM project_effects WHERE project_id",
    "SELECT 'partner', project_id, partner_id, role, NULL, NULL, NULL \
     FROM project_partners WHERE project_id",
    "SELECT 'funding', project_id, id, source_type, NULL, amount_cents, NULL \
     FROM funding_lines WHERE project_id",
    "SELECT 'signal', project_id, signal_id, NULL, NULL, NULL, NULL \
     FROM signal_projects WHERE project_id",
];
/// A link belongs to the projects at both of its ends.
const LINKS: [&str; 2] = [
    "SELECT 'link', project_id, id, target_project_id, kind, NULL, created_at \
     FROM project_links WHERE project_id",
    " OR target_project_id",
];

/// One member row: which member, of which project, its sort key (the key the member is listed
/// by), and up to two texts, an amount and a time.
pub(super) type MemberRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<NaiveDateTime>,
);

/// The members of the projects `ids`, ordered by member, project and sort key.
pub(super) struct MembersOf<'a> {
    ids: &'a [String],
    /// The ids as a JSON array, SQLite's way of taking a list in one bind.
    ids_json: String,
}

impl<'a> MembersOf<'a> {
    pub(super) fn new(ids: &'a [String]) -> Self {
        MembersOf {
            ids,
            ids_json: serde_json::Value::from(ids.to_vec()).to_string(),
        }
    }

    /// Writes the statement, with `filter` writing each id filter and its bind.
    fn walk<'b, DB: diesel::backend::Backend>(
        &'b self,
        mut out: AstPass<'_, 'b, DB>,
        filter: impl Fn(&'b Self, &mut AstPass<'_, 'b, DB>) -> QueryResult<()>,
    ) -> QueryResult<()> {
        for branch in BRANCHES {
            out.push_sql(branch);
            filter(self, &mut out)?;
            out.push_sql(" UNION ALL ");
        }
        out.push_sql(LINKS[0]);
        filter(self, &mut out)?;
        out.push_sql(LINKS[1]);
        filter(self, &mut out)?;
        out.push_sql(" ORDER BY 1, 2, 3");
        Ok(())
    }
}

impl QueryId for MembersOf<'_> {
    type QueryId = MembersOf<'static>;
    // The text is the same for every list of ids: diesel keeps the prepared statement by type.
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for MembersOf<'_> {
    type SqlType = (
        Text,
        Text,
        Text,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<BigInt>,
        Nullable<Timestamp>,
    );
}

impl<Conn> RunQueryDsl<Conn> for MembersOf<'_> {}

impl QueryFragment<Pg> for MembersOf<'_> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.walk(out, |this, out| {
            out.push_sql(" = ANY(");
            out.push_bind_param::<Array<Text>, _>(this.ids)?;
            out.push_sql(")");
            Ok(())
        })
    }
}

impl QueryFragment<Sqlite> for MembersOf<'_> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.walk(out, |this, out| {
            out.push_sql(" IN (SELECT value FROM json_each(");
            out.push_bind_param::<Text, _>(&this.ids_json)?;
            out.push_sql("))");
            Ok(())
        })
    }
}
