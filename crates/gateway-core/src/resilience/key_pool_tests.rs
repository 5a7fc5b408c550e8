//! Unit tests of `resilience::key_pool`: choice, cool-down and recovery on an injected clock.

use serde_json::{json, Value};

use super::*;
use crate::error::ErrorKind;
use crate::resilience::test_rng::Seeded;

fn pools(value: Value, cooldown: Option<&str>) -> KeyPools {
    KeyPools::from_vars(Some(&value.to_string()), cooldown).unwrap()
}

fn openai() -> KeyPools {
    pools(
        json!({"openai": [
            {"secret": "OPENAI_KEY_1", "weight": 1},
            {"secret": "OPENAI_KEY_2", "weight": 2},
            {"secret": "OPENAI_KEY_3"}
        ]}),
        Some("30"),
    )
}

fn error(value: &str, cooldown: Option<&str>) -> String {
    let err = KeyPools::from_vars(Some(value), cooldown).unwrap_err();
    assert_eq!((err.status(), err.kind()), (500, ErrorKind::Misconfigured));
    err.message().to_string()
}

#[test]
fn unset_means_no_pools() {
    assert!(KeyPools::from_vars(None, None).unwrap().is_empty());
    assert!(KeyPools::from_vars(Some(""), Some(" ")).unwrap().is_empty());
}

#[test]
fn keys_are_chosen_by_weight() {
    let p = openai();
    let pool = p.get("openai").unwrap();
    assert!(p.get("groq").is_none());
    // Weights 1:2:1 over [0, 1).
    assert_eq!(pool.choose(0.0, 0.1).unwrap().secret, "OPENAI_KEY_1");
    assert_eq!(pool.choose(0.0, 0.3).unwrap().secret, "OPENAI_KEY_2");
    assert_eq!(pool.choose(0.0, 0.9).unwrap().secret, "OPENAI_KEY_3");
    let mut rng = Seeded::new(99);
    let mut counts = [0u32; 3];
    for _ in 0..12_000 {
        counts[pool.choose(0.0, rng.next_f64()).unwrap().key_id] += 1;
    }
    for (count, expected) in counts.iter().zip([3000.0, 6000.0, 3000.0]) {
        assert!((f64::from(*count) - expected).abs() < expected * 0.05, "{counts:?}");
    }
}

#[test]
fn a_refused_key_cools_down_and_recovers_after_the_period() {
    let p = openai();
    let pool = p.get("openai").unwrap();
    let t0 = 1_000_000.0;
    pool.report(1, 429, None, t0);
    assert_eq!(pool.cooling_until(1, t0), Some(t0 + 30_000.0));
    let mut rng = Seeded::new(3);
    for _ in 0..500 {
        let choice = pool.choose(t0 + 29_999.0, rng.next_f64()).unwrap();
        assert_ne!(choice.key_id, 1);
        assert!(!choice.cooling);
    }
    // Key 2's share is gone: weights 1:0:1, so 0.3 now lands on key 1 and 0.6 on key 3.
    assert_eq!(pool.choose(t0 + 1.0, 0.3).unwrap().secret, "OPENAI_KEY_1");
    assert_eq!(pool.choose(t0 + 1.0, 0.6).unwrap().secret, "OPENAI_KEY_3");
    assert_eq!(pool.cooling_until(1, t0 + 30_000.0), None);
    assert_eq!(pool.choose(t0 + 30_000.0, 0.3).unwrap().secret, "OPENAI_KEY_2", "back after the period");
}

#[test]
fn which_statuses_cool_a_key() {
    let p = openai();
    let pool = p.get("openai").unwrap();
    for status in [200, 400, 404, 500, 503] {
        pool.report(0, status, Some("100"), 0.0);
        assert_eq!(pool.cooling_until(0, 0.0), None, "{status}");
    }
    for (key, status) in [(0, 401), (1, 403), (2, 429)] {
        pool.report(key, status, None, 0.0);
        assert_eq!(pool.cooling_until(key, 0.0), Some(30_000.0), "{status}");
    }
    pool.report(7, 429, None, 0.0); // unknown id: ignored, no panic
}

