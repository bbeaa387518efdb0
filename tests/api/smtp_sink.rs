//! A real SMTP server for the mail tests on 127.0.0.1: `mailin` speaks the protocol (its
//! session decides every reply), this file only carries the lines between the socket and the
//! session, one thread per connection. It accepts every message and keeps it, parsed, for the
//! test to read. It can be started late on a port chosen before, to play a server that is down
//! and comes back. (No TLS: the tests send in plain text, and leaving out mailin-embedded's
//! TLS keeps a second crypto library out of the test build.)

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mailin::response::OK;
use mailin::{Action, Handler, Response, SessionBuilder};

/// One message the server took.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub list_unsubscribe: String,
    pub raw: String,
}

impl Mail {
    fn parse(to: Vec<String>, raw: &[u8]) -> Self {
        let parsed = mailparse::parse_mail(raw).expect("a well-formed message");
        let header = |name: &str| {
            mailparse::MailHeaderMap::get_first_value(parsed.headers.as_slice(), name)
                .unwrap_or_default()
        };
        let part = |mime: &str| {
            parsed
                .subparts
                .iter()
                .find(|p| p.ctype.mimetype == mime)
                .map(|p| p.get_body().expect("a readable part"))
                .unwrap_or_default()
        };
        Self {
            to,
            subject: header("Subject"),
            list_unsubscribe: header("List-Unsubscribe"),
            text: part("text/plain"),
            html: part("text/html"),
            raw: String::from_utf8_lossy(raw).into_owned(),
        }
    }

    /// The token of the unsubscribe link.
    pub fn unsubscribe_token(&self) -> String {
        self.list_unsubscribe
            .trim_matches(['<', '>'])
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

#[derive(Clone, Default)]
struct Sink {
    mails: Arc<Mutex<Vec<Mail>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Sink {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = Mail::parse(std::mem::take(&mut self.to), &self.data);
        self.mails.lock().unwrap().push(mail);
        OK
    }
}

/// The server's mailbox.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    /// A port on 127.0.0.1 that nothing listens on (yet).
    pub fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port()
    }

    /// Starts a server on a port of its own.
    pub fn start() -> Self {
        Self::start_on(Self::free_port())
    }

    /// Starts a server on `port`, in a thread of its own for the rest of the test run.
    pub fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("listen for SMTP");
        let sink = Sink::default();
        let mails = sink.mails.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let sink = sink.clone();
                std::thread::spawn(move || {
                    let _ = converse(stream, sink);
                });
            }
        });
        Self { port, mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// The mails to `address`, once there are `count` of them (fails after 15 s).
    pub async fn wait_for(&self, address: &str, count: usize) -> Vec<Mail> {
        let start = Instant::now();
        loop {
            let mails: Vec<Mail> = self
                .mails()
                .into_iter()
                .filter(|m| m.to.iter().any(|to| to == address))
                .collect();
            if mails.len() >= count {
                return mails;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "{count} mail(s) to {address} expected, got {}: {:?}",
                mails.len(),
                mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
            );
            actix_rt::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// One SMTP conversation: the greeting, then each line the client sends answered as the
/// session says, until it closes.
fn converse(stream: TcpStream, sink: Sink) -> std::io::Result<()> {
    let remote = stream.peer_addr()?.ip();
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = BufWriter::new(stream);
    let mut session = SessionBuilder::new("sink.test").build(remote, sink);
    session.greeting().write_to(&mut writer)?;
    writer.flush()?;
    let mut line = Vec::with_capacity(80);
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let response = session.process(&line);
        match response.action {
            Action::NoReply => continue,
            Action::Reply | Action::UpgradeTls => response.write_to(&mut writer)?,
            Action::Close => {
                response.write_to(&mut writer)?;
                writer.flush()?;
                return Ok(());
            }
        }
        writer.flush()?;
    }
}
