//! The HTTP client and the secrets plugins reach through `ctx.services`
//! (`gateway_core::plugin::services::PluginHttp`): JSON over the runtime's `fetch`, within a
//! timeout, and Worker secrets by name.

use async_trait::async_trait;
use gateway_core::plugin::services::PluginHttp;
use gateway_core::{ErrorKind, GatewayError, Headers};
use js_sys::Uint8Array;
use serde_json::Value;
use wasm_bindgen::JsCast;

use crate::http_port::NoAnswer;
use worker::Env;

/// Plugins' access to the network and the secrets of one request.
pub struct WorkerPluginHttp {
    env: Env,
}

impl WorkerPluginHttp {
    pub fn new(env: &Env) -> Self {
        WorkerPluginHttp { env: env.clone() }
    }
}

fn unreachable(url: &str, what: impl std::fmt::Display) -> GatewayError {
    GatewayError::new(ErrorKind::UpstreamUnreachable, format!("{url}: {what}"))
}

#[async_trait(?Send)]
impl PluginHttp for WorkerPluginHttp {
    async fn post_json(
        &self,
        url: &str,
        headers: &Headers,
        body: &Value,
        timeout_ms: u64,
    ) -> Result<(u16, Value), GatewayError> {
        let js_headers = web_sys::Headers::new().map_err(|e| unreachable(url, format!("{e:?}")))?;
        for (name, value) in headers.iter() {
            js_headers.set(name, value).map_err(|e| unreachable(url, format!("{e:?}")))?;
        }
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_headers(js_headers.as_ref());
        init.set_body(&Uint8Array::from(body.to_string().as_bytes()).into());
        let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let promise = global.fetch_with_str_and_init(url, &init);
        let (status, text) = crate::http_port::text_within(&promise, timeout_ms).await.map_err(|no| match no {
            NoAnswer::TimedOut => {
                GatewayError::new(ErrorKind::UpstreamTimeout, format!("{url}: no answer within {timeout_ms} ms"))
            }
            NoAnswer::Failed(message) | NoAnswer::Unreadable(message) => unreachable(url, message),
        })?;
        let value = serde_json::from_str(&text).map_err(|e| {
            GatewayError::new(ErrorKind::UpstreamInvalid, format!("{url} answered something not JSON: {e}"))
        })?;
        Ok((status, value))
    }

    fn secret(&self, name: &str) -> Option<String> {
        crate::var(&self.env, name).filter(|v| !v.trim().is_empty())
    }
}
