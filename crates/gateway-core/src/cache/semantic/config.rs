//! The deployment's semantic cache settings, from Worker variables (read once per isolate):
//!
//! - `SEMANTIC_EMBEDDER`: which model embeds the compared text ([`EmbedderSpec`]):
//!   - `workers-ai` (the default) or `workers-ai:@cf/…`: Workers AI through the `AI` binding, with
//!     [`DEFAULT_WORKERS_AI_MODEL`] unless another model is named;
//!   - `{provider}:{model}`, e.g. `openai:text-embedding-3-small`: the OpenAI-compatible
//!     `/embeddings` endpoint of a provider of the provider table, at its base URL (or its
//!     `UPSTREAM_OVERRIDES` one: a local model server), with the gateway's stored key for it
//!     (`OPENAI_API_KEY`, …) when one is set;
//!   - `test`: the deterministic local embedder of [`super::test_embedder`], **for tests only**.
//! - `SEMANTIC_TIMEOUT_MS`: how long a lookup waits for the embedding before going to the provider
//!   (1 ..= 10000, default [`DEFAULT_TIMEOUT_MS`]).
//! - `SEMANTIC_INDEX_MAX_ENTRIES`: the most answers the local index keeps per partition (1 ..=
//!   [`MAX_INDEX_ENTRIES`], default [`DEFAULT_INDEX_ENTRIES`]); the oldest go first.

use crate::error::{ErrorKind, GatewayError};
use crate::provider::{self, Provider};
use crate::translate::Format;

/// The Workers AI model used when `SEMANTIC_EMBEDDER` names none: BAAI's bge-small-en-v1.5,
/// 384 dimensions, English, 512 tokens of input.
pub const DEFAULT_WORKERS_AI_MODEL: &str = "@cf/baai/bge-small-en-v1.5";
/// The model name of the test embedder.
pub const TEST_MODEL: &str = "local-hash-v1";
/// Default of `SEMANTIC_TIMEOUT_MS`.
pub const DEFAULT_TIMEOUT_MS: u64 = 150;
/// The longest `SEMANTIC_TIMEOUT_MS`.
pub const MAX_TIMEOUT_MS: u64 = 10_000;
/// Default of `SEMANTIC_INDEX_MAX_ENTRIES`.
pub const DEFAULT_INDEX_ENTRIES: usize = 1000;
/// The largest `SEMANTIC_INDEX_MAX_ENTRIES`: a partition's vectors stay in its Durable Object's
/// memory, 10,000 of 1,536 dimensions being 60 MB of its 128 MB.
pub const MAX_INDEX_ENTRIES: usize = 10_000;
/// The threshold of a model without a calibrated default.
pub const FALLBACK_THRESHOLD: f32 = 0.95;

/// The models with a calibrated default threshold (see `docs/semantic-cache.md`, "Quality"), by
/// model name as `SEMANTIC_EMBEDDER` gives it. multilingual-e5-small's is the lowest threshold at
/// which `npm run eval:semantic` measured a precision of 95% or more: its similarities are packed
/// high (unrelated questions 0.73 to 0.80, near misses up to 0.999), so 0.95 would be wrong one
/// time in five on that set.
const MODEL_THRESHOLDS: &[(&str, f32)] = &[(TEST_MODEL, 0.9), ("multilingual-e5-small", 0.985)];

/// Which model embeds the compared text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbedderSpec {
    /// Workers AI through the `AI` binding.
    WorkersAi { model: String },
    /// A provider's OpenAI-compatible `/embeddings` endpoint, called by the gateway.
    Provider { provider: &'static Provider, model: String },
    /// The deterministic local embedder: for tests only.
    Test,
}

