use super::*;

const T0: i64 = 1_800_000_000_000; // a multiple of 60 s

fn meter(name: &str, unit: Unit, limit: f64, span: Span, technique: Technique) -> Meter {
    Meter { name: name.into(), unit, limit, span, technique }
}

fn requests(limit: f64, technique: Technique) -> Meter {
    meter("requests", Unit::Requests, limit, Span::Every { ms: 60_000 }, technique)
}

fn granted(v: &Verdict) -> bool {
    matches!(v, Verdict::Granted { .. })
}

fn holds(v: Verdict) -> Vec<Hold> {
    match v {
        Verdict::Granted { holds, .. } => holds,
        Verdict::Refused(r) => panic!("refused: {r:?}"),
    }
}

#[test]
fn exactly_the_limit_is_granted_in_one_window() {
    let mut c = Counter::default();
    let charge = [Charge { meter: requests(20.0, Technique::Fixed), amount: 1.0 }];
    let granted_count = (0..50).filter(|i| granted(&c.reserve(&format!("r{i}"), &charge, T0 + i, T0 + 60_000))).count();
    assert_eq!(granted_count, 20);
    let Verdict::Refused(refusal) = c.reserve("late", &charge, T0 + 59_999, T0 + 120_000) else { panic!() };
    assert_eq!((refusal.spent, refusal.limit, refusal.retry_at_ms), (20.0, 20.0, T0 + 60_000));
    assert!(!refusal.never);
    // The next fixed window starts from zero.
    assert!(granted(&c.reserve("next", &charge, T0 + 60_000, T0 + 120_000)));
}

#[test]
fn a_sliding_window_weighs_the_previous_one_down_as_it_goes() {
    let mut c = Counter::default();
    let charge = [Charge { meter: requests(10.0, Technique::Sliding), amount: 1.0 }];
    for i in 0..10 {
        assert!(granted(&c.reserve(&format!("a{i}"), &charge, T0 + 50_000, T0 + 1)));
    }
    // Just after the boundary the previous window still weighs ~10: refused, where fixed grants.
    assert!(!granted(&c.reserve("b", &charge, T0 + 60_001, T0 + 1)));
    let mut fixed = Counter::default();
    let fixed_charge = [Charge { meter: requests(10.0, Technique::Fixed), amount: 1.0 }];
    for i in 0..10 {
        assert!(granted(&fixed.reserve(&format!("a{i}"), &fixed_charge, T0 + 50_000, T0 + 1)));
    }
    assert!(granted(&fixed.reserve("b", &fixed_charge, T0 + 60_001, T0 + 1)));
    // Halfway through, the previous window counts 5: five more fit, not six.
    let granted_half = (0..6).filter(|i| granted(&c.reserve(&format!("c{i}"), &charge, T0 + 90_000, T0 + 1))).count();
    assert_eq!(granted_half, 5);
    // Two windows later, nothing of it is left.
    assert!(granted(&c.reserve("d", &charge, T0 + 180_000, T0 + 1)));
}

#[test]
fn holds_are_replaced_by_what_was_used_and_released_on_failure_or_expiry() {
    let tokens = meter("tokens/minute", Unit::Tokens, 1000.0, Span::Minute, Technique::Fixed);
    let charge = |n| [Charge { meter: tokens.clone(), amount: n }];
    let mut c = Counter::default();
    let h1 = holds(c.reserve("a", &charge(600.0), T0, T0 + 10_000));
    assert!(!granted(&c.reserve("b", &charge(600.0), T0 + 1, T0 + 10_000)), "600 held + 600 > 1000");
    c.settle("a", &h1, Actual { tokens: 100.0, usd: 0.0 }, false, T0 + 2);
    let h2 = holds(c.reserve("b", &charge(600.0), T0 + 3, T0 + 10_000));
    // A failure settles nothing used.
    c.settle("b", &h2, Actual::default(), false, T0 + 4);
    assert_eq!(c.status(&tokens, T0 + 5), (100.0, 0.0, T0 + 60_000));
    // A hold whose settlement never comes is released at its expiry.
    holds(c.reserve("c", &charge(900.0), T0 + 6, T0 + 7_000));
    assert!(!granted(&c.reserve("d", &charge(900.0), T0 + 6_999, T0 + 20_000)));
    assert!(granted(&c.reserve("d", &charge(900.0), T0 + 7_000, T0 + 20_000)));
}

#[test]
fn a_late_settlement_counts_in_the_window_it_was_made_in() {
    let usd = meter("budget/day", Unit::Usd, 1.0, Span::Day, Technique::Fixed);
    let mut c = Counter::default();
    let h = holds(c.reserve("a", &[Charge { meter: usd.clone(), amount: 0.5 }], T0, T0 + 1_000));
    // Expired, then settled: still counted.
    c.settle("a", &h, Actual { tokens: 0.0, usd: 0.3 }, false, T0 + 5_000);
    assert!((c.status(&usd, T0 + 5_000).0 - 0.3).abs() < 1e-12);
}

#[test]
fn a_cancelled_request_is_not_counted_at_all() {
    let mut c = Counter::default();
    let charge = [Charge { meter: requests(1.0, Technique::Fixed), amount: 1.0 }];
    let h = holds(c.reserve("a", &charge, T0, T0 + 1));
    assert!(!granted(&c.reserve("b", &charge, T0, T0 + 1)));
    c.settle("a", &h, Actual::default(), true, T0);
    assert!(granted(&c.reserve("b", &charge, T0, T0 + 1)));
}

#[test]
fn all_or_nothing_and_never_for_a_request_larger_than_the_limit() {
    let req = requests(5.0, Technique::Fixed);
    let tok = meter("tokens/minute", Unit::Tokens, 100.0, Span::Minute, Technique::Fixed);
    let mut c = Counter::default();
    let v = c.reserve(
        "a",
        &[Charge { meter: req.clone(), amount: 1.0 }, Charge { meter: tok.clone(), amount: 150.0 }],
        T0,
        T0 + 1,
    );
    let Verdict::Refused(r) = v else { panic!() };
    assert!(r.never && r.meter == "tokens/minute");
    // The request meter was not charged by the refused reservation.
    assert_eq!(c.status(&req, T0).0, 0.0);
}

#[test]
fn the_state_survives_a_round_trip_through_json() {
    let mut c = Counter::default();
    let charge = [Charge { meter: requests(3.0, Technique::Fixed), amount: 1.0 }];
    holds(c.reserve("a", &charge, T0, T0 + 1));
    let back: Counter = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(back, c);
}
