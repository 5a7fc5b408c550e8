//! Property tests of the retry headers and `RETRY_DEFAULTS`: any value is accepted within its
//! bounds or refused naming the header (400) or the variable (500), and no policy waits longer
//! than the backoff cap whatever the upstream's `Retry-After`.

use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::strategies::{assert_client_error, assert_misconfigured, config, shaped, text, Shape};

const HEADERS: [&str; 4] = ["cf-aig-request-timeout", "cf-aig-max-attempts", "cf-aig-retry-delay", "cf-aig-backoff"];

const STEP_CONFIG: Shape = Shape::Obj(&[
    ("requestTimeout", Shape::Opt(&Shape::Int(1, 60_000))),
    ("maxAttempts", Shape::Opt(&Shape::Int(1, 5))),
    ("retryDelay", Shape::Opt(&Shape::Int(0, 5000))),
    (
        "backoff",
        Shape::Opt(&Shape::Str(&["constant", "linear", "exponential", "EXPONENTIAL", " linear "], &["", "fast"])),
    ),
]);

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        select(&["0", "1", "5", "6", "5000", "5001", "+3", "-1", " 2 ", "1e3", "linear", "Exponential", ""][..])
            .prop_map(str::to_string),
        any::<u64>().prop_map(|n| n.to_string()),
        text(),
    ]
}

fn policy() -> impl Strategy<Value = RetryPolicy> {
    let backoff = select(&[Backoff::Constant, Backoff::Linear, Backoff::Exponential][..]);
    (proptest::option::of(any::<u64>()), 0u32..=MAX_ATTEMPTS + 1, any::<u64>(), backoff).prop_map(
        |(request_timeout_ms, max_attempts, retry_delay_ms, backoff)| RetryPolicy {
            request_timeout_ms,
            max_attempts,
            retry_delay_ms,
            backoff,
        },
    )
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn any_retry_headers_are_overrides_in_bounds_or_a_client_error(
        values in proptest::collection::vec(proptest::option::of(value()), 4),
    ) {
        let headers: Headers =
            HEADERS.iter().zip(&values).filter_map(|(n, v)| v.as_ref().map(|v| (*n, v.clone()))).collect();
        match RetryOverrides::from_headers(&headers) {
            Ok(o) => {
                prop_assert!(o.request_timeout_ms.is_none_or(|t| t >= 1));
                prop_assert!(o.max_attempts.is_none_or(|n| (1..=MAX_ATTEMPTS).contains(&n)));
                prop_assert!(o.retry_delay_ms.is_none_or(|d| d <= MAX_RETRY_DELAY_MS));
            }
            Err(e) => {
                assert_client_error(&e)?;
                prop_assert!(HEADERS.iter().any(|h| e.message().contains(h)), "{}", e);
            }
        }
    }

    #[test]
    fn numbers_in_bounds_read_back_whatever_the_spaces(
        attempts in 1..=MAX_ATTEMPTS,
        delay in 0..=MAX_RETRY_DELAY_MS,
        timeout in 1..u64::MAX,
        pad in "[ \t]{0,2}",
    ) {
        let headers: Headers = [
            ("cf-aig-max-attempts", format!("{pad}{attempts}{pad}")),
            ("cf-aig-retry-delay", format!("{pad}{delay}")),
            ("cf-aig-request-timeout", format!("{timeout}{pad}")),
        ]
        .into_iter()
        .collect();
        let o = RetryOverrides::from_headers(&headers).unwrap();
        let read = (o.max_attempts, o.retry_delay_ms, o.request_timeout_ms);
        prop_assert_eq!(read, (Some(attempts), Some(delay), Some(timeout)));
    }

    #[test]
    fn retry_defaults_are_a_policy_or_a_configuration_error(value in shaped(&STEP_CONFIG), raw in text()) {
        for raw in [value.to_string(), raw] {
            match RetryPolicy::from_var(Some(&raw)) {
                Ok(p) => {
                    prop_assert!((1..=MAX_ATTEMPTS).contains(&p.max_attempts));
                    prop_assert!(p.retry_delay_ms <= MAX_RETRY_DELAY_MS);
                }
                Err(e) => assert_misconfigured(&e)?,
            }
        }
    }

    #[test]
    fn no_wait_exceeds_the_caps(
        policy in policy(),
        attempt in any::<u32>(),
        status in any::<u16>(),
        retry_after in proptest::option::of(prop_oneof![any::<u64>().prop_map(|n| n.to_string()), text()]),
        now in any::<f64>(),
    ) {
        prop_assert!(policy.delay_before_attempt(attempt) <= MAX_BACKOFF_MS);
        let outcome = AttemptOutcome::Response { status, retry_after: retry_after.as_deref() };
        match policy.decide(&outcome, attempt, now) {
            StepVerdict::Retry { delay_ms } => {
                prop_assert!(attempt < policy.max_attempts);
                prop_assert!(delay_ms <= MAX_BACKOFF_MS.max(RETRY_AFTER_BUDGET_MS));
            }
            StepVerdict::Accept => prop_assert!(!outcome.is_retryable()),
            StepVerdict::Failed => prop_assert!(outcome.is_retryable()),
        }
    }
}
