//! What an isolate remembers of the control store, and for how long.
//!
//! The bounds are the promises: a revoked key stops working within
//! [`KEY_FRESH_MS`] on every isolate, and a gateway setting change applies within
//! [`GATEWAY_FRESH_MS`]. An entry is used while younger than its bound and then read again; the
//! store's answer is remembered whether it found something or not, so a burst of requests with
//! the same unknown key costs one read. Expiry needs no bound: it is checked on every request
//! against the remembered `expires_at`.
//!
//! The map is bounded ([`FreshMap::new`]'s capacity): when full, expired entries go first, then
//! the oldest, so that a client spraying random keys cannot grow an isolate's memory.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;

use crate::error::GatewayError;

/// How long a remembered virtual key (or its absence) is used, in ms.
pub const KEY_FRESH_MS: u64 = 5_000;
/// How long a remembered gateway's settings (or their absence) are used, in ms.
pub const GATEWAY_FRESH_MS: u64 = 10_000;
/// Entries an isolate keeps per map by default.
pub const DEFAULT_CAPACITY: usize = 1024;

/// A bounded map whose entries are used for `fresh_ms` after they were stored.
#[derive(Debug)]
pub struct FreshMap<K, V> {
    entries: HashMap<K, (V, u64)>,
    fresh_ms: u64,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V> FreshMap<K, V> {
    /// An empty map keeping at most `capacity` (at least 1) entries, each for `fresh_ms`.
    pub fn new(fresh_ms: u64, capacity: usize) -> Self {
        FreshMap { entries: HashMap::new(), fresh_ms, capacity: capacity.max(1) }
    }

    /// The value stored for `key` if it was stored less than `fresh_ms` before `now_ms`. A clock
    /// that went backwards makes the entry stale rather than fresh for longer.
    pub fn get(&self, key: &K, now_ms: u64) -> Option<&V> {
        self.entries.get(key).filter(|(_, at)| is_fresh(*at, now_ms, self.fresh_ms)).map(|(value, _)| value)
    }

    /// Stores `value` for `key` as read at `now_ms`, making room first when full.
    pub fn insert(&mut self, key: K, value: V, now_ms: u64) {
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            let fresh_ms = self.fresh_ms;
            self.entries.retain(|_, (_, at)| is_fresh(*at, now_ms, fresh_ms));
            if self.entries.len() >= self.capacity {
                let oldest = self.entries.iter().min_by_key(|(_, (_, at))| *at).map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    self.entries.remove(&oldest);
                }
            }
        }
        self.entries.insert(key, (value, now_ms));
    }

    /// Forgets `key` (after this isolate changed it through the admin API).
    pub fn remove(&mut self, key: &K) {
        self.entries.remove(key);
    }

    /// How many entries are held, fresh or not.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Whether an entry stored at `at` is still used at `now_ms` (a clock that went backwards makes it
/// stale).
fn is_fresh(at: u64, now_ms: u64, fresh_ms: u64) -> bool {
    now_ms >= at && now_ms - at < fresh_ms
}

/// A [`FreshMap`] in front of the store: an answer (absences included) is read from memory while
/// fresh, and loaded and remembered otherwise. What the key and gateway lookups share.
#[derive(Debug)]
pub struct ReadThrough<K, V> {
    map: RefCell<FreshMap<K, V>>,
}

impl<K: Eq + Hash + Clone, V: Clone> ReadThrough<K, V> {
    /// An empty memory keeping up to [`DEFAULT_CAPACITY`] answers for `fresh_ms` each.
    pub fn new(fresh_ms: u64) -> Self {
        ReadThrough { map: RefCell::new(FreshMap::new(fresh_ms, DEFAULT_CAPACITY)) }
    }

    /// The answer for `key` at `now_ms`: remembered while fresh, else `load`ed (one store call) and
    /// remembered.
    ///
    /// Errors: `load`'s error, which is not remembered (the next request reads the store again).
    pub async fn get_or_load<F>(&self, key: K, now_ms: i64, load: F) -> Result<V, GatewayError>
    where
        F: Future<Output = Result<V, GatewayError>>,
    {
        let clock = u64::try_from(now_ms).unwrap_or(0);
        if let Some(found) = self.map.borrow().get(&key, clock).cloned() {
            return Ok(found);
        }
        let found = load.await?;
        self.map.borrow_mut().insert(key, found.clone(), clock);
        Ok(found)
    }
}

#[cfg(test)]
#[path = "fresh_tests.rs"]
mod tests;
