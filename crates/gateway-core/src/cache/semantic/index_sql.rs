//! The local index's Durable Object (`SemanticIndex`, one per partition): its calls, and the SQL
//! that keeps a partition's records in the object's SQLite storage.
//!
//! The Worker sends `POST /call` with an [`IndexCall`] as JSON (`src/semantic_index_client.rs`); the object
//! (`src/semantic_index.rs`) loads its records once per instance ([`LOAD_SQL`], [`load`]), then
//! for every call runs [`apply`] on them in memory and the statements it returns in one
//! transaction, and answers the [`IndexAnswer`]. Every search is thus made in memory, and storage
//! only written.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::index::{IndexMatch, IndexQuery, IndexRecord};
use super::partition_index::PartitionIndex;
use super::vector_text;
use crate::logs::sql::{SqlValue, Statement};
use crate::logs::store::Row;

/// Run once per object instance (idempotent).
pub const SCHEMA: &[&str] = &["CREATE TABLE IF NOT EXISTS vectors (
  id TEXT PRIMARY KEY NOT NULL,
  vector TEXT NOT NULL,
  kv_key TEXT NOT NULL,
  stored_at REAL NOT NULL,
  expires_at REAL NOT NULL
)"];

/// Reads every record of the partition (its rows go to [`load`]).
pub const LOAD_SQL: &str = "SELECT id, vector, kv_key, stored_at, expires_at FROM vectors";

/// Durable Objects bind at most 100 values per statement.
const MAX_BINDINGS: usize = 100;

/// One call to a partition's object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum IndexCall {
    /// Search ([`PartitionIndex::query`]).
    Query { query: IndexQuery },
    /// Add a record, keeping at most `max_entries` ([`PartitionIndex::insert`]).
    Insert { record: IndexRecord, max_entries: usize, now_ms: f64 },
    /// Drop records by id.
    Remove { ids: Vec<String> },
}

/// The answer to an [`IndexCall`]: the matches of a query, nothing for the others.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IndexAnswer {
    #[serde(default)]
    pub matches: Vec<IndexMatch>,
}

/// The partition held by [`LOAD_SQL`]'s rows. A row that does not read as a record (a corrupt
/// vector) is left out: it is never searched, and replaced when its entry is stored again.
pub fn load(rows: &[Row]) -> PartitionIndex {
    let text = |row: &Row, col: &str| row.get(col).and_then(Value::as_str).map(str::to_string);
    let number = |row: &Row, col: &str| row.get(col).and_then(Value::as_f64);
    let records = rows
        .iter()
        .filter_map(|row| {
            Some(IndexRecord {
                id: text(row, "id")?,
                vector: vector_text::decode(row.get("vector")?.as_str()?)?,
                kv_key: text(row, "kv_key")?,
                stored_at_ms: number(row, "stored_at")?,
                expires_at_ms: number(row, "expires_at")?,
            })
        })
        .collect();
    PartitionIndex::from_records(records)
}

/// Runs `call` on the partition in memory; returns the answer and the statements that make
/// storage match (none for a query).
pub fn apply(index: &mut PartitionIndex, call: IndexCall) -> (IndexAnswer, Vec<Statement>) {
    match call {
        IndexCall::Query { query } => (IndexAnswer { matches: index.query(&query) }, Vec::new()),
        IndexCall::Insert { record, max_entries, now_ms } => {
            let insert = (
                "INSERT OR REPLACE INTO vectors (id, vector, kv_key, stored_at, expires_at) VALUES (?, ?, ?, ?, ?)"
                    .to_string(),
                vec![
                    SqlValue::Text(record.id.clone()),
                    SqlValue::Text(vector_text::encode(&record.vector)),
                    SqlValue::Text(record.kv_key.clone()),
                    SqlValue::Real(record.stored_at_ms),
                    SqlValue::Real(record.expires_at_ms),
                ],
            );
            let dropped = index.insert(record, max_entries, now_ms);
            let mut statements = vec![insert];
            statements.extend(delete_statements(&dropped));
            (IndexAnswer::default(), statements)
        }
        IndexCall::Remove { ids } => {
            index.remove(&ids);
            (IndexAnswer::default(), delete_statements(&ids))
        }
    }
}

/// `DELETE`s of these ids, at most [`MAX_BINDINGS`] per statement.
fn delete_statements(ids: &[String]) -> Vec<Statement> {
    ids.chunks(MAX_BINDINGS)
        .map(|chunk| {
            let marks = vec!["?"; chunk.len()].join(", ");
            let binds = chunk.iter().map(|id| SqlValue::Text(id.clone())).collect();
            (format!("DELETE FROM vectors WHERE id IN ({marks})"), binds)
        })
        .collect()
}

#[cfg(test)]
#[path = "index_sql_tests.rs"]
mod tests;
