//! What the runtime provides to the pipeline: HTTP, timers and a clock.
//!
//! The pipeline does no I/O itself. In Workers the port is `fetch` and JS streams
//! (`src/http_port.rs`); in tests, an in-memory fake. The upstream response stays opaque
//! ([`HttpPort::Response`]) so that, when nothing needs to see it, the runtime's response object
//! goes back to the client untouched and its body is never read.

use std::rc::Rc;

use async_trait::async_trait;

use crate::error::GatewayError;
use crate::headers::Headers;
use crate::plugin::{ResponseHead, UpstreamHead};

/// A request body on its way upstream: still the client's stream (sent once, never read by the
/// gateway), or bytes the gateway read or built (which can be sent again on a retry).
#[derive(Debug, Clone)]
pub enum RequestBody<B> {
    Stream(B),
    Bytes(Rc<[u8]>),
}

/// The runtime's side of the pipeline.
#[async_trait(?Send)]
pub trait HttpPort {
    /// A request body as the runtime streams it.
    type Body;
    /// An upstream response as the runtime holds it, body unread.
    type Response;

    /// Milliseconds on the runtime's clock.
    fn now_ms(&self) -> f64;

    /// A random number in `[0, 1)`, for weighted choices.
    fn random(&self) -> f64;

    /// Fills `out` with random bytes (log ids). The default derives them from
    /// [`HttpPort::random`]; the Workers port uses `crypto.getRandomValues`.
    fn random_bytes(&self, out: &mut [u8]) {
        for byte in out.iter_mut() {
            *byte = (self.random() * 256.0) as u8;
        }
    }

    /// The value of a Worker secret (a stored provider key), `None` when it is not set.
    fn secret(&self, name: &str) -> Option<String>;

    /// Reads a whole body, failing with 413 (`PayloadTooLarge`) as soon as it exceeds `max_bytes`
    /// (what was not read yet is then drained, as [`HttpPort::discard`] does). `declared` is the
    /// client's `content-length`, already checked against `max_bytes`: with it the runtime may
    /// read the body in one piece instead of counting chunk by chunk.
    async fn read_body(&self, body: Self::Body, declared: Option<u64>, max_bytes: u64)
        -> Result<Vec<u8>, GatewayError>;

    /// Reads and drops a body the gateway refuses, so that a client still uploading receives the
    /// refusal rather than a reset connection. Implementations bound how much they read.
    async fn discard(&self, body: Self::Body);

    /// Waits `ms` milliseconds (between retries).
    async fn sleep(&self, ms: u64);

    /// Sends the request upstream and resolves when the response headers arrive. Redirects are
    /// returned, not followed. `headers_edited` is false when `upstream.headers` are exactly the
    /// client's headers less those the forwarding rules drop: the runtime may then copy its own
    /// header object and delete those names instead of building one from the list.
    /// `first_byte_timeout_ms` bounds the wait for the response head; the request is aborted then.
    /// With `wait_for_body` (set when another attempt could follow a timeout), it also bounds the
    /// wait for the first bytes of a 2xx body, so that a head followed by a stall fails over
    /// instead of reaching the client.
    /// Errors: `UpstreamUnreachable` when no response came, `UpstreamTimeout` on the timeout.
    async fn fetch(
        &self,
        upstream: &UpstreamHead,
        headers_edited: bool,
        body: Option<RequestBody<Self::Body>>,
        first_byte_timeout_ms: Option<u64>,
        wait_for_body: bool,
    ) -> Result<Self::Response, GatewayError>;

    /// The response's status and headers, copied out.
    fn response_head(&self, response: &Self::Response) -> ResponseHead;

    /// The same response body with a new status and headers.
    fn with_head(&self, response: Self::Response, head: ResponseHead) -> Result<Self::Response, GatewayError>;

    /// The same response with `headers` set on it (replacing same-named ones), body untouched.
    fn set_headers(&self, response: Self::Response, headers: &Headers) -> Result<Self::Response, GatewayError>;

    /// Reads a response body whole, up to `max_bytes` (a body over the limit is an error). For
    /// responses the gateway must rewrite, such as a translated JSON answer.
    async fn read_response(&self, response: Self::Response, max_bytes: u64) -> Result<Vec<u8>, GatewayError>;

    /// Drops a response the gateway will not use (a failed attempt before a retry), releasing
    /// its connection.
    fn cancel(&self, response: Self::Response);

    /// One response header's value, without copying the others out.
    fn header(&self, response: &Self::Response, name: &str) -> Option<String>;

    /// The response's status.
    fn status(&self, response: &Self::Response) -> u16;
}
