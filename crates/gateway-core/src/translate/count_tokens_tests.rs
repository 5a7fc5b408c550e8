//! Unit tests of `translate::count_tokens`.

use serde_json::json;

use super::*;
use crate::translate::{parse_request, Format};

fn anthropic(body: serde_json::Value) -> ChatRequest {
    parse_request(Format::ANTHROPIC, body.to_string().as_bytes(), None).unwrap()
}

#[test]
fn the_estimate_counts_text_calls_results_tools_and_images() {
    let text_only =
        anthropic(json!({"model": "m", "system": "abcd", "messages": [{"role": "user", "content": "efghi"}]}));
    assert_eq!(estimate(&text_only), 3, "9 characters, rounded up");
    let everything = anthropic(json!({"model": "m", "messages": [
        {"role": "user", "content": [{"type": "text", "text": "12345678"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0K"}}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "get", "input": {"a": 1}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "abcd"}]}
    ], "tools": [{"name": "get", "description": "desc", "input_schema": {"type": "object"}}]}));
    // 8 + ("get" + {"a":1}: 3 + 7) + 4 + ("get" + "desc" + {"type":"object"}: 3 + 4 + 17) = 46 → 12 tokens.
    assert_eq!(estimate(&everything), 12 + TOKENS_PER_IMAGE);
}

#[test]
fn gemini_counts_the_whole_translated_request() {
    let request =
        anthropic(json!({"model": "m", "system": "Be brief.", "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"name": "get", "input_schema": {"type": "object", "properties": {}}}]}));
    let body = gemini_request(&request, "gemini-2.5-flash").unwrap();
    let inner = &body["generateContentRequest"];
    assert_eq!(inner["model"], "models/gemini-2.5-flash");
    assert_eq!(inner["systemInstruction"]["parts"][0]["text"], "Be brief.");
    assert_eq!(inner["contents"][0]["parts"][0]["text"], "hi");
    assert_eq!(inner["tools"][0]["functionDeclarations"][0]["name"], "get");
    assert_eq!(gemini_path("models/gemini-2.5-flash"), "v1beta/models/gemini-2.5-flash:countTokens");
    assert_eq!(
        from_gemini(&json!({"totalTokens": 31, "promptTokensDetails": []})).unwrap(),
        json!({"input_tokens": 31})
    );
    assert_eq!(from_gemini(&json!({})).unwrap_err().status(), 502);
}
