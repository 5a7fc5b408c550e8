//! The storage port, an in-memory implementation of it, and the lookup and store steps that never
//! fail a request.
//!
//! The Worker implements [`CacheStore`] over its `CACHE` KV namespace (`get` as bytes, `put` with
//! `expirationTtl`, `delete`, `list` with `prefix` and `cursor`). [`MemoryCacheStore`] is a
//! complete implementation for tests and for embedding the core elsewhere.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ops::Bound;

use async_trait::async_trait;

use crate::error::GatewayError;

use super::entry::CacheEntry;
use super::key::{log_index_key, CacheKey};
use super::options::{CacheDecision, MIN_TTL_S};

/// KV's longest key, in bytes.
pub const KV_MAX_KEY_BYTES: usize = 512;

/// A key-value store with expiry, shaped like Workers KV.
#[async_trait(?Send)]
pub trait CacheStore {
    /// The value at `key`; `None` when absent or expired.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, GatewayError>;
    /// Writes `value` at `key`, to expire after `ttl_s` seconds.
    async fn put(&self, key: &str, value: &[u8], ttl_s: u64) -> Result<(), GatewayError>;
    /// Removes `key`; removing an absent key succeeds.
    async fn delete(&self, key: &str) -> Result<(), GatewayError>;
    /// One page of the keys starting with `prefix`, in key order, and the cursor of the next page
    /// (`None` on the last page). Pass `None` for the first page.
    async fn list(&self, prefix: &str, cursor: Option<String>) -> Result<(Vec<String>, Option<String>), GatewayError>;
}

/// A stored value and the clock reading (ms) at which it expires, if ever.
type Slot = (Vec<u8>, Option<f64>);

/// A working in-memory [`CacheStore`] whose expiry reads an injected clock (ms).
pub struct MemoryCacheStore {
    entries: RefCell<BTreeMap<String, Slot>>,
    clock: Box<dyn Fn() -> f64>,
    page_size: usize,
}

impl MemoryCacheStore {
    /// An empty store on `clock` (milliseconds), listing up to 1000 keys per page as KV does.
    pub fn new(clock: impl Fn() -> f64 + 'static) -> Self {
        MemoryCacheStore { entries: RefCell::new(BTreeMap::new()), clock: Box::new(clock), page_size: 1000 }
    }

    /// Sets how many keys one `list` call returns (at least 1).
    pub fn with_page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    fn live(&self, expires_at: Option<f64>) -> bool {
        expires_at.is_none_or(|at| (self.clock)() < at)
    }
}

#[async_trait(?Send)]
impl CacheStore for MemoryCacheStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, GatewayError> {
        let entries = self.entries.borrow();
        Ok(entries.get(key).filter(|(_, exp)| self.live(*exp)).map(|(v, _)| v.clone()))
    }

    /// `ttl_s` 0 means the value never expires (KV itself requires at least 60).
    async fn put(&self, key: &str, value: &[u8], ttl_s: u64) -> Result<(), GatewayError> {
        let expires_at = (ttl_s > 0).then(|| (self.clock)() + ttl_s as f64 * 1000.0);
        self.entries.borrow_mut().insert(key.to_string(), (value.to_vec(), expires_at));
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), GatewayError> {
        self.entries.borrow_mut().remove(key);
        Ok(())
    }

    /// The cursor is the last key of the page; keys after it are listed next.
    async fn list(&self, prefix: &str, cursor: Option<String>) -> Result<(Vec<String>, Option<String>), GatewayError> {
        let now = (self.clock)();
        let mut entries = self.entries.borrow_mut();
        entries.retain(|_, (_, exp)| exp.is_none_or(|at| now < at));
        let lower = match cursor {
            Some(after) => Bound::Excluded(after),
            None => Bound::Included(prefix.to_string()),
        };
        let mut keys: Vec<String> = entries
            .range::<String, _>((lower, Bound::Unbounded))
            .map(|(k, _)| k)
            .skip_while(|k| k.as_str() < prefix)
            .take_while(|k| k.starts_with(prefix))
            .take(self.page_size + 1)
            .cloned()
            .collect();
        let more = keys.len() > self.page_size;
        keys.truncate(self.page_size);
        let next = if more { keys.last().cloned() } else { None };
        Ok((keys, next))
    }
}

