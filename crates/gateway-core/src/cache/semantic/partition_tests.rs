//! Unit tests of `cache::semantic::partition`: what splits the partitions and what does not.

use serde_json::{json, Value};

use super::*;
use crate::cache::semantic::text::split;
use crate::headers::Headers;
use crate::translate::Format;

const AUTH: (&str, &str) = ("authorization", "Bearer sk-alice");

struct Request {
    gateway: &'static str,
    provider: &'static str,
    endpoint: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: Value,
    embedder: &'static str,
    turns: u32,
}

fn base() -> Request {
    Request {
        gateway: "gw",
        provider: "openai",
        endpoint: "/chat/completions",
        headers: vec![AUTH],
        body: json!({"model": "gpt-4o-mini", "temperature": 0, "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "What is the capital of France?"}
        ]}),
        embedder: "test/local-hash-v1",
        turns: 1,
    }
}

fn partition(r: &Request) -> String {
    let headers: Headers = r.headers.iter().copied().collect();
    let body = r.body.to_string();
    let exact = split(Format::OPENAI, body.as_bytes(), r.turns).unwrap().exact;
    let key = KeyInput {
        gateway_id: r.gateway,
        provider: r.provider,
        method: "POST",
        endpoint: r.endpoint,
        headers: &headers,
        body: body.as_bytes(),
    };
    partition_key(&PartitionInput { key: &key, embedder: r.embedder, turns: r.turns, exact: &exact })
}

fn with_message(mut r: Request, index: usize, field: &str, value: Value) -> Request {
    r.body["messages"][index][field] = value;
    r
}

#[test]
fn the_compared_text_and_harmless_headers_do_not_split() {
    let reference = partition(&base());
    assert_eq!(reference.len(), 64);
    assert!(reference.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    let same = [
        with_message(base(), 1, "content", json!("Tell me France's capital city")),
        with_message(base(), 1, "content", json!("what is the capital of france")),
        Request { headers: vec![AUTH, ("user-agent", "other/1.0"), ("x-request-id", "42")], ..base() },
        Request {
            body: serde_json::from_str(
                r#"{"messages":[{"content":"You are terse.","role":"system"},{"content":"Capital of France?","role":"user"}],
                   "temperature":0,"model":"gpt-4o-mini"}"#,
            )
            .unwrap(),
            ..base()
        },
    ];
    for (i, request) in same.iter().enumerate() {
        assert_eq!(partition(request), reference, "case {i}");
    }
}

#[test]
fn everything_else_that_changes_the_answer_splits() {
    let reference = partition(&base());
    let mut tools = base();
    tools.body["tools"] = json!([{"type": "function", "function": {"name": "weather"}}]);
    let mut stream = base();
    stream.body["stream"] = json!(true);
    let mut model = base();
    model.body["model"] = json!("gpt-4o");
    let mut temperature = base();
    temperature.body["temperature"] = json!(0.5);
    let mut earlier = base();
    earlier.body["messages"] = json!([
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Let's talk about Spain."},
        {"role": "assistant", "content": "Sure."},
        {"role": "user", "content": "What is the capital of France?"}
    ]);
    let differing = [
        ("system prompt", with_message(base(), 0, "content", json!("You are verbose."))),
        ("model", model),
        ("tools", tools),
        ("temperature", temperature),
        ("stream", stream),
        ("earlier turns", earlier),
        ("another caller", Request { headers: vec![("authorization", "Bearer sk-bob")], ..base() }),
        ("no credentials", Request { headers: vec![], ..base() }),
        ("a virtual key", Request { headers: vec![AUTH, ("cf-aig-authorization", "Bearer vk")], ..base() }),
        ("answer header", Request { headers: vec![AUTH, ("openai-beta", "assistants=v2")], ..base() }),
        ("gateway", Request { gateway: "gw2", ..base() }),
        ("provider", Request { provider: "groq", ..base() }),
        ("endpoint", Request { endpoint: "/chat/completions?x=1", ..base() }),
        ("embedder", Request { embedder: "openai/text-embedding-3-small", ..base() }),
        ("turns", Request { turns: 2, ..base() }),
    ];
    for (what, request) in differing {
        assert_ne!(partition(&request), reference, "{what} must split the partition");
    }
}
