//! Unit tests of `resilience::retry`.

use serde_json::json;

use super::*;

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs.iter().map(|(n, v)| (*n, *v)).collect()
}

fn header_error(name: &str, value: &str) -> GatewayError {
    RetryOverrides::from_headers(&headers(&[(name, value)])).unwrap_err()
}

fn policy(max_attempts: u32, retry_delay_ms: u64, backoff: Backoff) -> RetryPolicy {
    RetryPolicy { request_timeout_ms: None, max_attempts, retry_delay_ms, backoff }
}

#[test]
fn no_headers_means_no_overrides_and_the_default_is_one_attempt_within_five_minutes() {
    assert_eq!(RetryOverrides::from_headers(&Headers::new()).unwrap(), RetryOverrides::default());
    let d = RetryPolicy::default();
    assert_eq!((d.max_attempts, d.request_timeout_ms), (1, Some(300_000)));
}

#[test]
fn headers_at_their_bounds_are_read() {
    let low = RetryOverrides::from_headers(&headers(&[
        ("cf-aig-request-timeout", "1"),
        ("cf-aig-max-attempts", "1"),
        ("cf-aig-retry-delay", "0"),
        ("cf-aig-backoff", "constant"),
    ]))
    .unwrap();
    assert_eq!(
        low,
        RetryOverrides {
            request_timeout_ms: Some(1),
            max_attempts: Some(1),
            retry_delay_ms: Some(0),
            backoff: Some(Backoff::Constant)
        }
    );
    let high = RetryOverrides::from_headers(&headers(&[
        ("CF-AIG-Request-Timeout", " 600000 "),
        ("cf-aig-max-attempts", "5"),
        ("cf-aig-retry-delay", "5000"),
        ("cf-aig-backoff", "EXPONENTIAL"),
    ]))
    .unwrap();
    assert_eq!(
        high,
        RetryOverrides {
            request_timeout_ms: Some(600_000),
            max_attempts: Some(5),
            retry_delay_ms: Some(5000),
            backoff: Some(Backoff::Exponential)
        }
    );
    let linear = RetryOverrides::from_headers(&headers(&[("cf-aig-backoff", "Linear")])).unwrap();
    assert_eq!(linear.backoff, Some(Backoff::Linear));
}

#[test]
fn out_of_range_or_malformed_headers_are_400_naming_the_header_and_range() {
    let cases = [
        ("cf-aig-request-timeout", "0", "1 or more"),
        ("cf-aig-request-timeout", "-5", "1 or more"),
        ("cf-aig-request-timeout", "1.5", "1 or more"),
        ("cf-aig-request-timeout", "soon", "1 or more"),
        ("cf-aig-request-timeout", "99999999999999999999999", "1 or more"),
        ("cf-aig-max-attempts", "0", "from 1 to 5"),
        ("cf-aig-max-attempts", "6", "from 1 to 5"),
        ("cf-aig-max-attempts", "+3", "from 1 to 5"),
        ("cf-aig-max-attempts", "", "from 1 to 5"),
        ("cf-aig-retry-delay", "5001", "from 0 to 5000"),
        ("cf-aig-retry-delay", "-1", "from 0 to 5000"),
        ("cf-aig-backoff", "fibonacci", "constant, linear, exponential"),
        ("cf-aig-backoff", "", "constant, linear, exponential"),
    ];
    for (name, value, allowed) in cases {
        let err = header_error(name, value);
        assert_eq!(err.status(), 400, "{name}: {value}");
        assert!(err.message().starts_with(name), "{}", err.message());
        assert!(err.message().contains(allowed), "{}", err.message());
        assert!(err.message().contains(&format!("{value:?}")), "{}", err.message());
    }
}

