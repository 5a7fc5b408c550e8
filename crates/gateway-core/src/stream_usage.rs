//! Measuring the tokens of an OpenAI-compatible stream whose client did not ask for them.
//!
//! A Chat Completions stream reports usage only when the request set
//! `stream_options.include_usage`; without it the log, the cost and the limits would have to
//! estimate. So when the client streams without asking, and the provider takes the option
//! ([`crate::provider::Provider::accepts_include_usage`]), the gateway asks for it itself
//! ([`ask_for_usage`]) and hides what that adds from the client ([`UsageChunkFilter`]): the
//! usage-only chunk before `[DONE]` (empty `choices`, a `usage` object) is dropped, and the
//! `"usage":null` member the provider then adds to every other chunk is cut out of its bytes.
//! Everything else reaches the client byte for byte as the provider sent it; the log still reads
//! the provider's bytes, usage chunk included.
//!
//! Limits: a chunk whose `choices` are not empty and that carries a non-null `usage` is left
//! whole (a provider that reports usage on its last content chunk would have sent it anyway);
//! an event whose JSON spans several `data:` lines is left whole.

use serde_json::Value;

/// The request body with `stream_options.include_usage: true`, when it is a JSON object that
/// streams (`"stream": true`) without asking for usage; `None` otherwise (nothing to change).
///
/// Without a `stream_options` member the option is inserted after the opening brace and every
/// other byte is kept; a `stream_options` that exists without `include_usage: true` is set in a
/// re-serialized body.
pub fn ask_for_usage(body: &[u8]) -> Option<Vec<u8>> {
    let mut value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object_mut()?;
    if object.get("stream").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    match object.get_mut("stream_options") {
        None => {
            let open = body.iter().position(|b| *b == b'{')?;
            let rest = &body[open + 1..];
            let empty = rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'}');
            let mut out = body[..=open].to_vec();
            out.extend_from_slice(br#""stream_options":{"include_usage":true}"#);
            if !empty {
                out.push(b',');
            }
            out.extend_from_slice(rest);
            Some(out)
        }
        Some(options) if options.get("include_usage").and_then(Value::as_bool) == Some(true) => None,
        Some(options) => {
            match options.as_object_mut() {
                Some(map) => {
                    map.insert("include_usage".into(), Value::Bool(true));
                }
                None => *options = serde_json::json!({"include_usage": true}),
            }
            serde_json::to_vec(&value).ok()
        }
    }
}

/// Removes what `stream_options.include_usage` added from a Chat Completions stream, as it
/// passes: fed the provider's bytes cut anywhere, it writes the client's, holding back only an
/// unfinished event.
#[derive(Debug, Default)]
pub struct UsageChunkFilter {
    pending: Vec<u8>,
}

impl UsageChunkFilter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next chunk of the stream; appends to `out` the client's bytes of every event it
    /// completes.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        self.pending.extend_from_slice(chunk);
        let mut start = 0;
        while let Some(end) = event_end(&self.pending, start) {
            filter_event(&self.pending[start..end], out);
            start = end;
        }
        self.pending.drain(..start);
    }

    /// The end of the stream: an unfinished last event goes out as it came.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.pending);
    }
}

/// The end (exclusive, past its blank line) of the event starting at `start`, when it is
/// complete. Lines end with `\n`, `\r\n` or `\r`; a `\r` last in the buffer waits, since a `\n`
/// may follow.
pub(crate) fn event_end(buf: &[u8], start: usize) -> Option<usize> {
    let mut line_start = start;
    let mut i = start;
    while i < buf.len() {
        let eol_len = match buf[i] {
            b'\n' => 1,
            b'\r' if i + 1 == buf.len() => return None,
            b'\r' if buf[i + 1] == b'\n' => 2,
            b'\r' => 1,
            _ => {
                i += 1;
                continue;
            }
        };
        if i == line_start {
            return Some(i + eol_len);
        }
        i += eol_len;
        line_start = i;
    }
    None
}

/// Writes one whole event (with its blank line) as the client sees it.
fn filter_event(event: &[u8], out: &mut Vec<u8>) {
    let data_lines: Vec<(usize, &[u8])> =
        lines(event).filter_map(|(at, line)| line.strip_prefix(b"data:").map(|d| (at + 5, d))).collect();
    let [(at, data)] = data_lines.as_slice() else {
        out.extend_from_slice(event);
        return;
    };
    if !contains(data, b"\"usage\"") {
        out.extend_from_slice(event);
        return;
    }
    let Ok(Value::Object(chunk)) = serde_json::from_slice::<Value>(data) else {
        out.extend_from_slice(event);
        return;
    };
    let no_choices = chunk.get("choices").and_then(Value::as_array).is_some_and(Vec::is_empty);
    match chunk.get("usage") {
        Some(Value::Object(_)) if no_choices => {}
        Some(Value::Null) => match top_level_member(data, "usage") {
            Some((from, to)) => {
                out.extend_from_slice(&event[..at + from]);
                out.extend_from_slice(&event[at + to..]);
            }
            None => out.extend_from_slice(event),
        },
        _ => out.extend_from_slice(event),
    }
}

/// The lines of an event, each with its offset (line endings left out).
pub(crate) fn lines(event: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at >= event.len() {
            return None;
        }
        let rest = &event[at..];
        let len = rest.iter().position(|b| *b == b'\n' || *b == b'\r').unwrap_or(rest.len());
        let line = (at, &rest[..len]);
        at += len;
        if event.get(at) == Some(&b'\r') && event.get(at + 1) == Some(&b'\n') {
            at += 2;
        } else {
            at += 1;
        }
        Some(line)
    })
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The byte range of the top-level member `key` of the JSON object `json` together with one
/// comma that separates it from a neighbour (the one before it, else the one after), so that
/// cutting the range leaves valid JSON. `None` when the object has no such member.
fn top_level_member(json: &[u8], key: &str) -> Option<(usize, usize)> {
    let quoted = format!("\"{key}\"");
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    // Where the current top-level member starts (after `{` or `,`), and the comma before it.
    let mut member_start = None;
    let mut comma_before = None;
    let mut i = 0;
    while i < json.len() {
        let b = json[i];
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' if depth == 1 && member_start.is_some() => {
                let start = member_start.take()?;
                if json[i..].starts_with(quoted.as_bytes()) {
                    let end = value_end(json, i + quoted.len())?;
                    return Some(match comma_before {
                        Some(comma) => (comma, end),
                        None => {
                            let next = skip_ws(json, end);
                            if json.get(next) == Some(&b',') {
                                (start, skip_ws(json, next + 1))
                            } else {
                                (start, end)
                            }
                        }
                    });
                }
                in_string = true;
            }
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth == 1 {
                    member_start = Some(i + 1);
                    comma_before = None;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => {
                member_start = Some(i + 1);
                comma_before = Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// After a member's key: the end of its value when the value is `null` (the only value this
/// module cuts), else `None`.
fn value_end(json: &[u8], after_key: usize) -> Option<usize> {
    let colon = skip_ws(json, after_key);
    if json.get(colon) != Some(&b':') {
        return None;
    }
    let value = skip_ws(json, colon + 1);
    json[value..].starts_with(b"null").then_some(value + 4)
}

fn skip_ws(json: &[u8], mut i: usize) -> usize {
    while json.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

#[cfg(test)]
#[path = "stream_usage_tests.rs"]
mod tests;
