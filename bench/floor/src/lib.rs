//! The benchmark floor: the smallest Rust worker that forwards a request to `UPSTREAM` + its path
//! and returns the response object as is. It takes and returns raw `web_sys` types, as the
//! gateway does, so that the comparison charges the gateway only for its own work.

use worker::wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;
use worker::worker_sys::web_sys;
use worker::{event, Context, Env, Result};

#[event(fetch)]
async fn fetch(req: web_sys::Request, env: Env, _ctx: Context) -> Result<web_sys::Response> {
    let upstream = env.var("UPSTREAM")?.to_string();
    let path = req.url().splitn(4, '/').nth(3).map(str::to_owned).unwrap_or_default();
    // `new Request(url, request)` copies the method, headers and body stream of the original.
    let init: &web_sys::RequestInit = req.unchecked_ref();
    let out = web_sys::Request::new_with_str_and_init(&format!("{upstream}/{path}"), init)?;
    let global: web_sys::WorkerGlobalScope = worker::js_sys::global().unchecked_into();
    let response = JsFuture::from(global.fetch_with_request(&out)).await?;
    Ok(response.unchecked_into())
}
