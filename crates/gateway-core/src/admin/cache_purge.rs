//! `POST /api/gateways/{gateway_id}/cache/purge`: the operator deletes cached responses of one
//! gateway, by key, by the log id of the request that stored them, or all of them (body format in
//! [`crate::cache::purge`]). Answers `{"deleted": n, "more": bool}`; with `more` true the
//! per-invocation deletion limit was reached and the same request should be sent again.

use crate::cache::purge::{parse_purge, run_purge};
use crate::cache::store::CacheStore;
use crate::error::GatewayError;
use crate::headers::Headers;
use crate::plugin::Reply;

/// The most deletions one purge request makes. KV allows 1,000 operations per invocation; this
/// leaves room for the list calls of a purge-all.
pub const MAX_DELETES: usize = 900;

/// Runs one purge request for `gateway_id` against `store` (the Worker passes the `CACHE`
/// namespace behind the isolate's memory tier, so that this isolate stops serving what is
/// purged at once).
///
/// Errors: 400 for a body [`parse_purge`] refuses; the store's errors as they come (a purge,
/// unlike a request, reports a failing store).
pub async fn purge(store: &dyn CacheStore, gateway_id: &str, body: &[u8]) -> Result<Reply, GatewayError> {
    let plan = parse_purge(gateway_id, body)?;
    let result = run_purge(store, gateway_id, &plan, MAX_DELETES).await?;
    let mut headers = Headers::new();
    headers.append("content-type", "application/json");
    let body = serde_json::json!({ "deleted": result.deleted, "more": result.more }).to_string();
    Ok(Reply { status: 200, headers, body: body.into_bytes() })
}

#[cfg(test)]
#[path = "cache_purge_tests.rs"]
mod tests;
