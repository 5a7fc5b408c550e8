//! Unit tests of `translate::gemini`.

use serde_json::json;

use super::*;
use crate::translate::{parse_request, tests::fixture, Format};

#[test]
fn upstream_paths() {
    assert_eq!(
        upstream_path("gemini-2.5-flash", false),
        ("v1beta/models/gemini-2.5-flash:generateContent".into(), None)
    );
    assert_eq!(
        upstream_path("models/gemini-2.5-flash", true),
        ("v1beta/models/gemini-2.5-flash:streamGenerateContent".into(), Some("alt=sse"))
    );
}

#[test]
fn function_responses_are_named_from_the_earlier_call() {
    let req = parse_request(Format::OPENAI, &fixture(Format::OPENAI, "tool_result.request.json"), None).unwrap();
    let out = request_from_ir(&req).unwrap();
    assert_eq!(out["contents"][1]["role"], "model");
    assert_eq!(
        out["contents"][1]["parts"][0]["functionCall"],
        json!({"name": "get_weather", "args": {"city": "Paris"}})
    );
    assert_eq!(out["contents"][2]["role"], "user");
    assert_eq!(
        out["contents"][2]["parts"][0]["functionResponse"],
        json!({"name": "get_weather", "response": {"content": "18°C and sunny"}})
    );
    assert_eq!(out["toolConfig"], json!({"functionCallingConfig": {"mode": "AUTO"}}));
}

#[test]
fn a_result_without_its_call_is_refused() {
    let req = ChatRequest {
        messages: vec![Message {
            role: Role::Tool,
            content: vec![Part::ToolResult(ToolResult {
                tool_call_id: "x".into(),
                content: "{}".into(),
                is_error: false,
            })],
        }],
        ..ChatRequest::default()
    };
    let e = request_from_ir(&req).unwrap_err();
    assert!(e.message().contains("\"x\"") && e.message().contains("function name"), "{}", e.message());
}

#[test]
fn json_schema_and_named_tool_choice() {
    let req = ChatRequest {
        tools: vec![Tool {
            name: "f".into(),
            description: None,
            parameters: json!({"$schema": "x", "type": "object", "additionalProperties": false, "properties": {"a": {"type": "object", "additionalProperties": false}}}),
        }],
        tool_choice: Some(ToolChoice::Named("f".into())),
        response_format: Some(ResponseFormat::JsonSchema {
            name: "n".into(),
            schema: json!({"type": "object", "additionalProperties": false}),
            strict: true,
        }),
        max_tokens: Some(9),
        ..ChatRequest::default()
    };
    let out = request_from_ir(&req).unwrap();
    assert_eq!(
        out["tools"][0]["functionDeclarations"][0]["parameters"],
        json!({"type": "object", "properties": {"a": {"type": "object"}}})
    );
    assert_eq!(out["toolConfig"]["functionCallingConfig"], json!({"mode": "ANY", "allowedFunctionNames": ["f"]}));
    assert_eq!(
        out["generationConfig"],
        json!({"maxOutputTokens": 9, "responseMimeType": "application/json", "responseSchema": {"type": "object"}})
    );
}

#[test]
fn two_calls_of_one_function_are_answered_in_order() {
    let body = json!({"contents": [
        {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {"n": 1}}}, {"functionCall": {"name": "f", "args": {"n": 2}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {"v": 1}}}, {"functionResponse": {"name": "f", "response": {"v": 2}}}]}
    ]});
    let req = request_to_ir(&body).unwrap();
    let ids: Vec<&str> = req.messages[1]
        .content
        .iter()
        .map(|p| if let Part::ToolResult(r) = p { r.tool_call_id.as_str() } else { "" })
        .collect();
    assert_eq!(ids, ["call_0", "call_1"]);
    let Part::ToolResult(r) = &req.messages[1].content[1] else { panic!() };
    assert_eq!(r.content, "{\"v\":2}");
}

#[test]
fn safety_stops_and_blocked_prompts_are_content_filter() {
    let r = response_to_ir(&json!({"candidates": [{"content": {"parts": [{"text": "x", "thought": true}, {"text": "ok"}]}, "finishReason": "SAFETY"}]})).unwrap();
    assert_eq!(r.finish_reason, FinishReason::ContentFilter);
    let thought = Part::Reasoning(Thought { text: "x".into(), signature: None });
    assert_eq!(r.content, vec![thought, Part::Text("ok".into())], "thought parts are thinking, not answer text");
    let r = response_to_ir(&json!({"promptFeedback": {"blockReason": "SAFETY"}})).unwrap();
    assert_eq!((r.finish_reason, r.content.len()), (FinishReason::ContentFilter, 0));
    assert!(response_to_ir(&json!({})).is_err());
}

#[test]
fn url_images_become_file_data_with_a_guessed_type() {
    let req = ChatRequest {
        messages: vec![Message {
            role: Role::User,
            content: vec![Part::Image(Image::Url("https://x.test/a.webp?s=1".into()))],
        }],
        ..ChatRequest::default()
    };
    let out = request_from_ir(&req).unwrap();
    assert_eq!(
        out["contents"][0]["parts"][0],
        json!({"fileData": {"mimeType": "image/webp", "fileUri": "https://x.test/a.webp?s=1"}})
    );
}

#[test]
fn error_statuses_map_both_ways() {
    let e = error_to_ir(403, &json!({"error": {"code": 403, "message": "no", "status": "PERMISSION_DENIED"}}));
    assert_eq!(e.kind, "permission_error");
    assert_eq!(error_from_ir(&e)["error"]["status"], "PERMISSION_DENIED");
}

#[test]
fn usage_beyond_u64_saturates() {
    // Found by `props::upstream_answers_are_converted_for_every_client`: candidates plus thoughts,
    // and the emitted total, overflowed.
    let u = usage_of(&json!({"promptTokenCount": u64::MAX, "candidatesTokenCount": u64::MAX, "thoughtsTokenCount": 1}));
    assert_eq!(u.output_tokens, u64::MAX);
    assert_eq!(usage_json(&u)["totalTokenCount"], u64::MAX);
}

#[test]
fn positioned_instructions_fold_into_the_user_turn_next_to_them() {
    let body = json!({"model": "m", "max_tokens": 5, "messages": [
        {"role": "system", "content": "Skills: none."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "bye"},
        {"role": "system", "content": "Tokens left: 100."}
    ]});
    let req = parse_request(Format::ANTHROPIC, body.to_string().as_bytes(), None).unwrap();
    let out = request_from_ir(&req).unwrap();
    assert_eq!(
        out["contents"],
        json!([
            {"role": "user", "parts": [{"text": "Skills: none."}, {"text": "hi"}]},
            {"role": "model", "parts": [{"text": "hello"}]},
            {"role": "user", "parts": [{"text": "bye"}, {"text": "Tokens left: 100."}]}
        ])
    );
}

#[test]
fn a_function_without_parameters_declares_none() {
    let tool = |parameters: serde_json::Value| Tool { name: "now".into(), description: None, parameters };
    let req = ChatRequest {
        tools: vec![
            tool(json!({"type": "object", "properties": {}})),
            tool(json!({"type": "object", "properties": {"x": {"type": "integer", "exclusiveMinimum": 1}}})),
        ],
        ..ChatRequest::default()
    };
    let out = request_from_ir(&req).unwrap();
    assert_eq!(out["tools"][0]["functionDeclarations"][0], json!({"name": "now"}));
    assert_eq!(
        out["tools"][0]["functionDeclarations"][1]["parameters"],
        json!({"type": "object", "properties": {"x": {"type": "integer", "minimum": 2}}})
    );
}
