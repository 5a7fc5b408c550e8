//! Optional delivery of request logs through a Cloudflare Queue (`LOG_QUEUE`, Workers Paid).
//!
//! Without the binding, entries wait in the request isolate's batch buffer for up to
//! `LOG_BATCH_MS` (`src/log_store.rs`): an isolate that dies in that window loses them. With it,
//! each entry is sent to the queue as one JSON text message right after its response, and the
//! queue's consumer (this same Worker, [`consume`]) writes each delivered batch to the log shards.
//! A batch that fails to be written is retried by the queue (`max_retries` in wrangler.toml)
//! instead of dropped; a message whose body is not a log entry is acknowledged and reported.
//!
//! A failed `send` falls back to the batch buffer, so the entry still has the direct path.

use async_trait::async_trait;
use gateway_core::logs::store::LogSink;
use gateway_core::logs::LogEntry;
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{console_error, Env, MessageBatch};

use crate::log_store::{BatchingSink, ShardStore};

/// The producer binding of the log queue.
pub const BINDING: &str = "LOG_QUEUE";

#[wasm_bindgen]
extern "C" {
    /// A Queue producer binding (`env.LOG_QUEUE`).
    type QueueBinding;

    #[wasm_bindgen(method, catch)]
    fn send(this: &QueueBinding, body: &str, options: &Object) -> Result<Promise, JsValue>;
}

/// Sends each log entry to the `LOG_QUEUE` queue; falls back to the batch buffer when a send fails.
pub struct QueueSink {
    queue: QueueBinding,
    fallback: BatchingSink,
}

impl QueueSink {
    /// The sink over the `LOG_QUEUE` binding, with `fallback` for the entries the queue refuses;
    /// `Err(fallback)` when the queue is not bound.
    pub fn from_env(env: &Env, fallback: BatchingSink) -> Result<QueueSink, BatchingSink> {
        match crate::binding(env, BINDING) {
            Some(binding) => Ok(QueueSink { queue: binding.unchecked_into(), fallback }),
            None => Err(fallback),
        }
    }

    async fn send_text(&self, body: &str) -> Result<(), String> {
        let options = Object::new();
        Reflect::set(&options, &JsValue::from_str("contentType"), &JsValue::from_str("text"))
            .map_err(|e| crate::http_port::js_message(&e))?;
        let promise = self.queue.send(body, &options).map_err(|e| crate::http_port::js_message(&e))?;
        JsFuture::from(promise).await.map(drop).map_err(|e| crate::http_port::js_message(&e))
    }
}

#[async_trait(?Send)]
impl LogSink for QueueSink {
    async fn write(&self, entry: LogEntry) {
        let body = match serde_json::to_string(&entry) {
            Ok(body) => body,
            Err(err) => return console_error!("logs: entry {} could not be encoded: {err}", entry.id),
        };
        if let Err(err) = self.send_text(&body).await {
            console_error!("logs: the log queue refused entry {} ({err}); writing it directly", entry.id);
            self.fallback.write(entry).await;
        }
    }
}

/// The log queue's consumer: writes a delivered batch to the log shards
/// ([`ShardStore::write_entries`]), then acknowledges it; when a shard write fails, asks the queue
/// to deliver the whole batch again (a redelivery duplicates nothing).
pub async fn consume(batch: MessageBatch<String>, env: &Env) {
    // Without the configuration the shard of an entry is unknown: guessing would hide entries.
    let shards = match crate::pipeline(env) {
        Ok(pipeline) => pipeline.config().logs.shards,
        Err(err) => {
            console_error!("logs: the configuration is invalid ({}); retrying the queued batch", err.message());
            return batch.retry_all();
        }
    };
    let Some(store) = ShardStore::from_env(env, shards) else {
        console_error!("logs: the log queue delivered a batch but the LOGS binding is missing; retrying it");
        return batch.retry_all();
    };
    let entries = batch
        .raw_iter()
        .filter_map(|message| {
            let body = message.body().as_string().unwrap_or_default();
            serde_json::from_str::<LogEntry>(&body)
                .map_err(|err| console_error!("logs: dropped a log queue message that is not a log entry: {err}"))
                .ok()
        })
        .collect();
    let mut failed = false;
    for (shard, count, result) in store.write_entries(entries).await {
        if let Err(err) = result {
            console_error!("logs: writing {count} queued entries to shard {shard} failed ({})", err.message());
            failed = true;
        }
    }
    if failed {
        return batch.retry_all();
    }
    batch.ack_all();
}
