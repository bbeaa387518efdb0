//! Reference data: districts (stadsdelen), neighbourhoods (wijken), departments (vakdiensten)
//! and themes (the routing table for signals).

use super::{Rejection, bounded_text};

/// Longest slug id of a reference record.
pub const SLUG_MAX: usize = 64;
/// Longest name of a reference record.
pub const NAME_MAX: usize = 200;
/// The longest a theme may give a department to answer a signal.
pub const RESPONSE_DAYS_MAX: i64 = 365;

/// A short readable id: lower-case letters and digits in words joined by `-` or `_`.
pub fn slug(value: &str) -> Result<String, Rejection> {
    let valid_words = value.split(['-', '_']).all(|word| {
        !word.is_empty()
            && word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if value.is_empty() || value.len() > SLUG_MAX || !valid_words {
        return Err(Rejection::new(
            "invalid_slug",
            format!(
                "must be 1 to {SLUG_MAX} lower-case letters and digits, words joined by '-' or '_'"
            ),
        ));
    }
    Ok(value.to_owned())
}

/// The display name of a reference record.
pub fn name(value: &str) -> Result<String, Rejection> {
    bounded_text(value, NAME_MAX)
}

/// A CBS neighbourhood code: `WK` and six digits (municipality code and neighbourhood number).
pub fn cbs_code(value: &str) -> Result<String, Rejection> {
    let digits = value.strip_prefix("WK").unwrap_or("");
    if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(Rejection::new(
            "invalid_cbs_code",
            "must be 'WK' followed by six digits, for example WK051828",
        ))
    }
}

/// Days a department has to answer a signal of a theme; 0 means due on receipt.
pub fn response_days(value: i64) -> Result<i32, Rejection> {
    match i32::try_from(value) {
        Ok(days) if (0..=RESPONSE_DAYS_MAX).contains(&value) => Ok(days),
        _ => Err(Rejection::new(
            "out_of_range",
            format!("must be a whole number from 0 to {RESPONSE_DAYS_MAX}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_words() {
        assert!(slug("haagse-hout").is_ok());
        assert!(slug("public_space").is_ok());
        assert!(slug("wk2").is_ok());
        for bad in ["", "Laak", "a--b", "-a", "a-", "a b", "ä", &"a".repeat(65)] {
            assert_eq!(
                slug(bad).map_err(|r| r.code),
                Err("invalid_slug"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn cbs_codes_are_wk_and_six_digits() {
        assert!(cbs_code("WK051828").is_ok());
        for bad in ["WK05182", "wk051828", "WK05182a", "BU051828", ""] {
            assert!(cbs_code(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn response_days_run_from_zero_to_a_year() {
        assert_eq!(response_days(0), Ok(0));
        assert_eq!(response_days(365), Ok(365));
        assert!(response_days(-1).is_err());
        assert!(response_days(366).is_err());
        assert!(response_days(i64::MAX).is_err());
    }
}
