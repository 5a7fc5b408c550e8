//! The seam between the pipeline and the counters: the calls one scope's limiter answers
//! ([`LimiterCall`]), the trait the runtime implements ([`Limiter`]: the Worker sends each call to
//! the scope's Durable Object, `src/limiter.rs`), [`apply`] (what that object runs on its
//! [`Counter`]), and [`MemoryLimiter`], a working in-memory limiter for tests and runtimes
//! without Durable Objects.

use std::cell::RefCell;
use std::collections::HashMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::GatewayError;

use super::counter::{Actual, Charge, Counter, Hold, Meter, Unit, Verdict};

/// One call to a scope's limiter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum LimiterCall {
    /// Reserve `charges` for request `id`, held at most `ttl_ms`.
    Reserve { id: String, charges: Vec<Charge>, ttl_ms: i64 },
    /// Settle request `id` (see [`Counter::settle`]).
    Settle { id: String, holds: Vec<Hold>, actual: Actual, cancel: bool },
    /// Where each of `meters` stands, changing nothing. A meter named `prefix*` stands for every
    /// meter counted under a name starting with `prefix` (a split spend rule's values).
    Status { meters: Vec<Meter> },
}

/// Where one meter stands, for the usage API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeterStatus {
    pub meter: String,
    pub unit: Unit,
    pub limit: f64,
    /// Settled in the current window (weighted for a sliding one).
    pub used: f64,
    /// Held by requests in flight.
    pub reserved: f64,
    /// When the window ends (epoch ms).
    pub reset_ms: i64,
}

/// A limiter's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimiterAnswer {
    Verdict(Verdict),
    Settled,
    Status(Vec<MeterStatus>),
}

/// Runs `call` on a scope's `counter` at `now_ms`: what a limiter does with each call, one at a
/// time.
pub fn apply(counter: &mut Counter, call: LimiterCall, now_ms: i64) -> LimiterAnswer {
    match call {
        LimiterCall::Reserve { id, charges, ttl_ms } => {
            LimiterAnswer::Verdict(counter.reserve(&id, &charges, now_ms, now_ms + ttl_ms.max(0)))
        }
        LimiterCall::Settle { id, holds, actual, cancel } => {
            counter.settle(&id, &holds, actual, cancel, now_ms);
            LimiterAnswer::Settled
        }
        LimiterCall::Status { meters } => LimiterAnswer::Status(
            meters
                .into_iter()
                .flat_map(|meter| match meter.name.strip_suffix('*') {
                    // A split rule's template: one status per value counted so far.
                    Some(prefix) => counter
                        .meter_names(prefix)
                        .into_iter()
                        .map(|name| Meter { name, ..meter.clone() })
                        .collect::<Vec<_>>(),
                    None => vec![meter],
                })
                .map(|meter| {
                    let (used, reserved, reset_ms) = counter.status(&meter, now_ms);
                    MeterStatus { meter: meter.name, unit: meter.unit, limit: meter.limit, used, reserved, reset_ms }
                })
                .collect(),
        ),
    }
}

/// The limiters of every scope, wherever they run.
#[async_trait(?Send)]
pub trait Limiter {
    /// Runs `call` on the limiter of `scope` (`key:vk_…`, `gateway:prod`); calls to one scope
    /// run one at a time, in order.
    ///
    /// Errors (500): the limiter could not be reached or answered badly.
    async fn call(&self, scope: &str, call: &LimiterCall) -> Result<LimiterAnswer, GatewayError>;
}

/// Counters in this process's memory, one per scope, on the given clock.
pub struct MemoryLimiter {
    counters: RefCell<HashMap<String, Counter>>,
    clock: Box<dyn Fn() -> i64>,
}

impl MemoryLimiter {
    pub fn new(clock: impl Fn() -> i64 + 'static) -> Self {
        MemoryLimiter { counters: RefCell::default(), clock: Box::new(clock) }
    }
}

#[async_trait(?Send)]
impl Limiter for MemoryLimiter {
    async fn call(&self, scope: &str, call: &LimiterCall) -> Result<LimiterAnswer, GatewayError> {
        let mut counters = self.counters.borrow_mut();
        Ok(apply(counters.entry(scope.to_string()).or_default(), call.clone(), (self.clock)()))
    }
}
