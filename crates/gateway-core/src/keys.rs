//! Which provider key an upstream request carries, and who may use the gateway's own keys.
//!
//! Five sources, in order: a key named by the route target (a Worker secret), the key the client
//! sent, the key the gateway's stored settings name for the provider, a key drawn from the
//! provider's pool (`KEY_POOLS`), the provider's conventional secret (`OPENAI_API_KEY`, see
//! [`Provider::stored_key_name`]). The gateway's stored keys (all but the
//! client's) are spent only for callers who prove they may: the gateway token (when the
//! `GATEWAY_TOKEN` secret is set, every proxied request must carry it or a virtual key, as in
//! Cloudflare's "Authenticated Gateway"), in `cf-aig-authorization: Bearer <token>` or as the
//! SDK's own API key (`Authorization: Bearer <token>`), which is then never forwarded; or a
//! virtual key ([`crate::control`]), which may spend only the stored keys its `provider_keys`
//! names. Stored keys with neither `GATEWAY_TOKEN` nor `VIRTUAL_KEY_PEPPER` are a configuration
//! error: no caller could prove anything, and an open gateway spending them would let anyone who
//! found the URL do so.
//!
//! Everything that picks a key goes through [`choose_key`]; the converters never look at keys.

use std::collections::BTreeMap;

use crate::control::keys::VirtualKey;
use crate::control::scope::check_provider_key;
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
    /// The request carried a virtual key ([`crate::control`]), verified, in `header`
    /// (`cf-aig-authorization` or an SDK's API key header, which must not reach the provider).
    VirtualKey { header: &'static str },
}

impl Caller {
    /// Whether the gateway's stored keys may be spent on this request (a virtual key's only
    /// those its `provider_keys` names).
    pub fn may_use_stored_keys(self) -> bool {
        self != Caller::Anonymous
    }

    /// The SDK header that carried the gateway's own credential (the gateway token or a virtual
    /// key) instead of a provider key: it is neither a client key nor forwarded. `None` when the
    /// credential came in `cf-aig-authorization` or there is none.
    pub fn credential_header(self) -> Option<&'static str> {
        match self {
            Caller::TokenAsApiKey => Some("authorization"),
            Caller::VirtualKey { header } if header != GATEWAY_AUTH_HEADER => Some(header),
            _ => None,
        }
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
    let gateways_own = caller.credential_header();
    std::iter::once(provider.auth.header)
        .chain(CREDENTIAL_HEADERS.iter().copied())
        .filter(|name| Some(*name) != gateways_own)
        .filter_map(|name| headers.get(name))
        .map(|value| bearer(value).to_string())
        .find(|key| !key.is_empty())
}

/// What key choice needs to know of the request it serves.
#[derive(Clone, Copy)]
pub struct KeyRequest<'a> {
    /// The client's headers.
    pub headers: &'a Headers,
    pub caller: Caller,
    pub pools: &'a KeyPools,
    pub now_ms: f64,
    /// The verified virtual key of a [`Caller::VirtualKey`]: its `provider_keys` are the stored
    /// keys the request may spend.
    pub virtual_key: Option<&'a VirtualKey>,
    /// The secret the gateway's stored settings name per provider id (`provider_keys`).
    pub gateway_keys: Option<&'a BTreeMap<String, String>>,
    /// Whether a Worker secret of that name is set (for the provider's conventional key, which
    /// is used only when it exists).
    pub secret_is_set: &'a dyn Fn(&str) -> bool,
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
/// sent. `random` in `[0, 1)` draws among pooled keys (a virtual key's among those it may spend).
///
/// Errors: 401 when a route names a stored key and the caller did not authenticate; 403 naming
/// the `provider_keys` rule when a virtual key may not spend the stored key the request needs;
/// 500 when a virtual key's request has no provider key at all and the gateway stores none for
/// `provider` (the operator's to fix: the provider would only answer "missing API key").
pub fn choose_key(
    request: &KeyRequest<'_>,
    provider: &Provider,
    target_secret: Option<&str>,
    translated: bool,
    random: f64,
) -> Result<KeySource, GatewayError> {
    let KeyRequest { headers, caller, pools, now_ms, virtual_key, gateway_keys, secret_is_set } = *request;
    let may_spend = |name: &str| virtual_key.is_none_or(|key| check_provider_key(key, name).is_ok());
    if let Some(secret) = target_secret {
        if !caller.may_use_stored_keys() {
            return Err(GatewayError::new(
                ErrorKind::Unauthorized,
                "this route uses the gateway's stored keys, which need a virtual key or \
                 `cf-aig-authorization: Bearer <gateway token>`",
            ));
        }
        if let Some(key) = virtual_key {
            check_provider_key(key, secret)?;
        }
        return Ok(KeySource::Secret(secret.to_string()));
    }
    if let Some(key) = client_key(headers, provider, caller) {
        let as_sent =
            headers.get(provider.auth.header).is_some() && caller.credential_header() != Some(provider.auth.header);
        return Ok(if as_sent && !translated { KeySource::Client } else { KeySource::ClientKey(key) });
    }
    if !caller.may_use_stored_keys() {
        return Ok(KeySource::Missing);
    }
    if let Some(name) = gateway_keys.and_then(|keys| keys.get(provider.id)) {
        if let Some(key) = virtual_key {
            check_provider_key(key, name)?;
        }
        return Ok(KeySource::Secret(name.clone()));
    }
    let pool = pools.get(provider.id);
    if let Some(choice) = pool.and_then(|pool| pool.choose_among(now_ms, random, &may_spend)) {
        return Ok(KeySource::Pool { key_id: choice.key_id, secret: choice.secret.to_string() });
    }
    let conventional = provider.stored_key_name();
    let exists = secret_is_set(&conventional);
    match virtual_key {
        Some(key) if exists => check_provider_key(key, &conventional).map(|()| KeySource::Secret(conventional)),
        Some(key) => match pool.and_then(|pool| pool.keys().first()) {
            // The pool exists but none of its keys is this virtual key's to spend.
            Some(first) => check_provider_key(key, &first.secret).map(|()| KeySource::Missing),
            None => Err(GatewayError::new(
                ErrorKind::Misconfigured,
                format!(
                    "no provider key for {}: the request carries a virtual key and no key of its own, and the \
                     gateway stores none for this provider ({}, or a KEY_POOLS entry)",
                    provider.id,
                    crate::config::how_to_set_secret(&conventional)
                ),
            )),
        },
        None if exists => Ok(KeySource::Secret(conventional)),
        None => Ok(KeySource::Missing),
    }
}

/// Puts `key` into `headers` the way `provider` expects it, removing every other credential
/// header (so that no key meant for one provider, nor the gateway token, reaches another).
pub fn set_key(headers: &mut Headers, provider: &Provider, key: &str) {
    for name in CREDENTIAL_HEADERS {
        headers.remove(name);
    }
    headers.set(provider.auth.header, format!("{}{key}", provider.auth.scheme));
}

/// Removes the gateway's own credentials (the gateway token, a virtual key) from headers bound
/// upstream.
pub fn strip_gateway_credentials(headers: &mut Headers, caller: Caller) {
    headers.remove(GATEWAY_AUTH_HEADER);
    if let Some(header) = caller.credential_header() {
        headers.remove(header);
    }
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "keys_props.rs"]
mod props;
