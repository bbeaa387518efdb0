//! The messages: one template per moment in `templates/mail/` (plain Dutch, reviewed as text;
//! its first line is the subject), put in the shared frame of `layout.txt` and `layout.html`
//! with the tracking and unsubscribe links. The HTML part is the same text, escaped, a
//! paragraph per blank-line-separated block.

use std::sync::LazyLock;

use minijinja::{Environment, context};

use crate::db::mail::{Addressee, Particulars};
use crate::domain::mail::{MOMENTS, Moment, Recipient, Subject};
use crate::domain::tracking::dutch_date;

macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        [$(($name, include_str!(concat!("../../../templates/mail/", $name)))),+]
    };
}

/// Every template, by file name.
const TEMPLATES: [(&str, &str); 12] = templates!(
    "layout.txt",
    "layout.html",
    "signal_acknowledged.txt",
    "signal_reassigned.txt",
    "signal_answered.txt",
    "signal_reopened.txt",
    "project_submitted.txt",
    "project_in_dialogue.txt",
    "project_returned.txt",
    "project_approved.txt",
    "project_rejected.txt",
    "advice_requested.txt",
);

/// The templates, parsed once. `.html` ones escape what they insert, `.txt` ones do not.
static ENVIRONMENT: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| format!("mail template {name}: {e}"))?;
    }
    for moment in MOMENTS {
        env.get_template(&format!("{}.txt", moment.name()))
            .map_err(|e| format!("no mail template for {moment:?}: {e}"))?;
    }
    Ok(env)
});

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    pub unsubscribe_url: String,
}

/// Checks every template once, at start-up.
pub fn check_templates() -> Result<(), String> {
    ENVIRONMENT.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// The message of `moment` for `to`. `reason` is the event's (a returned or rejected project).
pub fn render(
    moment: Moment,
    about: &Particulars,
    to: &Addressee,
    reason: Option<&str>,
    public_url: &str,
) -> Result<Rendered, String> {
    let env = ENVIRONMENT.as_ref().map_err(Clone::clone)?;
    let tracking_url = match moment.subject() {
        Subject::Signal => about
            .tracking_code
            .as_ref()
            .map(|code| format!("{public_url}/track/{code}")),
        Subject::Project | Subject::AdviceRequest => None,
    };
    let unsubscribe_url = format!("{public_url}/unsubscribe/{}", to.token);
    let organisation = to.organisation.clone().unwrap_or_default();
    let (greeting, topic) = match to.recipient {
        Recipient::Reporter => ("Beste melder".to_owned(), "deze melding".to_owned()),
        Recipient::Partner => (
            format!("Beste contactpersoon van {organisation}"),
            format!("de meldingen en projecten van {organisation}"),
        ),
        Recipient::Department => (
            format!("Beste collega's van {organisation}"),
            format!("de adviesaanvragen aan {organisation}"),
        ),
    };
    let rendered = env
        .get_template(&format!("{}.txt", moment.name()))
        .and_then(|t| {
            t.render(context! {
                greeting,
                title => about.title,
                department => about.department,
                due_date => about.due_at.as_ref().map(dutch_date),
                response => about.response,
                reason,
                tracking_url,
            })
        })
        .map_err(|e| format!("cannot write the {} message: {e}", moment.name()))?;
    let (first, body) = rendered.split_once('\n').unwrap_or((&rendered, ""));
    let subject = first
        .strip_prefix("Onderwerp:")
        .unwrap_or(first)
        .trim()
        .to_owned();
    let body = body.trim();
    let paragraphs: Vec<String> = body
        .split("\n\n")
        .map(|p| p.trim().replace('\n', " "))
        .filter(|p| !p.is_empty())
        .collect();
    // The links are the public URL (which config keeps free of what HTML would escape) and hex
    // digits: inserted as they are, not with `/` escaped.
    let link = |url: &str| minijinja::Value::from_safe_string(url.to_owned());
    let frame = |name: &str| {
        env.get_template(name).and_then(|t| {
            t.render(context! {
                subject,
                body,
                paragraphs,
                about => topic,
                tracking_url => tracking_url.as_deref().map(link),
                unsubscribe_url => link(&unsubscribe_url),
            })
        })
    };
    let text = frame("layout.txt").map_err(|e| format!("cannot frame the message: {e}"))?;
    let html = frame("layout.html").map_err(|e| format!("cannot frame the message: {e}"))?;
    Ok(Rendered {
        subject,
        text,
        html,
        unsubscribe_url,
    })
}

#[cfg(test)]
#[allow(
    clippy::panic,
    reason = "a failed expectation in a test is the test failing"
)]
mod tests {
    use super::*;

    fn reporter() -> Addressee {
        Addressee {
            email: "fatima@example.nl".to_owned(),
            recipient: Recipient::Reporter,
            organisation: None,
            token: "0123456789abcdef0123456789abcdef".to_owned(),
        }
    }

    #[test]
    fn every_moment_has_a_template_that_renders_in_dutch_with_both_links() {
        assert_eq!(check_templates(), Ok(()));
        let about = Particulars {
            title: "Speeltuin <kapot> & gevaarlijk".to_owned(),
            tracking_code: Some("fedcba9876543210fedcba9876543210".to_owned()),
            due_at: chrono::NaiveDate::from_ymd_opt(2026, 12, 17)
                .and_then(|d| d.and_hms_opt(9, 0, 0)),
            department: Some("Stadsbeheer".to_owned()),
            response: Some("Het klimrek is vervangen.".to_owned()),
        };
        for moment in MOMENTS {
            let m = render(
                moment,
                &about,
                &reporter(),
                Some("Begroting ontbreekt"),
                "https://wijk.example",
            )
            .unwrap_or_else(|e| panic!("{moment:?}: {e}"));
            assert!(
                m.subject.contains("Speeltuin <kapot>"),
                "{moment:?}: {}",
                m.subject
            );
            assert!(m.text.contains("Met vriendelijke groet"), "{moment:?}");
            assert!(
                m.text
                    .contains("https://wijk.example/unsubscribe/0123456789abcdef0123456789abcdef")
            );
            assert!(
                m.html.contains("&lt;kapot&gt; &amp; gevaarlijk"),
                "{moment:?}: escaped in HTML"
            );
            assert!(!m.html.contains("<kapot>"), "{moment:?}");
            assert!(
                m.html.contains("href=\"https://wijk.example/unsubscribe/"),
                "{moment:?}"
            );
            assert!(!m.text.contains("{{"), "{moment:?}: a placeholder was left");
            if moment.subject() == Subject::Signal {
                assert!(
                    m.text
                        .contains("https://wijk.example/track/fedcba9876543210fedcba9876543210"),
                    "{moment:?}"
                );
                assert!(
                    m.html.contains("href=\"https://wijk.example/track/"),
                    "{moment:?}"
                );
            }
        }
        let acknowledged = render(
            Moment::SignalAcknowledged,
            &about,
            &reporter(),
            None,
            "https://wijk.example",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            acknowledged
                .text
                .contains("uiterlijk 17 december 2026 antwoord"),
            "{}",
            acknowledged.text
        );
        let answered = render(
            Moment::SignalAnswered,
            &about,
            &reporter(),
            None,
            "https://wijk.example",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(answered.text.contains("Het klimrek is vervangen."));
        let rejected = render(
            Moment::ProjectRejected,
            &about,
            &reporter(),
            Some("Begroting ontbreekt"),
            "https://wijk.example",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(rejected.text.contains("Begroting ontbreekt"));
    }
}