#[test]
fn step_config_uses_the_same_bounds_and_names_the_field() {
    let ok = RetryOverrides::from_json(
        &json!({"requestTimeout": 2500, "maxAttempts": 3, "retryDelay": 0, "backoff": "linear", "other": 1}),
        "steps[1].config",
    )
    .unwrap();
    assert_eq!(
        ok,
        RetryOverrides {
            request_timeout_ms: Some(2500),
            max_attempts: Some(3),
            retry_delay_ms: Some(0),
            backoff: Some(Backoff::Linear)
        }
    );
    let cases = [
        (json!({"maxAttempts": 6}), "steps[1].config.maxAttempts must be a whole number from 1 to 5"),
        (json!({"maxAttempts": "3"}), "steps[1].config.maxAttempts"),
        (json!({"retryDelay": 5001}), "steps[1].config.retryDelay must be a whole number of milliseconds from 0"),
        (json!({"requestTimeout": 0}), "steps[1].config.requestTimeout must be a whole number of milliseconds, 1"),
        (json!({"requestTimeout": 1.5}), "steps[1].config.requestTimeout"),
        (json!({"backoff": "slow"}), "steps[1].config.backoff must be one of constant, linear, exponential"),
        (json!([1]), "steps[1].config must be a JSON object"),
    ];
    for (value, expected) in cases {
        let message = RetryOverrides::from_json(&value, "steps[1].config").unwrap_err();
        assert!(message.starts_with(expected), "{message}");
    }
}

#[test]
fn step_config_beats_headers_which_beat_the_gateway_default() {
    let default =
        RetryPolicy { request_timeout_ms: Some(9000), max_attempts: 2, retry_delay_ms: 700, backoff: Backoff::Linear };
    let headers = RetryOverrides { max_attempts: Some(4), retry_delay_ms: Some(50), ..Default::default() };
    let step = RetryOverrides { max_attempts: Some(3), ..Default::default() };
    let resolved = RetryPolicy::resolve(default, headers, step);
    assert_eq!(
        resolved,
        RetryPolicy { request_timeout_ms: Some(9000), max_attempts: 3, retry_delay_ms: 50, backoff: Backoff::Linear }
    );
    assert_eq!(RetryPolicy::resolve(default, RetryOverrides::default(), RetryOverrides::default()), default);
}

