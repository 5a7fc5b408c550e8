//! The admin API (`/api/...`) bound to the Worker: the request, the `ADMIN_TOKEN` secret and the
//! storage bindings go to `gateway_core::admin::handle`, which authorizes, routes and answers.

use std::rc::Rc;

use gateway_core::admin::{self, AdminCall, AdminServices, ControlServices};
use gateway_core::control::store::ControlStore;
use gateway_core::logs::store::LogStore;
use gateway_core::GatewayError;
use js_sys::Uint8Array;
use wasm_bindgen_futures::JsFuture;
use worker::worker_sys::web_sys;
use worker::Env;

use crate::control_store::{control_env, store_from_env, PEPPER_VAR};
use crate::http_port::{client_headers, local_response};
use crate::kv_cache::KvCache;
use crate::log_store::ShardStore;

/// Answers one admin request. Errors become OpenAI-shaped JSON like every gateway error; the only
/// error returned is a reply that could not be made into a response.
pub async fn handle(req: web_sys::Request, env: &Env) -> Result<web_sys::Response, GatewayError> {
    let url = req.url();
    let (path, query) = gateway_core::route::split_url(&url);
    let method = req.method();
    let headers = client_headers(&req.headers());
    let pepper = crate::var(env, PEPPER_VAR).unwrap_or_default();
    let call =
        AdminCall { method: &method, path, query: query.unwrap_or(""), headers: &headers, body: read_body(&req) };
    let token = crate::var(env, "ADMIN_TOKEN");
    local_response(&admin::handle(call, token.as_deref(), services(env, &pepper)).await)
}

/// The bindings of this Worker, each `None` when not bound: the log shards (`LOGS`, as many as
/// the configuration says; its error when the configuration is invalid), the control plane
/// (`CONTROL`, with the pepper and fresh random bytes), the limiters (`LIMITER`) and the `CACHE`
/// namespace behind the isolate's memory tier (so that a purge stops this isolate serving what it deletes at once).
fn services<'a>(env: &Env, pepper: &'a str) -> AdminServices<'a> {
    let pipeline = crate::pipeline(env);
    let logs = pipeline
        .as_ref()
        .map_err(Clone::clone)
        .map(|p| ShardStore::from_env(env, p.config().logs.shards).map(|store| Rc::new(store) as Rc<dyn LogStore>));
    let control = store_from_env(env)
        .map(|store| {
            let store = Rc::new(store) as Rc<dyn ControlStore>;
            control_env(pepper).map(|env| ControlServices { store, env })
        })
        .transpose();
    let cache_limits = pipeline.map(|p| p.config().cache.memory).unwrap_or_default();
    let limiter = crate::limiter::DurableLimiter::from_env(env)
        .map(|limiter| Rc::new(limiter) as Rc<dyn gateway_core::limits::store::Limiter>);
    AdminServices { logs, control, cache: Ok(KvCache::tiered(env, cache_limits)), limiter: Ok(limiter) }
}

/// The request body (a PATCH's JSON); empty when there is none.
async fn read_body(req: &web_sys::Request) -> Result<Vec<u8>, GatewayError> {
    if req.body().is_none() {
        return Ok(Vec::new());
    }
    let promise = req.array_buffer().map_err(|_| GatewayError::invalid("the request body could not be read"))?;
    let buffer =
        JsFuture::from(promise).await.map_err(|_| GatewayError::invalid("the request body could not be read"))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}
