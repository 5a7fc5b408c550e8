//! The cache's storage port over the Workers KV namespace bound as `CACHE`
//! (developers.cloudflare.com/kv/api/), behind the isolate's memory tier.
//!
//! Values are read and written as bytes (the entry format of `gateway_core::cache::entry`), with
//! `expirationTtl` so that KV drops an entry on its own when its TTL ends. Every KV failure comes
//! back as a [`GatewayError`]; the pipeline turns it into a miss (reads) or a log note (writes),
//! never a failed request.
//!
//! The namespace's methods are called through bindings of their own rather than `worker::KvStore`,
//! which looks up five methods by reflection each time it is built: once per request here.

use std::cell::OnceCell;
use std::rc::Rc;

use async_trait::async_trait;
use gateway_core::cache::{CacheStore, HotCache, HotLimits, TieredStore};
use gateway_core::GatewayError;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::Env;

/// The binding name of the cache's KV namespace.
pub const BINDING: &str = "CACHE";

#[wasm_bindgen]
extern "C" {
    /// A KV namespace binding (`env.CACHE`).
    type KvNamespace;

    #[wasm_bindgen(method, catch, js_name = get)]
    fn get_as(this: &KvNamespace, key: &str, kind: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn put(this: &KvNamespace, key: &str, value: &Uint8Array, options: &Object) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn delete(this: &KvNamespace, key: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn list(this: &KvNamespace, options: &Object) -> Result<Promise, JsValue>;
}

thread_local! {
    /// The isolate's memory tier, made on first use with the limits of the isolate's configuration.
    static HOT: OnceCell<Rc<HotCache>> = const { OnceCell::new() };
}

/// [`CacheStore`] over one KV namespace.
pub struct KvCache {
    kv: KvNamespace,
}

impl KvCache {
    /// The `CACHE` namespace of this Worker; `None` when the binding is absent (the gateway then
    /// serves requests that ask for caching straight from the provider, and notes it in the log).
    pub fn from_env(env: &Env) -> Option<KvCache> {
        crate::binding(env, BINDING).map(|b| KvCache { kv: b.unchecked_into() })
    }

    /// The namespace behind the isolate's memory tier (see `gateway_core::cache::hot`), or alone
    /// when `limits` turn the tier off.
    pub fn tiered(env: &Env, limits: HotLimits) -> Option<Rc<dyn CacheStore>> {
        let kv: Rc<dyn CacheStore> = Rc::new(KvCache::from_env(env)?);
        let hot = HOT.with(|cell| Rc::clone(cell.get_or_init(|| Rc::new(HotCache::new(limits, js_sys::Date::now)))));
        if !hot.enabled() {
            return Some(kv);
        }
        Some(Rc::new(TieredStore::new(hot, kv)))
    }
}

fn failed(operation: &'static str) -> impl Fn(JsValue) -> GatewayError {
    move |err| GatewayError::internal(format!("KV {operation}: {}", crate::http_port::js_message(&err)))
}

async fn settle(promise: Result<Promise, JsValue>, operation: &'static str) -> Result<JsValue, GatewayError> {
    JsFuture::from(promise.map_err(failed(operation))?).await.map_err(failed(operation))
}

fn options(fields: &[(&str, JsValue)]) -> Result<Object, GatewayError> {
    let object = Object::new();
    for (name, value) in fields {
        Reflect::set(&object, &JsValue::from_str(name), value).map_err(failed("options"))?;
    }
    Ok(object)
}

#[async_trait(?Send)]
impl CacheStore for KvCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, GatewayError> {
        let value = settle(self.kv.get_as(key, "arrayBuffer"), "get").await?;
        if value.is_null() || value.is_undefined() {
            return Ok(None);
        }
        Ok(Some(Uint8Array::new(&value).to_vec()))
    }

    /// KV refuses an `expirationTtl` under 60 s; the core never asks for less.
    async fn put(&self, key: &str, value: &[u8], ttl_s: u64) -> Result<(), GatewayError> {
        let options = options(&[("expirationTtl", JsValue::from_f64(ttl_s as f64))])?;
        let bytes = Uint8Array::from(value);
        settle(self.kv.put(key, &bytes, &options), "put").await.map(drop)
    }

    async fn delete(&self, key: &str) -> Result<(), GatewayError> {
        settle(self.kv.delete(key), "delete").await.map(drop)
    }

    async fn list(&self, prefix: &str, cursor: Option<String>) -> Result<(Vec<String>, Option<String>), GatewayError> {
        let mut fields = vec![("prefix", JsValue::from_str(prefix))];
        if let Some(cursor) = cursor {
            fields.push(("cursor", JsValue::from_str(&cursor)));
        }
        let page = settle(self.kv.list(&options(&fields)?), "list").await?;
        let field = |name: &str| Reflect::get(&page, &JsValue::from_str(name)).map_err(failed("list"));
        let keys = field("keys")?
            .dyn_into::<Array>()
            .map_err(|_| GatewayError::internal("KV list: the answer has no key array"))?
            .iter()
            .filter_map(|k| Reflect::get(&k, &JsValue::from_str("name")).ok()?.as_string())
            .collect();
        let complete = field("list_complete")?.is_truthy();
        let next = if complete { None } else { field("cursor")?.as_string().filter(|c| !c.is_empty()) };
        Ok((keys, next))
    }
}
