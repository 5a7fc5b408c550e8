//! The query string of `GET /api/logs` (and of `DELETE /api/logs` and the stats endpoint):
//! filters, page size, cursor and order.
//!
//! Parameters (all optional; each at most once, except `metadata.KEY`):
//!
//! | name | value |
//! |---|---|
//! | `from`, `to` | milliseconds since the Unix epoch; `from` inclusive, `to` exclusive |
//! | `gateway`, `provider`, `model` | exact match |
//! | `status` | a code (`429`) or a class (`2xx`, `4xx`, `5xx`, …) |
//! | `success` | `true` / `false` |
//! | `cache_status` | `HIT`, `MISS`, `BYPASS`, `NONE` (any case) |
//! | `virtual_key` | virtual key id, exact |
//! | `feedback` | `1` (👍) or `-1` (👎), as set with `PATCH /api/logs/{id}` |
//! | `guardrail` | `any` (a guardrail plugin acted on the request), or an action: `flag`, `block`, `redact`, `rewrite` |
//! | `metadata.KEY` | metadata value as text: strings exact, numbers as written (`3`, `1.5`), `true`/`false`; at most 5 keys |
//! | `q` | substring of the request or response body (case-insensitive for ASCII; ≤ 256 chars) |
//! | `limit` | page size 1..=1000, default 50 (1..=100 with `bodies=true`) |
//! | `cursor` | the `next_cursor` of the previous page (opaque) |
//! | `order` | `desc` (newest first, default) or `asc` |
//! | `bodies` | `true` to include request/response bodies in list rows (default `false`) |
//! | `bucket`, `group_by` | stats only: see [`crate::logs::stats`] |
//! | `format` | read by the runtime (export), ignored here |
//!
//! Any other parameter, a repeated one, or a bad value is answered 400 naming the parameter, so
//! that a typo never silently widens a `DELETE`.

use crate::cache::CacheStatus;
use crate::error::GatewayError;
use crate::logs::entry::parse_cache_status_text;
use crate::logs::headers::MAX_METADATA_ENTRIES;
use crate::logs::id::is_log_id;

/// Largest page.
pub const MAX_LIMIT: u32 = 1000;
/// Largest page when bodies are included.
pub const MAX_LIMIT_WITH_BODIES: u32 = 100;
/// Page size when `limit` is absent.
pub const DEFAULT_LIMIT: u32 = 50;
/// Longest `q` search text.
pub const MAX_SEARCH_CHARS: usize = 256;

/// Status condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Exact(u16),
    /// `Class(4)` matches 400..=499.
    Class(u16),
}

/// Which rows a list, delete or stats query covers. Empty means all rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogFilter {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub gateway: Option<String>,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub status: Option<StatusFilter>,
    pub success: Option<bool>,
    /// `Some(None)` selects the requests that did not use the cache (`cache_status=NONE`).
    pub cache_status: Option<Option<CacheStatus>>,
    pub virtual_key: Option<String>,
    /// `1` or `-1`: the rows given that feedback.
    pub feedback: Option<i8>,
    /// `Some(None)`: rows a guardrail acted on; `Some(Some(action))`: rows with that action.
    pub guardrail: Option<Option<String>>,
    /// `metadata.KEY=VALUE` pairs, all of which must match.
    pub metadata: Vec<(String, String)>,
    pub q: Option<String>,
}

/// Sort order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    #[default]
    Desc,
    Asc,
}

/// Position after the last row of a page: keyset pagination on `(created_at, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at_ms: i64,
    pub id: String,
}

impl Cursor {
    /// The opaque text form: `v1.<created_at in hex>.<id>`.
    pub fn encode(&self) -> String {
        format!("v1.{:x}.{}", self.created_at_ms, self.id)
    }

    /// Parses [`Cursor::encode`]'s output; errors name the `cursor` parameter.
    pub fn decode(raw: &str) -> Result<Cursor, GatewayError> {
        let bad = || GatewayError::invalid("cursor is invalid: pass the next_cursor of a previous page unchanged");
        let mut parts = raw.split('.');
        let (Some("v1"), Some(ms), Some(id), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let created_at_ms = i64::from_str_radix(ms, 16).map_err(|_| bad())?;
        if !is_log_id(id) {
            return Err(bad());
        }
        Ok(Cursor { created_at_ms, id: id.to_string() })
    }
}

/// A parsed `GET /api/logs` query.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filter: LogFilter,
    pub limit: u32,
    pub cursor: Option<Cursor>,
    pub order: Order,
    /// Include request/response bodies in the rows.
    pub bodies: bool,
}

