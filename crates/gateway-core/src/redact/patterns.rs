//! The text rules of [`super::redact`]: `Bearer` tokens and credential query parameters,
//! wherever they appear (a header echoed in a body, a URL in an error message).

use super::{is_credential_param, Cut, REDACTED};

/// Shortest token after `Bearer ` taken for a credential.
const MIN_BEARER_TOKEN_BYTES: usize = 8;

/// Pushes a cut for every `Bearer <token>` token and every credential query parameter's value.
///
/// Both search with `str::match_indices` (two-way search and memchr, several bytes per step)
/// for a rare anchor — `earer`, `=` — and look around it, rather than test every byte.
pub(super) fn bearer_tokens_and_query_credentials(text: &str, cuts: &mut Vec<Cut>) {
    let b = text.as_bytes();
    for anchor in ["earer", "EARER"] {
        for (at, _) in text.match_indices(anchor) {
            if let Some(i) = at.checked_sub(1) {
                bearer_token(b, i, cuts);
            }
        }
    }
    for (eq, _) in text.match_indices('=') {
        query_value(b, eq, cuts);
    }
}

/// At `i`: the word `bearer` (any case, not inside a word), spaces, then a token of at least
/// [`MIN_BEARER_TOKEN_BYTES`] RFC 6750 characters holding a digit.
fn bearer_token(b: &[u8], i: usize, cuts: &mut Vec<Cut>) {
    let word = b.get(i..i + 6).is_some_and(|w| w.eq_ignore_ascii_case(b"bearer"));
    let starts_word = i == 0 || !b[i - 1].is_ascii_alphanumeric();
    if !word || !starts_word {
        return;
    }
    let start = i + 6 + b[i + 6..].iter().take_while(|c| **c == b' ').count();
    if start == i + 6 {
        return;
    }
    let len = b[start..].iter().take_while(|c| c.is_ascii_alphanumeric() || b"-._~+/=".contains(c)).count();
    let token = &b[start..start + len];
    if len >= MIN_BEARER_TOKEN_BYTES && token.iter().any(u8::is_ascii_digit) {
        cuts.push(Cut::inside(start, start + len));
    }
}

/// Longest parameter name looked at before a `=`.
const MAX_PARAM_NAME_BYTES: usize = 48;

/// At `eq` (a `=`): `?name=value` or `&name=value` where `name` is a credential parameter; the
/// value runs to the next `&`, `#`, quote, backslash, angle bracket or space.
fn query_value(b: &[u8], eq: usize, cuts: &mut Vec<Cut>) {
    let name_len = b[..eq]
        .iter()
        .rev()
        .take(MAX_PARAM_NAME_BYTES + 1)
        .take_while(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
        .count();
    let Some(sep) = eq.checked_sub(name_len + 1) else { return };
    if name_len == 0 || name_len > MAX_PARAM_NAME_BYTES || !matches!(b[sep], b'?' | b'&') {
        return;
    }
    // Only ASCII was taken for the name, so this is a str slice.
    let name = std::str::from_utf8(&b[sep + 1..eq]).unwrap_or_default();
    if !is_credential_param(name) {
        return;
    }
    let start = eq + 1;
    let len = b[start..]
        .iter()
        .take_while(|c| !(c.is_ascii_whitespace() || c.is_ascii_control() || b"&#\"'\\<>`".contains(c)))
        .count();
    let value = &b[start..start + len];
    if len > 0 && value != REDACTED.as_bytes() {
        cuts.push(Cut::inside(start, start + len));
    }
}
