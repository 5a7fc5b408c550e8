//! The price table and its model-name lookup rules.
//!
//! Lookup of `model` under `provider`, first hit wins:
//! 1. the name as given, then lower-cased, then without a leading `{provider}/` (the
//!    OpenAI-compatible endpoint's `provider/model` form);
//! 2. the name with one version suffix removed, repeatedly (at most three times):
//!    `@YYYYMMDD` (Vertex), `-YYYY-MM-DD` (OpenAI, e.g. `gpt-4o-mini-2024-07-18` → `gpt-4o-mini`),
//!    `-YYYYMMDD` (Anthropic, e.g. `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`),
//!    `-preview-MM-DD` / `-preview-MM-YYYY` (Gemini), `-latest`, and a trailing `-NNNN` or `-NNN`
//!    revision (`grok-4-0709`, `gemini-1.5-pro-002`); after each removal the name with `-latest`
//!    appended is tried too (Mistral lists its models as `mistral-large-latest`);
//! 3. otherwise the model is unknown (`None`). There is deliberately no general prefix match:
//!    `gpt-4o-mini-audio-preview` must not be priced as `gpt-4o-mini`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::error::{ErrorKind, GatewayError};
use crate::usage::Usage;

/// Prices of one model in USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    pub input: f64,
    /// Output tokens, reasoning included (providers bill reasoning as output).
    pub output: f64,
    /// Prompt-cache reads; `None` prices them at `input` (no discount known).
    pub cache_read: Option<f64>,
    /// Prompt-cache writes billed apart from input (Anthropic's 5-minute cache writes);
    /// `None` prices them at `input` (providers whose cache writes are ordinary input).
    pub cache_write: Option<f64>,
}

impl ModelPrice {
    /// The cost of `usage` in USD (see the formula in [`crate::cost`]).
    pub fn cost(&self, usage: &Usage) -> f64 {
        let read = usage.cached_input_tokens.min(usage.input_tokens);
        let write = usage.cache_write_input_tokens.min(usage.input_tokens - read);
        let uncached = usage.input_tokens - read - write;
        (uncached as f64 * self.input
            + read as f64 * self.cache_read.unwrap_or(self.input)
            + write as f64 * self.cache_write.unwrap_or(self.input)
            + usage.output_tokens as f64 * self.output)
            / 1e6
    }
}

#[derive(Deserialize)]
struct PriceFile {
    providers: HashMap<String, HashMap<String, ModelPrice>>,
}

/// Prices per provider and model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceTable {
    providers: HashMap<String, HashMap<String, ModelPrice>>,
}

static BUILTIN: OnceLock<PriceTable> = OnceLock::new();

impl PriceTable {
    /// Parses a table in the format of `prices.json` (keys starting with `_` and `as_of` are notes).
    ///
    /// Errors (500): text that is not that shape, or a negative or non-finite price.
    pub fn parse(json: &str) -> Result<PriceTable, GatewayError> {
        let file: PriceFile = serde_json::from_str(json)
            .map_err(|e| GatewayError::new(ErrorKind::Misconfigured, format!("price table is malformed: {e}")))?;
        for (provider, models) in &file.providers {
            for (model, p) in models {
                let prices = [p.input, p.output, p.cache_read.unwrap_or(0.0), p.cache_write.unwrap_or(0.0)];
                if prices.iter().any(|v| !v.is_finite() || *v < 0.0) {
                    return Err(GatewayError::new(
                        ErrorKind::Misconfigured,
                        format!("price table: {provider}/{model} has a negative or non-finite price"),
                    ));
                }
            }
        }
        Ok(PriceTable { providers: file.providers })
    }

    /// The table compiled from `prices.json`, parsed on first use. A table that fails to parse
    /// (caught by the crate's tests) yields an empty table: every cost is then unknown.
    pub fn builtin() -> &'static PriceTable {
        BUILTIN.get_or_init(|| PriceTable::parse(include_str!("../../prices.json")).unwrap_or_default())
    }

    /// Number of priced models.
    pub fn len(&self) -> usize {
        self.providers.values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The price of `model` under `provider`, by the rules in the module doc.
    pub fn lookup(&self, provider: &str, model: &str) -> Option<&ModelPrice> {
        let models = self.providers.get(provider)?;
        let lower = model.trim().to_ascii_lowercase();
        let bare = lower.strip_prefix(&format!("{provider}/")).map(str::to_string);
        let mut names = vec![model.to_string(), lower];
        names.extend(bare);
        for name in names {
            let mut current = name;
            for _ in 0..4 {
                if let Some(p) = models.get(&current).or_else(|| models.get(&format!("{current}-latest"))) {
                    return Some(p);
                }
                match strip_version_suffix(&current) {
                    Some(shorter) => current = shorter.to_string(),
                    None => break,
                }
            }
        }
        None
    }
}

/// Removes one version suffix (see the module doc), or `None` when there is none.
fn strip_version_suffix(name: &str) -> Option<&str> {
    if let Some((head, tail)) = name.rsplit_once('@') {
        if tail.len() == 8 && digits(tail) {
            return Some(head);
        }
    }
    if let Some(head) = name.strip_suffix("-latest") {
        return Some(head);
    }
    let parts: Vec<&str> = name.split('-').collect();
    let n = parts.len();
    let cut = |k: usize| -> &str {
        let keep: usize = parts[..n - k].iter().map(|p| p.len() + 1).sum::<usize>().saturating_sub(1);
        &name[..keep]
    };
    // -YYYY-MM-DD
    if n > 3 && parts[n - 3].len() == 4 && digits(parts[n - 3]) && two_digits(parts[n - 2]) && two_digits(parts[n - 1])
    {
        return Some(cut(3));
    }
    // -preview-MM-DD and -preview-MM-YYYY
    if n > 3
        && parts[n - 3] == "preview"
        && two_digits(parts[n - 2])
        && digits(parts[n - 1])
        && matches!(parts[n - 1].len(), 2 | 4)
    {
        return Some(cut(3));
    }
    // -YYYYMMDD, -NNNN, -NNN
    if n > 1 && digits(parts[n - 1]) && matches!(parts[n - 1].len(), 3 | 4 | 8) {
        return Some(cut(1));
    }
    None
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn two_digits(s: &str) -> bool {
    s.len() == 2 && digits(s)
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
