//! The semantic lookup and store, after an exact miss: prepare (no I/O), find (embed, search,
//! read the entry), and remember (index the stored answer). None of them fails a request: every
//! fault is a [`Found::Failed`] or an error message for the log.

use serde::Serialize;

use super::config::{default_threshold, EmbedderSpec};
use super::embedder::{embed_within, Embedder};
use super::index::{IndexQuery, IndexRecord, VectorIndex};
use super::partition::{partition_key, PartitionInput};
use super::settings::SemanticPlan;
use super::text::{chat_format, split};
use crate::cache::entry::CacheEntry;
use crate::cache::key::{CacheKey, KeyInput};
use crate::cache::options::MIN_TTL_S;
use crate::cache::store::CacheStore;

/// How many of the closest records a lookup reads: the best may point at an entry that was purged
/// or is older than this request accepts, the next ones may not.
pub const TOP_K: usize = 3;

/// A request ready for its lookup.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The partition key ([`super::partition`]).
    pub partition: String,
    /// The normalised text to embed.
    pub compared: String,
    /// The lowest similarity of a hit: the request's or gateway's, else the model's default.
    pub threshold: f32,
}

/// Prepares the lookup of the request `key` describes (its body read), on `plan`, with the
/// embedder of `spec`.
///
/// Errors: why the request is not compared, for the log: not a chat request, nothing to compare
/// ([`super::text::NoText`]), or a `temperature` above 0 without `sampled`.
pub fn prepare(key: &KeyInput<'_>, plan: &SemanticPlan, spec: &EmbedderSpec) -> Result<Prepared, String> {
    let format = chat_format(key.provider, key.endpoint).ok_or("not a chat request")?;
    let split = split(format, key.body, plan.turns).map_err(|why| why.reason())?;
    if let Some(t) = split.temperature.filter(|t| *t > 0.0 && !plan.sampled) {
        return Err(format!("temperature {t} samples; the gateway's semantic_cache.sampled compares such requests"));
    }
    let embedder = spec.id();
    let partition = partition_key(&PartitionInput { key, embedder: &embedder, turns: plan.turns, exact: &split.exact });
    let threshold = plan.threshold.unwrap_or_else(|| default_threshold(spec.model()));
    Ok(Prepared { partition, compared: split.compared, threshold })
}

/// What [`find`] needs from the runtime.
pub struct Sources<'a> {
    pub store: &'a dyn CacheStore,
    pub index: &'a dyn VectorIndex,
    pub embedder: &'a dyn Embedder,
    /// `SEMANTIC_TIMEOUT_MS`.
    pub timeout_ms: u64,
    /// The gateway whose entries may answer.
    pub gateway_id: &'a str,
    /// The oldest entry the request accepts (its cache TTL).
    pub ttl_s: u64,
    pub now_ms: f64,
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// An answer to a question asked in other words.
    Hit { entry: CacheEntry, similarity: f32 },
    /// Nothing close enough: `vector` is for storing this request's answer; `best` the closest
    /// similarity seen, if any.
    Miss { vector: Vec<f32>, best: Option<f32> },
    /// The embedder or the index failed; the request goes to the provider. With the vector, the
    /// answer is still indexed.
    Failed { reason: String, vector: Option<Vec<f32>> },
}

/// Embeds the compared text (within `timer`, a sleep of `sources.timeout_ms`), searches the
/// partition, and reads the entries of the closest records at or above the threshold until one
/// is fresh enough. Records whose entry is gone (purged, expired from KV) are removed from the
/// index on the way.
pub async fn find(sources: &Sources<'_>, prepared: &Prepared, timer: impl std::future::Future<Output = ()>) -> Found {
    let vector = match embed_within(sources.embedder, &prepared.compared, sources.timeout_ms, timer).await {
        Ok(vector) => vector,
        Err(failure) => return Found::Failed { reason: failure.reason(), vector: None },
    };
    let query = IndexQuery { vector, top_k: TOP_K, min_score: -1.0, now_ms: sources.now_ms };
    let matches = match sources.index.query(&prepared.partition, &query).await {
        Ok(matches) => matches,
        Err(err) => {
            let reason = format!("the vector index failed: {}", err.message());
            return Found::Failed { reason, vector: Some(query.vector) };
        }
    };
    let best = matches.first().map(|m| m.score);
    let mut gone = Vec::new();
    let mut found = None;
    for candidate in matches.iter().filter(|m| m.score >= prepared.threshold) {
        if CacheKey::from_kv_key(sources.gateway_id, &candidate.kv_key).is_none() {
            gone.push(candidate.id.clone());
            continue;
        }
        match sources.store.get(&candidate.kv_key).await {
            Ok(None) => gone.push(candidate.id.clone()),
            Ok(Some(value)) => match CacheEntry::decode(&value) {
                Ok(entry) if entry.is_fresh(sources.now_ms, sources.ttl_s) => {
                    found = Some(Found::Hit { entry, similarity: candidate.score });
                    break;
                }
                _ => {}
            },
            Err(err) => {
                let reason = format!("cache read of {} failed: {}", candidate.kv_key, err.message());
                found = Some(Found::Failed { reason, vector: None });
                break;
            }
        }
    }
    if !gone.is_empty() {
        // Best effort: a record left behind is found, and tried, again.
        let _ = sources.index.remove(&prepared.partition, &gone).await;
    }
    found.unwrap_or(Found::Miss { vector: query.vector, best })
}

/// A stored answer's vector, waiting for its entry to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct SemanticWrite {
    pub partition: String,
    pub vector: Vec<f32>,
}

/// Indexes the answer just stored at `key` for `ttl_s` seconds (at least KV's 60). Runs after the
/// response, once the entry is in KV.
///
/// Errors: the index's, as a message for the log.
pub async fn remember(
    index: &dyn VectorIndex,
    write: SemanticWrite,
    key: &CacheKey,
    stored_at_ms: f64,
    ttl_s: u64,
) -> Result<(), String> {
    let record = IndexRecord {
        id: key.hash().to_string(),
        vector: write.vector,
        kv_key: key.kv_key(),
        stored_at_ms,
        expires_at_ms: stored_at_ms + ttl_s.max(MIN_TTL_S) as f64 * 1000.0,
    };
    index
        .insert(&write.partition, record)
        .await
        .map_err(|err| format!("semantic index write failed: {}", err.message()))
}

/// What the semantic lookup did, as the request's log entry records it (`cache_semantic`, JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SemanticNote {
    /// Answered with the entry of log `source_log_id` (`None` when that request was not logged).
    Hit { similarity: f32, source_log_id: Option<String> },
    /// Nothing close enough; `best_similarity` the closest record's.
    Miss { best_similarity: Option<f32>, threshold: f32 },
    /// Not compared, and why.
    Skipped { reason: String },
    /// A fault served around (the provider answered), and what it was.
    Error { reason: String },
}

impl SemanticNote {
    /// The note as its log column holds it.
    pub fn to_log(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A similarity as headers and logs show it: three decimals (`0.973`).
pub fn rounded(similarity: f32) -> f32 {
    ((f64::from(similarity) * 1000.0).round() / 1000.0) as f32
}

#[cfg(test)]
#[path = "lookup_tests.rs"]
mod tests;
