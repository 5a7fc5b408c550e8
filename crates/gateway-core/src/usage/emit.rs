//! Writing a [`Usage`] as each client dialect reports usage, cache and reasoning numbers
//! included, so that a translated answer tells the client what the provider said.
//!
//! Cache writes have no field of their own in OpenAI's (Chat Completions and Responses) or Gemini's shape: they are counted in
//! the input there, as those providers count theirs.

use serde_json::{json, Value};

use super::Usage;

/// An OpenAI Chat Completions `usage` object.
pub fn openai_chat(u: &Usage) -> Value {
    json!({
        "prompt_tokens": u.input_tokens,
        "completion_tokens": u.output_tokens,
        "total_tokens": u.total_tokens(),
        "prompt_tokens_details": {"cached_tokens": u.cached_input_tokens},
        "completion_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
    })
}

/// An OpenAI Responses API `usage` object.
pub fn openai_responses(u: &Usage) -> Value {
    json!({
        "input_tokens": u.input_tokens,
        "input_tokens_details": {"cached_tokens": u.cached_input_tokens},
        "output_tokens": u.output_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        "total_tokens": u.total_tokens(),
    })
}

/// An Anthropic `usage` object: `input_tokens` without the cache reads and writes, which have
/// their own fields.
pub fn anthropic(u: &Usage) -> Value {
    json!({
        "input_tokens": u.uncached_input_tokens(),
        "cache_creation_input_tokens": u.cache_write_input_tokens,
        "cache_read_input_tokens": u.cached_input_tokens,
        "output_tokens": u.output_tokens,
    })
}

/// A Gemini `usageMetadata` object: `candidatesTokenCount` without the thoughts, which are
/// `thoughtsTokenCount` (sent only when there were some, as Gemini does).
pub fn gemini(u: &Usage) -> Value {
    let mut m = json!({
        "promptTokenCount": u.input_tokens,
        "candidatesTokenCount": u.visible_output_tokens(),
        "totalTokenCount": u.total_tokens(),
        "cachedContentTokenCount": u.cached_input_tokens,
    });
    if u.reasoning_tokens > 0 {
        m["thoughtsTokenCount"] = json!(u.reasoning_tokens);
    }
    m
}

#[cfg(test)]
#[path = "emit_tests.rs"]
mod tests;
