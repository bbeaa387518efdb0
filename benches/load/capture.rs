//! The SQL of each endpoint: captured from PostgreSQL's statement log while a server answers one
//! request per workload, and turned into pgbench scripts with the same statements and parameters.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::server::{Server, curl, wait_until_quiet};
use crate::workloads::{Ids, Workload};
use crate::{BASE, BENCH_DATABASE, Options};

/// One SQL statement as the server ran it: its text with `$n` placeholders, and the values.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    sql: String,
    /// `None` is SQL NULL.
    params: Vec<Option<String>>,
    /// Whether the server ran it as a named prepared statement, kept in its connection's
    /// statement cache (`execute __diesel_stmt_3`), rather than as an unnamed one that is
    /// parsed and planned for each execution (`execute <unnamed>`: diesel's `sql_query`).
    cached: bool,
}

/// The file PostgreSQL logs to (Debian: /var/log/postgresql/postgresql-<version>-<cluster>.log).
fn postgres_log(admin: &mut PgConnection) -> Result<PathBuf, String> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        value: Option<String>,
    }
    let query = |admin: &mut PgConnection, sql: &str| -> Option<String> {
        diesel::sql_query(sql)
            .get_result::<Row>(admin)
            .ok()
            .and_then(|r| r.value)
    };
    if let Some(file) = query(admin, "SELECT pg_current_logfile() AS value") {
        let path = PathBuf::from(&file);
        if path.is_absolute() {
            return Ok(path);
        }
        if let Some(data) = query(admin, "SELECT current_setting('data_directory') AS value") {
            return Ok(Path::new(&data).join(path));
        }
    }
    if let Some(cluster) = query(admin, "SELECT current_setting('cluster_name') AS value") {
        let path = PathBuf::from(format!(
            "/var/log/postgresql/postgresql-{}.log",
            cluster.replace('/', "-")
        ));
        if path.is_file() {
            return Ok(path);
        }
    }
    Err("cannot find PostgreSQL's log file (no logging collector, no Debian log)".to_owned())
}

/// Sends one request per workload to a server whose sessions log every statement, and reads the
/// statements back from PostgreSQL's log.
#[allow(
    clippy::too_many_arguments,
    reason = "the run's state, passed down once"
)]
pub(crate) fn capture(
    o: &Options,
    database_url: &str,
    secret: &str,
    workloads: &[Workload],
    tokens: &HashMap<String, String>,
    signal_ids: &[String],
    project_ids: &[String],
    dir: &Path,
) -> Result<HashMap<&'static str, Vec<Statement>>, String> {
    let mut admin = PgConnection::establish(&o.server_url).map_err(|e| e.to_string())?;
    let log_path = postgres_log(&mut admin)?;
    // Only the bench database's sessions log their statements, and only while this capture
    // server runs: the measured server starts after the setting is reset.
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {BENCH_DATABASE} SET log_min_duration_statement = 0; \
             ALTER DATABASE {BENCH_DATABASE} SET log_parameter_max_length = -1"
        ))
        .map_err(|e| e.to_string())?;
    let result = (|| {
        let server = Server::start(database_url, secret, &dir.join("capture.log"), false)?;
        let mut captured = HashMap::new();
        let outcome = (|| {
            for workload in workloads {
                let id = match workload.ids {
                    Ids::None => None,
                    Ids::Signals => signal_ids.first(),
                    Ids::Projects => project_ids.first(),
                };
                let path = format!(
                    "{BASE}{}",
                    workload.path.replace("{id}", id.map_or("", |s| s))
                );
                let token = &tokens[&workload.caller.label()];
                let waited = wait_until_quiet(&mut admin)?;
                if waited > 1.0 {
                    eprintln!("    waited {waited:.1} s for the server's start-up jobs to end");
                }
                let offset = std::fs::metadata(&log_path)
                    .map(|m| m.len())
                    .map_err(|e| format!("cannot read {}: {e}", log_path.display()))?;
                // Twice: the first request on a connection also logs diesel's session setup.
                let mut statements = Vec::new();
                for attempt in 0..2 {
                    let offset = if attempt == 0 {
                        offset
                    } else {
                        std::fs::metadata(&log_path)
                            .map(|m| m.len())
                            .unwrap_or(offset)
                    };
                    let code = curl(&server, workload.method, &path, Some(token), workload.body)?;
                    if !(200..300).contains(&code) {
                        return Err(format!(
                            "{} {path} answered {code} during the capture",
                            workload.method
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(400));
                    statements = read_statements(&log_path, offset)?;
                }
                if statements.is_empty() {
                    return Err(format!(
                        "no statements of {} in {} (is log_line_prefix showing %d?)",
                        workload.name,
                        log_path.display()
                    ));
                }
                eprintln!("    {}: {} statements", workload.name, statements.len());
                captured.insert(workload.name, statements);
            }
            Ok(captured)
        })();
        server.stop();
        outcome
    })();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {BENCH_DATABASE} RESET log_min_duration_statement; \
             ALTER DATABASE {BENCH_DATABASE} RESET log_parameter_max_length"
        ))
        .map_err(|e| e.to_string())?;
    result
}

