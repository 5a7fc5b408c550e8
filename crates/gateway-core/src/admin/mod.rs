//! The admin API (`/api/…`): the operator's logs and stats ([`crate::logs::api`]), gateways and
//! virtual keys ([`crate::control::api`]) and cache purges ([`cache_purge`]), behind
//! `Authorization: Bearer <ADMIN_TOKEN>` ([`auth`]).
//!
//! [`router::handle`] answers one request: it authorizes the caller, finds the route
//! ([`route`]), takes the storage the route needs from [`AdminServices`] and runs the handler.
//! The runtime only supplies the request, the token and its storage bindings.

pub mod auth;
pub mod cache_purge;
pub mod route;
pub mod router;

pub use auth::authorize;
pub use route::{is_admin_path, AdminRoute, PREFIX};
pub use router::{handle, AdminCall, AdminServices, Binding, ControlServices};
