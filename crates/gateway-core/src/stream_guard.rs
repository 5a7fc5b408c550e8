//! Guarding a streamed response against silent truncation.
//!
//! When an upstream stream breaks after its first bytes reached the client, no retry or fallback
//! is possible any more; what the gateway still owes the client is an explicit end. The guard
//! watches the events that pass, knows the terminal event of the stream's API ([`StreamDialect`],
//! judged by the upstream path: one provider serves several APIs; for the chat APIs the gateway
//! translates, their [`WireFormat`] says), and when the stream ends
//! without one (a broken connection, or a clean close that came too early) it renders an error
//! event in that API's shape, so that SDKs raise instead of returning a truncated answer that
//! looks complete.

use serde_json::json;

use crate::completion::BodyEnd;
use crate::sse::{SseEvent, SseParser};
use crate::translate::wire::{self, has_type};
use crate::translate::Format;

/// The API a stream speaks, which decides its terminal and error events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamDialect {
    /// A chat API the gateway translates, whose [`WireFormat`] knows its terminal and error
    /// events: OpenAI Chat Completions (and legacy Completions) at any provider speaking them,
    /// ending with `data: [DONE]`; Anthropic Messages, ending with `message_stop`; Gemini
    /// `streamGenerateContent?alt=sse`, without an end marker (the last chunk carries a
    /// `finishReason`); OpenAI Responses, ending with `response.completed`,
    /// `response.incomplete` or `response.failed`, its events numbered.
    Chat(Format),
    /// OpenAI speech (`stream_format: "sse"`) and transcription streams: end with
    /// `speech.audio.done` / `transcript.text.done`.
    Audio,
    /// OpenAI image generation and edit streams: end with `image_generation.completed` /
    /// `image_edit.completed`.
    Images,
    /// Any other stream: no terminal event is known, so only a broken read is flagged.
    Unknown,
}

impl StreamDialect {
    /// The dialect of a stream answering `upstream_url`. The path decides, not the provider:
    /// a translated format's when one claims it ([`WireFormat::streams_at`]: `/chat/completions`
    /// is Chat Completions whoever serves it, `/v1/messages` Anthropic's Messages API,
    /// `:streamGenerateContent` Gemini's, `/responses` the Responses API). A path that names no
    /// known streaming API is [`StreamDialect::Unknown`].
    pub fn of(upstream_url: &str) -> StreamDialect {
        let (path, _) = crate::route::split_url(upstream_url);
        let path = path.trim_end_matches('/');
        if let Some(format) = Format::streamed_at(path) {
            return StreamDialect::Chat(format);
        }
        match wire::last_segments(path) {
            ("audio", "speech" | "transcriptions") => StreamDialect::Audio,
            ("images", "generations" | "edits") => StreamDialect::Images,
            _ => StreamDialect::Unknown,
        }
    }

    /// The event types (the `event:` name, or the data's top-level `type`) that end a stream of
    /// the typed dialects; empty for the others.
    fn terminal_types(self) -> &'static [&'static str] {
        match self {
            StreamDialect::Audio => &["speech.audio.done", "transcript.text.done"],
            StreamDialect::Images => &["image_generation.completed", "image_edit.completed"],
            _ => &[],
        }
    }
}

/// Watches one SSE stream for its terminal event.
#[derive(Debug)]
pub struct StreamGuard {
    dialect: StreamDialect,
    parser: SseParser,
    saw_terminal: bool,
    saw_error: bool,
    /// The last event number seen in a format that numbers its events (Responses'
    /// `sequence_number`), which the appended error event follows.
    last_sequence: Option<u64>,
}

impl StreamGuard {
    /// A guard for a stream of `dialect`.
    pub fn new(dialect: StreamDialect) -> Self {
        StreamGuard { dialect, parser: SseParser::new(), saw_terminal: false, saw_error: false, last_sequence: None }
    }

    /// Notes the next chunk of the stream, as it passes unchanged.
    pub fn observe(&mut self, chunk: &[u8]) {
        let dialect = self.dialect;
        let (terminal, error, sequence) = (&mut self.saw_terminal, &mut self.saw_error, &mut self.last_sequence);
        self.parser.feed(chunk, |event| {
            *terminal |= is_terminal(dialect, &event);
            *error |= is_error(dialect, &event);
            if let StreamDialect::Chat(format) = dialect {
                *sequence = format.event_sequence(&event.data).or(*sequence);
            }
        });
    }

    /// Whether the stream so far ended properly: its terminal event seen, no partial event after
    /// it. Dialects without a known terminal event count as ended properly.
    pub fn ended_properly(&self) -> bool {
        let known = self.dialect != StreamDialect::Unknown;
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
        let sequence = self.last_sequence.map_or(0, |n| n.saturating_add(1));
        out.extend_from_slice(&error_event(self.dialect, STREAM_ERROR_CODE, &end.incomplete_message(), sequence));
        Some(out)
    }
}

/// The `code` of the error event a client receives for a stream that ended badly, translated or not.
pub const STREAM_ERROR_CODE: &str = "upstream_stream_error";

/// Whether `event` ends a stream of `dialect` normally.
fn is_terminal(dialect: StreamDialect, event: &SseEvent) -> bool {
    match dialect {
        StreamDialect::Chat(format) => format.is_stream_end(event),
        StreamDialect::Unknown => false,
        typed => has_type(event, typed.terminal_types()),
    }
}

fn is_error(dialect: StreamDialect, event: &SseEvent) -> bool {
    match dialect {
        StreamDialect::Chat(format) => format.is_stream_error(event),
        _ => event.event.as_deref() == Some("error") || event.data.starts_with(r#"{"error""#),
    }
}

/// An error event in the shape of `dialect`'s streams: for a translated format its own
/// ([`WireFormat::broken_stream_event`]: Anthropic an `event: error`, what its SDKs raise on;
/// Responses an `event: error` after event number `sequence`); for the others a `data:` chunk
/// holding an OpenAI-shaped `error` object (what the OpenAI SDKs raise on).
pub fn error_event(dialect: StreamDialect, code: &str, message: &str, sequence: u64) -> Vec<u8> {
    if let StreamDialect::Chat(format) = dialect {
        return format.broken_stream_event(code, message, sequence);
    }
    let body = json!({"error": {"message": message, "type": "server_error", "code": code}});
    format!("data: {body}\n\n").into_bytes()
}

/// For the rustdoc links only.
#[cfg(doc)]
use crate::translate::WireFormat;

#[cfg(test)]
#[path = "stream_guard_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "stream_guard_props.rs"]
mod props;
