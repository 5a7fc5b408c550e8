//! A provider's signed thinking carried through a Responses client, in reasoning items'
//! `encrypted_content`.
//!
//! A Responses client that keeps no state on the server (`store: false`) asks for
//! `include: ["reasoning.encrypted_content"]` and sends the reasoning items of an answer back in
//! `input` with the next turn, `encrypted_content` unchanged (Codex does). That is where the
//! gateway keeps what Anthropic and Gemini want back in a tool loop, when the client asked for it:
//! - a signed thought (Anthropic's `thinking` block, a Gemini thought part with a signature):
//!   its reasoning item (the text also in `summary`) carries `{"t": text, "s": signature}`;
//! - Anthropic's `redacted_thinking`: a reasoning item with an empty `summary` carrying
//!   `{"d": data}`;
//! - Gemini's `thoughtSignature` on a function call: a reasoning item with an empty `summary`
//!   right before the `function_call` item, carrying `{"c": signature}`.
//!
//! `encrypted_content` is [`MARK`] followed by the unpadded base64url of that JSON object: the
//! mark is outside base64, so an OpenAI `encrypted_content` is never taken for the gateway's.
//! Reading a request undoes it: the thinking goes back into the assistant turn it was part of,
//! the signature onto the next function call. A reasoning item the gateway did not write (or
//! that was altered) carries nothing and is skipped.

use serde_json::{json, Value};

use crate::translate::ir::{Part, Thought};
use crate::translate::json;
use crate::translate::openai::reasoning::base64url;

/// What starts an `encrypted_content` the gateway wrote (the mark of tool call ids).
pub const MARK: &str = "~gw~";

/// The `include` value by which a Responses client asks for `encrypted_content`.
const INCLUDE: &str = "reasoning.encrypted_content";

/// What one reasoning item carries for the provider.
#[derive(Debug, Clone, PartialEq)]
pub enum Carried {
    /// Thinking to send back in its assistant turn: a signed [`Part::Reasoning`] or a
    /// [`Part::RedactedReasoning`].
    Thinking(Part),
    /// The `thoughtSignature` of the function call that follows the item.
    CallSignature(String),
}

/// Whether a Responses request asks for reasoning items' `encrypted_content` (its `include`
/// lists `reasoning.encrypted_content`). Read when the compat endpoint plans the request.
pub fn wanted(request: &Value) -> bool {
    json::array(request, "include").iter().any(|v| v.as_str() == Some(INCLUDE))
}

/// The `encrypted_content` carrying `carried`; `None` for what needs no carrying (thinking
/// without a signature, which no provider wants back).
pub fn encode(carried: &Carried) -> Option<String> {
    let payload = match carried {
        Carried::Thinking(Part::Reasoning(Thought { text, signature: Some(s) })) => json!({"t": text, "s": s}),
        Carried::Thinking(Part::RedactedReasoning(data)) => json!({"d": data}),
        Carried::CallSignature(s) => json!({"c": s}),
        Carried::Thinking(_) => return None,
    };
    Some(format!("{MARK}{}", base64url::encode(payload.to_string().as_bytes())))
}

/// What an `encrypted_content` sent back carries; `None` when the gateway did not write it (an
/// OpenAI one) or it was altered.
pub fn decode(encrypted: &str) -> Option<Carried> {
    let payload = base64url::decode(encrypted.strip_prefix(MARK)?)?;
    let v: Value = serde_json::from_slice(&payload).ok()?;
    if let Some(data) = json::str(&v, "d") {
        return Some(Carried::Thinking(Part::RedactedReasoning(data.to_string())));
    }
    if let Some(s) = json::str(&v, "s") {
        return Some(Carried::Thinking(Part::Reasoning(Thought {
            text: json::string(&v, "t"),
            signature: Some(s.into()),
        })));
    }
    json::str(&v, "c").map(|s| Carried::CallSignature(s.to_string()))
}

#[cfg(test)]
#[path = "responses_reasoning_tests.rs"]
mod tests;
