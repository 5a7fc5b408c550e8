//! The client's request as a request-phase plugin sees it ([`super::Plugin::on_request`]): its
//! head, and its body parsed as JSON once for every plugin, in whichever dialect it came
//! (OpenAI, Anthropic, Gemini, Responses, embeddings).
//!
//! The prompt's text is found by a walk over the JSON: every string that is the value of a member
//! named `content`, `text`, `input`, `prompt`, `system`, `instructions` or `output` (a Responses
//! `function_call_output`'s result, which a tool may have filled with anything), at any depth, or
//! an item of an array there (`messages[].content`, `content[].text`, `contents[].parts[].text`,
//! `systemInstruction`, …). A string elsewhere (a model name, a tool's JSON schema) is not prompt
//! text, nor is one inside an object under such a member, except in a Gemini `functionResponse`'s
//! `response` (a tool's result as any JSON object), where every string is.

use serde_json::Value;

use crate::headers::Headers;
use crate::translate::Format;

/// Members whose strings are prompt text.
const TEXT_MEMBERS: &[&str] = &["content", "text", "input", "prompt", "system", "instructions", "output"];

/// One request, once per request, before it is planned and before the cache is consulted.
#[derive(Debug)]
pub struct PromptRequest<'a> {
    pub method: &'a str,
    /// The URL path, as received.
    pub path: &'a str,
    pub headers: &'a Headers,
    body: Option<Value>,
    changed: bool,
}

impl<'a> PromptRequest<'a> {
    /// The request with `body` (`None` or not JSON: no JSON for plugins to see).
    pub fn new(method: &'a str, path: &'a str, headers: &'a Headers, body: Option<&[u8]>) -> Self {
        let body = body.and_then(|b| serde_json::from_slice::<Value>(b).ok());
        PromptRequest { method, path, headers, body, changed: false }
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<&Value> {
        self.body.as_ref()
    }

    /// The body to change; the request then goes on with the changed body (re-serialized).
    pub fn json_mut(&mut self) -> Option<&mut Value> {
        self.changed |= self.body.is_some();
        self.body.as_mut()
    }

    /// The `model` member of the body, when there is one.
    pub fn model(&self) -> Option<&str> {
        self.body.as_ref()?.get("model")?.as_str()
    }

    /// The dialect the client speaks, from the path: the compat endpoint's (`compat/messages` is
    /// Anthropic's, `compat/chat/completions` OpenAI's) or a provider path's (`…/v1/messages`,
    /// `…:generateContent`); `None` for anything that is not a chat call (embeddings, images…).
    pub fn client_format(&self) -> Option<Format> {
        Format::of_chat_path(self.path.trim_end_matches('/'))
    }

    /// Whether the client asked for a streamed answer: `"stream": true` in the body, or Gemini's
    /// `:streamGenerateContent` path.
    pub fn streams(&self) -> bool {
        self.path.ends_with(":streamGenerateContent")
            || self.body.as_ref().and_then(|b| b.get("stream")).and_then(Value::as_bool).unwrap_or(false)
    }

    /// Every piece of prompt text, in document order.
    pub fn texts(&self) -> Vec<&str> {
        self.body.as_ref().map(|body| strings_under(body, TEXT_MEMBERS)).unwrap_or_default()
    }

    /// Runs `edit` on every piece of prompt text; the body counts as changed only if some text
    /// did.
    pub fn edit_texts(&mut self, mut edit: impl FnMut(&mut String)) {
        if let Some(body) = self.body.as_mut() {
            let mut changed = false;
            edit_all(body, Text::No, &mut edit, &mut changed);
            self.changed |= changed;
        }
    }

    /// The body to send on, when a plugin changed it.
    pub fn into_changed_body(self) -> Option<Vec<u8>> {
        if !self.changed {
            return None;
        }
        self.body.and_then(|b| serde_json::to_vec(&b).ok())
    }
}

/// How the strings of a value count: not prompt text; prompt text when they are the value or an
/// array item of a text member (an object inside starts over); prompt text at any depth (a
/// Gemini `functionResponse`'s `response`, a tool's result as any JSON); or, for the object of a
/// `functionResponse`, its `response` member deep and the rest as usual.
#[derive(Clone, Copy, PartialEq)]
enum Text {
    No,
    Here,
    Deep,
    FunctionResponse,
}

impl Text {
    /// How the value of the member `name` of an object whose own value counts as `self` counts.
    fn member(self, name: &str, members: &[&str]) -> Text {
        match (self, name) {
            (Text::Deep, _) | (Text::FunctionResponse, "response") => Text::Deep,
            (_, "functionResponse") => Text::FunctionResponse,
            _ if members.contains(&name) => Text::Here,
            _ => Text::No,
        }
    }

    fn counts(self) -> bool {
        matches!(self, Text::Here | Text::Deep)
    }
}

/// Every string of `value` under a member named one of `members`, at any depth, in arrays too
/// (members in name order, array items in order), and every string of a `functionResponse`'s
/// `response`.
pub(crate) fn strings_under<'v>(value: &'v Value, members: &[&str]) -> Vec<&'v str> {
    fn collect<'v>(value: &'v Value, members: &[&str], text: Text, out: &mut Vec<&'v str>) {
        match value {
            Value::String(s) if text.counts() => out.push(s),
            Value::Array(items) => items.iter().for_each(|v| collect(v, members, text, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| collect(v, members, text.member(k, members), out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    collect(value, members, Text::No, &mut out);
    out
}

fn edit_all(value: &mut Value, text: Text, edit: &mut impl FnMut(&mut String), changed: &mut bool) {
    match value {
        Value::String(s) if text.counts() => {
            let before = s.clone();
            edit(s);
            *changed |= *s != before;
        }
        Value::Array(items) => items.iter_mut().for_each(|v| edit_all(v, text, edit, changed)),
        Value::Object(map) => {
            for (name, v) in map.iter_mut() {
                edit_all(v, text.member(name, TEXT_MEMBERS), edit, changed);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[path = "prompt_tests.rs"]
mod tests;
