//! The partition key: which stored answers a request may be compared with at all.
//!
//! A semantic hit needs two things: the compared text is similar enough, and everything else that
//! changes the answer is identical. The partition key covers the second: the hex SHA-256 of, each
//! length-prefixed as in the exact key ([`crate::cache::key`]), a version tag, the gateway id, the
//! provider slug, the HTTP method, the endpoint with its query, the caller's identity (the same
//! digest of [`crate::cache::key::identity_headers`] as the exact key: tenants never share), the
//! answer-shaping headers, the embedding model (vectors of two models are not comparable), the
//! number of compared turns, and the exact part of the body ([`super::text::split`]: model, system
//! prompt, tools, sampling parameters, `stream`, earlier turns).
//!
//! Only requests with the same partition key are compared; it names the local index's Durable
//! Object and is the metadata filter of a Vectorize query.

use sha2::{Digest, Sha256};

use crate::cache::key::{answer_digest, answer_headers_of, hash_field, identity_digest, to_hex, KeyInput};

/// Tags the hashed layout, so that changing it moves every partition instead of mixing old ones in.
const TAG: &[u8] = b"aig-semantic/v1";

/// What a partition key is computed from.
#[derive(Debug, Clone, Copy)]
pub struct PartitionInput<'a> {
    /// The request as the exact key sees it; its body is not read (the exact part stands for it).
    pub key: &'a KeyInput<'a>,
    /// The embedding model's id ([`super::config::EmbedderSpec::id`]).
    pub embedder: &'a str,
    /// How many turns are compared.
    pub turns: u32,
    /// The exact part of the body, in canonical JSON.
    pub exact: &'a str,
}

/// The partition key: 64 lower-case hex digits (see the module doc).
pub fn partition_key(input: &PartitionInput<'_>) -> String {
    let key = input.key;
    let mut hasher = Sha256::new();
    for field in [
        TAG,
        key.gateway_id.as_bytes(),
        key.provider.as_bytes(),
        key.method.as_bytes(),
        key.endpoint.as_bytes(),
        &identity_digest(key.headers),
        &answer_digest(key.headers, &answer_headers_of(key.provider)),
        input.embedder.as_bytes(),
        &input.turns.to_le_bytes(),
        input.exact.as_bytes(),
    ] {
        hash_field(&mut hasher, field);
    }
    to_hex(&hasher.finalize())
}

#[cfg(test)]
#[path = "partition_tests.rs"]
mod tests;
