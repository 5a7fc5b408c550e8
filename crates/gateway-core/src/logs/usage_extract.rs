//! Token usage and model name read from a provider response, on the side.
//!
//! Runs on a copy of the response: [`from_json`] on a complete body, or a [`UsageExtractor`] fed
//! each [`SseEvent`] of a stream. The format is recognised per event, so the OpenAI-compatible
//! providers (groq, mistral, deepseek, grok, workers-ai …) need nothing special:
//!
//! - Each `usage` object (OpenAI Chat Completions, the Responses API's `response.*` events,
//!   Anthropic's `message_start`/`message_delta`, Groq's `x_groq.usage`) and Gemini's
//!   `usageMetadata` is read by [`UsageReport`] (the fields per format are listed in
//!   [`crate::usage::report`]): cache reads and writes, and reasoning, are kept apart.
//! - A stream's reports combine field by field ([`UsageReport::merge`]): Anthropic's input and
//!   cache counts from `message_start` and its output from `message_delta`. OpenAI-compatible
//!   streams carry usage in their last chunk only when the request set
//!   `stream_options.include_usage`, which the gateway sets itself where the provider takes it
//!   ([`crate::stream_usage`]).
//! - **Workers AI** native: the OpenAI fields, possibly wrapped in `{"result": …}`; streamed text
//!   in `response`.
//!
//! **Estimate** when a stream reported no usage at all: input = ⌈c/4⌉ where c is the number of
//! characters of text in the request's messages ([`request_text_chars`]), output = ⌈d/4⌉ where d
//! is the number of characters of streamed text deltas (content, reasoning and tool-call
//! arguments), with `estimated: true`. Four characters per token is the usual English average;
//! code and non-Latin scripts are under-counted.

use serde_json::Value;

use crate::sse::SseEvent;
use crate::usage::report::UsageReport;
use crate::usage::Usage;

/// What was read from a response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    pub usage: Option<Usage>,
    /// The model the provider says answered.
    pub model: Option<String>,
}

/// Usage and model of one JSON object: a whole response or one stream event.
fn read_object(v: &Value) -> (Option<UsageReport>, Option<String>) {
    // Workers AI's native API wraps its answer in {"result": …}.
    if let Some(inner) = v.get("result").filter(|r| r.is_object()) {
        return read_object(inner);
    }
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    if let Some(m) = v.get("usageMetadata") {
        return (UsageReport::gemini(m), text(v, "modelVersion"));
    }
    match v.get("type").and_then(Value::as_str) {
        Some("message_start") => {
            let msg = v.get("message").unwrap_or(&Value::Null);
            return (msg.get("usage").and_then(UsageReport::anthropic), text(msg, "model"));
        }
        Some(t) if t.starts_with("response.") => {
            let resp = v.get("response").unwrap_or(&Value::Null);
            return (resp.get("usage").and_then(UsageReport::of_usage), text(resp, "model"));
        }
        _ => {}
    }
    let usage = v
        .get("usage")
        .filter(|u| !u.is_null())
        .or_else(|| v.get("x_groq").and_then(|x| x.get("usage")))
        .and_then(UsageReport::of_usage);
    (usage, text(v, "model").or_else(|| text(v, "modelVersion")))
}

/// Reads usage and model from a complete (non-streamed) JSON response body. A body that is not
/// JSON, or has no usage, yields `usage: None`; nothing is estimated here.
pub fn from_json(body: &str) -> Extracted {
    serde_json::from_str::<Value>(body).map(|v| from_value(&v)).unwrap_or_default()
}

/// Reads usage and model from a response body's JSON value, or from the members of it that
/// [`crate::logs::json_fields::JsonFields`] kept (those named in [`RESPONSE_MEMBERS`]).
pub fn from_value(v: &Value) -> Extracted {
    let (parts, model) = read_object(v);
    Extracted { usage: parts.and_then(UsageReport::usage), model }
}

/// The top-level members of a JSON response that [`from_value`] and the log's error message read:
/// a body scanned for these alone gives the same usage and model as the whole body.
pub const RESPONSE_MEMBERS: &[&str] =
    &["usage", "usageMetadata", "model", "modelVersion", "x_groq", "type", "error", "message"];

/// Reads usage from a stream, one event at a time. Never fails: events that are not JSON
/// (`[DONE]`, pings) are skipped.
#[derive(Debug, Default)]
pub struct UsageExtractor {
    report: UsageReport,
    model: Option<String>,
    delta_chars: usize,
}