/// The statements the bench database's sessions executed, from `offset` on in the log.
/// Lines look like `… [pid] user@wijkregie_bench LOG:  duration: 0.1 ms  execute name: SQL`,
/// followed by `… DETAIL:  parameters: $1 = 'x', $2 = NULL`.
fn read_statements(log: &Path, offset: u64) -> Result<Vec<Statement>, String> {
    let mut file =
        std::fs::File::open(log).map_err(|e| format!("cannot open {}: {e}", log.display()))?;
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| e.to_string())?;
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|e| e.to_string())?;
    let marker = format!("@{BENCH_DATABASE} ");
    let mut statements: Vec<Statement> = Vec::new();
    // The last statement of each backend, waiting for its parameters.
    let mut open: HashMap<String, usize> = HashMap::new();
    for line in text.lines() {
        if !line.contains(&marker) {
            continue;
        }
        let pid = line
            .split_once('[')
            .and_then(|(_, rest)| rest.split_once(']'))
            .map(|(pid, _)| pid.to_owned())
            .unwrap_or_default();
        if let Some((_, rest)) = line.split_once("LOG:  duration: ") {
            open.remove(&pid);
            let Some((_, what)) = rest.split_once(" ms  ") else {
                continue;
            };
            let (sql, cached) = if let Some(sql) = what.strip_prefix("statement: ") {
                (sql, false)
            } else if let Some(named) = what.strip_prefix("execute ") {
                match named.split_once(": ") {
                    Some((name, sql)) => (sql, name != "<unnamed>"),
                    None => continue,
                }
            } else {
                // parse and bind lines repeat the statement that execute runs.
                continue;
            };
            // A simple-protocol batch ("SET …; SET LOCAL …") becomes one statement per command.
            // The session setup of a new connection is not part of a request; neither are the
            // isolation level and snapshot import, which pgbench's one session cannot repeat.
            // `SET LOCAL` stays: it changes how the request's statements run (the report's
            // work_mem), so pgbench must run them the same way.
            for command in sql.split("; ") {
                if (command.starts_with("SET ") && !command.starts_with("SET LOCAL "))
                    || command == "SELECT 1"
                {
                    continue;
                }
                statements.push(Statement {
                    sql: command.to_owned(),
                    params: Vec::new(),
                    cached,
                });
                open.insert(pid.clone(), statements.len() - 1);
            }
        } else if let Some((_, rest)) = line.split_once("DETAIL:  parameters: ") {
            if let Some(index) = open.remove(&pid) {
                statements[index].params = parse_parameters(rest)?;
            }
        }
    }
    Ok(statements)
}

