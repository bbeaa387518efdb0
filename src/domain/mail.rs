//! The moments at which people without an API are told by e-mail (DESIGN §15), read from the
//! event log: which event is which moment, and who hears of it.

use serde_json::Value;

/// A moment that sends mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// A signal was acknowledged: its tracking link and due date.
    SignalAcknowledged,
    /// A signal was handed to another department (the due date stays).
    SignalReassigned,
    /// A signal was answered: the response.
    SignalAnswered,
    /// An answered or closed signal was reopened.
    SignalReopened,
    /// A project idea was submitted: the receipt, with `responseDueAt`.
    ProjectSubmitted,
    /// The bureau's first answer: in dialogue.
    ProjectInDialogue,
    /// The bureau's first answer: returned to draft, with the reason.
    ProjectReturned,
    ProjectApproved,
    /// Rejected, with the reason.
    ProjectRejected,
    /// The bureau asked a department for advice: the question and the date it is due.
    AdviceRequested,
}

/// Every moment, for the templates' completeness check.
pub const MOMENTS: [Moment; 10] = [
    Moment::SignalAcknowledged,
    Moment::SignalReassigned,
    Moment::SignalAnswered,
    Moment::SignalReopened,
    Moment::ProjectSubmitted,
    Moment::ProjectInDialogue,
    Moment::ProjectReturned,
    Moment::ProjectApproved,
    Moment::ProjectRejected,
    Moment::AdviceRequested,
];

/// Who receives mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// A signal's reporter who wants updates.
    Reporter,
    /// A partner's contact.
    Partner,
    /// A department's contact address.
    Department,
}

impl Recipient {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reporter => "reporter",
            Self::Partner => "partner",
            Self::Department => "department",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Reporter, Self::Partner, Self::Department]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// Whom a moment is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The reporter (with consent) and the reporting partner's contact.
    Signal,
    /// The initiating partner's contact.
    Project,
    /// The asked department's contact address.
    AdviceRequest,
}

impl Moment {
    /// The name of its template, `templates/mail/<name>.txt`.
    pub fn name(self) -> &'static str {
        match self {
            Self::SignalAcknowledged => "signal_acknowledged",
            Self::SignalReassigned => "signal_reassigned",
            Self::SignalAnswered => "signal_answered",
            Self::SignalReopened => "signal_reopened",
            Self::ProjectSubmitted => "project_submitted",
            Self::ProjectInDialogue => "project_in_dialogue",
            Self::ProjectReturned => "project_returned",
            Self::ProjectApproved => "project_approved",
            Self::ProjectRejected => "project_rejected",
            Self::AdviceRequested => "advice_requested",
        }
    }

    pub fn subject(self) -> Subject {
        match self {
            Self::SignalAcknowledged
            | Self::SignalReassigned
            | Self::SignalAnswered
            | Self::SignalReopened => Subject::Signal,
            Self::ProjectSubmitted
            | Self::ProjectInDialogue
            | Self::ProjectReturned
            | Self::ProjectApproved
            | Self::ProjectRejected => Subject::Project,
            Self::AdviceRequested => Subject::AdviceRequest,
        }
    }
}

/// The moment an event is, if any: from its action and the statuses in its `data`.
pub fn moment_of(action: &str, data: &Value) -> Option<Moment> {
    let from = data["before"]["status"].as_str().unwrap_or_default();
    let to = data["after"]["status"].as_str().unwrap_or_default();
    match action {
        "signal.answered" => Some(Moment::SignalAnswered),
        "advice_request.requested" => Some(Moment::AdviceRequested),
        "signal.reassigned" => Some(Moment::SignalReassigned),
        "signal.status_changed" => match to {
            "acknowledged" => Some(Moment::SignalAcknowledged),
            "reopened" => Some(Moment::SignalReopened),
            _ => None,
        },
        "project.status_changed" => match (from, to) {
            (_, "submitted") => Some(Moment::ProjectSubmitted),
            ("submitted", "in_dialogue") => Some(Moment::ProjectInDialogue),
            ("submitted" | "in_dialogue" | "under_assessment", "draft") => {
                Some(Moment::ProjectReturned)
            }
            (_, "approved") => Some(Moment::ProjectApproved),
            (_, "rejected") => Some(Moment::ProjectRejected),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn moved(from: &str, to: &str) -> Value {
        json!({ "before": { "status": from }, "after": { "status": to } })
    }

    #[test]
    fn the_moments_of_design_15_and_no_others() {
        let cases = [
            (
                "signal.status_changed",
                moved("received", "acknowledged"),
                Some(Moment::SignalAcknowledged),
            ),
            (
                "signal.status_changed",
                moved("acknowledged", "in_progress"),
                None,
            ),
            ("signal.status_changed", moved("answered", "closed"), None),
            (
                "signal.status_changed",
                moved("closed", "reopened"),
                Some(Moment::SignalReopened),
            ),
            (
                "signal.answered",
                moved("in_progress", "answered"),
                Some(Moment::SignalAnswered),
            ),
            (
                "signal.reassigned",
                json!({}),
                Some(Moment::SignalReassigned),
            ),
            ("signal.received", json!({}), None),
            (
                "project.status_changed",
                moved("draft", "submitted"),
                Some(Moment::ProjectSubmitted),
            ),
            (
                "project.status_changed",
                moved("submitted", "in_dialogue"),
                Some(Moment::ProjectInDialogue),
            ),
            (
                "project.status_changed",
                moved("submitted", "draft"),
                Some(Moment::ProjectReturned),
            ),
            (
                "project.status_changed",
                moved("in_dialogue", "under_assessment"),
                None,
            ),
            (
                "project.status_changed",
                moved("under_assessment", "approved"),
                Some(Moment::ProjectApproved),
            ),
            (
                "project.status_changed",
                moved("under_assessment", "rejected"),
                Some(Moment::ProjectRejected),
            ),
            ("project.status_changed", moved("approved", "running"), None),
            ("project.created", json!({}), None),
        ];
        for (action, data, expected) in cases {
            assert_eq!(moment_of(action, &data), expected, "{action} {data}");
        }
    }
}
