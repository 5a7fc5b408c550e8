//! One JSON call to a Durable Object by name, within a timeout: how the limiters and the semantic
//! index are reached (`namespace.get(namespace.idFromName(name)).fetch(…)` through `js_sys`, one
//! round trip; the object answers 200 with JSON, or an error status with its message).

use js_sys::{Function, Promise, Reflect};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::http_port::NoAnswer;

/// Starts `POST url` with `body` at the object `name` of `namespace`.
fn start(namespace: &JsValue, name: &str, url: &str, body: &str) -> Result<Promise, JsValue> {
    let method = |target: &JsValue, name: &str| -> Result<Function, JsValue> {
        Reflect::get(target, &JsValue::from_str(name))?.dyn_into::<Function>()
    };
    let id = method(namespace, "idFromName")?.call1(namespace, &JsValue::from_str(name))?;
    let stub = method(namespace, "get")?.call1(namespace, &id)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    method(&stub, "fetch")?.call2(&stub, &JsValue::from_str(url), &init)?.dyn_into::<Promise>()
}

/// Sends `call` to the object `name` of `namespace` and reads its answer, within `timeout_ms`.
///
/// Errors: what went wrong, in words, for the caller to wrap: no answer in time, unreachable, an
/// error status (with the object's message), an answer that is not the expected JSON.
pub async fn call_json<C: Serialize, A: DeserializeOwned>(
    namespace: &JsValue,
    name: &str,
    url: &str,
    call: &C,
    timeout_ms: u64,
) -> Result<A, String> {
    let body = serde_json::to_string(call).map_err(|e| e.to_string())?;
    let promise = start(namespace, name, url, &body).map_err(|e| crate::http_port::js_message(&e))?;
    let (status, text) = crate::http_port::text_within(&promise, timeout_ms).await.map_err(|no| match no {
        NoAnswer::TimedOut => format!("no answer within {timeout_ms} ms"),
        NoAnswer::Failed(message) => format!("unreachable: {message}"),
        NoAnswer::Unreadable(message) => message,
    })?;
    if status != 200 {
        return Err(format!("answered {status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("answered badly: {e}"))
}
