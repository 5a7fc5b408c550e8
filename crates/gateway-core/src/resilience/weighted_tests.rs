//! Unit tests of `resilience::weighted`.

use super::*;
use crate::resilience::test_rng::Seeded;

#[test]
fn boundaries_map_to_the_right_item() {
    let weights = [1u32, 3];
    // Total 4: [0, 0.25) is the first item, [0.25, 1) the second.
    assert_eq!(pick(&weights, |w| *w, 0.0), Some(0));
    assert_eq!(pick(&weights, |w| *w, 0.2499), Some(0));
    assert_eq!(pick(&weights, |w| *w, 0.25), Some(1));
    assert_eq!(pick(&weights, |w| *w, 0.9999), Some(1));
}

#[test]
fn out_of_range_random_is_clamped() {
    let weights = [2u32, 2];
    assert_eq!(pick(&weights, |w| *w, -3.0), Some(0));
    assert_eq!(pick(&weights, |w| *w, 1.0), Some(1));
    assert_eq!(pick(&weights, |w| *w, 7.5), Some(1));
    assert_eq!(pick(&weights, |w| *w, f64::NAN), Some(0));
}

#[test]
fn zero_weights_are_never_picked() {
    let weights = [0u32, 5, 0];
    for r in [0.0, 0.3, 0.6, 0.99] {
        assert_eq!(pick(&weights, |w| *w, r), Some(1));
    }
    assert_eq!(pick(&[0u32, 0], |w| *w, 0.5), None);
    assert_eq!(pick(&[] as &[u32], |w| *w, 0.5), None);
}

#[test]
fn draws_follow_the_weights() {
    let weights = [1u32, 2, 7];
    let mut rng = Seeded::new(42);
    let mut counts = [0u32; 3];
    let draws = 20_000;
    for _ in 0..draws {
        counts[pick(&weights, |w| *w, rng.next_f64()).unwrap()] += 1;
    }
    for (count, w) in counts.iter().zip(weights) {
        let expected = f64::from(draws) * f64::from(w) / 10.0;
        assert!((f64::from(*count) - expected).abs() < expected * 0.05, "{counts:?}");
    }
}
