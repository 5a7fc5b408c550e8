//! Unit tests of `cache::semantic::lookup`: a paraphrase found through the index and KV, the
//! threshold, freshness, purged entries, and faults.

use std::cell::Cell;
use std::rc::Rc;

use async_trait::async_trait;
use pollster::block_on;
use serde_json::json;

use super::*;
use crate::cache::semantic::index::{IndexMatch, IndexQuery};
use crate::cache::semantic::partition_index::MemoryIndex;
use crate::cache::semantic::test_embedder::TestEmbedder;
use crate::cache::store::tests::FailingStore;
use crate::cache::store::{store, MemoryCacheStore, StoreOutcome};
use crate::error::GatewayError;
use crate::headers::Headers;

const T0: f64 = 1_800_000_000_000.0;

fn plan() -> SemanticPlan {
    SemanticPlan { threshold: None, turns: 1, sampled: false }
}

fn body(question: &str) -> Vec<u8> {
    json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]}).to_string().into_bytes()
}

fn key_input<'a>(headers: &'a Headers, body: &'a [u8]) -> KeyInput<'a> {
    KeyInput { gateway_id: "gw", provider: "openai", method: "POST", endpoint: "/chat/completions", headers, body }
}

fn prepared(question: &str, plan: &SemanticPlan) -> Prepared {
    let headers: Headers = [("authorization", "Bearer sk-a")].into_iter().collect();
    let body = body(question);
    prepare(&key_input(&headers, &body), plan, &EmbedderSpec::Test).unwrap()
}

struct World {
    now: Rc<Cell<f64>>,
    store: MemoryCacheStore,
    index: MemoryIndex,
}

impl World {
    fn new() -> World {
        let now = Rc::new(Cell::new(T0));
        let (a, b) = (now.clone(), now.clone());
        World { now, store: MemoryCacheStore::new(move || a.get()), index: MemoryIndex::new(100, move || b.get()) }
    }

    fn sources<'a>(&'a self, index: &'a dyn VectorIndex, embedder: &'a dyn Embedder, ttl_s: u64) -> Sources<'a> {
        Sources {
            store: &self.store,
            index,
            embedder,
            timeout_ms: 150,
            gateway_id: "gw",
            ttl_s,
            now_ms: self.now.get(),
        }
    }

    fn find(&self, prepared: &Prepared) -> Found {
        block_on(find(&self.sources(&self.index, &TestEmbedder, 3600), prepared, std::future::pending()))
    }

    /// Answers `question` as a miss would be: the entry stored in KV, its vector indexed.
    fn answer(&self, question: &str, log_id: &str) -> CacheKey {
        let prepared = prepared(question, &plan());
        let Found::Miss { vector, best: None } = self.find(&prepared) else { panic!("expected a first miss") };
        let headers: Headers = [("authorization", "Bearer sk-a")].into_iter().collect();
        let body = body(question);
        let key = CacheKey::default_for(&key_input(&headers, &body));
        let response: Headers = [("content-type", "application/json")].into_iter().collect();
        let entry =
            CacheEntry::from_response(200, &response, b"{\"answer\":\"Paris\"}".to_vec(), Some(log_id.into()), T0)
                .unwrap();
        assert_eq!(block_on(store(&self.store, &key, &entry, 3600)), StoreOutcome::Stored);
        let write = SemanticWrite { partition: prepared.partition, vector };
        block_on(remember(&self.index, write, &key, self.now.get(), 3600)).unwrap();
        key
    }
}

#[test]
fn a_paraphrase_hits_the_stored_answer() {
    let world = World::new();
    world.answer("What is the capital of France?", "log-1");
    let found = world.find(&prepared("what is the capital city of France", &plan()));
    let Found::Hit { entry, similarity } = found else { panic!("expected a hit, got {found:?}") };
    assert_eq!(entry.log_id.as_deref(), Some("log-1"));
    assert_eq!(entry.body, b"{\"answer\":\"Paris\"}");
    assert!((0.9..1.0).contains(&similarity), "{similarity}");

    let found = world.find(&prepared("How do I bake sourdough bread?", &plan()));
    let Found::Miss { best: Some(best), .. } = found else { panic!("expected a miss, got {found:?}") };
    assert!(best < 0.5, "{best}");
}

