//! The members of many resources (a project's neighbourhoods, effects, partners, funding lines,
//! signals and links; a signal's departments, projects and policy issues) in one statement, a
//! `UNION ALL` over the member tables.
//!
//! Why one statement: a single `GET /projects/{id}` used to send seven, one per member table
//! and the row, and each is a round trip to PostgreSQL in which the request's thread sleeps and
//! wakes; on two cores those hand-overs were most of a read's server time (benches/README.md).
//! Why a hand-written `QueryFragment`: diesel's `eq_any` has no static query id (SQLite's
//! placeholder count follows the list), so its text would be written again for every run, and
//! `sql_query` is never kept in the statement cache. [`MembersOf`] has a static id and one bind
//! per filter, whatever the number of ids: PostgreSQL's `= ANY(array)`, SQLite's `json_each`.
//! One id (a single GET) has a statement of its own, with `= $1`: PostgreSQL planned the
//! `ANY` form afresh for every execution (its generic plan, costed for an array of unknown
//! length, never won), 0.2 ms of planning for 0.3 ms of execution; with `= $1` it keeps the
//! generic plan after five runs and the statement takes about 0.1 ms.

use std::marker::PhantomData;

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::LoadQuery;
use diesel::sql_types::{Array, BigInt, Nullable, SqlType, Text, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::{PgConnection, QueryResult, RunQueryDsl, SqliteConnection};

use super::{DbConnection, on_backend};
use crate::error::ApiError;

/// The member rows of the resources `ids` from `T`'s tables: one id's statement for one id,
/// the list's otherwise.
pub(crate) fn load_members<T, Row>(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<Row>, ApiError>
where
    T: MemberTables,
    for<'a> MembersOf<'a, T, One>:
        LoadQuery<'a, PgConnection, Row> + LoadQuery<'a, SqliteConnection, Row>,
    for<'a> MembersOf<'a, T, Many>:
        LoadQuery<'a, PgConnection, Row> + LoadQuery<'a, SqliteConnection, Row>,
{
    Ok(on_backend!(conn, |c| match ids {
        [id] => MembersOf::<T, One>::one(id).load(c),
        _ => MembersOf::<T, Many>::many(ids).load(c),
    })?)
}

/// The statement of one resource's members.
pub(crate) trait MemberTables: 'static {
    /// The statement in pieces: each is followed by the id filter (` = ANY($n)` or
    /// ` IN (… json_each(?))`), so each ends in the column it filters on. The first `SELECT`
    /// casts its NULLs, so PostgreSQL knows the union's column types.
    const PIECES: &'static [&'static str];
    /// What follows the last filter (the order).
    const END: &'static str;
    type Columns: SqlType;
}

/// The filter for exactly one id (`= $1`).
pub(crate) struct One;
/// The filter for any number of ids (`= ANY($1)`, `IN (… json_each(?))`).
pub(crate) struct Many;

/// The members of the resources `ids`, as rows of `T::Columns`, with filter `F` ([`One`] or
/// [`Many`]: two statements, so two types, for diesel keeps a prepared statement by type).
pub(crate) struct MembersOf<'a, T, F> {
    ids: &'a [String],
    /// The ids as a JSON array, SQLite's way of taking a list in one bind.
    ids_json: String,
    tables: PhantomData<(T, F)>,
}

impl<'a, T: MemberTables> MembersOf<'a, T, One> {
    /// The members of the one resource `id`.
    pub(crate) fn one(id: &'a String) -> Self {
        MembersOf {
            ids: std::slice::from_ref(id),
            ids_json: String::new(),
            tables: PhantomData,
        }
    }
}

impl<'a, T: MemberTables> MembersOf<'a, T, Many> {
    /// The members of all the resources `ids`.
    pub(crate) fn many(ids: &'a [String]) -> Self {
        MembersOf {
            ids,
            ids_json: serde_json::Value::from(ids.to_vec()).to_string(),
            tables: PhantomData,
        }
    }
}

impl<T: MemberTables, F> MembersOf<'_, T, F> {
    /// Writes the statement, with `filter` writing each id filter and its bind.
    fn walk<'b, DB: diesel::backend::Backend>(
        &'b self,
        mut out: AstPass<'_, 'b, DB>,
        filter: impl Fn(&'b Self, &mut AstPass<'_, 'b, DB>) -> QueryResult<()>,
    ) -> QueryResult<()> {
        for piece in T::PIECES {
            out.push_sql(piece);
            filter(self, &mut out)?;
        }
        out.push_sql(T::END);
        Ok(())
    }
}

