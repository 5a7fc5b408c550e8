//! Cache keys: which requests share a cached response, and where it lives in KV.
//!
//! The default key is the hex SHA-256 of these fields, each prefixed by its length (so moving
//! bytes from one field to the next always changes the key): a version tag, the gateway id, the
//! provider slug, the HTTP method, the endpoint (the provider path with its query), the caller's
//! identity, the answer-shaping headers, and the request body bytes.
//!
//! The caller's identity is the SHA-256 of the values of the headers in [`identity_headers`]
//! present on the request, each with its name: two callers with different provider keys never share
//! an entry, and a request without credentials only shares with other requests without them.
//!
//! The answer-shaping headers are those that change the provider's answer to the same body
//! (`anthropic-version`, `openai-beta`, ...: [`answer_headers_of`] the provider), in a canonical
//! form (see [`answer_headers_of`]): two requests that differ there never share an entry.
//!
//! A custom key (`cf-aig-cache-key`) replaces the caller's identity, the answer-shaping headers and
//! the body: every caller of the gateway that sends the same custom key gets the same entry, whatever
//! their credentials. That is how responses are deliberately shared across users; a client that sets
//! it takes responsibility for choosing keys that do not leak one user's answer to another. Its
//! [`CustomKeyScope`] says how far it is shared: by default only by requests of the same method to
//! the same provider and endpoint (a chat answer is never served to an embeddings call), or across
//! the whole gateway when the client asks for it.
//!
//! In KV a default-key entry is stored at `v1/{gateway_id}/{hex}`, and a custom-key entry at
//! `v1/{gateway_id}/key/{hex of the custom key}/{hex}` ([`CacheKey::kv_key`]), so that the
//! entries of one custom key, at every scope, list by one prefix ([`custom_key_prefix`]) and purge
//! together. One gateway's entries list by the prefix `v1/{gateway_id}/`. Gateway ids are
//! `[A-Za-z0-9_-]` (see [`crate::route::parse`]), so no gateway's prefix is another's.
//!
//! Changing what a key covers changes the version tags, so old entries are never misread: they are
//! no longer found and expire with their TTL.

use sha2::{Digest, Sha256};

use crate::headers::Headers;
use crate::keys::{CREDENTIAL_HEADERS, GATEWAY_AUTH_HEADER};

/// Request headers that identify the caller to the provider, in the order they are hashed: every
/// provider key header ([`crate::keys::CREDENTIAL_HEADERS`], which the provider table is held
/// to), plus `cf-aig-authorization` (the gateway token or virtual key that stands for the caller
/// when the gateway holds the provider keys). Derived, so the two lists cannot drift apart.
pub fn identity_headers() -> impl Iterator<Item = &'static str> {
    CREDENTIAL_HEADERS.iter().copied().chain(std::iter::once(GATEWAY_AUTH_HEADER))
}

/// Tags the hashed layout, so that changing it changes every key instead of misreading old ones.
/// v2: the default key covers the answer-shaping headers; a custom key is scoped.
const DEFAULT_TAG: &[u8] = b"aig-cache/v2/default";
const CUSTOM_TAG: &[u8] = b"aig-cache/v2/custom";
/// Tags the hash of a custom key alone, which names the KV folder of its entries.
const CUSTOM_FOLDER_TAG: &[u8] = b"aig-cache/v2/custom-key";

/// How widely the entry of a custom key (`cf-aig-cache-key`) is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CustomKeyScope {
    /// Shared by requests with the same method, provider and endpoint (the default): the same
    /// custom key on another endpoint, provider or method is another entry.
    #[default]
    Endpoint,
    /// Shared by every request of the gateway that sends the key, whatever its method, provider
    /// and endpoint (Cloudflare's reading of a custom key); asked for with
    /// `cf-aig-cache-key-scope: gateway`.
    Gateway,
}

