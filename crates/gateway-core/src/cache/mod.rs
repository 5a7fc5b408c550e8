//! Exact-match response caching in Workers KV, as Cloudflare AI Gateway does it.
//!
//! Everything here is pure logic over a storage port ([`store::CacheStore`]); the Worker binds the
//! port to the `CACHE` KV namespace and runs [`coalesce`] inside a Durable Object. One request goes
//! through these steps:
//!
//! 1. [`options::decide`] reads the `cf-aig-cache-*` headers and the gateway's `CACHE_TTL` into a
//!    [`CacheDecision`], computing the [`CacheKey`] ([`key`]) from the route, the caller's provider
//!    credentials and the body. Off: no cache header at all. Bypass: straight upstream, answered
//!    with `cf-aig-cache-status: BYPASS`.
//! 2. [`store::lookup`] reads KV, through the isolate's memory tier ([`hot`]). A hit is answered
//!    from the [`CacheEntry`] with [`CacheEntry::hit_headers`] and its body in one piece (an SSE
//!    body is the recorded event stream, which clients parse as if it had streamed). A KV failure
//!    or an unreadable value ([`Lookup::Error`]) is logged and served as a miss, never a failed
//!    request.
//! 3. On a miss the upstream call is made, either directly or (with `CACHE_COALESCE` on) once for
//!    all concurrent identical misses, which meet in a Durable Object ([`coalesce`]). The response gets
//!    `cf-aig-cache-status: MISS`; its body streams to the client while a [`ResponseRecorder`]
//!    ([`recorder`]) receives a copy of each chunk.
//! 4. When the body ended, [`ResponseRecorder::finish`] says whether it may be cached;
//!    [`CacheEntry::from_response`] keeps 2xx only; [`store::store`] writes the entry (and its
//!    log-id index) in `waitUntil`, after the response. A failed write is logged, nothing more.
//!
//! On an exact miss, a request that asks for it gets a semantic lookup too ([`semantic`]): the
//! same question asked before in other words is answered from that question's entry.
//!
//! [`purge`] parses and runs the admin's purge requests.
//!
//! KV key layout (every key under `v1/{gateway_id}/`, so a gateway's keys list by prefix):
//! - `v1/{gateway_id}/{64 hex}`: an entry ([`CacheKey::kv_key`]);
//! - `v1/{gateway_id}/log/{log_id}`: the KV key of the entry that log produced ([`purge`]).

pub mod coalesce;
pub mod entry;
pub mod hot;
pub mod key;
pub mod options;
pub mod purge;
pub mod recorder;
pub mod semantic;
pub mod store;

pub use coalesce::{coalescer_object_name, Coalescer, Joined, MemoryCoalescer, COALESCER_SHARDS};
pub use entry::{CacheEntry, CacheStatus};
pub use hot::{HotCache, HotLimits, TieredStore};
pub use key::CacheKey;
pub use options::{CacheDecision, CacheDefaults};
pub use recorder::ResponseRecorder;
pub use store::{CacheStore, Lookup, MemoryCacheStore};
