//! The fine-tuning export (`GET /api/logs?format=finetune`): logged conversations as OpenAI chat
//! fine-tuning examples, one JSON object per line:
//! `{"messages": [system?, user, assistant, tool, …, assistant], "tools"?: […]}`.
//!
//! Each entry becomes one example: its request's conversation followed by the answer the
//! provider gave, as the assistant's last message (text, tool calls or both). Requests and
//! answers are read in any format the gateway translates ([`crate::translate`]): OpenAI Chat
//! Completions, Anthropic Messages, Gemini and OpenAI Responses, whole or streamed (SSE), so an
//! Anthropic call gives an OpenAI example too. What cannot be a faithful example is left out,
//! never guessed at: a failed request, a body that was not kept or was cut to
//! `LOG_BODY_MAX_BYTES`, an endpoint that is not a chat (embeddings, the universal endpoint), a
//! Responses request the translation refuses (stored state), a stream that did
//! not end with a finish, and an answer cut by `max_tokens` or a content filter. The API reports
//! how many entries of the page were left out ([`SKIPPED_HEADER`]).
//!
//! Entries reach this module already scrubbed of secrets (every read path scrubs), so an example
//! holds `[REDACTED]` where the log does.

use serde_json::{Map, Value};

use crate::logs::entry::{LogEntry, TRUNCATION_MARKER};
use crate::sse::{SseEvent, SseParser};
use crate::translate::ir::{ChatResponse, FinishReason, Message, Part, Role, ToolCall};
use crate::translate::{openai, parse_request, parse_response, Format, StreamEvent};

/// The response header giving how many entries of an exported page made no example.
pub const SKIPPED_HEADER: &str = "cf-aig-export-skipped";

/// The examples of a page of entries, one line each, and how many entries made none.
pub fn to_finetune_jsonl(entries: &[LogEntry]) -> (String, usize) {
    let mut out = String::new();
    let mut skipped = 0;
    for entry in entries {
        match example(entry) {
            Some(example) => {
                out.push_str(&example.to_string());
                out.push('\n');
            }
            None => skipped += 1,
        }
    }
    (out, skipped)
}

/// One entry as a fine-tuning example; `None` when it cannot be one (module doc).
pub fn example(entry: &LogEntry) -> Option<Value> {
    if !entry.success || !(200..300).contains(&entry.status) {
        return None;
    }
    let request_body = entry.request_body.as_deref().filter(|b| !is_truncated(b))?;
    let response_body = entry.response_body.as_deref().filter(|b| !is_truncated(b))?;
    let format = Format::of_chat_path(&entry.endpoint)?;
    let mut request = parse_request(format, request_body.as_bytes(), None).ok()?;
    let mut answer = read_answer(response_body)?;
    // The example holds the answer, not the thinking behind it.
    answer.content.retain(|p| !matches!(p, Part::Reasoning(_) | Part::RedactedReasoning(_)));
    if !matches!(answer.finish_reason, FinishReason::Stop | FinishReason::ToolCalls | FinishReason::Other)
        || answer.content.is_empty()
    {
        return None;
    }
    request.messages.push(Message { role: Role::Assistant, content: answer.content });
    let emitted = openai::request_from_ir(&request);
    let mut example = Map::new();
    example.insert("messages".into(), emitted.get("messages")?.clone());
    if let Some(tools) = emitted.get("tools") {
        example.insert("tools".into(), tools.clone());
    }
    Some(Value::Object(example))
}

/// Whether a stored body was cut to `LOG_BODY_MAX_BYTES` (its end is the truncation note).
fn is_truncated(body: &str) -> bool {
    body.ends_with(" bytes]") && body.contains(TRUNCATION_MARKER)
}

/// The answer of a response body, by its shape: one JSON object (or a JSON array of chunks, as
/// Gemini streams without `alt=sse`), or an SSE stream. The format is recognised from the body
/// itself ([`Format::of_answer`]), since the compat endpoint answers in another format than the
/// provider it reached.
fn read_answer(body: &str) -> Option<ChatResponse> {
    let trimmed = body.trim_start();
    if trimmed.starts_with('{') {
        let value: Value = serde_json::from_str(trimmed).ok()?;
        return parse_response(Format::of_answer(&value)?, trimmed.as_bytes()).ok();
    }
    if trimmed.starts_with('[') {
        let chunks: Vec<Value> = serde_json::from_str(trimmed).ok()?;
        let format = Format::of_answer(chunks.first()?)?;
        let events = chunks.iter().map(|c| SseEvent { data: c.to_string(), ..SseEvent::default() }).collect();
        return fold_stream(format, events);
    }
    let mut events = Vec::new();
    let mut parser = SseParser::new();
    parser.feed(body.as_bytes(), |ev| events.push(ev));
    let first = events.iter().find_map(|ev| serde_json::from_str::<Value>(&ev.data).ok())?;
    fold_stream(Format::of_answer(&first)?, events)
}

/// A whole answer from the events of a stream; `None` for a stream that reported an error or
/// never finished.
fn fold_stream(format: Format, events: Vec<SseEvent>) -> Option<ChatResponse> {
    let mut decoded = Vec::new();
    let mut decoder = format.stream_decoder();
    for ev in &events {
        decoder.decode(ev, &mut decoded);
    }
    let mut text = String::new();
    let mut calls: Vec<ToolCall> = Vec::new();
    let mut finish = None;
    for event in decoded {
        match event {
            StreamEvent::TextDelta(delta) => text.push_str(&delta),
            StreamEvent::ToolCallStart { index, id, name, .. } => {
                if calls.len() <= index {
                    calls.resize_with(index + 1, || ToolCall {
                        id: String::new(),
                        name: String::new(),
                        arguments: String::new(),
                        signature: None,
                    });
                }
                calls[index].id = id;
                calls[index].name = name;
            }
            StreamEvent::ToolCallDelta { index, fragment } => calls.get_mut(index)?.arguments.push_str(&fragment),
            StreamEvent::Finish(reason) => finish = Some(reason),
            StreamEvent::Error { .. } => return None,
            // Fine-tuning examples hold the answer, not the thinking behind it.
            StreamEvent::Start { .. }
            | StreamEvent::Usage(_)
            | StreamEvent::ReasoningDelta(_)
            | StreamEvent::ReasoningSignature(_)
            | StreamEvent::RedactedReasoning(_) => {}
        }
    }
    let mut content = Vec::new();
    if !text.is_empty() {
        content.push(Part::Text(text));
    }
    content.extend(calls.into_iter().map(Part::ToolCall));
    Some(ChatResponse { id: String::new(), model: String::new(), content, finish_reason: finish?, usage: None })
}

#[cfg(test)]
#[path = "finetune_tests.rs"]
mod tests;
