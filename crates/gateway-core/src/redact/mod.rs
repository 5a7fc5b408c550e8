//! Scrubbing secrets out of text before it is stored or exported (request logs).
//!
//! [`redact`] replaces, in any text (a JSON body, possibly cut short and so not valid JSON, an
//! error message, a path), every secret it can recognise with [`REDACTED`]:
//!
//! - the value of a JSON member whose key is a credential name ([`is_credential_name`]:
//!   `authorization`, `x-api-key`, `api_key`, `client_secret`, `password`, … compared
//!   case-insensitively and ignoring `-` and `_`), at any depth, e.g. a universal-endpoint step's
//!   `headers`. A string value keeps its quotes; a number, object or array becomes
//!   `"[REDACTED]"`; `null` and booleans are left;
//! - the token after `Bearer ` anywhere, when it is at least 8 characters and holds a digit (so
//!   that prose such as "bearer tokens expire" stays);
//! - the value of a credential query parameter (`?key=`, `&api_key=`, `access_token=`, `sig=`, …,
//!   [`is_credential_param`]) anywhere;
//! - every occurrence of the values in [`KnownSecrets`]: what the gateway knows to be secret for
//!   this request (the client's credential headers, the keys it injected, the gateway token),
//!   whatever the text around them. Values shorter than [`MIN_KNOWN_SECRET_BYTES`] are ignored
//!   (they would blank ordinary words).
//!
//! Ordinary content is not guessed at: a member named `token` or `key` (OpenAI's logprobs, cache
//! keys) and the word "token" in a prompt stay. The text around a replaced value is kept byte for
//! byte, so valid JSON stays valid JSON, and redacting twice gives the same text.
//!
//! Cost: linear in the text (one pass per rule, plus one search per known value), and no
//! allocation when nothing matches.

mod json;
mod patterns;

use std::borrow::Cow;

use crate::headers::Headers;

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Shortest known secret value searched for, in bytes.
pub const MIN_KNOWN_SECRET_BYTES: usize = 8;

/// Most values a request may bring in ([`KnownSecrets::add`]); more are ignored, a bound on the
/// search cost a client controls. Secrets the gateway holds ([`KnownSecrets::add_held`]) are
/// always kept.
pub const MAX_KNOWN_SECRETS: usize = 32;

/// JSON member and header names holding credentials, lower-case without `-` and `_`.
const CREDENTIAL_NAMES: &[&str] = &[
    "authorization",
    "proxyauthorization",
    "cfaigauthorization",
    "xapikey",
    "apikey",
    "xgoogapikey",
    "xiapikey",
    "ocpapimsubscriptionkey",
    "apisecret",
    "apitoken",
    "authtoken",
    "xauthtoken",
    "bearertoken",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "sessiontoken",
    "clientsecret",
    "secretkey",
    "secretaccesskey",
    "awssecretaccesskey",
    "awssessiontoken",
    "xamzsecuritytoken",
    "privatekey",
    "password",
    "passwd",
];

/// Query parameter names holding credentials, beyond [`CREDENTIAL_NAMES`]: in a URL these short
/// names mean a credential (Gemini's `?key=`, signed URLs' `sig=`).
const CREDENTIAL_PARAMS: &[&str] = &["key", "token", "secret", "sig", "signature", "xamzsignature", "xamzcredential"];

/// Longest name compared, normalized; longer names are no credential name.
const MAX_NAME_BYTES: usize = 40;

/// Shortest credential name, normalized (`apikey`, `passwd`): shorter keys need no comparing.
const MIN_NAME_BYTES: usize = 6;

/// Whether a JSON member or header named `name` holds a credential (case-insensitive, `-` and
/// `_` ignored).
pub fn is_credential_name(name: &str) -> bool {
    credential_name(name.bytes())
}

/// [`is_credential_name`] over the bytes of a name (decoded from a JSON string by the caller).
fn credential_name(name: impl Iterator<Item = u8>) -> bool {
    normalized(name).is_some_and(|(buf, len)| CREDENTIAL_NAMES.iter().any(|n| n.as_bytes() == &buf[..len]))
}

