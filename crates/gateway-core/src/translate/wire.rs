//! What a wire format is: everything that differs between the APIs the gateway translates, as
//! one trait ([`WireFormat`]) that each format's module implements once.
//!
//! The rest of the gateway never asks "which format is this?": it holds a [`super::Format`]
//! handle and calls these methods, whether it translates a body, guards a stream against
//! truncation, reads a request for the semantic cache or turns a logged call into a fine-tuning
//! example.

use std::fmt::Debug;

use serde_json::{json, Value};

use super::ir::{ApiError, ChatRequest, ChatResponse, StreamEvent};
use super::{json, EmitOptions, StreamOptions};
use crate::error::GatewayError;
use crate::sse::SseEvent;

/// One API the gateway translates (OpenAI Chat Completions, Anthropic Messages, Gemini...).
///
/// Implemented by a unit struct at the end of the format's module and listed once in
/// [`super::FORMATS`]. Every method runs on the request path, so none may block, and none may
/// quote a body it fails to read (bodies hold prompts and keys).
pub trait WireFormat: Sync {
    /// Short stable identifier, lower case (`openai`): formats are equal when their ids are.
    fn id(&self) -> &'static str;

    /// The format's name in messages (`OpenAI`, `Anthropic`, `Gemini`).
    fn name(&self) -> &'static str;

    /// Reads a request body (already parsed JSON) into the IR.
    ///
    /// Errors: 400 naming the field that has the wrong shape.
    fn request_to_ir(&self, body: &Value) -> Result<ChatRequest, GatewayError>;

    /// Writes the IR request as this format's body, dropping what the format cannot honour.
    ///
    /// Errors: 400 when the IR holds something the format cannot say (e.g. tool arguments that
    /// are not a JSON object, for formats that want an object).
    fn request_from_ir(&self, request: &ChatRequest, opts: EmitOptions) -> Result<Value, GatewayError>;

    /// Reads a successful (2xx) answer body into the IR.
    ///
    /// Errors: 502 (`upstream_invalid_response`) naming what is missing.
    fn response_to_ir(&self, body: &Value) -> Result<ChatResponse, GatewayError>;

    /// Writes the IR answer as this format's body for a client that asked as `opts` says:
    /// `opts.created` (Unix seconds, injected) fills the formats that carry a creation time.
    fn response_from_ir(&self, response: &ChatResponse, opts: StreamOptions) -> Value;

    /// Reads an error body (JSON of any shape) answered with `status`; never fails.
    fn error_to_ir(&self, status: u16, body: &Value) -> ApiError;

    /// Writes an error as this format's error body.
    fn error_from_ir(&self, error: &ApiError) -> Value;

    /// A fresh decoder for one stream answered in this format.
    fn stream_decoder(&self) -> Box<dyn StreamDecode>;

    /// A fresh encoder for one stream sent to a client of this format.
    fn stream_encoder(&self, opts: StreamOptions) -> Box<dyn StreamEncode>;

    /// Appends `error` as one event of a stream translated into this format (after which
    /// nothing more is sent), `sequence` the number it takes in formats whose events are numbered
    /// (see [`event_sequence`](Self::event_sequence)). By default a `data:` event holding
    /// [`error_from_ir`](Self::error_from_ir).
    fn stream_error(&self, error: &ApiError, _sequence: u64, out: &mut Vec<u8>) {
        json::sse(out, None, &self.error_from_ir(error).to_string());
    }

    /// Whether a stream answering the upstream `path` (no query, no trailing `/`) speaks this
    /// format, which the stream guard and response plugins then read it by. Judged by the path,
    /// not the provider: one provider serves several APIs.
    fn streams_at(&self, path: &str) -> bool;

    /// Whether `event` ends a stream of this format properly (its terminal event).
    fn is_stream_end(&self, event: &SseEvent) -> bool;

    /// Whether `event` is an error the upstream sent in a stream of this format. By default an
    /// `event: error`, or data that starts with a top-level `error` member.
    fn is_stream_error(&self, event: &SseEvent) -> bool {
        event.event.as_deref() == Some("error") || event.data.starts_with("{\"error\"")
    }

    /// The sequence number an event of this format carries, which an appended error event must
    /// follow; `None` (the default) for formats without one.
    fn event_sequence(&self, _data: &str) -> Option<u64> {
        None
    }

    /// The error event appended to an untranslated stream of this format that ended badly (cut,
    /// or stopped by a plugin), in the shape its SDKs raise on, `sequence` following the last
    /// event's. By default a `data:` event holding an OpenAI-shaped `server_error`, which
    /// OpenAI's SDKs raise on.
    fn broken_stream_event(&self, code: &str, message: &str, _sequence: u64) -> Vec<u8> {
        let body = json!({"error": {"message": message, "type": "server_error", "code": code}});
        format!("data: {body}\n\n").into_bytes()
    }

