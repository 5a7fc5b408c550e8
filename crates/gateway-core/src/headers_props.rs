//! Property tests of `headers`: lookups ignore case, and no `cf-aig-*`, hop-by-hop or edge
//! header is ever forwarded, whatever the client sent.

use proptest::prelude::*;

use super::*;
use crate::strategies::{config, text, word};

const NAMES: &[&str] = &[
    "Authorization",
    "cf-aig-cache-ttl",
    "CF-AIG-Metadata",
    "Connection",
    "host",
    "Content-Length",
    "X-Forwarded-For",
    "cf-connecting-ip",
    "content-type",
    "x-api-key",
    "TE",
    "anthropic-version",
];

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec((word(NAMES), text()), 0..8)
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn nothing_the_gateway_keeps_is_forwarded(pairs in headers()) {
        let client: Headers = pairs.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
        let upstream = upstream_request_headers(&client);
        prop_assert!(upstream.iter().all(|(n, _)| forward_request_header(n) && !n.starts_with("cf-aig-")));
        prop_assert!(upstream.iter().all(|(n, _)| !NOT_FORWARDED.contains(&n)));
        let dropped = dropped_request_header_names(&client);
        prop_assert_eq!(upstream.len() + client.iter().filter(|(n, _)| dropped.contains(n)).count(), client.len());
    }

    #[test]
    fn lookups_ignore_case_and_set_replaces_every_value(pairs in headers(), name in word(NAMES), value in text()) {
        let mut h: Headers = pairs.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
        let first = pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(&name)).map(|(_, v)| v.as_str());
        prop_assert_eq!(h.get(&name.to_ascii_uppercase()), first);
        h.set(&name, value.clone());
        prop_assert_eq!(h.get(&name.to_ascii_lowercase()), Some(value.as_str()));
        prop_assert_eq!(h.iter().filter(|(n, _)| n.eq_ignore_ascii_case(&name)).count(), 1);
        h.remove(&name);
        prop_assert_eq!(h.get(&name), None);
    }

    #[test]
    fn content_length_reads_numbers_and_nothing_else(n in any::<u64>(), pad in "[ \t]{0,2}", junk in text()) {
        let h: Headers = [("Content-Length", format!("{pad}{n}{pad}"))].into_iter().collect();
        prop_assert_eq!(h.content_length(), Some(n));
        let h: Headers = [("content-length", junk.clone())].into_iter().collect();
        prop_assert_eq!(h.content_length(), junk.trim().parse().ok());
    }
}
