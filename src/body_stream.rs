//! Sending the upstream response body to the client in the mode the pipeline chose
//! ([`BodyMode`]), keeping the client's bytes on the runtime's native paths wherever the gateway
//! does not change them:
//!
//! - pass-through: the runtime's own response goes back; the body never enters Wasm;
//! - watch, for a JSON or text document: the body is read whole in one native call, the client is
//!   answered with those bytes and the completion gets them in one call;
//! - watch (anything else) and guard: a JavaScript pump (`passBody` in `src/js/relay.js`) writes
//!   each chunk into a native `IdentityTransformStream` whose readable side is the client's body,
//!   keeps a copy, and at the end hands the completion the copy in one call; the client's body
//!   stays open until then, so that the completion can append an explicit error event when the
//!   provider's stream broke;
//! - rewrite: a JavaScript pull stream (`relayBody`) passes each chunk through the completion
//!   (translation) and the client gets what it returns.
//!
//! In every mode the completion's `finish` (logs, cache writes, plugins' `on_log`) runs in
//! `ctx.wait_until` once the body ended, never delaying the client.

use std::cell::RefCell;
use std::rc::Rc;

use gateway_core::{BodyMode, Completion, GatewayError};
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use worker::worker_sys::web_sys;
use worker::Context;

use crate::http_port::response_with_body;

#[wasm_bindgen(module = "/src/js/relay.js")]
extern "C" {
    #[wasm_bindgen(js_name = relayBody)]
    fn relay_body(
        body: &web_sys::ReadableStream,
        on_chunk: &Closure<dyn FnMut(Uint8Array) -> Option<Uint8Array>>,
        on_end: &JsValue,
    ) -> Relayed;

    #[wasm_bindgen(js_name = passBody)]
    fn pass_body(body: &web_sys::ReadableStream, on_end: &JsValue) -> Relayed;

    /// What both return: the client's stream, and a promise settled once `onEnd` has run.
    type Relayed;
    #[wasm_bindgen(method, getter)]
    fn readable(this: &Relayed) -> web_sys::ReadableStream;
    #[wasm_bindgen(method, getter)]
    fn done(this: &Relayed) -> js_sys::Promise;
}

/// Runs the completion's `finish` in `wait_until` once `done` settled (the body's end was seen),
/// keeping `keep_alive` (the relay's per-chunk callback) until then.
fn finish_when_done<K: 'static>(
    done: js_sys::Promise,
    shared: Rc<RefCell<Option<Completion>>>,
    keep_alive: K,
    ctx: &Context,
) {
    ctx.wait_until(async move {
        let _ = JsFuture::from(done).await;
        drop(keep_alive);
        let completion = shared.borrow_mut().take();
        if let Some(completion) = completion {
            completion.finish().await;
        }
    });
}

/// The response for the client, with `completion` scheduled to run alongside or after it.
pub async fn respond(
    response: web_sys::Response,
    completion: Completion,
    ctx: &Context,
) -> Result<web_sys::Response, GatewayError> {
    let mode = completion.body_mode();
    let Some(body) = response.body().filter(|_| mode != BodyMode::PassThrough) else {
        if !completion.is_noop() || mode != BodyMode::PassThrough {
            ctx.wait_until(finish_without_body(completion));
        }
        return Ok(response);
    };
    if mode == BodyMode::Rewrite {
        return relay(&response, &body, completion, ctx);
    }
    if mode == BodyMode::Watch && is_small_document(&response) {
        return buffered(response, completion, ctx).await;
    }
    let client_body = pass(&body, completion, ctx);
    response_with_body(Some(&client_body), response.status(), &response.headers())
}

/// The largest declared body read whole rather than pumped.
const BUFFERED_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Whether a watched response is a document (JSON or text, not an event stream) of a bounded
/// size: such a body is read whole in one native call, which costs less than pumping it, and
/// delays nothing the client could use (it needs the whole document to parse it).
fn is_small_document(response: &web_sys::Response) -> bool {
    let headers = response.headers();
    let content_type = headers.get("content-type").ok().flatten().unwrap_or_default().to_ascii_lowercase();
    let textual = content_type.contains("json")
        || (content_type.starts_with("text/") && !content_type.starts_with("text/event-stream"));
    let length = headers.get("content-length").ok().flatten().and_then(|v| v.trim().parse::<u64>().ok());
    textual && length.is_none_or(|len| len <= BUFFERED_MAX_BYTES)
}

