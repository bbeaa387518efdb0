//! E-mail to people without an API (DESIGN §15): the mail channel of the delivery machinery in
//! `jobs::webhooks`. The service's one mail queue (a `subscriptions` row of channel `mail`) is
//! claimed, leased, retried with the same backoff and dead-lettered like a subscription; where a
//! webhook is POSTed, [`Mailer::deliver`] reads who hears of the event's moment *now* (consent,
//! address, unsubscribes: `db::mail`), writes each message from its template (`message`) and
//! sends it over SMTP, or into a folder in development.

pub mod message;

use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::webhooks::sending::Outcome;
use crate::config::{MailSettings, SmtpSecurity, SmtpSettings};
use crate::db::events::EventRow;
use crate::db::mail::{self as repo, Addressee};
use crate::db::{Db, write_transaction};
use crate::domain::mail::moment_of;
use crate::domain::time;

/// The status recorded on a delivery that went out (SMTP's "requested action completed").
const SENT: u16 = 250;

/// Where messages go.
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Development: one `.eml` file per message.
    Folder(AsyncFileTransport<Tokio1Executor>),
}

/// Writes and sends the messages of the mail queue.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// The service's public base URL, for the tracking and unsubscribe links.
    public_url: String,
    description: String,
}

/// Why one message did not go out.
enum Failure {
    /// The server refused it for good (a 5xx: no such mailbox, say): retrying will not help.
    Permanent(String),
    /// The server is down, slow or answered 4xx: the event is tried again later.
    Transient { status: Option<u16>, error: String },
}

impl Mailer {
    /// The mailer the settings describe; `None` when neither SMTP nor a folder is configured.
    pub fn new(
        settings: &MailSettings,
        public_url: String,
        timeout: Duration,
    ) -> Result<Option<Self>, String> {
        message::check_templates()?;
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| format!("WIJKREGIE_MAIL_FROM: {e}"))?;
        let (transport, description) = match (&settings.smtp, &settings.dir) {
            (Some(smtp), _) => (
                Transport::Smtp(smtp_transport(smtp, timeout)?),
                format!("over SMTP to {}", smtp.host),
            ),
            (None, Some(dir)) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create the mail folder {}: {e}", dir.display()))?;
                (
                    Transport::Folder(AsyncFileTransport::new(dir)),
                    format!("as .eml files into {}", dir.display()),
                )
            }
            (None, None) => return Ok(None),
        };
        Ok(Some(Self {
            transport,
            from,
            public_url,
            description,
        }))
    }

    /// Where mail goes, for the start-up log.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Sends the messages of `event`'s moment to whoever should hear of it now. Delivered when
    /// every message went out or was refused for good (logged); failed when the server could not
    /// take one, so that the event is tried again (those already sent may then arrive twice:
    /// delivery is at least once, as for webhooks).
    pub async fn deliver(&self, db: &Db, event: &EventRow) -> Outcome {
        let data = event.data_json();
        let Some(moment) = moment_of(&event.action, &data) else {
            return Outcome::Delivered(SENT);
        };
        let reason = data["reason"].as_str().map(str::to_owned);
        let id = event.resource_id.clone();
        let found = db
            .read(move |conn| {
                write_transaction(conn, |conn| {
                    repo::letters(conn, moment.subject(), &id, time::now())
                })
            })
            .await;
        let (about, addressees) = match found {
            Ok(Some(found)) => found,
            Ok(None) => return Outcome::Delivered(SENT),
            Err(e) => {
                return Outcome::Failed {
                    status: None,
                    error: format!("cannot read the recipients: {e}"),
                };
            }
        };
        for to in addressees {
            let sent =
                match message::render(moment, &about, &to, reason.as_deref(), &self.public_url) {
                    Ok(rendered) => self.send(&to, rendered).await,
                    Err(e) => Err(Failure::Transient {
                        status: None,
                        error: e,
                    }),
                };
            match sent {
                Ok(()) => {}
                Err(Failure::Permanent(error)) => log::warn!(
                    "mail: the {} message of event {} was refused for good: {error}",
                    moment.name(),
                    event.id
                ),
                Err(Failure::Transient { status, error }) => {
                    return Outcome::Failed { status, error };
                }
            }
        }
        Outcome::Delivered(SENT)
    }

    async fn send(&self, to: &Addressee, rendered: message::Rendered) -> Result<(), Failure> {
        let mailbox: Mailbox = to
            .email
            .parse()
            .map_err(|e| Failure::Permanent(format!("the address is not one: {e}")))?;
        let unsubscribe = format!("<{}>", rendered.unsubscribe_url);
        let header = |name: &'static str, value: String| {
            HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(mailbox)
            .subject(rendered.subject)
            .raw_header(header("List-Unsubscribe", unsubscribe))
            .raw_header(header(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".to_owned(),
            ))
            .raw_header(header("Content-Language", "nl".to_owned()))
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| Failure::Permanent(format!("cannot build the message: {e}")))?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| {
                let status = e.status().map(u16::from);
                if e.is_permanent() {
                    Failure::Permanent(e.to_string())
                } else {
                    Failure::Transient {
                        status,
                        error: e.to_string(),
                    }
                }
            }),
            Transport::Folder(folder) => {
                folder
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| Failure::Transient {
                        status: None,
                        error: e.to_string(),
                    })
            }
        }
    }
}

/// The SMTP transport of the settings: implicit TLS, required STARTTLS or plain; rustls with
/// the webpki roots either way; credentials when a user is given.
fn smtp_transport(
    smtp: &SmtpSettings,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let tls = || {
        TlsParameters::new(smtp.host.clone()).map_err(|e| {
            format!(
                "WIJKREGIE_SMTP_URL: cannot set up TLS to {}: {e}",
                smtp.host
            )
        })
    };
    let (tls, default_port) = match smtp.security {
        SmtpSecurity::Tls => (Tls::Wrapper(tls()?), 465),
        SmtpSecurity::StartTls => (Tls::Required(tls()?), 587),
        SmtpSecurity::Plain => (Tls::None, 25),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone())
        .port(smtp.port.unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(timeout));
    if let Some(user) = &smtp.user {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            smtp.password.clone().unwrap_or_default(),
        ));
    }
    Ok(builder.build())
}
