//! Log ids: time-sortable, ULID-like, and the shard an id lives in.
//!
//! An id is 26 Crockford base32 characters: a 48-bit millisecond timestamp (10 characters) then 80
//! random bits (16 characters), as in the ULID spec. Ids therefore sort by creation time as plain
//! strings, which keyset pagination relies on. The random bits are passed in (the runtime reads
//! them from `crypto.getRandomValues`), so ids are deterministic in tests.

use crate::error::GatewayError;

/// Crockford's base32 alphabet (no I, L, O, U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Length of a log id in characters.
pub const LOG_ID_LEN: usize = 26;

/// Builds a log id from the creation time and 10 random bytes. Times beyond 48 bits (year 10889)
/// are truncated to 48 bits; negative or NaN times count as 0.
pub fn new_log_id(now_ms: f64, random: [u8; 10]) -> String {
    let ms = if now_ms.is_finite() && now_ms > 0.0 { now_ms as u64 } else { 0 } & 0xFFFF_FFFF_FFFF;
    let mut value: u128 = u128::from(ms) << 80;
    for (i, byte) in random.iter().enumerate() {
        value |= u128::from(*byte) << (8 * (9 - i));
    }
    let mut out = [0u8; LOG_ID_LEN];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 5 * (LOG_ID_LEN - 1 - i);
        *slot = ALPHABET[((value >> shift) & 0x1F) as usize];
    }
    out.iter().map(|&b| b as char).collect()
}

/// Builds a log id as [`new_log_id`] does, one that [`shard_of`] maps to `shard` when one of the
/// first `16 × shards` variations of `random`'s last four bytes does (a miss has odds of about
/// e^-16, 1 in 9 million; `shards` tries are expected); otherwise the last variation tried, which
/// lives in some other shard. Lets an isolate make the ids of a batch of entries for one shard,
/// so that the batch is one Durable Object call instead of one per shard.
pub fn new_log_id_in_shard(now_ms: f64, mut random: [u8; 10], shard: u32, shards: u32) -> String {
    let shards = shards.max(1);
    let start = u32::from_be_bytes([random[6], random[7], random[8], random[9]]);
    let mut id = new_log_id(now_ms, random);
    for step in 1..16 * shards {
        if shard_of(&id, shards) == shard {
            break;
        }
        // A golden-ratio stride changes every bit of the four bytes, hence the low bits of each
        // of the id's last seven characters, which decide the hash modulo a power of two.
        let varied = start.wrapping_add(step.wrapping_mul(0x9E37_79B9));
        random[6..].copy_from_slice(&varied.to_be_bytes());
        id = new_log_id(now_ms, random);
    }
    id
}

/// The creation time encoded in an id, or `None` if the text is not a log id.
pub fn log_id_timestamp_ms(id: &str) -> Option<u64> {
    if !is_log_id(id) {
        return None;
    }
    let mut ms: u64 = 0;
    for b in id.bytes().take(10) {
        ms = (ms << 5) | decode_char(b)? as u64;
    }
    Some(ms)
}

/// Whether `id` has the shape of a log id (26 upper-case Crockford base32 characters, first one
/// at most `7` so the value fits 128 bits).
pub fn is_log_id(id: &str) -> bool {
    id.len() == LOG_ID_LEN && id.bytes().all(|b| decode_char(b).is_some()) && id.as_bytes()[0] <= b'7'
}

/// Checks a log id taken from a URL path (`GET/DELETE/PATCH /api/logs/{id}`).
///
/// Errors: 400 naming the `id` path parameter when it is not a log id.
pub fn parse_log_id(id: &str) -> Result<&str, GatewayError> {
    if is_log_id(id) {
        Ok(id)
    } else {
        Err(GatewayError::invalid(format!(
            "log id {id:?} is invalid: the id path parameter must be 26 upper-case Crockford base32 characters"
        )))
    }
}

/// The shard (0..`shards`) that stores the log `id`: FNV-1a over the id, so the same id always
/// maps to the same Durable Object. Mostly the random part decides, spreading a burst of ids
/// evenly. `shards` of 0 is treated as 1.
pub fn shard_of(id: &str, shards: u32) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
    }
    (hash % u64::from(shards.max(1))) as u32
}

fn decode_char(b: u8) -> Option<u8> {
    ALPHABET.iter().position(|&a| a == b).map(|p| p as u8)
}

#[cfg(test)]
#[path = "id_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "id_props.rs"]
mod props;
