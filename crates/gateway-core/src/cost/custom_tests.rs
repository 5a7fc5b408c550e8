use super::*;

#[test]
fn parses_both_shapes() {
    assert_eq!(
        parse_custom_cost(r#"{"per_token_in":0.000001,"per_token_out":0.000002}"#).unwrap(),
        CustomCost::PerToken { input: 0.000001, output: 0.000002 }
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
    ] {
        let err = parse_custom_cost(raw).unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains("cf-aig-custom-cost"), "{raw}: {}", err.message());
    }
}
