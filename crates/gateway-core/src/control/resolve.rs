//! Which value of a request default applies: request header > virtual key > gateway settings >
//! Worker variables, field by field.
//!
//! The most specific statement wins: a request header is the caller speaking about this one
//! request; a virtual key's defaults are the operator speaking about one app; a gateway's, about
//! every app on it; the variables, about the whole deployment. Each field resolves on its own,
//! so a key that sets only `cache_ttl` still gets the gateway's retries. Retry fields resolve one
//! by one too (a header's `cf-aig-max-attempts` keeps the gateway's `backoff`).
//!
//! Policies are not defaults and are not resolved here: `authentication` and `byok_only` come
//! from the gateway alone, and a key's scope only ever narrows what a request may do.

use crate::config::GatewayConfig;
use crate::resilience::retry::RetryPolicy;

use super::overrides::Overrides;

/// The defaults in force for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effective {
    /// Seconds a response is cached; 0 is off.
    pub cache_ttl_s: u64,
    pub collect_logs: bool,
    pub collect_log_payloads: bool,
    pub retry: RetryPolicy,
}

impl Effective {
    /// The Worker variables' defaults (`CACHE_TTL`, `LOGS_ENABLED`, `RETRY_DEFAULTS`; payloads are
    /// logged unless something says otherwise, as today).
    pub fn from_config(config: &GatewayConfig) -> Effective {
        Effective {
            cache_ttl_s: config.cache.ttl_s,
            collect_logs: config.logs.enabled,
            collect_log_payloads: config.logs.collect_payloads,
            retry: config.retry_default,
        }
    }
}

/// The defaults for one request from its `request` headers, its virtual key's defaults (`None`
/// without a key), its gateway's (`None` for a gateway never created) and the `variables`.
/// Pure and cheap: it runs on every request.
pub fn resolve(
    request: &Overrides,
    key: Option<&Overrides>,
    gateway: Option<&Overrides>,
    variables: &Effective,
) -> Effective {
    let none = Overrides::default();
    let (key, gateway) = (key.unwrap_or(&none), gateway.unwrap_or(&none));
    Effective {
        cache_ttl_s: request.cache_ttl_s.or(key.cache_ttl_s).or(gateway.cache_ttl_s).unwrap_or(variables.cache_ttl_s),
        collect_logs: request
            .collect_logs
            .or(key.collect_logs)
            .or(gateway.collect_logs)
            .unwrap_or(variables.collect_logs),
        collect_log_payloads: request
            .collect_log_payloads
            .or(key.collect_log_payloads)
            .or(gateway.collect_log_payloads)
            .unwrap_or(variables.collect_log_payloads),
        retry: request.retry.or(key.retry).or(gateway.retry).over(variables.retry),
    }
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
