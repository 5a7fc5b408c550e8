//! Unit tests of `cache::semantic::settings`.

use serde_json::json;

use super::*;

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs.iter().copied().collect()
}

fn error_of(pairs: &[(&str, &str)]) -> String {
    let e = SemanticHeaders::parse(&headers(pairs)).expect_err("expected a 400");
    assert_eq!(e.status(), 400);
    e.message().to_string()
}

#[test]
fn threshold_boundaries() {
    for (raw, value) in [("0", 0.0), ("1", 1.0), ("1.0", 1.0), ("0.95", 0.95), (".9", 0.9), ("0.973", 0.973)] {
        assert_eq!(parse_threshold(raw), Some(value), "{raw}");
    }
    for raw in ["1.0001", "2", "-0", "-0.1", "+0.5", "nan", "inf", "1e-1", "", ".", "0.9.1", "0,9", "0.9 "] {
        assert_eq!(parse_threshold(raw), None, "{raw:?}");
    }
}

#[test]
fn headers_are_read_and_bad_ones_name_the_header() {
    let parsed = SemanticHeaders::parse(&headers(&[
        ("cf-aig-cache-semantic", "TRUE"),
        ("cf-aig-cache-semantic-threshold", " 0.9 "),
        ("cf-aig-cache-semantic-turns", "3"),
    ]))
    .unwrap();
    assert_eq!(parsed, SemanticHeaders { semantic: Some(true), threshold: Some(0.9), turns: Some(3) });
    assert_eq!(SemanticHeaders::parse(&Headers::new()).unwrap(), SemanticHeaders::default());
    assert_eq!(SemanticHeaders::parse(&headers(&[("cf-aig-cache-semantic", "false")])).unwrap().semantic, Some(false));

    assert_eq!(
        error_of(&[("cf-aig-cache-semantic", "yes")]),
        "cf-aig-cache-semantic must be true or false, got \"yes\""
    );
    assert_eq!(
        error_of(&[("cf-aig-cache-semantic-threshold", "1.5")]),
        "cf-aig-cache-semantic-threshold must be a decimal number from 0 to 1 (e.g. 0.95), got \"1.5\""
    );
    assert!(error_of(&[("cf-aig-cache-semantic-threshold", "high")]).starts_with("cf-aig-cache-semantic-threshold "));
    for turns in ["0", "17", "-1", "+2", "two", ""] {
        assert_eq!(
            error_of(&[("cf-aig-cache-semantic-turns", turns)]),
            format!("cf-aig-cache-semantic-turns must be a whole number from 1 to 16, got {turns:?}")
        );
    }
}

#[test]
fn the_header_decides_over_the_gateway() {
    let gateway = SemanticSettings { enabled: true, threshold: Some(0.8), turns: 2, sampled: true };
    let off = SemanticSettings { enabled: false, ..gateway };
    let none = SemanticHeaders::default();
    let yes = SemanticHeaders { semantic: Some(true), ..none };
    let no = SemanticHeaders { semantic: Some(false), ..none };

    assert_eq!(plan(&none, None), None, "neither asks");
    assert_eq!(plan(&none, Some(&off)), None, "the gateway has it off");
    assert_eq!(plan(&no, Some(&gateway)), None, "the request refuses");
    assert_eq!(plan(&none, Some(&gateway)), Some(SemanticPlan { threshold: Some(0.8), turns: 2, sampled: true }));
    assert_eq!(plan(&yes, Some(&off)), Some(SemanticPlan { threshold: Some(0.8), turns: 2, sampled: true }));
    assert_eq!(plan(&yes, None), Some(SemanticPlan { threshold: None, turns: 1, sampled: false }));
    let tuned = SemanticHeaders { semantic: Some(true), threshold: Some(0.99), turns: Some(3) };
    assert_eq!(plan(&tuned, Some(&gateway)), Some(SemanticPlan { threshold: Some(0.99), turns: 3, sampled: true }));
}

#[test]
fn the_gateway_field_is_read_strictly() {
    let read = |v: serde_json::Value| SemanticSettings::read_field(Some(&v), None);
    assert_eq!(read(json!({})).unwrap(), Some(SemanticSettings::default()));
    assert_eq!(
        read(json!({"enabled": false, "threshold": 0.9, "turns": 4, "sampled": true})).unwrap(),
        Some(SemanticSettings { enabled: false, threshold: Some(0.9), turns: 4, sampled: true })
    );
    let current = Some(SemanticSettings { turns: 3, ..SemanticSettings::default() });
    assert_eq!(SemanticSettings::read_field(None, current).unwrap(), current, "absent keeps it");
    assert_eq!(SemanticSettings::read_field(Some(&json!(null)), current).unwrap(), None, "null removes it");

    for (value, message) in [
        (
            json!(true),
            "field `semantic_cache` must be an object with the fields enabled, threshold, turns, sampled, or null",
        ),
        (json!({"threshold": 1.2}), "field `semantic_cache.threshold` must be a number from 0 to 1, or null"),
        (json!({"threshold": "0.9"}), "field `semantic_cache.threshold` must be a number from 0 to 1, or null"),
        (json!({"turns": 0}), "field `semantic_cache.turns` must be a whole number from 1 to 16"),
        (json!({"enabled": "yes"}), "field `semantic_cache.enabled` must be true or false"),
        (json!({"sampled": null}), "field `semantic_cache.sampled` must be true or false"),
        (json!({"model": "x"}), "unknown field `semantic_cache.model`; allowed: enabled, threshold, turns, sampled"),
    ] {
        let e = read(value.clone()).expect_err(&value.to_string());
        assert_eq!((e.status(), e.message()), (400, message), "{value}");
    }
}

#[test]
fn the_setting_round_trips_through_storage() {
    let settings = SemanticSettings { enabled: true, threshold: Some(0.9), turns: 2, sampled: false };
    let stored = serde_json::to_string(&settings).unwrap();
    assert_eq!(serde_json::from_str::<SemanticSettings>(&stored).unwrap(), settings);
    assert_eq!(serde_json::from_str::<SemanticSettings>("{}").unwrap(), SemanticSettings::default());
}