/// What the default key is computed from; all of it is known before the upstream call.
#[derive(Debug, Clone, Copy)]
pub struct KeyInput<'a> {
    /// The gateway id from the URL (`[A-Za-z0-9_-]`, checked by the router).
    pub gateway_id: &'a str,
    /// The provider slug from the gateway path, e.g. `openai`; `compat` or `universal` for the
    /// endpoints whose requests may reach any provider.
    pub provider: &'a str,
    /// The HTTP method, upper-case.
    pub method: &'a str,
    /// The provider path with its query, e.g. `/v1/chat/completions?x=1`.
    pub endpoint: &'a str,
    /// The client's request headers (only [`identity_headers`] and the answer-shaping headers of
    /// [`answer_headers_of`] are read).
    pub headers: &'a Headers,
    /// The request body exactly as it will be forwarded.
    pub body: &'a [u8],
}

/// A computed cache key: the gateway it belongs to, the 64-hex-digit hash, and for a custom key
/// the hash of the custom key alone (its KV folder).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    gateway_id: String,
    hash: String,
    folder: Option<String>,
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
            &answer_digest(input.headers, &answer_headers_of(input.provider)),
            input.body,
        ] {
            hash_field(&mut hasher, field);
        }
        CacheKey { gateway_id: input.gateway_id.to_string(), hash: to_hex(&hasher.finalize()), folder: None }
    }

    /// The key named by a client's `cf-aig-cache-key`, shared by every caller of the gateway
    /// within `scope`. Of `input`, only the gateway id and, for [`CustomKeyScope::Endpoint`], the
    /// method, provider and endpoint are read.
    pub fn custom(input: &KeyInput<'_>, custom_key: &str, scope: CustomKeyScope) -> CacheKey {
        let mut hasher = Sha256::new();
        for field in [CUSTOM_TAG, input.gateway_id.as_bytes(), custom_key.as_bytes()] {
            hash_field(&mut hasher, field);
        }
        match scope {
            CustomKeyScope::Endpoint => {
                for field in
                    [&b"endpoint"[..], input.method.as_bytes(), input.provider.as_bytes(), input.endpoint.as_bytes()]
                {
                    hash_field(&mut hasher, field);
                }
            }
            CustomKeyScope::Gateway => hash_field(&mut hasher, b"gateway"),
        }
        CacheKey {
            gateway_id: input.gateway_id.to_string(),
            hash: to_hex(&hasher.finalize()),
            folder: Some(custom_key_folder(input.gateway_id, custom_key)),
        }
    }

    /// Reads back a KV key of this gateway: `v1/{gateway_id}/{64 hex}` or
    /// `v1/{gateway_id}/key/{64 hex}/{64 hex}` (lower-case hex); `None` for anything else
    /// (another gateway's key, the log index, garbage).
    pub fn from_kv_key(gateway_id: &str, kv_key: &str) -> Option<CacheKey> {
        let rest = kv_key.strip_prefix(&gateway_prefix(gateway_id))?;
        let (folder, hash) = match rest.strip_prefix(CUSTOM_FOLDER) {
            Some(custom) => custom.split_once('/').map(|(folder, hash)| (Some(folder), hash))?,
            None => (None, rest),
        };
        let valid = is_hash(hash) && folder.is_none_or(is_hash);
        valid.then(|| CacheKey {
            gateway_id: gateway_id.to_string(),
            hash: hash.to_string(),
            folder: folder.map(str::to_string),
        })
    }

    /// Where the entry is stored in KV: `v1/{gateway_id}/{hash}` for a default key,
    /// `v1/{gateway_id}/key/{custom key hash}/{hash}` for a custom one. At most 137 bytes plus
    /// the gateway id's length, well under KV's 512-byte key limit for any reasonable gateway id.
    pub fn kv_key(&self) -> String {
        match &self.folder {
            Some(folder) => format!("{}{CUSTOM_FOLDER}{folder}/{}", gateway_prefix(&self.gateway_id), self.hash),
            None => format!("{}{}", gateway_prefix(&self.gateway_id), self.hash),
        }
    }

    /// The gateway the key belongs to.
    pub fn gateway_id(&self) -> &str {
        &self.gateway_id
    }

    /// The 64-hex-digit SHA-256; also the name of the coalescing Durable Object of this key.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// Whether the key is a client's `cf-aig-cache-key` (whose entries the semantic cache leaves
    /// alone: the client chose what they are shared by).
    pub fn is_custom(&self) -> bool {
        self.folder.is_some()
    }
}

