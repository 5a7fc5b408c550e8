//! What one request asks of a scope's limits: the meters it falls under and the amount of each.
//!
//! - a request limit: 1;
//! - a token limit: the prompt's estimate (⌈bytes / 4⌉ of the body sent) plus the output it may
//!   produce (its `max_tokens`, `max_completion_tokens`, `max_output_tokens` or Gemini's
//!   `maxOutputTokens`; else the limits' `max_tokens`, default 4096);
//! - a budget or spend rule: the worst-case cost, priced (table or `cf-aig-custom-cost`) as if
//!   every byte of the body were an input token and the whole output were produced. Byte-level
//!   tokenizers never make more tokens than bytes of text, so for text the settled cost cannot
//!   pass what was reserved; images and audio, which providers price by other rules, are not
//!   bounded this way.

use crate::cost::{request_cost, CustomCost, PriceTable};
use crate::error::GatewayError;
use crate::logs::headers::{MetaValue, Metadata};
use crate::usage::Usage;

use super::counter::{Charge, Meter, Unit};
use super::definition::{Dimension, Limits, DEFAULT_MAX_TOKENS};
use super::window::{Span, Technique};

/// What a request is, for its charges.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    pub provider: &'a str,
    pub model: &'a str,
    /// The body sent upstream.
    pub body: &'a [u8],
    /// The output the body allows ([`max_output_tokens`] of it), read once for every scope.
    pub output_tokens: Option<u64>,
    pub metadata: &'a Metadata,
    pub custom_cost: Option<&'a CustomCost>,
}

fn span_name(span: Span) -> String {
    match span {
        Span::Every { ms } => format!("{}s", ms / 1000),
        Span::Minute => "minute".into(),
        Span::Hour => "hour".into(),
        Span::Day => "day".into(),
        Span::Week => "week".into(),
        Span::Month => "month".into(),
    }
}

/// The output tokens a request body allows, when it says.
pub fn max_output_tokens(body: &[u8]) -> Option<u64> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    ["max_tokens", "max_completion_tokens", "max_output_tokens"]
        .iter()
        .find_map(|name| value.get(name).and_then(serde_json::Value::as_u64))
        .or_else(|| value.pointer("/generationConfig/maxOutputTokens").and_then(serde_json::Value::as_u64))
}

/// The charges of one request against `limits`, for every target it may be sent to (the largest
/// amount of each meter across `targets`).
///
/// Errors (400): a budget or spend rule applies and a target's model has no price (its cost
/// could not be bounded): the request names the model; `cf-aig-custom-cost` prices it.
pub fn charges(limits: &Limits, targets: &[RequestFacts<'_>]) -> Result<Vec<Charge>, GatewayError> {
    let mut out: Vec<Charge> = Vec::new();
    let mut add = |meter: Meter, amount: f64| match out.iter_mut().find(|c| c.meter.name == meter.name) {
        Some(existing) => existing.amount = existing.amount.max(amount),
        None => out.push(Charge { meter, amount }),
    };
    for facts in targets {
        if let Some(r) = limits.requests {
            let span = Span::Every { ms: (r.interval_s as i64).saturating_mul(1000) };
            add(meter("requests".into(), Unit::Requests, r.limit as f64, span, r.technique), 1.0);
        }
        let output = facts.output_tokens.or(limits.max_tokens).unwrap_or(DEFAULT_MAX_TOKENS);
        let estimate = (facts.body.len() as u64).div_ceil(4) + output;
        for t in &limits.tokens {
            let name = format!("tokens/{}", span_name(t.window));
            add(meter(name, Unit::Tokens, t.limit as f64, t.window, Technique::Fixed), estimate as f64);
        }
        let rules: Vec<(String, f64, Span)> = limits
            .spend_rules
            .iter()
            .enumerate()
            .filter_map(|(i, rule)| {
                let value = dimension_value(&rule.dimension, facts)?;
                match &rule.value {
                    None => Some((format!("rule/{i}/{value}"), rule.usd, rule.window)),
                    Some(only) if *only == value => Some((format!("rule/{i}"), rule.usd, rule.window)),
                    Some(_) => None,
                }
            })
            .collect();
        if limits.budgets.is_empty() && rules.is_empty() {
            continue;
        }
        let worst = Usage { input_tokens: facts.body.len() as u64, output_tokens: output, ..Usage::default() };
        let cost = request_cost(PriceTable::builtin(), facts.provider, facts.model, &worst, facts.custom_cost)
            .ok_or_else(|| {
                GatewayError::invalid(format!(
                    "model {:?} of {} has no price, so the budget on this request cannot be enforced: \
                     price it with cf-aig-custom-cost",
                    facts.model, facts.provider
                ))
            })?;
        for b in &limits.budgets {
            add(meter(format!("budget/{}", span_name(b.window)), Unit::Usd, b.usd, b.window, Technique::Fixed), cost);
        }
        for (name, usd, window) in rules {
            add(meter(name, Unit::Usd, usd, window, Technique::Fixed), cost);
        }
    }
    Ok(out)
}

fn meter(name: String, unit: Unit, limit: f64, span: Span, technique: Technique) -> Meter {
    Meter { name, unit, limit, span, technique }
}

/// Every meter `limits` defines, for the usage API: a split spend rule appears once, named
/// `rule/{i}/*`, standing for each value's own meter.
pub fn meters(limits: &Limits) -> Vec<Meter> {
    let mut out = Vec::new();
    if let Some(r) = limits.requests {
        let span = Span::Every { ms: (r.interval_s as i64).saturating_mul(1000) };
        out.push(meter("requests".into(), Unit::Requests, r.limit as f64, span, r.technique));
    }
    for t in &limits.tokens {
        out.push(meter(
            format!("tokens/{}", span_name(t.window)),
            Unit::Tokens,
            t.limit as f64,
            t.window,
            Technique::Fixed,
        ));
    }
    for b in &limits.budgets {
        out.push(meter(format!("budget/{}", span_name(b.window)), Unit::Usd, b.usd, b.window, Technique::Fixed));
    }
    for (i, rule) in limits.spend_rules.iter().enumerate() {
        let name = if rule.value.is_some() { format!("rule/{i}") } else { format!("rule/{i}/*") };
        out.push(meter(name, Unit::Usd, rule.usd, rule.window, Technique::Fixed));
    }
    out
}

/// The request's value of a spend rule's dimension; `None` when it has none (the metadata key
/// is absent), and the rule does not apply.
fn dimension_value(dimension: &Dimension, facts: &RequestFacts<'_>) -> Option<String> {
    match dimension {
        Dimension::Provider => Some(facts.provider.to_string()),
        Dimension::Model => Some(facts.model.to_string()),
        Dimension::Metadata(key) => facts.metadata.get(key).map(|v| match v {
            MetaValue::String(s) => s.clone(),
            MetaValue::Number(n) => n.to_string(),
            MetaValue::Bool(b) => b.to_string(),
        }),
    }
}

#[cfg(test)]
#[path = "charge_tests.rs"]
mod tests;
