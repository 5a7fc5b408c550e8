//! [`HttpPort`] for the Workers runtime: global `fetch`, JS `Headers`, and body streams.
//!
//! Request bodies stay JS values (a `ReadableStream`, or a `Uint8Array` once read for a length
//! check) and go to `fetch` without entering Wasm memory. Responses are the runtime's own
//! `Response` objects.

use async_trait::async_trait;
use gateway_core::headers::dropped_request_header_names;
use gateway_core::{ErrorKind, GatewayError, Headers, HttpPort, Reply, RequestBody, ResponseHead, UpstreamHead};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::worker_sys::web_sys;

use crate::timer;

/// The Workers implementation of the pipeline's I/O, for one request.
pub struct WorkerHttp {
    /// The client's own `Headers` object.
    client: web_sys::Headers,
    /// The names of the client's headers that the forwarding rules drop.
    dropped: Vec<String>,
    /// For secrets (stored provider keys).
    env: worker::Env,
    /// `UPSTREAM_IDLE_TIMEOUT_MS`, for the bodies this port reads.
    idle_ms: u64,
}

impl WorkerHttp {
    /// `headers` is `client` as read by [`client_headers`]; `idle_ms` is
    /// `UPSTREAM_IDLE_TIMEOUT_MS`.
    pub fn new(client: web_sys::Headers, headers: &Headers, env: worker::Env, idle_ms: u64) -> Self {
        let dropped = dropped_request_header_names(headers).into_iter().map(str::to_owned).collect();
        WorkerHttp { client, dropped, env, idle_ms }
    }

    /// The upstream request's `Headers`. Unless a plugin edited them, the runtime copies the
    /// client's `Headers` natively and the dropped names are deleted from the copy: a few calls,
    /// where a `Headers` built from a list of pairs costs about 30 µs per request.
    fn upstream_headers(&self, upstream: &Headers, edited: bool) -> Result<web_sys::Headers, GatewayError> {
        if edited {
            return js_headers(upstream);
        }
        let headers = web_sys::Headers::new_with_headers(&self.client).map_err(internal("copying headers"))?;
        for name in &self.dropped {
            headers.delete(name).map_err(internal("removing a header"))?;
        }
        Ok(headers)
    }
}

/// Why [`text_within`] has no answer to give.
pub(crate) enum NoAnswer {
    /// Nothing came within the time.
    TimedOut,
    /// The fetch failed (unreachable, refused): the runtime's message.
    Failed(String),
    /// An answer came but its body could not be read: the runtime's message.
    Unreadable(String),
}

/// Awaits the `Response` `promise` settles to, at most `ms` milliseconds, and reads its body as
/// text: the status and the text.
pub(crate) async fn text_within(promise: &js_sys::Promise, ms: u64) -> Result<(u16, String), NoAnswer> {
    let response: web_sys::Response = match crate::timer::within(promise, ms).await {
        None => return Err(NoAnswer::TimedOut),
        Some(Err(e)) => return Err(NoAnswer::Failed(js_message(&e))),
        Some(Ok(response)) => response.unchecked_into(),
    };
    let unreadable = |e: JsValue| NoAnswer::Unreadable(js_message(&e));
    let text = JsFuture::from(response.text().map_err(unreadable)?).await.map_err(unreadable)?;
    Ok((response.status(), text.as_string().unwrap_or_default()))
}

/// The message of a JavaScript error (or the thrown string, or the value's debug form).
pub(crate) fn js_message(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| format!("{err:?}"))
}

fn internal(context: &str) -> impl Fn(JsValue) -> GatewayError + '_ {
    move |err| GatewayError::internal(format!("{context}: {}", js_message(&err)))
}

/// Copies a JS `Headers` into the core's header list.
///
/// The list crosses the Wasm boundary as one JSON string (`JSON.stringify(Array.from(headers))`):
/// two calls into JS in all, where reading entry by entry costs several calls per header.
pub fn client_headers(headers: &web_sys::Headers) -> Headers {
    let pairs = js_sys::JSON::stringify(&js_sys::Array::from(headers))
        .ok()
        .and_then(|json| serde_json::from_str::<Vec<(String, String)>>(&String::from(json)).ok())
        .unwrap_or_default();
    pairs.into_iter().collect()
}

