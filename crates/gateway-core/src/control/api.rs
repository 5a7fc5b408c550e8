//! The control plane's admin API over a [`ControlStore`]. The caller has already checked
//! `Authorization: Bearer <ADMIN_TOKEN>` ([`crate::admin::authorize`], in [`crate::admin::handle`]).
//!
//! | request | answer |
//! |---|---|
//! | `GET /api/gateways` | `{"gateways": […]}`, by id |
//! | `POST /api/gateways` | 201, the gateway ([`GatewaySettings::create`] for the body) |
//! | `GET /api/gateways/{id}` | the gateway |
//! | `PATCH /api/gateways/{id}` | the updated gateway |
//! | `DELETE /api/gateways/{id}` | `{"deleted": "<id>"}` |
//! | `GET /api/keys` | `{"keys": […]}`, oldest first |
//! | `POST /api/keys` | 201, `{"key": …, "secret": "aig_…"}`: the only answer that shows the secret |
//! | `GET /api/keys/{id}` | the key |
//! | `PATCH /api/keys/{id}` | the updated key ([`VirtualKey::update`]) |
//! | `POST /api/keys/{id}/rotate` | `{"key": …, "secret": "aig_…"}`: the new secret, once; the old one stops |
//! | `POST /api/keys/{id}/revoke` | the revoked key |
//!
//! No answer carries a key's hash, and only creation and rotation carry its secret.

use serde::Serialize;
use serde_json::json;

use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;
use crate::logs::api::AdminRequest;
use crate::plugin::Reply;
use crate::route::is_id;

use super::gateways::GatewaySettings;
use super::keys::{Issued, VirtualKey, ID_BYTES};
use super::secret::SECRET_BYTES;
use super::store::ControlStore;

/// The path of the gateways collection.
pub const GATEWAYS_PATH: &str = "/api/gateways";
/// The path of the virtual keys collection.
pub const KEYS_PATH: &str = "/api/keys";

/// What the runtime supplies to an admin request besides the request itself.
#[derive(Debug, Clone, Copy)]
pub struct ControlEnv<'a> {
    /// Milliseconds since the epoch.
    pub now_ms: i64,
    /// The deployment's key-hashing pepper (a Worker secret); creation and rotation refuse to run
    /// without one.
    pub pepper: &'a [u8],
    /// Fresh random bytes for a new key's id (used only by key creation).
    pub id_random: [u8; ID_BYTES],
    /// Fresh random bytes for a new secret (used only by key creation and rotation).
    pub secret_random: [u8; SECRET_BYTES],
}

/// Whether `path` is one of this module's routes.
pub fn is_control_path(path: &str) -> bool {
    [GATEWAYS_PATH, KEYS_PATH]
        .iter()
        .any(|base| path == *base || path.strip_prefix(base).is_some_and(|rest| rest.starts_with('/')))
}

