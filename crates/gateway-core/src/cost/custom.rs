//! The `cf-aig-custom-cost` header: a request-supplied price that replaces the table's.
//!
//! Two shapes (Cloudflare's): `{"per_token_in": x, "per_token_out": y}` — USD per *token*, not per
//! million — with optional `"per_cache_read_token"` and `"per_cache_write_token"` for the input
//! tokens read from and written to the provider's prompt cache (each defaults to `per_token_in`),
//! or `{"total_cost": x}` — USD for the whole request. Parsed before the upstream call so a
//! malformed header is answered 400 at once.

use serde::Deserialize;

use crate::error::GatewayError;
use crate::usage::Usage;

/// The header carrying a custom cost.
pub const CUSTOM_COST_HEADER: &str = "cf-aig-custom-cost";

/// A request's own price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CustomCost {
    /// USD per token: plain input, output (reasoning included), and the input tokens read from
    /// and written to the prompt cache.
    PerToken(PerToken),
    /// USD for the whole request, whatever its tokens.
    Total(f64),
}

/// Per-token prices of a `cf-aig-custom-cost` header, USD per token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerToken {
    pub input: f64,
    pub output: f64,
    /// `per_cache_read_token`, else `per_token_in`.
    pub cache_read: f64,
    /// `per_cache_write_token`, else `per_token_in`.
    pub cache_write: f64,
}

impl PerToken {
    /// Plain input and output prices, the cache priced as input.
    pub fn new(input: f64, output: f64) -> PerToken {
        PerToken { input, output, cache_read: input, cache_write: input }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    per_token_in: Option<f64>,
    per_token_out: Option<f64>,
    per_cache_read_token: Option<f64>,
    per_cache_write_token: Option<f64>,
    total_cost: Option<f64>,
}

impl CustomCost {
    /// The cost of `usage` in USD.
    pub fn cost(&self, usage: &Usage) -> f64 {
        match *self {
            CustomCost::PerToken(p) => {
                let read = usage.cached_input_tokens.min(usage.input_tokens);
                let write = usage.cache_write_input_tokens.min(usage.input_tokens - read);
                let uncached = usage.input_tokens - read - write;
                uncached as f64 * p.input
                    + read as f64 * p.cache_read
                    + write as f64 * p.cache_write
                    + usage.output_tokens as f64 * p.output
            }
            CustomCost::Total(total) => total,
        }
    }
}

/// Parses a `cf-aig-custom-cost` value.
///
/// Errors: 400 naming the header when the value is not JSON, has unknown fields, mixes
/// `total_cost` with per-token prices, gives only one of `per_token_in`/`per_token_out` (or a
/// cache price without them), or has a negative or non-numeric price.
pub fn parse_custom_cost(raw: &str) -> Result<CustomCost, GatewayError> {
    let rule = r#"{"per_token_in": <USD per input token>, "per_token_out": <USD per output token>} (optionally with "per_cache_read_token" and "per_cache_write_token") or {"total_cost": <USD>}"#;
    let bad = |why: String| GatewayError::invalid(format!("{CUSTOM_COST_HEADER} {why}; it must be {rule}"));
    let parsed: Raw = serde_json::from_str(raw).map_err(|e| bad(format!("is malformed ({e})")))?;
    let check = |name: &str, v: f64| {
        if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(bad(format!("has a negative {name}")))
        }
    };
    let cache_priced = parsed.per_cache_read_token.is_some() || parsed.per_cache_write_token.is_some();
    match (parsed.per_token_in, parsed.per_token_out, parsed.total_cost) {
        (None, None, Some(total)) if !cache_priced => Ok(CustomCost::Total(check("total_cost", total)?)),
        (Some(i), Some(o), None) => {
            let mut prices = PerToken::new(check("per_token_in", i)?, check("per_token_out", o)?);
            if let Some(read) = parsed.per_cache_read_token {
                prices.cache_read = check("per_cache_read_token", read)?;
            }
            if let Some(write) = parsed.per_cache_write_token {
                prices.cache_write = check("per_cache_write_token", write)?;
            }
            Ok(CustomCost::PerToken(prices))
        }
        (None, None, None) if !cache_priced => Err(bad("sets no price".into())),
        (_, _, Some(_)) => Err(bad("mixes total_cost with per-token prices".into())),
        _ => Err(bad("must set both per_token_in and per_token_out".into())),
    }
}

#[cfg(test)]
#[path = "custom_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "custom_props.rs"]
mod props;
