//! Unit tests of `translate::openai`.

use serde_json::json;

use super::*;

#[test]
fn request_gathers_system_and_developer_messages_and_reads_options() {
    let body = json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "developer", "content": [{"type": "text", "text": "Be brief."}]},
            {"role": "system", "content": "Answer in French."},
            {"role": "user", "content": "Hi"}
        ],
        "max_tokens": 10, "max_completion_tokens": 20, "stop": "END",
        "stream": true, "stream_options": {"include_usage": true},
        "tool_choice": {"type": "function", "function": {"name": "lookup"}},
        "response_format": {"type": "json_schema", "json_schema": {"name": "out", "schema": {"type": "object"}, "strict": true}}
    });
    let req = request_to_ir(&body).unwrap();
    assert_eq!(req.system.as_deref(), Some("Be brief.\n\nAnswer in French."));
    assert_eq!(req.messages, vec![Message::text(Role::User, "Hi")]);
    assert_eq!(req.max_tokens, Some(20), "max_completion_tokens wins");
    assert_eq!(req.stop, vec!["END".to_string()]);
    assert!(req.stream && req.include_usage);
    assert_eq!(req.tool_choice, Some(ToolChoice::Named("lookup".into())));
    assert_eq!(
        req.response_format,
        Some(ResponseFormat::JsonSchema { name: "out".into(), schema: json!({"type": "object"}), strict: true })
    );
}

#[test]
fn include_usage_needs_a_stream_and_plain_urls_stay_urls() {
    let body = json!({"model": "m", "stream_options": {"include_usage": true}, "messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}
    ]});
    let req = request_to_ir(&body).unwrap();
    assert!(!req.include_usage);
    assert_eq!(req.messages[0].content, vec![Part::Image(Image::Url("https://example.com/cat.png".into()))]);
}

#[test]
fn bad_role_and_missing_messages_name_the_field() {
    let e = request_to_ir(&json!({"model": "m", "messages": [{"role": "robot", "content": "x"}]})).unwrap_err();
    assert!(e.message().contains("messages[0].role"), "{}", e.message());
    let e = request_to_ir(&json!({"model": "m"})).unwrap_err();
    assert!(e.message().contains("`messages`"));
}

#[test]
fn emitted_tool_results_come_before_the_user_text_of_the_same_turn() {
    let req = ChatRequest {
        model: "m".into(),
        messages: vec![Message {
            role: Role::User,
            content: vec![
                Part::ToolResult(ToolResult { tool_call_id: "c1".into(), content: "42".into(), is_error: true }),
                Part::Text("thanks".into()),
            ],
        }],
        stream: true,
        include_usage: true,
        ..ChatRequest::default()
    };
    let out = request_from_ir(&req);
    assert_eq!(out["messages"][0], json!({"role": "tool", "tool_call_id": "c1", "content": "42"}));
    assert_eq!(out["messages"][1], json!({"role": "user", "content": "thanks"}));
    assert_eq!(out["stream_options"], json!({"include_usage": true}));
    assert!(out.get("max_tokens").is_none());
}

