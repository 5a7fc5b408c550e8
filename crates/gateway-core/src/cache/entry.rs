//! A cached response as stored in one KV value, and the cache headers of responses.
//!
//! Encoding: one line of JSON (status, headers, `stored_at_ms`, whether the body is an SSE stream,
//! the producing log id, the body length), a `\n`, then the raw body bytes. The body is not
//! escaped, so a 20 MB completion costs 20 MB plus a few hundred bytes. Decoding checks the
//! version, the status and that the body length matches, so a truncated or foreign value is
//! rejected (the runtime then treats it as a miss).

use serde::{Deserialize, Serialize};

use crate::headers::Headers;

/// KV's largest value: 25 MiB. Pass it (or less) as `max_bytes` to [`CacheEntry::encode`].
pub const KV_MAX_VALUE_BYTES: usize = 25 * 1024 * 1024;

/// Response headers kept with an entry and replayed on a hit. Everything else is dropped: cookies
/// and credentials must never be served to another caller, and per-request headers (request ids,
/// rate-limit counters, `content-length`, `content-encoding` of a body the runtime decoded) would
/// be wrong on a replay.
pub const STORED_HEADERS: &[&str] =
    &["content-type", "content-language", "content-disposition", "openai-model", "openai-version"];

/// The `cf-aig-cache-status` response header.
pub const CACHE_STATUS_HEADER: &str = "cf-aig-cache-status";

const FORMAT_VERSION: u32 = 1;

/// Whether a response came from the cache. Request logs store it as text (`HIT`, `MISS`,
/// `BYPASS`, and `NONE` for a request that did not use the cache: see
/// [`crate::logs::entry::cache_status_text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CacheStatus {
    /// Served from the cache.
    Hit,
    /// Looked up, not found (or unreadable): served by the provider, stored if cacheable.
    Miss,
    /// The client sent `cf-aig-skip-cache: true`: the cache was neither read nor written.
    Bypass,
}

impl CacheStatus {
    /// The `cf-aig-cache-status` value: `HIT`, `MISS` or `BYPASS`.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheStatus::Hit => "HIT",
            CacheStatus::Miss => "MISS",
            CacheStatus::Bypass => "BYPASS",
        }
    }

    /// Parses `HIT`, `MISS` or `BYPASS`, case-insensitively.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.to_ascii_uppercase().as_str() {
            "HIT" => Some(CacheStatus::Hit),
            "MISS" => Some(CacheStatus::Miss),
            "BYPASS" => Some(CacheStatus::Bypass),
            _ => None,
        }
    }

    /// Sets `cf-aig-cache-status` on a response whose request used the cache (decision Use or
    /// Bypass), and `age` (whole seconds) on a hit.
    pub fn apply(self, headers: &mut Headers, age_s: Option<u64>) {
        headers.set(CACHE_STATUS_HEADER, self.as_str());
        match (self, age_s) {
            (CacheStatus::Hit, Some(age)) => headers.set("age", age.to_string()),
            _ => headers.remove("age"),
        }
    }
}

/// A stored response.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheEntry {
    /// Always 2xx: only successful responses are stored.
    pub status: u16,
    /// The [`STORED_HEADERS`] of the response, lower-case names, in their order.
    pub headers: Vec<(String, String)>,
    /// When the response was stored, on the runtime's clock (ms since the epoch).
    pub stored_at_ms: f64,
    /// The body is a `text/event-stream`, replayed event by event (see [`super::replay`]).
    pub sse: bool,
    /// The gateway log id of the request that produced it, for purge-by-log-id.
    pub log_id: Option<String>,
    /// The seconds it was stored for (KV's `expirationTtl`), so that a copy read from the memory
    /// tier is not served after KV would have dropped it; `None` on entries built before storing.
    pub ttl_s: Option<u64>,
    /// The body as the client received it (decoded: never gzip).
    pub body: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Meta {
    v: u32,
    status: u16,
    headers: Vec<(String, String)>,
    stored_at_ms: f64,
    sse: bool,
    #[serde(default)]
    log_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ttl_s: Option<u64>,
    body_len: usize,
}