/// `$1 = 'a''b', $2 = NULL` → `[Some("a'b"), None]`.
fn parse_parameters(text: &str) -> Result<Vec<Option<String>>, String> {
    let mut params = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        // `$n = `
        let mut head = String::new();
        for c in chars.by_ref() {
            head.push(c);
            if head.ends_with(" = ") {
                break;
            }
        }
        if !head.ends_with(" = ") {
            return Err(format!("cannot read the parameters '{text}'"));
        }
        if chars.peek() == Some(&'\'') {
            chars.next();
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                        value.push('\'');
                    }
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return Err(format!("unterminated parameter in '{text}'")),
                }
            }
            params.push(Some(value));
        } else {
            let word: String = chars.by_ref().take_while(|c| *c != ',').collect();
            if word.trim() != "NULL" {
                return Err(format!("cannot read the parameter '{word}' in '{text}'"));
            }
            params.push(None);
            if chars.peek().is_none() {
                break;
            }
            chars.next();
            continue;
        }
        match chars.next() {
            None => break,
            Some(',') => {
                chars.next();
            }
            Some(c) => return Err(format!("unexpected '{c}' in the parameters '{text}'")),
        }
    }
    Ok(params)
}

/// The pgbench scripts of a workload and the `-D` variables they read.
///
/// A parameter of a statement the server keeps prepared becomes a pgbench variable (`:v3`), so
/// pgbench sends it as a bound parameter of a prepared statement, as diesel does: after five
/// executions PostgreSQL may plan such a statement once for any value (a generic plan), and
/// pgbench must get the same chance. A statement the server runs unnamed (the report's raw SQL)
/// is planned for its values on every execution; its parameters are written into the script
/// as literals, which the planner sees the same way, and they stay off the command line, whose
/// length the kernel limits: captured with the report, the reporter erasure's 500-id arrays
/// once made pgbench's `-D` values pass it ("Argument list too long"; the capture now waits for
/// such jobs, see [`wait_until_quiet`]).
///
/// A parameter that holds the workload's id gets one variable (or literal) per script, one
/// script per random id. For `POST /signals` the new signal's id becomes a random number per
/// transaction (`\set`), and each event takes its id from the counter row's `RETURNING`
/// (`\gset`), as `events::record` does.
pub(crate) fn pgbench_scripts(
    workload: &Workload,
    statements: &[Statement],
    capture_id: Option<&str>,
    ids: &[String],
    dir: &Path,
) -> Result<(Vec<PathBuf>, Vec<String>), String> {
    let created_id = if workload.method == "POST" {
        statements
            .iter()
            .find(|s| s.sql.starts_with("INSERT INTO \"signals\""))
            .and_then(|s| s.params.first().cloned().flatten())
    } else {
        None
    };
    let script_ids: Vec<Option<&str>> = if ids.is_empty() {
        vec![None]
    } else {
        ids.iter().map(|id| Some(id.as_str())).collect()
    };
    let mut files = Vec::new();
    let mut defines = Vec::new();
    for (k, script_id) in script_ids.iter().enumerate() {
        let mut script = String::new();
        if created_id.is_some() {
            script.push_str("\\set new_id random(1000000000000000, 9999999999999999)\n");
        }
        for (s, statement) in statements.iter().enumerate() {
            let is_event_insert = statement.sql.starts_with("INSERT INTO \"events\"");
            // Replayed, the captured values of unique per-request columns would collide: they
            // become random per transaction.
            let fresh = fresh_params(&statement.sql);
            let mut values: Vec<String> = Vec::new();
            for (p, param) in statement.params.iter().enumerate() {
                let value = match param {
                    None => {
                        values.push("NULL".to_owned());
                        continue;
                    }
                    Some(v) => v,
                };
                if is_event_insert && p == 0 {
                    values.push(":last_id".to_owned());
                } else if fresh.contains(&p) {
                    let name = format!("fresh_{s}_{p}");
                    let _ = writeln!(
                        script,
                        "\\set {name} random(1000000000000000, 9999999999999999)"
                    );
                    values.push(format!(":{name}"));
                } else if created_id.as_deref() == Some(value.as_str()) {
                    values.push(":new_id".to_owned());
                } else if !statement.cached {
                    let value = match (capture_id, script_id) {
                        (Some(capture_id), Some(script_id)) => value.replace(capture_id, script_id),
                        _ => value.clone(),
                    };
                    values.push(literal(&value));
                } else if let (Some(capture_id), Some(script_id)) = (capture_id, script_id) {
                    if value.contains(capture_id) {
                        let name = format!("v{s}_{p}_{k}");
                        defines.push(format!("{name}={}", value.replace(capture_id, script_id)));
                        values.push(format!(":{name}"));
                    } else {
                        let name = format!("v{s}_{p}");
                        if k == 0 {
                            defines.push(format!("{name}={value}"));
                        }
                        values.push(format!(":{name}"));
                    }
                } else {
                    let name = format!("v{s}_{p}");
                    if k == 0 {
                        defines.push(format!("{name}={value}"));
                    }
                    values.push(format!(":{name}"));
                }
            }
            let sql = substitute(&statement.sql, &values);
            if statement.sql.starts_with("UPDATE \"event_counter\"") {
                let _ = writeln!(script, "{sql} \\gset");
            } else {
                let _ = writeln!(script, "{sql};");
            }
        }
        let file = dir.join(format!("{}-{k}.sql", slug(workload.name)));
        std::fs::write(&file, script).map_err(|e| e.to_string())?;
        files.push(file);
    }
    Ok((files, defines))
}

