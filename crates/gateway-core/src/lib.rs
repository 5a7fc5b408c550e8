//! The runtime-independent core of the AI gateway.
//!
//! Everything here is plain Rust, tested natively with `cargo test`:
//!
//! - the request path: URL routing ([`route`]), the provider table ([`provider`]), header rules
//!   ([`headers`]), key choice ([`keys`]), the request pipeline ([`pipeline`]) and what follows
//!   the response head ([`completion`]), the plugin trait ([`plugin`]);
//! - features: translation between API formats ([`translate`]), retries, routes and key pools
//!   ([`resilience`]), caching ([`cache`]), logs and metrics ([`logs`]) and the scrubbing of
//!   secrets out of them ([`redact`]), cost ([`cost`]), stream guarding ([`stream_guard`]), the
//!   admin API's authorization and routing ([`admin`]); gateways as data and virtual keys ([`control`], not wired into
//!   the Worker yet);
//! - building blocks: configuration ([`config`]), SSE parsing ([`sse`]), token usage
//!   ([`usage`]), the error type ([`error`]).
//!
//! The Worker crate binds the core to the Workers runtime through ports: [`port::HttpPort`]
//! (HTTP, timers, secrets) and the storage traits of [`pipeline::Services`].
//!
//! A panic in Wasm kills the instance and every request in flight on it, so this crate denies
//! `unwrap` and `expect` outside tests (see `[lints]` in its Cargo.toml).

pub mod admin;
pub mod answer_model;
pub mod cache;
pub mod civil;
pub mod completion;
pub mod config;
pub mod control;
pub mod cost;
pub mod error;
pub mod headers;
pub mod json_var;
pub mod keys;
pub mod limits;
pub mod logs;
pub mod pipeline;
pub mod plugin;
pub mod port;
pub mod provider;
pub mod redact;
pub mod resilience;
pub mod route;
pub mod sse;
pub mod stream_guard;
pub mod stream_usage;
pub mod translate;
pub mod usage;

// Strategies shared by the property tests (`*_props.rs`); the file name marks it as test code.
#[cfg(test)]
#[path = "strategies_props.rs"]
mod strategies;

pub use completion::{BodyEnd, BodyMode, Completion};
pub use config::GatewayConfig;
pub use error::{ErrorKind, Fault, GatewayError};
pub use headers::Headers;
pub use pipeline::{ClientRequest, Outcome, Pipeline, Services};
pub use plugin::{Plugin, Reply, RequestContext, ResponseHead, UpstreamHead};
pub use port::{HttpPort, RequestBody};
pub use usage::Usage;
