//! Cache keys: which requests share a cached response, and where it lives in KV.
//!
//! The default key is the hex SHA-256 of these fields, each prefixed by its length (so moving
//! bytes from one field to the next always changes the key): a version tag, the gateway id, the
//! provider slug, the HTTP method, the endpoint (the provider path with its query), the caller's
//! identity, and the request body bytes.
//!
//! The caller's identity is the SHA-256 of the values of the headers in [`IDENTITY_HEADERS`]
//! present on the request, each with its name: two callers with different provider keys never share
//! an entry, and a request without credentials only shares with other requests without them.
//!
//! A custom key (`cf-aig-cache-key`) is hashed with the gateway id only: every caller of the gateway
//! that sends the same custom key gets the same entry, whatever their credentials. That is how
//! responses are deliberately shared across users; a client that sets it takes responsibility for
//! choosing keys that do not leak one user's answer to another.
//!
//! In KV an entry is stored at `v1/{gateway_id}/{hex}` ([`CacheKey::kv_key`]), so one gateway's
//! entries list by the prefix `v1/{gateway_id}/`. Gateway ids are `[A-Za-z0-9_-]` (see
//! [`crate::route::parse`]), so no gateway's prefix is another's.

use sha2::{Digest, Sha256};

use crate::headers::Headers;

/// Request headers that identify the caller to the provider, in the order they are hashed: every
/// provider key header of the provider table, plus `cf-aig-authorization` (the gateway token that
/// stands for the caller when the gateway holds the provider keys).
pub const IDENTITY_HEADERS: &[&str] =
    &["authorization", "x-api-key", "x-goog-api-key", "api-key", "xi-api-key", "cf-aig-authorization"];

/// Tags the hashed layout, so that changing it changes every key instead of misreading old ones.
const DEFAULT_TAG: &[u8] = b"aig-cache/v1/default";
const CUSTOM_TAG: &[u8] = b"aig-cache/v1/custom";

/// What the default key is computed from; all of it is known before the upstream call.
#[derive(Debug, Clone, Copy)]
pub struct KeyInput<'a> {
    /// The gateway id from the URL (`[A-Za-z0-9_-]`, checked by the router).
    pub gateway_id: &'a str,
    /// The provider slug from the gateway path, e.g. `openai`.
    pub provider: &'a str,
    /// The HTTP method, upper-case.
    pub method: &'a str,
    /// The provider path with its query, e.g. `/v1/chat/completions?x=1`.
    pub endpoint: &'a str,
    /// The client's request headers (only [`IDENTITY_HEADERS`] are read).
    pub headers: &'a Headers,
    /// The request body exactly as it will be forwarded.
    pub body: &'a [u8],
}

/// A computed cache key: the gateway it belongs to and the 64-hex-digit hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    gateway_id: String,
    hash: String,
}

impl CacheKey {
    /// The default key of a request (see the module doc for the fields).
    pub fn default_for(input: &KeyInput<'_>) -> CacheKey {
        let mut hasher = Sha256::new();
        for field in [
            DEFAULT_TAG,
            input.gateway_id.as_bytes(),
            input.provider.as_bytes(),
            input.method.as_bytes(),
            input.endpoint.as_bytes(),
            &identity_digest(input.headers),
            input.body,
        ] {
            hash_field(&mut hasher, field);
        }
        CacheKey { gateway_id: input.gateway_id.to_string(), hash: to_hex(&hasher.finalize()) }
    }

    /// The key named by a client's `cf-aig-cache-key`: shared by every caller of the gateway.
    pub fn custom(gateway_id: &str, custom_key: &str) -> CacheKey {
        let mut hasher = Sha256::new();
        for field in [CUSTOM_TAG, gateway_id.as_bytes(), custom_key.as_bytes()] {
            hash_field(&mut hasher, field);
        }
        CacheKey { gateway_id: gateway_id.to_string(), hash: to_hex(&hasher.finalize()) }
    }

    /// Reads back a KV key of the form `v1/{gateway_id}/{64 lower-case hex}` that belongs to
    /// `gateway_id`; `None` for anything else (another gateway's key, the log index, garbage).
    pub fn from_kv_key(gateway_id: &str, kv_key: &str) -> Option<CacheKey> {
        let hash = kv_key.strip_prefix(&gateway_prefix(gateway_id))?;
        let is_hex = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        is_hex.then(|| CacheKey { gateway_id: gateway_id.to_string(), hash: hash.to_string() })
    }

    /// Where the entry is stored in KV: `v1/{gateway_id}/{hash}`. At most 68 bytes plus the
    /// gateway id's length, well under KV's 512-byte key limit for any reasonable gateway id.
    pub fn kv_key(&self) -> String {
        format!("{}{}", gateway_prefix(&self.gateway_id), self.hash)
    }

    /// The gateway the key belongs to.
    pub fn gateway_id(&self) -> &str {
        &self.gateway_id
    }

    /// The 64-hex-digit SHA-256; also the name of the coalescing Durable Object of this key.
    pub fn hash(&self) -> &str {
        &self.hash
    }
}

/// The prefix under which all of a gateway's keys (entries and log index) live: `v1/{gateway_id}/`.
pub fn gateway_prefix(gateway_id: &str) -> String {
    format!("v1/{gateway_id}/")
}

/// The KV key of the log-id index entry: `v1/{gateway_id}/log/{log_id}`, whose value is the KV key
/// of the entry that log produced. Used by purge-by-log-id.
pub fn log_index_key(gateway_id: &str, log_id: &str) -> String {
    format!("{}log/{log_id}", gateway_prefix(gateway_id))
}

/// SHA-256 over the identity headers present, as length-prefixed (name, value) pairs.
fn identity_digest(headers: &Headers) -> Vec<u8> {
    let mut hasher = Sha256::new();
    for name in IDENTITY_HEADERS {
        for (_, value) in headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)) {
            hash_field(&mut hasher, name.as_bytes());
            hash_field(&mut hasher, value.as_bytes());
        }
    }
    hasher.finalize().to_vec()
}

fn hash_field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
#[path = "key_tests.rs"]
mod tests;
