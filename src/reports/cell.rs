//! The cells of every CSV file the service writes — the partner and project exports
//! (`api::export`) and the progress report (`reports::csv`) — and how the partner import reads
//! one back (DESIGN §7, OWASP "CSV injection").
//!
//! A spreadsheet takes a cell that starts with `=`, `+`, `-` or `@` for a formula, and some take
//! one after a leading tab or carriage return the same way: a partner named
//! `=HYPERLINK("https://…")` would become a live link in the bureau's spreadsheet. So text is
//! written with a leading apostrophe when it starts with one of those (or with apostrophes
//! before one of those, so that the import, which takes exactly one apostrophe off such a cell,
//! gives back what was written). Figures — counts, cents, ratios, versions — are the service's
//! own numbers, written from Rust's number types: `-12` or `-0.25` is a negative number to a
//! spreadsheet, not a formula, and stays a number there.

use std::borrow::Cow;

/// The decimals of a ratio in a CSV file ([`Cell::ratio`]).
pub const RATIO_DECIMALS: i32 = 4;

/// What makes a spreadsheet read a cell as a formula (OWASP's list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One field of a CSV row the service writes.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, possibly someone's input: neutralised when written.
    Text(String),
    /// A number the service computed, written as it is (made only by [`Cell::figure`]).
    Figure(String),
}

impl Cell {
    /// A number, as a figure; a float that is not finite is written as text.
    pub fn figure(value: impl Figure) -> Self {
        value.cell()
    }

    /// A number that may not exist (a ratio without a denominator): an empty field then.
    pub fn optional_figure(value: Option<impl Figure>) -> Self {
        value.map_or(Self::Text(String::new()), Figure::cell)
    }

    /// A ratio (a share between figures, such as the co-financing ratio), rounded to
    /// [`RATIO_DECIMALS`] decimals in every CSV the service writes; an empty field when it does
    /// not exist.
    pub fn ratio(value: Option<f64>) -> Self {
        let scale = 10f64.powi(RATIO_DECIMALS);
        Self::optional_figure(value.map(|r| (r * scale).round() / scale))
    }

    /// The field as it goes into the file (before RFC 4180 quoting).
    pub fn written(&self) -> Cow<'_, str> {
        match self {
            Self::Text(text) => neutralised(text),
            Self::Figure(number) => Cow::Borrowed(number),
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

/// The number types a [`Cell::Figure`] is made of: their text is digits, a point, a minus sign
/// and an exponent only, never a formula.
pub trait Figure {
    fn cell(self) -> Cell;
}

macro_rules! whole_figures {
    ($($t:ty),*) => {$(
        impl Figure for $t {
            fn cell(self) -> Cell {
                Cell::Figure(self.to_string())
            }
        }
    )*};
}
whole_figures!(i32, i64, u32, u64, usize);

impl Figure for f64 {
    fn cell(self) -> Cell {
        match self.is_finite() {
            true => Cell::Figure(self.to_string()),
            false => Cell::Text(self.to_string()),
        }
    }
}

/// Text as a CSV cell: with a leading apostrophe when a spreadsheet would take it for a
/// formula.
pub fn neutralised(text: &str) -> Cow<'_, str> {
    if text.trim_start_matches('\'').starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A cell of a file the service wrote (or one edited after it) as the text it stands for:
/// the apostrophe [`neutralised`] put before a formula start is taken off again.
pub fn restored(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.trim_start_matches('\'').starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_starts_like_a_formula_gets_an_apostrophe() {
        for (text, cell) in [
            ("=HYPERLINK(\"https://x\")", "'=HYPERLINK(\"https://x\")"),
            ("+31 70 123 4567", "'+31 70 123 4567"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("'=1", "''=1"),
            ("Moerwijk", "Moerwijk"),
            ("", ""),
            ("'t Hofje", "'t Hofje"),
            ("a=b", "a=b"),
            (" =1", " =1"),
        ] {
            assert_eq!(neutralised(text), cell, "{text:?}");
        }
    }

    #[test]
    fn every_text_comes_back_from_its_cell() {
        for text in [
            "=1", "'=1", "''=1", "'", "''", "'t Hofje", "-", "+31", "@", "\t", "plain", "",
        ] {
            assert_eq!(restored(&neutralised(text)), text, "{text:?}");
        }
        assert_eq!(
            restored("'-5"),
            "-5",
            "an apostrophe typed before a formula start"
        );
    }

    #[test]
    fn figures_stay_numbers_and_text_never_passes_as_one() {
        assert_eq!(Cell::figure(-12_i64).written(), "-12");
        assert_eq!(Cell::figure(-0.25).written(), "-0.25");
        assert_eq!(Cell::optional_figure(None::<f64>).written(), "");
        assert_eq!(Cell::figure(f64::NEG_INFINITY).written(), "'-inf");
        assert_eq!(Cell::from("-12").written(), "'-12");
    }

    #[test]
    fn ratios_are_written_with_at_most_four_decimals() {
        assert_eq!(Cell::ratio(Some(1.0 / 3.0)).written(), "0.3333");
        assert_eq!(Cell::ratio(Some(2.0 / 3.0)).written(), "0.6667");
        assert_eq!(Cell::ratio(Some(0.4)).written(), "0.4");
        assert_eq!(Cell::ratio(Some(0.123_45)).written(), "0.1235");
        assert_eq!(Cell::ratio(None).written(), "");
    }
}