#[test]
fn the_threshold_is_inclusive() {
    let world = World::new();
    world.answer("What is the capital of France?", "log-1");
    let paraphrase = "what is the capital city of France";
    let Found::Hit { similarity, .. } = world.find(&prepared(paraphrase, &plan())) else { panic!("expected a hit") };
    let at = SemanticPlan { threshold: Some(similarity), ..plan() };
    assert!(matches!(world.find(&prepared(paraphrase, &at)), Found::Hit { .. }));
    let above = SemanticPlan { threshold: Some(f32::from_bits(similarity.to_bits() + 1)), ..plan() };
    assert!(matches!(world.find(&prepared(paraphrase, &above)), Found::Miss { best: Some(b), .. } if b == similarity));
}

#[test]
fn a_purged_entry_is_a_miss_and_leaves_the_index() {
    let world = World::new();
    let key = world.answer("What is the capital of France?", "log-1");
    let question = prepared("what is the capital city of France", &plan());
    assert_eq!(world.index.len(&question.partition), 1);
    block_on(world.store.delete(&key.kv_key())).unwrap();
    assert!(matches!(world.find(&question), Found::Miss { .. }));
    assert_eq!(world.index.len(&question.partition), 0, "the record pointing at nothing was removed");
}

#[test]
fn an_entry_older_than_the_request_accepts_is_a_miss_but_stays() {
    let world = World::new();
    world.answer("What is the capital of France?", "log-1");
    world.now.set(T0 + 120_000.0);
    let question = prepared("what is the capital city of France", &plan());
    let sixty = world.sources(&world.index, &TestEmbedder, 60);
    assert!(matches!(block_on(find(&sixty, &question, std::future::pending())), Found::Miss { .. }));
    assert_eq!(world.index.len(&question.partition), 1, "another request may accept it");
    assert!(matches!(world.find(&question), Found::Hit { .. }));
}

struct Down;

/// Never answers.
struct Stuck;

#[async_trait(?Send)]
impl Embedder for Stuck {
    async fn embed(&self, _: &str) -> Result<Vec<f32>, GatewayError> {
        std::future::pending().await
    }
}

#[async_trait(?Send)]
impl Embedder for Down {
    async fn embed(&self, _: &str) -> Result<Vec<f32>, GatewayError> {
        Err(GatewayError::internal("AI binding: 503"))
    }
}

#[async_trait(?Send)]
impl VectorIndex for Down {
    async fn query(&self, _: &str, _: &IndexQuery) -> Result<Vec<IndexMatch>, GatewayError> {
        Err(GatewayError::internal("SemanticIndex: no answer within 1000 ms"))
    }
    async fn insert(&self, _: &str, _: IndexRecord) -> Result<(), GatewayError> {
        Err(GatewayError::internal("SemanticIndex: 500"))
    }
    async fn remove(&self, _: &str, _: &[String]) -> Result<(), GatewayError> {
        Err(GatewayError::internal("SemanticIndex: 500"))
    }
}