/// Whether a URL query parameter named `name` holds a credential: a credential name, or one of
/// `key`, `token`, `secret`, `sig`, `signature`, `X-Amz-Signature`, `X-Amz-Credential`.
pub fn is_credential_param(name: &str) -> bool {
    is_credential_name(name)
        || normalized(name.bytes())
            .is_some_and(|(buf, len)| CREDENTIAL_PARAMS.iter().any(|n| n.as_bytes() == &buf[..len]))
}

/// `name` lower-cased without `-` and `_`, in a fixed buffer; `None` when too long.
fn normalized(name: impl Iterator<Item = u8>) -> Option<([u8; MAX_NAME_BYTES], usize)> {
    let mut buf = [0u8; MAX_NAME_BYTES];
    let mut len = 0;
    for b in name.filter(|b| *b != b'-' && *b != b'_') {
        *buf.get_mut(len)? = b.to_ascii_lowercase();
        len += 1;
    }
    Some((buf, len))
}

/// The secret values known for one request, replaced wherever they occur. Its `Debug` shows only
/// how many there are.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KnownSecrets {
    values: Vec<String>,
}

impl std::fmt::Debug for KnownSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KnownSecrets({} values)", self.values.len())
    }
}

impl KnownSecrets {
    pub fn new() -> Self {
        KnownSecrets::default()
    }

    /// Adds a secret value a request brought (trimmed). Of a credential with a scheme (`Bearer
    /// sk-…`, `Token …`, `Basic …`) the part after the scheme is the secret; the forms it takes
    /// escaped in a JSON string or a URL are added too. Values shorter than
    /// [`MIN_KNOWN_SECRET_BYTES`] are ignored, and so is anything past [`MAX_KNOWN_SECRETS`]
    /// values.
    pub fn add(&mut self, value: &str) {
        self.add_value(value, false);
    }

    /// As [`KnownSecrets::add`], for a secret the gateway holds (a stored key it sent, the
    /// gateway token): kept however many values the request brought.
    pub fn add_held(&mut self, value: &str) {
        self.add_value(value, true);
    }

    fn add_value(&mut self, value: &str, held: bool) {
        let value = value.trim();
        if let Some((scheme, rest)) = value.split_once(' ') {
            if ["bearer", "token", "basic"].iter().any(|s| scheme.eq_ignore_ascii_case(s)) {
                return self.add_value(rest, held);
            }
        }
        self.push(value, held);
        if value.bytes().any(|b| b == b'"' || b == b'\\' || b.is_ascii_control()) {
            if let Ok(json) = serde_json::to_string(value) {
                self.push(&json[1..json.len() - 1], held);
            }
        }
        if !value.bytes().all(unreserved) {
            self.push(&percent_encoded(value), held);
        }
    }

    /// Keeps `value` when it is long enough, new, and (for a request's value) there is room;
    /// allocates only then.
    fn push(&mut self, value: &str, held: bool) {
        if value.len() >= MIN_KNOWN_SECRET_BYTES
            && (held || self.values.len() < MAX_KNOWN_SECRETS)
            && !self.values.iter().any(|v| v == value)
        {
            self.values.push(value.to_string());
        }
    }

    /// Adds the value of every header whose name is a credential name ([`is_credential_name`]).
    pub fn add_credential_headers(&mut self, headers: &Headers) {
        for (name, value) in headers.iter() {
            if is_credential_name(name) {
                self.add(value);
            }
        }
    }

