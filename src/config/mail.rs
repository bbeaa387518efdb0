//! How people without an API are told (DESIGN §15): the SMTP server, the sender, the folder
//! that stands in for a server in development, and the public pages' rate limit.

use std::path::PathBuf;

use super::number;

/// How people without an API are told (DESIGN §15). Without SMTP and without a folder, no
/// mail is sent.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The SMTP server (`WIJKREGIE_SMTP_URL`, `WIJKREGIE_SMTP_PASSWORD_FILE`).
    pub smtp: Option<SmtpSettings>,
    /// Development: write each message as an `.eml` file here instead (`WIJKREGIE_MAIL_DIR`).
    pub dir: Option<PathBuf>,
    /// The sender (`WIJKREGIE_MAIL_FROM`), e.g. `Gemeente Den Haag <wijkregie@denhaag.nl>`.
    pub from: String,
    /// Tracking page requests per minute and client address (`WIJKREGIE_TRACK_RATE_PER_MINUTE`).
    pub track_rate_per_minute: u32,
}

impl MailSettings {
    pub fn defaults() -> Self {
        Self {
            smtp: None,
            dir: None,
            from: DEFAULT_MAIL_FROM.to_owned(),
            track_rate_per_minute: 60,
        }
    }
}

/// The sender when `WIJKREGIE_MAIL_FROM` is not set (allowed with a mail folder only).
const DEFAULT_MAIL_FROM: &str = "wijkregie <wijkregie@localhost>";

/// An SMTP server from `smtp://user:password@host:587?starttls=true` or `smtps://host`.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: Option<u16>,
    pub security: SmtpSecurity,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtps://`: TLS from the first byte (port 465 by default).
    Tls,
    /// `smtp://…?starttls=true`: STARTTLS is required (port 587 by default).
    StartTls,
    /// `smtp://` without STARTTLS: plain, for a relay on the same host or network.
    Plain,
}

impl SmtpSettings {
    /// Reads an SMTP URL; `password_file` holds the password when the URL has none.
    pub fn parse(text: &str, password_file: Option<&str>) -> Result<Self, String> {
        let url = url::Url::parse(text.trim())
            .map_err(|e| format!("WIJKREGIE_SMTP_URL is not a URL: {e}"))?;
        let mut starttls = false;
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref()) {
                ("starttls", "true") => starttls = true,
                ("starttls", "false") => starttls = false,
                _ => {
                    return Err(format!(
                        "WIJKREGIE_SMTP_URL: unknown option '{key}={value}' (only starttls=true|false)"
                    ));
                }
            }
        }
        let security = match (url.scheme(), starttls) {
            ("smtps", false) => SmtpSecurity::Tls,
            ("smtp", true) => SmtpSecurity::StartTls,
            ("smtp", false) => SmtpSecurity::Plain,
            ("smtps", true) => {
                return Err(
                    "WIJKREGIE_SMTP_URL: smtps:// is TLS already; starttls is for smtp://"
                        .to_owned(),
                );
            }
            (other, _) => {
                return Err(format!(
                    "WIJKREGIE_SMTP_URL must start with smtp:// or smtps://, not {other}://"
                ));
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("WIJKREGIE_SMTP_URL has no host")?
            .to_owned();
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let user = Some(decode(url.username())).filter(|u| !u.is_empty());
        let mut password = url.password().map(decode);
        if let Some(file) = password_file {
            if password.is_some() {
                return Err("the SMTP password is in WIJKREGIE_SMTP_URL and WIJKREGIE_SMTP_PASSWORD_FILE: give it once".to_owned());
            }
            let read = std::fs::read_to_string(file).map_err(|e| {
                format!("WIJKREGIE_SMTP_PASSWORD_FILE '{file}' cannot be read: {e}")
            })?;
            password = Some(read.trim_end_matches(['\r', '\n']).to_owned());
        }
        if password.is_some() && user.is_none() {
            return Err("WIJKREGIE_SMTP_URL has a password but no user name".to_owned());
        }
        Ok(Self {
            host,
            port: url.port(),
            security,
            user,
            password,
        })
    }
}

/// The mail settings from the environment.
pub(super) fn mail_settings(
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> MailSettings {
    let mut mail = MailSettings::defaults();
    if let Some(url) = var("WIJKREGIE_SMTP_URL") {
        let file = var("WIJKREGIE_SMTP_PASSWORD_FILE");
        match SmtpSettings::parse(&url, file.as_deref()) {
            Ok(smtp) => mail.smtp = Some(smtp),
            Err(problem) => problems.push(problem),
        }
    } else if var("WIJKREGIE_SMTP_PASSWORD_FILE").is_some() {
        problems.push("WIJKREGIE_SMTP_PASSWORD_FILE is set without WIJKREGIE_SMTP_URL".to_owned());
    }
    mail.dir = var("WIJKREGIE_MAIL_DIR").map(|dir| PathBuf::from(dir.trim()));
    if mail.smtp.is_some() && mail.dir.is_some() {
        problems.push("set WIJKREGIE_SMTP_URL or WIJKREGIE_MAIL_DIR, not both".to_owned());
    }
    match var("WIJKREGIE_MAIL_FROM") {
        Some(from) => match from.trim().parse::<lettre::message::Mailbox>() {
            Ok(_) => mail.from = from.trim().to_owned(),
            Err(e) => problems.push(format!(
                "WIJKREGIE_MAIL_FROM '{from}' is not an address like 'Gemeente Den Haag <wijkregie@denhaag.nl>': {e}"
            )),
        },
        None if mail.smtp.is_some() => {
            problems.push("WIJKREGIE_SMTP_URL needs WIJKREGIE_MAIL_FROM, the sender".to_owned());
        }
        None => {}
    }
    mail.track_rate_per_minute = number(
        var,
        "WIJKREGIE_TRACK_RATE_PER_MINUTE",
        60,
        1,
        100_000,
        problems,
    );
    mail
}