/// What the cache lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The decision was Off or Bypass: the store was not read.
    Skip,
    /// Serve this entry (see [`CacheEntry::hit_headers`] and [`super::replay`]).
    Hit {
        /// The stored response.
        entry: CacheEntry,
    },
    /// Nothing usable: go upstream and store the response.
    Miss,
    /// A miss, because the store failed or held an unreadable value; the message is for the log.
    Error(String),
}

/// Looks the request up, after [`super::options::decide`] and before the upstream call. Never
/// fails: a store error or a value that does not decode is [`Lookup::Error`], served as a miss.
/// An entry older than this request's TTL, or than the TTL it was stored with, is a miss too (a
/// request asking for fresher answers than the gateway's TTL gets them).
pub async fn lookup(store: &dyn CacheStore, decision: &CacheDecision, now_ms: f64) -> Lookup {
    let CacheDecision::Use { key, ttl_s } = decision else { return Lookup::Skip };
    let kv_key = key.kv_key();
    match store.get(&kv_key).await {
        Err(e) => Lookup::Error(format!("cache read of {kv_key} failed: {}", e.message())),
        Ok(None) => Lookup::Miss,
        Ok(Some(value)) => match CacheEntry::decode(&value) {
            Err(e) => Lookup::Error(format!("cache entry {kv_key} is unreadable: {}", e.0)),
            Ok(entry) if !entry.is_fresh(now_ms, *ttl_s) => Lookup::Miss,
            Ok(entry) => Lookup::Hit { entry },
        },
    }
}

/// What storing an entry did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreOutcome {
    /// The entry (and its log-id index, if it has a log id) were written.
    Stored,
    /// The encoded entry is larger than KV's 25 MiB value limit: not cached.
    TooLarge,
    /// A write failed; the message is for the log. The response was already served.
    Error(String),
}

/// Encodes `entry` and writes it as [`store_encoded`] does; `TooLarge` past KV's value limit.
/// For tests: the pipeline encodes the entry itself, to drop the response's bytes first.
#[cfg(test)]
pub async fn store(store: &dyn CacheStore, key: &CacheKey, entry: &CacheEntry, ttl_s: u64) -> StoreOutcome {
    let Some(value) = entry.encode(super::entry::KV_MAX_VALUE_BYTES) else { return StoreOutcome::TooLarge };
    store_encoded(store, key, &value, entry.log_id.as_deref(), ttl_s).await
}

/// Writes `value`, an encoded entry (`CacheEntry::encode`), at `key` for `ttl_s` seconds (at least
/// KV's 60), then, when the entry has a `log_id`, the index `v1/{gateway}/log/{log_id}` → the
/// entry's KV key with the same TTL. Runs after the response was sent (in `waitUntil`); never
/// fails the request. A log id that would make the index key longer than KV's 512 bytes is not
/// indexed (reported as an error). Taking the encoding rather than the entry lets the caller drop
/// the entry first, so that a large response is not held twice while it is written.
pub async fn store_encoded(
    store: &dyn CacheStore,
    key: &CacheKey,
    value: &[u8],
    log_id: Option<&str>,
    ttl_s: u64,
) -> StoreOutcome {
    let ttl_s = ttl_s.max(MIN_TTL_S);
    let kv_key = key.kv_key();
    if let Err(e) = store.put(&kv_key, value, ttl_s).await {
        return StoreOutcome::Error(format!("cache write of {kv_key} failed: {}", e.message()));
    }
    let Some(log_id) = log_id.filter(|id| !id.is_empty()) else { return StoreOutcome::Stored };
    let index_key = log_index_key(key.gateway_id(), log_id);
    if index_key.len() > KV_MAX_KEY_BYTES {
        return StoreOutcome::Error(format!("log id is too long to index for purge ({} bytes)", log_id.len()));
    }
    match store.put(&index_key, kv_key.as_bytes(), ttl_s).await {
        Ok(()) => StoreOutcome::Stored,
        Err(e) => StoreOutcome::Error(format!("cache log index write of {index_key} failed: {}", e.message())),
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
pub(crate) mod tests;
