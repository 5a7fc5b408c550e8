//! Property tests of the configuration from Worker variables: any set of values is a
//! configuration or a configuration error (500 `gateway_misconfigured`), never a panic.

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::strategies::{any_json, assert_misconfigured, config, shaped, text, word, Shape};

const NAMES: &[&str] = &[
    "UPSTREAM_OVERRIDES",
    "MAX_REQUEST_BODY_BYTES",
    "GATEWAY_TOKEN",
    "RETRY_DEFAULTS",
    "ROUTES",
    "KEY_POOLS",
    "KEY_COOLDOWN_SECONDS",
    "CACHE_TTL",
    "CACHE_COALESCE",
    "CACHE_MEMORY_MIB",
    "CACHE_MEMORY_SECONDS",
    "COMPAT_ALIASES",
    "DEFAULT_MAX_TOKENS",
];

/// [`NAMES`] and the log settings' variables.
fn names() -> Vec<&'static str> {
    NAMES.iter().chain(&crate::logs::settings::VARIABLES).copied().collect()
}

const OVERRIDES: Shape = Shape::Obj(&[
    ("openai", Shape::Str(&["http://localhost:8787/openai", "https://mock/"], &["ftp://x", "localhost"])),
    ("anthropic", Shape::Text),
    ("not-a-provider", Shape::Text),
]);

const ALIASES: Shape = Shape::Obj(&[
    ("fast", Shape::Str(&["groq/llama-3.1-8b-instant", "openai/gpt-4o-mini"], &["groq", "azure-openai/x", "/x"])),
    ("smart", Shape::Text),
]);

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        word(&[
            "0", "1", "60", "64", "65", "true", "false", "86400", "983040", "983041", "10000", "10001", "-1", " ",
            "{}", "[]"
        ]),
        any::<u64>().prop_map(|n| n.to_string()),
        any_json().prop_map(|v| v.to_string()),
        shaped(&OVERRIDES).prop_map(|v| v.to_string()),
        shaped(&ALIASES).prop_map(|v| v.to_string()),
        text(),
    ]
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn any_variables_are_a_configuration_or_a_configuration_error(
        vars in proptest::collection::hash_map(select(names()), value(), 0..6),
    ) {
        let vars: HashMap<&str, String> = vars;
        match GatewayConfig::from_env(|name| vars.get(name).cloned()) {
            Ok(config) => {
                prop_assert!((1..=64).contains(&config.logs.shards));
                prop_assert!(config.logs.batch_ms <= 10_000);
                prop_assert!(config.default_max_tokens > 0);
            }
            Err(e) => assert_misconfigured(&e)?,
        }
    }
}
