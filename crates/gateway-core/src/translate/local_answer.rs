//! Answers the gateway writes itself in the client's dialect, whole or streamed: a plugin's
//! refusal given as an ordinary answer rather than an error, so that a chat UI shows it as the
//! assistant's words. Written by the same converters as translated answers, so every client
//! reads one as it reads any answer of its API.

use super::ir::{ChatResponse, FinishReason, Part, StreamEvent};
use super::{Format, StreamOptions};
use crate::usage::Usage;

/// A body the gateway answers with, and its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalAnswer {
    /// `application/json`, or `text/event-stream` for a streamed answer.
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// The assistant answer `text` from `model` in `format`, ending with `finish`; streamed as the
/// format's events (ending as its streams end) when `stream`. `created` (Unix seconds, injected)
/// dates it and makes its id. Usage is zero: no model ran.
pub fn local_answer(
    format: Format,
    model: &str,
    text: &str,
    finish: FinishReason,
    stream: bool,
    created: u64,
) -> LocalAnswer {
    let id = format!("gateway-{created}");
    let usage = Usage::default();
    if !stream {
        let response = ChatResponse {
            id,
            model: model.to_string(),
            content: vec![Part::Text(text.to_string())],
            finish_reason: finish,
            usage: Some(usage),
        };
        return LocalAnswer {
            content_type: "application/json",
            body: super::emit_response(format, &response, created),
        };
    }
    let mut encoder = format.stream_encoder(StreamOptions::at(created));
    let mut body = Vec::new();
    let events = [
        StreamEvent::Start { id, model: model.to_string() },
        StreamEvent::TextDelta(text.to_string()),
        StreamEvent::Finish(finish),
        StreamEvent::Usage(usage),
    ];
    for event in &events {
        encoder.encode(event, &mut body);
    }
    encoder.end(&mut body);
    LocalAnswer { content_type: "text/event-stream", body }
}

#[cfg(test)]
#[path = "local_answer_tests.rs"]
mod tests;