/// Why a KV value could not be read as an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl CacheEntry {
    /// Builds the entry of a finished response; `None` unless the status is 2xx. Keeps only the
    /// [`STORED_HEADERS`]; `sse` is read from the `content-type`.
    pub fn from_response(
        status: u16,
        headers: &Headers,
        body: Vec<u8>,
        log_id: Option<String>,
        now_ms: f64,
    ) -> Option<CacheEntry> {
        if !(200..300).contains(&status) {
            return None;
        }
        let kept = headers
            .iter()
            .filter(|(n, _)| STORED_HEADERS.contains(n))
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let sse = is_event_stream(headers);
        Some(CacheEntry { status, headers: kept, stored_at_ms: now_ms, sse, log_id, ttl_s: None, body })
    }

    /// The KV value; `None` when it would be larger than `max_bytes` (the response is then not
    /// cached).
    pub fn encode(&self, max_bytes: usize) -> Option<Vec<u8>> {
        let meta = Meta {
            v: FORMAT_VERSION,
            status: self.status,
            headers: self.headers.clone(),
            stored_at_ms: self.stored_at_ms,
            sse: self.sse,
            log_id: self.log_id.clone(),
            ttl_s: self.ttl_s,
            body_len: self.body.len(),
        };
        // serde_json escapes control characters, so the line holds no raw `\n`.
        let line = serde_json::to_vec(&meta).ok()?;
        let size = line.len() + 1 + self.body.len();
        if size > max_bytes {
            return None;
        }
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(&line);
        out.push(b'\n');
        out.extend_from_slice(&self.body);
        Some(out)
    }

    /// Reads a KV value written by [`CacheEntry::encode`].
    ///
    /// Errors: no header line, header not JSON of this format, an unknown version, a status other
    /// than 2xx, or a body whose length differs from the recorded one (a truncated value).
    pub fn decode(value: &[u8]) -> Result<CacheEntry, DecodeError> {
        let newline =
            value.iter().position(|&b| b == b'\n').ok_or_else(|| DecodeError("no header line".to_string()))?;
        let meta: Meta = serde_json::from_slice(&value[..newline])
            .map_err(|e| DecodeError(format!("header line is not a cache entry: {e}")))?;
        if meta.v != FORMAT_VERSION {
            return Err(DecodeError(format!("unknown cache entry version {}", meta.v)));
        }
        if !(200..300).contains(&meta.status) {
            return Err(DecodeError(format!("stored status {} is not 2xx", meta.status)));
        }
        let body = &value[newline + 1..];
        if body.len() != meta.body_len {
            return Err(DecodeError(format!("body is {} bytes, header says {}", body.len(), meta.body_len)));
        }
        Ok(CacheEntry {
            status: meta.status,
            headers: meta.headers,
            stored_at_ms: meta.stored_at_ms,
            sse: meta.sse,
            log_id: meta.log_id,
            ttl_s: meta.ttl_s,
            body: body.to_vec(),
        })
    }

    /// Whether the entry may answer a request that accepts answers up to `max_age_s` old: younger
    /// than that and than the TTL it was stored with.
    pub fn is_fresh(&self, now_ms: f64, max_age_s: u64) -> bool {
        let age = self.age_s(now_ms);
        age < max_age_s && self.ttl_s.is_none_or(|ttl| age < ttl)
    }

    /// Whole seconds since the entry was stored; 0 if the clock reads earlier than `stored_at_ms`.
    pub fn age_s(&self, now_ms: f64) -> u64 {
        let age = ((now_ms - self.stored_at_ms) / 1000.0).floor();
        if age.is_finite() && age > 0.0 {
            age as u64
        } else {
            0
        }
    }

    /// The headers of the hit response: the stored ones, `cf-aig-cache-status: HIT` and `age`.
    pub fn hit_headers(&self, now_ms: f64) -> Headers {
        let mut headers: Headers = self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        CacheStatus::Hit.apply(&mut headers, Some(self.age_s(now_ms)));
        headers
    }
}

/// Whether a response's `content-type` is `text/event-stream` (parameters ignored).
pub fn is_event_stream(headers: &Headers) -> bool {
    headers
        .get("content-type")
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("text/event-stream"))
}

#[cfg(test)]
#[path = "entry_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "entry_props.rs"]
mod props;
