//! The semantic cache: answer a question that was asked before in other words.
//!
//! Opt-in per gateway ([`settings::SemanticSettings`], the `semantic_cache` field) or per request
//! (`cf-aig-cache-semantic: true`), for chat requests, on top of the exact cache: the exact lookup
//! runs first, and the semantic one only on an exact miss. A request goes through these steps:
//!
//! 1. [`lookup::prepare`] splits the chat body ([`text::split`]) into the normalised text of its
//!    last turns, which is compared, and an exact part hashed into the partition key
//!    ([`partition`]) with the caller's identity, the provider, the endpoint and the embedding
//!    model: only requests with the same partition key are ever compared. A request with nothing
//!    to compare, or one that samples (`temperature` above 0) without the gateway saying
//!    `sampled`, is skipped, and its log says why.
//! 2. [`lookup::find`] embeds the text ([`embedder::Embedder`], bounded by `SEMANTIC_TIMEOUT_MS`),
//!    searches the partition ([`index::VectorIndex`]) and reads the exact cache entry the closest
//!    record points at. A hit at or above the threshold is answered like an exact hit, with
//!    `cf-aig-cache-match: semantic`, `cf-aig-cache-similarity` and the reused answer's log id.
//!    Any fault is served around: the request goes to the provider and the log says why.
//! 3. On a miss the answer is stored in KV as any exact-cache entry, and [`lookup::remember`]
//!    indexes its vector in `waitUntil`, pointing at that entry: TTL, skip and purge work for
//!    semantic hits exactly as for exact ones, since the answer only exists there.
//!
//! The runtime supplies the index (the `SemanticIndex` Durable Objects over
//! [`partition_index`] and [`index_sql`], or Vectorize over [`vectorize`]) and the Workers AI
//! embedder ([`workers_ai`]) as [`SemanticServices`]; the provider embedder
//! ([`provider_embedder`]) and the test embedder ([`test_embedder`]) are made by the pipeline.

pub mod config;
pub mod embedder;
pub mod index;
pub mod index_sql;
pub mod lookup;
pub mod partition;
pub mod partition_index;
pub mod provider_embedder;
pub mod settings;
pub mod test_embedder;
pub mod text;
pub mod vector_text;
pub mod vectorize;
pub mod workers_ai;

use std::rc::Rc;

pub use config::{EmbedderSpec, SemanticConfig};
pub use embedder::Embedder;
pub use index::{IndexMatch, IndexQuery, IndexRecord, VectorIndex};
pub use settings::SemanticSettings;

/// The runtime's parts of the semantic cache, each `None` when not bound.
#[derive(Clone, Default)]
pub struct SemanticServices {
    /// Where the vectors are kept: the local index or Vectorize.
    pub index: Option<Rc<dyn VectorIndex>>,
    /// The Workers AI embedder (the `AI` binding), used when `SEMANTIC_EMBEDDER` names Workers AI.
    pub workers_ai: Option<Rc<dyn Embedder>>,
}

/// The response header saying which lookup answered: `semantic` on a semantic hit.
pub const MATCH_HEADER: &str = "cf-aig-cache-match";
/// The response header with a semantic hit's similarity, three decimals (`0.973`).
pub const SIMILARITY_HEADER: &str = "cf-aig-cache-similarity";
/// The response header with the log id of the request whose answer a semantic hit reused.
pub const SOURCE_LOG_ID_HEADER: &str = "cf-aig-cache-source-log-id";