#[test]
fn gateway_default_comes_from_retry_defaults() {
    assert_eq!(RetryPolicy::from_var(None).unwrap(), RetryPolicy::default());
    assert_eq!(RetryPolicy::from_var(Some(" ")).unwrap(), RetryPolicy::default());
    let p = RetryPolicy::from_var(Some(r#"{"maxAttempts":3,"backoff":"exponential"}"#)).unwrap();
    assert_eq!(
        p,
        RetryPolicy {
            request_timeout_ms: Some(DEFAULT_REQUEST_TIMEOUT_MS),
            ..policy(3, DEFAULT_RETRY_DELAY_MS, Backoff::Exponential)
        }
    );
    let raised = RetryPolicy::from_var(Some(r#"{"requestTimeout":900000}"#)).unwrap();
    assert_eq!(raised.request_timeout_ms, Some(900_000));
    let err = RetryPolicy::from_var(Some(r#"{"maxAttempts":9}"#)).unwrap_err();
    assert_eq!((err.status(), err.kind()), (500, ErrorKind::Misconfigured));
    assert!(err.message().starts_with("RETRY_DEFAULTS.maxAttempts"), "{}", err.message());
    assert!(RetryPolicy::from_var(Some("{")).unwrap_err().message().starts_with("RETRY_DEFAULTS must be JSON"));
}

#[test]
fn backoff_schedules() {
    let schedule = |p: RetryPolicy| (1..=6).map(|n| p.delay_before_attempt(n)).collect::<Vec<_>>();
    assert_eq!(schedule(policy(5, 1000, Backoff::Constant)), [0, 1000, 1000, 1000, 1000, 1000]);
    assert_eq!(schedule(policy(5, 1000, Backoff::Linear)), [0, 1000, 2000, 3000, 4000, 5000]);
    assert_eq!(schedule(policy(5, 1000, Backoff::Exponential)), [0, 1000, 2000, 4000, 8000, 16000]);
    assert_eq!(
        schedule(policy(5, 5000, Backoff::Exponential)),
        [0, 5000, 10000, 20000, MAX_BACKOFF_MS, MAX_BACKOFF_MS]
    );
    assert_eq!(policy(5, 5000, Backoff::Exponential).delay_before_attempt(200), MAX_BACKOFF_MS);
    assert_eq!(schedule(policy(5, 0, Backoff::Exponential)), [0; 6]);
}

#[test]
fn retryable_outcomes() {
    let response = |status| AttemptOutcome::Response { status, retry_after: None };
    for status in [429, 500, 502, 503, 504, 520, 522, 524, 529] {
        assert!(response(status).is_retryable(), "{status}");
    }
    for status in [200, 201, 204, 301, 400, 401, 403, 404, 408, 409, 422, 501, 505, 530] {
        assert!(!response(status).is_retryable(), "{status}");
    }
    assert!(AttemptOutcome::Unreachable.is_retryable());
    assert!(AttemptOutcome::TimedOut.is_retryable());
}

#[test]
fn decide_retries_until_attempts_run_out() {
    let p = policy(3, 200, Backoff::Linear);
    let s503 = AttemptOutcome::Response { status: 503, retry_after: None };
    assert_eq!(p.decide(&s503, 1, 0.0), StepVerdict::Retry { delay_ms: 200 });
    assert_eq!(p.decide(&AttemptOutcome::TimedOut, 2, 0.0), StepVerdict::Retry { delay_ms: 400 });
    assert_eq!(p.decide(&s503, 3, 0.0), StepVerdict::Failed);
    assert_eq!(p.decide(&AttemptOutcome::Response { status: 200, retry_after: None }, 1, 0.0), StepVerdict::Accept);
    assert_eq!(p.decide(&AttemptOutcome::Response { status: 404, retry_after: None }, 1, 0.0), StepVerdict::Accept);
    assert_eq!(RetryPolicy::default().decide(&AttemptOutcome::Unreachable, 1, 0.0), StepVerdict::Failed);
}

#[test]
fn retry_after_is_honoured_within_the_budget_only() {
    let p = policy(3, 1000, Backoff::Constant);
    let with = |retry_after| AttemptOutcome::Response { status: 429, retry_after: Some(retry_after) };
    assert_eq!(p.decide(&with("3"), 1, 0.0), StepVerdict::Retry { delay_ms: 3000 }, "longer than computed");
    assert_eq!(p.decide(&with("0"), 1, 0.0), StepVerdict::Retry { delay_ms: 1000 }, "shorter: computed wins");
    assert_eq!(p.decide(&with("5"), 1, 0.0), StepVerdict::Retry { delay_ms: 5000 }, "exactly the budget");
    assert_eq!(p.decide(&with("6"), 1, 0.0), StepVerdict::Failed, "over the budget");
    assert_eq!(p.decide(&with("later"), 1, 0.0), StepVerdict::Retry { delay_ms: 1000 }, "unparseable is ignored");
    let now = 1_445_412_480_000.0 - 4000.0;
    let date = with("Wed, 21 Oct 2015 07:28:00 GMT");
    assert_eq!(p.decide(&date, 1, now), StepVerdict::Retry { delay_ms: 4000 });
    assert_eq!(p.decide(&date, 1, now - 2000.0), StepVerdict::Failed);
    // A computed delay above the budget raises the budget to itself.
    let slow = policy(5, 5000, Backoff::Exponential);
    assert_eq!(slow.decide(&with("15"), 3, 0.0), StepVerdict::Retry { delay_ms: 20_000 });
    assert_eq!(slow.decide(&with("21"), 3, 0.0), StepVerdict::Failed);
}

#[test]
fn errors_for_attempts_without_a_response() {
    let timeout = AttemptOutcome::TimedOut.error(Some(1500)).unwrap();
    assert_eq!(timeout.status(), 504);
    assert!(timeout.message().contains("1500 ms"));
    assert_eq!(AttemptOutcome::Unreachable.error(None).unwrap().status(), 502);
    assert!(AttemptOutcome::Response { status: 503, retry_after: None }.error(None).is_none());
}
