//! The isolate's memory tier in front of KV: recent KV reads, kept for a few seconds.
//!
//! Under Miniflare a KV read costs more CPU than a whole proxied request, and in production a
//! read that misses KV's own edge cache takes tens of milliseconds. [`HotCache`] keeps the values
//! that KV returned, in the isolate's memory, bounded in bytes (least recently used first out) and
//! in age (`CACHE_MEMORY_SECONDS`). [`TieredStore`] puts it in front of any [`CacheStore`]:
//!
//! - `get` answers from memory, else reads the backing store and keeps what it returned;
//! - `put` writes the backing store and forgets the memory copy (the next read fetches the new
//!   value: memory only ever holds what the backing store returned);
//! - `delete` forgets the memory copy and deletes from the backing store, so a purge is seen at
//!   once by the isolate that ran it;
//! - `list` goes to the backing store.
//!
//! The cost: another isolate (or location) that holds a copy keeps serving it for up to
//! `CACHE_MEMORY_SECONDS` after a purge. KV itself gives the same kind of guarantee (a deleted
//! value can be read elsewhere for up to 60 s, its cache of reads). Entry TTLs are not stretched:
//! [`super::store::lookup`] checks every entry's age, wherever it was read from.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use async_trait::async_trait;

use crate::error::{ErrorKind, GatewayError};

use super::store::CacheStore;

/// The memory tier's default size: `CACHE_MEMORY_MIB`.
pub const DEFAULT_MEMORY_MIB: usize = 8;
/// The largest `CACHE_MEMORY_MIB`: an isolate has 128 MB for everything.
pub const MAX_MEMORY_MIB: usize = 64;
/// The default of `CACHE_MEMORY_SECONDS`.
pub const DEFAULT_MEMORY_SECONDS: u64 = 30;
/// The largest `CACHE_MEMORY_SECONDS`: KV's own read cache keeps a value up to 60 s.
pub const MAX_MEMORY_SECONDS: u64 = 60;
/// The largest value kept in memory; larger ones are read from KV every time.
pub const MAX_VALUE_BYTES: usize = 1024 * 1024;

/// How much the memory tier may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HotLimits {
    /// Bytes of keys and values together; 0 turns the tier off.
    pub max_bytes: usize,
    /// The largest single key + value kept; larger values are read from KV every time.
    pub max_value_bytes: usize,
    /// How long a copy is served before KV is read again, in milliseconds; 0 turns the tier off.
    pub max_age_ms: u64,
}

impl Default for HotLimits {
    fn default() -> Self {
        HotLimits {
            max_bytes: DEFAULT_MEMORY_MIB * 1024 * 1024,
            max_value_bytes: MAX_VALUE_BYTES,
            max_age_ms: DEFAULT_MEMORY_SECONDS * 1000,
        }
    }
}

impl HotLimits {
    /// Parses `CACHE_MEMORY_MIB` (0 ..= 64, default 8) and `CACHE_MEMORY_SECONDS` (0 ..= 60,
    /// default 30); either at 0 turns the memory tier off. `None` or empty when unset.
    ///
    /// Errors (500, `gateway_misconfigured`): a value that is not a whole number in its range.
    pub fn from_vars(mib: Option<&str>, seconds: Option<&str>) -> Result<Self, GatewayError> {
        let mut limits = HotLimits::default();
        if let Some(raw) = mib.map(str::trim).filter(|s| !s.is_empty()) {
            let mib = raw.parse::<usize>().ok().filter(|m| *m <= MAX_MEMORY_MIB).ok_or_else(|| {
                misconfigured(format!(
                    "CACHE_MEMORY_MIB must be a whole number from 0 to {MAX_MEMORY_MIB}, got {raw:?}"
                ))
            })?;
            limits.max_bytes = mib * 1024 * 1024;
        }
        if let Some(raw) = seconds.map(str::trim).filter(|s| !s.is_empty()) {
            let s = raw.parse::<u64>().ok().filter(|s| *s <= MAX_MEMORY_SECONDS).ok_or_else(|| {
                misconfigured(format!(
                    "CACHE_MEMORY_SECONDS must be a whole number from 0 to {MAX_MEMORY_SECONDS}, got {raw:?}"
                ))
            })?;
            limits.max_age_ms = s * 1000;
        }
        Ok(limits)
    }
}

fn misconfigured(message: String) -> GatewayError {
    GatewayError::new(ErrorKind::Misconfigured, message)
}

struct Slot {
    value: Rc<[u8]>,
    /// The clock reading (ms) after which the copy is not served.
    until_ms: f64,
    /// Position in the recency order: larger is more recent.
    used: u64,
}