    /// Adds the value of every credential parameter ([`is_credential_param`]) of a URL or query
    /// string (what follows the first `?`, or all of it when there is none).
    pub fn add_query_credentials(&mut self, url_or_query: &str) {
        let query = url_or_query.split_once('?').map_or(url_or_query, |(_, q)| q);
        let query = query.split('#').next().unwrap_or_default();
        for pair in query.split('&') {
            if let Some((name, value)) = pair.split_once('=') {
                if is_credential_param(name) {
                    self.add(value);
                    if value.contains(['%', '+']) {
                        self.add(&percent_decoded(value));
                    }
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Every occurrence of a known value in `text`; with `cut_short`, also a tail of `text` that
    /// is the start of a known value (of at least 4 bytes: the text was cut inside it).
    fn find_in(&self, text: &str, cut_short: bool, cuts: &mut Vec<Cut>) {
        for value in &self.values {
            cuts.extend(text.match_indices(value.as_str()).map(|(at, v)| Cut::inside(at, at + v.len())));
            if cut_short {
                // Candidates start where the value's first byte is, among the last len-1 bytes.
                let (b, first) = (text.as_bytes(), value.as_bytes()[0]);
                let from = text.len().saturating_sub(value.len() - 1);
                let partial = (from..text.len().saturating_sub(3))
                    .filter(|&at| b[at] == first)
                    .find(|&at| value.as_bytes().starts_with(&b[at..]));
                if let Some(at) = partial {
                    cuts.push(Cut::inside(at, text.len()));
                }
            }
        }
    }
}

/// Whether `b` is in RFC 3986's unreserved set (never percent-encoded).
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

/// `value` with every byte outside RFC 3986's unreserved set percent-encoded.
fn percent_encoded(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if unreserved(b) {
            out.push(char::from(b));
        } else {
            out.extend(['%', char::from(HEX[usize::from(b >> 4)]), char::from(HEX[usize::from(b & 15)])]);
        }
    }
    out
}

/// `value` with `%XX` escapes decoded (and `+` as a space); invalid escapes are kept as they are.
fn percent_decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| char::from(*b).to_digit(16));
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A byte range of the text to replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cut {
    start: usize,
    end: usize,
    /// The range is a whole JSON value that is not a string: it becomes `"[REDACTED]"`.
    quoted: bool,
}

impl Cut {
    /// A range inside a string (or plain text): it becomes `[REDACTED]`.
    fn inside(start: usize, end: usize) -> Cut {
        Cut { start, end, quoted: false }
    }
}

/// `text` with every secret it holds replaced by [`REDACTED`] (see the module doc for what is
/// recognised). Borrowed when nothing was found. Never fails.
pub fn redact<'a>(text: &'a str, known: &KnownSecrets) -> Cow<'a, str> {
    redact_text(text, known, false)
}

/// As [`redact`], for the first part of a longer text (a body cut to `LOG_BODY_MAX_BYTES`): a
/// string or token still open at the end is secret to the end, and a tail that starts a known
/// value is replaced too.
pub fn redact_cut_short<'a>(text: &'a str, known: &KnownSecrets) -> Cow<'a, str> {
    redact_text(text, known, true)
}

fn redact_text<'a>(text: &'a str, known: &KnownSecrets, cut_short: bool) -> Cow<'a, str> {
    let mut cuts = Vec::new();
    json::credential_members(text, &mut cuts);
    patterns::bearer_tokens_and_query_credentials(text, &mut cuts);
    known.find_in(text, cut_short, &mut cuts);
    if cuts.is_empty() {
        return Cow::Borrowed(text);
    }
    cuts.sort_unstable_by_key(|c| c.start);
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    let mut iter = cuts.into_iter().peekable();
    while let Some(mut cut) = iter.next() {
        while let Some(next) = iter.next_if(|n| n.start <= cut.end) {
            cut.end = cut.end.max(next.end);
            cut.quoted |= next.quoted;
        }
        // Every rule cuts at ASCII delimiters or whole matches; widen anyway rather than slice mid-character.
        while !text.is_char_boundary(cut.start) {
            cut.start -= 1;
        }
        while !text.is_char_boundary(cut.end) {
            cut.end += 1;
        }
        out.push_str(text.get(done..cut.start.max(done)).unwrap_or_default());
        if cut.quoted {
            out.push('"');
            out.push_str(REDACTED);
            out.push('"');
        } else {
            out.push_str(REDACTED);
        }
        done = cut.end;
    }
    out.push_str(text.get(done..).unwrap_or_default());
    Cow::Owned(out)
}

/// Replaces `text` with its redacted form, allocating only when something was found.
pub fn redact_in_place(text: &mut String, known: &KnownSecrets) {
    if let Cow::Owned(clean) = redact(text, known) {
        *text = clean;
    }
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