/// Builds a JS `Headers` from the core's list. A short list (a gateway reply's few headers) is
/// appended name by name; a long one crosses as one JSON string, which costs less than many calls.
fn js_headers(headers: &Headers) -> Result<web_sys::Headers, GatewayError> {
    if headers.len() <= SHORT_HEADER_LIST {
        let built = web_sys::Headers::new().map_err(internal("creating headers"))?;
        for (name, value) in headers.iter() {
            built.append(name, value).map_err(internal("setting a header"))?;
        }
        return Ok(built);
    }
    let pairs: Vec<(&str, &str)> = headers.iter().collect();
    let json = serde_json::to_string(&pairs).map_err(|e| GatewayError::internal(format!("encoding headers: {e}")))?;
    let parsed = js_sys::JSON::parse(&json).map_err(internal("decoding headers"))?;
    web_sys::Headers::new_with_str_sequence_sequence(&parsed).map_err(internal("creating headers"))
}

/// Up to how many headers [`js_headers`] appends one by one.
const SHORT_HEADER_LIST: usize = 8;

/// A response the gateway made itself (an error, or a plugin's reply).
pub fn local_response(reply: &Reply) -> Result<web_sys::Response, GatewayError> {
    let init = web_sys::ResponseInit::new();
    init.set_status(reply.status);
    init.set_headers(js_headers(&reply.headers)?.as_ref());
    let mut body = reply.body.clone();
    web_sys::Response::new_with_opt_u8_array_and_init(Some(&mut body), &init).map_err(internal("building a response"))
}

/// A response with `body` and the given head.
pub fn response_with_body(
    body: Option<&web_sys::ReadableStream>,
    status: u16,
    headers: &web_sys::Headers,
) -> Result<web_sys::Response, GatewayError> {
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    init.set_headers(headers.as_ref());
    web_sys::Response::new_with_opt_readable_stream_and_init(body, &init).map_err(internal("building a response"))
}

async fn read_chunk(reader: &web_sys::ReadableStreamDefaultReader) -> Result<Option<Uint8Array>, JsValue> {
    let result = JsFuture::from(reader.read()).await?;
    if Reflect::get(&result, &"done".into())?.is_truthy() {
        return Ok(None);
    }
    Ok(Some(Reflect::get(&result, &"value".into())?.unchecked_into()))
}

/// How much of a refused body is still read (and dropped) before the 413 goes out.
const DRAIN_LIMIT_BYTES: u64 = 16 * 1024 * 1024;

/// Reads and drops the rest of a refused request body, up to [`DRAIN_LIMIT_BYTES`]. A client
/// still uploading when the connection closes sees a reset instead of the 413, so the gateway
/// lets a moderate excess finish (as nginx's lingering close does) and cancels beyond that.
async fn drain(reader: &web_sys::ReadableStreamDefaultReader) {
    let mut drained: u64 = 0;
    while let Ok(Some(chunk)) = read_chunk(reader).await {
        drained += u64::from(chunk.length());
        if drained > DRAIN_LIMIT_BYTES {
            let _ = reader.cancel();
            return;
        }
    }
}

#[async_trait(?Send)]
impl HttpPort for WorkerHttp {
    type Body = JsValue;
    type Response = web_sys::Response;

    fn now_ms(&self) -> f64 {
        js_sys::Date::now()
    }

    fn random(&self) -> f64 {
        js_sys::Math::random()
    }

    fn random_bytes(&self, out: &mut [u8]) {
        let bytes = Uint8Array::new_with_length(out.len() as u32);
        let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok();
        let get = crypto.as_ref().and_then(|c| Reflect::get(c, &"getRandomValues".into()).ok());
        match (crypto, get.and_then(|f| f.dyn_into::<js_sys::Function>().ok())) {
            (Some(crypto), Some(get)) if get.call1(&crypto, &bytes).is_ok() => bytes.copy_to(out),
            _ => out.iter_mut().for_each(|b| *b = (js_sys::Math::random() * 256.0) as u8),
        }
    }

    fn secret(&self, name: &str) -> Option<String> {
        crate::var(&self.env, name)
    }

    async fn read_body(&self, body: JsValue, declared: Option<u64>, max_bytes: u64) -> Result<Vec<u8>, GatewayError> {
        let stream: web_sys::ReadableStream = body.unchecked_into();
        if declared.is_some() {
            // The length was checked: read it in one native call rather than chunk by chunk. The
            // runtime holds a request body to its declared length.
            let whole = web_sys::Response::new_with_opt_readable_stream(Some(&stream))
                .and_then(|r| r.array_buffer())
                .map_err(internal("reading the request body"))?;
            let buffer = JsFuture::from(whole).await.map_err(internal("reading the request body"))?;
            let bytes = Uint8Array::new(&buffer);
            if u64::from(bytes.length()) > max_bytes {
                return Err(GatewayError::body_too_large(max_bytes));
            }
            return Ok(bytes.to_vec());
        }
        let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        let mut bytes = Vec::new();
        while let Some(chunk) = read_chunk(&reader).await.map_err(internal("reading the request body"))? {
            if (bytes.len() + chunk.length() as usize) as u64 > max_bytes {
                drain(&reader).await;
                return Err(GatewayError::body_too_large(max_bytes));
            }
            let start = bytes.len();
            bytes.resize(start + chunk.length() as usize, 0);
            chunk.copy_to(&mut bytes[start..]);
        }
        Ok(bytes)
    }

