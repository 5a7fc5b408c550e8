//! The limiters as the pipeline sees them: each call goes to the `LimitCounter` Durable Object
//! of its scope (`src/limit_counter.rs`, binding `LIMITER`), within [`CALL_TIMEOUT_MS`].

use async_trait::async_trait;
use gateway_core::limits::store::{Limiter, LimiterAnswer, LimiterCall};
use gateway_core::{ErrorKind, GatewayError};
use wasm_bindgen::JsValue;
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
}

fn failed(scope: &str, what: impl std::fmt::Display) -> GatewayError {
    GatewayError::new(ErrorKind::Internal, format!("limiter {scope}: {what}"))
}

#[async_trait(?Send)]
impl Limiter for DurableLimiter {
    async fn call(&self, scope: &str, call: &LimiterCall) -> Result<LimiterAnswer, GatewayError> {
        crate::durable_call::call_json(&self.namespace, scope, "https://limiter/call", call, CALL_TIMEOUT_MS)
            .await
            .map_err(|what| failed(scope, what))
    }
}
