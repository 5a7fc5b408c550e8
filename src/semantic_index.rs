//! `SemanticIndex`: the Durable Object (SQLite storage) that holds one partition of the semantic
//! cache's local index (`docs/semantic-cache.md`). One object per partition key, named by it.
//!
//! `POST /call` with a `gateway_core::cache::semantic::index_sql::IndexCall` as JSON: the object
//! loads the partition's records into memory on the first call of an instance, runs the call on
//! them (`index_sql::apply`: an exact cosine search, or an insert that keeps the partition under
//! `SEMANTIC_INDEX_MAX_ENTRIES`, or a removal) and the statements it returns in one transaction
//! (`src/sql_transaction.rs`), and answers the `IndexAnswer`. A failed write drops the copy in
//! memory, so that the next call reads storage again; it answers 500 with the SQLite error.

use std::cell::{Cell, RefCell};

use gateway_core::cache::semantic::index_sql::{apply, load, IndexCall, LOAD_SQL, SCHEMA};
use gateway_core::cache::semantic::partition_index::PartitionIndex;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use crate::sql_transaction::{ensure_schema, run_in_transaction};

/// One partition of the local vector index.
#[durable_object]
pub struct SemanticIndex {
    state: State,
    schema_ready: Cell<bool>,
    /// The partition's records, loaded on the first call.
    partition: RefCell<Option<PartitionIndex>>,
}

impl SemanticIndex {
    /// Runs one call, loading the partition first if this instance has not.
    fn run(&self, call: IndexCall) -> Result<Response> {
        let storage = self.state.storage();
        ensure_schema(&storage, &self.schema_ready, SCHEMA, None)?;
        let mut partition = self.partition.borrow_mut();
        if partition.is_none() {
            let (rows, _) = run_in_transaction(&storage, vec![(LOAD_SQL.to_string(), Vec::new())])?;
            *partition = Some(load(rows.first().map(Vec::as_slice).unwrap_or_default()));
        }
        let Some(records) = partition.as_mut() else { return Response::error("partition not loaded", 500) };
        let (answer, statements) = apply(records, call);
        if !statements.is_empty() {
            if let Err(err) = run_in_transaction(&storage, statements) {
                *partition = None;
                return Response::error(err.to_string(), 500);
            }
        }
        Response::from_json(&answer)
    }
}

impl DurableObject for SemanticIndex {
    fn new(state: State, _env: Env) -> Self {
        SemanticIndex { state, schema_ready: Cell::new(false), partition: RefCell::new(None) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if req.path() != "/call" {
            return Response::error(format!("no semantic index route {}", req.path()), 404);
        }
        // Parsed from the text with serde_json, as in `LogShard`.
        let text = req.text().await?;
        let call: IndexCall =
            serde_json::from_str(&text).map_err(|e| worker::Error::RustError(format!("bad index call: {e}")))?;
        self.run(call)
    }
}
