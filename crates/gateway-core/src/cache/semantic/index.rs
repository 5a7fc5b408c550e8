//! The vector index port: where the vectors of stored answers are kept and searched, one
//! partition at a time.
//!
//! A record points at an exact cache entry (its KV key) rather than holding the answer: the answer
//! lives once, in KV, with its TTL, and a purge of the entry (by log id or all of a gateway's) makes
//! every record pointing at it find nothing. Implementations: the local index, SQLite in one
//! Durable Object per partition ([`super::partition_index`], `src/semantic_index.rs`), and
//! Vectorize (`src/semantic.rs`, its JSON shapes in [`super::vectorize`]).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::GatewayError;

/// The vector of one stored answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexRecord {
    /// The hash of the entry's exact cache key: unique, and the same answer stored again replaces
    /// its record.
    pub id: String,
    /// Unit length ([`super::embedder::unit_vector`]).
    pub vector: Vec<f32>,
    /// Where the answer is: the entry's KV key.
    pub kv_key: String,
    /// When the record was stored (ms since the epoch); the oldest are dropped first.
    pub stored_at_ms: f64,
    /// When the entry's TTL ends (ms since the epoch): an expired record is never returned.
    pub expires_at_ms: f64,
}

/// A record found by a query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexMatch {
    pub id: String,
    /// Cosine similarity to the query, -1 ..= 1.
    pub score: f32,
    pub kv_key: String,
}

/// What to search for in a partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexQuery {
    /// Unit length.
    pub vector: Vec<f32>,
    /// The most matches returned.
    pub top_k: usize,
    /// Matches scoring lower are not returned.
    pub min_score: f32,
    /// The clock (ms since the epoch), for expiry.
    pub now_ms: f64,
}

/// A vector index with one partition per partition key ([`super::partition`]).
#[async_trait(?Send)]
pub trait VectorIndex {
    /// The records of `partition` scoring at least `query.min_score`, best first, at most
    /// `query.top_k`, none expired. Runs on the request's path, on an exact miss.
    ///
    /// Errors: the index is unreachable or answers badly; the lookup then goes to the provider.
    async fn query(&self, partition: &str, query: &IndexQuery) -> Result<Vec<IndexMatch>, GatewayError>;

    /// Adds (or replaces, by id) a record. Runs after the response, once its entry is stored.
    ///
    /// Errors: as [`VectorIndex::query`]; the answer is then only found by the exact cache.
    async fn insert(&self, partition: &str, record: IndexRecord) -> Result<(), GatewayError>;

    /// Drops records whose entry is gone (purged). Ids not there are ignored.
    ///
    /// Errors: as [`VectorIndex::query`].
    async fn remove(&self, partition: &str, ids: &[String]) -> Result<(), GatewayError>;
}

/// The cosine similarity of two unit vectors (their dot product, summed in `f64`); 0 when their
/// lengths differ (vectors of two models never match).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum::<f64>() as f32
}
