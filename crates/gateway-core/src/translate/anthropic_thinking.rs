//! Extended thinking in the Anthropic Messages dialect.
//!
//! - The request's `thinking`: `{type: "enabled", budget_tokens}`, `{type: "disabled"}`, or
//!   `{type: "adaptive"}` with `output_config.effort`. Emitted only when Anthropic would take it
//!   ([`thinking_param`]): thinking needs `budget_tokens` ≥ 1,024 and below `max_tokens`, no
//!   forced tool use, and in a tool loop the last assistant turn starting with its thinking.
//! - Thinking blocks: `thinking` (text and `signature`) and `redacted_thinking` (opaque `data`).
//!   A request sends Anthropic only the signed ones: it refuses the others.
//! - Another provider's signature on a tool call (Gemini's `thoughtSignature`) has no place in a
//!   `tool_use` block. Answers to Anthropic clients carry it as the `signature` of a thinking
//!   block right before the `tool_use` (the block of the thinking text before it, or an empty
//!   one), prefixed with [`TOOL_CALL_SIGNATURE`]; a client sends thinking blocks back unchanged,
//!   and parsing gives the signature back to the next `tool_use` of the message.

use serde_json::{json, Value};

use crate::translate::ir::{ChatRequest, Part, Reasoning, ReasoningEffort, Role, Thought, ToolChoice};
use crate::translate::json;

/// The prefix of a thinking block's `signature` that belongs to the next tool call (see the
/// module documentation). Anthropic's own signatures are base64, without `:`.
pub const TOOL_CALL_SIGNATURE: &str = "tool-call-signature:";

/// Anthropic's smallest `budget_tokens`.
pub const MIN_BUDGET: u64 = 1024;

/// Reads the request's `thinking`; `None` when absent or of an unknown type.
pub fn request_reasoning(v: &Value) -> Option<Reasoning> {
    let t = json::get(v, "thinking")?;
    match json::str(t, "type")? {
        "enabled" => {
            Some(json::u64(t, "budget_tokens").map_or(Reasoning::Effort(ReasoningEffort::Medium), Reasoning::Budget))
        }
        "disabled" => Some(Reasoning::Off),
        "adaptive" => Some(Reasoning::Effort(
            v.pointer("/output_config/effort")
                .and_then(Value::as_str)
                .and_then(ReasoningEffort::parse)
                .unwrap_or(ReasoningEffort::High),
        )),
        _ => None,
    }
}

/// The `thinking` to send and the `max_tokens` that goes with it, or `None` when thinking
/// cannot be asked for (the model's default then applies, which is no thinking):
/// - an explicit `max_tokens` of 1,024 or less leaves no room for Anthropic's least budget;
///   one at or below the budget halves the budget (1,024 at least) to fit;
/// - with no `max_tokens`, the budget is added to `default_max_tokens`, so the answer keeps
///   the room it would have had;
/// - forced tool use (`tool_choice` any or a named tool) is kept and thinking dropped;
/// - a last assistant turn with tool calls that does not start with signed thinking (its
///   thinking was lost, or another provider answered it) would be refused.
pub fn thinking_param(req: &ChatRequest, default_max_tokens: u64) -> Option<(Value, u64)> {
    let max_tokens = req.max_tokens.unwrap_or(default_max_tokens);
    let budget = match req.reasoning? {
        Reasoning::Off => return Some((json!({"type": "disabled"}), max_tokens)),
        r => r.budget_tokens()?.max(MIN_BUDGET),
    };
    if matches!(req.tool_choice, Some(ToolChoice::Required | ToolChoice::Named(_))) || !last_turn_keeps_thinking(req) {
        return None;
    }
    let (budget, max_tokens) = match req.max_tokens {
        None => (budget, default_max_tokens.saturating_add(budget)),
        Some(max) if max <= MIN_BUDGET => return None,
        Some(max) if max <= budget => ((max / 2).max(MIN_BUDGET), max),
        Some(max) => (budget, max),
    };
    Some((json!({"type": "enabled", "budget_tokens": budget}), max_tokens))
}

/// Whether the last assistant turn either has no tool calls or starts with signed thinking.
fn last_turn_keeps_thinking(req: &ChatRequest) -> bool {
    let Some(last) = req.messages.iter().rev().find(|m| m.role == Role::Assistant) else { return true };
    if !last.content.iter().any(|p| matches!(p, Part::ToolCall(_))) {
        return true;
    }
    matches!(
        last.content.first(),
        Some(Part::RedactedReasoning(_) | Part::Reasoning(Thought { signature: Some(_), .. }))
    )
}

/// The thinking blocks of `parts` for a request (`for_client` false: unsigned thinking and
/// tool call signatures dropped) or for an answer to a client (`for_client` true: see the module
/// documentation), with the blocks of the other parts from `other`, in order.
pub fn blocks<E>(
    parts: &[Part],
    for_client: bool,
    mut other: impl FnMut(&Part) -> Result<Option<Value>, E>,
) -> Result<Vec<Value>, E> {
    let mut out: Vec<Value> = Vec::new();
    for p in parts {
        match p {
            Part::Reasoning(Thought { text, signature }) => {
                if signature.is_some() || for_client {
                    let signature = signature.as_deref().unwrap_or_default();
                    out.push(json!({"type": "thinking", "thinking": text, "signature": signature}));
                }
            }
            Part::RedactedReasoning(data) => out.push(json!({"type": "redacted_thinking", "data": data})),
            Part::ToolCall(c) => {
                if let (Some(s), true) = (&c.signature, for_client) {
                    let tagged = format!("{TOOL_CALL_SIGNATURE}{s}");
                    match out.last_mut() {
                        Some(b) if b["type"] == "thinking" && b["signature"] == "" => b["signature"] = json!(tagged),
                        _ => out.push(json!({"type": "thinking", "thinking": "", "signature": tagged})),
                    }
                }
                out.extend(other(p)?);
            }
            _ => out.extend(other(p)?),
        }
    }
    Ok(out)
}

/// The part of a `thinking` block and the tool call signature it carries for the next
/// `tool_use`, if any. The text of a block that carried a tool call's signature comes back as
/// unsigned thinking (dropped when empty).
pub fn thinking_part(block: &Value) -> (Option<Part>, Option<String>) {
    let text = json::string(block, "thinking");
    let signature = json::str(block, "signature").filter(|s| !s.is_empty());
    match signature.and_then(|s| s.strip_prefix(TOOL_CALL_SIGNATURE)) {
        Some(tool) => {
            let part = (!text.is_empty()).then_some(Part::Reasoning(Thought { text, signature: None }));
            (part, Some(tool.to_string()))
        }
        None => (Some(Part::Reasoning(Thought { text, signature: signature.map(str::to_string) })), None),
    }
}

#[cfg(test)]
#[path = "anthropic_thinking_tests.rs"]
mod tests;
