//! Virtual key secrets: the plaintext handed out once, and the hash that is stored instead.
//!
//! A secret is [`KEY_PREFIX`] followed by 64 lowercase hex digits: 256 bits taken from a random
//! source the caller supplies (the core has no RNG; the Worker passes `crypto.getRandomValues`
//! bytes). The prefix lets a person, a secret scanner and the gateway itself recognise a virtual
//! key among provider keys sent in the same headers.
//!
//! Only [`KeyHash`] is stored: SHA-256 over a domain tag, a per-deployment pepper (a Worker
//! secret) and the secret. Why this and not a password hash:
//! - the secret carries 256 bits of randomness, so guessing it offline is hopeless even at
//!   SHA-256 speed; bcrypt/argon2 exist to protect low-entropy passwords and would cost
//!   milliseconds of CPU on every request;
//! - the hash is deterministic (no per-key salt), so the store can find a key by the hash of
//!   what the client sent, one indexed lookup, without the client naming the key id;
//! - the pepper lives outside the database, so a copy of the Durable Object's rows alone does
//!   not let anyone check a leaked or guessed secret against them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// The prefix of every virtual key.
pub const KEY_PREFIX: &str = "aig_";
/// Random bytes in a secret (256 bits).
pub const SECRET_BYTES: usize = 32;

const HASH_DOMAIN: &[u8] = b"ai-gateway virtual key v1\0";

/// A virtual key's plaintext. It exists only between its creation (or rotation) and the one
/// response that returns it: it is not `Serialize`, and its `Debug` shows only the prefix.
#[derive(Clone, PartialEq, Eq)]
pub struct PlaintextKey(String);

impl PlaintextKey {
    /// A new secret from `random` bytes, which must come from a cryptographically secure source.
    pub fn from_random(random: &[u8; SECRET_BYTES]) -> Self {
        let mut text = String::with_capacity(KEY_PREFIX.len() + 2 * SECRET_BYTES);
        text.push_str(KEY_PREFIX);
        push_hex(&mut text, random);
        PlaintextKey(text)
    }

    /// The text to hand to the caller, once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PlaintextKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PlaintextKey({KEY_PREFIX}[redacted])")
    }
}

/// Whether a credential a client sent has the shape of a virtual key (prefix and length), so
/// that it is looked up rather than forwarded as a provider key. Says nothing about validity.
pub fn looks_like_virtual_key(credential: &str) -> bool {
    credential.strip_prefix(KEY_PREFIX).is_some_and(|hex| {
        hex.len() == 2 * SECRET_BYTES && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The stored form of a secret: SHA-256 of domain tag, pepper and secret. Serializes as 64 hex
/// digits (the `hash` column).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyHash([u8; 32]);

impl KeyHash {
    /// Hashes `secret` (what the client presented, or a new [`PlaintextKey`]) with the
    /// deployment's `pepper`. Runs once per request that carries a virtual key.
    pub fn of(secret: &str, pepper: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(HASH_DOMAIN);
        // The pepper's length first, so that no (pepper, secret) pair hashes like another split.
        hasher.update((pepper.len() as u64).to_be_bytes());
        hasher.update(pepper);
        hasher.update(secret.as_bytes());
        KeyHash(hasher.finalize().into())
    }

    /// Whether `presented` hashes to this hash. The comparison takes the same time wherever the
    /// first differing byte is.
    pub fn verify(&self, presented: &str, pepper: &[u8]) -> bool {
        let other = KeyHash::of(presented, pepper);
        self.0.iter().zip(other.0.iter()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
    }

    /// The 64 lowercase hex digits stored in the database.
    pub fn to_hex(&self) -> String {
        let mut text = String::with_capacity(64);
        push_hex(&mut text, &self.0);
        text
    }

    /// Parses [`KeyHash::to_hex`]'s output; `None` for anything else.
    pub fn from_hex(text: &str) -> Option<Self> {
        if text.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(KeyHash(bytes))
    }
}

impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyHash({})", self.to_hex())
    }
}

impl Serialize for KeyHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for KeyHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        KeyHash::from_hex(&text).ok_or_else(|| serde::de::Error::custom("a key hash is 64 hex digits"))
    }
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
}

#[cfg(test)]
#[path = "secret_tests.rs"]
mod tests;
