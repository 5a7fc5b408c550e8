//! The control plane: gateways as data, virtual keys and their scopes, kept in a SQLite-backed
//! Durable Object. See `docs/control-plane.md`.
//!
//! - [`secret`]: a virtual key's plaintext and the peppered hash stored instead;
//! - [`body`]: strict JSON object bodies whose errors name the field.
//!
//! Nothing here is wired into the request path or the Worker yet.

pub mod body;
pub mod keys;
pub mod overrides;
pub mod scope;
pub mod secret;
