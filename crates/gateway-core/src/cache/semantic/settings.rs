//! Who asks for a semantic lookup, and how: a gateway's `semantic_cache` setting and the
//! request's headers.
//!
//! Request headers (this gateway's own):
//! - `cf-aig-cache-semantic`: `true` or `false`. `true` asks for a semantic lookup (and turns
//!   caching on, as `cf-aig-cache-key` does, when nothing else did); `false` turns it off for a
//!   request whose gateway has it on.
//! - `cf-aig-cache-semantic-threshold`: the lowest cosine similarity that counts as the same
//!   question, a decimal number from 0 to 1 (`0.95`, `1`, `.9`).
//! - `cf-aig-cache-semantic-turns`: how many of the conversation's last turns are compared,
//!   1 ..= [`MAX_TURNS`] (1, the last user turn, by default).
//!
//! The gateway's `semantic_cache` field (`POST`/`PATCH /api/gateways`) is an object with the same
//! settings and one more: `{"enabled": true, "threshold": 0.9, "turns": 1, "sampled": false}`,
//! every field optional (`enabled` defaults to true); `null` removes it. `sampled: true` compares
//! requests that sample (`temperature` above 0), which are otherwise left to the exact cache.
//! A request's headers win over its gateway's setting.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::control::body::field_error;
use crate::error::GatewayError;
use crate::headers::Headers;

/// Asks for a semantic lookup (`true`) or refuses one (`false`).
pub const SEMANTIC_HEADER: &str = "cf-aig-cache-semantic";
/// The lowest similarity of a hit.
pub const THRESHOLD_HEADER: &str = "cf-aig-cache-semantic-threshold";
/// How many of the last turns are compared.
pub const TURNS_HEADER: &str = "cf-aig-cache-semantic-turns";
/// The most turns a request may compare: beyond, a conversation is better served by the exact cache.
pub const MAX_TURNS: u32 = 16;

const FIELD: &str = "semantic_cache";
const FIELDS: &[&str] = &["enabled", "threshold", "turns", "sampled"];

/// A gateway's `semantic_cache` setting.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SemanticSettings {
    /// Whether the gateway's requests get a semantic lookup when caching is on for them.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// The lowest similarity of a hit; `None`: the embedding model's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f32>,
    /// How many of the last turns are compared (1 ..= [`MAX_TURNS`]).
    #[serde(default = "one_turn")]
    pub turns: u32,
    /// Whether requests that sample (`temperature` above 0) are compared too.
    #[serde(default)]
    pub sampled: bool,
}

fn enabled_by_default() -> bool {
    true
}

fn one_turn() -> u32 {
    1
}

impl Default for SemanticSettings {
    fn default() -> Self {
        SemanticSettings { enabled: true, threshold: None, turns: 1, sampled: false }
    }
}

impl SemanticSettings {
    /// The setting after an admin body's `semantic_cache` field: absent keeps `current`, `null`
    /// removes it, an object replaces it (its absent fields take their defaults).
    ///
    /// Errors (400) naming the field: not an object, an unknown field, `enabled`/`sampled` not a
    /// boolean, a threshold outside 0..=1, turns outside 1..=[`MAX_TURNS`].
    pub fn read_field(
        value: Option<&Value>,
        current: Option<SemanticSettings>,
    ) -> Result<Option<SemanticSettings>, GatewayError> {
        match value {
            None => Ok(current),
            Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => read_object(map).map(Some),
            Some(_) => Err(field_error(FIELD, &format!("an object with the fields {}, or null", FIELDS.join(", ")))),
        }
    }
}

fn read_object(map: &Map<String, Value>) -> Result<SemanticSettings, GatewayError> {
    if let Some(unknown) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(GatewayError::invalid(format!(
            "unknown field `{FIELD}.{unknown}`; allowed: {}",
            FIELDS.join(", ")
        )));
    }
    let flag = |name: &str, default: bool| match map.get(name) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(field_error(&format!("{FIELD}.{name}"), "true or false")),
    };
    let threshold = match map.get("threshold") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_f64()
                .filter(|t| (0.0..=1.0).contains(t))
                .ok_or_else(|| field_error(&format!("{FIELD}.threshold"), "a number from 0 to 1, or null"))?
                as f32,
        ),
    };
    let turns =
        match map.get("turns") {
            None => 1,
            Some(v) => v.as_u64().filter(|n| (1..=u64::from(MAX_TURNS)).contains(n)).ok_or_else(|| {
                field_error(&format!("{FIELD}.turns"), &format!("a whole number from 1 to {MAX_TURNS}"))
            })? as u32,
        };
    Ok(SemanticSettings { enabled: flag("enabled", true)?, threshold, turns, sampled: flag("sampled", false)? })
}

