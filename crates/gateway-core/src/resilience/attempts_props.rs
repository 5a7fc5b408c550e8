//! Property tests of the attempt state machine: whatever the upstreams answer (statuses,
//! `Retry-After` values, no answer), a request ends within the attempt budgets, and every
//! decision points at the attempt that follows it.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::resilience::retry::Backoff;
use crate::strategies::{config, text};

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let policy = (0u32..=6, 0u64..50, select(&[Backoff::Constant, Backoff::Linear, Backoff::Exponential][..]))
        .prop_map(|(max_attempts, retry_delay_ms, backoff)| RetryPolicy {
            request_timeout_ms: Some(1000),
            max_attempts,
            retry_delay_ms,
            backoff,
        });
    vec((0usize..100, policy).prop_map(|(index, policy)| Step { index, policy }), 0..12)
}

/// A status or no answer, with the raw `Retry-After` of a status.
type Answer = (Option<u16>, bool, Option<String>);

fn answers() -> impl Strategy<Value = Vec<Answer>> {
    let status = prop_oneof![select(&[200u16, 201, 400, 404, 429, 500, 502, 503, 504, 529][..]), any::<u16>()];
    let retry_after = proptest::option::of(prop_oneof![(0u64..10).prop_map(|s| s.to_string()), text()]);
    vec((proptest::option::of(status), any::<bool>(), retry_after), 1..30)
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn requests_end_within_budget_and_decisions_match_the_next_attempt(steps in steps(), answers in answers()) {
        let mut attempts = Attempts::new(steps.clone());
        let mut script = answers.iter().cycle();
        let mut last = None;
        while let Some(current) = attempts.current() {
            prop_assert!(attempts.total_attempts() < MAX_TOTAL_ATTEMPTS);
            let (status, timed_out, retry_after) = script.next().unwrap();
            let outcome = match (status, timed_out) {
                (Some(status), _) => AttemptOutcome::Response { status: *status, retry_after: retry_after.as_deref() },
                (None, true) => AttemptOutcome::TimedOut,
                (None, false) => AttemptOutcome::Unreachable,
            };
            let decision = attempts.record(&outcome, 0.0, 1.0);
            let next = attempts.current();
            match decision {
                Decision::RetryAfter { .. } => {
                    prop_assert_eq!(next.map(|n| (n.step, n.number)), Some((current.step, current.number + 1)))
                }
                Decision::NextStep { step } => prop_assert_eq!(next.map(|n| (n.step, n.number)), Some((step, 1))),
                Decision::Accept | Decision::GiveUp => prop_assert!(next.is_none()),
            }
            last = Some(outcome);
        }
        prop_assert!(attempts.total_attempts() <= MAX_TOTAL_ATTEMPTS);
        for (position, step) in steps.iter().enumerate() {
            let made = attempts.records().iter().filter(|r| r.step == step.index).count() as u32;
            // Indexes may repeat; count only when this one is unique.
            if steps.iter().filter(|s| s.index == step.index).count() == 1 {
                prop_assert!(made <= step.policy.max_attempts.max(1), "step {} made {} attempts", position, made);
            }
        }
        let answered = last.and_then(|o| o.status()).is_some();
        prop_assert_eq!(attempts.answered_step().is_some(), answered);
    }
}
