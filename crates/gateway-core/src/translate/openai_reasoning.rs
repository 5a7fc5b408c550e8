//! Reasoning in the OpenAI Chat Completions dialect, which has no standard field for it.
//!
//! - The effort: `reasoning_effort` (OpenAI), or `reasoning: {effort | max_tokens}` (OpenRouter's
//!   form) on requests. Only OpenAI's reasoning models ([`super::is_reasoning_model`]) receive it:
//!   OpenAI refuses it for the others.
//! - The thinking text: `reasoning_content` on the assistant message and on stream deltas, as
//!   DeepSeek and most OpenAI-compatible servers write it (OpenRouter's `reasoning` is read too).
//! - Signatures, which the provider wants back in the next turns of a tool loop (Anthropic's
//!   signed `thinking` and `redacted_thinking` blocks, Gemini's `thoughtSignature` on function
//!   calls): inside the tool call's `id`, the one field every client sends back unchanged, in the
//!   assistant message and in the `tool` message answering it. The id becomes
//!   `{id}~gw~{payload}`, where the payload is the unpadded base64url of a JSON object:
//!   `{"s": the call's own signature, "r": [{"t": text, "s": signature} | {"d": redacted data}]}`,
//!   `r` holding the signed thinking of the message before its first tool call. The gateway
//!   decodes it when the history comes back, and no provider sees the long id. An answer without
//!   tool calls has nowhere to carry signatures: only its `reasoning_content` text comes back,
//!   which no provider needs.

use serde_json::{json, Map, Value};

use crate::error::GatewayError;
use crate::translate::ir::{Part, Reasoning, ReasoningEffort, Thought};
use crate::translate::json;

/// What separates a tool call id from the reasoning it carries. `~` is outside base64url, so
/// the last one in an id is the gateway's.
const CALL_ID_MARK: &str = "~gw~";

/// Reads `reasoning_effort` or `reasoning.effort` / `reasoning.max_tokens` (`none` is off;
/// `xhigh` reads as high). `None` when the request asks nothing.
///
/// Errors: 400 naming the field for an effort that is not `none`, `minimal`, `low`, `medium`,
/// `high` or `xhigh`.
pub fn request_reasoning(v: &Value) -> Result<Option<Reasoning>, GatewayError> {
    let nested = json::get(v, "reasoning");
    let (field, effort) = match (json::str(v, "reasoning_effort"), nested.and_then(|r| json::str(r, "effort"))) {
        (Some(e), _) => ("reasoning_effort", Some(e)),
        (None, Some(e)) => ("reasoning.effort", Some(e)),
        (None, None) => ("", None),
    };
    if let Some(name) = effort {
        if name.eq_ignore_ascii_case("none") {
            return Ok(Some(Reasoning::Off));
        }
        return ReasoningEffort::parse(name).map(|e| Some(Reasoning::Effort(e))).ok_or_else(|| {
            GatewayError::invalid(format!(
                "{field}: invalid value {}; supported values are none, minimal, low, medium, high and xhigh",
                json::quoted(name)
            ))
        });
    }
    let Some(r) = nested else { return Ok(None) };
    if r.get("enabled").and_then(Value::as_bool) == Some(false) {
        return Ok(Some(Reasoning::Off));
    }
    Ok(json::u64(r, "max_tokens").map(Reasoning::Budget))
}

/// The `reasoning_effort` for `model`, `None` when it takes none. Off is the model's least:
/// `minimal` for the `gpt-5` family, `low` for the `o` series (which has no `minimal` either).
pub fn effort_for(model: &str, reasoning: Reasoning) -> Option<&'static str> {
    if !super::is_reasoning_model(model) {
        return None;
    }
    let gpt5 = model.starts_with("gpt-5");
    Some(match reasoning.effort() {
        None | Some(ReasoningEffort::Minimal) if gpt5 => "minimal",
        None | Some(ReasoningEffort::Minimal) => "low",
        Some(e) => e.as_str(),
    })
}

