//! The request defaults a gateway or a virtual key may set: cache TTL, logging, payload logging
//! and retries. Each field left unset falls through to the next source ([`super::resolve`]).
//!
//! In admin bodies they are the fields `cache_ttl` (seconds; `0` turns caching off),
//! `collect_logs`, `collect_log_payloads` and `retry` (an object with the `RETRY_DEFAULTS`
//! fields `requestTimeout`, `maxAttempts`, `retryDelay`, `backoff`). `null` unsets a field.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cache::options::{MAX_TTL_S, MIN_TTL_S};
use crate::error::GatewayError;
use crate::resilience::retry::RetryOverrides;

use super::body::{field_error, Body};

/// The admin body fields of [`Overrides`].
pub const FIELDS: &[&str] = &["cache_ttl", "collect_logs", "collect_log_payloads", "retry"];

const RETRY_FIELDS: &[&str] = &["requestTimeout", "maxAttempts", "retryDelay", "backoff"];

/// Defaults set by one source; `None` leaves a field to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Overrides {
    /// Seconds a cached response lives; `Some(0)` turns caching off.
    #[serde(rename = "cache_ttl", default)]
    pub cache_ttl_s: Option<u64>,
    /// Whether requests are logged.
    #[serde(default)]
    pub collect_logs: Option<bool>,
    /// Whether log entries keep request and response bodies.
    #[serde(default)]
    pub collect_log_payloads: Option<bool>,
    /// Retry fields, each unset or set.
    #[serde(default)]
    pub retry: RetryOverrides,
}

impl Overrides {
    /// Reads the fields of [`FIELDS`] present in `body` over `base`: an absent field keeps
    /// `base`'s value, `null` unsets it. Used for both creation (`base` empty) and PATCH.
    ///
    /// Errors (400) naming the field: a TTL that is neither 0 nor in 60..=2592000, a flag that is
    /// not a boolean, a retry object with an unknown field or a value out of range.
    pub fn read(body: &Body, base: Overrides) -> Result<Overrides, GatewayError> {
        let mut out = base;
        if body.has("cache_ttl") {
            out.cache_ttl_s = body.opt_u64("cache_ttl", 0, MAX_TTL_S)?;
            if out.cache_ttl_s.is_some_and(|ttl| ttl != 0 && ttl < MIN_TTL_S) {
                return Err(field_error("cache_ttl", &format!("0 (off) or from {MIN_TTL_S} to {MAX_TTL_S} seconds")));
            }
        }
        if body.has("collect_logs") {
            out.collect_logs = body.opt_bool("collect_logs")?;
        }
        if body.has("collect_log_payloads") {
            out.collect_log_payloads = body.opt_bool("collect_log_payloads")?;
        }
        match body.value("retry") {
            None => {}
            Some(Value::Null) => out.retry = RetryOverrides::default(),
            Some(value) => out.retry = read_retry(value)?,
        }
        Ok(out)
    }
}

fn read_retry(value: &Value) -> Result<RetryOverrides, GatewayError> {
    let Value::Object(map) = value else { return Err(field_error("retry", "a JSON object or null")) };
    if let Some(unknown) = map.keys().find(|k| !RETRY_FIELDS.contains(&k.as_str())) {
        return Err(GatewayError::invalid(format!(
            "unknown field `retry.{unknown}`; allowed: {}",
            RETRY_FIELDS.join(", ")
        )));
    }
    RetryOverrides::from_json(value, "retry").map_err(|message| GatewayError::invalid(format!("field {message}")))
}

#[cfg(test)]
#[path = "overrides_tests.rs"]
mod tests;
