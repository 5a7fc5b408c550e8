//! Whether and how one request uses the cache: the gateway's defaults and the client's headers.
//!
//! Worker variables (read once per isolate by [`CacheDefaults::from_vars`]):
//! - `CACHE_TTL`: seconds an entry lives; unset or `0` turns caching off unless a request asks for
//!   it; otherwise between 60 and 2592000 (one month).
//! - `CACHE_COALESCE`: `false` turns off the coalescing of concurrent identical misses (see
//!   [`super::coalesce`]); on by default.
//! - `CACHE_MEMORY_MIB`, `CACHE_MEMORY_SECONDS`: the isolate's memory tier in front of KV (see
//!   [`super::hot`]); 8 MiB and 30 s by default, either at 0 turns it off.
//!
//! Request headers (Cloudflare's names; a `cf-aig-` header wins over its deprecated alias):
//! - `cf-aig-cache-ttl` (alias `cf-cache-ttl`): seconds, 60 ..= 2592000; turns caching on for this
//!   request with that TTL.
//! - `cf-aig-skip-cache` (alias `cf-skip-cache`): `true` or `false`; `true` neither reads nor writes
//!   the cache and answers `cf-aig-cache-status: BYPASS` (when caching was on for the request).
//! - `cf-aig-cache-key`: a custom key of 1 ..= 512 bytes, shared by all callers of the gateway (see
//!   [`super::key`]); turns caching on, for 5 minutes when the gateway's caching is off.
//! - `cf-aig-cache-key-scope` (this gateway's own): `endpoint` (the default) or `gateway`, how
//!   widely a custom key's entry is shared ([`CustomKeyScope`]); ignored without a custom key.
//! - `cf-aig-cache-semantic`, `cf-aig-cache-semantic-threshold`, `cf-aig-cache-semantic-turns`
//!   (this gateway's own): the semantic lookup ([`super::semantic::settings`]), checked here with
//!   the others; `cf-aig-cache-semantic: true` turns caching on as a custom key does.
//!
//! Only `GET` and `POST` are cached: other methods change state at the provider.

use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;

use super::hot::HotLimits;
use super::key::{CacheKey, CustomKeyScope, KeyInput};
use super::semantic::settings::{SemanticHeaders, SEMANTIC_HEADER};

/// The shortest TTL a request may ask for, and KV's minimum `expirationTtl`.
pub const MIN_TTL_S: u64 = 60;
/// The longest TTL: one month (30 days).
pub const MAX_TTL_S: u64 = 2_592_000;
/// The TTL of a custom-key request when the gateway's caching is off (Cloudflare's documented 5 minutes).
pub const CUSTOM_KEY_DEFAULT_TTL_S: u64 = 300;
/// The longest `cf-aig-cache-key` accepted.
pub const MAX_CUSTOM_KEY_BYTES: usize = 512;

const TTL_HEADERS: [&str; 2] = ["cf-aig-cache-ttl", "cf-cache-ttl"];
const SKIP_HEADERS: [&str; 2] = ["cf-aig-skip-cache", "cf-skip-cache"];
const KEY_HEADER: &str = "cf-aig-cache-key";
const SCOPE_HEADER: &str = "cf-aig-cache-key-scope";

/// The gateway's cache settings from Worker variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheDefaults {
    /// Seconds an entry lives when the request does not say; 0 = caching off by default.
    pub ttl_s: u64,
    /// Whether concurrent identical misses go through one Durable Object.
    pub coalesce: bool,
    /// The isolate's memory tier in front of KV (`CACHE_MEMORY_MIB`, `CACHE_MEMORY_SECONDS`).
    pub memory: HotLimits,
}

impl Default for CacheDefaults {
    fn default() -> Self {
        CacheDefaults { ttl_s: 0, coalesce: true, memory: HotLimits::default() }
    }
}

impl CacheDefaults {
    /// Parses `CACHE_TTL` and `CACHE_COALESCE` (`None` or empty when unset).
    ///
    /// Errors (500, `gateway_misconfigured`): a TTL that is not 0 or a whole number of seconds in
    /// 60 ..= 2592000; a coalesce flag other than `true` or `false`.
    pub fn from_vars(cache_ttl: Option<&str>, cache_coalesce: Option<&str>) -> Result<Self, GatewayError> {
        let mut defaults = CacheDefaults::default();
        if let Some(raw) = cache_ttl.map(str::trim).filter(|s| !s.is_empty()) {
            defaults.ttl_s = match raw.parse::<u64>() {
                Ok(0) => 0,
                Ok(ttl) if (MIN_TTL_S..=MAX_TTL_S).contains(&ttl) => ttl,
                _ => {
                    return Err(GatewayError::new(
                        ErrorKind::Misconfigured,
                        format!("CACHE_TTL must be 0 (off) or a whole number of seconds from {MIN_TTL_S} to {MAX_TTL_S}, got {raw:?}"),
                    ))
                }
            };
        }
        if let Some(raw) = cache_coalesce.map(str::trim).filter(|s| !s.is_empty()) {
            defaults.coalesce = parse_bool(raw).ok_or_else(|| {
                GatewayError::new(
                    ErrorKind::Misconfigured,
                    format!("CACHE_COALESCE must be true or false, got {raw:?}"),
                )
            })?;
        }
        Ok(defaults)
    }
}

