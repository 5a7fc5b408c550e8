//! The runtime-independent core of the AI gateway.
//!
//! Everything here is plain Rust, tested natively with `cargo test`: the provider table
//! ([`provider`]), URL routing ([`route`]), header rules ([`headers`]), configuration
//! ([`config`]), SSE parsing ([`sse`]), the error type ([`error`]), the plugin trait
//! ([`plugin`]) and the request pipeline ([`pipeline`]). The Worker crate binds the pipeline to
//! the Workers runtime through the [`pipeline::HttpPort`] trait.
//!
//! A panic in Wasm kills the instance and every request in flight on it, so this crate denies
//! `unwrap` and `expect` outside tests (see `[lints]` in its Cargo.toml).

pub mod admin;
pub mod cache;
pub mod completion;
pub mod config;
pub mod cost;
pub mod error;
pub mod headers;
pub mod keys;
pub mod logs;
pub mod pipeline;
pub mod plugin;
pub mod port;
pub mod provider;
pub mod resilience;
pub mod route;
pub mod sse;
pub mod stream_guard;
pub mod translate;
pub mod usage;

pub use completion::{BodyMode, Completion};
pub use config::GatewayConfig;
pub use error::{ErrorKind, Fault, GatewayError};
pub use headers::Headers;
pub use pipeline::{ClientRequest, Outcome, Pipeline, Services};
pub use plugin::{Plugin, Reply, RequestContext, ResponseHead, UpstreamHead};
pub use port::{HttpPort, RequestBody};
pub use usage::Usage;