impl UsageExtractor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one event of the response stream.
    pub fn feed(&mut self, event: &SseEvent) {
        let Ok(v) = serde_json::from_str::<Value>(&event.data) else {
            return;
        };
        let (parts, model) = read_object(&v);
        if let Some(report) = parts {
            self.report.merge(report);
        }
        if self.model.is_none() {
            self.model = model;
        }
        self.delta_chars += delta_text_chars(&v);
    }

    /// The result once the stream ended: the reported usage, or the estimate described in the
    /// module doc when none was reported (`request_body` feeds the input estimate; `None` counts
    /// as no input text).
    pub fn finish(self, request_body: Option<&str>) -> Extracted {
        let usage = self.report.usage().or_else(|| {
            Some(Usage {
                input_tokens: estimate_tokens(request_body.map(request_text_chars).unwrap_or(0)),
                output_tokens: estimate_tokens(self.delta_chars),
                estimated: true,
                ..Usage::default()
            })
        });
        Extracted { usage, model: self.model }
    }
}

/// ⌈chars / 4⌉.
pub fn estimate_tokens(chars: usize) -> u64 {
    chars.div_ceil(4) as u64
}

/// Characters of generated text in one stream event, in any of the three formats.
fn delta_text_chars(v: &Value) -> usize {
    let mut total = 0;
    let mut add = |s: Option<&Value>| total += s.and_then(Value::as_str).map_or(0, |s| s.chars().count());
    if let Some(choices) = v.get("choices").and_then(Value::as_array) {
        for c in choices {
            let delta = c.get("delta").unwrap_or(&Value::Null);
            add(delta.get("content"));
            add(delta.get("reasoning_content"));
            add(delta.get("reasoning"));
            for call in delta.get("tool_calls").and_then(Value::as_array).into_iter().flatten() {
                add(call.get("function").and_then(|f| f.get("arguments")));
            }
        }
    }
    if v.get("type").and_then(Value::as_str) == Some("content_block_delta") {
        let delta = v.get("delta").unwrap_or(&Value::Null);
        add(delta.get("text"));
        add(delta.get("thinking"));
        add(delta.get("partial_json"));
    }
    if v.get("type").and_then(Value::as_str) == Some("response.output_text.delta") {
        add(v.get("delta"));
    }
    // Workers AI's native stream: {"response": "text"}.
    add(v.get("response").filter(|r| r.is_string()));
    for cand in v.get("candidates").and_then(Value::as_array).into_iter().flatten() {
        let parts = cand.get("content").and_then(|c| c.get("parts")).and_then(Value::as_array);
        for part in parts.into_iter().flatten() {
            add(part.get("text"));
        }
    }
    total
}

/// Characters of text in a request's prompt: every string under `messages`, `system`,
/// `contents`, `systemInstruction`, `input`, `instructions` and `prompt`, except `role`,
/// `type` and `model` fields and image/audio data. Not JSON → 0.
pub fn request_text_chars(body: &str) -> usize {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return 0;
    };
    ["messages", "system", "contents", "systemInstruction", "input", "instructions", "prompt"]
        .iter()
        .filter_map(|k| v.get(*k))
        .map(text_chars)
        .sum()
}

fn text_chars(v: &Value) -> usize {
    match v {
        Value::String(s) => s.chars().count(),
        Value::Array(items) => items.iter().map(text_chars).sum(),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| {
                !matches!(k.as_str(), "role" | "type" | "model" | "image_url" | "inlineData" | "source" | "input_audio")
            })
            .map(|(_, v)| text_chars(v))
            .sum(),
        _ => 0,
    }
}

/// The `model` field of a JSON request body.
pub fn model_from_request(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    v.get("model").and_then(Value::as_str).map(str::to_string)
}

/// The model named in a Gemini-style path (`…/models/{model}:generateContent`), or in a
/// Workers AI path (`/@cf/…`); `None` otherwise.
pub fn model_from_path(path: &str) -> Option<String> {
    let path = path.split('?').next().unwrap_or(path);
    if let Some(i) = path.find("/@cf/").or_else(|| path.find("/@hf/")) {
        return Some(path[i + 1..].to_string());
    }
    let rest = path.split("/models/").nth(1)?;
    let model = rest.split([':', '/']).next()?;
    (!model.is_empty()).then(|| model.to_string())
}

#[cfg(test)]
#[path = "usage_extract_tests.rs"]
mod tests;
