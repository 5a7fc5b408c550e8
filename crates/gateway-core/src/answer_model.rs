//! Compat answers name the model the client asked for.
//!
//! A compat client names `model: "anthropic/claude-sonnet-4-5"` (or an alias) and expects the
//! answer's `model` to be that same string: Claude Code, for one, drops the thinking of earlier
//! turns when the answer names another model, and the next turn then fails. Translated answers
//! get the name when they are written ([`crate::translate::compat::CompatPlan`]); answers
//! forwarded in the provider's own bytes have only their `model` value replaced as they pass
//! ([`ModelRewriter`]), every other byte untouched. The request log still reads the provider's
//! bytes, so it keeps the provider's real model.

use crate::translate::compat::walk_members;

/// The value span (start, end) of the top-level member `key` of the JSON object `json`, when
/// its value is a string; `None` when there is no such member or `json` is not an object.
pub fn string_member(json: &[u8], key: &[u8]) -> Option<(usize, usize)> {
    member(json, key).filter(|(start, _)| json[*start] == b'"')
}

/// The value span of the top-level member `key` of the JSON object `json`, of any type.
fn member(json: &[u8], key: &[u8]) -> Option<(usize, usize)> {
    let mut found = None;
    walk_members(json, |name, span| {
        found = (name == key).then_some(span);
        found.is_some()
    })?;
    found
}

/// The span of the `model` string of one streamed event's JSON: top-level (OpenAI chunks), or
/// in `message` (Anthropic's `message_start`) or `response` (Responses' lifecycle events).
fn event_model(json: &[u8]) -> Option<(usize, usize)> {
    string_member(json, b"model").or_else(|| {
        ["message".as_bytes(), b"response"].iter().find_map(|outer| {
            let (start, end) = member(json, outer)?;
            let (from, to) = string_member(&json[start..end], b"model")?;
            Some((start + from, start + to))
        })
    })
}

/// `json` with the span `(start, end)` replaced by `replacement`, appended to `out`.
fn splice(json: &[u8], (start, end): (usize, usize), replacement: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&json[..start]);
    out.extend_from_slice(replacement);
    out.extend_from_slice(&json[end..]);
}

/// A whole JSON answer with its top-level `model` string set to `model`, and the name it had
/// (unescaped); `None` when the body is not a JSON object with a string `model`.
pub fn rename(body: &[u8], model: &str) -> Option<(Vec<u8>, String)> {
    let span = string_member(body, b"model")?;
    let old: String = serde_json::from_slice(&body[span.0..span.1]).ok()?;
    let replacement = serde_json::to_string(model).ok()?;
    let mut out = Vec::with_capacity(body.len() + replacement.len());
    splice(body, span, replacement.as_bytes(), &mut out);
    Some((out, old))
}

/// Sets the model of a forwarded answer as its bytes pass: fed the provider's body cut
/// anywhere, it writes the client's. A JSON document's first top-level `model` string is
/// replaced, holding back only that value's bytes, and the rest passes without being looked at;
/// an event stream's events are held until whole (as the events that carry a `model` need) and
/// each one's model is replaced ([`event_model`]). Anything it cannot read (not an object, an
/// event whose JSON spans several `data:` lines) goes out unchanged.
#[derive(Debug)]
pub struct ModelRewriter {
    /// The client's model as a JSON string literal.
    replacement: Vec<u8>,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Json(JsonScan),
    Events { pending: Vec<u8> },
}

/// Where a JSON document's scan stands between chunks.
#[derive(Debug, Default)]
struct JsonScan {
    /// Nesting depth: 0 before the top-level object, 1 among its members.
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// A top-level key is being read, into `key` (its first bytes).
    in_key: bool,
    /// At depth 1 the next string is a key (after `{` or `,`), not a value.
    expect_key: bool,
    key: Vec<u8>,
    /// The last top-level key was `model`, its value not reached yet.
    after_model_key: bool,
    /// The `model` value is being read (and held back); after it, `done`.
    in_model: bool,
    held: Vec<u8>,
    /// Nothing more to change: the rest passes as it comes.
    done: bool,
}

impl ModelRewriter {
    /// A rewriter of a JSON document's top-level `model`.
    pub fn json(model: &str) -> Self {
        ModelRewriter { replacement: literal(model), kind: Kind::Json(JsonScan::default()) }
    }

    /// A rewriter of the `model` of each event of an SSE stream.
    pub fn events(model: &str) -> Self {
        ModelRewriter { replacement: literal(model), kind: Kind::Events { pending: Vec::new() } }
    }

