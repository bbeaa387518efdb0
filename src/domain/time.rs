//! Time as the service stores and shows it: UTC, microsecond precision, RFC 3339 with `Z`.
//!
//! Both databases store naive UTC timestamps. SQLite would keep nanoseconds and PostgreSQL keeps
//! microseconds, so every timestamp is truncated here, before it is written, and both backends
//! return identical JSON.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, SubsecRound, Utc};

/// Now, in UTC, truncated to microseconds.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// RFC 3339 in UTC with a `Z`, always six fractional digits.
pub fn format(at: &NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(*at, Utc)
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// A calendar day as Dutch prose, as the council's report, the tracking page and the e-mails
/// write it: "29 november 2026".
pub fn dutch_date(day: NaiveDate) -> String {
    let month = MONTHS
        .get(usize::try_from(day.month0()).unwrap_or(0))
        .copied()
        .unwrap_or("");
    format!("{} {month} {}", day.day(), day.year())
}

/// Parses an RFC 3339 timestamp with any offset into naive UTC.
pub fn parse(value: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|at| at.with_timezone(&Utc).naive_utc().trunc_subsecs(6))
}

/// Serde helper: a `NaiveDateTime` that is UTC, written as RFC 3339 with `Z`.
pub mod rfc3339 {
    use chrono::NaiveDateTime;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(at: &NaiveDateTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::format(at))
    }
}

/// Serde helper: an optional UTC `NaiveDateTime`, written as RFC 3339 with `Z` or `null`.
pub mod rfc3339_option {
    use chrono::NaiveDateTime;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(
        at: &Option<NaiveDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => serializer.serialize_str(&super::format(at)),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_z_and_microseconds_and_parses_offsets_to_utc() {
        let Some(at) = parse("2026-03-01T10:00:00.1234567+01:00") else {
            unreachable!("a valid RFC 3339 timestamp must parse")
        };
        assert_eq!(format(&at), "2026-03-01T09:00:00.123456Z");
        assert!(parse("2026-03-01 10:00").is_none());
    }
}
