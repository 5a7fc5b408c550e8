//! Resilient routing, the pure part: retries, timeouts, backoff, universal-endpoint steps, routes
//! with weights and fallbacks, and key pools with cool-down.
//!
//! Nothing here does I/O or reads a clock or a random source: the runtime sends the requests,
//! sleeps, measures time and draws random numbers, and asks these types what to do next.
//! [`attempts::Attempts`] is the state machine it drives; [`retry`] decides per step;
//! [`universal`] and [`routes`] produce the steps; [`key_pool`] picks API keys.

pub mod attempts;
mod config_json;
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
