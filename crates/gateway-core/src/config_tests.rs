//! Unit tests of `config`.

use super::*;

#[test]
fn empty_vars_give_defaults() {
    assert_eq!(GatewayConfig::from_vars(None, None).unwrap(), GatewayConfig::default());
    assert_eq!(GatewayConfig::from_vars(Some("  "), Some("")).unwrap(), GatewayConfig::default());
}

#[test]
fn overrides_and_limit_are_read() {
    let c = GatewayConfig::from_vars(Some(r#"{"groq":"http://localhost:1/x/"}"#), Some("1024")).unwrap();
    assert_eq!(c.base_url(provider::find("groq").unwrap()), "http://localhost:1/x");
    assert_eq!(c.base_url(provider::find("openai").unwrap()), "https://api.openai.com");
    assert_eq!(c.max_request_body_bytes, 1024);
}

#[test]
fn bad_configuration_is_a_clear_500() {
    for (overrides, limit) in [
        (Some("[1]"), None),
        (Some(r#"{"nope":"http://x"}"#), None),
        (Some(r#"{"openai":"ftp://x"}"#), None),
        (None, Some("ten")),
    ] {
        let err = GatewayConfig::from_vars(overrides, limit).unwrap_err();
        assert_eq!(err.status(), 500);
        assert_eq!(err.kind(), ErrorKind::Misconfigured);
    }
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |name| map.get(name).cloned()
}

#[test]
fn from_env_reads_every_variable_and_blank_means_unset() {
    let config = GatewayConfig::from_env(env(&[
        ("MAX_REQUEST_BODY_BYTES", "10"),
        ("GATEWAY_TOKEN", " t "),
        ("RETRY_DEFAULTS", r#"{"maxAttempts":3}"#),
        ("ROUTES", r#"{"fast":{"targets":[{"provider":"groq","model":"m"}]}}"#),
        ("KEY_POOLS", r#"{"openai":[{"secret":"K"}]}"#),
        ("UPSTREAM_OVERRIDES", " "),
    ]))
    .unwrap();
    assert_eq!(config.max_request_body_bytes, 10);
    assert_eq!(config.gateway_token.as_deref(), Some("t"));
    assert_eq!(config.retry_default.max_attempts, 3);
    assert!(config.routes.get("fast").is_some());
    assert!(config.key_pools.get("openai").is_some());
    assert_eq!(GatewayConfig::from_env(env(&[])).unwrap(), GatewayConfig::default());
}

#[test]
fn stored_keys_without_a_gateway_token_are_refused() {
    for (name, value) in [
        ("KEY_POOLS", r#"{"openai":[{"secret":"K"}]}"#),
        ("ROUTES", r#"{"r":{"targets":[{"provider":"groq","model":"m","key":"GROQ_KEY"}]}}"#),
    ] {
        let err = GatewayConfig::from_env(env(&[(name, value)])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Misconfigured);
        assert!(err.message().contains("GATEWAY_TOKEN"), "{}", err.message());
        // A local run sets it in .dev.vars, a deployed one with wrangler: the message says both.
        assert!(err.message().contains("`GATEWAY_TOKEN=…` in .dev.vars"), "{}", err.message());
        assert!(err.message().contains("`wrangler secret put GATEWAY_TOKEN`"), "{}", err.message());
    }
    // A route without stored keys needs no token.
    let ok = GatewayConfig::from_env(env(&[("ROUTES", r#"{"r":{"targets":[{"provider":"groq","model":"m"}]}}"#)]));
    assert!(ok.is_ok());
}

#[test]
fn the_idle_timeout_has_a_default_and_a_checked_range() {
    let with = |raw: &'static str| {
        GatewayConfig::from_env(move |name| (name == "UPSTREAM_IDLE_TIMEOUT_MS").then(|| raw.into()))
    };
    assert_eq!(GatewayConfig::from_env(|_| None).unwrap().upstream_idle_timeout_ms, DEFAULT_IDLE_TIMEOUT_MS);
    assert_eq!(with(" 1500 ").unwrap().upstream_idle_timeout_ms, 1500);
    for bad in ["0", "-1", "soon", "3600001"] {
        let err = with(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Misconfigured, "{bad}");
        assert!(err.message().starts_with("UPSTREAM_IDLE_TIMEOUT_MS"), "{}", err.message());
    }
}

/// A plugin standing in for the Worker's runtime-bound `access-log`.
struct RuntimePlugin;

#[async_trait::async_trait(?Send)]
impl crate::plugin::Plugin for RuntimePlugin {
    fn name(&self) -> &'static str {
        "access-log"
    }
}

#[test]
fn every_example_of_the_dev_vars_files_parses_commented_or_not() {
    // The local try-it settings and the deployed secrets' list with its commented examples, read
    // as one .dev.vars: a later line wins, so the examples are the ones checked.
    let text =
        [include_str!("../../../examples/local.dev.vars"), include_str!("../../../.dev.vars.example")].join("\n");
    let vars: std::collections::HashMap<String, String> = text
        .lines()
        .map(|line| line.trim_start_matches('#').trim())
        .filter_map(|line| line.split_once('='))
        .filter(|(name, _)| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        })
        // The secrets' list holds its names with no value, for the deployer to fill in.
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    for name in ["UPSTREAM_OVERRIDES", "ROUTES", "KEY_POOLS", "RETRY_DEFAULTS", "COMPAT_ALIASES", "PLUGIN_CONFIG"] {
        assert!(vars.contains_key(name), "the example shows {name}");
    }
    let config = GatewayConfig::from_env(|name| vars.get(name).cloned());
    assert!(config.is_ok(), "{:?}", config.err().map(|e| e.message().to_string()));
    let registry: Vec<crate::plugin::registry::PluginSpec> = crate::plugin::registry::BUILT_IN
        .iter()
        .copied()
        .chain([crate::plugin::registry::PluginSpec {
            name: "access-log",
            build: |_| Ok(std::rc::Rc::new(RuntimePlugin)),
        }])
        .collect();
    let plugins = crate::plugin::registry::from_vars(
        &registry,
        vars.get("PLUGINS").map(String::as_str),
        vars.get("PLUGIN_CONFIG").map(String::as_str),
    );
    assert!(plugins.is_ok(), "{:?}", plugins.err().map(|e| e.message().to_string()));
}

#[test]
fn a_json_variable_cut_at_its_first_line_says_so() {
    for name in ["ROUTES", "KEY_POOLS", "PLUGIN_CONFIG", "COMPAT_ALIASES"] {
        let err = GatewayConfig::from_env(env(&[(name, "{")])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Misconfigured);
        assert!(err.message().starts_with(&format!("{name} ends before its JSON does")), "{}", err.message());
    }
}
