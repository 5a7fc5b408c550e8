//! Key pools: several API keys for one provider, chosen by weight, with a cool-down for keys the
//! provider refuses.
//!
//! Configured in the `KEY_POOLS` Worker variable, a JSON object from provider slug to keys, each
//! named by the Worker *secret* that holds it (the runtime resolves the name; a key is never
//! written into configuration):
//!
//! ```json
//! {"openai": [{"secret": "OPENAI_KEY_1", "weight": 1}, {"secret": "OPENAI_KEY_2", "weight": 2}]}
//! ```
//!
//! `KEY_COOLDOWN_SECONDS` (default 60, 0–86400) is how long a key sits out after a 429, 401 or
//! 403; a 429's `Retry-After` lengthens it, up to one hour.
//!
//! Cool-down state lives in the isolate (the runtime keeps the parsed [`KeyPools`] in a
//! `thread_local`; Wasm isolates are single-threaded, so `Cell` suffices). The trade-off: each
//! isolate learns on its own that a key is cooling, so other isolates may still use it until they
//! too see a 429; in exchange there is no coordination cost (no KV or Durable Object round trip)
//! on the request path, and a cool-down ends by itself when the isolate is recycled.

use std::cell::Cell;
use std::collections::HashMap;

use crate::error::GatewayError;
use crate::provider;

use super::config_json::{misconfigured, object, parse_var, secret_name, weight};
use super::retry_after::parse_retry_after;
use super::weighted;

/// Cool-down when `KEY_COOLDOWN_SECONDS` is unset.
pub const DEFAULT_COOLDOWN_SECONDS: u64 = 60;
/// Longest cool-down a 429's `Retry-After` can ask for, in ms.
pub const MAX_RETRY_AFTER_COOLDOWN_MS: u64 = 3_600_000;

/// One key of a pool.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolKey {
    /// Name of the Worker secret holding the key.
    pub secret: String,
    pub weight: u32,
    cooling_until_ms: Cell<f64>,
}

/// The key chosen for one attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyChoice<'a> {
    /// Pass back to [`KeyPool::report`] with the attempt's status.
    pub key_id: usize,
    /// Name of the Worker secret to read.
    pub secret: &'a str,
    /// True when every key was cooling and this is the one whose cool-down ends first.
    pub cooling: bool,
}

/// The keys of one provider. See the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPool {
    keys: Vec<PoolKey>,
    cooldown_ms: u64,
}

impl KeyPool {
    /// Draws a key by weight with `random` in `[0, 1)` among those not cooling at `now_ms`.
    ///
    /// When every key is cooling it still returns one, the key whose cool-down ends first (the
    /// likeliest to work again, and other isolates may have seen it recover), marked `cooling`:
    /// failing the request outright would turn a guess into a certain error. `None` only for an
    /// empty pool, which configuration parsing rules out.
    pub fn choose(&self, now_ms: f64, random: f64) -> Option<KeyChoice<'_>> {
        self.choose_among(now_ms, random, &|_| true)
    }

    /// [`KeyPool::choose`] among the keys whose secret name `allowed` accepts (a virtual key's
    /// `provider_keys`); `None` when it accepts none.
    pub fn choose_among(&self, now_ms: f64, random: f64, allowed: &dyn Fn(&str) -> bool) -> Option<KeyChoice<'_>> {
        let ready = |k: &PoolKey| if k.cooling_until_ms.get() <= now_ms && allowed(&k.secret) { k.weight } else { 0 };
        if let Some(key_id) = weighted::pick(&self.keys, ready, random) {
            return self.keys.get(key_id).map(|k| KeyChoice { key_id, secret: &k.secret, cooling: false });
        }
        let (key_id, key) = self
            .keys
            .iter()
            .enumerate()
            .filter(|(_, k)| allowed(&k.secret))
            .min_by(|(_, a), (_, b)| a.cooling_until_ms.get().total_cmp(&b.cooling_until_ms.get()))?;
        Some(KeyChoice { key_id, secret: &key.secret, cooling: true })
    }

    /// Tells the pool how an attempt with key `key_id` ended, at `now_ms`.
    ///
    /// 429 (rate limited), 401 (key rejected) and 403 (key not allowed) put the key in cool-down
    /// for the configured period, or for a 429's `retry_after` when that is longer (capped at
    /// [`MAX_RETRY_AFTER_COOLDOWN_MS`]); a cool-down is only ever extended. Other statuses change
    /// nothing: a 5xx is the provider's trouble, not the key's, and a success does not end a
    /// cool-down early because a request sent before the 429 may still succeed.
    /// An unknown `key_id` is ignored.
    pub fn report(&self, key_id: usize, status: u16, retry_after: Option<&str>, now_ms: f64) {
        let Some(key) = self.keys.get(key_id) else { return };
        let period = match status {
            429 => {
                let asked = retry_after.and_then(|v| parse_retry_after(v, now_ms)).unwrap_or(0);
                self.cooldown_ms.max(asked.min(MAX_RETRY_AFTER_COOLDOWN_MS))
            }
            401 | 403 => self.cooldown_ms,
            _ => return,
        };
        let until = now_ms + period as f64;
        if until > key.cooling_until_ms.get() {
            key.cooling_until_ms.set(until);
        }
    }

    /// When key `key_id`'s cool-down ends (epoch ms); `None` if not cooling at `now_ms`.
    pub fn cooling_until(&self, key_id: usize, now_ms: f64) -> Option<f64> {
        self.keys.get(key_id).map(|k| k.cooling_until_ms.get()).filter(|until| *until > now_ms)
    }

    pub fn keys(&self) -> &[PoolKey] {
        &self.keys
    }
}

