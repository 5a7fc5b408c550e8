//! Strict reading of admin JSON bodies: an object whose every field is known, each checked for
//! its type, and every error a 400 that names the field.
//!
//! serde's derive would refuse unknown fields too, but its type errors name a line and column,
//! not the field; admin clients need the field.

use serde_json::{Map, Value};

use crate::error::GatewayError;

/// A JSON object body, its fields checked against a list of allowed names.
#[derive(Debug)]
pub struct Body {
    fields: Map<String, Value>,
}

/// The 400 for field `field`, saying what it must be.
pub fn field_error(field: &str, rule: &str) -> GatewayError {
    GatewayError::invalid(format!("field `{field}` must be {rule}"))
}

impl Body {
    /// Parses `bytes` as a JSON object whose fields are all in `allowed`.
    ///
    /// Errors (400): not JSON, not an object, or a field not in `allowed` (named, with the list
    /// of allowed ones).
    pub fn parse(bytes: &[u8], allowed: &[&str]) -> Result<Body, GatewayError> {
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| GatewayError::invalid(format!("the body must be a JSON object: {e}")))?;
        let Value::Object(fields) = value else {
            return Err(GatewayError::invalid("the body must be a JSON object"));
        };
        if let Some(unknown) = fields.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(GatewayError::invalid(format!("unknown field `{unknown}`; allowed: {}", allowed.join(", "))));
        }
        Ok(Body { fields })
    }

    /// Whether the body has field `name` (even as `null`).
    pub fn has(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    /// The raw value of `name`, `None` when absent.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// A required string, trimmed, of 1 to `max` bytes.
    pub fn string(&self, name: &str, max: usize) -> Result<String, GatewayError> {
        self.opt_string(name, max)?.ok_or_else(|| field_error(name, &format!("a string of 1 to {max} bytes")))
    }

    /// An optional string (absent or `null` give `None`), trimmed, of 1 to `max` bytes.
    pub fn opt_string(&self, name: &str, max: usize) -> Result<Option<String>, GatewayError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() && s.trim().len() <= max => Ok(Some(s.trim().to_string())),
            Some(_) => Err(field_error(name, &format!("a string of 1 to {max} bytes"))),
        }
    }

    /// An optional boolean (absent or `null` give `None`).
    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, GatewayError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(field_error(name, "true, false or null")),
        }
    }

    /// An optional whole number in `min..=max` (absent or `null` give `None`).
    pub fn opt_u64(&self, name: &str, min: u64, max: u64) -> Result<Option<u64>, GatewayError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .filter(|n| (min..=max).contains(n))
                .map(Some)
                .ok_or_else(|| field_error(name, &format!("a whole number from {min} to {max}, or null"))),
        }
    }

    /// An optional list of at most `max_items` strings, each passing `valid` (which `rule`
    /// describes). Absent gives `None`; `null` is refused, as a list has no inherited value.
    pub fn opt_strings(
        &self,
        name: &str,
        max_items: usize,
        rule: &str,
        valid: impl Fn(&str) -> bool,
    ) -> Result<Option<Vec<String>>, GatewayError> {
        let Some(value) = self.fields.get(name) else { return Ok(None) };
        let error = || field_error(name, &format!("a list of at most {max_items} strings, each {rule}"));
        let Value::Array(items) = value else { return Err(error()) };
        if items.len() > max_items {
            return Err(error());
        }
        items
            .iter()
            .map(|item| item.as_str().filter(|s| valid(s)).map(str::to_string).ok_or_else(error))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// An optional JSON object of at most `max_bytes` serialized (absent gives `None`).
    pub fn opt_object(&self, name: &str, max_bytes: usize) -> Result<Option<Map<String, Value>>, GatewayError> {
        match self.fields.get(name) {
            None => Ok(None),
            Some(Value::Object(map)) if Value::Object(map.clone()).to_string().len() <= max_bytes => {
                Ok(Some(map.clone()))
            }
            Some(_) => Err(field_error(name, &format!("a JSON object of at most {max_bytes} bytes"))),
        }
    }
}

#[cfg(test)]
#[path = "body_tests.rs"]
mod tests;
