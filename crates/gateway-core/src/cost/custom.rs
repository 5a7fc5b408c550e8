//! The `cf-aig-custom-cost` header: a request-supplied price that replaces the table's.
//!
//! Two shapes (Cloudflare's): `{"per_token_in": x, "per_token_out": y}` — USD per *token*, not per
//! million — or `{"total_cost": x}` — USD for the whole request. Parsed before the upstream call so
//! a malformed header is answered 400 at once.

use serde::Deserialize;

use crate::error::GatewayError;
use crate::usage::Usage;

/// The header carrying a custom cost.
pub const CUSTOM_COST_HEADER: &str = "cf-aig-custom-cost";

/// A request's own price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CustomCost {
    /// USD per input token and per output token (cached input tokens are not discounted).
    PerToken { input: f64, output: f64 },
    /// USD for the whole request, whatever its tokens.
    Total(f64),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    per_token_in: Option<f64>,
    per_token_out: Option<f64>,
    total_cost: Option<f64>,
}

impl CustomCost {
    /// The cost of `usage` in USD.
    pub fn cost(&self, usage: &Usage) -> f64 {
        match *self {
            CustomCost::PerToken { input, output } => {
                usage.input_tokens as f64 * input + usage.output_tokens as f64 * output
            }
            CustomCost::Total(total) => total,
        }
    }
}

/// Parses a `cf-aig-custom-cost` value.
///
/// Errors: 400 naming the header when the value is not JSON, has unknown fields, mixes
/// `total_cost` with per-token prices, gives only one of `per_token_in`/`per_token_out`, or has a
/// negative or non-numeric price.
pub fn parse_custom_cost(raw: &str) -> Result<CustomCost, GatewayError> {
    let rule =
        r#"{"per_token_in": <USD per input token>, "per_token_out": <USD per output token>} or {"total_cost": <USD>}"#;
    let bad = |why: String| GatewayError::invalid(format!("{CUSTOM_COST_HEADER} {why}; it must be {rule}"));
    let parsed: Raw = serde_json::from_str(raw).map_err(|e| bad(format!("is malformed ({e})")))?;
    let check = |name: &str, v: f64| {
        if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(bad(format!("has a negative {name}")))
        }
    };
    match (parsed.per_token_in, parsed.per_token_out, parsed.total_cost) {
        (None, None, Some(total)) => Ok(CustomCost::Total(check("total_cost", total)?)),
        (Some(i), Some(o), None) => {
            Ok(CustomCost::PerToken { input: check("per_token_in", i)?, output: check("per_token_out", o)? })
        }
        (None, None, None) => Err(bad("sets no price".into())),
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
