//! The admin API (`/api/...`): the operator's logs, stats, cache controls, gateways and virtual
//! keys (`gateway_core::control::api`), behind `Authorization: Bearer <ADMIN_TOKEN>` (see
//! `gateway_core::admin`).

use gateway_core::control::api as control_api;
use gateway_core::logs::api::{self as logs_api, AdminRequest};
use gateway_core::{admin, ErrorKind, GatewayError, Reply};
use js_sys::Uint8Array;
use wasm_bindgen_futures::JsFuture;
use worker::worker_sys::web_sys;
use worker::Env;

use crate::http_port::{client_headers, local_response};

/// Answers one admin request. Errors become OpenAI-shaped JSON like every gateway error.
pub async fn handle(req: web_sys::Request, env: &Env) -> Result<web_sys::Response, GatewayError> {
    let reply = match route(req, env).await {
        Ok(reply) => reply,
        Err(err) => Reply::from_error(&err),
    };
    local_response(&reply)
}

async fn route(req: web_sys::Request, env: &Env) -> Result<Reply, GatewayError> {
    let headers = client_headers(&req.headers());
    admin::authorize(&headers, crate::var(env, "ADMIN_TOKEN").as_deref())?;
    let url = req.url();
    let (path, query) = gateway_core::route::split_url(&url);
    if let Some(gateway_id) = crate::cache_admin::purge_gateway(path) {
        return crate::cache_admin::purge(req, env, gateway_id).await;
    }
    if logs_api::is_logs_path(path) {
        let config = crate::pipeline(env)?.config().logs.clone();
        let store = crate::log_store::ShardStore::from_env(env, config.shards).ok_or_else(|| {
            GatewayError::new(
                ErrorKind::Misconfigured,
                "the logs API needs the LOGS Durable Object binding (see wrangler.toml)",
            )
        })?;
        let method = req.method();
        let body = read_body(&req).await?;
        let request = AdminRequest { method: &method, path, query: query.unwrap_or(""), body: &body };
        return logs_api::handle(&store, request).await;
    }
    if control_api::is_control_path(path) {
        let store = crate::control_store::store_from_env(env).ok_or_else(|| {
            GatewayError::new(
                ErrorKind::Misconfigured,
                "the gateways and keys API needs the CONTROL Durable Object binding (see wrangler.toml)",
            )
        })?;
        let pepper = crate::var(env, crate::control_store::PEPPER_VAR).unwrap_or_default();
        let control_env = crate::control_store::control_env(&pepper)?;
        let method = req.method();
        let body = read_body(&req).await?;
        let request = AdminRequest { method: &method, path, query: query.unwrap_or(""), body: &body };
        return control_api::handle(&store, control_env, request).await;
    }
    Err(GatewayError::new(ErrorKind::NotFound, format!("no admin route for {} {path}", req.method())))
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
