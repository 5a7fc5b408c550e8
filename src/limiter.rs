//! The limiters as the pipeline sees them: each call goes to the `LimitCounter` Durable Object
//! of its scope (`src/limit_counter.rs`, binding `LIMITER`), within [`CALL_TIMEOUT_MS`].

use async_trait::async_trait;
use gateway_core::limits::store::{Limiter, LimiterAnswer, LimiterCall};
use gateway_core::{ErrorKind, GatewayError};
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::Env;

/// The Durable Object namespace binding of the limiters.
pub const BINDING: &str = "LIMITER";
/// How long a call may take before the limiter counts as unreachable (and the limits' `on_error`
/// decides). A call is one small synchronous step in the object; this bounds a cold start or an
/// overloaded object.
pub const CALL_TIMEOUT_MS: u64 = 2_000;

/// The `LIMITER` namespace.
pub struct DurableLimiter {
    namespace: JsValue,
}

impl DurableLimiter {
    /// The limiters over the `LIMITER` binding, `None` when it is not bound.
    pub fn from_env(env: &Env) -> Option<DurableLimiter> {
        crate::binding(env, BINDING).map(|namespace| DurableLimiter { namespace })
    }

    /// Starts the call: `namespace.get(namespace.idFromName(scope)).fetch(…)`.
    fn start(&self, scope: &str, body: &str) -> Result<Promise, JsValue> {
        let method = |target: &JsValue, name: &str| -> Result<Function, JsValue> {
            Reflect::get(target, &JsValue::from_str(name))?.dyn_into::<Function>()
        };
        let id = method(&self.namespace, "idFromName")?.call1(&self.namespace, &JsValue::from_str(scope))?;
        let stub = method(&self.namespace, "get")?.call1(&self.namespace, &id)?;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from_str(body));
        method(&stub, "fetch")?.call2(&stub, &JsValue::from_str("https://limiter/call"), &init)?.dyn_into::<Promise>()
    }
}

fn failed(scope: &str, what: impl std::fmt::Display) -> GatewayError {
    GatewayError::new(ErrorKind::Internal, format!("limiter {scope}: {what}"))
}

#[async_trait(?Send)]
impl Limiter for DurableLimiter {
    async fn call(&self, scope: &str, call: &LimiterCall) -> Result<LimiterAnswer, GatewayError> {
        let body = serde_json::to_string(call).map_err(|e| failed(scope, e))?;
        let promise = self.start(scope, &body).map_err(|e| failed(scope, format!("{e:?}")))?;
        let response = match crate::timer::within(&promise, CALL_TIMEOUT_MS).await {
            None => return Err(failed(scope, format!("no answer within {CALL_TIMEOUT_MS} ms"))),
            Some(Err(e)) => return Err(failed(scope, format!("unreachable: {e:?}"))),
            Some(Ok(response)) => response.unchecked_into::<web_sys::Response>(),
        };
        let text = response.text().map_err(|e| failed(scope, format!("{e:?}")))?;
        let text =
            JsFuture::from(text).await.map_err(|e| failed(scope, format!("{e:?}")))?.as_string().unwrap_or_default();
        if response.status() != 200 {
            return Err(failed(scope, text));
        }
        serde_json::from_str(&text).map_err(|e| failed(scope, format!("answered badly: {e}")))
    }
}
