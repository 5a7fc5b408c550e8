//! Property tests of log ids: ids carry their time and sort by it, any text from a URL path is an
//! id or a 400, every id has a shard, and an id made for a shard lands in it.

use proptest::prelude::*;

use super::*;
use crate::strategies::{assert_client_error, config, text};

const MAX_MS: u64 = (1 << 48) - 1;

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn ids_carry_their_time(ms in 0..=MAX_MS, random in any::<[u8; 10]>()) {
        let id = new_log_id(ms as f64, random);
        prop_assert!(is_log_id(&id), "{}", id);
        prop_assert_eq!(log_id_timestamp_ms(&id), Some(ms));
    }

    #[test]
    fn ids_sort_by_time(a in 0..=MAX_MS, b in 0..=MAX_MS, ra in any::<[u8; 10]>(), rb in any::<[u8; 10]>()) {
        let (ia, ib) = (new_log_id(a as f64, ra), new_log_id(b as f64, rb));
        if a < b {
            prop_assert!(ia < ib, "{} !< {}", ia, ib);
        }
        if a == b {
            prop_assert_eq!(ia.cmp(&ib), ra.cmp(&rb));
        }
    }

    #[test]
    fn any_time_gives_an_id(now in any::<f64>(), random in any::<[u8; 10]>()) {
        prop_assert!(is_log_id(&new_log_id(now, random)));
    }

    /// An id made for a shard lands in it (16 × shards tries miss with odds of about e^-16),
    /// keeps its time, and differs from the plain id only in its last 7
    /// characters (the four random bytes varied).
    #[test]
    fn ids_made_for_a_shard_land_in_it(ms in 0..=MAX_MS, random in any::<[u8; 10]>(), shards in 1u32..=64, pick in any::<u32>()) {
        let shard = pick % shards;
        let id = new_log_id_in_shard(ms as f64, random, shard, shards);
        prop_assert_eq!(shard_of(&id, shards), shard, "{}", id);
        prop_assert_eq!(log_id_timestamp_ms(&id), Some(ms));
        prop_assert_eq!(&id[..19], &new_log_id(ms as f64, random)[..19]);
    }

    #[test]
    fn any_path_text_is_an_id_or_a_client_error(raw in prop_oneof![text(), "[0-9A-Z]{26}"], shards in any::<u32>()) {
        match parse_log_id(&raw) {
            Ok(id) => prop_assert!(log_id_timestamp_ms(id).is_some_and(|ms| ms <= MAX_MS)),
            Err(e) => assert_client_error(&e)?,
        }
        prop_assert!(shard_of(&raw, shards) < shards.max(1));
    }
}
