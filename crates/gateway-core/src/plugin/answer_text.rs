//! The answer's text as response-phase plugins read it: the new text one streamed event adds, in
//! each dialect a client may receive, and every piece of text of a whole JSON answer.

use serde_json::Value;

use crate::sse::SseEvent;
use crate::stream_guard::StreamDialect;

/// The text `event` adds to the answer: Chat Completions' `choices[].delta.content`,
/// Anthropic's `content_block_delta` `delta.text`, Gemini's `candidates[].content.parts[].text`,
/// the Responses API's `response.output_text.delta`; `None` for an event that adds none.
pub fn event_text(dialect: StreamDialect, event: &SseEvent) -> Option<String> {
    let value: Value = serde_json::from_str(&event.data).ok()?;
    let text = match dialect {
        StreamDialect::ChatCompletions => value
            .get("choices")?
            .as_array()?
            .iter()
            .filter_map(|c| c.pointer("/delta/content").and_then(Value::as_str))
            .collect::<String>(),
        StreamDialect::AnthropicMessages => value.pointer("/delta/text").and_then(Value::as_str)?.to_string(),
        StreamDialect::Gemini => value
            .get("candidates")?
            .as_array()?
            .iter()
            .flat_map(|c| c.pointer("/content/parts").and_then(Value::as_array).into_iter().flatten())
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<String>(),
        StreamDialect::Responses if value.get("type").and_then(Value::as_str) == Some("response.output_text.delta") => {
            value.get("delta").and_then(Value::as_str)?.to_string()
        }
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// Replaces the text `event` adds (see [`event_text`]) by `text`; whether it could. An event of
/// Chat Completions with an empty `delta` (the finish chunk) takes text too; a Gemini event only
/// with a single text part.
pub fn set_event_text(dialect: StreamDialect, event: &mut SseEvent, text: &str) -> bool {
    let Ok(mut value) = serde_json::from_str::<Value>(&event.data) else { return false };
    let slot = match dialect {
        StreamDialect::ChatCompletions => {
            value.pointer_mut("/choices/0/delta").and_then(Value::as_object_mut).map(|delta| {
                delta.insert("content".into(), Value::String(text.to_string()));
            })
        }
        StreamDialect::AnthropicMessages => {
            value.pointer_mut("/delta/text").map(|t| *t = Value::String(text.to_string()))
        }
        StreamDialect::Gemini => match value.pointer_mut("/candidates/0/content/parts").and_then(Value::as_array_mut) {
            Some(parts) if parts.len() == 1 => parts[0].get_mut("text").map(|t| *t = Value::String(text.to_string())),
            _ => None,
        },
        StreamDialect::Responses => {
            value.get_mut("delta").filter(|d| d.is_string()).map(|d| *d = Value::String(text.to_string()))
        }
        _ => None,
    };
    if slot.is_none() {
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
