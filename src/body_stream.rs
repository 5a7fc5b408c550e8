//! Sending the upstream response body to the client in the mode the pipeline chose
//! ([`BodyMode`]), keeping the client's bytes on the runtime's native paths wherever the gateway
//! does not change them:
//!
//! - pass-through, when nothing needs the body: watched as below all the same (with a completion
//!   that does nothing with the bytes), so that its idle timeout holds; only a response without a
//!   body goes back as the runtime's own object;
//! - watch, for a document (JSON or text, not an event stream): the body is read before the
//!   client is answered (`collectBody` in `src/js/relay.js`), so that one that breaks off or stalls
//!   is answered with the gateway's own 502/504 error, logged as such; a document past
//!   [`WHOLE_MAX_BYTES`] is passed on as it arrives instead, as below;
//! - watch (anything else) and guard: `passBody` hands the client each chunk as it arrives and
//!   the completion a copy in batches of at most 64 KiB; the client's body stays open until the
//!   completion has seen the end, so that it can append an explicit error event when the
//!   provider's stream broke or stalled. The client's body is a JavaScript stream the runtime
//!   pulls from, which learns at once that the client went away and then cancels the provider's
//!   body; a body that keeps the provider's `content-length` is written into a native
//!   `FixedLengthStream` instead, which notices a client gone only at its next chunk;
//! - rewrite: the same pulled stream (`relayBody`) passes each chunk through the completion
//!   (translation, a usage event hidden) and the client gets what it returns.
//!
//! What a request holds is bounded whatever the body's size: at most [`WHOLE_MAX_BYTES`] of a
//! document being read, one batch in flight, and what the completion keeps (the log's first
//! `LOG_BODY_MAX_BYTES`, a cache copy up to KV's value limit when the response may be cached).
//! Every mode cuts a body that sends nothing for `UPSTREAM_IDLE_TIMEOUT_MS`.
//!
//! In every mode the completion's `finish` (logs, cache writes, plugins' `on_log`) runs in
//! `ctx.wait_until` once the body ended, never delaying the client.

use std::cell::RefCell;
use std::rc::Rc;

use gateway_core::{BodyEnd, BodyMode, Completion, GatewayError};
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use worker::worker_sys::web_sys;
use worker::Context;

use crate::http_port::{local_response, response_with_body};

#[wasm_bindgen(module = "/src/js/relay.js")]
extern "C" {
    #[wasm_bindgen(js_name = relayBody)]
    fn relay_body(
        body: &web_sys::ReadableStream,
        on_chunk: &Closure<dyn FnMut(Uint8Array) -> Option<Uint8Array>>,
        on_end: &JsValue,
        idle_ms: f64,
    ) -> Relayed;

    #[wasm_bindgen(js_name = passBody)]
    fn pass_body(
        body: &web_sys::ReadableStream,
        on_data: &Closure<dyn FnMut(js_sys::Array)>,
        on_end: &JsValue,
        idle_ms: f64,
        length: f64,
    ) -> Relayed;

    #[wasm_bindgen(js_name = collectBody)]
    fn collect_body(
        body: &web_sys::ReadableStream,
        on_data: &Closure<dyn FnMut(js_sys::Array)>,
        on_end: &JsValue,
        idle_ms: f64,
        whole_max: f64,
        pass: bool,
        length: f64,
    ) -> js_sys::Promise;

    /// Resolves to a response like `response` once its body's first bytes arrived (or it ended);
    /// rejects when reading them failed (the fetch's deadline aborted it).
    #[wasm_bindgen(js_name = withFirstChunk)]
    pub fn with_first_chunk(response: &web_sys::Response) -> js_sys::Promise;

    #[wasm_bindgen(js_name = readWhole)]
    fn read_whole_js(body: &web_sys::ReadableStream, idle_ms: f64, max: f64) -> js_sys::Promise;

    /// What the relays return: the client's stream, and a promise settled once `onEnd` has run.
    /// `collectBody` resolves to one of these with `whole` set (the body read whole), or one with
    /// `readable` (passed on), or `{ failed }` / `{ tooLarge }`.
    type Relayed;
    #[wasm_bindgen(method, getter)]
    fn readable(this: &Relayed) -> Option<web_sys::ReadableStream>;
    #[wasm_bindgen(method, getter)]
    fn done(this: &Relayed) -> Option<js_sys::Promise>;
    #[wasm_bindgen(method, getter)]
    fn whole(this: &Relayed) -> Option<Uint8Array>;
    #[wasm_bindgen(method, getter)]
    fn failed(this: &Relayed) -> Option<u8>;
    #[wasm_bindgen(method, getter, js_name = tooLarge)]
    fn too_large(this: &Relayed) -> Option<bool>;
}

/// The largest document read whole before the client is answered. Past it, the body is passed on
/// as it arrives: holding more would cost memory that no client needs (it gets the bytes as fast
/// either way), and a body that breaks off later reaches the client as a broken body.
pub const WHOLE_MAX_BYTES: usize = 1024 * 1024;

