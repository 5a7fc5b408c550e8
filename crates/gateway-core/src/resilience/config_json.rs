//! Field checks shared by the `ROUTES` and `KEY_POOLS` parsers, so both report the same way:
//! every message starts with the JSON path of the offending value.

use serde_json::{Map, Value};

use crate::error::{ErrorKind, GatewayError};

/// Largest weight of a route target or pool key; keeps sums far from overflow.
pub const MAX_WEIGHT: u32 = 10_000;

pub(crate) fn misconfigured(message: String) -> GatewayError {
    GatewayError::new(ErrorKind::Misconfigured, message)
}

/// Parses a configuration variable as JSON; `None` when unset or blank.
pub(crate) fn parse_var(name: &str, raw: Option<&str>) -> Result<Option<Value>, GatewayError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    serde_json::from_str(raw).map(Some).map_err(|e| misconfigured(format!("{name} must be JSON: {e}")))
}

/// The object at `path`, refusing keys outside `allowed` (a typo such as `wieght` would
/// otherwise be silently ignored).
pub(crate) fn object<'v>(
    value: &'v Value,
    path: &str,
    allowed: &[&str],
) -> Result<&'v Map<String, Value>, GatewayError> {
    let Value::Object(map) = value else { return Err(misconfigured(format!("{path} must be a JSON object"))) };
    if let Some(key) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(misconfigured(format!("{path} has unknown field \"{key}\"; allowed: {}", allowed.join(", "))));
    }
    Ok(map)
}

/// An optional weight, 1 by default, else a whole number from 1 to [`MAX_WEIGHT`].
pub(crate) fn weight(map: &Map<String, Value>, path: &str) -> Result<u32, GatewayError> {
    match map.get("weight") {
        None => Ok(1),
        Some(v) => v.as_u64().filter(|w| (1..=u64::from(MAX_WEIGHT)).contains(w)).map(|w| w as u32).ok_or_else(|| {
            misconfigured(format!("{path}.weight must be a whole number from 1 to {MAX_WEIGHT}, got {v}"))
        }),
    }
}

/// A Worker secret's name (`[A-Za-z_][A-Za-z0-9_]*`), never a key itself.
pub(crate) fn secret_name(value: &Value, path: &str) -> Result<String, GatewayError> {
    let name = value.as_str().unwrap_or_default();
    if is_secret_name(name) {
        Ok(name.to_string())
    } else {
        // The value is not echoed: it may be a key pasted where a secret name belongs.
        Err(misconfigured(format!(
            "{path} must be the name of a Worker secret (letters, digits and _), not the key itself"
        )))
    }
}

/// Whether `name` can name a Worker secret: 1 to 128 letters, digits and `_`, not starting with
/// a digit.
pub(crate) fn is_secret_name(name: &str) -> bool {
    name.len() <= 128
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A non-empty string on one line.
pub(crate) fn text(map: &Map<String, Value>, key: &str, path: &str) -> Result<String, GatewayError> {
    match map.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() && !s.bytes().any(|b| b.is_ascii_control()) => {
            Ok(s.trim().to_string())
        }
        _ => Err(misconfigured(format!("{path}.{key} must be a non-empty string"))),
    }
}
