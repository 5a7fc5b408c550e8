//! A gateway's settings as the request path reads them: from the isolate's memory while fresh
//! ([`GATEWAY_FRESH_MS`]), from the store otherwise, with `GATEWAYS_STRICT`'s 404 for ids never
//! created.

use std::rc::Rc;

use crate::error::GatewayError;

use super::fresh::{ReadThrough, GATEWAY_FRESH_MS};
use super::gateways::{unknown_gateway, GatewaySettings};
use super::store::ControlStore;

/// The gateways an isolate remembers, by id, for [`GATEWAY_FRESH_MS`] (absences included).
#[derive(Debug)]
pub struct GatewayCache(ReadThrough<String, Option<Rc<GatewaySettings>>>);

impl Default for GatewayCache {
    fn default() -> Self {
        GatewayCache(ReadThrough::new(GATEWAY_FRESH_MS))
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
) -> Result<Option<Rc<GatewaySettings>>, GatewayError> {
    let load = async { store.get_gateway(id).await.map(|found| found.map(Rc::new)) };
    match cache.0.get_or_load(id.to_string(), now_ms, load).await? {
        None if strict => Err(unknown_gateway(id)),
        found => Ok(found),
    }
}

#[cfg(test)]
#[path = "gateway_lookup_tests.rs"]
mod tests;
