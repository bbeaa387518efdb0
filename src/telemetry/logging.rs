//! The log's format: env_logger's text lines by default, or with `WIJKREGIE_LOG_FORMAT=json` one
//! JSON object per line (`time`, `level`, `target`, `message`, and the record's key-values, such
//! as the access log's `request_id`), encoded by serde_json.

use std::io::Write;

use log::kv::{Error as KvError, Key, Value as KvValue, VisitSource};
use serde_json::{Map, Value};

use crate::config::LogFormat;

/// Starts the logger; `RUST_LOG` filters as usual (default `info`).
pub fn init(format: LogFormat) {
    let mut builder =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    match format {
        LogFormat::Text => {}
        LogFormat::Json => {
            builder.format(|out, record| writeln!(out, "{}", json_line(record)));
        }
    }
    builder.init();
}

/// One record as one line of JSON.
pub fn json_line(record: &log::Record<'_>) -> Value {
    let mut line = Map::new();
    line.insert(
        "time".to_owned(),
        Value::String(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
    );
    line.insert(
        "level".to_owned(),
        Value::String(record.level().to_string()),
    );
    line.insert(
        "target".to_owned(),
        Value::String(record.target().to_owned()),
    );
    line.insert(
        "message".to_owned(),
        Value::String(record.args().to_string()),
    );
    let mut fields = Fields(&mut line);
    // Visiting a record's own key-values cannot fail: `Fields` never returns an error.
    let _ = record.key_values().visit(&mut fields);
    Value::Object(line)
}

/// Copies a record's key-values into the line, as JSON numbers, booleans or strings.
struct Fields<'a>(&'a mut Map<String, Value>);

impl<'kvs> VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: KvValue<'kvs>) -> Result<(), KvError> {
        let json = if let Some(n) = value.to_u64() {
            Value::from(n)
        } else if let Some(n) = value.to_i64() {
            Value::from(n)
        } else if let Some(x) = value.to_f64() {
            Value::from(x)
        } else if let Some(b) = value.to_bool() {
            Value::Bool(b)
        } else {
            Value::String(value.to_string())
        };
        self.0.insert(key.as_str().to_owned(), json);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::json_line;

    #[test]
    fn a_record_becomes_one_line_of_json_with_its_key_values() {
        let args = format_args!("GET /x \"quoted\"\nnext");
        let kvs: [(&str, log::kv::Value<'_>); 3] = [
            ("request_id", log::kv::Value::from("abc-1")),
            ("status", log::kv::Value::from(404u16)),
            ("duration_ms", log::kv::Value::from(1.5f64)),
        ];
        let record = log::Record::builder()
            .args(args)
            .level(log::Level::Info)
            .target("wijkregie::access")
            .key_values(&kvs)
            .build();
        let line = json_line(&record).to_string();
        assert!(!line.contains('\n'), "{line}");
        let parsed: serde_json::Value =
            serde_json::from_str(&line).unwrap_or(serde_json::Value::Null);
        assert_eq!(parsed["message"], "GET /x \"quoted\"\nnext");
        assert_eq!(parsed["level"], "INFO");
        assert_eq!(parsed["target"], "wijkregie::access");
        assert_eq!(parsed["request_id"], "abc-1");
        assert_eq!(parsed["status"], 404);
        assert_eq!(parsed["duration_ms"], 1.5);
        assert!(parsed["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    }
}
