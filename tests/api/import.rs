//! `wijkregie import partners FILE.csv [--dry-run]`, on the test database of a running service.

use std::process::{Command, Output};

use wijkregie::db::DatabaseTarget;

use crate::helpers::{TestApp, TestDatabase, pb, spawn_app};

const HEADER: &str = "id,name,kind,kvkNumber,neighbourhoodIds,contact.name,contact.email,\
                      contact.phone,website,active,version,createdAt,updatedAt\r\n";

fn import(app: &TestApp, dir: &std::path::Path, csv: &str, dry_run: bool) -> Output {
    let file = dir.join("partners.csv");
    std::fs::write(&file, csv).unwrap();
    let url = match app.database.target() {
        DatabaseTarget::Sqlite(path) | DatabaseTarget::Postgres(path) => path,
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_wijkregie"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .args(["import", "partners"])
        .arg(&file);
    if dry_run {
        command.arg("--dry-run");
    }
    command.output().unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn partners(app: &TestApp) -> Vec<serde_json::Value> {
    let response = app
        .get("/api/v1/partners?limit=200", &app.token(&pb()))
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["items"].as_array().unwrap().clone()
}

async fn partner_events(app: &TestApp) -> usize {
    let response = app.get("/api/v1/events?limit=200", &app.token(&pb())).await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|t| t.starts_with("partner."))
        })
        .count()
}

fn clean_file() -> String {
    format!(
        "{HEADER}\
         ,Basisschool De Regenboog,school,41150013,moerwijk morgenstond,Fatima el Amrani,info@regenboog.nl,,https://regenboog.nl,true,,,\r\n\
         ,\"Buurthuis \"\"De Mussen\"\", Escamp\",community_centre,,moerwijk,,,070 123 4567,,,,,\r\n\
         ,Stichting Welzijn,welfare,27312345,,,,,,false,,,\r\n"
    )
}

#[actix_rt::test]
async fn a_clean_file_is_imported_once_however_often_it_is_run() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let dry = stdout(&import(&app, dir.path(), &clean_file(), true));
    assert!(
        dry.contains("would import 3 partner(s): 3 created"),
        "{dry}"
    );
    assert!(partners(&app).await.is_empty(), "a dry run writes nothing");

    let first = stdout(&import(&app, dir.path(), &clean_file(), false));
    assert!(
        first.contains("3 created, 0 updated, 0 unchanged"),
        "{first}"
    );
    let listed = partners(&app).await;
    assert_eq!(listed.len(), 3);
    let mussen = listed
        .iter()
        .find(|p| p["kind"] == "community_centre")
        .unwrap();
    assert_eq!(mussen["name"], "Buurthuis \"De Mussen\", Escamp");
    assert_eq!(mussen["contact"]["phone"], "070 123 4567");
    let school = listed.iter().find(|p| p["kind"] == "school").unwrap();
    assert_eq!(
        school["neighbourhoodIds"],
        serde_json::json!(["moerwijk", "morgenstond"])
    );
    assert_eq!(
        listed.iter().find(|p| p["kind"] == "welfare").unwrap()["active"],
        false
    );
    assert_eq!(partner_events(&app).await, 3, "one event per partner");

    let again = stdout(&import(&app, dir.path(), &clean_file(), false));
    assert!(
        again.contains("0 created, 0 updated, 3 unchanged"),
        "{again}"
    );
    assert_eq!(partners(&app).await.len(), 3, "no duplicates");
    assert_eq!(partner_events(&app).await, 3);

    // The export, edited, goes back in: the school is matched on its number and updated.
    let export = app
        .request(
            awc::http::Method::GET,
            "/api/v1/partners",
            Some(&app.token(&pb())),
            None,
            &[("Accept", "text/csv")],
        )
        .await;
    let edited = export
        .text
        .replace("Basisschool De Regenboog", "IKC De Regenboog");
    let third = stdout(&import(&app, dir.path(), &edited, false));
    assert!(
        third.contains("0 created, 1 updated, 2 unchanged"),
        "{third}"
    );
    let listed = partners(&app).await;
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().any(|p| p["name"] == "IKC De Regenboog"));
    assert_eq!(partner_events(&app).await, 4);
}

