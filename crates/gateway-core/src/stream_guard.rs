//! Guarding a streamed response against silent truncation.
//!
//! When an upstream stream breaks after its first bytes reached the client, no retry or fallback
//! is possible any more; what the gateway still owes the client is an explicit end. The guard
//! watches the events that pass, knows the terminal event of the stream's API ([`StreamDialect`],
//! judged by the upstream path: one provider serves several APIs), and when the stream ends
//! without one (a broken connection, or a clean close that came too early) it renders an error
//! event in that API's shape, so that SDKs raise instead of returning a truncated answer that
//! looks complete.

use serde_json::{json, Value};

use crate::completion::BodyEnd;
use crate::sse::{SseEvent, SseParser};

/// The API a stream speaks, which decides its terminal and error events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamDialect {
    /// OpenAI Chat Completions and legacy Completions, at any provider speaking them (OpenAI's
    /// compatible APIs, Gemini's `openai/` endpoints, Anthropic's `v1/chat/completions`): ends
    /// with `data: [DONE]`.
    ChatCompletions,
    /// OpenAI's Responses API: ends with `response.completed`, `response.incomplete` or
    /// `response.failed`; no `[DONE]`.
    Responses,
    /// OpenAI speech (`stream_format: "sse"`) and transcription streams: end with
    /// `speech.audio.done` / `transcript.text.done`.
    Audio,
    /// OpenAI image generation and edit streams: end with `image_generation.completed` /
    /// `image_edit.completed`.
    Images,
    /// Anthropic Messages: ends with `message_stop`.
    AnthropicMessages,
    /// Gemini `streamGenerateContent?alt=sse`: no end marker; the last chunk carries a
    /// `finishReason`.
    Gemini,
    /// Any other stream: no terminal event is known, so only a broken read is flagged.
    Unknown,
}

impl StreamDialect {
    /// The dialect of a stream answering `upstream_url`. The path decides, not the provider:
    /// `/responses` is the Responses API and `/chat/completions` Chat Completions whoever serves
    /// them, `/v1/messages` is Anthropic's Messages API, `:streamGenerateContent` Gemini's. A path
    /// that names no known streaming API is [`StreamDialect::Unknown`].
    pub fn of(upstream_url: &str) -> StreamDialect {
        let (path, _) = crate::route::split_url(upstream_url);
        let path = path.trim_end_matches('/');
        let mut segments = path.rsplit('/');
        let last = segments.next().unwrap_or_default();
        let before = segments.next().unwrap_or_default();
        let method = last.rsplit_once(':').or_else(|| rsplit_encoded_colon(last)).map(|(_, m)| m);
        match (before, last) {
            (_, "completions") => StreamDialect::ChatCompletions,
            // `POST /responses`, and `GET /responses/{id}?stream=true` resuming a background one.
            (_, "responses") | ("responses", _) => StreamDialect::Responses,
            ("audio", "speech" | "transcriptions") => StreamDialect::Audio,
            ("images", "generations" | "edits") => StreamDialect::Images,
            ("v1", "messages") => StreamDialect::AnthropicMessages,
            _ if method == Some("streamGenerateContent") => StreamDialect::Gemini,
            _ => StreamDialect::Unknown,
        }
    }

    /// The event types (the `event:` name, or the data's top-level `type`) that end a stream of
    /// the typed dialects; empty for the others.
    fn terminal_types(self) -> &'static [&'static str] {
        match self {
            StreamDialect::Responses => &["response.completed", "response.incomplete", "response.failed"],
            StreamDialect::Audio => &["speech.audio.done", "transcript.text.done"],
            StreamDialect::Images => &["image_generation.completed", "image_edit.completed"],
            StreamDialect::AnthropicMessages => &["message_stop"],
            _ => &[],
        }
    }
}

/// `name%3Amethod` split at its last encoded colon (a client may percent-encode the `:`).
fn rsplit_encoded_colon(segment: &str) -> Option<(&str, &str)> {
    let at = segment.to_ascii_lowercase().rfind("%3a")?;
    Some((&segment[..at], &segment[at + 3..]))
}

/// Watches one SSE stream for its terminal event.
#[derive(Debug)]
pub struct StreamGuard {
    dialect: StreamDialect,
    parser: SseParser,
    saw_terminal: bool,
    saw_error: bool,
    /// The last Responses `sequence_number` seen, which the appended error event follows.
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
            if dialect == StreamDialect::Responses {
                *sequence = sequence_number(&event.data).or(*sequence);
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
        StreamDialect::ChatCompletions => event.data == "[DONE]",
        StreamDialect::Gemini => event.data.contains("\"finishReason\""),
        StreamDialect::Unknown => false,
        typed => has_type(event, typed.terminal_types()),
    }
}

/// Whether the event is one of `types`: by its `event:` name, or (for providers that send no
/// names) by the data's top-level `type`. The data is parsed only when it mentions a type.
fn has_type(event: &SseEvent, types: &[&str]) -> bool {
    if let Some(name) = event.event.as_deref().filter(|n| *n != "message") {
        return types.contains(&name);
    }
    let mentioned = types.iter().any(|t| event.data.contains(t));
    mentioned
        && serde_json::from_str::<Value>(&event.data)
            .ok()
            .and_then(|v| v.get("type").and_then(Value::as_str).map(|t| types.contains(&t)))
            .unwrap_or(false)
}

fn is_error(dialect: StreamDialect, event: &SseEvent) -> bool {
    let named = event.event.as_deref() == Some("error");
    match dialect {
        StreamDialect::AnthropicMessages => named,
        StreamDialect::Responses => {
            named || event.data.starts_with("{\"error\"") || event.data.starts_with("{\"type\":\"error\"")
        }
        _ => named || event.data.starts_with("{\"error\""),
    }
}

/// The top-level `sequence_number` of a Responses event (the only one in its data: nested
/// objects carry none), read without parsing the event.
fn sequence_number(data: &str) -> Option<u64> {
    let (_, after) = data.split_once("\"sequence_number\":")?;
    let digits = after.trim_start();
    let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// An error event in the shape of `dialect`'s streams: for Anthropic an `event: error` (what its
/// SDKs raise on); for the Responses API an `event: error` with the documented top-level `code`
/// and `message` after event number `sequence`, and the nested `error` object that OpenAI
/// actually sends and its SDKs raise on; for the others a `data:` chunk holding an OpenAI-shaped
/// `error` object (what the OpenAI SDKs raise on).
pub fn error_event(dialect: StreamDialect, code: &str, message: &str, sequence: u64) -> Vec<u8> {
    let text = match dialect {
        StreamDialect::AnthropicMessages => {
            let body = json!({"type": "error", "error": {"type": "api_error", "message": message}});
            format!("event: error\ndata: {body}\n\n")
        }
        StreamDialect::Responses => {
            let body = json!({
                "type": "error", "sequence_number": sequence, "code": code, "message": message, "param": null,
                "error": {"type": "server_error", "code": code, "message": message, "param": null},
            });
            format!("event: error\ndata: {body}\n\n")
        }
        _ => {
            let body = json!({"error": {"message": message, "type": "server_error", "code": code}});
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
