//! What people without an API see of a signal (DESIGN §15): its tracking code, and the Dutch
//! words for its statuses and moments on the tracking page and in the e-mails.

use chrono::NaiveDateTime;

/// A new tracking code: 128 random bits from the operating system's generator (through
/// `rand`'s thread generator, a CSPRNG), as 32 lowercase hex digits.
pub fn new_code() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Whether `text` has the form of a tracking code (anything else is not looked up).
pub fn is_code(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A signal status in plain Dutch.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "received" => "Ontvangen",
        "acknowledged" => "In behandeling genomen",
        "in_progress" => "Wordt uitgezocht",
        "answered" => "Beantwoord",
        "closed" => "Afgesloten",
        "reopened" => "Opnieuw geopend",
        _ => "Onbekend",
    }
}

/// A date as Dutch prose: "29 november 2026".
pub fn dutch_date(at: &NaiveDateTime) -> String {
    super::time::dutch_date(at.date())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_128_random_bits_in_hex() {
        let (a, b) = (new_code(), new_code());
        assert!(is_code(&a) && is_code(&b), "{a} {b}");
        assert_ne!(a, b);
        assert!(!is_code("0123456789ABCDEF0123456789abcdef"));
        assert!(!is_code("0123"));
    }

    #[test]
    fn dates_read_as_dutch_prose() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 29)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap_or_default();
        assert_eq!(dutch_date(&at), "29 november 2026");
        assert_eq!(status_label("in_progress"), "Wordt uitgezocht");
    }
}
