//! The two migration folders move in lockstep: same migration names and, once applied, the same
//! tables and columns on SQLite and PostgreSQL.

use std::collections::BTreeMap;
use std::path::Path;

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::helpers::{TestDatabase, required_postgres_server_url};
use wijkregie::db::{DatabaseTarget, DbConnection};

fn migration_names(backend: &str) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_backends_have_the_same_migrations() {
    let postgres = migration_names("postgres");
    assert!(!postgres.is_empty());
    assert_eq!(postgres, migration_names("sqlite"));
    for name in postgres {
        for backend in ["postgres", "sqlite"] {
            for file in ["up.sql", "down.sql"] {
                let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("migrations")
                    .join(backend)
                    .join(&name)
                    .join(file);
                assert!(path.is_file(), "{}", path.display());
            }
        }
    }
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

/// Table → sorted column names, without diesel's own bookkeeping table.
fn columns(conn: &mut DbConnection) -> BTreeMap<String, Vec<String>> {
    let rows: Vec<Column> = match conn {
        DbConnection::Pg(pg) => diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns WHERE table_schema = 'public'",
        )
        .load(pg)
        .unwrap(),
        DbConnection::Sqlite(sqlite) => diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
        )
        .load(sqlite)
        .unwrap(),
    };
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        if row.table_name.starts_with("__diesel") || row.table_name.starts_with("sqlite_") {
            continue;
        }
        tables
            .entry(row.table_name)
            .or_default()
            .push(row.column_name);
    }
    tables.values_mut().for_each(|cols| cols.sort());
    tables
}

#[test]
#[ignore = "needs PostgreSQL: run with TEST_DATABASE_URL and --include-ignored (CI does)"]
fn migrated_schemas_are_the_same_on_both_backends() {
    required_postgres_server_url();
    let sqlite_db = tempfile::tempdir().unwrap();
    let sqlite_path = sqlite_db
        .path()
        .join("lockstep.db")
        .to_string_lossy()
        .into_owned();
    let mut sqlite = DatabaseTarget::Sqlite(sqlite_path).connect().unwrap();
    wijkregie::db::run_migrations(&mut sqlite).unwrap();

    let postgres_db = TestDatabase::new();
    let mut postgres = postgres_db.target().connect().unwrap();

    let (on_sqlite, on_postgres) = (columns(&mut sqlite), columns(&mut postgres));
    assert!(on_sqlite.contains_key("events"), "{on_sqlite:?}");
    assert_eq!(on_sqlite, on_postgres);
}

#[test]
fn sqlite_connections_enforce_foreign_keys_and_use_wal() {
    let dir = tempfile::tempdir().unwrap();
    let target =
        DatabaseTarget::Sqlite(dir.path().join("pragmas.db").to_string_lossy().into_owned());
    let mut conn = target.connect().unwrap();
    wijkregie::db::run_migrations(&mut conn).unwrap();
    let DbConnection::Sqlite(sqlite) = &mut conn else {
        unreachable!()
    };

    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    let mode: Mode = diesel::sql_query("PRAGMA journal_mode")
        .get_result(sqlite)
        .unwrap();
    assert_eq!(mode.journal_mode, "wal");

    let orphan = diesel::sql_query(
        "INSERT INTO neighbourhoods (id, name, district_id, focus_area, version, created_at, updated_at) \
         VALUES ('nergens', 'Nergens', 'atlantis', FALSE, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    )
    .execute(sqlite);
    assert!(
        orphan.is_err(),
        "a neighbourhood in a district that does not exist is refused"
    );
}

#[test]
fn a_postgresql_url_never_falls_back_to_sqlite() {
    let target =
        DatabaseTarget::parse("postgres://nobody@127.0.0.1:1/nothing?connect_timeout=2").unwrap();
    let result = target.connect();
    // diesel's derived establish would have answered with an SQLite connection here.
    assert!(
        matches!(result, Err(wijkregie::db::ConnectError::Connect(_))),
        "an unreachable PostgreSQL server is an error, not an SQLite file"
    );
}

/// The server's URL with `sslmode=require` in place of whatever it said.
fn requiring_tls(server_url: &str) -> String {
    let (base, query) = server_url.split_once('?').unwrap_or((server_url, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("sslmode="))
        .chain(["sslmode=require"])
        .collect();
    format!("{base}?{}", kept.join("&"))
}

#[test]
#[ignore = "needs PostgreSQL: run with TEST_DATABASE_URL and --include-ignored (CI does)"]
fn tls_to_postgresql_follows_the_postgres_tls_feature() {
    let server_url = required_postgres_server_url();
    let target = DatabaseTarget::Postgres(requiring_tls(&server_url));
    let connected = target.connect();
    if cfg!(feature = "postgres-tls") {
        // libpq with OpenSSL: the session is encrypted (the server must offer TLS, as
        // Debian's PostgreSQL does with its snakeoil certificate).
        let Ok(DbConnection::Pg(mut conn)) = connected else {
            panic!(
                "sslmode=require failed with postgres-tls: {:?}",
                connected.err()
            );
        };
        #[derive(QueryableByName)]
        struct Ssl {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            ssl: bool,
        }
        let row: Ssl =
            diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                .get_result(&mut conn)
                .unwrap();
        assert!(row.ssl);
    } else {
        // The default build has no TLS in libpq: the URL is refused with libpq's reason, never
        // quietly connected in the clear.
        let error = connected.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("SSL"), "{error}");
    }
}
