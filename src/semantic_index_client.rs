//! The local vector index as the pipeline sees it: each call goes to the `SemanticIndex` Durable
//! Object of its partition (`src/semantic_index.rs`, binding `SEMANTIC_INDEX`), within
//! [`CALL_TIMEOUT_MS`].

use async_trait::async_trait;
use gateway_core::cache::semantic::index_sql::{IndexAnswer, IndexCall};
use gateway_core::cache::semantic::{IndexMatch, IndexQuery, IndexRecord, VectorIndex};
use gateway_core::{ErrorKind, GatewayError};
use wasm_bindgen::JsValue;
use worker::Env;

/// The Durable Object namespace binding of the local index.
pub const BINDING: &str = "SEMANTIC_INDEX";
/// How long a call may take before the index counts as unreachable (the lookup then goes to the
/// provider). A search is one pass over at most `SEMANTIC_INDEX_MAX_ENTRIES` vectors in memory;
/// this bounds a cold start, which reads them from storage.
pub const CALL_TIMEOUT_MS: u64 = 1_000;

/// The `SEMANTIC_INDEX` namespace.
pub struct DurableIndex {
    namespace: JsValue,
    max_entries: usize,
}

impl DurableIndex {
    /// The index over the `SEMANTIC_INDEX` binding keeping `max_entries` per partition, `None`
    /// when it is not bound.
    pub fn from_env(env: &Env, max_entries: usize) -> Option<DurableIndex> {
        crate::binding(env, BINDING).map(|namespace| DurableIndex { namespace, max_entries })
    }

    async fn call(&self, partition: &str, call: &IndexCall) -> Result<IndexAnswer, GatewayError> {
        crate::durable_call::call_json(&self.namespace, partition, "https://semantic-index/call", call, CALL_TIMEOUT_MS)
            .await
            .map_err(failed)
    }
}

fn failed(what: impl std::fmt::Display) -> GatewayError {
    GatewayError::new(ErrorKind::Internal, format!("{BINDING}: {what}"))
}

#[async_trait(?Send)]
impl VectorIndex for DurableIndex {
    async fn query(&self, partition: &str, query: &IndexQuery) -> Result<Vec<IndexMatch>, GatewayError> {
        Ok(self.call(partition, &IndexCall::Query { query: query.clone() }).await?.matches)
    }

    async fn insert(&self, partition: &str, record: IndexRecord) -> Result<(), GatewayError> {
        let now_ms = js_sys::Date::now();
        self.call(partition, &IndexCall::Insert { record, max_entries: self.max_entries, now_ms }).await.map(drop)
    }

    async fn remove(&self, partition: &str, ids: &[String]) -> Result<(), GatewayError> {
        self.call(partition, &IndexCall::Remove { ids: ids.to_vec() }).await.map(drop)
    }
}
