use super::*;

fn usage(input: u64, cached: u64, output: u64) -> Usage {
    Usage { input_tokens: input, output_tokens: output, cached_input_tokens: cached, ..Usage::default() }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn known_model_uses_the_formula() {
    let table = PriceTable::builtin();
    let price = *table.lookup("openai", "gpt-4o-mini").unwrap();
    let u = usage(1_000_000, 200_000, 500_000);
    let expected = (800_000.0 * price.input + 200_000.0 * price.cache_read.unwrap() + 500_000.0 * price.output) / 1e6;
    let got = request_cost(table, "openai", "gpt-4o-mini", &u, None).unwrap();
    assert!(close(got, expected), "{got} vs {expected}");
    assert!(got > 0.0);
}

#[test]
fn unknown_model_costs_none_not_zero() {
    let table = PriceTable::builtin();
    assert_eq!(request_cost(table, "openai", "my-finetune-xyz", &usage(10, 0, 10), None), None);
    assert_eq!(request_cost(table, "no-such-provider", "gpt-4o", &usage(10, 0, 10), None), None);
}

#[test]
fn dated_model_costs_the_same_as_its_base() {
    let table = PriceTable::builtin();
    let u = usage(1234, 0, 567);
    let base = request_cost(table, "anthropic", "claude-sonnet-4-5", &u, None).unwrap();
    let dated = request_cost(table, "anthropic", "claude-sonnet-4-5-20250929", &u, None).unwrap();
    assert!(close(base, dated));
}

#[test]
fn custom_cost_overrides_the_table_and_prices_unknown_models() {
    let table = PriceTable::builtin();
    let u = usage(100, 40, 10);
    let per_token = parse_custom_cost(r#"{"per_token_in":0.001,"per_token_out":0.002}"#).unwrap();
    let got = request_cost(table, "openai", "unknown-model", &u, Some(&per_token)).unwrap();
    assert!(close(got, 100.0 * 0.001 + 10.0 * 0.002), "{got}");
    let total = parse_custom_cost(r#"{"total_cost":0.5}"#).unwrap();
    assert_eq!(request_cost(table, "openai", "gpt-4o", &u, Some(&total)), Some(0.5));
}
