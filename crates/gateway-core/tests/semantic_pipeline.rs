//! The semantic cache through the whole pipeline, against an in-memory runtime: a paraphrase
//! answered from the first question's entry, what a miss and a skip record, the provider
//! embedder's faults served around, and the headers' checks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test file: a panic is a failed test
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use async_trait::async_trait;
use gateway_core::cache::semantic::partition_index::MemoryIndex;
use gateway_core::cache::semantic::SemanticServices;
use gateway_core::cache::{CacheStore, MemoryCacheStore};
use gateway_core::plugin::{ResponseHead, UpstreamHead};
use gateway_core::{
    BodyEnd, ClientRequest, Completion, GatewayConfig, GatewayError, Headers, HttpPort, Outcome, Pipeline, RequestBody,
    Services,
};
use pollster::block_on;
use serde_json::{json, Value};

const ANSWER: &str = r#"{"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assistant","content":"Paris."}}]}"#;

/// Answers chat requests with [`ANSWER`]; embeddings requests fail when `embeddings_down`, else
/// answer a fixed vector. Records every URL fetched.
#[derive(Default)]
struct Port {
    clock: Cell<f64>,
    fetched: RefCell<Vec<String>>,
    embeddings_down: bool,
}

type Response = (u16, Vec<u8>);

#[async_trait(?Send)]
impl HttpPort for Port {
    type Body = Vec<u8>;
    type Response = Response;
    fn now_ms(&self) -> f64 {
        self.clock.set(self.clock.get() + 10.0);
        1_800_000_000_000.0 + self.clock.get()
    }
    fn random(&self) -> f64 {
        0.5
    }
    fn secret(&self, _: &str) -> Option<String> {
        None
    }
    async fn read_body(&self, body: Vec<u8>, _: Option<u64>, _: u64) -> Result<Vec<u8>, GatewayError> {
        Ok(body)
    }
    async fn discard(&self, _: Vec<u8>) {}
    async fn sleep(&self, _: u64) {
        std::future::pending::<()>().await;
    }
    async fn fetch(
        &self,
        upstream: &UpstreamHead,
        _: bool,
        _: Option<RequestBody<Vec<u8>>>,
        _: Option<u64>,
        _: bool,
    ) -> Result<Response, GatewayError> {
        self.fetched.borrow_mut().push(upstream.url.clone());
        if upstream.url.ends_with("/embeddings") {
            if self.embeddings_down {
                return Err(GatewayError::new(gateway_core::ErrorKind::UpstreamUnreachable, "connection refused"));
            }
            return Ok((200, br#"{"data":[{"embedding":[0.6,0.8]}]}"#.to_vec()));
        }
        Ok((200, ANSWER.as_bytes().to_vec()))
    }
    fn response_head(&self, r: &Response) -> ResponseHead {
        let headers: Headers = [("content-type", "application/json")].into_iter().collect();
        ResponseHead { status: r.0, headers }
    }
    fn with_head(&self, r: Response, _: ResponseHead) -> Result<Response, GatewayError> {
        Ok(r)
    }
    fn set_headers(&self, r: Response, _: &Headers) -> Result<Response, GatewayError> {
        Ok(r)
    }
    async fn read_response(&self, r: Response, _: u64) -> Result<Vec<u8>, GatewayError> {
        Ok(r.1)
    }
    fn cancel(&self, _: Response) {}
    fn header(&self, _: &Response, name: &str) -> Option<String> {
        (name == "content-type").then(|| "application/json".to_string())
    }
    fn status(&self, r: &Response) -> u16 {
        r.0
    }
}

struct World {
    pipeline: Pipeline,
    services: Services,
    port: Port,
}

fn world(vars: &[(&str, &str)], port: Port) -> World {
    let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let config = GatewayConfig::from_env(|name| vars.get(name).cloned()).unwrap();
    let index = Rc::new(MemoryIndex::new(100, || 1_800_000_000_000.0));
    let services = Services {
        cache: Some(Rc::new(MemoryCacheStore::new(|| 1_800_000_000_000.0)) as Rc<dyn CacheStore>),
        semantic: SemanticServices { index: Some(index), workers_ai: None },
        ..Services::default()
    };
    World { pipeline: Pipeline::new(config, vec![]), services, port }
}

fn ask(question: &str, headers: &[(&str, &str)]) -> ClientRequest<Vec<u8>> {
    let body = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]});
    let mut all: Headers = [("authorization", "Bearer sk-a"), ("cf-aig-cache-semantic", "true")].into_iter().collect();
    for (name, value) in headers {
        all.set(name, *value);
    }
    ClientRequest {
        method: "POST".into(),
        path: "/v1/acct/gw/openai/chat/completions".into(),
        query: None,
        headers: all,
        body: Some(body.to_string().into_bytes()),
    }
}

