//! Turning a presented virtual key into a usable key record: hash, look up (in the isolate's
//! memory first, then the store), check revocation and expiry.
//!
//! The lookup is by the hash of what the client sent, an equality lookup in a hash map and an
//! SQLite index. Its timing can at most tell an attacker about bits of a SHA-256 output, which
//! says nothing about a secret that would produce it; the hash itself is never compared
//! byte by byte against a secret.

use std::rc::Rc;

use crate::error::GatewayError;

use super::fresh::{ReadThrough, KEY_FRESH_MS};
use super::keys::{unknown_key, VirtualKey};
use super::secret::KeyHash;
use super::store::ControlStore;

/// The keys an isolate remembers, by hash, for [`KEY_FRESH_MS`] (absences included).
#[derive(Debug)]
pub struct KeyCache(ReadThrough<KeyHash, Option<Rc<VirtualKey>>>);

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache(ReadThrough::new(KEY_FRESH_MS))
    }
}

/// The usable key whose secret is `presented`, at `now_ms`. Makes no store call while the
/// isolate's answer for this secret is fresh, one otherwise.
///
/// Errors: 401 for an unknown, revoked or expired key; the store's error (500) when it could not
/// be read (never a fallback to "no key", which would let a revoked key through).
pub async fn verify_key(
    store: &dyn ControlStore,
    cache: &KeyCache,
    presented: &str,
    pepper: &[u8],
    now_ms: i64,
) -> Result<Rc<VirtualKey>, GatewayError> {
    let hash = KeyHash::of(presented, pepper);
    let load = async { store.find_key(&hash).await.map(|found| found.map(Rc::new)) };
    let key = cache.0.get_or_load(hash, now_ms, load).await?.ok_or_else(unknown_key)?;
    key.check_usable(now_ms)?;
    Ok(key)
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
