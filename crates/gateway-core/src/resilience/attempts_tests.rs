//! Unit tests of `resilience::attempts`: scripted outcome sequences.

use super::*;
use crate::resilience::retry::Backoff;

fn step(index: usize, max_attempts: u32) -> Step {
    Step {
        index,
        policy: RetryPolicy {
            request_timeout_ms: Some(1000),
            max_attempts,
            retry_delay_ms: 100,
            backoff: Backoff::Linear,
        },
    }
}

fn status(code: u16) -> AttemptOutcome<'static> {
    AttemptOutcome::Response { status: code, retry_after: None }
}

/// Feeds the outcomes one by one, each attempt taking 10 ms; returns the decisions.
fn drive(attempts: &mut Attempts, outcomes: &[AttemptOutcome<'_>]) -> Vec<Decision> {
    let mut clock = 1_000.0;
    let mut decisions = Vec::new();
    for outcome in outcomes {
        assert!(attempts.current().is_some(), "script longer than the request");
        decisions.push(attempts.record(outcome, clock, clock + 10.0));
        clock += 10.0;
    }
    decisions
}

#[test]
fn two_503s_then_200_accepts_at_step_0_after_three_attempts() {
    let mut a = Attempts::new(vec![step(0, 3), step(1, 1)]);
    let d = drive(&mut a, &[status(503), status(503), status(200)]);
    assert_eq!(d, [Decision::RetryAfter { delay_ms: 100 }, Decision::RetryAfter { delay_ms: 200 }, Decision::Accept]);
    assert_eq!(a.total_attempts(), 3);
    assert_eq!(a.answered_step(), Some(0));
    assert_eq!(a.current(), None);
    let numbers: Vec<_> = a.records().iter().map(|r| (r.step, r.attempt, r.status)).collect();
    assert_eq!(numbers, [(0, 1, Some(503)), (0, 2, Some(503)), (0, 3, Some(200))]);
    assert_eq!((a.records()[1].started_at_ms, a.records()[1].ended_at_ms), (1010.0, 1020.0));
}

#[test]
fn five_500s_move_to_the_next_step_which_answers() {
    let mut a = Attempts::new(vec![step(0, 5), step(1, 2)]);
    let mut script = vec![status(500); 5];
    script.push(status(200));
    let d = drive(&mut a, &script);
    assert_eq!(d[4], Decision::NextStep { step: 1 });
    assert_eq!(d[5], Decision::Accept);
    assert_eq!(a.answered_step(), Some(1));
    assert_eq!(a.records()[5].step, 1);
    assert_eq!(a.records()[5].attempt, 1);
}

#[test]
fn a_client_error_is_returned_as_is_without_retry_or_fallback() {
    let mut a = Attempts::new(vec![step(0, 5), step(1, 5)]);
    assert_eq!(drive(&mut a, &[status(400)]), [Decision::Accept]);
    assert_eq!((a.total_attempts(), a.answered_step(), a.current()), (1, Some(0), None));
}

#[test]
fn timeouts_and_unreachable_are_retried_then_fall_back_then_give_up() {
    let mut a = Attempts::new(vec![step(0, 2), step(1, 1)]);
    assert_eq!(a.current().unwrap().timeout_ms, Some(1000));
    let d = drive(&mut a, &[AttemptOutcome::TimedOut, AttemptOutcome::Unreachable, AttemptOutcome::TimedOut]);
    assert_eq!(d, [Decision::RetryAfter { delay_ms: 100 }, Decision::NextStep { step: 1 }, Decision::GiveUp]);
    assert_eq!(a.answered_step(), None, "no response to attach cf-aig-step to");
    let errors: Vec<_> = a.records().iter().map(|r| r.error).collect();
    assert_eq!(errors, [Some("timeout"), Some("unreachable"), Some("timeout")]);
}

#[test]
fn giving_up_on_a_response_reports_the_step_that_sent_it() {
    let mut a = Attempts::new(vec![step(4, 1), step(7, 1)]);
    let d = drive(&mut a, &[status(502), status(429)]);
    assert_eq!(d, [Decision::NextStep { step: 7 }, Decision::GiveUp]);
    assert_eq!(a.answered_step(), Some(7));
}

#[test]
fn a_long_retry_after_skips_to_the_next_step() {
    let mut a = Attempts::new(vec![step(0, 5), step(1, 1)]);
    let d = drive(&mut a, &[AttemptOutcome::Response { status: 429, retry_after: Some("60") }]);
    assert_eq!(d, [Decision::NextStep { step: 1 }]);
}

#[test]
fn total_attempts_are_capped_whatever_the_configuration() {
    let steps: Vec<Step> = (0..10).map(|i| step(i, 5)).collect();
    let mut a = Attempts::new(steps);
    let mut decisions = Vec::new();
    while a.current().is_some() {
        decisions.push(a.record(&status(503), 0.0, 0.0));
    }
    assert_eq!(a.total_attempts(), MAX_TOTAL_ATTEMPTS);
    assert_eq!(decisions.last(), Some(&Decision::GiveUp));
    assert_eq!(decisions.iter().filter(|d| matches!(d, Decision::NextStep { .. })).count(), 3);
    assert_eq!(a.record(&status(200), 0.0, 0.0), Decision::GiveUp, "nothing current: nothing recorded");
    assert_eq!(a.into_records().len(), MAX_TOTAL_ATTEMPTS as usize);
}

#[test]
fn no_steps_means_nothing_to_attempt() {
    let mut a = Attempts::new(Vec::new());
    assert_eq!(a.current(), None);
    assert_eq!(a.record(&status(200), 0.0, 0.0), Decision::GiveUp);
    assert!(a.records().is_empty());
}

#[test]
fn a_timeout_may_be_followed_while_a_retry_or_a_next_step_remains() {
    let mut single = Attempts::new(vec![step(0, 1)]);
    assert!(!single.may_follow_a_timeout(), "one attempt, one step: nothing would follow");
    let mut retried = Attempts::new(vec![step(0, 2)]);
    assert!(retried.may_follow_a_timeout());
    drive(&mut retried, &[AttemptOutcome::TimedOut]);
    assert!(!retried.may_follow_a_timeout(), "the last attempt of the last step");
    let mut fallback = Attempts::new(vec![step(0, 1), step(1, 1)]);
    assert!(fallback.may_follow_a_timeout());
    drive(&mut fallback, &[AttemptOutcome::TimedOut]);
    assert!(!fallback.may_follow_a_timeout());
    drive(&mut single, &[status(200)]);
    assert!(!single.may_follow_a_timeout(), "a decided request has no current attempt");
}
