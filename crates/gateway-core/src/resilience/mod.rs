//! Resilient routing, the pure part: retries, timeouts, backoff, universal-endpoint steps, routes
//! with weights and fallbacks, and key pools with cool-down.
//!
//! Nothing here does I/O or reads a clock or a random source: the runtime sends the requests,
//! sleeps, measures time and draws random numbers, and asks these types what to do next.
//! [`attempts::Attempts`] is the state machine it drives; [`retry`] decides per step;
//! [`universal`] and [`routes`] produce the steps; [`key_pool`] picks API keys.
//!
//! The loop the runtime writes (here with a scripted upstream that answers 503, 503, then 200):
//!
//! ```
//! use gateway_core::resilience::{AttemptOutcome, Attempts, Decision, RetryOverrides, RetryPolicy, Step};
//! use gateway_core::Headers;
//!
//! let headers: Headers = [("cf-aig-max-attempts", "3")].into_iter().collect();
//! let from_headers = RetryOverrides::from_headers(&headers)?; // 400 on a bad header
//! let policy = RetryPolicy::resolve(RetryPolicy::default(), from_headers, RetryOverrides::default());
//! let mut attempts = Attempts::new(vec![Step { index: 0, policy }]);
//! let mut script = vec![503, 503, 200].into_iter();
//! let mut now = 1_700_000_000_000.0; // Date.now()
//! let answer = loop {
//!     let Some(attempt) = attempts.current() else { break None };
//!     // Runtime: send step `attempt.step`, racing `attempt.timeout_ms` to the response head.
//!     let started = now;
//!     let status = script.next().unwrap_or(200);
//!     now += 50.0;
//!     let outcome = AttemptOutcome::Response { status, retry_after: None };
//!     match attempts.record(&outcome, started, now) {
//!         Decision::Accept | Decision::GiveUp => break Some(status), // or outcome.error(..) if no response
//!         Decision::RetryAfter { delay_ms } => now += delay_ms as f64, // cancel the body, sleep
//!         Decision::NextStep { .. } => {}                                // cancel the body
//!     }
//! };
//! assert_eq!(answer, Some(200));
//! assert_eq!(attempts.total_attempts(), 3);
//! assert_eq!(attempts.answered_step(), Some(0)); // the `cf-aig-step` header
//! # Ok::<(), gateway_core::GatewayError>(())
//! ```

pub mod attempts;
pub(crate) mod config_json;
pub mod key_pool;
pub mod retry;
pub mod retry_after;
pub mod routes;
#[cfg(test)]
mod test_rng;
pub mod universal;
pub mod weighted;

pub use attempts::{AttemptRecord, Attempts, Decision, Step};
pub use key_pool::{KeyChoice, KeyPool, KeyPools};
pub use retry::{AttemptOutcome, Backoff, RetryOverrides, RetryPolicy};
pub use routes::{Route, Routes, Target};
pub use universal::{parse_universal, UniversalStep};
