//! Unit tests of `resilience::routes`.

use serde_json::{json, Value};

use super::*;
use crate::error::ErrorKind;
use crate::resilience::test_rng::Seeded;

fn routes(value: Value) -> Routes {
    Routes::from_var(Some(&value.to_string())).unwrap()
}

fn error(value: Value) -> String {
    let err = Routes::from_var(Some(&value.to_string())).unwrap_err();
    assert_eq!((err.status(), err.kind()), (500, ErrorKind::Misconfigured));
    err.message().to_string()
}

fn example() -> Value {
    json!({
        "fast-chat": {
            "targets": [
                {"provider": "openai", "model": "gpt-4o-mini", "key": "OPENAI_KEY_A", "weight": 3},
                {"provider": "groq", "model": "llama-3.1-8b-instant"}
            ],
            "fallbacks": [
                {"provider": "anthropic", "model": "claude-3-5-haiku-latest", "key": "ANTHROPIC_KEY"},
                {"provider": "openai", "model": "gpt-4o-mini", "key": "OPENAI_KEY_A"}
            ],
            "config": {"maxAttempts": 2}
        }
    })
}

fn names(plan: &[&Target]) -> Vec<String> {
    plan.iter().map(|t| format!("{}/{}", t.provider.id, t.model)).collect()
}

#[test]
fn unset_means_no_routes() {
    assert!(Routes::from_var(None).unwrap().is_empty());
    assert!(Routes::from_var(Some("  ")).unwrap().is_empty());
}

#[test]
fn the_documented_example_parses() {
    let r = routes(example());
    let route = r.get("fast-chat").unwrap();
    assert_eq!(r.get("dynamic/fast-chat"), Some(route));
    assert_eq!(r.get("openai/gpt-4o"), None);
    assert_eq!(route.targets.len(), 2);
    assert_eq!(route.targets[0].key.as_deref(), Some("OPENAI_KEY_A"));
    assert_eq!((route.targets[0].weight, route.targets[1].weight), (3, 1));
    assert_eq!(route.targets[1].key, None);
    assert_eq!(route.retry.max_attempts, Some(2));
}

#[test]
fn plan_is_the_weighted_primary_then_fallbacks_without_repeating_it() {
    let r = routes(example());
    let route = r.get("fast-chat").unwrap();
    // Weights 3:1 over [0, 1): below 0.75 is openai, above is groq.
    assert_eq!(
        names(&route.plan(0.1)),
        ["openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-latest"],
        "the fallback equal to the primary is skipped"
    );
    assert_eq!(
        names(&route.plan(0.8)),
        ["groq/llama-3.1-8b-instant", "anthropic/claude-3-5-haiku-latest", "openai/gpt-4o-mini"]
    );
}

#[test]
fn primaries_follow_the_weights_over_many_draws() {
    let r = routes(example());
    let route = r.get("fast-chat").unwrap();
    let mut rng = Seeded::new(7);
    let draws = 10_000;
    let openai = (0..draws).filter(|_| route.plan(rng.next_f64())[0].provider.id == "openai").count();
    let share = openai as f64 / draws as f64;
    assert!((share - 0.75).abs() < 0.02, "{share}");
}

#[test]
fn configuration_errors_name_the_route_and_field() {
    let target = |extra: Value| {
        let mut t = json!({"provider": "openai", "model": "m"});
        for (k, v) in extra.as_object().unwrap() {
            t[k] = v.clone();
        }
        json!({"r": {"targets": [{"provider": "groq", "model": "x"}, t]}})
    };
    let cases = [
        (json!([1]), "ROUTES must be a JSON object"),
        (json!({"a b": {"targets": []}}), "ROUTES[\"a b\"]: a route name may hold only"),
        (json!({"r": 5}), "ROUTES[\"r\"] must be a JSON object"),
        (json!({"r": {}}), "ROUTES[\"r\"].targets must be a JSON array"),
        (json!({"r": {"targets": []}}), "ROUTES[\"r\"].targets must list at least one target"),
        (json!({"r": {"targets": [], "extra": 1}}), "ROUTES[\"r\"] has unknown field \"extra\""),
        (target(json!({"weight": 0})), "ROUTES[\"r\"].targets[1].weight must be a whole number from 1 to 10000, got 0"),
        (target(json!({"weight": -2})), "ROUTES[\"r\"].targets[1].weight must be a whole number from 1 to 10000"),
        (target(json!({"weight": 1.5})), "ROUTES[\"r\"].targets[1].weight must be"),
        (target(json!({"provider": "nope"})), "ROUTES[\"r\"].targets[1].provider is unknown provider \"nope\"; valid"),
        (target(json!({"model": ""})), "ROUTES[\"r\"].targets[1].model must be a non-empty string"),
        (target(json!({"key": "sk-live-123"})), "ROUTES[\"r\"].targets[1].key must be the name of a Worker secret"),
        (target(json!({"wieght": 2})), "ROUTES[\"r\"].targets[1] has unknown field \"wieght\""),
        (
            json!({"r": {"targets": [{"provider": "groq", "model": "x"}], "fallbacks": [{"provider": "groq", "model": "y", "weight": 2}]}}),
            "ROUTES[\"r\"].fallbacks[0] has unknown field \"weight\"",
        ),
        (
            json!({"r": {"targets": [{"provider": "groq", "model": "x"}], "config": {"maxAttempts": 7}}}),
            "ROUTES[\"r\"].config.maxAttempts must be a whole number from 1 to 5",
        ),
    ];
    for (value, expected) in cases {
        let message = error(value);
        assert!(message.starts_with(expected), "{message}\n  expected: {expected}");
    }
    assert!(!error(target(json!({"key": "sk-live-123"}))).contains("sk-live"), "a pasted key is not echoed");
    assert!(Routes::from_var(Some("{")).unwrap_err().message().starts_with("ROUTES must be JSON"));
}

#[test]
fn a_route_s_plugins_are_read_and_checked_at_start_up() {
    let mut value = example();
    value["fast-chat"]["plugins"] =
        json!([{"name": "prompt-firewall", "config": {"block": {"words": ["secret plan"]}}}]);
    let parsed = routes(value.clone());
    let route = parsed.get("fast-chat").unwrap();
    assert_eq!(route.plugins.len(), 1);
    assert_eq!(route.plugins[0].name, "prompt-firewall");

    value["fast-chat"]["plugins"] = json!([{"name": "prompt-firewall", "config": {"blok": []}}]);
    let message = error(value.clone());
    assert!(message.contains("ROUTES[\"fast-chat\"].plugins") && message.contains("prompt-firewall"), "{message}");
    assert!(message.contains("blok"), "{message}");

    value["fast-chat"]["plugins"] = json!([{"name": "nope"}]);
    let message = error(value);
    assert!(message.contains("unknown plugin \"nope\""), "{message}");
}
