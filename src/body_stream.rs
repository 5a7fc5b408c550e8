//! Sending the upstream response body to the client in the mode the pipeline chose
//! ([`BodyMode`]):
//!
//! - pass-through: the runtime's own response goes back; the body never enters Wasm;
//! - watch: the body is `tee()`d; the client reads one branch straight from the runtime while a
//!   `wait_until` task feeds the other to the completion, so the client never waits for it;
//! - rewrite: a `wait_until` task reads each chunk, lets the completion rewrite it (translation,
//!   an error event at a bad end) and writes the result into a `TransformStream` whose readable
//!   side is the client's body. Writes are awaited, so a slow client slows the reading
//!   (backpressure) instead of filling memory.

use gateway_core::{BodyMode, Completion, GatewayError};
use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use worker::worker_sys::web_sys;
use worker::Context;

use crate::http_port::{next_chunk, response_with_body};

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
    match mode {
        BodyMode::Watch => {
            let branches = body.tee();
            let to_client: web_sys::ReadableStream = branches.get(0).unchecked_into();
            let to_watch: web_sys::ReadableStream = branches.get(1).unchecked_into();
            ctx.wait_until(watch(to_watch, completion));
            response_with_body(Some(&to_client), response.status(), &response.headers())
        }
        _ => {
            let pipe = web_sys::TransformStream::new()
                .map_err(|_| GatewayError::internal("creating the response stream failed"))?;
            let writer = pipe.writable().get_writer().map_err(|_| GatewayError::internal("locking the stream"))?;
            ctx.wait_until(rewrite(body, writer, completion));
            response_with_body(Some(&pipe.readable()), response.status(), &response.headers())
        }
    }
}

async fn finish_without_body(mut completion: Completion) {
    completion.end_body(js_sys::Date::now(), true, &mut Vec::new());
    completion.finish().await;
}

async fn watch(stream: web_sys::ReadableStream, mut completion: Completion) {
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut ignored = Vec::new();
    let complete = loop {
        match next_chunk(&reader).await {
            Ok(Some(chunk)) => completion.on_chunk(&chunk, &mut ignored),
            Ok(None) => break true,
            Err(_) => break false,
        }
    };
    completion.end_body(js_sys::Date::now(), complete, &mut ignored);
    completion.finish().await;
}

async fn write(writer: &web_sys::WritableStreamDefaultWriter, bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return true;
    }
    JsFuture::from(writer.write_with_chunk(&Uint8Array::from(bytes))).await.is_ok()
}

async fn rewrite(
    body: web_sys::ReadableStream,
    writer: web_sys::WritableStreamDefaultWriter,
    mut completion: Completion,
) {
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut out = Vec::new();
    let mut client_gone = false;
    let complete = loop {
        match next_chunk(&reader).await {
            Ok(Some(chunk)) => {
                out.clear();
                completion.on_chunk(&chunk, &mut out);
                if !write(&writer, &out).await {
                    // The client went away: stop reading the provider's stream too.
                    client_gone = true;
                    let _ = reader.cancel();
                    break false;
                }
            }
            Ok(None) => break true,
            Err(_) => break false,
        }
    };
    out.clear();
    completion.end_body(js_sys::Date::now(), complete, &mut out);
    if !client_gone && write(&writer, &out).await {
        let _ = JsFuture::from(writer.close()).await;
    }
    completion.finish().await;
}
