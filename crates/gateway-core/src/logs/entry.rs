//! One request log entry, and how it is built from what the gateway saw.
//!
//! Built once per request in the logging phase (off the hot path), then stored by a log shard.
//! The entry holds no header values except the user agent: provider keys, `Authorization`,
//! `x-api-key`, `cf-aig-authorization` never reach it, and the endpoint is the path *without* its
//! query string (Gemini accepts `?key=` there).
//!
//! Secrets can still travel in what is kept — a universal-endpoint step's `headers`, a credential
//! field of a body, a key echoed in an error or a response — so [`LogEntry::build`] ends by
//! scrubbing every text field ([`crate::logs::scrub`]): the values of JSON members named like
//! credentials, `Bearer` tokens, credential query parameters, and every occurrence of the
//! request's known secrets ([`EntryFacts::secrets`] plus the credential headers of
//! [`EntryFacts::request_headers`]) become `[REDACTED]`. Storage and reads scrub again.

use serde::{Deserialize, Serialize};

use crate::cache::CacheStatus;
use crate::headers::Headers;
use crate::logs::headers::{LogOptions, Metadata};
use crate::redact::KnownSecrets;
use crate::usage::Usage;

/// Appended to a body cut to `LOG_BODY_MAX_BYTES`; followed by the original size and `]`.
pub const TRUNCATION_MARKER: &str = "…[truncated, original ";

/// The stored text of a request's cache status: `HIT`, `MISS`, `BYPASS`, or `NONE` when the
/// request did not use the cache.
pub fn cache_status_text(status: Option<CacheStatus>) -> &'static str {
    status.map_or(NO_CACHE, CacheStatus::as_str)
}

/// Parses [`cache_status_text`]'s output, case-insensitively: `Some(None)` is `NONE`; `None` is
/// not a cache status at all.
pub fn parse_cache_status_text(raw: &str) -> Option<Option<CacheStatus>> {
    if raw.eq_ignore_ascii_case(NO_CACHE) {
        Some(None)
    } else {
        CacheStatus::parse(raw).map(Some)
    }
}

/// The text of "no cache consulted".
pub const NO_CACHE: &str = "NONE";

/// Serde for `Option<CacheStatus>` as [`cache_status_text`] (never JSON `null`).
mod cache_status_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{cache_status_text, parse_cache_status_text, CacheStatus};

    pub fn serialize<S: Serializer>(status: &Option<CacheStatus>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(cache_status_text(*status))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CacheStatus>, D::Error> {
        let raw = String::deserialize(d)?;
        parse_cache_status_text(&raw).ok_or_else(|| serde::de::Error::custom(format!("unknown cache status {raw:?}")))
    }
}

/// One logged request, as stored and as returned by `GET /api/logs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Time-sortable id ([`crate::logs::id::new_log_id`]); also sent as `cf-aig-log-id`.
    pub id: String,
    pub created_at_ms: i64,
    pub gateway: String,
    pub provider: String,
    /// The model, from the response when it named one, else from the request.
    pub model: String,
    /// The provider path, without query string.
    pub endpoint: String,
    pub method: String,
    /// The status sent to the client.
    pub status: u16,
    pub success: bool,
    pub duration_ms: u64,
    /// Time to the upstream's response headers; `None` when no response arrived.
    pub ttfb_ms: Option<u64>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub tokens_cached: u64,
    /// The token counts are the gateway's estimate (a stream that reported no usage).
    pub tokens_estimated: bool,
    /// USD; `None` when the model's price is unknown (never 0 for "unknown").
    pub cost: Option<f64>,
    /// `None` when the request did not use the cache (stored as `NONE`).
    #[serde(with = "cache_status_serde")]
    pub cache_status: Option<CacheStatus>,
    /// The fallback step that answered (0-based).
    pub step: u32,
    /// Upstream attempts made, retries included.
    pub attempts: u32,
    pub virtual_key_id: Option<String>,
    /// The virtual key's name when the request was made (names change; the id does not).
    pub virtual_key_name: Option<String>,
    pub metadata: Metadata,
    /// The gateway's or provider's error message for failed requests.
    pub error: Option<String>,
    /// A cache failure the request was served around (KV unreachable, an unreadable entry, a
    /// failed write); the request itself may have succeeded.
    pub cache_error: Option<String>,
    /// What the semantic lookup did, as JSON: `{"outcome":"hit","similarity":0.973,
    /// "source_log_id":"…"}`, `miss` (with the best similarity), `skipped` or `error` (with the
    /// reason); `None` when it did not run.
    #[serde(default)]
    pub cache_semantic: Option<String>,
    /// A limiter that failed for this request: let through because its limits fail open, or a
    /// settlement that did not land.
    pub limit_error: Option<String>,
    /// What guardrail plugins flagged, blocked or changed: a JSON array of
    /// `{"plugin", "action", "rule"}` (the `cf-aig-guardrails` header's value).
    pub guardrails: Option<String>,
    pub request_body: Option<String>,
    pub response_body: Option<String>,
    pub user_agent: Option<String>,
    /// Human feedback: 1 (good) or -1 (bad), set through `PATCH /api/logs/{id}`.
    pub feedback: Option<i8>,
    /// Evaluation score 0..=100.
    pub score: Option<f64>,
    pub comment: Option<String>,
}

