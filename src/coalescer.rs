//! Stampede protection across a Worker's isolates: the `CacheCoalescer` Durable Object
//! (developers.cloudflare.com/durable-objects/) and the [`Coalescer`] client that reaches it.
//!
//! Each location (data centre) has [`gateway_core::cache::COALESCER_SHARDS`] objects (binding
//! `CACHE_COALESCER`), named by the location's code and a digit of the key's hash
//! ([`coalescer_object_name`]): a miss reaches an object that already runs, near it. The object
//! holds a [`MemoryCoalescer`] for the keys of its shard and answers two requests:
//!
//! - `POST /join`: `x-coalesce: lead` at once for the first miss of a key; for the misses that
//!   arrive while it is in flight, once the leader releases: `served` with the encoded entry as
//!   body, or `alone`;
//! - `POST /release`: the leader's end; body = the stored entry when `x-coalesce-entry: 1`.
//!
//! Nothing is written to the object's storage: if it is evicted, the next miss simply leads. The
//! client bounds a follower's wait ([`FOLLOWER_WAIT_MS`]) whatever the object does, so a leader
//! that died before releasing costs its followers that wait, then their own upstream calls.

use async_trait::async_trait;
use std::cell::RefCell;

use gateway_core::cache::{coalescer_object_name, Coalescer, Joined, MemoryCoalescer};
use gateway_core::GatewayError;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::worker_sys::web_sys;
use worker::{durable_object, Env, ObjectNamespace, Request, Response, State};

use crate::timer;

/// The Durable Object namespace binding.
pub const BINDING: &str = "CACHE_COALESCER";

/// How long a follower waits for its leader before going to the provider itself; also how long
/// the object waits before presuming a leader dead and letting the next miss lead.
pub const FOLLOWER_WAIT_MS: u64 = 60_000;

/// The largest entry handed to followers through the object. Each waiting follower holds a copy
/// in the object's memory (128 MB per isolate), so larger entries release the followers to make
/// their own calls instead.
pub const SHARE_MAX_BYTES: usize = 2 * 1024 * 1024;

const ROLE_HEADER: &str = "x-coalesce";
const ENTRY_HEADER: &str = "x-coalesce-entry";
const KEY_HEADER: &str = "x-coalesce-key";

