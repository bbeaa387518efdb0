//! Advice requests (DESIGN §16): the programme bureau asks a department for its advice on an
//! idea by a date. Open until the department finalises an advisory assessment of the project
//! (given) or the bureau withdraws it. The statuses, when one may be made, and its deadline.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::Rejection;
use super::partners::one_of;
use super::projects::{Status, calendar_date};

pub const STATUSES: [&str; 3] = ["open", "given", "withdrawn"];
/// The longest question.
pub const MAX_QUESTION: usize = 5000;

pub fn status(value: &str) -> Result<String, Rejection> {
    one_of(value, &STATUSES)
}

/// Advice is asked while the bureau still weighs the idea: submitted, in dialogue or under
/// assessment.
pub fn may_be_requested(project: Status) -> bool {
    matches!(
        project,
        Status::Submitted | Status::InDialogue | Status::UnderAssessment
    )
}

/// A due date, `YYYY-MM-DD`, not before `today`.
pub fn due_on(value: &str, today: NaiveDate) -> Result<NaiveDate, Rejection> {
    let day = calendar_date(value)?;
    if day < today {
        return Err(Rejection::new("out_of_range", "must not be in the past"));
    }
    Ok(day)
}

/// The end of the day a request is due on (UTC): after it, the request is late.
pub fn due_at(day: NaiveDate) -> NaiveDateTime {
    day.and_time(chrono::NaiveTime::MIN) + Duration::days(1)
}

/// The bureau's move: only an open request can be withdrawn.
pub fn may_withdraw(status: &str) -> bool {
    status == "open"
}

/// Given by its deadline: settled before the end of the day it was due.
pub fn given_on_time(settled_at: NaiveDateTime, due_at: NaiveDateTime) -> bool {
    settled_at < due_at
}

/// Open and past its deadline at `now`.
pub fn is_overdue(status: &str, due_at: NaiveDateTime, now: NaiveDateTime) -> bool {
    status == "open" && now > due_at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_due_today_is_late_from_midnight_on() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap_or_default();
        let due = due_at(day);
        assert!(!is_overdue("open", due, due));
        assert!(is_overdue("open", due, due + Duration::seconds(1)));
        assert!(!is_overdue("given", due, due + Duration::days(3)));
        assert!(due_on("2026-12-07", day).is_err());
        assert_eq!(due_on("2026-12-08", day), Ok(day));
    }
}
