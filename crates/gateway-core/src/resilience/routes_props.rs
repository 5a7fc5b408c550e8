//! Property tests of `ROUTES`: any value is routes or a configuration error that never echoes
//! a key pasted where a secret name belongs, and every route plans at least one target.

use proptest::prelude::*;

use super::*;
use crate::resilience::config_json::MAX_WEIGHT;
use crate::strategies::{assert_misconfigured, config, shaped, Shape};

/// What a pasted provider key looks like.
const PASTED_KEY: &str = "sk-proj-PASTEDKEY0123456789";

const PROVIDER: Shape = Shape::Str(&["openai", "anthropic", "groq"], &["nope", ""]);
const MODEL: Shape = Shape::Str(&["gpt-4o-mini", "claude-3-5-haiku-latest"], &["", " ", "a\nb"]);
const KEY: Shape = Shape::Opt(&Shape::Str(&["OPENAI_KEY", "_K2"], &[PASTED_KEY, "9KEY", ""]));

const TARGET: Shape = Shape::Obj(&[
    ("provider", PROVIDER),
    ("model", MODEL),
    ("key", KEY),
    ("weight", Shape::Opt(&Shape::Int(1, 10_000))),
]);

/// Fallbacks take no weight.
const FALLBACK: Shape =
    Shape::Obj(&[("provider", PROVIDER), ("model", MODEL), ("key", KEY), ("weight", Shape::Rare(&Shape::Int(1, 9)))]);

const ROUTE: Shape = Shape::Obj(&[
    ("targets", Shape::Arr(&TARGET)),
    ("fallbacks", Shape::Opt(&Shape::Arr(&FALLBACK))),
    (
        "config",
        Shape::Opt(&Shape::Obj(&[("maxAttempts", Shape::Int(1, 5)), ("requestTimeout", Shape::Int(1, 60_000))])),
    ),
]);

const ROUTES: Shape = Shape::Obj(&[("fast-chat", ROUTE), ("v1.smart_2", ROUTE), ("bad name!", Shape::Rare(&ROUTE))]);

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn any_routes_value_is_routes_or_a_configuration_error(value in shaped(&ROUTES), random in any::<f64>()) {
        match Routes::from_var(Some(&value.to_string())) {
            Ok(routes) => {
                for route in routes.0.values() {
                    let plan = route.plan(random);
                    prop_assert!(!plan.is_empty());
                    prop_assert!(route.targets.iter().all(|t| (1..=MAX_WEIGHT).contains(&t.weight)));
                }
            }
            Err(e) => {
                assert_misconfigured(&e)?;
                prop_assert!(!e.message().contains(PASTED_KEY), "{}", e);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn a_key_pasted_as_a_secret_name_is_never_echoed(
        key in "(sk-|sk-ant-)[A-Za-z0-9_-]{8,40}",
        fallback in any::<bool>(),
        provider in proptest::sample::select(&["openai", "anthropic"][..]),
    ) {
        let target = serde_json::json!({"provider": provider, "model": "m", "key": key});
        let route = match fallback {
            true => serde_json::json!({"targets": [{"provider": "groq", "model": "x"}], "fallbacks": [target]}),
            false => serde_json::json!({"targets": [target]}),
        };
        let err = Routes::from_var(Some(&serde_json::json!({"r": route}).to_string())).unwrap_err();
        assert_misconfigured(&err)?;
        prop_assert!(!err.message().contains(&key), "{}", err);
    }
}
