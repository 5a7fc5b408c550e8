//! Vectorize as the vector index: the JSON the Worker passes to the binding's `query`, `upsert`
//! and `deleteByIds` (`src/semantic.rs`), and the reading of its answers.
//!
//! Every record carries its partition key in the metadata property `partition`, and every query
//! filters on it (`{"partition": "<64 hex>"}`): the index must be created with the cosine metric
//! and a string metadata index on `partition` before the first insert (see
//! `docs/semantic-cache.md`). A partition key is 64 bytes, exactly what Vectorize indexes of a
//! string. The record's id is its exact cache key's hash (64 bytes, Vectorize's limit).

use serde_json::{json, Value};

use super::index::{IndexMatch, IndexQuery, IndexRecord};

/// The most matches Vectorize returns with metadata.
pub const MAX_TOP_K: usize = 20;

/// The options of `index.query(vector, options)`: the partition filter and the metadata.
pub fn query_options(partition: &str, query: &IndexQuery) -> Value {
    json!({ "topK": query.top_k.clamp(1, MAX_TOP_K), "filter": { "partition": partition }, "returnMetadata": "all" })
}

/// The matches of a query's answer (`{"count": n, "matches": [{"id", "score", "metadata"}]}`):
/// those of this partition, not expired, scoring at least `query.min_score`, best first, at most
/// `query.top_k`. Matches without the metadata this gateway writes are left out.
pub fn read_matches(answer: &Value, partition: &str, query: &IndexQuery) -> Vec<IndexMatch> {
    let Some(matches) = answer.get("matches").and_then(Value::as_array) else { return Vec::new() };
    let mut found: Vec<IndexMatch> = matches
        .iter()
        .filter_map(|m| {
            let metadata = m.get("metadata")?;
            let live = metadata.get("expires_at_ms")?.as_f64()? > query.now_ms;
            let ours = metadata.get("partition")?.as_str()? == partition;
            let score = m.get("score")?.as_f64()? as f32;
            let id = m.get("id")?.as_str()?.to_string();
            let kv_key = metadata.get("kv_key")?.as_str()?.to_string();
            (live && ours && score >= query.min_score).then_some(IndexMatch { id, score, kv_key })
        })
        .collect();
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    found.truncate(query.top_k);
    found
}

/// The argument of `index.upsert(vectors)` for one record.
pub fn upsert_vectors(partition: &str, record: &IndexRecord) -> Value {
    json!([{
        "id": record.id,
        "values": record.vector,
        "metadata": {
            "partition": partition,
            "kv_key": record.kv_key,
            "stored_at_ms": record.stored_at_ms,
            "expires_at_ms": record.expires_at_ms,
        },
    }])
}

#[cfg(test)]
#[path = "vectorize_tests.rs"]
mod tests;
