//! Cost tracking: what a request cost in USD, from its token usage.
//!
//! Runs in the logging phase, once usage is known. The price table is data
//! (`crates/gateway-core/prices.json`, compiled in); a request may override it with the
//! `cf-aig-custom-cost` header. A model missing from the table costs `None` — unknown, never 0 —
//! so that sums and spend limits can tell "free" from "not priced".
//!
//! Formula with table prices (USD per million tokens):
//! `((input − read − write) · input + read · cache_read + write · cache_write + output · output) / 1e6`,
//! where `input` includes the tokens read from (`read`) and written to (`write`) the prompt cache
//! and `output` the reasoning tokens (see [`crate::usage::Usage`]); a model without a cache price
//! has its cache tokens priced at its input price. A `cf-aig-custom-cost` header's per-token
//! prices follow the same formula ([`CustomCost`]).

pub mod custom;
pub mod table;

pub use custom::{parse_custom_cost, CustomCost, PerToken, CUSTOM_COST_HEADER};
pub use table::{ModelPrice, PriceTable};

use crate::usage::Usage;

/// The cost of one request in USD: the custom cost when the request set one, else the table
/// price of `provider`/`model`; `None` when the model is not in the table.
pub fn request_cost(
    table: &PriceTable,
    provider: &str,
    model: &str,
    usage: &Usage,
    custom: Option<&CustomCost>,
) -> Option<f64> {
    match custom {
        Some(custom) => Some(custom.cost(usage)),
        None => table.lookup(provider, model).map(|price| price.cost(usage)),
    }
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
