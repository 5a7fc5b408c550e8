//! Embeddings: OpenAI's `/embeddings` request ⇄ Gemini's `batchEmbedContents`.
//!
//! OpenAI-compatible providers receive the OpenAI body with the model rewritten (see
//! [`super::compat`]); Gemini gets one `EmbedContentRequest` per input, and its answer is
//! rebuilt as OpenAI's `{object:"list", data:[{object:"embedding", index, embedding}], model, usage}`.

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

/// Turns a Gemini `batchEmbedContents` answer into OpenAI's list shape. Gemini reports no token
/// counts here, so `usage` is zero.
///
/// Errors: 502 when `embeddings` is missing.
pub fn openai_response(v: &Value, model: &str) -> Result<Value, GatewayError> {
    let embeddings = v
        .get("embeddings")
        .and_then(Value::as_array)
        .ok_or_else(|| super::bad_upstream("Gemini embeddings response has no `embeddings` array"))?;
    let data: Vec<Value> = embeddings
        .iter()
        .enumerate()
        .map(|(index, e)| json!({"object": "embedding", "index": index, "embedding": e.get("values").cloned().unwrap_or(json!([]))}))
        .collect();
    Ok(json!({"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": 0, "total_tokens": 0}}))
}

#[cfg(test)]
#[path = "embeddings_tests.rs"]
mod tests;
