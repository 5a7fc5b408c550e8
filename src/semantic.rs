//! The semantic cache's runtime parts (`docs/semantic-cache.md`): the vector index (Vectorize
//! when the `VECTORIZE` binding is there, else the `SemanticIndex` Durable Objects of
//! `SEMANTIC_INDEX`) and the Workers AI embedder (the `AI` binding, when `SEMANTIC_EMBEDDER` names
//! Workers AI). The JSON each binding takes and gives is made and read by the core
//! (`gateway_core::cache::semantic::{vectorize, workers_ai}`); this file only calls the bindings.

use std::rc::Rc;

use async_trait::async_trait;
use gateway_core::cache::semantic::{
    vectorize, workers_ai, Embedder, EmbedderSpec, IndexMatch, IndexQuery, IndexRecord, SemanticServices, VectorIndex,
};
use gateway_core::{ErrorKind, GatewayConfig, GatewayError};
use js_sys::{Function, Promise, Reflect, JSON};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use worker::Env;

use crate::semantic_index_client::DurableIndex;

/// The Vectorize index binding.
pub const VECTORIZE_BINDING: &str = "VECTORIZE";
/// The Workers AI binding.
pub const AI_BINDING: &str = "AI";
/// How long a Vectorize call may take before the lookup goes to the provider.
pub const VECTORIZE_TIMEOUT_MS: u64 = 1_000;

/// The semantic cache's bindings for one request, each `None` when not bound.
pub fn services(env: &Env, config: &GatewayConfig) -> SemanticServices {
    let index: Option<Rc<dyn VectorIndex>> = match crate::binding(env, VECTORIZE_BINDING) {
        Some(binding) => Some(Rc::new(VectorizeIndex { binding })),
        None => DurableIndex::from_env(env, config.semantic.max_entries).map(|i| Rc::new(i) as Rc<dyn VectorIndex>),
    };
    let workers_ai = match &config.semantic.embedder {
        EmbedderSpec::WorkersAi { model } => crate::binding(env, AI_BINDING)
            .map(|binding| Rc::new(WorkersAi { binding, model: model.clone() }) as Rc<dyn Embedder>),
        _ => None,
    };
    SemanticServices { index, workers_ai }
}

/// Calls `target.method(...args)`, which returns a promise, and reads what it resolves to as JSON
/// (`null` for `undefined`); `timeout_ms` bounds the wait when given.
async fn call(
    target: &JsValue,
    method: &str,
    args: &[JsValue],
    timeout_ms: Option<u64>,
    name: &str,
) -> Result<Value, GatewayError> {
    let failed = |what: String| GatewayError::new(ErrorKind::Internal, format!("{name} {method}: {what}"));
    let js = |e: JsValue| failed(crate::http_port::js_message(&e));
    let function: Function = Reflect::get(target, &JsValue::from_str(method)).map_err(js)?.dyn_into().map_err(js)?;
    let promise: Promise =
        function.apply(target, &args.iter().collect::<js_sys::Array>()).map_err(js)?.dyn_into().map_err(js)?;
    let settled = match timeout_ms {
        Some(ms) => {
            crate::timer::within(&promise, ms).await.ok_or_else(|| failed(format!("no answer within {ms} ms")))?
        }
        None => wasm_bindgen_futures::JsFuture::from(promise).await,
    };
    let value = settled.map_err(js)?;
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Null);
    }
    let text: String = JSON::stringify(&value).map_err(js)?.into();
    serde_json::from_str(&text).map_err(|e| failed(format!("answered something that is not JSON: {e}")))
}

/// A JSON value as a JavaScript one.
fn to_js(value: &Value) -> Result<JsValue, GatewayError> {
    JSON::parse(&value.to_string()).map_err(|e| GatewayError::internal(crate::http_port::js_message(&e)))
}

/// [`VectorIndex`] over a Vectorize index (cosine metric, a string metadata index on `partition`).
struct VectorizeIndex {
    binding: JsValue,
}

#[async_trait(?Send)]
impl VectorIndex for VectorizeIndex {
    async fn query(&self, partition: &str, query: &IndexQuery) -> Result<Vec<IndexMatch>, GatewayError> {
        let args = [to_js(&serde_json::json!(query.vector))?, to_js(&vectorize::query_options(partition, query))?];
        let answer = call(&self.binding, "query", &args, Some(VECTORIZE_TIMEOUT_MS), VECTORIZE_BINDING).await?;
        Ok(vectorize::read_matches(&answer, partition, query))
    }

    async fn insert(&self, partition: &str, record: IndexRecord) -> Result<(), GatewayError> {
        let args = [to_js(&vectorize::upsert_vectors(partition, &record))?];
        call(&self.binding, "upsert", &args, Some(VECTORIZE_TIMEOUT_MS), VECTORIZE_BINDING).await.map(drop)
    }

    async fn remove(&self, _partition: &str, ids: &[String]) -> Result<(), GatewayError> {
        let args = [to_js(&serde_json::json!(ids))?];
        call(&self.binding, "deleteByIds", &args, Some(VECTORIZE_TIMEOUT_MS), VECTORIZE_BINDING).await.map(drop)
    }
}

/// [`Embedder`] over the Workers AI binding; the pipeline bounds its wait (`SEMANTIC_TIMEOUT_MS`).
struct WorkersAi {
    binding: JsValue,
    model: String,
}

#[async_trait(?Send)]
impl Embedder for WorkersAi {
    async fn embed(&self, text: &str) -> Result<Vec<f32>, GatewayError> {
        let args = [JsValue::from_str(&self.model), to_js(&workers_ai::input(text))?];
        let answer = call(&self.binding, "run", &args, None, AI_BINDING).await?;
        workers_ai::read_output(&answer)
    }
}