#[test]
fn retry_after_on_429_lengthens_the_cool_down_up_to_an_hour() {
    let p = openai();
    let pool = p.get("openai").unwrap();
    pool.report(0, 429, Some("120"), 0.0);
    assert_eq!(pool.cooling_until(0, 0.0), Some(120_000.0));
    pool.report(1, 429, Some("5"), 0.0);
    assert_eq!(pool.cooling_until(1, 0.0), Some(30_000.0), "shorter than the period: the period");
    pool.report(2, 429, Some("999999"), 0.0);
    assert_eq!(pool.cooling_until(2, 0.0), Some(MAX_RETRY_AFTER_COOLDOWN_MS as f64));
    pool.report(0, 401, Some("99999"), 0.0);
    assert_eq!(pool.cooling_until(0, 0.0), Some(120_000.0), "never shortened; Retry-After only counts on 429");
}

#[test]
fn when_all_keys_cool_the_one_that_recovers_first_is_used() {
    let p = openai();
    let pool = p.get("openai").unwrap();
    pool.report(0, 429, Some("90"), 0.0);
    pool.report(1, 429, None, 10_000.0);
    pool.report(2, 401, None, 5_000.0);
    let choice = pool.choose(20_000.0, 0.5).unwrap();
    assert_eq!((choice.secret, choice.cooling), ("OPENAI_KEY_3", true));
    assert_eq!(pool.choose(35_000.0, 0.99).unwrap().secret, "OPENAI_KEY_3");
    assert!(!pool.choose(35_000.0, 0.99).unwrap().cooling);
}

#[test]
fn the_default_cool_down_is_60_seconds() {
    let p = pools(json!({"groq": [{"secret": "G"}]}), None);
    let pool = p.get("groq").unwrap();
    pool.report(0, 429, None, 0.0);
    assert_eq!(pool.cooling_until(0, 0.0), Some(60_000.0));
    let off = pools(json!({"groq": [{"secret": "G"}]}), Some("0"));
    off.get("groq").unwrap().report(0, 429, None, 0.0);
    assert_eq!(off.get("groq").unwrap().cooling_until(0, 0.0), None);
}

#[test]
fn configuration_errors_name_the_provider_and_entry() {
    let cases = [
        ("{", None, "KEY_POOLS must be JSON"),
        ("[]", None, "KEY_POOLS must be a JSON object"),
        (r#"{"nope":[{"secret":"A"}]}"#, None, "KEY_POOLS[\"nope\"] names unknown provider \"nope\"; valid"),
        (r#"{"openai":[]}"#, None, "KEY_POOLS[\"openai\"] must be a non-empty JSON array"),
        (r#"{"openai":{"secret":"A"}}"#, None, "KEY_POOLS[\"openai\"] must be a non-empty JSON array"),
        (r#"{"openai":[{"weight":1}]}"#, None, "KEY_POOLS[\"openai\"][0].secret must be the name of a Worker secret"),
        (r#"{"openai":[{"secret":"sk-abc"}]}"#, None, "KEY_POOLS[\"openai\"][0].secret must be the name"),
        (r#"{"openai":[{"secret":"A"},{"secret":"A"}]}"#, None, "KEY_POOLS[\"openai\"][1].secret repeats A"),
        (r#"{"openai":[{"secret":"A","weight":0}]}"#, None, "KEY_POOLS[\"openai\"][0].weight must be a whole number"),
        (r#"{"openai":[{"secret":"A","key":"x"}]}"#, None, "KEY_POOLS[\"openai\"][0] has unknown field \"key\""),
        (r#"{}"#, Some("-1"), "KEY_COOLDOWN_SECONDS must be a whole number from 0 to 86400"),
        (r#"{}"#, Some("86401"), "KEY_COOLDOWN_SECONDS must be a whole number from 0 to 86400"),
    ];
    for (value, cooldown, expected) in cases {
        let message = error(value, cooldown);
        assert!(message.starts_with(expected), "{message}\n  expected: {expected}");
    }
}
