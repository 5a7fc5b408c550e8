use serde_json::json;

use super::*;

fn limits(value: serde_json::Value) -> Limits {
    Limits::read(&value, true).unwrap()
}

fn facts<'a>(body: &'a [u8], metadata: &'a Metadata) -> RequestFacts<'a> {
    RequestFacts {
        provider: "openai",
        model: "gpt-4o-mini",
        body,
        output_tokens: max_output_tokens(body),
        metadata,
        custom_cost: None,
    }
}

#[test]
fn tokens_are_the_prompt_estimate_plus_the_allowed_output() {
    let body = br#"{"model":"gpt-4o-mini","max_tokens":100,"messages":[]}"#;
    let m = Metadata::new();
    let c = charges(&limits(json!({"tokens": [{"limit": 9999, "window": "hour"}]})), &[facts(body, &m)]).unwrap();
    assert_eq!(c[0].meter.name, "tokens/hour");
    assert_eq!(c[0].amount, (body.len() as u64).div_ceil(4) as f64 + 100.0);
    let gemini = br#"{"generationConfig":{"maxOutputTokens":7}}"#;
    assert_eq!(max_output_tokens(gemini), Some(7));
    // Without one: the limits' max_tokens, else 4096.
    let c = charges(&limits(json!({"tokens": [{"limit": 9, "window": "day"}], "max_tokens": 10})), &[facts(b"{}", &m)])
        .unwrap();
    assert_eq!(c[0].amount, 1.0 + 10.0);
}

#[test]
fn the_worst_case_cost_bounds_what_text_can_cost() {
    let body = br#"{"model":"gpt-4o-mini","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}"#;
    let m = Metadata::new();
    let c = charges(&limits(json!({"budgets": [{"usd": 1, "window": "day"}]})), &[facts(body, &m)]).unwrap();
    let price = PriceTable::builtin().lookup("openai", "gpt-4o-mini").unwrap();
    let worst = Usage { input_tokens: body.len() as u64, output_tokens: 50, ..Usage::default() };
    assert!((c[0].amount - price.cost(&worst)).abs() < 1e-15);
    let actual = Usage { input_tokens: 12, output_tokens: 50, ..Usage::default() };
    assert!(price.cost(&actual) <= c[0].amount);
    // An unpriced model cannot be held to a budget, unless the request prices it.
    let unpriced = RequestFacts { model: "no-such-model", ..facts(body, &m) };
    assert_eq!(
        charges(&limits(json!({"budgets": [{"usd": 1, "window": "day"}]})), &[unpriced]).unwrap_err().status(),
        400
    );
    let custom = CustomCost::Total(0.01);
    let priced = RequestFacts { custom_cost: Some(&custom), ..unpriced };
    assert_eq!(charges(&limits(json!({"budgets": [{"usd": 1, "window": "day"}]})), &[priced]).unwrap()[0].amount, 0.01);
}

#[test]
fn spend_rules_split_by_value_or_filter_to_one() {
    let custom = CustomCost::Total(0.01);
    let mut m = Metadata::new();
    m.insert("team".into(), MetaValue::String("red".into()));
    let l = limits(json!({"spend_rules": [
        {"usd": 1, "window": "day", "dimension": "metadata.team", "mode": "split"},
        {"usd": 1, "window": "day", "dimension": "model", "mode": "filter", "value": "gpt-4o"},
        {"usd": 1, "window": "day", "dimension": "provider", "mode": "filter", "value": "openai"}
    ]}));
    let f = RequestFacts { custom_cost: Some(&custom), ..facts(b"{}", &m) };
    let names: Vec<_> = charges(&l, &[f]).unwrap().into_iter().map(|c| c.meter.name).collect();
    assert_eq!(names, ["rule/0/red", "rule/2"]);
    // Without the metadata key, the split rule does not apply.
    let none = Metadata::new();
    let names: Vec<_> =
        charges(&l, &[RequestFacts { metadata: &none, ..f }]).unwrap().into_iter().map(|c| c.meter.name).collect();
    assert_eq!(names, ["rule/2"]);
}

#[test]
fn a_request_with_fallbacks_is_charged_its_largest_target() {
    let m = Metadata::new();
    let l = limits(json!({"requests": {"limit": 5, "interval": 1}, "tokens": [{"limit": 9999, "window": "minute"}]}));
    let small = br#"{"max_tokens":1}"#;
    let large = br#"{"max_tokens":500}"#;
    let c = charges(&l, &[facts(small, &m), facts(large, &m)]).unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].amount, 1.0, "one request, whatever the fallbacks");
    assert_eq!(c[1].amount, (large.len() as u64).div_ceil(4) as f64 + 500.0);
}
