//! Reading the usage a provider reports, in any of the formats it may come in.
//!
//! A [`UsageReport`] keeps each number as reported (absent ones `None`), so that the several
//! reports of one stream combine field by field ([`UsageReport::merge`]): Anthropic's
//! `message_start` has the input and cache counts, its `message_delta` the output (and, lately,
//! the input again). [`UsageReport::usage`] then gives the normalized [`Usage`].
//!
//! | Format | input | cache read | cache write | output | reasoning |
//! |---|---|---|---|---|---|
//! | OpenAI Chat Completions (and Groq, DeepSeek, xAI, Mistral, Workers AI, …) | `prompt_tokens` (cache included) | `prompt_tokens_details.cached_tokens`, DeepSeek `prompt_cache_hit_tokens` | — | `completion_tokens` | `completion_tokens_details.reasoning_tokens` |
//! | OpenAI Responses | `input_tokens` (cache included) | `input_tokens_details.cached_tokens` | — | `output_tokens` | `output_tokens_details.reasoning_tokens` |
//! | Anthropic Messages | `input_tokens` + cache read + cache write | `cache_read_input_tokens` | `cache_creation_input_tokens` | `output_tokens` | — |
//! | Gemini `usageMetadata` | `promptTokenCount` (cache included) | `cachedContentTokenCount` | — | `candidatesTokenCount` + `thoughtsTokenCount` | `thoughtsTokenCount` |
//!
//! Output always includes reasoning. OpenAI's `completion_tokens` does; a provider whose
//! `total_tokens` shows the reasoning outside `completion_tokens` (`prompt + completion +
//! reasoning = total`, as xAI reports) gets it added.

use serde_json::Value;

use super::Usage;

/// One usage report, or several combined.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageReport {
    /// Input as the provider counts it: see `input_excludes_cache`.
    input: Option<u64>,
    /// `input` leaves the cache reads and writes out (Anthropic).
    input_excludes_cache: bool,
    /// Output, reasoning included.
    output: Option<u64>,
    cache_read: Option<u64>,
    cache_write: Option<u64>,
    reasoning: Option<u64>,
}

fn n(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

fn nested(v: &Value, object: &str, key: &str) -> Option<u64> {
    v.get(object).and_then(|o| n(o, key))
}

impl UsageReport {
    /// An OpenAI Chat Completions `usage` object; `None` without `prompt_tokens`.
    pub fn openai_chat(u: &Value) -> Option<UsageReport> {
        let input = n(u, "prompt_tokens")?;
        let reasoning = nested(u, "completion_tokens_details", "reasoning_tokens");
        let completion = n(u, "completion_tokens");
        let outside = match (completion, reasoning, n(u, "total_tokens")) {
            (Some(c), Some(r), Some(total)) => r > 0 && input.saturating_add(c).saturating_add(r) == total,
            _ => false,
        };
        let output = if outside { completion.map(|c| c.saturating_add(reasoning.unwrap_or(0))) } else { completion };
        Some(UsageReport {
            input: Some(input),
            output,
            cache_read: nested(u, "prompt_tokens_details", "cached_tokens").or_else(|| n(u, "prompt_cache_hit_tokens")),
            reasoning,
            ..UsageReport::default()
        })
    }

    /// An OpenAI Responses `usage` object; `None` when it has no token count.
    pub fn openai_responses(u: &Value) -> Option<UsageReport> {
        let report = UsageReport {
            input: n(u, "input_tokens"),
            output: n(u, "output_tokens"),
            cache_read: nested(u, "input_tokens_details", "cached_tokens"),
            reasoning: nested(u, "output_tokens_details", "reasoning_tokens"),
            ..UsageReport::default()
        };
        (report != UsageReport::default()).then_some(report)
    }

    /// An Anthropic `usage` object (a whole message's, `message_start`'s or `message_delta`'s);
    /// `None` when it has no token count.
    pub fn anthropic(u: &Value) -> Option<UsageReport> {
        let report = UsageReport {
            input: n(u, "input_tokens"),
            input_excludes_cache: true,
            output: n(u, "output_tokens"),
            cache_read: n(u, "cache_read_input_tokens"),
            cache_write: n(u, "cache_creation_input_tokens"),
            reasoning: None,
        };
        (report != UsageReport { input_excludes_cache: true, ..UsageReport::default() }).then_some(report)
    }

    /// A Gemini `usageMetadata` object; `None` when it has no token count.
    pub fn gemini(m: &Value) -> Option<UsageReport> {
        let thoughts = n(m, "thoughtsTokenCount");
        let output = match (n(m, "candidatesTokenCount"), thoughts) {
            (None, None) => None,
            (c, t) => Some(c.unwrap_or(0).saturating_add(t.unwrap_or(0))),
        };
        let report = UsageReport {
            input: n(m, "promptTokenCount"),
            output,
            cache_read: n(m, "cachedContentTokenCount"),
            reasoning: thoughts,
            ..UsageReport::default()
        };
        (report != UsageReport::default()).then_some(report)
    }

    /// A `usage` object of unknown format, recognised by its fields: `prompt_tokens` is Chat
    /// Completions, `input_tokens_details`/`output_tokens_details` the Responses API, anything
    /// else Anthropic.
    pub fn of_usage(u: &Value) -> Option<UsageReport> {
        if u.get("prompt_tokens").is_some() {
            return UsageReport::openai_chat(u);
        }
        if u.get("input_tokens_details").is_some() || u.get("output_tokens_details").is_some() {
            return UsageReport::openai_responses(u);
        }
        UsageReport::anthropic(u)
    }

    /// Combines a later report of the same response into this one, field by field. The counts
    /// of one response only grow as it streams (every format reports running totals), so a
    /// field keeps the larger number: a later report that omits a field, or says 0 where an
    /// earlier one had the count (an Anthropic-style `message_delta` with `input_tokens: 0`
    /// after a `message_start` that had them, or the reverse), takes nothing away.
    pub fn merge(&mut self, later: UsageReport) {
        let max = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.input = max(self.input, later.input);
        self.input_excludes_cache |= later.input_excludes_cache;
        self.output = max(self.output, later.output);
        self.cache_read = max(self.cache_read, later.cache_read);
        self.cache_write = max(self.cache_write, later.cache_write);
        self.reasoning = max(self.reasoning, later.reasoning);
    }

    /// The normalized usage; `None` when nothing was reported. Parts larger than their whole
    /// (a provider's inconsistent numbers) are clamped to it.
    pub fn usage(self) -> Option<Usage> {
        if self == UsageReport::default()
            || self == (UsageReport { input_excludes_cache: true, ..UsageReport::default() })
        {
            return None;
        }
        let read = self.cache_read.unwrap_or(0);
        let write = self.cache_write.unwrap_or(0);
        let input = match self.input_excludes_cache {
            true => self.input.unwrap_or(0).saturating_add(read).saturating_add(write),
            false => self.input.unwrap_or(0),
        };
        let cached = read.min(input);
        let output = self.output.unwrap_or(0);
        Some(Usage {
            input_tokens: input,
            output_tokens: output,
            cached_input_tokens: cached,
            cache_write_input_tokens: write.min(input - cached),
            reasoning_tokens: self.reasoning.unwrap_or(0).min(output),
            estimated: false,
        })
    }
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