/// Answers one gateways or keys request.
///
/// Errors: 400 for a bad body or id (naming the field); 404 for an unknown id or route; 405 for
/// a method the route does not take; 409 for an id that exists, for rotating a revoked key, or for
/// a change read just before a concurrent revocation; 500 when the store failed or no pepper is
/// configured.
pub async fn handle(
    store: &dyn ControlStore,
    env: ControlEnv<'_>,
    req: AdminRequest<'_>,
) -> Result<Reply, GatewayError> {
    let not_allowed =
        || GatewayError::new(ErrorKind::MethodNotAllowed, format!("{} does not take {}", req.path, req.method));
    if let Some(rest) = tail(req.path, GATEWAYS_PATH) {
        return match (req.method, rest) {
            ("GET", None) => json_reply(200, &json!({ "gateways": store.list_gateways().await? })),
            ("POST", None) => {
                let gateway = GatewaySettings::create(req.body, env.now_ms)?;
                store.create_gateway(&gateway).await?;
                json_reply(201, &gateway)
            }
            (_, None) => Err(not_allowed()),
            (method, Some(id)) => {
                let id = path_id(id, "gateway")?;
                match method {
                    "GET" => json_reply(200, &existing_gateway(store, id).await?),
                    "PATCH" => {
                        let gateway = existing_gateway(store, id).await?.update(req.body, env.now_ms)?;
                        store.update_gateway(&gateway).await?;
                        json_reply(200, &gateway)
                    }
                    "DELETE" => {
                        store.delete_gateway(id).await?;
                        json_reply(200, &json!({ "deleted": id }))
                    }
                    _ => Err(not_allowed()),
                }
            }
        };
    }
    if let Some(rest) = tail(req.path, KEYS_PATH) {
        return match (req.method, rest) {
            ("GET", None) => json_reply(200, &json!({ "keys": store.list_keys().await? })),
            ("POST", None) => {
                let issued =
                    VirtualKey::create(req.body, &env.id_random, &env.secret_random, pepper(env)?, env.now_ms)?;
                store.create_key(&issued.key, &issued.hash).await?;
                issued_reply(201, &issued)
            }
            (_, None) => Err(not_allowed()),
            (method, Some(rest)) => {
                let (id, action) = rest.split_once('/').map_or((rest, None), |(id, action)| (id, Some(action)));
                let id = path_id(id, "virtual key")?;
                match (method, action) {
                    ("GET", None) => json_reply(200, &existing_key(store, id).await?),
                    ("PATCH", None) => {
                        let key = existing_key(store, id).await?.update(req.body, env.now_ms)?;
                        store.update_key(&key, None).await?;
                        json_reply(200, &key)
                    }
                    ("POST", Some("rotate")) => {
                        let key = existing_key(store, id).await?;
                        if key.revoked {
                            return Err(GatewayError::new(
                                ErrorKind::Conflict,
                                format!("virtual key {id:?} is revoked: create a new key instead of rotating it"),
                            ));
                        }
                        let issued = key.rotate(&env.secret_random, pepper(env)?, env.now_ms);
                        store.update_key(&issued.key, Some(&issued.hash)).await?;
                        issued_reply(200, &issued)
                    }
                    ("POST", Some("revoke")) => {
                        let key = existing_key(store, id).await?.revoke(env.now_ms);
                        store.update_key(&key, None).await?;
                        json_reply(200, &key)
                    }
                    (_, None | Some("rotate" | "revoke")) => Err(not_allowed()),
                    (method, Some(_)) => Err(no_route(method, req.path)),
                }
            }
        };
    }
    Err(no_route(req.method, req.path))
}

/// `None` for the collection itself, `Some(rest)` for what follows `base/`; `None` outer when
/// `path` is not under `base`.
fn tail<'a>(path: &'a str, base: &str) -> Option<Option<&'a str>> {
    let rest = path.strip_prefix(base)?;
    match rest {
        "" | "/" => Some(None),
        _ => rest.strip_prefix('/').map(Some),
    }
}

fn path_id<'a>(id: &'a str, what: &str) -> Result<&'a str, GatewayError> {
    if is_id(id) {
        Ok(id)
    } else {
        Err(GatewayError::invalid(format!("invalid {what} id in the path: 1 to 64 of A-Z, a-z, 0-9, `_` and `-`")))
    }
}

fn no_route(method: &str, path: &str) -> GatewayError {
    GatewayError::not_found(format!("no admin route for {method} {path}"))
}

fn pepper<'a>(env: ControlEnv<'a>) -> Result<&'a [u8], GatewayError> {
    if env.pepper.is_empty() {
        return Err(GatewayError::new(
            ErrorKind::Misconfigured,
            format!(
                "virtual keys need the VIRTUAL_KEY_PEPPER secret ({})",
                crate::config::how_to_set_secret("VIRTUAL_KEY_PEPPER")
            ),
        ));
    }
    Ok(env.pepper)
}

async fn existing_gateway(store: &dyn ControlStore, id: &str) -> Result<GatewaySettings, GatewayError> {
    store.get_gateway(id).await?.ok_or_else(|| GatewayError::not_found(format!("gateway {id:?} does not exist")))
}

async fn existing_key(store: &dyn ControlStore, id: &str) -> Result<VirtualKey, GatewayError> {
    store.get_key(id).await?.ok_or_else(|| GatewayError::not_found(format!("virtual key {id:?} does not exist")))
}

fn issued_reply(status: u16, issued: &Issued) -> Result<Reply, GatewayError> {
    json_reply(status, &json!({ "key": issued.key, "secret": issued.plaintext.expose() }))
}

fn json_reply(status: u16, value: &impl Serialize) -> Result<Reply, GatewayError> {
    let body = serde_json::to_vec(value).map_err(|e| GatewayError::internal(format!("encoding a reply: {e}")))?;
    let mut headers = Headers::new();
    headers.set("content-type", "application/json");
    headers.set("cache-control", "no-store");
    Ok(Reply { status, headers, body })
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
