//! Sending the upstream response body to the client in the mode the pipeline chose
//! ([`BodyMode`]):
//!
//! - pass-through: the runtime's own response goes back; the body never enters Wasm;
//! - watch and rewrite: the body is relayed by a small JavaScript pull stream (`src/js/relay.js`).
//!   Watching, chunks go to the client as they come while a copy reaches the completion in
//!   batches (a few Wasm calls per response, never delaying a chunk); rewriting, each chunk goes
//!   through the completion (translation) and the client gets what it returns. Either way the
//!   completion may append bytes at the end (an error event for a stream that broke), and its
//!   `finish` (logs, cache writes, plugins' `on_log`) runs in `ctx.wait_until` once the body ended.
//!
//! The relay pulls from the provider only as the client reads, so a slow client slows the reading
//! (backpressure) instead of filling memory.

use std::cell::RefCell;
use std::rc::Rc;

use gateway_core::{BodyMode, Completion, GatewayError};
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use worker::worker_sys::web_sys;
use worker::Context;

use crate::http_port::response_with_body;

#[wasm_bindgen(module = "/src/js/relay.js")]
extern "C" {
    #[wasm_bindgen(js_name = relayBody)]
    fn relay_body(
        body: &web_sys::ReadableStream,
        rewrite: bool,
        batch_bytes: u32,
        on_chunk: &Closure<dyn FnMut(Uint8Array) -> Option<Uint8Array>>,
        on_end: &JsValue,
    ) -> web_sys::ReadableStream;
}

/// How many bytes a watched body gathers before they are handed to the completion.
const WATCH_BATCH_BYTES: u32 = 64 * 1024;

/// The response for the client, with `completion` scheduled to run alongside or after it.
pub fn respond(
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
    let shared = Rc::new(RefCell::new(Some(completion)));
    let (ended_tx, ended) = oneshot();

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
        Closure::once_into_js(move |rest: Uint8Array, complete: bool| -> Option<Uint8Array> {
            let mut out = Vec::new();
            if let Some(completion) = shared.borrow_mut().as_mut() {
                if rest.length() > 0 {
                    completion.on_chunk(&rest.to_vec(), &mut Vec::new());
                }
                completion.end_body(js_sys::Date::now(), complete, &mut out);
            }
            ended_tx.send();
            (!out.is_empty()).then(|| Uint8Array::from(&out[..]))
        })
    };
    let relayed = relay_body(&body, mode == BodyMode::Rewrite, WATCH_BATCH_BYTES, &on_chunk, &on_end);
    ctx.wait_until(async move {
        ended.await;
        // The relay called `on_end`, so `on_chunk` runs no more and may be freed.
        drop(on_chunk);
        let completion = shared.borrow_mut().take();
        if let Some(completion) = completion {
            completion.finish().await;
        }
    });
    response_with_body(Some(&relayed), response.status(), &response.headers())
}

async fn finish_without_body(mut completion: Completion) {
    completion.end_body(js_sys::Date::now(), true, &mut Vec::new());
    completion.finish().await;
}

/// A one-shot signal from the relay's end to the `wait_until` task.
fn oneshot() -> (Signal, Wait) {
    let state = Rc::new(RefCell::new((false, None::<std::task::Waker>)));
    (Signal(Rc::clone(&state)), Wait(state))
}

struct Signal(Rc<RefCell<(bool, Option<std::task::Waker>)>>);

impl Signal {
    fn send(self) {
        let mut state = self.0.borrow_mut();
        state.0 = true;
        if let Some(waker) = state.1.take() {
            waker.wake();
        }
    }
}

struct Wait(Rc<RefCell<(bool, Option<std::task::Waker>)>>);

impl std::future::Future for Wait {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        let mut state = self.0.borrow_mut();
        if state.0 {
            std::task::Poll::Ready(())
        } else {
            state.1 = Some(cx.waker().clone());
            std::task::Poll::Pending
        }
    }
}