impl<T: MemberTables, F: 'static> QueryId for MembersOf<'_, T, F> {
    type QueryId = MembersOf<'static, T, F>;
    // The text is the same for every id (or list of ids): diesel keeps the prepared statement
    // by type.
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<T: MemberTables, F> Query for MembersOf<'_, T, F> {
    type SqlType = T::Columns;
}

impl<T, F, Conn> RunQueryDsl<Conn> for MembersOf<'_, T, F> {}

/// The one id's filter, the same on both backends.
fn equals_one<'b, DB, T, F>(
    this: &'b MembersOf<'_, T, F>,
    out: &mut AstPass<'_, 'b, DB>,
) -> QueryResult<()>
where
    DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<Text>,
    String: diesel::serialize::ToSql<Text, DB>,
{
    out.push_sql(" = ");
    match this.ids.first() {
        Some(id) => out.push_bind_param::<Text, _>(id),
        None => Err(diesel::result::Error::QueryBuilderError(
            "the members of one resource need its id".into(),
        )),
    }
}

impl<T: MemberTables> QueryFragment<Pg> for MembersOf<'_, T, One> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.walk(out, equals_one)
    }
}

impl<T: MemberTables> QueryFragment<Sqlite> for MembersOf<'_, T, One> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.walk(out, equals_one)
    }
}

impl<T: MemberTables> QueryFragment<Pg> for MembersOf<'_, T, Many> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.walk(out, |this, out| {
            out.push_sql(" = ANY(");
            out.push_bind_param::<Array<Text>, _>(this.ids)?;
            out.push_sql(")");
            Ok(())
        })
    }
}

impl<T: MemberTables> QueryFragment<Sqlite> for MembersOf<'_, T, Many> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.walk(out, |this, out| {
            out.push_sql(" IN (SELECT value FROM json_each(");
            out.push_bind_param::<Text, _>(&this.ids_json)?;
            out.push_sql("))");
            Ok(())
        })
    }
}

/// A project's members: (member, project, sort key, a, b, amount, time), ordered by member,
/// project and key. A link is listed under its source project and belongs to both ends.
pub(crate) struct ProjectMembers;

impl MemberTables for ProjectMembers {
    const PIECES: &'static [&'static str] = &[
        "SELECT 'neighbourhood' AS member, project_id, neighbourhood_id AS sort_key, \
         CAST(NULL AS TEXT) AS a, CAST(NULL AS TEXT) AS b, CAST(NULL AS BIGINT) AS amount, \
         CAST(NULL AS TIMESTAMP) AS at FROM project_neighbourhoods WHERE project_id",
        " UNION ALL SELECT 'effect', project_id, effect, NULL, NULL, NULL, NULL \
         FROM project_effects WHERE project_id",
        " UNION ALL SELECT 'partner', project_id, partner_id, role, NULL, NULL, NULL \
         FROM project_partners WHERE project_id",
        " UNION ALL SELECT 'funding', project_id, id, source_type, NULL, amount_cents, NULL \
         FROM funding_lines WHERE project_id",
        " UNION ALL SELECT 'signal', project_id, signal_id, NULL, NULL, NULL, NULL \
         FROM signal_projects WHERE project_id",
        " UNION ALL SELECT 'link', project_id, id, target_project_id, kind, NULL, created_at \
         FROM project_links WHERE project_id",
        " OR target_project_id",
    ];
    const END: &'static str = " ORDER BY 1, 2, 3";
    type Columns = (
        Text,
        Text,
        Text,
        Nullable<Text>,
        Nullable<Text>,
        Nullable<BigInt>,
        Nullable<Timestamp>,
    );
}

/// One row of [`ProjectMembers`].
pub(crate) type ProjectMemberRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<NaiveDateTime>,
);

/// A signal's members: (member, signal, id), ordered by member, signal and id.
pub(crate) struct SignalMembers;

impl MemberTables for SignalMembers {
    const PIECES: &'static [&'static str] = &[
        "SELECT 'department' AS member, signal_id, department_id AS member_id \
         FROM signal_departments WHERE signal_id",
        " UNION ALL SELECT 'project', signal_id, project_id FROM signal_projects WHERE signal_id",
        " UNION ALL SELECT 'policy_issue', signal_id, policy_issue_id \
         FROM policy_issue_signals WHERE signal_id",
    ];
    const END: &'static str = " ORDER BY 1, 2, 3";
    type Columns = (Text, Text, Text);
}