/// The prefix under which all of a gateway's keys (entries and log index) live: `v1/{gateway_id}/`.
pub fn gateway_prefix(gateway_id: &str) -> String {
    format!("v1/{gateway_id}/")
}

/// The KV folder of a custom key's entries under the gateway prefix.
const CUSTOM_FOLDER: &str = "key/";

/// The prefix under which every entry of one custom key lives, whatever its scope:
/// `v1/{gateway_id}/key/{64 hex}/`. Used by purge-by-key.
pub fn custom_key_prefix(gateway_id: &str, custom_key: &str) -> String {
    format!("{}{CUSTOM_FOLDER}{}/", gateway_prefix(gateway_id), custom_key_folder(gateway_id, custom_key))
}

/// The KV key of the log-id index entry: `v1/{gateway_id}/log/{log_id}`, whose value is the KV key
/// of the entry that log produced. Used by purge-by-log-id.
pub fn log_index_key(gateway_id: &str, log_id: &str) -> String {
    format!("{}log/{log_id}", gateway_prefix(gateway_id))
}

/// SHA-256 over the identity headers present, as length-prefixed (name, value) pairs.
pub(crate) fn identity_digest(headers: &Headers) -> Vec<u8> {
    let mut hasher = Sha256::new();
    for name in identity_headers() {
        for (_, value) in headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)) {
            hash_field(&mut hasher, name.as_bytes());
            hash_field(&mut hasher, value.as_bytes());
        }
    }
    hasher.finalize().to_vec()
}

/// The request headers whose values the default key of a request to `provider` covers: the
/// provider's [`crate::provider::Provider::answer_headers`], or every provider's
/// ([`crate::provider::all_answer_headers`]) for a slug outside the table (`compat`,
/// `universal`), whose requests may reach any provider. Sorted, each once.
///
/// They are hashed in a canonical form: for each name, its values trimmed, empty ones dropped,
/// repeated headers joined with `", "` in order (as HTTP folds them); a name with no value is left
/// out, so an empty header counts as none. Values are otherwise compared as sent.
pub fn answer_headers_of(provider: &str) -> Vec<&'static str> {
    match crate::provider::find(provider) {
        Some(p) => {
            let mut names = p.answer_headers.to_vec();
            names.sort_unstable();
            names.dedup();
            names
        }
        None => crate::provider::all_answer_headers(),
    }
}

/// SHA-256 over the answer-shaping headers present, in the canonical form of
/// [`answer_headers_of`], as length-prefixed (name, value) pairs. `names` are lower-case, sorted,
/// each once.
pub(crate) fn answer_digest(headers: &Headers, names: &[&str]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    for name in names {
        let values: Vec<&str> = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        if !values.is_empty() {
            hash_field(&mut hasher, name.as_bytes());
            hash_field(&mut hasher, values.join(", ").as_bytes());
        }
    }
    hasher.finalize().to_vec()
}

/// The hex SHA-256 of a custom key alone (with its gateway): the KV folder of its entries.
fn custom_key_folder(gateway_id: &str, custom_key: &str) -> String {
    let mut hasher = Sha256::new();
    for field in [CUSTOM_FOLDER_TAG, gateway_id.as_bytes(), custom_key.as_bytes()] {
        hash_field(&mut hasher, field);
    }
    to_hex(&hasher.finalize())
}

fn is_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub(crate) fn hash_field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
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