/// The semantic headers of one request, checked.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SemanticHeaders {
    /// `cf-aig-cache-semantic`, when sent.
    pub semantic: Option<bool>,
    /// `cf-aig-cache-semantic-threshold`, when sent.
    pub threshold: Option<f32>,
    /// `cf-aig-cache-semantic-turns`, when sent.
    pub turns: Option<u32>,
}

impl SemanticHeaders {
    /// Reads the three headers; runs on every request with the other cache headers, so that a bad
    /// header is reported whether or not the lookup would run.
    ///
    /// Errors (400) naming the header: a semantic flag other than `true`/`false`, a threshold
    /// that is not a decimal number from 0 to 1, turns that are not a whole number from 1 to
    /// [`MAX_TURNS`].
    pub fn parse(headers: &Headers) -> Result<SemanticHeaders, GatewayError> {
        let semantic = match headers.get(SEMANTIC_HEADER).map(str::trim) {
            None => None,
            Some(raw) if raw.eq_ignore_ascii_case("true") => Some(true),
            Some(raw) if raw.eq_ignore_ascii_case("false") => Some(false),
            Some(raw) => {
                return Err(GatewayError::invalid(format!("{SEMANTIC_HEADER} must be true or false, got {raw:?}")))
            }
        };
        let threshold = match headers.get(THRESHOLD_HEADER).map(str::trim) {
            None => None,
            Some(raw) => Some(parse_threshold(raw).ok_or_else(|| {
                GatewayError::invalid(format!(
                    "{THRESHOLD_HEADER} must be a decimal number from 0 to 1 (e.g. 0.95), got {raw:?}"
                ))
            })?),
        };
        let turns = match headers.get(TURNS_HEADER).map(str::trim) {
            None => None,
            Some(raw) => Some(
                raw.parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_TURNS).contains(n) && raw.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| {
                        GatewayError::invalid(format!(
                            "{TURNS_HEADER} must be a whole number from 1 to {MAX_TURNS}, got {raw:?}"
                        ))
                    })?,
            ),
        };
        Ok(SemanticHeaders { semantic, threshold, turns })
    }
}

/// A threshold as sent: digits with at most one `.` (no sign, exponent, `nan` or `inf`), 0 ..= 1.
pub fn parse_threshold(raw: &str) -> Option<f32> {
    let plain = !raw.is_empty()
        && raw.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && raw.bytes().filter(|b| *b == b'.').count() <= 1
        && raw != ".";
    let value: f64 = raw.parse().ok().filter(|_| plain)?;
    (0.0..=1.0).contains(&value).then_some(value as f32)
}

/// What a request's semantic lookup uses, once its headers and its gateway's setting agree that
/// it runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SemanticPlan {
    /// The lowest similarity of a hit; `None`: the embedding model's default.
    pub threshold: Option<f32>,
    /// How many of the last turns are compared.
    pub turns: u32,
    /// Whether a request that samples is compared.
    pub sampled: bool,
}

/// Whether the request gets a semantic lookup, and with what: the header `cf-aig-cache-semantic`
/// decides when sent, else the gateway's setting; the threshold and turns of the headers win over
/// the gateway's. `None`: no lookup.
pub fn plan(headers: &SemanticHeaders, gateway: Option<&SemanticSettings>) -> Option<SemanticPlan> {
    let on = headers.semantic.unwrap_or_else(|| gateway.is_some_and(|g| g.enabled));
    on.then(|| SemanticPlan {
        threshold: headers.threshold.or_else(|| gateway.and_then(|g| g.threshold)),
        turns: headers.turns.or_else(|| gateway.map(|g| g.turns)).unwrap_or(1),
        sampled: gateway.is_some_and(|g| g.sampled),
    })
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
