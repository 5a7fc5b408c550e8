//! Guarding a streamed response against silent truncation.
//!
//! When an upstream stream breaks after its first bytes reached the client, no retry or fallback
//! is possible any more; what the gateway still owes the client is an explicit end. The guard
//! watches the events that pass, knows the provider format's terminal event, and when the stream
//! ends without one (a broken connection, or a clean close that came too early) it renders an
//! error event in that format, so that SDKs raise instead of returning a truncated answer that
//! looks complete.

use crate::completion::BodyEnd;
use crate::provider::ApiFormat;
use crate::sse::{SseEvent, SseParser};

/// Watches one SSE stream for its terminal event.
#[derive(Debug)]
pub struct StreamGuard {
    format: ApiFormat,
    parser: SseParser,
    saw_terminal: bool,
    saw_error: bool,
}

impl StreamGuard {
    /// A guard for a stream in `format`.
    pub fn new(format: ApiFormat) -> Self {
        StreamGuard { format, parser: SseParser::new(), saw_terminal: false, saw_error: false }
    }

    /// Notes the next chunk of the stream, as it passes unchanged.
    pub fn observe(&mut self, chunk: &[u8]) {
        let (format, terminal, error) = (self.format, &mut self.saw_terminal, &mut self.saw_error);
        self.parser.feed(chunk, |event| {
            *terminal |= is_terminal(format, &event);
            *error |= is_error(format, &event);
        });
    }

    /// Whether the stream so far ended properly: its terminal event seen, no partial event after
    /// it. Formats without a known terminal event count as ended properly.
    pub fn ended_properly(&self) -> bool {
        let known = !matches!(self.format, ApiFormat::Native);
        (self.saw_terminal || !known) && !self.parser.has_partial()
    }

    /// Whether the upstream itself sent an error event.
    pub fn saw_error(&self) -> bool {
        self.saw_error
    }

    /// Called once at the end of the stream. Returns the error event to append, if the stream did
    /// not end properly and the upstream did not already send an error of its own.
    pub fn end(&mut self, end: BodyEnd) -> Option<Vec<u8>> {
        if (end == BodyEnd::Complete && self.ended_properly()) || self.saw_error {
            return None;
        }
        // A partial event must be closed first, or the error would merge into it.
        let mut out = if self.parser.has_partial() { b"\n\n".to_vec() } else { Vec::new() };
        out.extend_from_slice(&error_event(self.format, STREAM_ERROR_CODE, &end.incomplete_message()));
        Some(out)
    }
}

/// The `code` of the error event a client receives for a stream that ended badly, translated or not.
pub const STREAM_ERROR_CODE: &str = "upstream_stream_error";

/// Whether `event` ends a stream of `format` normally.
fn is_terminal(format: ApiFormat, event: &SseEvent) -> bool {
    match format {
        ApiFormat::OpenAi => event.data == "[DONE]",
        ApiFormat::Anthropic => {
            event.event.as_deref() == Some("message_stop") || event.data.contains("\"type\":\"message_stop\"")
        }
        // Gemini has no end marker: the last chunk is the one whose candidate has a finish reason.
        ApiFormat::Gemini => event.data.contains("\"finishReason\""),
        ApiFormat::Native => false,
    }
}

fn is_error(format: ApiFormat, event: &SseEvent) -> bool {
    match format {
        ApiFormat::Anthropic => event.event.as_deref() == Some("error"),
        _ => event.data.starts_with("{\"error\"") || event.event.as_deref() == Some("error"),
    }
}

/// An error event in the wire format of `format`'s streams: for Anthropic an `event: error`
/// (what its SDKs raise on), for the others a `data:` chunk holding an OpenAI-shaped `error`
/// object (what the OpenAI SDKs raise on).
pub fn error_event(format: ApiFormat, code: &str, message: &str) -> Vec<u8> {
    let text = match format {
        ApiFormat::Anthropic => {
            let body = serde_json::json!({"type": "error", "error": {"type": "api_error", "message": message}});
            format!("event: error\ndata: {body}\n\n")
        }
        _ => {
            let body = serde_json::json!({"error": {"message": message, "type": "server_error", "code": code}});
            format!("data: {body}\n\n")
        }
    };
    text.into_bytes()
}

#[cfg(test)]
#[path = "stream_guard_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "stream_guard_props.rs"]
mod props;
