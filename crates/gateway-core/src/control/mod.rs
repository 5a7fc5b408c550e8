//! The control plane: gateways as data, virtual keys and their scopes, kept in a SQLite-backed
//! Durable Object. See `docs/control-plane.md`.
//!
//! - [`secret`]: a virtual key's plaintext and the peppered hash stored instead;
//! - [`keys`]: the virtual key record, its creation, rotation, update and usability checks;
//! - [`scope`]: glob matching of gateways and `provider/model`, and the 403 naming the rule;
//! - [`gateways`]: per-gateway settings and the strict parsing of their admin bodies;
//! - [`overrides`]: the request defaults (cache TTL, logs, payloads, retries) a key or gateway sets;
//! - [`resolve`]: request header > virtual key > gateway > Worker variables;
//! - [`sql`] and [`store`]: the schema and statements, and the storage trait over them;
//! - [`credential`]: finding a virtual key in `cf-aig-authorization` or an SDK's API key header;
//! - [`fresh`], [`verify`] and [`gateway_lookup`]: what an isolate remembers of the store and for
//!   how long (5 s for keys, 10 s for gateways), and the per-request reads through it;
//! - [`api`]: the admin routes `/api/gateways[/{id}]` and `/api/keys[/{id}][/rotate|/revoke]`;
//! - [`body`]: strict JSON object bodies whose errors name the field;
//! - [`settings`]: the variables that say how requests use all this (`VIRTUAL_KEY_PEPPER`,
//!   `STORED_GATEWAYS`, `GATEWAYS_STRICT`).
//!
//! The Worker serves [`api`] from its admin handler over the `ControlPlane` Durable Object
//! (`src/control_plane.rs`, `src/control_store.rs`); requests go through
//! `crate::pipeline::access`, which verifies their virtual key and reads their gateway.

pub mod api;
pub mod body;
pub mod credential;
pub mod fresh;
pub mod gateway_lookup;
pub mod gateways;
pub mod keys;
pub mod overrides;
pub mod resolve;
pub mod scope;
pub mod secret;
pub mod settings;
pub mod sql;
pub mod store;
pub mod verify;

// Test helper (a real SQLite standing in for the Durable Object); the file name marks it as test code.
#[cfg(test)]
#[path = "test_sqlite_tests.rs"]
pub(crate) mod test_sqlite;
