//! How the log is written; read apart from the other settings because the logger starts first.

/// How the log is written (`WIJKREGIE_LOG_FORMAT`: `text`, the default, or `json` for one JSON
/// object per line). Read before the other settings, because the logger starts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    pub fn from_env() -> Result<Self, String> {
        Self::parse(std::env::var("WIJKREGIE_LOG_FORMAT").ok().as_deref())
    }

    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim) {
            None | Some("") | Some("text") => Ok(Self::Text),
            Some("json") => Ok(Self::Json),
            Some(other) => Err(format!(
                "WIJKREGIE_LOG_FORMAT must be text or json, got '{other}'"
            )),
        }
    }
}
