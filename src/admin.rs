//! The admin API (`/api/...`): the operator's logs, stats and cache controls, behind
//! `Authorization: Bearer <ADMIN_TOKEN>` (see `gateway_core::admin`).

use gateway_core::{admin, ErrorKind, GatewayError, Reply};
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
    let (path, _query) = gateway_core::route::split_url(&url);
    if let Some(gateway_id) = crate::cache_admin::purge_gateway(path) {
        return crate::cache_admin::purge(req, env, gateway_id).await;
    }
    Err(GatewayError::new(ErrorKind::NotFound, format!("no admin route for {} {path}", req.method())))
}