/// A string constant that pgbench passes on unchanged: an escape string, in which a colon is
/// `\x3a`, because pgbench reads `:name` anywhere in a command as one of its variables (a
/// timestamp's `12:00:00` would become `12$1$2`). Its type follows from where it stands, as a
/// parameter's does.
fn literal(value: &str) -> String {
    let mut out = String::from("E'");
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            ':' => out.push_str("\\x3a"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Columns whose value is new on every request and unique: the personal-data access log's ids
/// (a read that shows reporters logs each one, DESIGN §14) and a new signal's tracking code.
const FRESH_COLUMNS: [(&str, &str); 2] =
    [("personal_data_access", "id"), ("signals", "tracking_code")];

/// For an insert into a table with a [`FRESH_COLUMNS`] column, the indexes of the parameters
/// that fill that column, row by row (a row's `DEFAULT`s take no parameter).
fn fresh_params(sql: &str) -> Vec<usize> {
    let Some((table, column)) = FRESH_COLUMNS
        .iter()
        .find(|(table, _)| sql.starts_with(&format!("INSERT INTO \"{table}\" (")))
    else {
        return Vec::new();
    };
    let rest = &sql[format!("INSERT INTO \"{table}\" (").len()..];
    let Some((columns, values)) = rest.split_once(") VALUES ") else {
        return Vec::new();
    };
    let Some(at) = columns
        .split(',')
        .map(str::trim)
        .position(|c| c == format!("\"{column}\""))
    else {
        return Vec::new();
    };
    let values = values.split(" RETURNING ").next().unwrap_or_default();
    values
        .split("), (")
        .filter_map(|row| {
            let value = row
                .trim_matches(|c| c == '(' || c == ')')
                .split(',')
                .nth(at)?;
            value
                .trim()
                .strip_prefix('$')?
                .parse::<usize>()
                .ok()?
                .checked_sub(1)
        })
        .collect()
}

/// Replaces `$n` placeholders (outside quotes) by `values[n-1]`.
fn substitute(sql: &str, values: &[String]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        if c == '$' && !quoted && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut digits = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(*d);
                chars.next();
            }
            let n: usize = digits.parse().unwrap_or(0);
            match values.get(n.wrapping_sub(1)) {
                Some(v) => out.push_str(v),
                None => {
                    out.push('$');
                    out.push_str(&digits);
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) fn slug(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}
