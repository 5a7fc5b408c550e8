//! Property tests of `KEY_POOLS`: any value is pools or a configuration error that never echoes
//! a pasted key, and a pool always yields a key whatever the clock, the draw and the reports.

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::strategies::{assert_misconfigured, config, shaped, text, Shape};

const PASTED_KEY: &str = "sk-ant-PASTEDKEY0123456789";

const KEY: Shape = Shape::Obj(&[
    ("secret", Shape::Str(&["OPENAI_KEY_1", "OPENAI_KEY_2", "K3", "_K4", "k5", "KEY_6"], &[PASTED_KEY, "", "1X"])),
    ("weight", Shape::Opt(&Shape::Int(1, 10_000))),
]);

const POOLS: Shape = Shape::Obj(&[
    ("openai", Shape::Arr(&KEY)),
    ("anthropic", Shape::Arr(&KEY)),
    ("nope", Shape::Rare(&Shape::Arr(&KEY))),
]);

/// One report to a pool: key id, status, raw `Retry-After`, clock.
type Report = (usize, u16, Option<String>, f64);

fn reports() -> impl Strategy<Value = Vec<Report>> {
    let status = prop_oneof![proptest::sample::select(&[200u16, 401, 403, 429, 500][..]), any::<u16>()];
    vec((0usize..4, status, proptest::option::of(text()), any::<f64>()), 0..8)
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn any_pools_value_is_pools_that_always_yield_a_key_or_a_configuration_error(
        value in shaped(&POOLS),
        cooldown in proptest::option::of(prop_oneof![(0u64..100_000).prop_map(|n| n.to_string()), text()]),
        reports in reports(),
        now in any::<f64>(),
        random in any::<f64>(),
    ) {
        let pools = match KeyPools::from_vars(Some(&value.to_string()), cooldown.as_deref()) {
            Ok(pools) => pools,
            Err(e) => {
                assert_misconfigured(&e)?;
                prop_assert!(!e.message().contains(PASTED_KEY), "{}", e);
                return Ok(());
            }
        };
        for pool in pools.0.values() {
            for (key_id, status, retry_after, at) in &reports {
                pool.report(*key_id, *status, retry_after.as_deref(), *at);
            }
            let choice = pool.choose(now, random);
            prop_assert!(choice.is_some_and(|c| c.key_id < pool.keys().len()));
        }
    }
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn a_key_pasted_as_a_secret_name_is_never_echoed(
        key in "(sk-|sk-ant-)[A-Za-z0-9_-]{8,40}",
        before in 0usize..3,
    ) {
        let mut keys: Vec<serde_json::Value> =
            (0..before).map(|i| serde_json::json!({"secret": format!("KEY_{i}")})).collect();
        keys.push(serde_json::json!({"secret": key, "weight": 2}));
        let err = KeyPools::from_vars(Some(&serde_json::json!({"openai": keys}).to_string()), None).unwrap_err();
        assert_misconfigured(&err)?;
        prop_assert!(!err.message().contains(&key), "{}", err);
    }
}