/// How a body ended, from the numbers `src/js/relay.js` reports.
fn body_end(code: u8, idle_ms: u64) -> BodyEnd {
    match code {
        0 => BodyEnd::Complete,
        2 => BodyEnd::Stalled { idle_ms },
        3 => BodyEnd::ClientGone,
        _ => BodyEnd::Broken,
    }
}

/// The completion shared between the relay's callbacks and the task that finishes it.
type Shared = Rc<RefCell<Option<Completion>>>;

/// `onData(chunks)`: hands a batch of the body's copy to the completion, each chunk copied into
/// one buffer that lives as long as the relay (so a long body allocates no new Wasm memory).
fn on_data(shared: &Shared) -> Closure<dyn FnMut(js_sys::Array)> {
    let shared = Rc::clone(shared);
    let mut scratch = Vec::new();
    Closure::new(move |chunks: js_sys::Array| {
        let mut guard = shared.borrow_mut();
        let Some(completion) = guard.as_mut() else { return };
        for chunk in chunks.iter() {
            let chunk: Uint8Array = chunk.unchecked_into();
            scratch.resize(chunk.length() as usize, 0);
            chunk.copy_to(&mut scratch);
            completion.on_chunk(&scratch, &mut Vec::new());
        }
        if scratch.capacity() > SCRATCH_KEPT_BYTES {
            scratch = Vec::new();
        }
    })
}

/// The most of the copy buffer kept between batches; a larger chunk's buffer is freed after it.
const SCRATCH_KEPT_BYTES: usize = 256 * 1024;

/// `onEnd(end)`: ends the completion's body and returns what to append to the client's body.
/// Owned here and kept until the relay is done (not `once_into_js`, which leaks when the relay
/// never calls it: a body that failed before its end).
type OnEnd = Closure<dyn FnMut(u8) -> Option<Uint8Array>>;

fn on_end(shared: &Shared, idle_ms: u64) -> OnEnd {
    let shared = Rc::clone(shared);
    Closure::new(move |end: u8| -> Option<Uint8Array> {
        let mut tail = Vec::new();
        if let Some(completion) = shared.borrow_mut().as_mut() {
            completion.end_body(js_sys::Date::now(), body_end(end, idle_ms), &mut tail);
        }
        (!tail.is_empty()).then(|| Uint8Array::from(&tail[..]))
    })
}

/// Runs the completion's `finish` in `wait_until` once `done` settled (the body's end was seen),
/// keeping `keep_alive` (the relay's per-chunk callback) until then.
fn finish_when_done<K: 'static>(done: Option<js_sys::Promise>, shared: Shared, keep_alive: K, ctx: &Context) {
    ctx.wait_until(async move {
        if let Some(done) = done {
            let _ = JsFuture::from(done).await;
        }
        drop(keep_alive);
        let completion = shared.borrow_mut().take();
        if let Some(completion) = completion.filter(|c| !c.is_noop()) {
            completion.finish().await;
        }
    });
}

/// The response for the client, with `completion` scheduled to run alongside or after it.
/// `idle_ms` is `UPSTREAM_IDLE_TIMEOUT_MS`.
pub async fn respond(
    response: web_sys::Response,
    completion: Completion,
    idle_ms: u64,
    ctx: &Context,
) -> Result<web_sys::Response, GatewayError> {
    let needed = completion.body_mode();
    let Some(body) = response.body() else {
        if !completion.is_noop() || needed != BodyMode::PassThrough {
            ctx.wait_until(finish_without_body(completion));
        }
        return Ok(response);
    };
    // A body nothing needs to see is still read on the side, for its idle timeout: passed on
    // natively, a provider that sent its head and then nothing would hold the client as long as
    // it liked.
    let mode = if needed == BodyMode::PassThrough { BodyMode::Watch } else { needed };
    let shared = Rc::new(RefCell::new(Some(completion)));
    if mode == BodyMode::Rewrite {
        return relay(&response, &body, shared, idle_ms, ctx);
    }
    if mode == BodyMode::Watch && is_document(&response) {
        return collect(response, &body, shared, idle_ms, ctx).await;
    }
    // A guarded stream may get an error event appended: its length is not the provider's.
    let length = if mode == BodyMode::Watch { fixed_length(&response) } else { -1.0 };
    let (data, end) = (on_data(&shared), on_end(&shared, idle_ms));
    let passed = pass_body(&body, &data, end.as_ref(), idle_ms as f64, length);
    let readable = passed.readable();
    finish_when_done(passed.done(), shared, (data, end), ctx);
    response_with_body(readable.as_ref(), response.status(), &response.headers())
}

/// The provider's `content-length` when the body the client gets will have exactly that many
/// bytes (no `content-encoding`: the runtime decodes such a body, changing its length); -1
/// otherwise. Keeping it makes a body that breaks off visible to any HTTP client.
fn fixed_length(response: &web_sys::Response) -> f64 {
    let headers = response.headers();
    let encoded =
        headers.get("content-encoding").ok().flatten().is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity"));
    let length = headers.get("content-length").ok().flatten().and_then(|v| v.trim().parse::<u64>().ok());
    match length {
        Some(length) if !encoded => length as f64,
        _ => -1.0,
    }
}

