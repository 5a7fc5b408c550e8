//! Thinking in the Gemini dialect: `generationConfig.thinkingConfig` on requests; parts with
//! `thought: true` (thought summaries) and `thoughtSignature`s on answers.
//!
//! Gemini 3 models take `thinkingLevel` (`low`/`high` for Pro, also `minimal`/`medium` for
//! Flash) and cannot stop thinking; Gemini 2.5 models take `thinkingBudget` (Pro: 128–32,768,
//! never 0; Flash-Lite: 512–24,576 or 0; Flash: 0–24,576). Older models (`gemini-1…`,
//! `gemini-2.0…`) and Gemma have no thinking and get no `thinkingConfig`. `includeThoughts` is
//! set whenever thinking is asked for, so the client sees the thinking it asked for.

use serde_json::{json, Value};

use crate::translate::ir::{Reasoning, ReasoningEffort};
use crate::translate::json;

/// Reads `thinkingConfig` from a `generationConfig`: `thinkingLevel`, or `thinkingBudget` (0 is
/// off; -1, Gemini's dynamic budget, reads as medium). `None` when absent.
pub fn request_reasoning(generation_config: &Value) -> Option<Reasoning> {
    let t = json::get(generation_config, "thinkingConfig")?;
    if let Some(level) = json::str(t, "thinkingLevel").and_then(ReasoningEffort::parse) {
        return Some(Reasoning::Effort(level));
    }
    match t.get("thinkingBudget").and_then(Value::as_i64)? {
        0 => Some(Reasoning::Off),
        n if n < 0 => Some(Reasoning::Effort(ReasoningEffort::Medium)),
        n => Some(Reasoning::Budget(n.unsigned_abs())),
    }
}

/// The `thinkingConfig` for `model` (`None` for a model without thinking; see the module
/// documentation for the ranges it is brought into).
pub fn thinking_config(model: &str, reasoning: Reasoning) -> Option<Value> {
    let name = model.strip_prefix("models/").unwrap_or(model);
    if name.starts_with("gemma") || name.starts_with("gemini-1") || name.starts_with("gemini-2.0") {
        return None;
    }
    let pro = name.contains("-pro");
    let thinks = reasoning != Reasoning::Off;
    if name.starts_with("gemini-3") {
        let level = match reasoning.effort() {
            None | Some(ReasoningEffort::Minimal) if pro => "low",
            None => "minimal",
            Some(ReasoningEffort::Medium | ReasoningEffort::High) if pro => "high",
            Some(e) => e.as_str(),
        };
        return Some(json!({"thinkingLevel": level, "includeThoughts": thinks}));
    }
    let (least, most) = if pro {
        (128, 32768)
    } else if name.contains("flash-lite") {
        (512, 24576)
    } else {
        (1, 24576)
    };
    let budget = match reasoning.budget_tokens() {
        None if pro => least,
        None => 0,
        Some(n) => n.clamp(least, most),
    };
    Some(json!({"thinkingBudget": budget, "includeThoughts": thinks}))
}

/// A part's `thoughtSignature`, when it has one.
pub fn signature_of(part: &Value) -> Option<String> {
    json::str(part, "thoughtSignature").filter(|s| !s.is_empty()).map(str::to_string)
}

/// Whether a part is a thought (summary), not answer text.
pub fn is_thought(part: &Value) -> bool {
    part.get("thought").and_then(Value::as_bool) == Some(true)
}

/// A thought part with its signature.
pub fn thought_part(text: &str, signature: Option<&str>) -> Value {
    let mut p = json!({"text": text, "thought": true});
    if let Some(s) = signature {
        p["thoughtSignature"] = json!(s);
    }
    p
}

#[cfg(test)]
#[path = "gemini_thinking_tests.rs"]
mod tests;
