//! `GET /api/usage?key=vk_…` or `?gateway={id}`: where each limit of a virtual key or a gateway
//! stands, for the dashboard. Answers
//! `{"scope": "key:vk_…", "meters": [{"meter", "unit", "limit", "used", "reserved", "remaining",
//! "reset_at"}]}`: `used` settled in the current window (weighted for a sliding one), `reserved`
//! held by requests in flight, `reset_at` the window's end (epoch ms). A split spend rule lists
//! one meter per value counted so far.

use serde_json::json;

use crate::control::store::ControlStore;
use crate::error::GatewayError;
use crate::headers::Headers;
use crate::plugin::Reply;
use crate::route::is_id;

use super::charge::meters;
use super::store::{Limiter, LimiterAnswer, LimiterCall};

/// Answers one usage request (`query` without `?`).
///
/// Errors: 400 unless exactly one of `key` and `gateway` is given, as a valid id; 404 for an
/// unknown key or gateway; the store's or limiter's error (500).
pub async fn usage(store: &dyn ControlStore, limiter: &dyn Limiter, query: &str) -> Result<Reply, GatewayError> {
    let pairs: Vec<(&str, &str)> =
        query.split('&').filter(|p| !p.is_empty()).filter_map(|p| p.split_once('=')).collect();
    let usage_rule = "give exactly one of `key=vk_…` and `gateway=ID`";
    let (scope, limits) = match pairs.as_slice() {
        [("key", id)] if is_id(id) => {
            let key =
                store.get_key(id).await?.ok_or_else(|| GatewayError::not_found(format!("no virtual key {id:?}")))?;
            (format!("key:{id}"), key.limits)
        }
        [("gateway", id)] if is_id(id) => {
            let gateway =
                store.get_gateway(id).await?.ok_or_else(|| GatewayError::not_found(format!("no gateway {id:?}")))?;
            (format!("gateway:{id}"), gateway.limits)
        }
        _ => return Err(GatewayError::invalid(usage_rule)),
    };
    let defined = meters(&limits);
    let statuses = if defined.is_empty() {
        Vec::new()
    } else {
        match limiter.call(&scope, &LimiterCall::Status { meters: defined }).await? {
            LimiterAnswer::Status(statuses) => statuses,
            _ => return Err(GatewayError::internal("the limiter answered a status call out of turn")),
        }
    };
    let meters: Vec<_> = statuses
        .iter()
        .map(|s| {
            json!({
                "meter": s.meter, "unit": s.unit, "limit": s.limit, "used": s.used, "reserved": s.reserved,
                "remaining": (s.limit - s.used - s.reserved).max(0.0), "reset_at": s.reset_ms,
            })
        })
        .collect();
    let mut headers = Headers::new();
    headers.set("content-type", "application/json");
    headers.set("cache-control", "no-store");
    Ok(Reply { status: 200, headers, body: json!({ "scope": scope, "meters": meters }).to_string().into_bytes() })
}

#[cfg(test)]
#[path = "usage_tests.rs"]
mod tests;
