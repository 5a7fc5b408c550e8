//! The attempt state machine the runtime drives for one client request.
//!
//! Built from an ordered list of steps (universal-endpoint steps, or a route's plan), it says
//! after each attempt what to do next and keeps a record of every attempt for the logs. Each step
//! is attempted up to its policy's `max_attempts`; a step that fails retryably hands over to the
//! next; a final answer (success or a non-retryable status such as 400) ends the request at once,
//! with no fallback, because a request the provider calls wrong would fail the same way elsewhere.

use serde::Serialize;

use super::retry::{AttemptOutcome, RetryPolicy, StepVerdict};

/// Most upstream attempts for one client request, across all steps, whatever the configuration:
/// 10 steps × 5 attempts could otherwise make 50 subrequests, all of a Workers free-plan
/// invocation's budget, and hold the client for minutes.
pub const MAX_TOTAL_ATTEMPTS: u32 = 20;

/// One step to attempt: an index the caller chooses (the position in the universal body, or in
/// a route's plan) and how to attempt it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Opaque to the state machine; reported back in [`Attempt`], [`Decision::NextStep`],
    /// [`AttemptRecord`] and as the `cf-aig-step` value.
    pub index: usize,
    pub policy: RetryPolicy,
}

/// The attempt the runtime should make now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// The [`Step::index`] to send.
    pub step: usize,
    /// Attempt number within the step, from 1.
    pub number: u32,
    /// Abort and report [`AttemptOutcome::TimedOut`] when no response head arrives in this many ms.
    pub timeout_ms: Option<u64>,
}

/// What the runtime does after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Return this attempt's response to the client.
    Accept,
    /// Discard this attempt's response, wait `delay_ms`, attempt the same step again.
    RetryAfter { delay_ms: u64 },
    /// Discard this attempt's response and attempt step `step` at once.
    NextStep { step: usize },
    /// Stop. Return this attempt's response if it had one (e.g. the last 503), otherwise the
    /// error of [`AttemptOutcome::error`] (502 or 504).
    GiveUp,
}

/// One attempt, as logged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptRecord {
    /// The [`Step::index`] attempted.
    pub step: usize,
    /// Attempt number within the step, from 1.
    pub attempt: u32,
    /// The response status; `None` when no response came.
    pub status: Option<u16>,
    /// `"unreachable"` or `"timeout"` when no response came.
    pub error: Option<&'static str>,
    pub started_at_ms: f64,
    pub ended_at_ms: f64,
}

/// The attempts of one client request. See the module docs.
#[derive(Debug, Clone)]
pub struct Attempts {
    steps: Vec<Step>,
    position: usize,
    number: u32,
    records: Vec<AttemptRecord>,
    finished: bool,
    answered: Option<usize>,
}

impl Attempts {
    /// Starts at the first step's first attempt. With no steps, [`Attempts::current`] is `None`.
    pub fn new(steps: Vec<Step>) -> Self {
        let finished = steps.is_empty();
        Attempts { steps, position: 0, number: 1, records: Vec::new(), finished, answered: None }
    }

    /// The attempt to make now; `None` once the request is decided (accepted or given up).
    pub fn current(&self) -> Option<Attempt> {
        if self.finished {
            return None;
        }
        let step = self.steps.get(self.position)?;
        Some(Attempt { step: step.index, number: self.number, timeout_ms: step.policy.request_timeout_ms })
    }

    /// Whether another attempt would follow if the current one timed out (a retry of its step,
    /// or a next step, within the budget): only then is it worth waiting for a response's first
    /// body bytes before accepting it (a head followed by a stall can still fail over).
    pub fn may_follow_a_timeout(&self) -> bool {
        let Some(step) = self.current().and_then(|_| self.steps.get(self.position)) else { return false };
        let more = self.number < step.policy.max_attempts || self.position + 1 < self.steps.len();
        more && self.total_attempts() + 1 < MAX_TOTAL_ATTEMPTS
    }

    /// Records how the current attempt ended and decides what comes next.
    ///
    /// `started_at_ms`/`ended_at_ms` are epoch milliseconds (`Date.now()`); the end time also
    /// measures an HTTP-date `Retry-After`. Called when nothing is current, it records nothing and
    /// answers [`Decision::GiveUp`].
    pub fn record(&mut self, outcome: &AttemptOutcome<'_>, started_at_ms: f64, ended_at_ms: f64) -> Decision {
        let Some(attempt) = self.current() else { return Decision::GiveUp };
        let Some(step) = self.steps.get(self.position).copied() else { return Decision::GiveUp };
        self.records.push(AttemptRecord {
            step: attempt.step,
            attempt: attempt.number,
            status: outcome.status(),
            error: match outcome {
                AttemptOutcome::Response { .. } => None,
                AttemptOutcome::Unreachable => Some("unreachable"),
                AttemptOutcome::TimedOut => Some("timeout"),
            },
            started_at_ms,
            ended_at_ms,
        });
        let budget_left = self.total_attempts() < MAX_TOTAL_ATTEMPTS;
        match step.policy.decide(outcome, attempt.number, ended_at_ms) {
            StepVerdict::Accept => self.finish(outcome, step.index, Decision::Accept),
            StepVerdict::Retry { delay_ms } if budget_left => {
                self.number += 1;
                Decision::RetryAfter { delay_ms }
            }
            StepVerdict::Failed if budget_left && self.position + 1 < self.steps.len() => {
                self.position += 1;
                self.number = 1;
                Decision::NextStep { step: self.steps[self.position].index }
            }
            StepVerdict::Retry { .. } | StepVerdict::Failed => self.finish(outcome, step.index, Decision::GiveUp),
        }
    }

    fn finish(&mut self, outcome: &AttemptOutcome<'_>, step: usize, decision: Decision) -> Decision {
        self.finished = true;
        self.answered = outcome.status().map(|_| step);
        decision
    }

    /// The `cf-aig-step` value: the [`Step::index`] whose response goes to the client, 0 for the
    /// first step. `None` while undecided, or when the request ends without any response (the
    /// client then gets a 502/504 without `cf-aig-step`).
    pub fn answered_step(&self) -> Option<usize> {
        self.answered
    }

    /// Attempts made so far, across all steps.
    pub fn total_attempts(&self) -> u32 {
        self.records.len() as u32
    }

    /// Every attempt made so far, in order.
    pub fn records(&self) -> &[AttemptRecord] {
        &self.records
    }

    /// The records, for the log entry, once the request is done.
    pub fn into_records(self) -> Vec<AttemptRecord> {
        self.records
    }
}

#[cfg(test)]
#[path = "attempts_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "attempts_props.rs"]
mod props;