    async fn discard(&self, body: JsValue) {
        let stream: web_sys::ReadableStream = body.unchecked_into();
        drain(&stream.get_reader().unchecked_into()).await;
    }

    async fn sleep(&self, ms: u64) {
        let _ = JsFuture::from(timer::delay(ms)).await;
    }

    async fn fetch(
        &self,
        upstream: &UpstreamHead,
        headers_edited: bool,
        body: Option<RequestBody<JsValue>>,
        first_byte_timeout_ms: Option<u64>,
        wait_for_body: bool,
    ) -> Result<web_sys::Response, GatewayError> {
        let init = web_sys::RequestInit::new();
        init.set_method(&upstream.method);
        init.set_headers(self.upstream_headers(&upstream.headers, headers_edited)?.as_ref());
        init.set_redirect(web_sys::RequestRedirect::Manual);
        if let Some(body) = body.filter(|_| !matches!(upstream.method.as_str(), "GET" | "HEAD")) {
            match body {
                RequestBody::Stream(stream) => init.set_body(&stream),
                RequestBody::Bytes(bytes) => init.set_body(&Uint8Array::from(&bytes[..])),
            }
        }
        let deadline = match first_byte_timeout_ms {
            Some(ms) => Some(timer::Deadline::start(ms).map_err(internal("starting a timer"))?),
            None => None,
        };
        if let Some(deadline) = &deadline {
            init.set_signal(Some(&deadline.signal()));
        }
        let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
        let mut result = JsFuture::from(global.fetch_with_str_and_init(&upstream.url, &init)).await;
        if let (Ok(response), true, true) = (&result, wait_for_body, deadline.is_some()) {
            let response: &web_sys::Response = response.unchecked_ref();
            if response.ok() && response.body().is_some() {
                // Still under the deadline: its abort cuts this read too.
                result = JsFuture::from(crate::body_stream::with_first_chunk(response)).await;
            }
        }
        let timed_out = deadline.map(timer::Deadline::clear).unwrap_or(false);
        match result {
            Ok(response) => Ok(response.unchecked_into()),
            Err(_) if timed_out => Err(GatewayError::new(
                ErrorKind::UpstreamTimeout,
                format!(
                    "the provider at {} sent no response within {} ms (raise it with cf-aig-request-timeout or \
                     RETRY_DEFAULTS' requestTimeout)",
                    strip_query(&upstream.url),
                    first_byte_timeout_ms.unwrap_or_default()
                ),
            )),
            Err(err) => Err(GatewayError::upstream_unreachable(strip_query(&upstream.url), &js_message(&err))),
        }
    }

    fn response_head(&self, response: &web_sys::Response) -> ResponseHead {
        ResponseHead { status: response.status(), headers: client_headers(&response.headers()) }
    }

    fn with_head(&self, response: web_sys::Response, head: ResponseHead) -> Result<web_sys::Response, GatewayError> {
        response_with_body(response.body().as_ref(), head.status, &js_headers(&head.headers)?)
    }

    fn set_headers(&self, response: web_sys::Response, headers: &Headers) -> Result<web_sys::Response, GatewayError> {
        // A fetched response's headers are immutable: copy them (natively) onto a new response.
        let copy = web_sys::Headers::new_with_headers(&response.headers()).map_err(internal("copying headers"))?;
        for (name, value) in headers.iter() {
            copy.set(name, value).map_err(internal("setting a header"))?;
        }
        response_with_body(response.body().as_ref(), response.status(), &copy)
    }

    async fn read_response(&self, response: web_sys::Response, max_bytes: u64) -> Result<Vec<u8>, GatewayError> {
        crate::body_stream::read_whole(response, self.idle_ms, max_bytes).await
    }

    fn cancel(&self, response: web_sys::Response) {
        if let Some(body) = response.body() {
            let _ = body.cancel();
        }
    }

    fn header(&self, response: &web_sys::Response, name: &str) -> Option<String> {
        response.headers().get(name).ok().flatten()
    }

    fn status(&self, response: &web_sys::Response) -> u16 {
        response.status()
    }
}

/// The URL without its query, which may carry keys (`?key=` for Gemini).
fn strip_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}
