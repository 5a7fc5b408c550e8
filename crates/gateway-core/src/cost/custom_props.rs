//! Property tests of `cf-aig-custom-cost`: any value is a price or a 400, an accepted price is
//! finite and not negative, and a valid price written by a client reads back (to the last bit
//! but one: serde_json's default float parser, without its `float_roundtrip` feature, may be one
//! ulp off, which no cost notices).

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::strategies::{assert_client_error, config, shaped, text, Shape};

const PRICE: Shape = Shape::OneOf(&[Shape::Int(0, 10), Shape::Num]);

const CUSTOM_COST: Shape = Shape::OneOf(&[
    Shape::Obj(&[
        ("per_token_in", PRICE),
        ("per_token_out", PRICE),
        ("per_cache_read_token", Shape::Rare(&PRICE)),
        ("per_cache_write_token", Shape::Rare(&PRICE)),
        ("total_cost", Shape::Rare(&PRICE)),
    ]),
    Shape::Obj(&[("total_cost", PRICE), ("per_token_in", Shape::Rare(&PRICE))]),
]);

/// Equal, or one ulp apart.
fn close(read: f64, written: f64) -> bool {
    (read - written).abs() <= f64::EPSILON * written.abs()
}

fn check(raw: &str) -> Result<(), TestCaseError> {
    match parse_custom_cost(raw) {
        Ok(CustomCost::Total(total)) => prop_assert!(total.is_finite() && total >= 0.0),
        Ok(CustomCost::PerToken(p)) => {
            for price in [p.input, p.output, p.cache_read, p.cache_write] {
                prop_assert!(price.is_finite() && price >= 0.0, "{:?}", p);
            }
        }
        Err(e) => {
            assert_client_error(&e)?;
            prop_assert!(e.message().contains(CUSTOM_COST_HEADER));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn any_text_is_a_price_or_a_client_error(raw in text()) {
        check(&raw)?;
    }

    #[test]
    fn any_cost_object_is_a_price_or_a_client_error(value in shaped(&CUSTOM_COST)) {
        check(&value.to_string())?;
    }

    #[test]
    fn valid_prices_read_back(input in 0.0..1e3f64, output in 0.0..1e3f64, total in 0.0..1e6f64) {
        let per_token = json!({"per_token_in": input, "per_token_out": output}).to_string();
        let CustomCost::PerToken(PerToken { input: i, output: o, .. }) = parse_custom_cost(&per_token).unwrap() else {
            return Err(TestCaseError::fail(format!("{per_token} is not per-token")));
        };
        prop_assert!(close(i, input) && close(o, output), "{} read as {} and {}", per_token, i, o);
        let whole = json!({"total_cost": total}).to_string();
        let CustomCost::Total(t) = parse_custom_cost(&whole).unwrap() else {
            return Err(TestCaseError::fail(format!("{whole} is not a total")));
        };
        prop_assert!(close(t, total), "{} read as {}", whole, t);
    }
}
