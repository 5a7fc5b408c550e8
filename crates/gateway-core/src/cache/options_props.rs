//! Property tests of the cache headers and variables: any `cf-aig-cache-ttl`, `cf-aig-skip-cache`,
//! `cf-aig-cache-key` (and their old names) is a decision or a 400; any `CACHE_*` variable is
//! a setting or a configuration error.

use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::cache::key::CustomKeyScope;
use crate::strategies::{assert_client_error, assert_misconfigured, config, text};

const NAMES: [&str; 5] = ["cf-aig-cache-ttl", "cf-cache-ttl", "cf-aig-skip-cache", "cf-skip-cache", "cf-aig-cache-key"];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        select(&["0", "59", "60", "300", "2592000", "2592001", "+60", " 60 ", "true", "FALSE", "yes", ""][..])
            .prop_map(str::to_string),
        any::<u64>().prop_map(|n| n.to_string()),
        (500usize..520).prop_map(|n| "k".repeat(n)),
        text(),
    ]
}

fn headers() -> impl Strategy<Value = Headers> {
    proptest::collection::vec((select(&NAMES[..]), value()), 0..4).prop_map(|pairs| pairs.into_iter().collect())
}

fn defaults() -> impl Strategy<Value = CacheDefaults> {
    prop_oneof![Just(0u64), Just(MIN_TTL_S), MIN_TTL_S..=MAX_TTL_S]
        .prop_map(|ttl_s| CacheDefaults { ttl_s, ..CacheDefaults::default() })
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn any_cache_headers_are_a_decision_or_a_client_error(
        headers in headers(),
        defaults in defaults(),
        method in select(&["GET", "POST", "PUT", "DELETE"][..]),
    ) {
        let input =
            KeyInput { gateway_id: "gw", provider: "openai", method, endpoint: "/", headers: &headers, body: b"" };
        match decide(&defaults, &input) {
            Ok(CacheDecision::Use { key, ttl_s }) => {
                prop_assert!(matches!(method, "GET" | "POST"));
                prop_assert!((MIN_TTL_S..=MAX_TTL_S).contains(&ttl_s));
                if let Some(custom) = headers.get("cf-aig-cache-key") {
                    prop_assert_eq!(key, CacheKey::custom(&input, custom, CustomKeyScope::default()));
                }
            }
            Ok(CacheDecision::Bypass) => {
                let skip = headers.get("cf-aig-skip-cache").or_else(|| headers.get("cf-skip-cache"));
                prop_assert!(skip.is_some_and(|s| s.trim().eq_ignore_ascii_case("true")));
            }
            Ok(CacheDecision::Off) => {}
            Err(e) => assert_client_error(&e)?,
        }
    }

    #[test]
    fn any_cache_variables_are_settings_or_a_configuration_error(
        vars in proptest::collection::vec(proptest::option::of(value()), 4),
    ) {
        match CacheDefaults::from_vars(vars[0].as_deref(), vars[1].as_deref()) {
            Ok(d) => prop_assert!(d.ttl_s == 0 || (MIN_TTL_S..=MAX_TTL_S).contains(&d.ttl_s)),
            Err(e) => assert_misconfigured(&e)?,
        }
        if let Err(e) = HotLimits::from_vars(vars[2].as_deref(), vars[3].as_deref()) {
            assert_misconfigured(&e)?;
        }
    }
}