/// Runs a request to its end, the body passed through the completion as the runtime does;
/// returns the status, the headers of a local reply, and the completion's context's semantic note.
fn run(world: &World, request: ClientRequest<Vec<u8>>) -> (u16, Headers, Option<Value>) {
    let (outcome, mut completion): (_, Completion) =
        block_on(world.pipeline.handle(&world.port, &world.services, request));
    let (status, headers) = match outcome {
        Outcome::Upstream((status, body)) => {
            let mut out = Vec::new();
            completion.on_chunk(&body, &mut out);
            completion.end_body(world.port.now_ms(), BodyEnd::Complete, &mut out);
            (status, Headers::new())
        }
        Outcome::Local(reply) => (reply.status, reply.headers),
    };
    let note = completion.context().cache_semantic.as_deref().map(|n| serde_json::from_str(n).unwrap());
    block_on(completion.finish());
    (status, headers, note)
}

fn upstream_calls(port: &Port) -> usize {
    port.fetched.borrow().iter().filter(|u| u.ends_with("/chat/completions")).count()
}

#[test]
fn a_paraphrase_is_answered_from_the_first_questions_entry() {
    let world = world(&[("SEMANTIC_EMBEDDER", "test"), ("CACHE_TTL", "3600")], Port::default());
    let (status, _, note) = run(&world, ask("What is the capital of France?", &[]));
    assert_eq!(status, 200);
    assert_eq!(note.unwrap()["outcome"], "miss");
    assert_eq!(upstream_calls(&world.port), 1);

    let (status, headers, note) = run(&world, ask("what is the capital city of France", &[]));
    assert_eq!(status, 200);
    assert_eq!(upstream_calls(&world.port), 1, "answered without the provider");
    assert_eq!(headers.get("cf-aig-cache-status"), Some("HIT"));
    assert_eq!(headers.get("cf-aig-cache-match"), Some("semantic"));
    let similarity: f32 = headers.get("cf-aig-cache-similarity").unwrap().parse().unwrap();
    assert!((0.9..1.0).contains(&similarity), "{similarity}");
    let note = note.unwrap();
    assert_eq!(note["outcome"], "hit");
    assert_eq!(note["similarity"].as_f64().unwrap() as f32, similarity);

    let (_, _, note) = run(&world, ask("How do I bake sourdough bread?", &[]));
    assert_eq!(note.unwrap()["outcome"], "miss");
    assert_eq!(upstream_calls(&world.port), 2);
}

#[test]
fn the_caller_and_the_opt_out_are_respected() {
    let world = world(&[("SEMANTIC_EMBEDDER", "test"), ("CACHE_TTL", "3600")], Port::default());
    run(&world, ask("What is the capital of France?", &[]));
    let (_, headers, note) =
        run(&world, ask("what is the capital city of France", &[("authorization", "Bearer sk-b")]));
    assert_eq!(headers.get("cf-aig-cache-match"), None, "another caller is another partition");
    assert_eq!(note.unwrap()["best_similarity"], Value::Null, "and finds nothing there");
    let (_, _, note) = run(&world, ask("what is the capital city of France", &[("cf-aig-cache-semantic", "false")]));
    assert_eq!(note, None, "no lookup at all");
    let (_, _, note) = run(&world, ask("what is the capital city of France", &[("cf-aig-cache-key", "faq-1")]));
    assert_eq!(note, None, "a custom key names its own entry");
    assert_eq!(upstream_calls(&world.port), 4);
}

#[test]
fn semantic_true_turns_caching_on_and_bad_headers_are_400() {
    let world = world(&[("SEMANTIC_EMBEDDER", "test")], Port::default());
    run(&world, ask("What is the capital of France?", &[]));
    let (_, headers, _) = run(&world, ask("what is the capital city of France", &[]));
    assert_eq!(headers.get("cf-aig-cache-match"), Some("semantic"));

    let (status, _, _) = run(&world, ask("q", &[("cf-aig-cache-semantic-threshold", "1.5")]));
    assert_eq!(status, 400);
    let (status, _, _) = run(&world, ask("q", &[("cf-aig-cache-semantic", "maybe")]));
    assert_eq!(status, 400);
}

#[test]
fn an_embedder_that_is_down_is_served_around() {
    let port = Port { embeddings_down: true, ..Port::default() };
    let vars = [
        ("SEMANTIC_EMBEDDER", "openai:text-embedding-3-small"),
        ("CACHE_TTL", "3600"),
        ("UPSTREAM_OVERRIDES", r#"{"openai":"http://mock/openai"}"#),
    ];
    let world = world(&vars, port);
    let (status, _, note) = run(&world, ask("What is the capital of France?", &[]));
    assert_eq!(status, 200);
    assert_eq!(note.unwrap(), json!({"outcome": "error", "reason": "the embedder failed: connection refused"}));
    assert!(world.port.fetched.borrow().contains(&"http://mock/openai/v1/embeddings".to_string()));
    assert_eq!(upstream_calls(&world.port), 1);
}

#[test]
fn the_provider_embedders_vectors_are_indexed() {
    let vars = [("SEMANTIC_EMBEDDER", "openai:text-embedding-3-small"), ("CACHE_TTL", "3600")];
    let world = world(&vars, Port::default());
    run(&world, ask("What is the capital of France?", &[]));
    // The port's embeddings answer the same vector for every text: anything is a paraphrase.
    let (_, headers, _) = run(&world, ask("Something else entirely", &[]));
    assert_eq!(headers.get("cf-aig-cache-similarity"), Some("1.000"));
    assert!(world.port.fetched.borrow().iter().any(|u| u == "https://api.openai.com/v1/embeddings"));
}
