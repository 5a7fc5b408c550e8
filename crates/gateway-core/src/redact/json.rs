//! The JSON rule of [`super::redact`]: the value of every member whose key is a credential name.
//!
//! A scanner, not a parser: it finds string literals, treats one followed by `:` as a key, and
//! works on text cut short or not JSON at all (it then finds what looks like members). JSON
//! held inside a JSON string (a tool call's `arguments`) is one string to it.

use super::{credential_name, Cut, MIN_NAME_BYTES, REDACTED};

/// A string literal: its content's range and where the text continues after it.
struct Literal {
    start: usize,
    end: usize,
    next: usize,
    closed: bool,
}

/// Pushes a cut for the value of every member named as a credential.
pub(super) fn credential_members(text: &str, cuts: &mut Vec<Cut>) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(open) = find_quote(text, i) {
        let key = literal_at(text, open);
        i = key.next;
        let colon = skip_space(b, key.next);
        if !key.closed || b.get(colon) != Some(&b':') {
            continue;
        }
        let name = &b[key.start..key.end];
        // Most keys are short words ("id", "role", "model"): no credential name is that short.
        if name.len() < MIN_NAME_BYTES || !credential_name(decoded(name)) {
            continue;
        }
        let at = skip_space(b, colon + 1);
        match b.get(at) {
            Some(b'"') => {
                let value = literal_at(text, at);
                let content = &b[value.start..value.end];
                if !content.is_empty() && content != REDACTED.as_bytes() {
                    cuts.push(Cut::inside(value.start, value.end));
                }
                i = value.next;
            }
            Some(b'{' | b'[') => {
                i = container_end(text, at);
                cuts.push(Cut { start: at, end: i, quoted: true });
            }
            // null, true, false: nothing secret.
            Some(b'n' | b't' | b'f') | None => i = at,
            Some(_) => {
                let len = b[at..].iter().position(|c| matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace());
                i = at + len.unwrap_or(b.len() - at);
                cuts.push(Cut { start: at, end: i, quoted: true });
            }
        }
    }
}

/// The next `"` at or after `from` (a char boundary). The next few bytes are looked at one by
/// one (dense JSON has a quote every few bytes), then `str::find`, a memchr taking several bytes
/// per step, crosses long strings.
fn find_quote(text: &str, from: usize) -> Option<usize> {
    let rest = text.as_bytes().get(from..)?;
    if let Some(at) = rest.iter().take(16).position(|c| *c == b'"') {
        return Some(from + at);
    }
    let skip = rest.len().min(16);
    text.get(from + skip..)?.find('"').map(|at| from + skip + at)
}

/// The string literal opening at `open` (a `"`); one left open runs to the end of the text.
fn literal_at(text: &str, open: usize) -> Literal {
    let b = text.as_bytes();
    let mut from = open + 1;
    while let Some(quote) = find_quote(text, from) {
        // A quote after an odd run of backslashes is escaped.
        let backslashes = b[open + 1..quote].iter().rev().take_while(|c| **c == b'\\').count();
        if backslashes % 2 == 0 {
            return Literal { start: open + 1, end: quote, next: quote + 1, closed: true };
        }
        from = quote + 1;
    }
    Literal { start: (open + 1).min(b.len()), end: b.len(), next: b.len(), closed: false }
}

/// Where the object or array opening at `open` ends (after its closing bracket), strings
/// skipped; the end of the text when it is not closed.
fn container_end(text: &str, open: usize) -> usize {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut k = open;
    while k < b.len() {
        match b[k] {
            b'"' => {
                k = literal_at(text, k).next;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return k + 1;
                }
            }
            _ => {}
        }
        k += 1;
    }
    b.len()
}

fn skip_space(b: &[u8], mut k: usize) -> usize {
    while b.get(k).is_some_and(u8::is_ascii_whitespace) {
        k += 1;
    }
    k
}

/// The bytes of a key's content with JSON escapes decoded (`\u0061` is `a`); a non-ASCII
/// escape decodes to a byte no credential name holds.
fn decoded(raw: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut k = 0;
    std::iter::from_fn(move || {
        let b = *raw.get(k)?;
        if b != b'\\' {
            k += 1;
            return Some(b);
        }
        let escaped = *raw.get(k + 1)?;
        k += 2;
        match escaped {
            b'u' => {}
            b'"' | b'\\' | b'/' => return Some(escaped),
            _ => return Some(0xFF),
        }
        let code = raw
            .get(k..k + 4)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u32::from_str_radix(hex, 16).ok());
        k += 4;
        Some(code.and_then(|c| u8::try_from(c).ok()).filter(u8::is_ascii).unwrap_or(0xFF))
    })
}
