//! The cache's storage port over the Workers KV namespace bound as `CACHE`
//! (developers.cloudflare.com/kv/api/).
//!
//! Values are read and written as bytes (the entry format of `gateway_core::cache::entry`), with
//! `expirationTtl` so that KV drops an entry on its own when its TTL ends. Every KV failure comes
//! back as a [`GatewayError`]; the pipeline turns it into a miss (reads) or a log note (writes),
//! never a failed request.

use async_trait::async_trait;
use gateway_core::cache::CacheStore;
use gateway_core::GatewayError;
use wasm_bindgen::JsCast;
use worker::Env;
use worker::{KvError, KvStore};

/// The binding name of the cache's KV namespace.
pub const BINDING: &str = "CACHE";

/// [`CacheStore`] over one KV namespace.
pub struct KvCache {
    kv: KvStore,
}

impl KvCache {
    /// The `CACHE` namespace of this Worker; `None` when the binding is absent (the gateway then
    /// serves requests that ask for caching straight from the provider, and notes it in the log).
    pub fn from_env(env: &Env) -> Option<KvCache> {
        let binding = js_sys::Reflect::get(env, &BINDING.into()).ok()?;
        if binding.is_undefined() || binding.is_null() {
            return None;
        }
        env.kv(BINDING).ok().map(|kv| KvCache { kv })
    }
}

fn failed(operation: &str) -> impl Fn(KvError) -> GatewayError + '_ {
    move |err| {
        let detail = match err {
            KvError::JavaScript(value) => value
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .or_else(|| value.as_string())
                .unwrap_or_else(|| format!("{value:?}")),
            other => other.to_string(),
        };
        GatewayError::internal(format!("KV {operation}: {detail}"))
    }
}

#[async_trait(?Send)]
impl CacheStore for KvCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, GatewayError> {
        self.kv.get(key).bytes().await.map_err(failed("get"))
    }

    /// KV refuses an `expirationTtl` under 60 s; the core never asks for less.
    async fn put(&self, key: &str, value: Vec<u8>, ttl_s: u64) -> Result<(), GatewayError> {
        let put = self.kv.put_bytes(key, &value).map_err(failed("put"))?;
        put.expiration_ttl(ttl_s).execute().await.map_err(failed("put"))
    }

    async fn delete(&self, key: &str) -> Result<(), GatewayError> {
        self.kv.delete(key).await.map_err(failed("delete"))
    }

    async fn list(&self, prefix: &str, cursor: Option<String>) -> Result<(Vec<String>, Option<String>), GatewayError> {
        let mut request = self.kv.list().prefix(prefix.to_string());
        if let Some(cursor) = cursor {
            request = request.cursor(cursor);
        }
        let page = request.execute().await.map_err(failed("list"))?;
        let next = if page.list_complete { None } else { page.cursor.filter(|c| !c.is_empty()) };
        Ok((page.keys.into_iter().map(|k| k.name).collect(), next))
    }
}
