//! Watching a response body on the side: the client reads one branch of a `tee()`d stream
//! straight from the runtime, while a `wait_until` task reads the other branch and feeds it to the
//! plugins' stream hooks. The client's bytes never pass through Wasm and never wait for a plugin.

use gateway_core::{Completion, GatewayError};
use wasm_bindgen::JsCast;
use worker::worker_sys::web_sys;
use worker::Context;

use crate::http_port::{next_chunk, response_with_body};

/// Returns a response that streams `response`'s body to the client, and schedules `completion`
/// to watch a copy of it. Without a body there is nothing to watch: the completion just finishes.
pub fn tap(
    response: web_sys::Response,
    completion: Completion,
    ctx: &Context,
) -> Result<web_sys::Response, GatewayError> {
    let Some(body) = response.body() else {
        ctx.wait_until(completion.finish(js_sys::Date::now(), true));
        return Ok(response);
    };
    let branches = body.tee();
    let to_client: web_sys::ReadableStream = branches.get(0).unchecked_into();
    let to_watch: web_sys::ReadableStream = branches.get(1).unchecked_into();
    ctx.wait_until(watch(to_watch, completion));
    response_with_body(Some(&to_client), response.status(), &response.headers())
}

async fn watch(stream: web_sys::ReadableStream, mut completion: Completion) {
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let complete = loop {
        match next_chunk(&reader).await {
            Ok(Some(chunk)) => completion.on_chunk(&chunk),
            Ok(None) => break true,
            Err(_) => break false,
        }
    };
    completion.finish(js_sys::Date::now(), complete).await;
}
