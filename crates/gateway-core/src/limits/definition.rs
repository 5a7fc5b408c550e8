//! The limits a gateway or a virtual key sets, as stored in its record and written in admin
//! bodies under `limits`:
//!
//! ```json
//! {"requests": {"limit": 100, "interval": 60, "technique": "sliding"},
//!  "tokens": [{"limit": 200000, "window": "minute"}, {"limit": 5000000, "window": "day"}],
//!  "budgets": [{"usd": 25, "window": "month"}],
//!  "spend_rules": [{"usd": 5, "window": "day", "dimension": "model", "mode": "split"},
//!                  {"usd": 1, "window": "day", "dimension": "metadata.team", "mode": "filter", "value": "research"}],
//!  "max_tokens": 4096, "on_error": "open"}
//! ```
//!
//! `requests` is Cloudflare's rate limit (`rate_limiting_limit`, `_interval` in seconds,
//! `_technique`); `tokens` windows are `minute`, `hour` or `day`; `budgets` and `spend_rules` are
//! US dollars per `day`, `week` or `month` (UTC), spend rules (a gateway's only, at most 20) being
//! Cloudflare's: a `dimension` (`provider`, `model` or `metadata.KEY`), split by value (one budget
//! per value) or filtered to one `value`. `max_tokens` is the output reserved for a request that
//! sets none (default 4096); `on_error` says what a request does when a limiter cannot be reached:
//! `open` (default: it goes on, and its log says so) or `closed` (503).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::control::body::field_error;
use crate::error::GatewayError;

use super::window::{Span, Technique};

/// The most spend rules one gateway may have (Cloudflare's bound).
pub const MAX_SPEND_RULES: usize = 20;
/// The most token limits or budgets of one kind.
pub const MAX_WINDOWS: usize = 5;
/// The output tokens reserved for a request that sets no `max_tokens`, unless `max_tokens` says.
pub const DEFAULT_MAX_TOKENS: u64 = 4096;
const MAX_INTERVAL_S: u64 = 86_400 * 31;
const MAX_COUNT: u64 = 1_000_000_000_000;
const MAX_USD: f64 = 1_000_000_000.0;

/// A request limit: at most `limit` requests per `interval_s` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLimit {
    pub limit: u64,
    #[serde(rename = "interval")]
    pub interval_s: u64,
    #[serde(default)]
    pub technique: Technique,
}

/// A token limit: at most `limit` tokens (input and output) per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenLimit {
    pub limit: u64,
    pub window: Span,
}

/// A budget: at most `usd` dollars per window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    pub usd: f64,
    pub window: Span,
}

/// What a spend rule groups requests by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Provider,
    Model,
    /// A `cf-aig-metadata` key.
    Metadata(String),
}

/// A budget over the requests of one dimension's value (Cloudflare's spend limits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendRule {
    pub usd: f64,
    pub window: Span,
    pub dimension: Dimension,
    /// `None`: split by value, one budget per value seen; `Some`: only requests with this value.
    pub value: Option<String>,
}

/// What a request does when a limiter cannot be reached in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    #[default]
    Open,
    Closed,
}

/// Every limit of one gateway or virtual key.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Limits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<RequestLimit>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<TokenLimit>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub budgets: Vec<Budget>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spend_rules: Vec<SpendRule>,
    /// Output tokens reserved for a request that sets none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    #[serde(default)]
    pub on_error: OnError,
}

impl Limits {
    /// Whether these are the defaults (nothing to store).
    pub fn is_unset(&self) -> bool {
        *self == Limits::default()
    }

    /// Reads an admin body's `limits` field into `current`: absent keeps it, `null` clears it.
    ///
    /// Errors: as [`Limits::read`].
    pub fn read_field(value: Option<&Value>, current: &Limits, rules_allowed: bool) -> Result<Limits, GatewayError> {
        match value {
            None => Ok(current.clone()),
            Some(Value::Null) => Ok(Limits::default()),
            Some(value) => Limits::read(value, rules_allowed),
        }
    }

    /// Whether nothing is limited (no limiter is consulted).
    pub fn is_empty(&self) -> bool {
        self.requests.is_none() && self.tokens.is_empty() && self.budgets.is_empty() && self.spend_rules.is_empty()
    }

