//! Token usage, normalized across providers.
//!
//! Every provider reports tokens in its own fields (OpenAI `prompt_tokens`, Anthropic
//! `input_tokens`, Gemini `promptTokenCount`, ...). Translation, cost and logs all speak this one
//! shape instead.

use serde::{Deserialize, Serialize};

/// Tokens one request used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Input (prompt) tokens, *including* those served from the provider's prompt cache.
    pub input_tokens: u64,
    /// Output (completion) tokens, reasoning tokens included.
    pub output_tokens: u64,
    /// The part of `input_tokens` read from the provider's prompt cache (billed at a lower price).
    pub cached_input_tokens: u64,
    /// True when the numbers are the gateway's estimate, not the provider's report (a stream that
    /// carried no usage).
    pub estimated: bool,
}

impl Usage {
    /// Input plus output tokens (saturating: the counts come from the provider).
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }
}
