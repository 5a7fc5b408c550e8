//! What a semantic lookup compares, and what must match exactly.
//!
//! A chat request's body is split in two ([`split`]): the text of its last turns (the last user
//! turn by default, the last N turns on request), normalised ([`normalise`]), which is embedded
//! and compared by similarity; and everything else, which must match byte for byte in a canonical
//! form (object keys sorted, no whitespace): the model, the system prompt, the tools, every
//! sampling parameter, `stream`, the earlier turns, and even the non-text parts of the compared
//! turns (an image stays in the exact part). The exact part goes into the partition key
//! ([`super::partition`]).
//!
//! Chat bodies of every translated format are read, where its [`Conversation`] says:
//! OpenAI's Chat Completions (`messages`, whose `system` and `developer` messages are never
//! compared), Anthropic's Messages (`messages`, the system prompt being the top-level `system`)
//! and Gemini's `generateContent` (`contents`, with roles `user` and `model`).

use serde_json::Value;

use crate::translate::compat::Endpoint;
use crate::translate::wire::Conversation;
use crate::translate::Format;

/// The longest compared text, in bytes once normalised: beyond, the question is a document, and
/// embedding models cut what they read (bge-small reads 512 tokens).
pub const MAX_COMPARED_BYTES: usize = 8192;

/// The compared text and the exact part of a chat body.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The normalised text of the compared turns: for one turn its text, for more one line per
    /// turn, `user: …` or `assistant: …`.
    pub compared: String,
    /// The body in canonical JSON with the compared texts emptied.
    pub exact: String,
    /// The request's `temperature` (Gemini's `generationConfig.temperature`), when it sets one.
    pub temperature: Option<f64>,
}

/// Why a body has nothing to compare; said in the request's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoText {
    /// The body is not a JSON object.
    NotJson,
    /// The body has no `messages` (`contents`) list, or an empty one.
    NoConversation,
    /// The last turn is not the user's (an assistant prefill, a tool result).
    LastTurnNotUser,
    /// The compared turns have no text (images only, empty messages).
    Empty,
    /// The compared text is longer than [`MAX_COMPARED_BYTES`].
    TooLong(usize),
}

impl NoText {
    /// The reason as the log says it.
    pub fn reason(&self) -> String {
        match self {
            NoText::NotJson => "the body is not a JSON object".into(),
            NoText::NoConversation => "the body has no conversation to compare".into(),
            NoText::LastTurnNotUser => "the last turn is not the user's".into(),
            NoText::Empty => "no text to compare (images only or empty messages)".into(),
            NoText::TooLong(n) => format!("the compared text is {n} bytes, over the {MAX_COMPARED_BYTES} compared"),
        }
    }
}

/// The chat format of a request the semantic cache can read, from the cache key's provider slug
/// and endpoint: a provider's chat path in the format it speaks ([`WireFormat::chat_path`]:
/// OpenAI's `/chat/completions`, Anthropic's `/messages`, Gemini's `:generateContent` and
/// `:streamGenerateContent`), and the compat chat endpoints. `None` for any other request
/// (embeddings, audio, the universal endpoint...) and for formats without a [`Conversation`]
/// (the Responses API, native or `compat/responses`).
///
/// [`WireFormat::chat_path`]: crate::translate::WireFormat::chat_path
pub fn chat_format(provider: &str, endpoint: &str) -> Option<Format> {
    let path = endpoint.split('?').next().unwrap_or_default();
    let format = if provider == "compat" {
        match Endpoint::parse(path) {
            Ok(endpoint) if endpoint.is_chat() => endpoint.client_format(),
            _ => return None,
        }
    } else {
        crate::provider::find(provider)?.format.filter(|f| f.chat_path(path))?
    };
    format.conversation().is_some().then_some(format)
}