    /// Reads the `limits` field of an admin body; `spend_rules` only where `rules_allowed` (a
    /// gateway's, not a key's).
    ///
    /// Errors (400) name the field: `limits.requests.limit`, `limits.tokens[1].window`, …
    pub fn read(value: &Value, rules_allowed: bool) -> Result<Limits, GatewayError> {
        let map = object(value, "limits", &["requests", "tokens", "budgets", "spend_rules", "max_tokens", "on_error"])?;
        let mut limits = Limits::default();
        if let Some(v) = present(map, "requests") {
            let r = object(v, "limits.requests", &["limit", "interval", "technique"])?;
            limits.requests = Some(RequestLimit {
                limit: count(r.get("limit"), "limits.requests.limit")?,
                interval_s: whole(r.get("interval"), "limits.requests.interval", 1, MAX_INTERVAL_S)?,
                technique: match r.get("technique").and_then(Value::as_str) {
                    None if r.get("technique").is_none_or(Value::is_null) => Technique::Fixed,
                    Some("fixed") => Technique::Fixed,
                    Some("sliding") => Technique::Sliding,
                    _ => return Err(field_error("limits.requests.technique", "\"fixed\" or \"sliding\"")),
                },
            });
        }
        limits.tokens = list(map, "tokens", |v, path| {
            let t = object(v, path, &["limit", "window"])?;
            Ok(TokenLimit { limit: count(t.get("limit"), &format!("{path}.limit"))?, window: token_window(t, path)? })
        })?;
        limits.budgets = list(map, "budgets", |v, path| {
            let b = object(v, path, &["usd", "window"])?;
            Ok(Budget { usd: usd(b.get("usd"), &format!("{path}.usd"))?, window: budget_window(b, path)? })
        })?;
        if let Some(v) = present(map, "spend_rules") {
            if !rules_allowed {
                return Err(field_error("limits.spend_rules", "absent: spend rules are a gateway's, not a key's"));
            }
            let Value::Array(items) = v else {
                return Err(field_error("limits.spend_rules", &format!("a list of at most {MAX_SPEND_RULES} rules")));
            };
            if items.len() > MAX_SPEND_RULES {
                return Err(field_error("limits.spend_rules", &format!("a list of at most {MAX_SPEND_RULES} rules")));
            }
            limits.spend_rules = items
                .iter()
                .enumerate()
                .map(|(i, v)| spend_rule(v, &format!("limits.spend_rules[{i}]")))
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = present(map, "max_tokens") {
            limits.max_tokens = Some(whole(Some(v), "limits.max_tokens", 1, 10_000_000)?);
        }
        limits.on_error = match map.get("on_error").and_then(Value::as_str) {
            None if map.get("on_error").is_none_or(Value::is_null) => OnError::Open,
            Some("open") => OnError::Open,
            Some("closed") => OnError::Closed,
            _ => return Err(field_error("limits.on_error", "\"open\" or \"closed\"")),
        };
        Ok(limits)
    }
}

fn present<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).filter(|v| !v.is_null())
}

fn object<'a>(value: &'a Value, path: &str, allowed: &[&str]) -> Result<&'a Map<String, Value>, GatewayError> {
    let Value::Object(map) = value else { return Err(field_error(path, "a JSON object")) };
    if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(GatewayError::invalid(format!(
            "unknown field `{path}.{unknown}`; allowed: {}",
            allowed.join(", ")
        )));
    }
    Ok(map)
}

fn list<T>(
    map: &Map<String, Value>,
    name: &str,
    item: impl Fn(&Value, &str) -> Result<T, GatewayError>,
) -> Result<Vec<T>, GatewayError> {
    let path = format!("limits.{name}");
    let Some(value) = present(map, name) else { return Ok(Vec::new()) };
    let Value::Array(items) = value else {
        return Err(field_error(&path, &format!("a list of at most {MAX_WINDOWS}")));
    };
    if items.len() > MAX_WINDOWS {
        return Err(field_error(&path, &format!("a list of at most {MAX_WINDOWS}")));
    }
    items.iter().enumerate().map(|(i, v)| item(v, &format!("{path}[{i}]"))).collect()
}

fn whole(value: Option<&Value>, path: &str, min: u64, max: u64) -> Result<u64, GatewayError> {
    value
        .and_then(Value::as_u64)
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| field_error(path, &format!("a whole number from {min} to {max}")))
}

fn count(value: Option<&Value>, path: &str) -> Result<u64, GatewayError> {
    whole(value, path, 1, MAX_COUNT)
}

fn usd(value: Option<&Value>, path: &str) -> Result<f64, GatewayError> {
    value
        .and_then(Value::as_f64)
        .filter(|d| d.is_finite() && *d > 0.0 && *d <= MAX_USD)
        .ok_or_else(|| field_error(path, "a positive number of US dollars"))
}

fn token_window(map: &Map<String, Value>, path: &str) -> Result<Span, GatewayError> {
    match map.get("window").and_then(Value::as_str) {
        Some("minute") => Ok(Span::Minute),
        Some("hour") => Ok(Span::Hour),
        Some("day") => Ok(Span::Day),
        _ => Err(field_error(&format!("{path}.window"), "\"minute\", \"hour\" or \"day\"")),
    }
}

fn budget_window(map: &Map<String, Value>, path: &str) -> Result<Span, GatewayError> {
    match map.get("window").and_then(Value::as_str) {
        Some("day") => Ok(Span::Day),
        Some("week") => Ok(Span::Week),
        Some("month") => Ok(Span::Month),
        _ => Err(field_error(&format!("{path}.window"), "\"day\", \"week\" or \"month\"")),
    }
}

fn spend_rule(value: &Value, path: &str) -> Result<SpendRule, GatewayError> {
    let r = object(value, path, &["usd", "window", "dimension", "mode", "value"])?;
    let dimension = match r.get("dimension").and_then(Value::as_str) {
        Some("provider") => Dimension::Provider,
        Some("model") => Dimension::Model,
        Some(d) if d.strip_prefix("metadata.").is_some_and(|k| !k.is_empty() && k.len() <= 64) => {
            Dimension::Metadata(d["metadata.".len()..].to_string())
        }
        _ => return Err(field_error(&format!("{path}.dimension"), "\"provider\", \"model\" or \"metadata.KEY\"")),
    };
    let value = match (r.get("mode").and_then(Value::as_str), r.get("value")) {
        (Some("split"), None | Some(Value::Null)) => None,
        (Some("filter"), Some(Value::String(v))) if !v.is_empty() && v.len() <= 256 => Some(v.clone()),
        (Some("filter"), _) => return Err(field_error(&format!("{path}.value"), "the value to filter on, a string")),
        (Some("split"), Some(_)) => return Err(field_error(&format!("{path}.value"), "absent with mode \"split\"")),
        _ => return Err(field_error(&format!("{path}.mode"), "\"split\" or \"filter\"")),
    };
    Ok(SpendRule { usd: usd(r.get("usd"), &format!("{path}.usd"))?, window: budget_window(r, path)?, dimension, value })
}

#[cfg(test)]
#[path = "definition_tests.rs"]
mod tests;