#[test]
fn faults_are_failures_with_their_reason() {
    let world = World::new();
    world.answer("What is the capital of France?", "log-1");
    let question = prepared("what is the capital city of France", &plan());

    let embedder_down = world.sources(&world.index, &Down, 3600);
    let found = block_on(find(&embedder_down, &question, std::future::pending()));
    assert_eq!(found, Found::Failed { reason: "the embedder failed: AI binding: 503".into(), vector: None });

    let slow = world.sources(&world.index, &Stuck, 3600);
    let found = block_on(find(&slow, &question, async {}));
    assert_eq!(found, Found::Failed { reason: "the embedder did not answer within 150 ms".into(), vector: None });

    let index_down = world.sources(&Down, &TestEmbedder, 3600);
    let Found::Failed { reason, vector: Some(_) } = block_on(find(&index_down, &question, std::future::pending()))
    else {
        panic!("expected a failure with the vector")
    };
    assert_eq!(reason, "the vector index failed: SemanticIndex: no answer within 1000 ms");

    let kv_down = Sources { store: &FailingStore, ..world.sources(&world.index, &TestEmbedder, 3600) };
    let Found::Failed { reason, .. } = block_on(find(&kv_down, &question, std::future::pending())) else {
        panic!("expected a failure")
    };
    assert!(reason.starts_with("cache read of v1/gw/") && reason.ends_with("failed: KV GET failed: 503"), "{reason}");

    let write = SemanticWrite { partition: "p".into(), vector: vec![1.0] };
    let key = CacheKey::default_for(&key_input(&Headers::new(), b""));
    assert_eq!(
        block_on(remember(&Down, write, &key, T0, 60)),
        Err("semantic index write failed: SemanticIndex: 500".into())
    );
}

#[test]
fn records_point_at_their_entry_until_its_ttl_ends() {
    let index = MemoryIndex::new(10, || T0);
    let key = CacheKey::default_for(&key_input(&Headers::new(), b"x"));
    let write = SemanticWrite { partition: "p".into(), vector: vec![1.0, 0.0] };
    block_on(remember(&index, write, &key, T0, 30)).unwrap();
    let query = |now_ms| IndexQuery { vector: vec![1.0, 0.0], top_k: 1, min_score: 0.0, now_ms };
    let found = block_on(index.query("p", &query(T0 + 59_000.0))).unwrap();
    assert_eq!(found, vec![IndexMatch { id: key.hash().into(), score: 1.0, kv_key: key.kv_key() }]);
    assert!(block_on(index.query("p", &query(T0 + 60_000.0))).unwrap().is_empty(), "KV's minimum TTL: 60 s");
}

#[test]
fn requests_that_are_not_compared_say_why() {
    let headers = Headers::new();
    let chat = body("Hi");
    let not_chat = KeyInput { endpoint: "/embeddings", ..key_input(&headers, &chat) };
    assert_eq!(prepare(&not_chat, &plan(), &EmbedderSpec::Test), Err("not a chat request".into()));
    let empty = body("  ");
    assert_eq!(
        prepare(&key_input(&headers, &empty), &plan(), &EmbedderSpec::Test),
        Err("no text to compare (images only or empty messages)".into())
    );
    let warm = json!({"temperature": 0.7, "messages": [{"role": "user", "content": "Hi"}]}).to_string();
    let warm = key_input(&headers, warm.as_bytes());
    assert_eq!(
        prepare(&warm, &plan(), &EmbedderSpec::Test),
        Err("temperature 0.7 samples; the gateway's semantic_cache.sampled compares such requests".into())
    );
    let sampled = SemanticPlan { sampled: true, ..plan() };
    assert!(prepare(&warm, &sampled, &EmbedderSpec::Test).is_ok());
    let cold = json!({"temperature": 0, "messages": [{"role": "user", "content": "Hi"}]}).to_string();
    let cold = prepare(&key_input(&headers, cold.as_bytes()), &plan(), &EmbedderSpec::Test).unwrap();
    assert_eq!((cold.compared.as_str(), cold.threshold), ("hi", 0.9), "the test model's default threshold");
}

#[test]
fn notes_are_json_for_the_log() {
    let hit = SemanticNote::Hit { similarity: rounded(0.973_456), source_log_id: Some("01J".into()) };
    assert_eq!(hit.to_log(), r#"{"outcome":"hit","similarity":0.973,"source_log_id":"01J"}"#);
    let miss = SemanticNote::Miss { best_similarity: Some(0.5), threshold: 0.95 };
    assert_eq!(miss.to_log(), r#"{"outcome":"miss","best_similarity":0.5,"threshold":0.95}"#);
    let skipped = SemanticNote::Skipped { reason: "not a chat request".into() };
    assert_eq!(skipped.to_log(), r#"{"outcome":"skipped","reason":"not a chat request"}"#);
    assert_eq!(rounded(0.99951), 1.0);
}
