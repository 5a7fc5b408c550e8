//! Property tests of cache entries and statuses: any KV value decodes to an entry or an error,
//! an encoded entry decodes to itself, and status texts parse back in any case.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::logs::entry::{cache_status_text, parse_cache_status_text};
use crate::strategies::{bytes, config, cuts, split, text};

fn entry() -> impl Strategy<Value = CacheEntry> {
    let header = (select(STORED_HEADERS), text()).prop_map(|(n, v)| (n.to_string(), v));
    (
        200u16..300,
        vec(header, 0..3),
        0u64..1 << 50,
        any::<bool>(),
        proptest::option::of(text()),
        proptest::option::of(any::<u64>()),
        bytes(),
    )
        .prop_map(|(status, headers, stored_at_ms, sse, log_id, ttl_s, body)| CacheEntry {
            status,
            headers,
            // Date.now() is a whole number of milliseconds.
            stored_at_ms: stored_at_ms as f64,
            sse,
            log_id,
            ttl_s,
            body,
        })
}

fn status() -> impl Strategy<Value = Option<CacheStatus>> {
    proptest::option::of(select(&[CacheStatus::Hit, CacheStatus::Miss, CacheStatus::Bypass][..]))
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn any_value_decodes_or_is_refused(value in bytes()) {
        if let Ok(entry) = CacheEntry::decode(&value) {
            prop_assert!((200..300).contains(&entry.status));
        }
    }

    #[test]
    fn encoded_entries_decode_to_themselves(entry in entry()) {
        let value = entry.encode(KV_MAX_VALUE_BYTES).unwrap();
        prop_assert_eq!(CacheEntry::decode(&value), Ok(entry));
    }

    #[test]
    fn cut_or_extended_values_are_refused(entry in entry(), cut in cuts(), extra in bytes()) {
        let value = entry.encode(KV_MAX_VALUE_BYTES).unwrap();
        let head = split(&value, &cut)[0];
        if head.len() < value.len() {
            prop_assert!(CacheEntry::decode(head).is_err());
        }
        if !extra.is_empty() {
            prop_assert!(CacheEntry::decode(&[value, extra].concat()).is_err());
        }
    }

    #[test]
    fn status_texts_parse_back_in_any_case(status in status(), upper in vec(any::<bool>(), 6)) {
        let text: String = cache_status_text(status)
            .chars()
            .zip(upper.iter().chain(std::iter::repeat(&false)))
            .map(|(c, u)| if *u { c } else { c.to_ascii_lowercase() })
            .collect();
        prop_assert_eq!(parse_cache_status_text(&text), Some(status));
        if let Some(s) = status {
            prop_assert_eq!(CacheStatus::parse(&text), Some(s));
        }
    }

    #[test]
    fn other_texts_are_no_status(raw in text()) {
        let known = ["HIT", "MISS", "BYPASS", "NONE"].iter().any(|s| raw.eq_ignore_ascii_case(s));
        prop_assert_eq!(parse_cache_status_text(&raw).is_some(), known);
    }
}