impl EmbedderSpec {
    /// Parses `SEMANTIC_EMBEDDER` (see the module doc); `None` or empty is Workers AI's default.
    ///
    /// Errors (500, `gateway_misconfigured`): a provider outside the provider table, one that does
    /// not speak OpenAI's API or needs URL parameters (Azure), or an empty model.
    pub fn parse(raw: Option<&str>) -> Result<EmbedderSpec, GatewayError> {
        let raw = raw.map(str::trim).unwrap_or_default();
        if raw.is_empty() || raw == "workers-ai" {
            return Ok(EmbedderSpec::WorkersAi { model: DEFAULT_WORKERS_AI_MODEL.to_string() });
        }
        if raw == "test" {
            return Ok(EmbedderSpec::Test);
        }
        let bad = |why: &str| {
            GatewayError::new(
                ErrorKind::Misconfigured,
                format!(
                    "SEMANTIC_EMBEDDER must be workers-ai, workers-ai:<model>, <provider>:<model> or test; {raw:?} {why}"
                ),
            )
        };
        let (name, model) = raw.split_once(':').ok_or_else(|| bad("names no model"))?;
        let model = model.trim();
        if model.is_empty() {
            return Err(bad("names no model"));
        }
        if name == "workers-ai" {
            return Ok(EmbedderSpec::WorkersAi { model: model.to_string() });
        }
        let provider = provider::find(name).ok_or_else(|| bad("names no provider of the provider table"))?;
        if provider.format != Some(Format::OPENAI) || !provider.params.is_empty() {
            return Err(bad("names a provider without an OpenAI-compatible /embeddings endpoint"));
        }
        Ok(EmbedderSpec::Provider { provider, model: model.to_string() })
    }

    /// The model's name: `@cf/baai/bge-small-en-v1.5`, `text-embedding-3-small`, `local-hash-v1`.
    pub fn model(&self) -> &str {
        match self {
            EmbedderSpec::WorkersAi { model } | EmbedderSpec::Provider { model, .. } => model,
            EmbedderSpec::Test => TEST_MODEL,
        }
    }

    /// Names the embedder and its model, e.g. `openai/text-embedding-3-small`: part of the
    /// partition key, so that answers embedded by another model are never compared.
    pub fn id(&self) -> String {
        let source = match self {
            EmbedderSpec::WorkersAi { .. } => "workers-ai",
            EmbedderSpec::Provider { provider, .. } => provider.id,
            EmbedderSpec::Test => "test",
        };
        format!("{source}/{}", self.model())
    }
}

/// The threshold of requests that set none: the model's calibrated default, or
/// [`FALLBACK_THRESHOLD`].
pub fn default_threshold(model: &str) -> f32 {
    MODEL_THRESHOLDS.iter().find(|(name, _)| *name == model).map_or(FALLBACK_THRESHOLD, |(_, t)| *t)
}

/// The deployment's semantic cache settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemanticConfig {
    /// `SEMANTIC_EMBEDDER`.
    pub embedder: EmbedderSpec,
    /// `SEMANTIC_TIMEOUT_MS`.
    pub timeout_ms: u64,
    /// `SEMANTIC_INDEX_MAX_ENTRIES`.
    pub max_entries: usize,
}

impl Default for SemanticConfig {
    fn default() -> Self {
        SemanticConfig {
            embedder: EmbedderSpec::WorkersAi { model: DEFAULT_WORKERS_AI_MODEL.to_string() },
            timeout_ms: DEFAULT_TIMEOUT_MS,
            max_entries: DEFAULT_INDEX_ENTRIES,
        }
    }
}

impl SemanticConfig {
    /// Reads the variables of the module doc through `var` (`None` when unset or empty).
    ///
    /// Errors (500, `gateway_misconfigured`) naming the variable that does not parse.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<SemanticConfig, GatewayError> {
        let number = |name: &str, max: u64, default: u64| -> Result<u64, GatewayError> {
            let Some(raw) = var(name) else { return Ok(default) };
            raw.trim().parse::<u64>().ok().filter(|n| (1..=max).contains(n)).ok_or_else(|| {
                GatewayError::new(
                    ErrorKind::Misconfigured,
                    format!("{name} must be a whole number from 1 to {max}, got {raw:?}"),
                )
            })
        };
        Ok(SemanticConfig {
            embedder: EmbedderSpec::parse(var("SEMANTIC_EMBEDDER").as_deref())?,
            timeout_ms: number("SEMANTIC_TIMEOUT_MS", MAX_TIMEOUT_MS, DEFAULT_TIMEOUT_MS)?,
            max_entries: number("SEMANTIC_INDEX_MAX_ENTRIES", MAX_INDEX_ENTRIES as u64, DEFAULT_INDEX_ENTRIES as u64)?
                as usize,
        })
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