/// Whether a watched response is a document (JSON or text, not an event stream): the client
/// needs all of it before it can use any, so reading it first delays nothing.
fn is_document(response: &web_sys::Response) -> bool {
    let content_type = response.headers().get("content-type").ok().flatten().unwrap_or_default().to_ascii_lowercase();
    content_type.contains("json")
        || (content_type.starts_with("text/") && !content_type.starts_with("text/event-stream"))
}

/// Reads a document whole (up to [`WHOLE_MAX_BYTES`]) and answers the client with it; a larger one
/// is passed on as it arrives. A body that breaks off or stalls before its end is answered with
/// the gateway's own error, which the log records.
async fn collect(
    response: web_sys::Response,
    body: &web_sys::ReadableStream,
    shared: Shared,
    idle_ms: u64,
    ctx: &Context,
) -> Result<web_sys::Response, GatewayError> {
    let (data, end) = (on_data(&shared), on_end(&shared, idle_ms));
    let length = fixed_length(&response);
    let promise = collect_body(body, &data, end.as_ref(), idle_ms as f64, WHOLE_MAX_BYTES as f64, true, length);
    let collected = settled(promise).await;
    let keep_alive = (data, end);
    if let Some(whole) = collected.whole() {
        finish_when_done(None, shared, keep_alive, ctx);
        let init = web_sys::ResponseInit::new();
        init.set_status(response.status());
        init.set_headers(response.headers().as_ref());
        return web_sys::Response::new_with_opt_buffer_source_and_init(Some(&whole), &init)
            .map_err(|_| GatewayError::internal("building a response"));
    }
    if let Some(readable) = collected.readable() {
        finish_when_done(collected.done(), shared, keep_alive, ctx);
        return response_with_body(Some(&readable), response.status(), &response.headers());
    }
    let end = body_end(collected.failed().unwrap_or(1), idle_ms);
    let reply = shared.borrow_mut().as_mut().map(|completion| completion.fail(js_sys::Date::now(), end));
    finish_when_done(None, shared, keep_alive, ctx);
    match reply {
        Some(reply) => local_response(&reply),
        None => Err(GatewayError::internal("the response's completion was lost")),
    }
}

/// Reads a response body whole for the gateway itself (to translate it), cutting it after
/// `idle_ms` without data. A body declared larger than `max_bytes` is cancelled unread.
///
/// Errors: 502 `upstream_invalid_response` past `max_bytes`; 502 `upstream_unreachable` when it
/// broke off; 504 `upstream_timeout` when it stalled.
pub async fn read_whole(response: web_sys::Response, idle_ms: u64, max_bytes: u64) -> Result<Vec<u8>, GatewayError> {
    let too_large = || {
        GatewayError::new(
            gateway_core::ErrorKind::UpstreamInvalid,
            format!("the provider's response exceeds the gateway's limit of {max_bytes} bytes"),
        )
    };
    let Some(body) = response.body() else { return Ok(Vec::new()) };
    let declared = response.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max_bytes) {
        let _ = body.cancel();
        return Err(too_large());
    }
    let read = settled(read_whole_js(&body, idle_ms as f64, max_bytes as f64)).await;
    if let Some(whole) = read.whole() {
        return Ok(whole.to_vec());
    }
    if read.too_large() == Some(true) {
        return Err(too_large());
    }
    Err(body_end(read.failed().unwrap_or(1), idle_ms)
        .error()
        .unwrap_or_else(|| GatewayError::internal("reading the provider's response")))
}

/// What `collectBody` (or `readWhole`) resolved to; a rejection (which they never do on purpose)
/// reads as an empty answer, that is a body that broke off.
async fn settled(promise: js_sys::Promise) -> Relayed {
    match JsFuture::from(promise).await {
        Ok(value) => value.unchecked_into(),
        Err(_) => js_sys::Object::new().unchecked_into(),
    }
}

/// Passes `body` through the JavaScript relay, each chunk rewritten by the completion.
fn relay(
    response: &web_sys::Response,
    body: &web_sys::ReadableStream,
    shared: Shared,
    idle_ms: u64,
    ctx: &Context,
) -> Result<web_sys::Response, GatewayError> {
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
    let end = on_end(&shared, idle_ms);
    let relayed = relay_body(body, &on_chunk, end.as_ref(), idle_ms as f64);
    let readable = relayed.readable();
    // The callbacks live until the relay called `on_end`; they run no more after that.
    finish_when_done(relayed.done(), shared, (on_chunk, end), ctx);
    response_with_body(readable.as_ref(), response.status(), &response.headers())
}

async fn finish_without_body(mut completion: Completion) {
    completion.end_body(js_sys::Date::now(), BodyEnd::Complete, &mut Vec::new());
    completion.finish().await;
}
