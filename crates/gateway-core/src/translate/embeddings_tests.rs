//! Unit tests of `translate::embeddings`.

use serde_json::{json, Value};

use super::*;
use crate::translate::{tests::fixture, Format};

#[test]
fn openai_request_becomes_one_gemini_request_per_input() {
    let body: Value = serde_json::from_slice(&fixture(Format::OPENAI, "embeddings.request.json")).unwrap();
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
    let body: Value = serde_json::from_slice(&fixture(Format::GEMINI, "embeddings.response.json")).unwrap();
    let out = openai_response(&body, "gemini-embedding-001", Encoding::Float).unwrap();
    assert_eq!(out["object"], "list");
    assert_eq!(out["model"], "gemini-embedding-001");
    assert_eq!(out["data"][1], json!({"object": "embedding", "index": 1, "embedding": [-0.0321, 0.0654, -0.0987]}));
    assert!(openai_response(&json!({}), "m", Encoding::Float).is_err());
}

#[test]
fn base64_is_the_little_endian_f32_bytes() {
    // What `Buffer.from(new Float32Array(v).buffer).toString('base64')` gives, and the SDK decodes.
    assert_eq!(base64_f32(&[json!(1.0), json!(-2.0)]), "AACAPwAAAMA=");
    assert_eq!(base64_f32(&[json!(0.5), json!(0.25), json!(-0.125)]), "AAAAPwAAgD4AAAC+");
    assert_eq!(base64_f32(&[]), "");
}

#[test]
fn gemini_vectors_are_sent_as_base64_when_asked() {
    assert_eq!(Encoding::of_request(&json!({"encoding_format": "base64"})), Encoding::Base64);
    assert_eq!(Encoding::of_request(&json!({"encoding_format": "float"})), Encoding::Float);
    assert_eq!(Encoding::of_request(&json!({})), Encoding::Float);
    let answer = json!({"embeddings": [{"values": [1.0, -2.0]}]});
    let out = openai_response(&answer, "m", Encoding::Base64).unwrap();
    assert_eq!(out["data"][0]["embedding"], "AACAPwAAAMA=");
}

#[test]
fn an_openai_compatible_answer_is_encoded_only_when_it_holds_arrays() {
    let floats = br#"{"object":"list","data":[{"object":"embedding","index":0,"embedding": [1.0,-2.0]}],"model":"m"}"#;
    let out: Value = serde_json::from_slice(&base64_vectors(floats)).unwrap();
    assert_eq!(out["data"][0]["embedding"], "AACAPwAAAMA=");
    assert_eq!(out["model"], "m");
    let honoured =
        br#"{"object":"list","data":[{"object":"embedding","index":0,"embedding":"AACAPwAAAMA="}], "model":"m"}"#;
    assert_eq!(base64_vectors(honoured), honoured.to_vec(), "byte for byte");
    assert_eq!(base64_vectors(b"not json \"embedding\":["), b"not json \"embedding\":[".to_vec());
}
