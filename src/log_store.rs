//! The log shards as the core's [`LogStore`], and the batching [`LogSink`] that writes entries
//! to them off the hot path.
//!
//! Shards are `LogShard` Durable Objects (`src/log_shard.rs`) of the `LOGS` namespace,
//! named `logs-0` … `logs-{N−1}` (N = the `LOG_SHARDS` variable); an entry lives in shard
//! `logs::shard_of(id, N)`. More shards spread the write load (one Durable Object handles a few
//! hundred batches a second) at the price of a fan-out on every list and stats query.
//!
//! **Batching.** Entries reach [`BatchingSink::write`] in the request's logging phase, inside
//! `ctx.wait_until`, after the client's response completed. They wait in a per-isolate buffer:
//! the first entry of an empty buffer makes its request the *flusher*, which sleeps
//! `LOG_BATCH_MS` (default 1 s; `0`: no wait) and then writes everything that arrived meanwhile,
//! one `fetch` per shard (all shards at once), each batch one SQLite statement (split when over
//! 1 MiB). A buffer reaching [`MAX_BATCH`] entries or [`MAX_BATCH_BYTES`] of bodies is written at
//! once by the request that filled it, which bounds the buffer's memory. Only the flusher does
//! I/O, with its own request's bindings, so no request touches another's I/O objects; its
//! `wait_until` keeps the isolate alive until the batch is written. A failed batch is reported on
//! the console and dropped: logging never fails or slows a request. An isolate that dies during
//! the window loses its buffer (at most one window of entries).
//!
//! The Durable Object request and the SQLite statement of a batch cost about as much as the
//! entries in it, so fewer, larger batches are cheaper: going from 100 ms to 1 s took 0.14 of the
//! floor worker's CPU off each JSON request of the benchmark (docs/benchmarks.md).
//!
//! **One shard per batch.** The ids of the entries an isolate makes while a batch fills are made
//! for one shard ([`LogSink::shard_hint`], `logs::new_log_id_in_shard`), the next batch's for the
//! next shard, so that a batch is usually one Durable Object call (a request that started before
//! the batch was taken lands its entry in the next one, with the old shard) instead of one per
//! shard: at 4 shards, a quarter of the log's Durable Object requests. Across isolates, and over
//! time within one, entries still spread evenly over the shards.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use gateway_core::logs::api::join_all;
use gateway_core::logs::sql::{insert_rows, Statement};
use gateway_core::logs::store::{LogSink, LogStore, Row};
use gateway_core::logs::{shard_of, LogEntry};
use gateway_core::{ErrorKind, GatewayError};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{console_error, Env, Method, ObjectNamespace, Request, RequestInit};

/// The Durable Object namespace binding of the log shards.
pub const BINDING: &str = "LOGS";
/// A batch of this many entries is written without waiting.
pub const MAX_BATCH: usize = 64;
/// A batch whose bodies add up to this many bytes is written without waiting: one insert's worth
/// (`logs::sql::MAX_INSERT_JSON_BYTES`), so the buffer holds at most this plus one entry.
pub const MAX_BATCH_BYTES: usize = 1024 * 1024;

thread_local! {
    static PENDING: RefCell<Vec<LogEntry>> = const { RefCell::new(Vec::new()) };
    static FLUSH_SCHEDULED: Cell<bool> = const { Cell::new(false) };
    /// The shard new entries are made for ([`LogSink::shard_hint`]): moves on by one with every
    /// batch taken, starting at a random shard so that isolates do not all start on the same one.
    static BATCH_SHARD: Cell<Option<u32>> = const { Cell::new(None) };
}

/// The `LOGS` Durable Objects.
pub struct ShardStore {
    namespace: ObjectNamespace,
    shards: u32,
}

impl ShardStore {
    /// The store over the `LOGS` binding, `None` when it is not bound.
    pub fn from_env(env: &Env, shards: u32) -> Option<ShardStore> {
        crate::binding(env, BINDING).map(|b| ShardStore { namespace: b.unchecked_into(), shards: shards.max(1) })
    }

    /// Writes `entries` to their shards, one insert per shard (more for one over 1 MiB), all
    /// shards at once; how each shard's write went. Inserts ignore ids already stored, so writing
    /// the same entries again duplicates nothing.
    pub async fn write_entries(&self, entries: Vec<LogEntry>) -> Vec<ShardWrite> {
        let mut by_shard: BTreeMap<u32, Vec<LogEntry>> = BTreeMap::new();
        for entry in entries {
            by_shard.entry(shard_of(&entry.id, self.shards)).or_default().push(entry);
        }
        let writes: Vec<Pin<Box<dyn Future<Output = ShardWrite> + '_>>> = by_shard
            .into_iter()
            .map(|(shard, entries)| {
                Box::pin(async move {
                    let mut written = Ok(());
                    for rows in insert_rows(&entries) {
                        written = written.and(self.insert(shard, rows).await);
                    }
                    (shard, entries.len(), written)
                }) as Pin<Box<dyn Future<Output = _>>>
            })
            .collect();
        join_all(writes).await
    }

