//! `compat/messages/count_tokens`: Anthropic's token-count API for any model.
//!
//! Claude Code and other Anthropic clients ask how many input tokens a request would use before
//! sending it (to decide when to compact a conversation). The answer is Anthropic's
//! `{"input_tokens": n}` whatever the provider:
//!
//! - `anthropic/…`: forwarded to `v1/messages/count_tokens` (model rewritten, other bytes kept).
//! - `google-ai-studio/…`: Gemini's own `models/{model}:countTokens`, given the whole translated
//!   `generateContent` request (system instruction and tools count too); its `totalTokens` is
//!   the answer.
//! - every other provider (no token-count endpoint for chat requests): the gateway's estimate,
//!   answered without an upstream call — ⌈c / 4⌉ + 1,600 per image, where c counts the
//!   characters of the system prompt, message texts, tool calls (name and arguments), tool
//!   results and tool definitions (name, description and JSON schema). Four characters per token
//!   is the usual English average (code and non-Latin scripts are under-counted); 1,600 is what
//!   Anthropic charges for the largest image it takes unresized, so images are not under-counted.

use serde_json::{json, Value};

use super::ir::{ChatRequest, Part};
use super::{gemini, json};
use crate::error::GatewayError;

/// Characters per token of the estimate.
pub const CHARS_PER_TOKEN: usize = 4;
/// Tokens counted per image by the estimate.
pub const TOKENS_PER_IMAGE: u64 = 1_600;

/// The upstream path of Gemini's token count for `model` (`models/` prefix optional).
pub fn gemini_path(model: &str) -> String {
    format!("v1beta/models/{}:countTokens", model.strip_prefix("models/").unwrap_or(model))
}

/// The `countTokens` body: the request as Gemini would be sent it, wrapped as its
/// `generateContentRequest` (which counts the system instruction and tools, unlike `contents`).
///
/// Errors: those of [`gemini::request_from_ir`] (400).
pub fn gemini_request(request: &ChatRequest, model: &str) -> Result<Value, GatewayError> {
    let mut inner = gemini::request_from_ir(request)?;
    inner["model"] = json!(format!("models/{}", model.strip_prefix("models/").unwrap_or(model)));
    Ok(json!({ "generateContentRequest": inner }))
}

/// Gemini's `countTokens` answer as Anthropic's `{"input_tokens": n}`.
///
/// Errors: 502 when `totalTokens` is missing.
pub fn from_gemini(v: &Value) -> Result<Value, GatewayError> {
    let total = json::u64(v, "totalTokens")
        .ok_or_else(|| super::bad_upstream("Gemini countTokens response has no `totalTokens`"))?;
    Ok(json!({ "input_tokens": total }))
}

/// The documented estimate of `request`'s input tokens (see the module documentation).
pub fn estimate(request: &ChatRequest) -> u64 {
    let mut chars = request.system.as_deref().map_or(0, |s| s.chars().count());
    let mut images = 0u64;
    for part in request.messages.iter().flat_map(|m| &m.content) {
        match part {
            Part::Text(t) => chars += t.chars().count(),
            Part::Image(_) => images += 1,
            Part::ToolCall(c) => chars += c.name.chars().count() + c.arguments.chars().count(),
            Part::ToolResult(r) => chars += r.content.chars().count(),
            // Providers leave earlier turns' thinking out of the context they count.
            Part::Reasoning(_) | Part::RedactedReasoning(_) => {}
        }
    }
    for tool in &request.tools {
        chars += tool.name.chars().count()
            + tool.description.as_deref().map_or(0, |d| d.chars().count())
            + tool.parameters.to_string().chars().count();
    }
    (chars.div_ceil(CHARS_PER_TOKEN) as u64).saturating_add(images.saturating_mul(TOKENS_PER_IMAGE))
}

/// Anthropic's answer body for `input_tokens`.
pub fn answer(input_tokens: u64) -> Vec<u8> {
    json!({ "input_tokens": input_tokens }).to_string().into_bytes()
}

#[cfg(test)]
#[path = "count_tokens_tests.rs"]
mod tests;