impl ListQuery {
    /// Parses the query string (without `?`) of `GET /api/logs`.
    ///
    /// Errors: 400 naming the parameter (unknown, repeated, or a bad value).
    pub fn parse(query: &str) -> Result<ListQuery, GatewayError> {
        let mut filter = LogFilter::default();
        let (mut limit, mut cursor, mut order, mut bodies) = (None, None, None, None);
        for (key, value) in parse_pairs(query)? {
            if filter.take(&key, &value)? {
                continue;
            }
            match key.as_str() {
                "limit" => once(&key, &mut limit, parse_num::<u32>(&key, &value)?)?,
                "cursor" => once(&key, &mut cursor, Cursor::decode(&value)?)?,
                "order" => once(
                    &key,
                    &mut order,
                    match value.as_str() {
                        "desc" => Order::Desc,
                        "asc" => Order::Asc,
                        _ => return Err(GatewayError::invalid(format!("order must be asc or desc, got {value:?}"))),
                    },
                )?,
                "bodies" => once(&key, &mut bodies, parse_flag(&key, &value)?)?,
                "format" => {}
                _ => return Err(unknown(&key)),
            }
        }
        let bodies = bodies.unwrap_or(false);
        let max = if bodies { MAX_LIMIT_WITH_BODIES } else { MAX_LIMIT };
        let limit = limit.unwrap_or(DEFAULT_LIMIT.min(max));
        if limit == 0 || limit > max {
            return Err(GatewayError::invalid(format!(
                "limit must be from 1 to {max}{}, got {limit}",
                if bodies { " when bodies=true" } else { "" }
            )));
        }
        Ok(ListQuery { filter, limit, cursor, order: order.unwrap_or_default(), bodies })
    }
}

impl LogFilter {
    /// Parses a query string holding only filters (`DELETE /api/logs`).
    ///
    /// Errors: 400 naming the parameter.
    pub fn parse(query: &str) -> Result<LogFilter, GatewayError> {
        let mut filter = LogFilter::default();
        for (key, value) in parse_pairs(query)? {
            if !filter.take(&key, &value)? {
                return Err(unknown(&key));
            }
        }
        Ok(filter)
    }

    /// Whether the filter selects every row.
    pub fn is_empty(&self) -> bool {
        *self == LogFilter::default()
    }