    /// Inserts one JSON array of rows (`logs::sql::insert_rows`) into `shard`.
    async fn insert(&self, shard: u32, rows: String) -> Result<(), GatewayError> {
        self.call(shard, "/insert", Some(rows)).await.map(drop)
    }

    async fn call(&self, shard: u32, path: &str, body: Option<String>) -> Result<String, GatewayError> {
        let failed = |what: &str, err: worker::Error| {
            GatewayError::new(ErrorKind::Internal, format!("log shard {shard}: {what}: {err}"))
        };
        let stub = self
            .namespace
            .id_from_name(&format!("logs-{shard}"))
            .and_then(|id| id.get_stub())
            .map_err(|e| failed("no stub", e))?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(body.map(|b| JsValue::from_str(&b)));
        let request =
            Request::new_with_init(&format!("https://log-shard{path}"), &init).map_err(|e| failed("request", e))?;
        let mut response = stub.fetch_with_request(request).await.map_err(|e| failed("unreachable", e))?;
        let text = response.text().await.map_err(|e| failed("reading the answer", e))?;
        if response.status_code() != 200 {
            return Err(GatewayError::new(ErrorKind::Internal, format!("log shard {shard}: {text}")));
        }
        Ok(text)
    }
}

fn decode<T: serde::de::DeserializeOwned>(shard: u32, text: &str) -> Result<T, GatewayError> {
    serde_json::from_str(text).map_err(|e| GatewayError::internal(format!("log shard {shard} answered badly: {e}")))
}

#[async_trait(?Send)]
impl LogStore for ShardStore {
    fn shards(&self) -> u32 {
        self.shards
    }

    async fn run(&self, shard: u32, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, GatewayError> {
        let body = serde_json::json!({ "statements": statements }).to_string();
        decode(shard, &self.call(shard, "/run", Some(body)).await?)
    }

    async fn run_retention(&self, shard: u32) -> Result<u64, GatewayError> {
        let answer: serde_json::Value = decode(shard, &self.call(shard, "/retention", None).await?)?;
        Ok(answer.get("deleted").and_then(serde_json::Value::as_u64).unwrap_or(0))
    }
}

/// A shard, the entries sent to it, and how the write went.
pub type ShardWrite = (u32, usize, Result<(), GatewayError>);

/// The batching log sink of one request (see the module doc).
pub struct BatchingSink {
    store: ShardStore,
    /// `LOG_BATCH_MS`: how long the first entry of a batch waits for others.
    window_ms: u32,
}

impl BatchingSink {
    /// The sink writing to `store`, a batch's first entry waiting `window_ms` for others.
    pub fn new(store: ShardStore, window_ms: u32) -> Self {
        BatchingSink { store, window_ms }
    }

    /// Writes `batch` through [`ShardStore::write_entries`]; a failed shard's entries are
    /// reported on the console and dropped.
    async fn flush(&self, batch: Vec<LogEntry>) {
        for (shard, count, result) in self.store.write_entries(batch).await {
            if let Err(err) = result {
                console_error!("logs: {count} entries for shard {shard} were dropped: {}", err.message());
            }
        }
    }
}

fn take_pending() -> Vec<LogEntry> {
    BATCH_SHARD.with(|shard| shard.set(shard.get().map(|s| s.wrapping_add(1))));
    PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()))
}

/// The bytes of `entry`'s bodies, what makes an entry large.
fn body_bytes(entry: &LogEntry) -> usize {
    entry.request_body.as_ref().map_or(0, String::len) + entry.response_body.as_ref().map_or(0, String::len)
}

#[async_trait(?Send)]
impl LogSink for BatchingSink {
    fn shard_hint(&self) -> Option<u32> {
        let shards = self.store.shards;
        let shard = BATCH_SHARD.with(|cell| {
            let shard = cell.get().unwrap_or_else(|| (js_sys::Math::random() * f64::from(shards)) as u32);
            cell.set(Some(shard));
            shard
        });
        Some(shard % shards)
    }

    async fn write(&self, entry: LogEntry) {
        let full = PENDING.with(|p| {
            let mut pending = p.borrow_mut();
            pending.push(entry);
            pending.len() >= MAX_BATCH || pending.iter().map(body_bytes).sum::<usize>() >= MAX_BATCH_BYTES
        });
        if full || self.window_ms == 0 {
            self.flush(take_pending()).await;
            return;
        }
        if FLUSH_SCHEDULED.with(|f| f.replace(true)) {
            return;
        }
        let _ = JsFuture::from(crate::timer::delay(u64::from(self.window_ms))).await;
        FLUSH_SCHEDULED.with(|f| f.set(false));
        let batch = take_pending();
        if !batch.is_empty() {
            self.flush(batch).await;
        }
    }
}