/// What the runtime knows about a finished request; turned into a [`LogEntry`] by
/// [`LogEntry::build`]. Headers are passed whole so that the builder, not every caller, decides
/// which of them may be stored (only `user-agent`).
#[derive(Debug, Clone, Default)]
pub struct EntryFacts<'a> {
    pub id: String,
    pub created_at_ms: f64,
    pub gateway: String,
    pub provider: String,
    pub model: String,
    /// The provider path as received; a query string is dropped.
    pub path: String,
    pub method: String,
    pub request_headers: Option<&'a Headers>,
    pub status: u16,
    pub duration_ms: f64,
    pub ttfb_ms: Option<f64>,
    pub usage: Option<Usage>,
    pub cost: Option<f64>,
    pub cache_status: Option<CacheStatus>,
    pub step: u32,
    pub attempts: u32,
    pub virtual_key_id: Option<String>,
    pub virtual_key_name: Option<String>,
    pub error: Option<String>,
    pub cache_error: Option<String>,
    pub cache_semantic: Option<String>,
    pub limit_error: Option<String>,
    pub guardrails: Option<String>,
    pub request_body: Option<&'a str>,
    pub response_body: Option<&'a str>,
    /// The size of the whole response body when `response_body` is only its first part.
    pub response_body_len: Option<usize>,
    /// The secret values the gateway knows for this request (client credentials, injected keys):
    /// replaced wherever they occur in the entry.
    pub secrets: Option<&'a KnownSecrets>,
}

impl LogEntry {
    /// Builds the entry for a finished request. Bodies are kept only when `options` allow it, cut
    /// to `body_max_bytes`; success means a 2xx/3xx status with no gateway error. Every text field
    /// is then scrubbed of secrets (see the module doc). Never fails.
    pub fn build(facts: EntryFacts<'_>, options: &LogOptions, body_max_bytes: usize) -> LogEntry {
        let mut known = facts.secrets.cloned().unwrap_or_default();
        if let Some(headers) = facts.request_headers {
            known.add_credential_headers(headers);
        }
        let usage = facts.usage.unwrap_or_default();
        let keep = |body: Option<&str>, len: Option<usize>| {
            if options.collect_payload {
                body.map(|b| truncate_captured(b, len.unwrap_or(b.len()), body_max_bytes))
            } else {
                None
            }
        };
        let endpoint = facts.path.split(['?', '#']).next().unwrap_or_default().to_string();
        let mut entry = LogEntry {
            id: facts.id,
            created_at_ms: ms(facts.created_at_ms) as i64,
            gateway: facts.gateway,
            provider: facts.provider,
            model: facts.model,
            endpoint,
            method: facts.method,
            status: facts.status,
            success: (200..400).contains(&facts.status) && facts.error.is_none(),
            duration_ms: ms(facts.duration_ms),
            ttfb_ms: facts.ttfb_ms.map(ms),
            tokens_in: usage.input_tokens,
            tokens_out: usage.output_tokens,
            tokens_cached: usage.cached_input_tokens,
            tokens_estimated: usage.estimated,
            cost: facts.cost.filter(|c| c.is_finite()),
            cache_status: facts.cache_status,
            step: facts.step,
            attempts: facts.attempts,
            virtual_key_id: facts.virtual_key_id,
            virtual_key_name: facts.virtual_key_name,
            metadata: options.metadata.clone(),
            error: facts.error,
            cache_error: facts.cache_error,
            cache_semantic: facts.cache_semantic,
            limit_error: facts.limit_error,
            guardrails: facts.guardrails,
            request_body: keep(facts.request_body, None),
            response_body: keep(facts.response_body, facts.response_body_len),
            user_agent: facts.request_headers.and_then(|h| h.get("user-agent")).map(|ua| truncate_body(ua, 512)),
            feedback: None,
            score: None,
            comment: None,
        };
        entry.redact(&known);
        entry
    }
}

fn ms(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 {
        value.round() as u64
    } else {
        0
    }
}

/// Cuts `body` to at most `max_bytes` (at a character boundary) and appends
/// `…[truncated, original N bytes]`; shorter bodies are returned whole.
pub fn truncate_body(body: &str, max_bytes: usize) -> String {
    truncate_captured(body, body.len(), max_bytes)
}

/// As [`truncate_body`], for a body of which only a prefix was kept: `original_len` is the size
/// of the whole body, reported in the marker.
pub fn truncate_captured(body: &str, original_len: usize, max_bytes: usize) -> String {
    if body.len() <= max_bytes && original_len <= body.len() {
        return body.to_string();
    }
    let max_bytes = max_bytes.min(body.len());
    let mut cut = max_bytes;
    while !body.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{TRUNCATION_MARKER}{} bytes]", &body[..cut], original_len.max(body.len()))
}

#[cfg(test)]
#[path = "entry_tests.rs"]
mod tests;