    /// Takes the next chunk of the body; appends to `out` what the client gets now.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        match &mut self.kind {
            Kind::Json(scan) => scan.push(chunk, &self.replacement, out),
            Kind::Events { pending } => {
                if pending.is_empty() {
                    // Most chunks hold whole events: only an unfinished tail is copied.
                    let done = rewrite_events(chunk, &self.replacement, out);
                    pending.extend_from_slice(&chunk[done..]);
                } else {
                    pending.extend_from_slice(chunk);
                    let done = rewrite_events(pending, &self.replacement, out);
                    pending.drain(..done);
                }
            }
        }
    }

    /// The end of the body: whatever was held back goes out as it came.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        match &mut self.kind {
            Kind::Json(scan) => out.append(&mut scan.held),
            Kind::Events { pending } => out.append(pending),
        }
    }
}

fn literal(model: &str) -> Vec<u8> {
    serde_json::to_vec(model).unwrap_or_else(|_| b"\"\"".to_vec())
}

/// Writes the whole events at the start of `buf`, each with its model replaced; returns how many
/// bytes they took (the rest is an unfinished event).
fn rewrite_events(buf: &[u8], replacement: &[u8], out: &mut Vec<u8>) -> usize {
    let mut start = 0;
    while let Some(end) = crate::stream_usage::event_end(buf, start) {
        rewrite_event(&buf[start..end], replacement, out);
        start = end;
    }
    start
}

/// Writes one whole event with its blank line, its `model` replaced when it has one.
fn rewrite_event(event: &[u8], replacement: &[u8], out: &mut Vec<u8>) {
    let mut data = crate::stream_usage::lines(event).filter_map(|(at, line)| {
        let data = line.strip_prefix(b"data:")?;
        Some((at + 5, data))
    });
    let (Some((at, data)), None) = (data.next(), data.next()) else {
        out.extend_from_slice(event);
        return;
    };
    let span = crate::stream_usage::contains(data, b"\"model\"").then(|| event_model(data)).flatten();
    match span {
        Some((start, end)) => splice(event, (at + start, at + end), replacement, out),
        None => out.extend_from_slice(event),
    }
}

impl JsonScan {
    fn push(&mut self, chunk: &[u8], replacement: &[u8], out: &mut Vec<u8>) {
        if self.done {
            out.extend_from_slice(chunk);
            return;
        }
        // Bytes from `emit_from` up to the current one go out unchanged.
        let mut emit_from = 0;
        for (i, &b) in chunk.iter().enumerate() {
            if self.in_model {
                self.held.push(b);
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' && self.held.len() > 1 {
                    self.held.clear();
                    out.extend_from_slice(replacement);
                    self.done = true;
                    out.extend_from_slice(&chunk[i + 1..]);
                    return;
                }
                continue;
            }
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if self.in_key {
                        self.in_key = false;
                        self.after_model_key = self.key == b"model";
                    }
                } else if self.in_key && self.key.len() <= 5 {
                    // Six bytes are enough to tell a longer key from `model`.
                    self.key.push(b);
                }
                continue;
            }
            match b {
                b if b.is_ascii_whitespace() => {}
                b'"' if self.depth == 1 && self.after_model_key => {
                    out.extend_from_slice(&chunk[emit_from..i]);
                    emit_from = chunk.len();
                    self.in_model = true;
                    self.held.push(b);
                }
                b'"' => {
                    self.in_string = true;
                    if self.depth == 1 && self.expect_key {
                        self.in_key = true;
                        self.expect_key = false;
                        self.key.clear();
                    }
                }
                b':' if self.depth == 1 => {}
                b'{' | b'[' => {
                    if self.depth == 0 && b == b'[' {
                        return self.give_up(&chunk[emit_from..], out);
                    }
                    self.depth += 1;
                    self.after_model_key = false;
                    self.expect_key = self.depth == 1;
                }
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return self.give_up(&chunk[emit_from..], out);
                    }
                }
                b',' if self.depth == 1 => {
                    self.expect_key = true;
                    self.after_model_key = false;
                }
                _ if self.depth == 0 => return self.give_up(&chunk[emit_from..], out),
                _ => self.after_model_key = false,
            }
        }
        if !self.in_model && emit_from < chunk.len() {
            out.extend_from_slice(&chunk[emit_from..]);
        }
    }

    /// The document has no top-level `model` string (or is no object): the rest passes as is.
    fn give_up(&mut self, rest: &[u8], out: &mut Vec<u8>) {
        self.done = true;
        out.extend_from_slice(rest);
    }
}

#[cfg(test)]
#[path = "answer_model_tests.rs"]
mod tests;
