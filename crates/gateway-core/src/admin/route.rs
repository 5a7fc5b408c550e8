//! Which admin handler a path belongs to.
//!
//! The logs and control handlers check their own methods and ids ([`crate::logs::api::handle`],
//! [`crate::control::api::handle`]); the cache purge has one path and one method, checked here.

use crate::control::api::is_control_path;
use crate::error::{ErrorKind, GatewayError};
use crate::logs::api::is_logs_path;

/// The prefix of every admin path.
pub const PREFIX: &str = "/api/";

/// Whether a request path is for the admin API (and not for the proxy).
pub fn is_admin_path(path: &str) -> bool {
    path.starts_with(PREFIX) || path == "/api"
}

/// The handler of one admin request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminRoute<'a> {
    /// `POST /api/gateways/{gateway_id}/cache/purge` ([`super::cache_purge`]).
    CachePurge { gateway_id: &'a str },
    /// `/api/logs`, `/api/logs/…` and `/api/stats` ([`crate::logs::api`]).
    Logs,
    /// `/api/gateways…` and `/api/keys…` ([`crate::control::api`]).
    Control,
    /// `GET /api/usage` ([`crate::limits::usage`]).
    Usage,
}

impl<'a> AdminRoute<'a> {
    /// The handler of `method path`. A purge path wins over the control API's `/api/gateways/…`.
    ///
    /// Errors: 405 for a purge path with a method other than POST; 404 for a path no handler
    /// takes.
    pub fn find(method: &str, path: &'a str) -> Result<AdminRoute<'a>, GatewayError> {
        if let Some(gateway_id) = purge_gateway(path) {
            if method != "POST" {
                return Err(GatewayError::new(ErrorKind::MethodNotAllowed, "cache purge takes POST with a JSON body"));
            }
            return Ok(AdminRoute::CachePurge { gateway_id });
        }
        if is_logs_path(path) {
            return Ok(AdminRoute::Logs);
        }
        if is_control_path(path) {
            return Ok(AdminRoute::Control);
        }
        if path == "/api/usage" {
            if method != "GET" {
                return Err(GatewayError::new(ErrorKind::MethodNotAllowed, "the usage API takes GET"));
            }
            return Ok(AdminRoute::Usage);
        }
        Err(GatewayError::not_found(format!("no admin route for {method} {path}")))
    }
}

/// The gateway id of a purge path, `None` when `path` is not one. The id is one or more of
/// `A-Z a-z 0-9 _ -`; a path with any other id is not a purge path (the control API then answers
/// it, refusing the id).
pub fn purge_gateway(path: &str) -> Option<&str> {
    let gateway = path.strip_prefix("/api/gateways/")?.strip_suffix("/cache/purge")?;
    let valid = !gateway.is_empty() && gateway.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    valid.then_some(gateway)
}

#[cfg(test)]
#[path = "route_tests.rs"]
mod tests;
