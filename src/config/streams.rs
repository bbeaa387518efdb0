//! Live updates for browsers (DESIGN §16): how many event streams one principal may hold open
//! on an instance, how often an idle stream says it is alive, and how often an instance looks
//! for events that other instances committed.

use std::time::Duration;

/// The settings of `GET /events` with `Accept: text/event-stream`. Durations rather than
/// constants so that tests can shorten the heartbeat instead of waiting for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSettings {
    /// Streams one principal (subject, role and scope) may hold open on this instance
    /// (`WIJKREGIE_STREAMS_PER_PRINCIPAL`, default 5); one more is a 429.
    pub per_principal: usize,
    /// The longest a stream stays silent: a comment line then
    /// (`WIJKREGIE_STREAM_HEARTBEAT_SECONDS`, default and at most 15).
    pub heartbeat: Duration,
    /// How often the instance looks for events committed elsewhere, once for all its streams
    /// (`WIJKREGIE_STREAM_POLL_MS`, default 250; at most 1,000, so they arrive within a second).
    pub poll: Duration,
}

impl StreamSettings {
    /// The documented defaults.
    pub fn defaults() -> Self {
        Self {
            per_principal: 5,
            heartbeat: Duration::from_secs(15),
            poll: Duration::from_millis(250),
        }
    }
}

/// The stream settings of the environment.
pub(super) fn stream_settings(
    var: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
) -> StreamSettings {
    let defaults = StreamSettings::defaults();
    let per_principal = super::number(
        var,
        "WIJKREGIE_STREAMS_PER_PRINCIPAL",
        defaults.per_principal,
        1,
        1000,
        problems,
    );
    let heartbeat = super::number(
        var,
        "WIJKREGIE_STREAM_HEARTBEAT_SECONDS",
        15,
        1,
        15,
        problems,
    );
    let poll = super::number(var, "WIJKREGIE_STREAM_POLL_MS", 250, 20, 1000, problems);
    StreamSettings {
        per_principal,
        heartbeat: Duration::from_secs(heartbeat),
        poll: Duration::from_millis(poll),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::tests::settings;
    use super::StreamSettings;

    #[test]
    fn streams_default_to_five_per_principal_and_a_heartbeat_every_fifteen_seconds() {
        let streams = |pairs: &[(&str, &str)]| settings(pairs).map(|s| s.streams);
        assert_eq!(
            streams(&[]),
            Ok(StreamSettings {
                per_principal: 5,
                heartbeat: Duration::from_secs(15),
                poll: Duration::from_millis(250),
            })
        );
        assert_eq!(
            streams(&[
                ("WIJKREGIE_STREAMS_PER_PRINCIPAL", "2"),
                ("WIJKREGIE_STREAM_HEARTBEAT_SECONDS", "1"),
                ("WIJKREGIE_STREAM_POLL_MS", "100"),
            ]),
            Ok(StreamSettings {
                per_principal: 2,
                heartbeat: Duration::from_secs(1),
                poll: Duration::from_millis(100),
            })
        );
    }

    #[test]
    fn a_heartbeat_beyond_fifteen_seconds_or_no_stream_at_all_is_refused_at_start() {
        let problems = settings(&[
            ("WIJKREGIE_STREAM_HEARTBEAT_SECONDS", "60"),
            ("WIJKREGIE_STREAMS_PER_PRINCIPAL", "0"),
        ])
        .err()
        .unwrap_or_default();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
