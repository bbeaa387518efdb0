//! Types and rules of the neighbourhood programme. No actix, no diesel: only what a value may be.
//!
//! Constructors validate, so past the API edge a value of one of these types is known to be good.
//! A failed check is a [`Rejection`]: a stable code and a sentence for the client.

pub mod access;
pub mod assessments;
pub mod evaluations;
pub mod events;
pub mod mail;
pub mod partners;
pub mod policy_issues;
pub mod principal;
pub mod projects;
pub mod reachability;
pub mod reference;
pub mod signals;
pub mod time;
pub mod tracking;
pub mod webhooks;

/// Why one input value was refused: a stable snake_case code and a human-readable reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: &'static str,
    pub reason: String,
}

impl Rejection {
    pub fn new(code: &'static str, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }
}

/// One line of text of at most `max_chars` characters, trimmed; blank or with control
/// characters is refused. (The length counts what was sent, so that it agrees with the
/// documented `maxLength`.)
pub fn bounded_text(value: &str, max_chars: usize) -> Result<String, Rejection> {
    checked_text(value, max_chars, char::is_control)
}

/// Text of at most `max_chars` characters that may span lines: as [`bounded_text`], but tabs
/// and line breaks are allowed.
pub fn multiline_text(value: &str, max_chars: usize) -> Result<String, Rejection> {
    checked_text(value, max_chars, |c| {
        c.is_control() && !matches!(c, '\n' | '\t' | '\r')
    })
}

fn checked_text(
    value: &str,
    max_chars: usize,
    forbidden: impl Fn(char) -> bool,
) -> Result<String, Rejection> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Rejection::new("empty", "must not be empty"));
    }
    if value.chars().count() > max_chars {
        return Err(Rejection::new(
            "too_long",
            format!("must be at most {max_chars} characters"),
        ));
    }
    if value.chars().any(forbidden) {
        return Err(Rejection::new(
            "control_characters",
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// An id made by wijkregie or named by a client (a project, partner or department): 1 to 64
/// ASCII letters, digits and `-`.
pub fn opaque_id(value: &str) -> Result<String, Rejection> {
    if value.is_empty()
        || value.len() > 64
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        Err(Rejection::new("invalid_id", "is not an id"))
    } else {
        Ok(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_text_trims_and_counts_characters_not_bytes() {
        assert_eq!(bounded_text("  Laak  ", 8), Ok("Laak".to_owned()));
        assert_eq!(
            bounded_text("  Laak  ", 4).map_err(|r| r.code),
            Err("too_long")
        );
        assert_eq!(
            bounded_text("a\nb", 4).map_err(|r| r.code),
            Err("control_characters")
        );
        assert_eq!(
            bounded_text("\u{8b}", 4).map_err(|r| r.code),
            Err("control_characters")
        );
        assert_eq!(bounded_text("ëëëë", 4), Ok("ëëëë".to_owned()));
        assert_eq!(
            bounded_text("ëëëëë", 4).map_err(|r| r.code),
            Err("too_long")
        );
        assert_eq!(bounded_text("   ", 4).map_err(|r| r.code), Err("empty"));
        assert_eq!(
            bounded_text("a\u{0}b", 4).map_err(|r| r.code),
            Err("control_characters")
        );
    }

    #[test]
    fn opaque_ids_are_short_ascii_words() {
        assert_eq!(opaque_id("0190-ab"), Ok("0190-ab".to_owned()));
        for bad in ["", "a b", "é", "a_b", &"x".repeat(65)] {
            assert_eq!(
                opaque_id(bad).map_err(|r| r.code),
                Err("invalid_id"),
                "{bad}"
            );
        }
    }

    #[test]
    fn multiline_text_allows_line_breaks_and_tabs_only() {
        assert_eq!(multiline_text(" a\n\tb\r\n ", 10), Ok("a\n\tb".to_owned()));
        assert_eq!(
            multiline_text("a\u{0}b", 10).map_err(|r| r.code),
            Err("control_characters")
        );
        assert_eq!(multiline_text("\n", 10).map_err(|r| r.code), Err("empty"));
    }
}
