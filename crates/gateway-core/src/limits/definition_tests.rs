use serde_json::json;

use super::*;

#[test]
fn every_kind_of_limit_is_read() {
    let l = Limits::read(
        &json!({
            "requests": {"limit": 100, "interval": 60, "technique": "sliding"},
            "tokens": [{"limit": 5000, "window": "minute"}],
            "budgets": [{"usd": 2.5, "window": "month"}],
            "spend_rules": [{"usd": 1, "window": "day", "dimension": "metadata.team", "mode": "filter", "value": "a"},
                            {"usd": 1, "window": "week", "dimension": "model", "mode": "split"}],
            "max_tokens": 1024, "on_error": "closed"
        }),
        true,
    )
    .unwrap();
    assert_eq!(l.requests, Some(RequestLimit { limit: 100, interval_s: 60, technique: Technique::Sliding }));
    assert_eq!(l.tokens, [TokenLimit { limit: 5000, window: Span::Minute }]);
    assert_eq!(l.budgets, [Budget { usd: 2.5, window: Span::Month }]);
    assert_eq!(l.spend_rules[0].dimension, Dimension::Metadata("team".into()));
    assert_eq!(l.spend_rules[1].value, None);
    assert_eq!((l.max_tokens, l.on_error), (Some(1024), OnError::Closed));
    let back: Limits = serde_json::from_value(serde_json::to_value(&l).unwrap()).unwrap();
    assert_eq!(back, l);
}

#[test]
fn bad_limits_name_the_field() {
    let rule = |r: serde_json::Value| json!({"spend_rules": [r]});
    for (value, field) in [
        (json!([]), "`limits`"),
        (json!({"nope": 1}), "`limits.nope`"),
        (json!({"requests": {"limit": 0, "interval": 60}}), "`limits.requests.limit`"),
        (json!({"requests": {"limit": 5, "interval": 0}}), "`limits.requests.interval`"),
        (json!({"requests": {"limit": 5, "interval": 9, "technique": "leaky"}}), "`limits.requests.technique`"),
        (json!({"tokens": [{"limit": 5, "window": "week"}]}), "`limits.tokens[0].window`"),
        (json!({"budgets": [{"usd": -1, "window": "day"}]}), "`limits.budgets[0].usd`"),
        (json!({"budgets": [{"usd": 1, "window": "minute"}]}), "`limits.budgets[0].window`"),
        (
            rule(json!({"usd": 1, "window": "day", "dimension": "user", "mode": "split"})),
            "`limits.spend_rules[0].dimension`",
        ),
        (
            rule(json!({"usd": 1, "window": "day", "dimension": "model", "mode": "filter"})),
            "`limits.spend_rules[0].value`",
        ),
        (rule(json!({"usd": 1, "window": "day", "dimension": "model", "mode": "all"})), "`limits.spend_rules[0].mode`"),
        (json!({"on_error": "maybe"}), "`limits.on_error`"),
    ] {
        let err = Limits::read(&value, true).unwrap_err();
        assert_eq!(err.status(), 400, "{value}");
        assert!(err.message().contains(field), "{value}: {}", err.message());
    }
    let many: Vec<_> =
        (0..21).map(|_| json!({"usd": 1, "window": "day", "dimension": "model", "mode": "split"})).collect();
    assert!(Limits::read(&json!({"spend_rules": many}), true).unwrap_err().message().contains("at most 20"));
    let key_rules = Limits::read(&json!({"spend_rules": []}), false).unwrap_err();
    assert!(key_rules.message().contains("gateway"), "{}", key_rules.message());
}
