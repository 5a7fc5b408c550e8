//! Workers AI as the embedder: the input the Worker passes to `env.AI.run(model, input)` and the
//! reading of its answer (`src/semantic.rs` makes the call). Text embedding models (the bge family,
//! `@cf/baai/bge-small-en-v1.5` by default) take `{"text": [...]}` and answer
//! `{"shape": [1, 384], "data": [[...]], "pooling": "mean"}`.

use serde_json::{json, Value};

use crate::error::{ErrorKind, GatewayError};

/// The input of `env.AI.run` for one text.
pub fn input(text: &str) -> Value {
    json!({ "text": [text] })
}

/// The vector of an answer: `data[0]`, an array of numbers.
///
/// Errors: any other shape (an asynchronous `request_id` answer, an error object, no data).
pub fn read_output(answer: &Value) -> Result<Vec<f32>, GatewayError> {
    let failed = |why: &str| GatewayError::new(ErrorKind::UpstreamInvalid, format!("Workers AI answered {why}"));
    let Some(Value::Array(numbers)) = answer.get("data").and_then(|d| d.get(0)) else {
        return Err(failed("without a data[0] array"));
    };
    numbers
        .iter()
        .map(|n| n.as_f64().map(|f| f as f32))
        .collect::<Option<Vec<f32>>>()
        .ok_or_else(|| failed("with something other than numbers in data[0]"))
}

#[cfg(test)]
#[path = "workers_ai_tests.rs"]
mod tests;