    /// The text one stream event (parsed data) of this format adds to the answer; `None` when
    /// it adds none. Response plugins read the answer through it.
    fn event_text(&self, event: &Value) -> Option<String>;

    /// Replaces the text `event` adds (see [`event_text`](Self::event_text)) by `text`; whether
    /// the event has a place for it.
    fn set_event_text(&self, event: &mut Value, text: &str) -> bool;

    /// Whether a request sent to the provider path `path` is a chat call in this format (for
    /// the semantic cache and the fine-tuning export).
    fn chat_path(&self, path: &str) -> bool;

    /// The upstream path, relative to the provider's base URL, and query of a chat call for
    /// `model` (the compat endpoint sends there). `version` is the provider's version segment
    /// ([`crate::provider::Provider::unversioned_prefix`]), for formats served at several.
    fn upstream_path(&self, version: Option<&str>, model: &str, stream: bool) -> (String, Option<&'static str>);

    /// Whether a JSON answer or stream chunk is this format's, by the members only it has (the
    /// fine-tuning export reads logged answers whose format it does not know).
    fn recognises(&self, answer: &Value) -> bool;

    /// Where a chat body of this format keeps its conversation, for the semantic cache; `None`
    /// when the semantic cache cannot read this format.
    fn conversation(&self) -> Option<&'static Conversation>;
}

/// Decodes one stream of a format into IR events, event by event.
pub trait StreamDecode: Debug {
    /// Decodes one SSE event into `out`; true when the stream has properly ended (its terminal
    /// event, or an error event). Malformed events are skipped.
    fn decode(&mut self, event: &SseEvent, out: &mut Vec<StreamEvent>) -> bool;

    /// Whether the answer is complete although the stream has not ended: formats without an end
    /// marker (Gemini) finish with a finish reason, and usage may still follow until the end of
    /// the body. False by default.
    fn finished(&self) -> bool {
        false
    }
}

/// Encodes IR events as one stream of a format.
pub trait StreamEncode: Debug {
    /// Appends `event` in the format to `out`.
    fn encode(&mut self, event: &StreamEvent, out: &mut Vec<u8>);

    /// Appends the stream's proper end (e.g. `data: [DONE]`); called once.
    fn end(&mut self, out: &mut Vec<u8>);

    /// The number the next event takes, for formats whose events are numbered (an error
    /// appended after the encoder's events must follow them); `None` (the default) otherwise.
    fn next_sequence(&self) -> Option<u64> {
        None
    }
}

/// Where a chat body keeps its conversation: what the semantic cache compares and keeps exact
/// ([`crate::cache::semantic::text::split`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversation {
    /// The JSON pointer to the request's sampling temperature (`/temperature`).
    pub temperature: &'static str,
    /// The top-level list of turns (`messages`).
    pub turns: &'static str,
    /// The member of a turn holding its text, a string or a list of parts (`content`).
    pub content: &'static str,
    /// The role of the model's turns besides `assistant` (Gemini's `model`).
    pub model_role: &'static str,
    /// Whether a turn without a role is the user's (Gemini).
    pub roleless_is_user: bool,
    /// Roles of instructions, which are never compared (OpenAI's `system`, `developer`).
    pub instruction_roles: &'static [&'static str],
    /// The `type` a text part must have (`text`); `None` when every part with a `text` is text.
    pub text_part_type: Option<&'static str>,
}

/// The `:method` of a path's last segment (`models/gemini-pro:streamGenerateContent`), the colon
/// possibly percent-encoded by the client.
pub fn path_method(path: &str) -> Option<&str> {
    let last = path.rsplit('/').next().unwrap_or_default();
    if let Some((_, method)) = last.rsplit_once(':') {
        return Some(method);
    }
    let at = last.to_ascii_lowercase().rfind("%3a")?;
    Some(&last[at + 3..])
}

/// The last two segments of a path (`("v1", "messages")` for `/v1/messages`), empty when absent.
pub fn last_segments(path: &str) -> (&str, &str) {
    let mut segments = path.rsplit('/');
    let last = segments.next().unwrap_or_default();
    (segments.next().unwrap_or_default(), last)
}

/// Whether the event is one of `types`: by its `event:` name, or (for providers that send no
/// names) by the data's top-level `type`. The data is parsed only when it mentions a type.
pub fn has_type(event: &SseEvent, types: &[&str]) -> bool {
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

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
