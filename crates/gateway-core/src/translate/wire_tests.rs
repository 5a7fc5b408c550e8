//! Unit tests of `translate::wire`: the registry, the handle, and how formats are recognised.

use serde_json::json;

use super::*;
use crate::translate::{Format, FORMATS};

#[test]
fn every_registered_format_has_its_own_id_and_equals_only_itself() {
    for (i, a) in FORMATS.iter().enumerate() {
        for (j, b) in FORMATS.iter().enumerate() {
            assert_eq!(a == b, i == j, "{a:?} vs {b:?}");
            assert_eq!(a.id() == b.id(), i == j, "ids must be unique");
        }
    }
    assert_eq!(format!("{:?}", Format::ANTHROPIC), "Anthropic");
}

#[test]
fn each_format_claims_its_own_chat_paths_and_no_other() {
    let cases = [
        ("/v1/chat/completions", Some(Format::OPENAI)),
        ("/v1/messages", Some(Format::ANTHROPIC)),
        ("/v1beta/models/gemini-pro:generateContent", Some(Format::GEMINI)),
        ("/v1beta/models/gemini-pro:streamGenerateContent", Some(Format::GEMINI)),
        ("/v1/responses", Some(Format::RESPONSES)),
        ("/v1/responses/resp_1/input_items", None),
        ("/v1/embeddings", None),
        ("/v1/messages/count_tokens", None),
    ];
    for (path, format) in cases {
        assert_eq!(Format::of_chat_path(path), format, "{path}");
    }
}

#[test]
fn streams_are_claimed_by_their_path_whoever_serves_them() {
    let cases = [
        ("/v1/chat/completions", Some(Format::OPENAI)),
        ("/v1/completions", Some(Format::OPENAI)),
        ("/v1/messages", Some(Format::ANTHROPIC)),
        ("/threads/t/messages", None),
        ("/v1beta/models/gemini-pro:streamGenerateContent", Some(Format::GEMINI)),
        ("/v1beta/models/gemini-pro%3AstreamGenerateContent", Some(Format::GEMINI)),
        ("/v1beta/models/gemini-pro:generateContent", None),
        ("/v1/responses", Some(Format::RESPONSES)),
        ("/openai/v1/responses/resp_1", Some(Format::RESPONSES)),
        ("/v1/responses/resp_1/input_items", None),
    ];
    for (path, format) in cases {
        assert_eq!(Format::streamed_at(path), format, "{path}");
    }
}

#[test]
fn answers_are_recognised_by_the_members_only_their_format_has() {
    assert_eq!(Format::of_answer(&json!({"choices": []})), Some(Format::OPENAI));
    assert_eq!(Format::of_answer(&json!({"candidates": []})), Some(Format::GEMINI));
    assert_eq!(Format::of_answer(&json!({"type": "message", "content": []})), Some(Format::ANTHROPIC));
    assert_eq!(Format::of_answer(&json!({"type": "content_block_delta"})), Some(Format::ANTHROPIC));
    // The Responses API's typed events and answers are its own, not taken for Anthropic's.
    assert_eq!(Format::of_answer(&json!({"type": "response.output_text.delta"})), Some(Format::RESPONSES));
    assert_eq!(Format::of_answer(&json!({"object": "response", "output": []})), Some(Format::RESPONSES));
    assert_eq!(Format::of_answer(&json!({"data": []})), None);
}

#[test]
fn a_path_method_is_read_with_a_plain_or_an_encoded_colon() {
    assert_eq!(path_method("/models/m:streamGenerateContent"), Some("streamGenerateContent"));
    assert_eq!(path_method("/models/m%3agenerateContent"), Some("generateContent"));
    assert_eq!(path_method("/v1/chat/completions"), None);
    assert_eq!(last_segments("/v1/messages"), ("v1", "messages"));
    assert_eq!(last_segments("messages"), ("", "messages"));
}