#[test]
fn response_reads_cached_tokens_and_finish_reasons() {
    let v = json!({"id": "x", "model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 3, "prompt_tokens_details": {"cached_tokens": 4}}});
    let r = response_to_ir(&v).unwrap();
    assert_eq!(r.finish_reason, FinishReason::Length);
    assert_eq!(r.usage, Some(Usage { input_tokens: 9, output_tokens: 3, cached_input_tokens: 4, ..Usage::default() }));
    assert!(response_to_ir(&json!({"choices": []})).is_err());
}

#[test]
fn encoder_leaves_out_the_usage_chunk_unless_asked() {
    let mut e = StreamEncoder::new(false, 5);
    let mut out = Vec::new();
    e.encode(&StreamEvent::Start { id: "id1".into(), model: "m".into() }, &mut out);
    e.encode(&StreamEvent::Usage(Usage { input_tokens: 1, ..Usage::default() }), &mut out);
    e.end(&mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains("\"usage\""), "{text}");
    assert!(text.starts_with("data: {") && text.ends_with("data: [DONE]\n\n"));
    assert!(text.contains("\"role\":\"assistant\""));
}

#[test]
fn error_types_are_normalized() {
    let e = error_to_ir(
        401,
        &json!({"error": {"message": "Incorrect API key", "type": "invalid_request_error", "code": "invalid_api_key"}}),
    );
    assert_eq!(e.kind, "authentication_error");
    let e = error_to_ir(500, &json!({"error": {"message": "boom", "type": "server_error"}}));
    assert_eq!(e.kind, "api_error");
}

#[test]
fn total_tokens_saturate() {
    // Found by `props::upstream_answers_are_converted_for_every_client`.
    let u = usage_of(&json!({"prompt_tokens": u64::MAX, "completion_tokens": 1}));
    assert_eq!(usage_json(&u)["total_tokens"], u64::MAX);
}

#[test]
fn a_schema_strict_mode_cannot_take_is_sent_non_strict() {
    let emitted = |schema: serde_json::Value| {
        let req = ChatRequest {
            response_format: Some(ResponseFormat::JsonSchema { name: "response".into(), schema, strict: true }),
            ..ChatRequest::default()
        };
        request_from_ir(&req)["response_format"]["json_schema"]["strict"].clone()
    };
    let closed = json!({"type": "object", "additionalProperties": false, "required": ["a", "b"], "properties": {
        "a": {"type": "string"},
        // A property named like a keyword is not a schema keyword.
        "b": {"type": "array", "items": {"type": "object", "properties": {"required": {"type": "string"}},
              "required": ["required"], "additionalProperties": false}}
    }});
    assert_eq!(emitted(closed), json!(true));
    let optional = json!({"type": "object", "additionalProperties": false, "required": [], "properties": {"a": {"type": "string"}}});
    assert_eq!(emitted(optional), json!(false));
    let open_nested = json!({"type": "object", "additionalProperties": false, "required": ["a"],
        "properties": {"a": {"type": "object", "properties": {}}}});
    assert_eq!(emitted(open_nested), json!(false));
}

#[test]
fn positioned_instructions_are_system_messages_in_place_after_any_tool_results() {
    let call = |id: &str| {
        Part::ToolCall(ToolCall { id: id.into(), name: "f".into(), arguments: "{}".into(), signature: None })
    };
    let result = |id: &str| Message {
        role: Role::Tool,
        content: vec![Part::ToolResult(ToolResult { tool_call_id: id.into(), content: "ok".into(), is_error: false })],
    };
    let req = ChatRequest {
        system: Some("S".into()),
        messages: vec![
            Message::text(Role::User, "hi"),
            Message::text(Role::System, "first"),
            Message { role: Role::Assistant, content: vec![call("a"), call("b")] },
            // Between the calls and their results: OpenAI needs the results right after the calls.
            Message::text(Role::System, "second"),
            result("a"),
            result("b"),
            Message::text(Role::User, "next"),
        ],
        ..ChatRequest::default()
    };
    let out = request_from_ir(&req);
    let sequence: Vec<String> = out["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}:{}",
                m["role"].as_str().unwrap(),
                m["content"].as_str().or(m["tool_call_id"].as_str()).unwrap_or("calls")
            )
        })
        .collect();
    assert_eq!(
        sequence,
        ["system:S", "user:hi", "system:first", "assistant:calls", "tool:ok", "tool:ok", "system:second", "user:next"]
    );
}

#[test]
fn role_errors_quote_the_value_as_json() {
    let e = request_to_ir(&json!({"messages": [{"role": "bot", "content": "x"}]})).unwrap_err();
    assert_eq!(
        e.message(),
        "messages[0].role: invalid value \"bot\"; supported values are system, developer, user, assistant and tool"
    );
}

#[test]
fn reasoning_models_get_max_completion_tokens() {
    let emitted = |model: &str| {
        let req = ChatRequest { model: model.into(), max_tokens: Some(64), ..ChatRequest::default() };
        let out = request_from_ir(&req);
        (out.get("max_tokens").cloned(), out.get("max_completion_tokens").cloned())
    };
    for model in ["o1", "o1-preview", "o3-mini", "o3-pro", "o4-mini-2025-04-16", "gpt-5", "gpt-5-mini", "gpt-5.1-codex"]
    {
        assert_eq!(emitted(model), (None, Some(json!(64))), "{model}");
    }
    for model in ["gpt-4o", "gpt-4.1-mini", "omni-moderation-latest", "openai/o3", "llama-3.1-8b-instant"] {
        assert_eq!(emitted(model), (Some(json!(64)), None), "{model}");
    }
}
