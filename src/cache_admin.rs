//! `POST /api/gateways/{gateway_id}/cache/purge`: the operator deletes cached responses of one
//! gateway, by key, by the log id of the request that stored them, or all of them (body format in
//! `gateway_core::cache::purge`). Answers `{"deleted": n, "more": bool}`; with `more` true the
//! per-invocation deletion limit was reached and the same request should be sent again.

use gateway_core::cache::purge::{parse_purge, run_purge};
use gateway_core::{ErrorKind, GatewayError, Headers, Reply};
use js_sys::Uint8Array;
use wasm_bindgen_futures::JsFuture;
use worker::worker_sys::web_sys;
use worker::Env;

use crate::kv_cache::KvCache;

/// KV allows 1,000 operations per invocation; this leaves room for the list calls of a purge-all.
const MAX_DELETES: usize = 900;

/// The gateway id of a purge path, `None` when `path` is not one.
pub fn purge_gateway(path: &str) -> Option<&str> {
    let gateway = path.strip_prefix("/api/gateways/")?.strip_suffix("/cache/purge")?;
    let valid = !gateway.is_empty() && gateway.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    valid.then_some(gateway)
}

/// Runs one purge request for `gateway_id`.
///
/// Errors: 405 for a method other than POST, 400 for a body [`parse_purge`] refuses, 500 when the
/// `CACHE` binding is missing or KV fails (a purge, unlike a request, reports a failing store).
pub async fn purge(req: web_sys::Request, env: &Env, gateway_id: &str) -> Result<Reply, GatewayError> {
    if req.method() != "POST" {
        return Err(GatewayError::new(ErrorKind::MethodNotAllowed, "cache purge takes POST with a JSON body"));
    }
    // Through the memory tier, so that this isolate stops serving what is purged at once.
    let limits = crate::pipeline(env).map(|p| p.config().cache.memory).unwrap_or_default();
    let Some(store) = KvCache::tiered(env, limits) else {
        return Err(GatewayError::new(ErrorKind::Misconfigured, "the CACHE KV binding is missing: nothing to purge"));
    };
    let buffer = req.array_buffer().map_err(|_| GatewayError::invalid("the purge body could not be read"))?;
    let body = JsFuture::from(buffer).await.map_err(|_| GatewayError::invalid("the purge body could not be read"))?;
    let plan = parse_purge(gateway_id, &Uint8Array::new(&body).to_vec())?;
    let result = run_purge(&*store, gateway_id, &plan, MAX_DELETES).await?;
    let mut headers = Headers::new();
    headers.append("content-type", "application/json");
    let body = serde_json::json!({ "deleted": result.deleted, "more": result.more }).to_string();
    Ok(Reply { status: 200, headers, body: body.into_bytes() })
}