/// Splits a chat body of `format` into the normalised text of its last `turns` turns and the
/// exact rest (see the module doc). Turns are the conversation's messages less OpenAI's system
/// and developer messages; the last one must be the user's.
///
/// Errors: what makes the body have nothing to compare ([`NoText`]).
pub fn split(format: Format, body: &[u8], turns: u32) -> Result<Split, NoText> {
    let Some(shape) = format.conversation() else { return Err(NoText::NoConversation) };
    let mut value: Value = serde_json::from_slice(body).map_err(|_| NoText::NotJson)?;
    if !value.is_object() {
        return Err(NoText::NotJson);
    }
    let temperature = value.pointer(shape.temperature).and_then(Value::as_f64);
    let Some(Value::Array(messages)) = value.get_mut(shape.turns) else { return Err(NoText::NoConversation) };
    let mut window: Vec<&mut Value> = messages.iter_mut().filter(|m| !is_instruction(shape, m)).collect();
    if window.is_empty() {
        return Err(NoText::NoConversation);
    }
    let start = window.len().saturating_sub(turns.max(1) as usize);
    let window = &mut window[start..];
    if window.last().map(|m| role(shape, m)) != Some(Role::User) {
        return Err(NoText::LastTurnNotUser);
    }
    let mut lines = Vec::with_capacity(window.len());
    for message in window.iter_mut() {
        let role = role(shape, message);
        let text = normalise(&take_text(shape, message).join("\n"));
        lines.push((role, text));
    }
    if lines.iter().all(|(_, text)| text.is_empty()) {
        return Err(NoText::Empty);
    }
    let compared = match lines.as_slice() {
        [(_, only)] => only.clone(),
        _ => lines.iter().map(|(role, text)| format!("{}: {text}", role.label())).collect::<Vec<_>>().join("\n"),
    };
    if compared.len() > MAX_COMPARED_BYTES {
        return Err(NoText::TooLong(compared.len()));
    }
    let mut exact = String::with_capacity(body.len());
    write_canonical(&value, &mut exact);
    Ok(Split { compared, exact, temperature })
}

/// Normalises text for comparison: lower case, typographic quotes as plain ones, every run of
/// white space one space, and no white space or final `.`, `!`, `?`, `…` at the ends. Two
/// questions that differ only there are the same question to every embedding model; the rest
/// (words, digits, inner punctuation) is kept.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            match c {
                '\u{2018}' | '\u{2019}' => out.push('\''),
                '\u{201c}' | '\u{201d}' => out.push('"'),
                c => out.extend(c.to_lowercase()),
            }
        }
    }
    let kept = out.trim_end_matches(['.', '!', '?', '\u{2026}', ' ']).len();
    out.truncate(kept);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    User,
    Assistant,
    Other,
}

impl Role {
    fn label(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Other => "other",
        }
    }
}

fn role(shape: &Conversation, message: &Value) -> Role {
    match message.get("role").and_then(Value::as_str) {
        Some("user") => Role::User,
        None if shape.roleless_is_user => Role::User,
        Some(role) if role == "assistant" || role == shape.model_role => Role::Assistant,
        _ => Role::Other,
    }
}

/// Instructions (OpenAI's `system` and `developer` messages): always part of the exact rest,
/// never compared.
fn is_instruction(shape: &Conversation, message: &Value) -> bool {
    message.get("role").and_then(Value::as_str).is_some_and(|role| shape.instruction_roles.contains(&role))
}

/// Takes the text out of one message, leaving empty strings where it was: a string `content`,
/// OpenAI's and Anthropic's `{"type": "text", "text": …}` parts, Gemini's `{"text": …}` parts.
/// Other parts (images, tool calls and results) stay as they are.
fn take_text(shape: &Conversation, message: &mut Value) -> Vec<String> {
    let mut texts = Vec::new();
    match message.get_mut(shape.content) {
        Some(Value::String(text)) => texts.push(std::mem::take(text)),
        Some(Value::Array(parts)) => {
            for part in parts {
                let is_text = shape.text_part_type.is_none_or(|t| part.get("type").and_then(Value::as_str) == Some(t));
                if let (true, Some(Value::String(text))) = (is_text, part.get_mut("text")) {
                    texts.push(std::mem::take(text));
                }
            }
        }
        _ => {}
    }
    texts
}

/// Writes `value` as JSON with object keys sorted and no white space, whatever the order the
/// client wrote them in.
pub fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(inner) = map.get(key) {
                    write_canonical(inner, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
#[path = "text_tests.rs"]
mod tests;
