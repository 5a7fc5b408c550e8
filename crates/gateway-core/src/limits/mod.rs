//! Limits that hold under concurrency: requests, tokens and dollars per gateway and per virtual
//! key, counted by one limiter per scope. See `docs/limits.md`.
//!
//! - [`definition`]: the `limits` of a gateway or key, and the strict parsing of admin bodies;
//! - [`window`]: fixed and calendar windows, fixed or sliding counts;
//! - [`charge`]: what one request asks of each limit (token estimate, worst-case cost);
//! - [`counter`]: one scope's count and reservations, exact because one limiter runs one call at
//!   a time;
//! - [`store`]: the calls a limiter answers, the [`store::Limiter`] trait the runtime implements,
//!   and an in-memory limiter;
//! - [`answer`]: the 429s and the `x-ratelimit-*` headers;
//! - [`usage`]: `GET /api/usage`, where each limit of a key or gateway stands.

pub mod answer;
pub mod charge;
pub mod counter;
pub mod definition;
pub mod store;
pub mod usage;
pub mod window;
