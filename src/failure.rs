//! What the Worker answers when its fetch handler fails outside the pipeline: the gateway's
//! configuration is invalid, or a response could not be built. The pipeline turns its own errors
//! into replies (and request logs); these are the errors it never saw, so each one is written to
//! the Worker's console here, and the client gets the gateway's usual JSON error.
//!
//! Without this, an `Err` from the fetch handler would reach workers-rs, which answers a
//! plain-text `INTERNAL SERVER ERROR`.

use gateway_core::{GatewayError, Reply};
use worker::console_error;
use worker::worker_sys::web_sys;

use crate::http_port::local_response;

/// The JSON body of [`fixed_response`]: the shape of [`GatewayError::to_json`], written out so
/// that it needs no encoding.
const FIXED_BODY: &str =
    r#"{"error":{"message":"the gateway failed to build its response","type":"api_error","code":"internal_error"}}"#;

/// Logs `err` (`what_failed` names it) and answers it as the gateway's JSON error.
///
/// Runs for every request while the configuration is invalid, so a misconfigured Worker logs
/// once per request. If even the JSON reply cannot be built, a fixed JSON 500 is answered; the
/// `Err` only when the runtime cannot make that either.
pub fn respond(err: &GatewayError, what_failed: &str) -> worker::Result<web_sys::Response> {
    console_error!("gateway: {what_failed}: {err}");
    local_response(&Reply::from_error(err)).or_else(|build_err| {
        console_error!("gateway: the error reply could not be built ({build_err}); answering a fixed one");
        fixed_response()
    })
}

/// A 500 with [`FIXED_BODY`], made with as few runtime calls as possible.
fn fixed_response() -> worker::Result<web_sys::Response> {
    let headers = web_sys::Headers::new()?;
    headers.set("content-type", "application/json")?;
    let init = web_sys::ResponseInit::new();
    init.set_status(500);
    init.set_headers(headers.as_ref());
    Ok(web_sys::Response::new_with_opt_str_and_init(Some(FIXED_BODY), &init)?)
}
