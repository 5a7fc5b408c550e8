//! Token usage, normalized across providers.
//!
//! Every provider reports tokens in its own fields (OpenAI `prompt_tokens`, Anthropic
//! `input_tokens`, Gemini `promptTokenCount`, ...) and counts them its own way: OpenAI's and
//! Gemini's input includes the tokens read from the prompt cache, Anthropic's excludes both the
//! tokens read from and written to it; OpenAI's output includes reasoning, Gemini's excludes its
//! thoughts. Translation, cost, limits and logs all speak the one shape here instead:
//! [`report`] reads each provider's report into it, [`emit`] writes it in each client dialect.

pub mod emit;
pub mod report;

use serde::{Deserialize, Serialize};

/// Tokens one request used. Parts are always contained in their whole:
/// `cached_input_tokens + cache_write_input_tokens <= input_tokens` and
/// `reasoning_tokens <= output_tokens` (the readers in [`report`] clamp a provider's
/// inconsistent numbers to that).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// All input (prompt) tokens: those read from the provider's prompt cache and those written
    /// to it included.
    pub input_tokens: u64,
    /// All output (completion) tokens, reasoning (thinking) tokens included.
    pub output_tokens: u64,
    /// The part of `input_tokens` read from the provider's prompt cache (OpenAI
    /// `cached_tokens`, Anthropic `cache_read_input_tokens`, Gemini `cachedContentTokenCount`,
    /// DeepSeek `prompt_cache_hit_tokens`), billed at the cache-read price.
    pub cached_input_tokens: u64,
    /// The part of `input_tokens` written to the provider's prompt cache where the provider
    /// bills writes apart (Anthropic `cache_creation_input_tokens`), at the cache-write price;
    /// 0 for providers whose cache writes are ordinary input.
    #[serde(default)]
    pub cache_write_input_tokens: u64,
    /// The part of `output_tokens` spent reasoning (OpenAI and xAI
    /// `completion_tokens_details.reasoning_tokens`, Responses `output_tokens_details`, Gemini
    /// `thoughtsTokenCount`); 0 when the provider does not say (Anthropic counts thinking in
    /// `output_tokens` without a separate number).
    #[serde(default)]
    pub reasoning_tokens: u64,
    /// True when the numbers are the gateway's estimate, not the provider's report (a stream that
    /// carried no usage).
    pub estimated: bool,
}

impl Usage {
    /// Input plus output tokens (saturating: the counts come from the provider).
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }

    /// The input tokens neither read from nor written to the prompt cache (Anthropic's
    /// `input_tokens`), billed at the plain input price.
    pub fn uncached_input_tokens(&self) -> u64 {
        self.input_tokens.saturating_sub(self.cached_input_tokens).saturating_sub(self.cache_write_input_tokens)
    }

    /// The output tokens that are not reasoning (Gemini's `candidatesTokenCount`).
    pub fn visible_output_tokens(&self) -> u64 {
        self.output_tokens.saturating_sub(self.reasoning_tokens)
    }
}