/// The thinking text of an OpenAI-compatible message or delta (`reasoning_content`, or
/// OpenRouter's `reasoning` string), `None` when absent or empty.
pub fn text_of(message: &Value) -> Option<&str> {
    json::str(message, "reasoning_content").or_else(|| json::str(message, "reasoning")).filter(|t| !t.is_empty())
}

/// The reasoning parts a tool call id must carry: the signed and redacted ones (the others need
/// not come back).
pub fn carried(parts: &[Part]) -> Vec<Part> {
    parts
        .iter()
        .filter(|p| matches!(p, Part::RedactedReasoning(_) | Part::Reasoning(Thought { signature: Some(_), .. })))
        .cloned()
        .collect()
}

/// The id sent to the client for a tool call carrying `reasoning` (see [`carried`]) and its own
/// `signature`: `id` itself when there is nothing to carry.
pub fn encode_call_id(id: &str, reasoning: &[Part], signature: Option<&str>) -> String {
    let blocks: Vec<Value> = reasoning
        .iter()
        .filter_map(|p| match p {
            Part::Reasoning(Thought { text, signature: Some(s) }) => Some(json!({"t": text, "s": s})),
            Part::RedactedReasoning(data) => Some(json!({"d": data})),
            _ => None,
        })
        .collect();
    if blocks.is_empty() && signature.is_none() {
        return id.to_string();
    }
    let mut payload = Map::new();
    if let Some(s) = signature {
        payload.insert("s".into(), json!(s));
    }
    if !blocks.is_empty() {
        payload.insert("r".into(), Value::Array(blocks));
    }
    format!("{id}{CALL_ID_MARK}{}", base64url::encode(Value::Object(payload).to_string().as_bytes()))
}

/// A tool call id as the client sent it back: the provider's id, the reasoning it carried and
/// the call's signature. An id the gateway did not write (or that was altered) is kept whole,
/// carrying nothing.
pub fn decode_call_id(sent: &str) -> (String, Vec<Part>, Option<String>) {
    let plain = || (sent.to_string(), Vec::new(), None);
    let Some((id, encoded)) = sent.rsplit_once(CALL_ID_MARK) else { return plain() };
    let Some(payload) = base64url::decode(encoded).and_then(|b| serde_json::from_slice::<Value>(&b).ok()) else {
        return plain();
    };
    let reasoning = json::array(&payload, "r")
        .iter()
        .filter_map(|b| match (json::str(b, "d"), json::str(b, "s")) {
            (Some(data), _) => Some(Part::RedactedReasoning(data.to_string())),
            (None, Some(s)) => {
                Some(Part::Reasoning(Thought { text: json::string(b, "t"), signature: Some(s.to_string()) }))
            }
            (None, None) => None,
        })
        .collect();
    (id.to_string(), reasoning, json::str(&payload, "s").map(str::to_string))
}

/// Unpadded base64url (RFC 4648 §5), the alphabet tool call ids take (and the Responses
/// dialect's `encrypted_content`, [`crate::translate::responses::reasoning`]).
pub(crate) mod base64url {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// The unpadded base64url of `bytes`.
    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        out
    }

    /// The bytes of unpadded base64url `text`; `None` for a character outside the alphabet or an
    /// impossible length.
    pub fn decode(text: &str) -> Option<Vec<u8>> {
        if text.len() % 4 == 1 {
            return None;
        }
        let mut out = Vec::with_capacity(text.len() * 3 / 4);
        for chunk in text.as_bytes().chunks(4) {
            let mut n = 0u32;
            for (i, c) in chunk.iter().enumerate() {
                let v = ALPHABET.iter().position(|a| a == c)?;
                n |= (v as u32) << (18 - 6 * i);
            }
            for i in 0..chunk.len() - 1 {
                out.push((n >> (16 - 8 * i)) as u8);
            }
        }
        Some(out)
    }
}

#[cfg(test)]
#[path = "openai_reasoning_tests.rs"]
mod tests;
