//! Which provider key an upstream request carries, and who may use the gateway's own keys.
//!
//! Three sources, in order: a key named by the route target (a Worker secret), the key the client
//! sent, a key drawn from the provider's pool (`KEY_POOLS`). The gateway's stored keys (the first
//! and the last) are spent only for callers who prove they may: when the `GATEWAY_TOKEN` secret is
//! set, every proxied request must carry it (Cloudflare's "Authenticated Gateway"), in
//! `cf-aig-authorization: Bearer <token>` or as the SDK's own API key (`Authorization: Bearer
//! <token>`), which is then never forwarded. Stored keys without `GATEWAY_TOKEN` are a
//! configuration error: anyone who found the URL could spend them.
//!
//! Everything that picks a key goes through [`choose_key`]; the converters never look at keys.

use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;
use crate::provider::Provider;
use crate::resilience::key_pool::KeyPools;

/// Every header a provider key travels in, across the provider table: each provider's
/// `auth.header` must be here (a unit test holds the table to it), or a key the client sent for
/// one provider would follow a request the gateway re-keys for another.
pub const CREDENTIAL_HEADERS: &[&str] = &["authorization", "x-api-key", "x-goog-api-key", "api-key", "xi-api-key"];

/// The gateway's own authentication header.
pub const GATEWAY_AUTH_HEADER: &str = "cf-aig-authorization";

fn bearer(value: &str) -> &str {
    let value = value.trim();
    value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).unwrap_or(value).trim()
}

fn same_secret(a: &str, b: &str) -> bool {
    // Lengths may differ; compare every byte of the longer so timing does not reveal a prefix.
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.as_bytes().get(i).copied().unwrap_or(0) ^ b.as_bytes().get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// How a request proved it may use the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// No `GATEWAY_TOKEN` is configured: the gateway is open, and only the client's own keys are
    /// used.
    Anonymous,
    /// The request carried the gateway token in `cf-aig-authorization`.
    TokenHeader,
    /// The request carried the gateway token as its `Authorization` bearer (an SDK's API key);
    /// that header must not reach the provider.
    TokenAsApiKey,
}

impl Caller {
    /// Whether the gateway's stored keys may be spent on this request.
    pub fn may_use_stored_keys(self) -> bool {
        self != Caller::Anonymous
    }
}

/// Checks the request against `GATEWAY_TOKEN`.
///
/// Errors: 401 when a token is configured and the request carries neither header with it.
pub fn authenticate(headers: &Headers, gateway_token: Option<&str>) -> Result<Caller, GatewayError> {
    let Some(token) = gateway_token.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(Caller::Anonymous) };
    if headers.get(GATEWAY_AUTH_HEADER).is_some_and(|v| same_secret(bearer(v), token)) {
        return Ok(Caller::TokenHeader);
    }
    if headers.get("authorization").is_some_and(|v| same_secret(bearer(v), token)) {
        return Ok(Caller::TokenAsApiKey);
    }
    Err(GatewayError::new(
        ErrorKind::Unauthorized,
        "this gateway requires authentication: send `cf-aig-authorization: Bearer <gateway token>`",
    ))
}

/// The provider key the client sent, whatever header it used; `None` if it sent none (the gateway
/// token used as an API key does not count).
pub fn client_key(headers: &Headers, provider: &Provider, caller: Caller) -> Option<String> {
    std::iter::once(provider.auth.header)
        .chain(CREDENTIAL_HEADERS.iter().copied())
        .filter(|name| !(*name == "authorization" && caller == Caller::TokenAsApiKey))
        .filter_map(|name| headers.get(name))
        .map(|value| bearer(value).to_string())
        .find(|key| !key.is_empty())
}

/// What key choice needs to know of the request it serves.
#[derive(Debug, Clone, Copy)]
pub struct KeyRequest<'a> {
    /// The client's headers.
    pub headers: &'a Headers,
    pub caller: Caller,
    pub pools: &'a KeyPools,
    pub now_ms: f64,
}

/// Where the key of one attempt comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The client's own headers, forwarded as they are.
    Client,
    /// The client's key, moved into the header the provider expects (a translated request).
    ClientKey(String),
    /// A Worker secret named by the route target.
    Secret(String),
    /// A key of the provider's pool: its index there (for cool-down reports) and secret name.
    Pool { key_id: usize, secret: String },
    /// No key at all: the request goes as it is and the provider decides.
    Missing,
}

/// Picks the key for one attempt at `provider`. `target_secret` is a route target's `key`;
/// `translated` says the request is built by the gateway (compat or universal endpoint), so the
/// client's key must be moved into the header `provider` expects instead of being forwarded as
/// sent. `random` in `[0, 1)` draws among pooled keys.
///
/// Errors: 401 when a route names a stored key and the caller did not authenticate.
pub fn choose_key(
    request: &KeyRequest<'_>,
    provider: &Provider,
    target_secret: Option<&str>,
    translated: bool,
    random: f64,
) -> Result<KeySource, GatewayError> {
    let KeyRequest { headers, caller, pools, now_ms } = *request;
    if let Some(secret) = target_secret {
        if !caller.may_use_stored_keys() {
            return Err(GatewayError::new(
                ErrorKind::Unauthorized,
                "this route uses the gateway's stored keys, which need `cf-aig-authorization: Bearer <gateway token>`",
            ));
        }
        return Ok(KeySource::Secret(secret.to_string()));
    }
    if let Some(key) = client_key(headers, provider, caller) {
        let as_sent = headers.get(provider.auth.header).is_some()
            && !(provider.auth.header == "authorization" && caller == Caller::TokenAsApiKey);
        return Ok(if as_sent && !translated { KeySource::Client } else { KeySource::ClientKey(key) });
    }
    if caller.may_use_stored_keys() {
        if let Some(choice) = pools.get(provider.id).and_then(|pool| pool.choose(now_ms, random)) {
            return Ok(KeySource::Pool { key_id: choice.key_id, secret: choice.secret.to_string() });
        }
    }
    Ok(KeySource::Missing)
}

/// Puts `key` into `headers` the way `provider` expects it, removing every other credential
/// header (so that no key meant for one provider, nor the gateway token, reaches another).
pub fn set_key(headers: &mut Headers, provider: &Provider, key: &str) {
    for name in CREDENTIAL_HEADERS {
        headers.remove(name);
    }
    headers.set(provider.auth.header, format!("{}{key}", provider.auth.scheme));
}

/// Removes the gateway's own credentials from headers bound upstream.
pub fn strip_gateway_token(headers: &mut Headers, caller: Caller) {
    headers.remove(GATEWAY_AUTH_HEADER);
    if caller == Caller::TokenAsApiKey {
        headers.remove("authorization");
    }
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "keys_props.rs"]
mod props;
