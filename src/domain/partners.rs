//! Partners: the organisations in the neighbourhood that initiate, execute and co-finance.

use super::Rejection;

/// The kinds of partner organisation.
pub const PARTNER_KINDS: [&str; 10] = [
    "school",
    "housing_corporation",
    "welfare",
    "community_centre",
    "library",
    "self_organisation",
    "community_work",
    "health",
    "business",
    "other",
];

pub fn partner_kind(value: &str) -> Result<String, Rejection> {
    one_of(value, &PARTNER_KINDS)
}

/// A value from a fixed list.
pub fn one_of(value: &str, allowed: &[&str]) -> Result<String, Rejection> {
    if allowed.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(Rejection::new(
            "not_allowed",
            format!("must be one of {}", allowed.join(", ")),
        ))
    }
}

/// A Chamber of Commerce (KvK) number: exactly eight digits.
pub fn kvk_number(value: &str) -> Result<String, Rejection> {
    if value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(Rejection::new(
            "invalid_kvk_number",
            "must be exactly 8 digits",
        ))
    }
}

/// An e-mail address: a local part, `@`, and a domain of two or more dot-separated labels; no
/// spaces or control characters (the same rule as the documented pattern).
pub fn email(value: &str) -> Result<String, Rejection> {
    let plain = |c: char| !c.is_whitespace() && !c.is_control() && c != '@';
    let valid = value.chars().count() <= 254
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.chars().all(plain)
                && domain.split('.').count() >= 2
                && domain
                    .split('.')
                    .all(|label| !label.is_empty() && label.chars().all(plain))
        });
    if valid {
        Ok(value.to_owned())
    } else {
        Err(Rejection::new(
            "invalid_email",
            "must be an e-mail address like naam@voorbeeld.nl",
        ))
    }
}

/// A web address starting with `https://` or `http://`.
pub fn website(value: &str) -> Result<String, Rejection> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .unwrap_or("");
    if !rest.is_empty()
        && value.len() <= 500
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        Ok(value.to_owned())
    } else {
        Err(Rejection::new(
            "invalid_url",
            "must be a web address starting with https://",
        ))
    }
}

/// The form of text that case-insensitive search compares: lower case in Unicode, accents
/// folded for the letters Dutch names use, so that "Ärger", "ärger" and "arger" all match.
/// Written from Rust into a search column, so both databases compare the same bytes.
pub fn search_form(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kvk_numbers_are_eight_digits() {
        assert!(kvk_number("41150013").is_ok());
        for bad in ["4115001", "411500133", "4115001a", ""] {
            assert!(kvk_number(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn email_addresses_need_a_local_part_and_a_domain() {
        assert!(email("info@buurthuis.nl").is_ok());
        for bad in [
            "info",
            "@buurthuis.nl",
            "info@buurthuis",
            "in fo@x.nl",
            "a@b@c.nl",
            "a@.nl",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn search_form_folds_case_and_accents_beyond_ascii() {
        assert_eq!(search_form(" Ärger Café "), "arger cafe");
        assert_eq!(search_form("ÉCOLE"), "ecole");
    }
}