    /// Applies one parameter if it is a filter; `Ok(false)` when `key` is not a filter name.
    pub fn take(&mut self, key: &str, value: &str) -> Result<bool, GatewayError> {
        let text = |v: &str| -> Result<String, GatewayError> {
            if v.is_empty() {
                Err(GatewayError::invalid(format!("{key} must not be empty")))
            } else {
                Ok(v.to_string())
            }
        };
        match key {
            "from" => once(key, &mut self.from_ms, parse_num::<i64>(key, value)?)?,
            "to" => once(key, &mut self.to_ms, parse_num::<i64>(key, value)?)?,
            "gateway" => once(key, &mut self.gateway, text(value)?)?,
            "provider" => once(key, &mut self.provider, text(value)?)?,
            "model" => once(key, &mut self.model, text(value)?)?,
            "status" => once(key, &mut self.status, parse_status(value)?)?,
            "success" => once(key, &mut self.success, parse_flag(key, value)?)?,
            "cache_status" => {
                let status = parse_cache_status_text(value).ok_or_else(|| {
                    GatewayError::invalid(format!("cache_status must be HIT, MISS, BYPASS or NONE, got {value:?}"))
                })?;
                once(key, &mut self.cache_status, status)?
            }
            "virtual_key" => once(key, &mut self.virtual_key, text(value)?)?,
            "feedback" => once(key, &mut self.feedback, parse_feedback_filter(value)?)?,
            "guardrail" => {
                let action = match value {
                    "any" => None,
                    "flag" | "block" | "redact" | "rewrite" => Some(value.to_string()),
                    _ => {
                        return Err(GatewayError::invalid(format!(
                            "guardrail must be any, flag, block, redact or rewrite, got {value:?}"
                        )))
                    }
                };
                once(key, &mut self.guardrail, action)?
            }
            "q" => {
                if value.chars().count() > MAX_SEARCH_CHARS {
                    return Err(GatewayError::invalid(format!("q must be at most {MAX_SEARCH_CHARS} characters")));
                }
                once(key, &mut self.q, text(value)?)?
            }
            _ => match key.strip_prefix("metadata.") {
                Some(meta_key) => {
                    if meta_key.is_empty() || meta_key.len() > 128 || meta_key.contains(['"', '\\']) {
                        return Err(GatewayError::invalid(format!(
                            "{key}: the metadata key must be 1 to 128 bytes without quotes or backslashes"
                        )));
                    }
                    if self.metadata.iter().any(|(k, _)| k == meta_key) {
                        return Err(GatewayError::invalid(format!("{key} is given more than once")));
                    }
                    // Each filter binds 3 values and a Durable Object query takes at most 100;
                    // more filters than an entry can hold metadata entries would match nothing.
                    if self.metadata.len() == MAX_METADATA_ENTRIES {
                        return Err(GatewayError::invalid(format!(
                            "{key}: at most {MAX_METADATA_ENTRIES} metadata filters, as many as an entry has entries"
                        )));
                    }
                    self.metadata.push((meta_key.to_string(), value.to_string()));
                }
                None => return Ok(false),
            },
        }
        if let (Some(from), Some(to)) = (self.from_ms, self.to_ms) {
            if from > to {
                return Err(GatewayError::invalid(format!("from ({from}) must not be after to ({to})")));
            }
        }
        Ok(true)
    }
}

fn unknown(key: &str) -> GatewayError {
    GatewayError::invalid(format!(
        "unknown query parameter {key:?}; filters are from, to, gateway, provider, model, status, success, \
         cache_status, virtual_key, feedback, guardrail, metadata.KEY and q"
    ))
}

fn once<T>(key: &str, slot: &mut Option<T>, value: T) -> Result<(), GatewayError> {
    if slot.is_some() {
        return Err(GatewayError::invalid(format!("{key} is given more than once")));
    }
    *slot = Some(value);
    Ok(())
}

fn parse_num<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, GatewayError> {
    value.parse().map_err(|_| {
        let what = if key == "from" || key == "to" { " of milliseconds since the Unix epoch" } else { "" };
        GatewayError::invalid(format!("{key} must be a whole number{what}, got {value:?}"))
    })
}

fn parse_flag(key: &str, value: &str) -> Result<bool, GatewayError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(GatewayError::invalid(format!("{key} must be true or false, got {value:?}"))),
    }
}

fn parse_feedback_filter(value: &str) -> Result<i8, GatewayError> {
    match value {
        "1" => Ok(1),
        "-1" => Ok(-1),
        _ => Err(GatewayError::invalid(format!("feedback must be 1 or -1, got {value:?}"))),
    }
}

fn parse_status(value: &str) -> Result<StatusFilter, GatewayError> {
    let bad =
        || GatewayError::invalid(format!("status must be a code such as 429 or a class such as 5xx, got {value:?}"));
    let b = value.as_bytes();
    if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && value[1..].eq_ignore_ascii_case("xx") {
        return Ok(StatusFilter::Class(u16::from(b[0] - b'0')));
    }
    match value.parse::<u16>() {
        Ok(code) if (100..=599).contains(&code) => Ok(StatusFilter::Exact(code)),
        _ => Err(bad()),
    }
}

/// Splits and percent-decodes a query string (`+` is a space). Empty pieces are skipped.
///
/// Errors: 400 when a piece does not decode to UTF-8.
pub fn parse_pairs(query: &str) -> Result<Vec<(String, String)>, GatewayError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut out = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        out.push((percent_decode(k)?, percent_decode(v)?));
    }
    Ok(out)
}

fn percent_decode(raw: &str) -> Result<String, GatewayError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            // Two hex digits, not just what `from_str_radix` takes: it would read `%+1` as 0x01.
            b'%' if i + 2 < bytes.len() && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map_err(|_| GatewayError::invalid(format!("query parameter {raw:?} is not valid percent-encoded UTF-8")))
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "query_props.rs"]
mod props;
