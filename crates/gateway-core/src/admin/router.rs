//! One admin request, from the caller's token to the handler's reply.
//!
//! Order: authorization (401), route and method ([`AdminRoute::find`]: 404, 405 for a purge), the
//! route's storage binding (500 naming it), then the body is read and the handler runs. Nothing
//! is read or touched for a caller without the admin token.

use std::future::Future;
use std::rc::Rc;

use crate::cache::store::CacheStore;
use crate::control::api::{self as control_api, ControlEnv};
use crate::control::store::ControlStore;
use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;
use crate::limits::store::Limiter;
use crate::limits::usage::usage;
use crate::logs::api::{self as logs_api, AdminRequest};
use crate::logs::store::LogStore;
use crate::plugin::Reply;

use super::auth::authorize;
use super::cache_purge;
use super::route::AdminRoute;

/// The error when the logs API's store is not bound.
const LOGS_MISSING: &str = "the logs API needs the LOGS Durable Object binding (see wrangler.toml)";
/// The error when the control API's store is not bound.
const CONTROL_MISSING: &str = "the gateways and keys API needs the CONTROL Durable Object binding (see wrangler.toml)";
/// The error when the limiters are not bound.
const LIMITER_MISSING: &str = "the usage API needs the LIMITER Durable Object binding (see wrangler.toml)";
/// The error when the cache purge's store is not bound.
const CACHE_MISSING: &str = "the CACHE KV binding is missing: nothing to purge";

/// A storage binding as the runtime found it: `Ok(None)` when it is not bound (a route that needs
/// it answers 500 naming the binding), `Err` when the runtime could not prepare it (an invalid
/// configuration, no secure random source), answered as is by a route that needs it.
pub type Binding<T> = Result<Option<T>, GatewayError>;

/// What the control API needs: its store and what the runtime supplies to one request.
pub struct ControlServices<'a> {
    pub store: Rc<dyn ControlStore>,
    pub env: ControlEnv<'a>,
}

/// The runtime's storage for one admin request; only the one the route needs is used.
pub struct AdminServices<'a> {
    /// The log shards (`LOGS`), for `/api/logs` and `/api/stats`.
    pub logs: Binding<Rc<dyn LogStore>>,
    /// The control plane (`CONTROL`), for `/api/gateways` and `/api/keys`.
    pub control: Binding<ControlServices<'a>>,
    /// The response cache (`CACHE`), for cache purges.
    pub cache: Binding<Rc<dyn CacheStore>>,
    /// The limiters (`LIMITER`), for `/api/usage` (with the control plane's records).
    pub limiter: Binding<Rc<dyn Limiter>>,
}

/// One admin request as the runtime received it.
pub struct AdminCall<'a, B> {
    pub method: &'a str,
    /// The URL path, e.g. `/api/logs/01J…`.
    pub path: &'a str,
    /// The query string without `?` (empty when none).
    pub query: &'a str,
    pub headers: &'a Headers,
    /// Reads the request body (empty when there is none). Awaited only once the caller is
    /// authorized and the route and its binding are found, so that no one without the admin
    /// token makes the gateway read a body.
    pub body: B,
}

/// Answers one admin request; `admin_token` is the `ADMIN_TOKEN` secret (`None` when unset: every
/// request is then refused).
///
/// Errors become the reply, OpenAI-shaped like every gateway error: 401 without the right token,
/// 404 for an unknown route, 405 for a method the route does not take, 500 naming a missing
/// binding, and what the handlers answer ([`logs_api::handle`], [`control_api::handle`],
/// [`cache_purge::purge`]) or the body reader fails with.
pub async fn handle<B>(call: AdminCall<'_, B>, admin_token: Option<&str>, services: AdminServices<'_>) -> Reply
where
    B: Future<Output = Result<Vec<u8>, GatewayError>>,
{
    match route(call, admin_token, services).await {
        Ok(reply) => reply,
        Err(err) => Reply::from_error(&err),
    }
}

async fn route<B>(
    call: AdminCall<'_, B>,
    admin_token: Option<&str>,
    services: AdminServices<'_>,
) -> Result<Reply, GatewayError>
where
    B: Future<Output = Result<Vec<u8>, GatewayError>>,
{
    authorize(call.headers, admin_token)?;
    match AdminRoute::find(call.method, call.path)? {
        AdminRoute::CachePurge { gateway_id } => {
            let store = bound(services.cache, CACHE_MISSING)?;
            cache_purge::purge(&*store, gateway_id, &call.body.await?).await
        }
        AdminRoute::Logs => {
            let store = bound(services.logs, LOGS_MISSING)?;
            let body = call.body.await?;
            let request = AdminRequest { method: call.method, path: call.path, query: call.query, body: &body };
            logs_api::handle(&*store, request).await
        }
        AdminRoute::Control => {
            let control = bound(services.control, CONTROL_MISSING)?;
            let body = call.body.await?;
            let request = AdminRequest { method: call.method, path: call.path, query: call.query, body: &body };
            control_api::handle(&*control.store, control.env, request).await
        }
        AdminRoute::Usage => {
            let control = bound(services.control, CONTROL_MISSING)?;
            let limiter = bound(services.limiter, LIMITER_MISSING)?;
            usage(&*control.store, &*limiter, call.query).await
        }
    }
}

fn bound<T>(binding: Binding<T>, missing: &str) -> Result<T, GatewayError> {
    binding?.ok_or_else(|| GatewayError::new(ErrorKind::Misconfigured, missing))
}

#[cfg(test)]
#[path = "router_tests.rs"]
mod tests;
