//! Secrets out of log entries: every text field of a [`LogEntry`] goes through
//! [`crate::redact`] wherever an entry crosses a boundary.
//!
//! - [`LogEntry::build`] scrubs a new entry with the request's [`KnownSecrets`] (its credential
//!   headers, the keys the gateway injected, the gateway token) and the pattern rules, before the
//!   entry reaches the log sink, the queue or the metrics point;
//! - [`crate::logs::sql::insert_rows`], the only way into a shard, scrubs again with the pattern
//!   rules, so an entry made any other way (a queue message, a future writer) is clean too;
//! - [`crate::logs::sql::row_to_entry`], the only way out of a shard (list, get, export, feedback
//!   replies), scrubs what it reads, so rows stored before this existed do not leak either.
//!
//! What is scrubbed: the bodies, `error`, `cache_error`, `cache_semantic`, `limit_error`, `endpoint`, `model`, `gateway`,
//! `provider`, `method`, `user_agent`, `virtual_key_id`, `virtual_key_name`, `comment`, and the metadata (as its JSON
//! text: a member named like a credential loses its value). A body cut to `LOG_BODY_MAX_BYTES`
//! is scrubbed as text cut short, its truncation marker kept.

use std::borrow::Cow;

use crate::logs::entry::{LogEntry, TRUNCATION_MARKER};
use crate::logs::headers::Metadata;
use crate::redact::{redact, redact_cut_short, redact_in_place, KnownSecrets};

impl LogEntry {
    /// Replaces every secret in every text field (see the module doc). Allocates only for the
    /// fields where something was found. Never fails.
    pub fn redact(&mut self, known: &KnownSecrets) {
        for text in [&mut self.gateway, &mut self.provider, &mut self.model, &mut self.endpoint, &mut self.method] {
            redact_in_place(text, known);
        }
        let optional = [
            &mut self.virtual_key_id,
            &mut self.virtual_key_name,
            &mut self.error,
            &mut self.cache_error,
            &mut self.cache_semantic,
            &mut self.limit_error,
            &mut self.user_agent,
            &mut self.comment,
        ];
        for text in optional.into_iter().flatten() {
            redact_in_place(text, known);
        }
        for body in [&mut self.request_body, &mut self.response_body].into_iter().flatten() {
            redact_body(body, known);
        }
        redact_metadata(&mut self.metadata, known);
    }
}

/// Scrubs a logged body; one ending in the truncation marker is scrubbed as text cut short (a
/// string still open at the cut is secret to the end), the marker kept.
fn redact_body(body: &mut String, known: &KnownSecrets) {
    let (kept, marker) = split_truncation(body);
    if let Cow::Owned(clean) = redact_cut_short_if(kept, !marker.is_empty(), known) {
        *body = clean + marker;
    }
}

fn redact_cut_short_if<'a>(text: &'a str, cut_short: bool, known: &KnownSecrets) -> Cow<'a, str> {
    if cut_short {
        redact_cut_short(text, known)
    } else {
        redact(text, known)
    }
}

/// `(kept, marker)` of a body ending in `…[truncated, original N bytes]`; `(body, "")` for any
/// other body (a marker-like text inside the body does not count: it must end it).
fn split_truncation(body: &str) -> (&str, &str) {
    let Some(at) = body.strip_suffix(" bytes]").and_then(|rest| rest.rfind(TRUNCATION_MARKER)) else {
        return (body, "");
    };
    let digits = &body[at + TRUNCATION_MARKER.len()..body.len() - " bytes]".len()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return (body, "");
    }
    body.split_at(at)
}

/// Scrubs the metadata as its JSON text, so that a member named like a credential loses its
/// value; metadata that no longer parses afterwards (it cannot: only string contents change) is
/// dropped rather than kept unscrubbed.
fn redact_metadata(metadata: &mut Metadata, known: &KnownSecrets) {
    if metadata.is_empty() {
        return;
    }
    let Ok(text) = serde_json::to_string(metadata) else { return metadata.clear() };
    if let Cow::Owned(clean) = redact(&text, known) {
        *metadata = serde_json::from_str(&clean).unwrap_or_default();
    }
}

#[cfg(test)]
#[path = "scrub_tests.rs"]
mod tests;
