use super::*;

fn refusal(unit: Unit, never: bool) -> Refusal {
    Refusal {
        meter: "requests".into(),
        unit,
        span: Span::Every { ms: 60_000 },
        limit: 20.0,
        spent: 20.0,
        asked: 1.0,
        retry_at_ms: 1_000_000 + 12_345,
        never,
    }
}

#[test]
fn a_refusal_names_the_limit_its_window_and_what_was_spent() {
    let err = refused("virtual key \"vk_1\"", &refusal(Unit::Requests, false), 1_000_000);
    assert_eq!(
        (err.status(), err.kind().code(), err.error_type()),
        (429, "rate_limit_exceeded", "rate_limit_exceeded")
    );
    assert_eq!(err.retry_after_s(), Some(13));
    for part in ["vk_1", "`requests`", "20 requests per 60 s", "20 requests spent"] {
        assert!(err.message().contains(part), "{part}: {}", err.message());
    }
    let budget = refused(
        "gateway \"g\"",
        &Refusal { unit: Unit::Usd, limit: 0.25, spent: 0.25, asked: 0.01, ..refusal(Unit::Usd, false) },
        0,
    );
    assert_eq!(budget.error_type(), "budget_exceeded");
    assert!(budget.message().contains("$0.2500"), "{}", budget.message());
    let never = refused("gateway \"g\"", &refusal(Unit::Tokens, true), 0);
    assert!(never.message().contains("can never"), "{}", never.message());
    assert_eq!(never.retry_after_s(), None);
}

#[test]
fn headers_show_the_tightest_meter_of_each_kind() {
    let s =
        |unit, limit: f64, remaining: f64, reset_ms| Standing { meter: "m".into(), unit, limit, remaining, reset_ms };
    let standing = [
        s(Unit::Requests, 100.0, 40.0, 61_000),
        s(Unit::Requests, 10.0, 3.0, 3_600_500),
        s(Unit::Tokens, 5000.0, 4000.5, 1_000),
        s(Unit::Usd, 1.0, 0.5, 1_000),
    ];
    let mut h = Headers::new();
    rate_limit_headers(&standing, 500, &mut h);
    assert_eq!(h.get("x-ratelimit-limit-requests"), Some("10"));
    assert_eq!(h.get("x-ratelimit-remaining-requests"), Some("3"));
    assert_eq!(h.get("x-ratelimit-reset-requests"), Some("1h0m0s"));
    assert_eq!(h.get("x-ratelimit-remaining-tokens"), Some("4000"));
    assert_eq!(h.get("x-ratelimit-reset-tokens"), Some("1s"));
}