thread_local! {
    /// The location this isolate runs in (`request.cf.colo`), read from its first request that
    /// has one: an isolate never moves between data centres.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Remembers the isolate's location from `req.cf.colo`, once; before any coalescer call.
pub fn note_location(req: &web_sys::Request) {
    if LOCATION.with(|l| l.borrow().is_some()) {
        return;
    }
    let colo = js_sys::Reflect::get(req, &JsValue::from_str("cf"))
        .ok()
        .filter(|cf| cf.is_object())
        .and_then(|cf| js_sys::Reflect::get(&cf, &JsValue::from_str("colo")).ok())
        .and_then(|colo| colo.as_string());
    if let Some(colo) = colo {
        LOCATION.with(|l| *l.borrow_mut() = Some(colo));
    }
}

/// The meeting point of identical misses of the keys of one shard of a location.
#[durable_object]
pub struct CacheCoalescer {
    inner: MemoryCoalescer,
}

impl worker::DurableObject for CacheCoalescer {
    fn new(_state: State, _env: Env) -> Self {
        CacheCoalescer { inner: MemoryCoalescer::new(js_sys::Date::now, FOLLOWER_WAIT_MS as f64) }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let key = req.headers().get(KEY_HEADER)?.unwrap_or_default();
        match req.path().as_str() {
            "/join" => {
                let (role, body) = match self.inner.join(&key).await {
                    Ok(Joined::Lead) => ("lead", Vec::new()),
                    Ok(Joined::Served(entry)) => ("served", entry),
                    Ok(Joined::Alone) | Err(_) => ("alone", Vec::new()),
                };
                let response = Response::from_bytes(body)?;
                response.headers().set(ROLE_HEADER, role)?;
                Ok(response)
            }
            "/release" => {
                let shared = req.headers().get(ENTRY_HEADER)?.as_deref() == Some("1");
                let body = req.bytes().await?;
                self.inner.release(&key, shared.then_some(body)).await;
                Ok(Response::empty()?.with_status(204))
            }
            other => Response::error(format!("no route {other}"), 404),
        }
    }
}

/// [`Coalescer`] over the `CACHE_COALESCER` namespace, for one request.
pub struct DurableCoalescer {
    namespace: ObjectNamespace,
}

impl DurableCoalescer {
    /// The namespace of this Worker; `None` when the binding is absent (misses are then not
    /// coalesced).
    pub fn from_env(env: &Env) -> Option<DurableCoalescer> {
        crate::binding(env, BINDING).map(|b| DurableCoalescer { namespace: b.unchecked_into() })
    }

    /// Sends one request to the object of `key`; the promise of its response.
    fn send(&self, key: &str, path: &str, entry: Option<&[u8]>) -> Result<js_sys::Promise, GatewayError> {
        let name = LOCATION.with(|l| coalescer_object_name(l.borrow().as_deref().unwrap_or_default(), key));
        let stub = self
            .namespace
            .id_from_name(&name)
            .and_then(|id| id.get_stub())
            .map_err(|e| GatewayError::internal(format!("coalescer object for {key}: {e}")))?;
        let headers = web_sys::Headers::new().map_err(js_error("headers"))?;
        headers.set(KEY_HEADER, key).map_err(js_error("headers"))?;
        headers.set(ENTRY_HEADER, if entry.is_some() { "1" } else { "0" }).map_err(js_error("headers"))?;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_headers(headers.as_ref());
        if let Some(entry) = entry {
            init.set_body(&Uint8Array::from(entry).into());
        }
        let url = format!("https://coalescer{path}");
        let request = web_sys::Request::new_with_str_and_init(&url, &init).map_err(js_error("request"))?;
        stub.into_rpc::<worker::worker_sys::DurableObject>().fetch_with_request(&request).map_err(js_error("fetch"))
    }
}

fn js_error(what: &'static str) -> impl Fn(JsValue) -> GatewayError {
    move |err| GatewayError::internal(format!("coalescer {what}: {}", crate::http_port::js_message(&err)))
}

#[async_trait(?Send)]
impl Coalescer for DurableCoalescer {
    /// Errors (the caller then goes alone): the object unreachable, or no answer within
    /// [`FOLLOWER_WAIT_MS`].
    async fn join(&self, key: &str) -> Result<Joined, GatewayError> {
        let promise = self.send(key, "/join", None)?;
        let response: web_sys::Response = match timer::within(&promise, FOLLOWER_WAIT_MS).await {
            None => {
                return Err(GatewayError::internal(format!(
                    "no word from the leader of {key} within {FOLLOWER_WAIT_MS} ms"
                )))
            }
            Some(settled) => settled.map_err(js_error("join"))?.unchecked_into(),
        };
        let role = response.headers().get(ROLE_HEADER).ok().flatten().unwrap_or_default();
        match role.as_str() {
            "lead" => Ok(Joined::Lead),
            "alone" => Ok(Joined::Alone),
            "served" => {
                let buffer = response.array_buffer().map_err(js_error("entry"))?;
                let bytes = JsFuture::from(buffer).await.map_err(js_error("entry"))?;
                Ok(Joined::Served(Uint8Array::new(&bytes).to_vec()))
            }
            other => Err(GatewayError::internal(format!("coalescer answered {:?} ({})", other, response.status()))),
        }
    }

    /// Never fails: if the object cannot be reached, its followers time out and go alone.
    async fn release(&self, key: &str, entry: Option<Vec<u8>>) {
        let entry = entry.filter(|e| e.len() <= SHARE_MAX_BYTES);
        if let Ok(promise) = self.send(key, "/release", entry.as_deref()) {
            let _ = JsFuture::from(promise).await;
        }
    }
}