/// Whether the request carries any cache header, so that its body must be read for the key even
/// when the gateway's caching is off.
pub fn mentions_cache(headers: &Headers) -> bool {
    TTL_HEADERS.iter().chain(&SKIP_HEADERS).chain([&KEY_HEADER, &SEMANTIC_HEADER]).any(|h| headers.get(h).is_some())
}

/// What the cache does for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheDecision {
    /// Caching is off for this request: no lookup, no store, no `cf-aig-cache-status` header.
    Off,
    /// The client asked to skip the cache: no lookup, no store, `cf-aig-cache-status: BYPASS`.
    Bypass,
    /// Look up `key`; on a miss store the response for `ttl_s` seconds.
    Use {
        /// Where the entry lives ([`CacheKey::kv_key`]).
        key: CacheKey,
        /// Seconds an entry stays valid: the KV TTL on store, the oldest acceptable age on lookup.
        ttl_s: u64,
    },
}

/// Decides how the request described by `input` uses the cache; runs before the upstream call,
/// once the body is read (the default key hashes it).
///
/// Errors (400): a malformed or out-of-range TTL header, a skip header other than `true`/`false`,
/// an empty or over-long custom key, a key scope other than `endpoint`/`gateway`, a malformed
/// semantic header ([`SemanticHeaders::parse`]). They are checked
/// whatever the method, so a bad header is reported the same way on every request.
pub fn decide(defaults: &CacheDefaults, input: &KeyInput<'_>) -> Result<CacheDecision, GatewayError> {
    let headers = input.headers;
    let header_ttl = request_ttl(headers)?;
    let skip = skip_requested(headers)?;
    let custom_key = custom_key(headers)?;
    let scope = custom_key_scope(headers)?;
    let semantic = SemanticHeaders::parse(headers)?.semantic == Some(true);
    if !matches!(input.method, "GET" | "POST") {
        return Ok(CacheDecision::Off);
    }
    let gateway_ttl = (defaults.ttl_s > 0).then_some(defaults.ttl_s);
    let ttl_s = match (header_ttl, custom_key, gateway_ttl) {
        (Some(ttl), _, _) => ttl,
        (None, _, Some(ttl)) => ttl,
        (None, Some(_), None) => CUSTOM_KEY_DEFAULT_TTL_S,
        (None, None, None) if semantic => CUSTOM_KEY_DEFAULT_TTL_S,
        (None, None, None) => return Ok(CacheDecision::Off),
    };
    if skip {
        return Ok(CacheDecision::Bypass);
    }
    let key = match custom_key {
        Some(custom) => CacheKey::custom(input, custom, scope),
        None => CacheKey::default_for(input),
    };
    Ok(CacheDecision::Use { key, ttl_s })
}

/// The first of `names` present, with the name it was found under.
fn first_of<'h>(headers: &'h Headers, names: &[&'static str]) -> Option<(&'static str, &'h str)> {
    names.iter().find_map(|name| headers.get(name).map(|value| (*name, value.trim())))
}

fn request_ttl(headers: &Headers) -> Result<Option<u64>, GatewayError> {
    let Some((name, raw)) = first_of(headers, &TTL_HEADERS) else { return Ok(None) };
    match raw.parse::<u64>() {
        Ok(ttl) if (MIN_TTL_S..=MAX_TTL_S).contains(&ttl) && raw.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(ttl)),
        _ => Err(GatewayError::invalid(format!(
            "{name} must be a whole number of seconds from {MIN_TTL_S} to {MAX_TTL_S} (one month), got {raw:?}"
        ))),
    }
}

fn skip_requested(headers: &Headers) -> Result<bool, GatewayError> {
    let Some((name, raw)) = first_of(headers, &SKIP_HEADERS) else { return Ok(false) };
    parse_bool(raw).ok_or_else(|| GatewayError::invalid(format!("{name} must be true or false, got {raw:?}")))
}

fn custom_key(headers: &Headers) -> Result<Option<&str>, GatewayError> {
    let Some(raw) = headers.get(KEY_HEADER) else { return Ok(None) };
    if raw.is_empty() {
        return Err(GatewayError::invalid(format!("{KEY_HEADER} must not be empty")));
    }
    if raw.len() > MAX_CUSTOM_KEY_BYTES {
        return Err(GatewayError::invalid(format!(
            "{KEY_HEADER} is {} bytes long; the limit is {MAX_CUSTOM_KEY_BYTES} bytes",
            raw.len()
        )));
    }
    Ok(Some(raw))
}

fn custom_key_scope(headers: &Headers) -> Result<CustomKeyScope, GatewayError> {
    let Some(raw) = headers.get(SCOPE_HEADER).map(str::trim) else { return Ok(CustomKeyScope::default()) };
    if raw.eq_ignore_ascii_case("endpoint") {
        Ok(CustomKeyScope::Endpoint)
    } else if raw.eq_ignore_ascii_case("gateway") {
        Ok(CustomKeyScope::Gateway)
    } else {
        Err(GatewayError::invalid(format!("{SCOPE_HEADER} must be endpoint or gateway, got {raw:?}")))
    }
}

fn parse_bool(raw: &str) -> Option<bool> {
    if raw.eq_ignore_ascii_case("true") {
        Some(true)
    } else if raw.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
#[path = "options_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "options_props.rs"]
mod props;
