//! The local index's search: one partition's records in memory, compared one by one (exact cosine
//! search), at most a fixed number of them.
//!
//! The `SemanticIndex` Durable Object (`src/semantic_index.rs`) holds one [`PartitionIndex`] per
//! partition, loaded from its SQLite storage on first use and written through on every change
//! ([`super::index_sql`]). [`MemoryIndex`] is a complete [`VectorIndex`] over a map of them, for
//! tests and for embedding the core elsewhere.
//!
//! Exact search reads every record of the partition: 1,000 vectors of 384 dimensions are 384,000
//! multiplications, well under a millisecond. A partition is small by construction (one model,
//! system prompt, caller, ...), so the cap ([`super::config::MAX_INDEX_ENTRIES`]) matters more than
//! an approximate index would.

use std::cell::RefCell;
use std::collections::HashMap;

use async_trait::async_trait;

use super::index::{cosine, IndexMatch, IndexQuery, IndexRecord, VectorIndex};
use crate::error::GatewayError;

/// One partition's records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartitionIndex {
    records: Vec<IndexRecord>,
}

impl PartitionIndex {
    /// A partition holding `records` (as loaded from storage).
    pub fn from_records(records: Vec<IndexRecord>) -> PartitionIndex {
        PartitionIndex { records }
    }

    /// The records, in no particular order.
    pub fn records(&self) -> &[IndexRecord] {
        &self.records
    }

    /// The live records scoring at least `query.min_score`, best first (ties: the newest first),
    /// at most `query.top_k`.
    pub fn query(&self, query: &IndexQuery) -> Vec<IndexMatch> {
        let mut scored: Vec<(f32, &IndexRecord)> = self
            .records
            .iter()
            .filter(|r| r.expires_at_ms > query.now_ms)
            .map(|r| (cosine(&query.vector, &r.vector), r))
            .filter(|(score, _)| *score >= query.min_score)
            .collect();
        scored.sort_by(|(sa, ra), (sb, rb)| sb.total_cmp(sa).then(rb.stored_at_ms.total_cmp(&ra.stored_at_ms)));
        scored
            .into_iter()
            .take(query.top_k)
            .map(|(score, r)| IndexMatch { id: r.id.clone(), score, kv_key: r.kv_key.clone() })
            .collect()
    }

    /// Adds `record` (replacing one with its id), drops the expired records, then the oldest
    /// beyond `max_entries`. Returns the ids dropped (not the replaced one), for storage to delete.
    pub fn insert(&mut self, record: IndexRecord, max_entries: usize, now_ms: f64) -> Vec<String> {
        self.records.retain(|r| r.id != record.id);
        self.records.push(record);
        let mut dropped = Vec::new();
        self.records.retain(|r| {
            let live = r.expires_at_ms > now_ms;
            if !live {
                dropped.push(r.id.clone());
            }
            live
        });
        let excess = self.records.len().saturating_sub(max_entries.max(1));
        if excess > 0 {
            self.records.sort_by(|a, b| a.stored_at_ms.total_cmp(&b.stored_at_ms));
            dropped.extend(self.records.drain(..excess).map(|r| r.id));
        }
        dropped
    }

    /// Drops the records with these ids.
    pub fn remove(&mut self, ids: &[String]) {
        self.records.retain(|r| !ids.contains(&r.id));
    }
}

/// A working in-memory [`VectorIndex`]: one [`PartitionIndex`] per partition key.
pub struct MemoryIndex {
    partitions: RefCell<HashMap<String, PartitionIndex>>,
    max_entries: usize,
    clock: Box<dyn Fn() -> f64>,
}

impl MemoryIndex {
    /// An empty index keeping at most `max_entries` per partition, expiring on `clock` (ms).
    pub fn new(max_entries: usize, clock: impl Fn() -> f64 + 'static) -> MemoryIndex {
        MemoryIndex { partitions: RefCell::default(), max_entries, clock: Box::new(clock) }
    }

    /// How many records `partition` holds, expired ones included.
    pub fn len(&self, partition: &str) -> usize {
        self.partitions.borrow().get(partition).map_or(0, |p| p.records().len())
    }
}

#[async_trait(?Send)]
impl VectorIndex for MemoryIndex {
    async fn query(&self, partition: &str, query: &IndexQuery) -> Result<Vec<IndexMatch>, GatewayError> {
        Ok(self.partitions.borrow().get(partition).map(|p| p.query(query)).unwrap_or_default())
    }

    async fn insert(&self, partition: &str, record: IndexRecord) -> Result<(), GatewayError> {
        let now = (self.clock)();
        self.partitions.borrow_mut().entry(partition.to_string()).or_default().insert(record, self.max_entries, now);
        Ok(())
    }

    async fn remove(&self, partition: &str, ids: &[String]) -> Result<(), GatewayError> {
        if let Some(p) = self.partitions.borrow_mut().get_mut(partition) {
            p.remove(ids);
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "partition_index_tests.rs"]
mod tests;
