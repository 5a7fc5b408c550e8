use super::*;

#[test]
fn parses_both_shapes() {
    assert_eq!(
        parse_custom_cost(r#"{"per_token_in":0.000001,"per_token_out":0.000002}"#).unwrap(),
        CustomCost::PerToken(PerToken::new(0.000001, 0.000002))
    );
    assert_eq!(
        parse_custom_cost(
            r#"{"per_token_in":2,"per_token_out":3,"per_cache_read_token":0.5,"per_cache_write_token":2.5}"#
        )
        .unwrap(),
        CustomCost::PerToken(PerToken { input: 2.0, output: 3.0, cache_read: 0.5, cache_write: 2.5 })
    );
    assert_eq!(parse_custom_cost(r#"{"total_cost":1.25}"#).unwrap(), CustomCost::Total(1.25));
}

#[test]
fn malformed_values_are_400_naming_the_header() {
    for raw in [
        "nope",
        "{}",
        "[]",
        r#"{"per_token_in":1}"#,
        r#"{"per_token_in":1,"per_token_out":1,"total_cost":3}"#,
        r#"{"total_cost":-1}"#,
        r#"{"total_cost":"1"}"#,
        r#"{"price":1}"#,
        r#"{"per_cache_read_token":1}"#,
        r#"{"total_cost":1,"per_cache_write_token":1}"#,
        r#"{"per_token_in":1,"per_token_out":1,"per_cache_read_token":-1}"#,
    ] {
        let err = parse_custom_cost(raw).unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains("cf-aig-custom-cost"), "{raw}: {}", err.message());
    }
}

#[test]
fn per_token_prices_charge_cache_reads_and_writes_at_their_own_prices() {
    let usage = Usage {
        input_tokens: 1000,
        output_tokens: 100,
        cached_input_tokens: 600,
        cache_write_input_tokens: 300,
        reasoning_tokens: 40,
        estimated: false,
    };
    let priced = parse_custom_cost(
        r#"{"per_token_in":0.01,"per_token_out":0.1,"per_cache_read_token":0.001,"per_cache_write_token":0.02}"#,
    )
    .unwrap();
    let expected = 100.0 * 0.01 + 600.0 * 0.001 + 300.0 * 0.02 + 100.0 * 0.1;
    assert!((priced.cost(&usage) - expected).abs() < 1e-9, "{}", priced.cost(&usage));
    // Without cache prices every input token costs per_token_in.
    let plain = parse_custom_cost(r#"{"per_token_in":0.01,"per_token_out":0.1}"#).unwrap();
    assert!((plain.cost(&usage) - (1000.0 * 0.01 + 100.0 * 0.1)).abs() < 1e-9);
}