/// Reads the body whole, answers the client with it, and gives the completion the same bytes.
async fn buffered(
    response: web_sys::Response,
    mut completion: Completion,
    ctx: &Context,
) -> Result<web_sys::Response, GatewayError> {
    let read = match response.array_buffer() {
        Ok(promise) => JsFuture::from(promise).await.ok(),
        Err(_) => None,
    };
    let Some(buffer) = read else {
        // The provider's body broke off: the client gets what the runtime makes of it, an error.
        completion.end_body(js_sys::Date::now(), false, &mut Vec::new());
        ctx.wait_until(completion.finish());
        return Err(GatewayError::new(
            gateway_core::ErrorKind::UpstreamUnreachable,
            "the provider's response broke off before its end",
        ));
    };
    let bytes = Uint8Array::new(&buffer);
    completion.on_chunk(&bytes.to_vec(), &mut Vec::new());
    completion.end_body(js_sys::Date::now(), true, &mut Vec::new());
    ctx.wait_until(completion.finish());
    let init = web_sys::ResponseInit::new();
    init.set_status(response.status());
    init.set_headers(response.headers().as_ref());
    web_sys::Response::new_with_opt_buffer_source_and_init(Some(buffer.unchecked_ref()), &init)
        .map_err(|_| GatewayError::internal("building a response"))
}

/// Passes `body` on unchanged through the JavaScript pump (`passBody`), which hands the
/// completion a copy of the whole body at its end and appends what the completion returns.
fn pass(body: &web_sys::ReadableStream, completion: Completion, ctx: &Context) -> web_sys::ReadableStream {
    let shared = Rc::new(RefCell::new(Some(completion)));
    let on_end = {
        let shared = Rc::clone(&shared);
        Closure::once_into_js(move |copy: Uint8Array, complete: bool| -> Option<Uint8Array> {
            let mut tail = Vec::new();
            if let Some(completion) = shared.borrow_mut().as_mut() {
                completion.on_chunk(&copy.to_vec(), &mut Vec::new());
                completion.end_body(js_sys::Date::now(), complete, &mut tail);
            }
            (!tail.is_empty()).then(|| Uint8Array::from(&tail[..]))
        })
    };
    let passed = pass_body(body, &on_end);
    finish_when_done(passed.done(), shared, (), ctx);
    passed.readable()
}

/// Passes `body` through the JavaScript relay, each chunk rewritten by the completion.
fn relay(
    response: &web_sys::Response,
    body: &web_sys::ReadableStream,
    completion: Completion,
    ctx: &Context,
) -> Result<web_sys::Response, GatewayError> {
    let shared = Rc::new(RefCell::new(Some(completion)));
    let on_chunk = {
        let shared = Rc::clone(&shared);
        Closure::<dyn FnMut(Uint8Array) -> Option<Uint8Array>>::new(move |chunk: Uint8Array| {
            let mut out = Vec::new();
            if let Some(completion) = shared.borrow_mut().as_mut() {
                completion.on_chunk(&chunk.to_vec(), &mut out);
            }
            (!out.is_empty()).then(|| Uint8Array::from(&out[..]))
        })
    };
    let on_end = {
        let shared = Rc::clone(&shared);
        Closure::once_into_js(move |complete: bool| -> Option<Uint8Array> {
            let mut out = Vec::new();
            if let Some(completion) = shared.borrow_mut().as_mut() {
                completion.end_body(js_sys::Date::now(), complete, &mut out);
            }
            (!out.is_empty()).then(|| Uint8Array::from(&out[..]))
        })
    };
    let relayed = relay_body(body, &on_chunk, &on_end);
    // `on_chunk` lives until the relay called `on_end`; it runs no more after that.
    finish_when_done(relayed.done(), shared, on_chunk, ctx);
    response_with_body(Some(&relayed.readable()), response.status(), &response.headers())
}

async fn finish_without_body(mut completion: Completion) {
    completion.end_body(js_sys::Date::now(), true, &mut Vec::new());
    completion.finish().await;
}
