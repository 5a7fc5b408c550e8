//! Embeddings: OpenAI's `/embeddings` request ⇄ Gemini's `batchEmbedContents`.
//!
//! OpenAI-compatible providers receive the OpenAI body with the model rewritten (see
//! [`super::compat`]); Gemini gets one `EmbedContentRequest` per input, and its answer is
//! rebuilt as OpenAI's `{object:"list", data:[{object:"embedding", index, embedding}], model, usage}`.
//!
//! `encoding_format: "base64"` (what the official Node SDK sends unless told otherwise, and then
//! decodes) is honoured whatever the backend: Gemini's vectors, and those of an OpenAI-compatible
//! provider that ignored the field, are sent as the base64 of their little-endian `f32` bytes.

use serde_json::{json, Value};

use super::json;
use crate::error::GatewayError;

/// The Gemini upstream path for an embedding `model`.
pub fn gemini_path(model: &str) -> String {
    format!("v1beta/models/{}:batchEmbedContents", model.strip_prefix("models/").unwrap_or(model))
}

/// Turns an OpenAI embeddings body (`input`: a string or an array of strings; optional
/// `dimensions`) into a Gemini `batchEmbedContents` body for `model`.
///
/// Errors: 400 when `input` is missing, empty, or holds token arrays (Gemini takes text only).
pub fn gemini_request(v: &Value, model: &str) -> Result<Value, GatewayError> {
    let inputs: Vec<&str> = match json::get(v, "input") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) if !items.is_empty() => {
            items.iter().map(|i| i.as_str()).collect::<Option<Vec<_>>>().ok_or_else(|| {
                GatewayError::invalid("`input` must be a string or an array of strings for Gemini embeddings")
            })?
        }
        _ => return Err(GatewayError::invalid("`input` must be a non-empty string or array of strings")),
    };
    let model = model.strip_prefix("models/").unwrap_or(model);
    let dimensions = json::u64(v, "dimensions");
    let requests: Vec<Value> = inputs
        .iter()
        .map(|text| {
            let mut r = json!({"model": format!("models/{model}"), "content": {"parts": [{"text": text}]}});
            if let Some(d) = dimensions {
                r["outputDimensionality"] = json!(d);
            }
            r
        })
        .collect();
    Ok(json!({ "requests": requests }))
}

/// How the client wants each vector: OpenAI's `encoding_format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// An array of numbers (the default).
    Float,
    /// The base64 of the vector's little-endian `f32` bytes.
    Base64,
}

impl Encoding {
    /// The `encoding_format` of an OpenAI embeddings request: `"base64"`, or floats otherwise.
    pub fn of_request(v: &Value) -> Encoding {
        if json::str(v, "encoding_format") == Some("base64") {
            Encoding::Base64
        } else {
            Encoding::Float
        }
    }

    /// A vector (the provider's array of numbers) as the client asked for it.
    fn render(self, values: &Value) -> Value {
        match (self, values) {
            (Encoding::Base64, Value::Array(numbers)) => Value::String(base64_f32(numbers)),
            _ => values.clone(),
        }
    }
}

/// Turns a Gemini `batchEmbedContents` answer into OpenAI's list shape, each vector encoded as
/// asked. Gemini reports no token counts here, so `usage` is zero.
///
/// Errors: 502 when `embeddings` is missing.
pub fn openai_response(v: &Value, model: &str, encoding: Encoding) -> Result<Value, GatewayError> {
    let embeddings = v
        .get("embeddings")
        .and_then(Value::as_array)
        .ok_or_else(|| super::bad_upstream("Gemini embeddings response has no `embeddings` array"))?;
    let data: Vec<Value> = embeddings
        .iter()
        .enumerate()
        .map(|(index, e)| {
            let values = encoding.render(e.get("values").unwrap_or(&json!([])));
            json!({"object": "embedding", "index": index, "embedding": values})
        })
        .collect();
    Ok(json!({"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": 0, "total_tokens": 0}}))
}

/// An OpenAI-compatible provider's embeddings answer for a client that asked for base64: the
/// body unchanged when it holds no array vector (the provider honoured the field, or it is not
/// an embeddings list), else with every `data[].embedding` array encoded.
pub fn base64_vectors(body: &[u8]) -> Vec<u8> {
    // A provider that honoured the field sends strings: leave its bytes alone, unparsed.
    let Some(mut v) = holds_array_vector(body).then(|| serde_json::from_slice::<Value>(body).ok()).flatten() else {
        return body.to_vec();
    };
    let Some(data) = v.get_mut("data").and_then(Value::as_array_mut) else { return body.to_vec() };
    for item in data.iter_mut() {
        if let Some(embedding) = item.get_mut("embedding") {
            *embedding = Encoding::Base64.render(embedding);
        }
    }
    v.to_string().into_bytes()
}

/// Whether some `"embedding":` key of the body is followed by an array.
fn holds_array_vector(body: &[u8]) -> bool {
    const KEY: &[u8] = b"\"embedding\":";
    body.windows(KEY.len())
        .enumerate()
        .any(|(i, w)| w == KEY && body[i + KEY.len()..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'['))
}

/// The standard base64 (with padding) of `numbers` as little-endian `f32`s; what is not a number
/// counts as 0.
fn base64_f32(numbers: &[Value]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: Vec<u8> = numbers.iter().flat_map(|n| (n.as_f64().unwrap_or(0.0) as f32).to_le_bytes()).collect();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "embeddings_tests.rs"]
mod tests;
