//! The semantic lookup's part of the cache stage: after an exact miss, for a request whose header
//! or gateway asks for it (see [`crate::cache::semantic`]).

use crate::cache::entry::CacheEntry;
use crate::cache::semantic::embedder::Embedder;
use crate::cache::semantic::lookup::{self, rounded, Found, SemanticNote, SemanticWrite, Sources};
use crate::cache::semantic::provider_embedder::ProviderEmbedder;
use crate::cache::semantic::settings::{self, SemanticHeaders};
use crate::cache::semantic::test_embedder::TestEmbedder;
use crate::cache::semantic::{EmbedderSpec, MATCH_HEADER, SIMILARITY_HEADER, SOURCE_LOG_ID_HEADER};
use crate::cache::{CacheDecision, CacheStatus};
use crate::completion::Completion;
use crate::plugin::Reply;
use crate::port::HttpPort;

use super::cache::CacheRequest;
use super::{Pipeline, Services};

impl Pipeline {
    /// Looks the request up by meaning, after its exact lookup missed; `Some` is a semantic hit.
    /// On a miss, the completion is given the request's vector, to index its answer once stored.
    /// What happened (hit, miss, skipped and why, a fault served around) goes to the log.
    pub(super) async fn consult_semantic<P: HttpPort>(
        &self,
        port: &P,
        services: &Services,
        decision: &CacheDecision,
        request: &CacheRequest<'_>,
        completion: &mut Completion,
    ) -> Option<Reply> {
        let CacheDecision::Use { key, ttl_s } = decision else { return None };
        // A custom key names its own entry: the client chose what it is shared by.
        let headers = SemanticHeaders::parse(request.key.headers).ok().filter(|_| !key.is_custom())?;
        let plan = settings::plan(&headers, request.gateway.and_then(|g| g.semantic_cache.as_ref()))?;
        let config = &self.config.semantic;
        let ctx = &mut completion.ctx;
        let note = |note: SemanticNote| Some(note.to_log());
        let prepared = match lookup::prepare(request.key, &plan, &config.embedder) {
            Ok(prepared) => prepared,
            Err(reason) => {
                ctx.cache_semantic = note(SemanticNote::Skipped { reason });
                return None;
            }
        };
        let missing =
            |what: &str| note(SemanticNote::Error { reason: format!("{what} is missing (see wrangler.toml)") });
        let (Some(store), Some(index)) = (services.cache.as_deref(), services.semantic.index.as_deref()) else {
            ctx.cache_semantic = missing("the vector index binding (SEMANTIC_INDEX or VECTORIZE)");
            return None;
        };
        let provider_embedder;
        let embedder: &dyn Embedder = match &config.embedder {
            EmbedderSpec::Test => &TestEmbedder,
            EmbedderSpec::Provider { provider, model } => {
                provider_embedder = ProviderEmbedder::new(port, &self.config, provider, model);
                &provider_embedder
            }
            EmbedderSpec::WorkersAi { .. } => match services.semantic.workers_ai.as_deref() {
                Some(workers_ai) => workers_ai,
                None => {
                    ctx.cache_semantic = missing("the Workers AI binding (AI), which SEMANTIC_EMBEDDER names,");
                    return None;
                }
            },
        };
        let sources = Sources {
            store,
            index,
            embedder,
            timeout_ms: config.timeout_ms,
            gateway_id: key.gateway_id(),
            ttl_s: *ttl_s,
            now_ms: port.now_ms(),
        };
        let (partition, threshold) = (prepared.partition.clone(), prepared.threshold);
        let (outcome, vector) = match lookup::find(&sources, &prepared, port.sleep(config.timeout_ms)).await {
            Found::Hit { entry, similarity } => {
                completion.ctx.cache_status = Some(CacheStatus::Hit);
                let source_log_id = entry.log_id.clone();
                completion.ctx.cache_semantic =
                    note(SemanticNote::Hit { similarity: rounded(similarity), source_log_id });
                return Some(semantic_hit_reply(&entry, similarity, port.now_ms()));
            }
            Found::Miss { vector, best } => {
                (SemanticNote::Miss { best_similarity: best.map(rounded), threshold }, Some(vector))
            }
            Found::Failed { reason, vector } => (SemanticNote::Error { reason }, vector),
        };
        completion.ctx.cache_semantic = note(outcome);
        completion.semantic_write = vector.map(|vector| SemanticWrite { partition, vector });
        None
    }
}

/// The reply of a semantic hit: as an exact hit's, with `cf-aig-cache-match: semantic`, the
/// similarity and the log id of the request whose answer it is.
fn semantic_hit_reply(entry: &CacheEntry, similarity: f32, now_ms: f64) -> Reply {
    let mut headers = entry.hit_headers(now_ms);
    headers.set(MATCH_HEADER, "semantic");
    headers.set(SIMILARITY_HEADER, format!("{similarity:.3}"));
    if let Some(id) = &entry.log_id {
        headers.set(SOURCE_LOG_ID_HEADER, id.as_str());
    }
    Reply { status: entry.status, headers, body: entry.body.clone() }
}
