//! What every outbound HTTP call reads of an answer (webhook deliveries, an identity provider's
//! discovery document and key set): at most a given number of bytes, however much the other
//! side sends. A body that ends within the limit leaves the connection ready for the next
//! request; a longer one is cut there and its connection dropped, so a receiver that streams
//! an endless answer costs this service a few kilobytes, not its memory. Depends on nothing in
//! the crate.

/// What a webhook delivery reads of a receiver's answer: the status decides, the body is read
/// only so that a short one leaves the connection reusable.
pub const DELIVERY_ANSWER_BYTES: usize = 4 * 1024;

/// The most a key set or a discovery document may weigh.
pub const DOCUMENT_BYTES: usize = 1024 * 1024;

/// The body of an answer, read up to a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounded {
    /// The first bytes of the body, at most the limit.
    pub bytes: Vec<u8>,
    /// Whether the body ended within the limit (when not, the connection was dropped).
    pub complete: bool,
}

/// Reads at most `limit` bytes of `response`'s body, then drops the response (and with an
/// unfinished body, its connection).
pub async fn read_at_most(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Bounded, reqwest::Error> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = limit - bytes.len();
        if chunk.len() > room {
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(Bounded {
                bytes,
                complete: false,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Bounded {
        bytes,
        complete: true,
    })
}