/// Every provider's key pool, parsed once per isolate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyPools(HashMap<&'static str, KeyPool>);

impl KeyPools {
    /// Parses `KEY_POOLS` and `KEY_COOLDOWN_SECONDS`; unset or blank means no pools / 60 s.
    ///
    /// Errors (500, `gateway_misconfigured`), naming the provider and index: not a JSON object,
    /// an unknown provider, an empty pool, an entry without a valid `secret` name, a repeated
    /// secret, a weight outside 1–10000, an unknown field, a cool-down that is not 0–86400.
    pub fn from_vars(key_pools: Option<&str>, cooldown_seconds: Option<&str>) -> Result<KeyPools, GatewayError> {
        let cooldown_ms = match cooldown_seconds.map(str::trim).filter(|s| !s.is_empty()) {
            None => DEFAULT_COOLDOWN_SECONDS * 1000,
            Some(raw) => raw.parse::<u64>().ok().filter(|s| *s <= 86_400).map(|s| s * 1000).ok_or_else(|| {
                misconfigured(format!("KEY_COOLDOWN_SECONDS must be a whole number from 0 to 86400, got {raw:?}"))
            })?,
        };
        let Some(value) = parse_var("KEY_POOLS", key_pools)? else { return Ok(KeyPools::default()) };
        let serde_json::Value::Object(map) = value else {
            return Err(misconfigured("KEY_POOLS must be a JSON object from provider to keys".to_string()));
        };
        let mut pools = HashMap::new();
        for (slug, entries) in &map {
            let path = format!("KEY_POOLS[\"{slug}\"]");
            let provider = provider::find(slug).ok_or_else(|| {
                misconfigured(format!("{path} names unknown provider \"{slug}\"; valid providers: {}", provider::ids()))
            })?;
            let entries = match entries {
                serde_json::Value::Array(entries) if !entries.is_empty() => entries,
                _ => return Err(misconfigured(format!("{path} must be a non-empty JSON array of keys"))),
            };
            let mut keys: Vec<PoolKey> = Vec::new();
            for (i, entry) in entries.iter().enumerate() {
                let path = format!("{path}[{i}]");
                let entry = object(entry, &path, &["secret", "weight"])?;
                let secret =
                    secret_name(entry.get("secret").unwrap_or(&serde_json::Value::Null), &format!("{path}.secret"))?;
                if keys.iter().any(|k| k.secret == secret) {
                    return Err(misconfigured(format!("{path}.secret repeats {secret}")));
                }
                keys.push(PoolKey { secret, weight: weight(entry, &path)?, cooling_until_ms: Cell::new(f64::MIN) });
            }
            pools.insert(provider.id, KeyPool { keys, cooldown_ms });
        }
        Ok(KeyPools(pools))
    }

    /// The pool of a provider slug, if one is configured.
    pub fn get(&self, provider_id: &str) -> Option<&KeyPool> {
        self.0.get(provider_id)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
#[path = "key_pool_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "key_pool_props.rs"]
mod props;
