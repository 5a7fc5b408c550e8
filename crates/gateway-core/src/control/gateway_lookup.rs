//! A gateway's settings as the request path reads them: from the isolate's memory while fresh
//! ([`GATEWAY_FRESH_MS`]), from the store otherwise, with `GATEWAYS_STRICT`'s 404 for ids never
//! created.

use std::cell::RefCell;

use crate::error::GatewayError;

use super::fresh::{FreshMap, DEFAULT_CAPACITY, GATEWAY_FRESH_MS};
use super::gateways::{unknown_gateway, GatewaySettings};
use super::store::ControlStore;

/// The gateways an isolate remembers, by id, for [`GATEWAY_FRESH_MS`] (absences included).
#[derive(Debug)]
pub struct GatewayCache {
    map: RefCell<FreshMap<String, Option<GatewaySettings>>>,
}

impl Default for GatewayCache {
    fn default() -> Self {
        GatewayCache { map: RefCell::new(FreshMap::new(GATEWAY_FRESH_MS, DEFAULT_CAPACITY)) }
    }
}

/// The settings of gateway `id` at `now_ms`: `None` for an id never created (it then runs on the
/// Worker variables), unless `strict`. Makes no store call while the isolate's answer is fresh.
///
/// Errors: 404 naming the id when `strict` and it was never created; the store's error (500).
pub async fn lookup_gateway(
    store: &dyn ControlStore,
    cache: &GatewayCache,
    id: &str,
    strict: bool,
    now_ms: i64,
) -> Result<Option<GatewaySettings>, GatewayError> {
    let clock = u64::try_from(now_ms).unwrap_or(0);
    let remembered = cache.map.borrow().get(&id.to_string(), clock).cloned();
    let found = match remembered {
        Some(found) => found,
        None => {
            let found = store.get_gateway(id).await?;
            cache.map.borrow_mut().insert(id.to_string(), found.clone(), clock);
            found
        }
    };
    match found {
        None if strict => Err(unknown_gateway(id)),
        found => Ok(found),
    }
}

#[cfg(test)]
#[path = "gateway_lookup_tests.rs"]
mod tests;
