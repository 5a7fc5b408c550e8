//! Unit tests of `translate::embeddings`.

use serde_json::{json, Value};

use super::*;
use crate::translate::{tests::fixture, Format};

#[test]
fn openai_request_becomes_one_gemini_request_per_input() {
    let body: Value = serde_json::from_slice(&fixture(Format::OpenAi, "embeddings.request.json")).unwrap();
    let out = gemini_request(&body, "gemini-embedding-001").unwrap();
    let requests = out["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1],
        json!({"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "second text"}]}, "outputDimensionality": 3})
    );
    assert_eq!(gemini_path("gemini-embedding-001"), "v1beta/models/gemini-embedding-001:batchEmbedContents");
}

#[test]
fn token_inputs_are_refused() {
    let e = gemini_request(&json!({"input": [[1, 2, 3]]}), "m").unwrap_err();
    assert!(e.message().contains("`input`"));
    assert!(gemini_request(&json!({"input": []}), "m").is_err());
}

#[test]
fn gemini_response_becomes_an_openai_list() {
    let body: Value = serde_json::from_slice(&fixture(Format::Gemini, "embeddings.response.json")).unwrap();
    let out = openai_response(&body, "gemini-embedding-001").unwrap();
    assert_eq!(out["object"], "list");
    assert_eq!(out["model"], "gemini-embedding-001");
    assert_eq!(out["data"][1], json!({"object": "embedding", "index": 1, "embedding": [-0.0321, 0.0654, -0.0987]}));
    assert!(openai_response(&json!({}), "m").is_err());
}
