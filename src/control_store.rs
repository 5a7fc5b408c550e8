//! The control plane's store as the Worker sees it: the core's [`SqlControlStore`] over a
//! [`SqlRunner`] that sends each operation's statements to the `ControlPlane` Durable Object
//! (`src/control_plane.rs`), and what the runtime supplies to an admin request
//! ([`ControlEnv`]: the clock, the pepper, random bytes).
//!
//! Every operation is one `fetch` to the one object [`OBJECT_NAME`] of the [`BINDING`] namespace,
//! running one statement (`gateway_core::control::store`).

use async_trait::async_trait;
use gateway_core::control::api::ControlEnv;
use gateway_core::control::keys::ID_BYTES;
use gateway_core::control::secret::SECRET_BYTES;
use gateway_core::control::store::{SqlControlStore, SqlRunner};
use gateway_core::logs::sql::Statement;
use gateway_core::logs::store::Row;
use gateway_core::{ErrorKind, GatewayError};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use worker::{Env, Method, ObjectNamespace, Request, RequestInit};

/// The Durable Object namespace binding of the control plane.
pub const BINDING: &str = "CONTROL";
/// The name of the one object that holds every gateway and virtual key.
pub const OBJECT_NAME: &str = "control";
/// The Worker secret the hashes of virtual keys are peppered with.
pub const PEPPER_VAR: &str = "VIRTUAL_KEY_PEPPER";

/// Runs statements on the `ControlPlane` object.
pub struct DurableSql {
    namespace: ObjectNamespace,
}

/// The store over the `CONTROL` binding, `None` when it is not bound.
pub fn store_from_env(env: &Env) -> Option<SqlControlStore<DurableSql>> {
    crate::binding(env, BINDING).map(|b| SqlControlStore::new(DurableSql { namespace: b.unchecked_into() }))
}

#[async_trait(?Send)]
impl SqlRunner for DurableSql {
    async fn run(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, GatewayError> {
        let failed = |what: &str, err: worker::Error| {
            GatewayError::new(ErrorKind::Internal, format!("control plane: {what}: {err}"))
        };
        let stub =
            self.namespace.id_from_name(OBJECT_NAME).and_then(|id| id.get_stub()).map_err(|e| failed("no stub", e))?;
        let body = serde_json::json!({ "statements": statements }).to_string();
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(JsValue::from_str(&body)));
        let request = Request::new_with_init("https://control-plane/run", &init).map_err(|e| failed("request", e))?;
        let mut response = stub.fetch_with_request(request).await.map_err(|e| failed("unreachable", e))?;
        let text = response.text().await.map_err(|e| failed("reading the answer", e))?;
        if response.status_code() != 200 {
            return Err(GatewayError::new(ErrorKind::Internal, format!("control plane: {text}")));
        }
        serde_json::from_str(&text).map_err(|e| GatewayError::internal(format!("control plane answered badly: {e}")))
    }
}

/// The clock, the pepper (the `VIRTUAL_KEY_PEPPER` secret, empty when unset: the core then refuses
/// to create or rotate keys) and fresh random bytes for one admin request.
///
/// Errors (500): the runtime has no `crypto.getRandomValues` (a key's secret is never made from a
/// weaker source).
pub fn control_env(pepper: &str) -> Result<ControlEnv<'_>, GatewayError> {
    let mut id_random = [0u8; ID_BYTES];
    let mut secret_random = [0u8; SECRET_BYTES];
    secure_random(&mut id_random)?;
    secure_random(&mut secret_random)?;
    Ok(ControlEnv { now_ms: js_sys::Date::now() as i64, pepper: pepper.as_bytes(), id_random, secret_random })
}

/// Fills `out` from `crypto.getRandomValues`.
fn secure_random(out: &mut [u8]) -> Result<(), GatewayError> {
    let unavailable = || GatewayError::internal("crypto.getRandomValues is unavailable: no virtual key can be made");
    let bytes = Uint8Array::new_with_length(out.len() as u32);
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(|_| unavailable())?;
    let get: js_sys::Function = Reflect::get(&crypto, &"getRandomValues".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(unavailable)?;
    get.call1(&crypto, &bytes).map_err(|_| unavailable())?;
    bytes.copy_to(out);
    Ok(())
}
