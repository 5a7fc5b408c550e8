//! The per-request log controls: `cf-aig-metadata`, `cf-aig-collect-log` and
//! `cf-aig-collect-log-payload`.
//!
//! Runs once per request, before the upstream call, so that a malformed header is answered 400
//! before anything is spent. Cloudflare's rules: metadata is a JSON object of at most 5 entries
//! whose values are strings, numbers or booleans; `cf-aig-collect-log` inverts the gateway's
//! default for this request (`true` logs, `false` does not); `cf-aig-collect-log-payload: false`
//! keeps the entry but drops the request and response bodies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::GatewayError;
use crate::headers::Headers;
use crate::logs::settings::{parse_bool, LogSettings};

/// Header carrying the request's metadata.
pub const METADATA_HEADER: &str = "cf-aig-metadata";
/// Header turning logging on or off for one request.
pub const COLLECT_LOG_HEADER: &str = "cf-aig-collect-log";
/// Header turning body logging off for one request.
pub const COLLECT_LOG_PAYLOAD_HEADER: &str = "cf-aig-collect-log-payload";
/// Most metadata entries allowed (Cloudflare's limit).
pub const MAX_METADATA_ENTRIES: usize = 5;

/// One metadata value: Cloudflare allows only these three JSON types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetaValue {
    Bool(bool),
    Number(serde_json::Number),
    String(String),
}

/// The request's metadata, sorted by key.
pub type Metadata = BTreeMap<String, MetaValue>;

/// What to log for one request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogOptions {
    /// Store a log entry for this request.
    pub collect: bool,
    /// Store the request and response bodies in it.
    pub collect_payload: bool,
    /// The `cf-aig-metadata` entries (empty when the header is absent).
    pub metadata: Metadata,
}

/// Reads the three log headers against the gateway's settings.
///
/// Errors (400) name the header and its rule: metadata that is not JSON, not an object, has more
/// than 5 entries or a value that is an object, array or null; a collect flag that is not
/// `true`/`false`. Metadata is validated even when the request is not logged, because spend
/// limits and routing may read it too.
pub fn parse_log_options(headers: &Headers, settings: &LogSettings) -> Result<LogOptions, GatewayError> {
    let metadata = match headers.get(METADATA_HEADER) {
        Some(raw) => parse_metadata(raw)?,
        None => Metadata::new(),
    };
    let collect = match headers.get(COLLECT_LOG_HEADER) {
        None => settings.enabled,
        Some(raw) => parse_bool(raw)
            .ok_or_else(|| GatewayError::invalid(format!("{COLLECT_LOG_HEADER} must be true or false, got {raw:?}")))?,
    };
    let collect_payload = match headers.get(COLLECT_LOG_PAYLOAD_HEADER) {
        None => settings.collect_payloads,
        Some(raw) => parse_bool(raw).ok_or_else(|| {
            GatewayError::invalid(format!("{COLLECT_LOG_PAYLOAD_HEADER} must be true or false, got {raw:?}"))
        })?,
    };
    Ok(LogOptions { collect, collect_payload, metadata })
}

/// Parses a `cf-aig-metadata` value.
///
/// Errors: 400 naming `cf-aig-metadata` and the rule broken.
pub fn parse_metadata(raw: &str) -> Result<Metadata, GatewayError> {
    let rule = "a JSON object of at most 5 entries whose values are strings, numbers or booleans";
    let value: serde_json::Value = serde_json::from_str(raw)
        .map_err(|e| GatewayError::invalid(format!("{METADATA_HEADER} is not valid JSON ({e}); it must be {rule}")))?;
    let serde_json::Value::Object(map) = value else {
        return Err(GatewayError::invalid(format!("{METADATA_HEADER} must be {rule}, got a JSON {}", kind(&value))));
    };
    if map.len() > MAX_METADATA_ENTRIES {
        return Err(GatewayError::invalid(format!("{METADATA_HEADER} has {} entries; it must be {rule}", map.len())));
    }
    let mut out = Metadata::new();
    for (key, value) in map {
        let v = match value {
            serde_json::Value::String(s) => MetaValue::String(s),
            serde_json::Value::Number(n) => MetaValue::Number(n),
            serde_json::Value::Bool(b) => MetaValue::Bool(b),
            other => {
                return Err(GatewayError::invalid(format!(
                    "{METADATA_HEADER} entry {key:?} is a JSON {}; it must be {rule}",
                    kind(&other)
                )))
            }
        };
        out.insert(key, v);
    }
    Ok(out)
}

fn kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

#[cfg(test)]
#[path = "headers_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "headers_props.rs"]
mod props;
