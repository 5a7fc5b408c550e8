//! The answer's text as response-phase plugins read it: the new text one streamed event adds, in
//! each dialect a client may receive, and every piece of text of a whole JSON answer.

use serde_json::Value;

use crate::sse::SseEvent;
use crate::stream_guard::StreamDialect;

/// The text `event` adds to the answer, as the dialect's format reads it
/// ([`WireFormat::event_text`](crate::translate::WireFormat::event_text): Chat Completions'
/// `choices[].delta.content`, Anthropic's `content_block_delta` `delta.text`, Gemini's
/// `candidates[].content.parts[].text`, Responses' `response.output_text.delta`); `None` for an
/// event that adds none.
pub fn event_text(dialect: StreamDialect, event: &SseEvent) -> Option<String> {
    let StreamDialect::Chat(format) = dialect else { return None };
    let value: Value = serde_json::from_str(&event.data).ok()?;
    let text = format.event_text(&value)?;
    (!text.is_empty()).then_some(text)
}

/// Replaces the text `event` adds (see [`event_text`]) by `text`; whether it could. An event of
/// Chat Completions with an empty `delta` (the finish chunk) takes text too; a Gemini event only
/// with a single text part.
pub fn set_event_text(dialect: StreamDialect, event: &mut SseEvent, text: &str) -> bool {
    let StreamDialect::Chat(format) = dialect else { return false };
    let Ok(mut value) = serde_json::from_str::<Value>(&event.data) else { return false };
    if !format.set_event_text(&mut value, text) {
        return false;
    }
    event.data = value.to_string();
    true
}

/// Every piece of text of a whole JSON answer: strings under members named `content` or `text`
/// (`choices[].message.content`, `content[].text`, `candidates[].content.parts[].text`,
/// `output[].content[].text`).
pub fn json_texts(value: &Value) -> Vec<&str> {
    super::prompt::strings_under(value, &["content", "text"])
}

#[cfg(test)]
#[path = "answer_text_tests.rs"]
mod tests;