#[derive(Default)]
struct HotState {
    slots: HashMap<String, Slot>,
    /// `used` → key, oldest first: what to drop when over budget.
    recency: BTreeMap<u64, String>,
    bytes: usize,
    next_use: u64,
}

impl HotState {
    fn remove(&mut self, key: &str) -> Option<Slot> {
        let slot = self.slots.remove(key)?;
        self.recency.remove(&slot.used);
        self.bytes -= key.len() + slot.value.len();
        Some(slot)
    }

    fn touch(&mut self) -> u64 {
        self.next_use += 1;
        self.next_use
    }
}

/// Recently read cache values, in one isolate's memory. Single-threaded, like the isolate.
pub struct HotCache {
    limits: HotLimits,
    clock: Box<dyn Fn() -> f64>,
    state: RefCell<HotState>,
}

impl HotCache {
    /// An empty tier with `limits`, on `clock` (milliseconds).
    pub fn new(limits: HotLimits, clock: impl Fn() -> f64 + 'static) -> Self {
        HotCache { limits, clock: Box::new(clock), state: RefCell::new(HotState::default()) }
    }

    /// Whether the tier keeps anything at all.
    pub fn enabled(&self) -> bool {
        self.limits.max_bytes > 0 && self.limits.max_age_ms > 0
    }

    /// The copy at `key`, unless it is older than the tier's age limit.
    pub fn get(&self, key: &str) -> Option<Rc<[u8]>> {
        let now = (self.clock)();
        let mut state = self.state.borrow_mut();
        let state = &mut *state;
        if now >= state.slots.get(key)?.until_ms {
            state.remove(key);
            return None;
        }
        let used = state.touch();
        let slot = state.slots.get_mut(key)?;
        state.recency.remove(&std::mem::replace(&mut slot.used, used));
        state.recency.insert(used, key.to_string());
        Some(Rc::clone(&slot.value))
    }

    /// Keeps `value` at `key` for the tier's age limit, dropping the least recently used copies
    /// until the total fits. A value over the per-value limit is not kept.
    pub fn insert(&self, key: &str, value: &[u8]) {
        let size = key.len() + value.len();
        if !self.enabled() || size > self.limits.max_value_bytes || size > self.limits.max_bytes {
            return;
        }
        let until_ms = (self.clock)() + self.limits.max_age_ms as f64;
        let mut state = self.state.borrow_mut();
        state.remove(key);
        while state.bytes + size > self.limits.max_bytes {
            let Some((_, oldest)) = state.recency.pop_first() else { break };
            if let Some(slot) = state.slots.remove(&oldest) {
                state.bytes -= oldest.len() + slot.value.len();
            }
        }
        let used = state.touch();
        state.recency.insert(used, key.to_string());
        state.slots.insert(key.to_string(), Slot { value: value.into(), until_ms, used });
        state.bytes += size;
    }

    /// Forgets the copy at `key`, if any.
    pub fn remove(&self, key: &str) {
        self.state.borrow_mut().remove(key);
    }

    /// Bytes held (keys and values).
    pub fn bytes(&self) -> usize {
        self.state.borrow().bytes
    }

    /// Copies held.
    pub fn len(&self) -> usize {
        self.state.borrow().slots.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A [`CacheStore`] that answers reads from a [`HotCache`] before its backing store.
pub struct TieredStore {
    hot: Rc<HotCache>,
    backing: Rc<dyn CacheStore>,
}

impl TieredStore {
    /// `backing` (KV) behind `hot` (the isolate's memory tier).
    pub fn new(hot: Rc<HotCache>, backing: Rc<dyn CacheStore>) -> Self {
        TieredStore { hot, backing }
    }
}

#[async_trait(?Send)]
impl CacheStore for TieredStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, GatewayError> {
        if let Some(value) = self.hot.get(key) {
            return Ok(Some(value.to_vec()));
        }
        let value = self.backing.get(key).await?;
        if let Some(value) = &value {
            self.hot.insert(key, value);
        }
        Ok(value)
    }

    async fn put(&self, key: &str, value: &[u8], ttl_s: u64) -> Result<(), GatewayError> {
        self.hot.remove(key);
        self.backing.put(key, value, ttl_s).await
    }

    async fn delete(&self, key: &str) -> Result<(), GatewayError> {
        self.hot.remove(key);
        self.backing.delete(key).await
    }

    async fn list(&self, prefix: &str, cursor: Option<String>) -> Result<(Vec<String>, Option<String>), GatewayError> {
        self.backing.list(prefix, cursor).await
    }
}

#[cfg(test)]
#[path = "hot_tests.rs"]
mod tests;