#[actix_rt::test]
async fn a_file_with_bad_rows_writes_nothing_and_names_every_problem_by_line() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = format!(
        "{HEADER}\
         ,Goede Partner,school,41150013,,,,,,,,,\r\n\
         ,,castle,123,nowhere,,not-an-email,,ftp://x,maybe,,,\r\n\
         ,Nog een,welfare,,,,,,,,,,\r\n\
         ,Dubbel,welfare,41150013,,,,,,,,,\r\n"
    );
    for dry_run in [true, false] {
        let output = import(&app, dir.path(), &file, dry_run);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        for expected in [
            "line 3: name:",
            "line 3: kind:",
            "line 3: kvkNumber:",
            "line 3: neighbourhoodIds:",
            "line 3: contact.email:",
            "line 3: website:",
            "line 3: active:",
            "line 5: the same partner as line 2",
        ] {
            assert!(stderr.contains(expected), "{expected} in {stderr}");
        }
        assert!(
            !stderr.contains("line 2:") && !stderr.contains("line 4:"),
            "{stderr}"
        );
    }
    assert!(partners(&app).await.is_empty(), "nothing written");
    assert_eq!(partner_events(&app).await, 0);

    let unknown = import(
        &app,
        dir.path(),
        "name,kind,colour\r\nX,school,red\r\n",
        false,
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("colour"));
}

#[actix_rt::test]
async fn an_export_with_formula_cells_goes_back_in_unchanged() {
    let app = spawn_app().await;
    let bureau = app.token(&pb());
    let names = [
        "=HYPERLINK(\"https://evil.example\",\"Klik\")",
        "+Plus",
        "-Min",
        "@Apenstaart",
        "'=al een apostrof",
        "'t Hofje",
    ];
    for name in names {
        let created = app
            .post(
                "/api/v1/partners",
                &bureau,
                &serde_json::json!({"name": name, "kind": "welfare",
                                    "contact": {"phone": "+31 70 353 3000"}}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
    }
    let export = app
        .request(
            awc::http::Method::GET,
            "/api/v1/partners",
            Some(&bureau),
            None,
            &[("Accept", "text/csv")],
        )
        .await;
    assert!(export.text.contains("'=HYPERLINK"), "{}", export.text);
    let dir = tempfile::tempdir().unwrap();
    let output = stdout(&import(&app, dir.path(), &export.text, false));
    assert!(
        output.contains("0 created, 0 updated, 6 unchanged"),
        "{output}"
    );
    let mut listed: Vec<String> = partners(&app)
        .await
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    let mut expected = names.map(str::to_owned).to_vec();
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(partner_events(&app).await, 6, "nothing was written back");
}

#[actix_rt::test]
async fn a_header_naming_a_column_twice_is_refused() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let output = import(
        &app,
        dir.path(),
        "name,kind,name\r\nStichting Een,welfare,Stichting Twee\r\n",
        false,
    );
    assert!(!output.status.success(), "the last column must not win");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 1")
            && stderr.contains("\"name\"")
            && stderr.contains("more than once"),
        "{stderr}"
    );
    assert!(partners(&app).await.is_empty());
}

/// A file of `rows` good partners without neighbourhoods, each with its own KvK number.
fn many_partners(rows: usize) -> String {
    let mut file = String::from(HEADER);
    for n in 0..rows {
        file.push_str(&format!(
            ",Stichting {n},welfare,{:08},,,,,,,,,\r\n",
            60_000_000 + n
        ));
    }
    file
}

#[actix_rt::test]
async fn a_database_lost_during_an_import_stops_it_with_one_error() {
    let database = TestDatabase::new();
    let mut conn = database.target().connect().unwrap();
    wijkregie::db::run_migrations(&mut conn).unwrap();
    let file = many_partners(200);
    let mut lost = false;
    let result =
        wijkregie::api::import::partners(&mut conn, file.as_bytes(), false, &mut |_, _| {
            if !lost {
                lost = true;
                // PostgreSQL: the import's connection is ended from outside, as a restart or a
                // failover would. SQLite has no connection to lose; its table goes away instead.
                match database.is_postgres() {
                    true => database.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                    ),
                    false => database.execute("ALTER TABLE partners RENAME TO partners_gone"),
                }
            }
        });
    let error = result.expect_err("the import cannot go on without its database");
    assert_eq!(
        error.lines().count(),
        1,
        "one error, not one per remaining row: {error}"
    );
    assert!(error.contains("nothing was imported"), "{error}");
    assert!(error.contains("the database failed"), "{error}");
}
