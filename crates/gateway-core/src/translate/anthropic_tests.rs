//! Unit tests of `translate::anthropic`.

use serde_json::json;

use super::*;

fn result(id: &str, content: &str) -> Part {
    Part::ToolResult(ToolResult { tool_call_id: id.into(), content: content.into(), is_error: false })
}

#[test]
fn consecutive_tool_results_and_following_text_make_one_user_turn() {
    let req = ChatRequest {
        model: "claude".into(),
        messages: vec![
            Message {
                role: Role::Assistant,
                content: vec![
                    Part::ToolCall(ToolCall {
                        id: "a".into(),
                        name: "f".into(),
                        arguments: "{\"x\":1}".into(),
                        signature: None,
                    }),
                    Part::ToolCall(ToolCall {
                        id: "b".into(),
                        name: "f".into(),
                        arguments: "".into(),
                        signature: None,
                    }),
                ],
            },
            Message { role: Role::Tool, content: vec![result("a", "one")] },
            Message { role: Role::Tool, content: vec![result("b", "two")] },
            Message::text(Role::User, "and now?"),
        ],
        temperature: Some(1.7),
        response_format: Some(ResponseFormat::JsonObject),
        tool_choice: Some(ToolChoice::Required),
        ..ChatRequest::default()
    };
    let out = request_from_ir(&req, 1000).unwrap();
    let messages = out["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["content"][0]["input"], json!({"x": 1}));
    assert_eq!(messages[0]["content"][1]["input"], json!({}), "empty arguments are an empty object");
    assert_eq!(messages[1]["role"], "user");
    let blocks: Vec<&str> =
        messages[1]["content"].as_array().unwrap().iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(blocks, ["tool_result", "tool_result", "text"]);
    assert_eq!(out["max_tokens"], 1000);
    assert_eq!(out["temperature"], 1.0);
    assert_eq!(out["tool_choice"], json!({"type": "any"}));
    assert!(out["system"].as_str().unwrap().contains("valid JSON object"));
}

#[test]
fn arguments_that_are_not_an_object_are_refused() {
    let req = ChatRequest {
        messages: vec![Message {
            role: Role::Assistant,
            content: vec![Part::ToolCall(ToolCall {
                id: "a".into(),
                name: "f".into(),
                arguments: "[1]".into(),
                signature: None,
            })],
        }],
        ..ChatRequest::default()
    };
    let e = request_from_ir(&req, 10).unwrap_err();
    assert_eq!(e.status(), 400);
    assert!(e.message().contains("\"a\""));
}

#[test]
fn a_user_turn_with_results_and_text_splits_into_tool_then_user() {
    let body = json!({"model": "c", "max_tokens": 5, "system": [{"type": "text", "text": "S1"}, {"type": "text", "text": "S2"}],
        "messages": [{"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "ok"}], "is_error": true},
            {"type": "image", "source": {"type": "url", "url": "https://example.com/a.jpg"}}
        ]}],
        "tools": [{"type": "web_search_20250305", "name": "web_search"}]});
    let req = request_to_ir(&body).unwrap();
    assert_eq!(req.system.as_deref(), Some("S1\n\nS2"));
    assert_eq!(req.messages[0].role, Role::Tool);
    assert_eq!(
        req.messages[0].content,
        vec![Part::ToolResult(ToolResult { tool_call_id: "t1".into(), content: "ok".into(), is_error: true })]
    );
    assert_eq!(req.messages[1].content, vec![Part::Image(Image::Url("https://example.com/a.jpg".into()))]);
    assert!(req.tools.is_empty(), "server tools have no IR counterpart");
}

#[test]
fn stream_usage_counts_cache_reads_and_writes_as_input() {
    let mut d = StreamDecoder::default();
    let mut events = Vec::new();
    let start = SseEvent {
        event: Some("message_start".into()),
        data: json!({"type": "message_start", "message": {"id": "m", "model": "c", "usage":
            {"input_tokens": 5, "cache_read_input_tokens": 30, "cache_creation_input_tokens": 7, "output_tokens": 1}}})
        .to_string(),
        ..SseEvent::default()
    };
    let delta = SseEvent {
        event: Some("message_delta".into()),
        data: json!({"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, "usage": {"output_tokens": 50}})
            .to_string(),
        ..SseEvent::default()
    };
    assert!(!d.decode(&start, &mut events));
    assert!(!d.decode(&delta, &mut events));
    assert_eq!(events[1], StreamEvent::Finish(FinishReason::Length));
    assert_eq!(
        events[2],
        StreamEvent::Usage(Usage {
            input_tokens: 42,
            output_tokens: 50,
            cached_input_tokens: 30,
            cache_write_input_tokens: 7,
            ..Usage::default()
        })
    );
}

#[test]
fn an_error_event_ends_the_stream() {
    let mut d = StreamDecoder::default();
    let mut events = Vec::new();
    let ev = SseEvent {
        event: Some("error".into()),
        data: r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#.into(),
        ..SseEvent::default()
    };
    assert!(d.decode(&ev, &mut events));
    assert_eq!(events, vec![StreamEvent::Error { message: "Overloaded".into(), kind: "overloaded_error".into() }]);
}

#[test]
fn usage_json_splits_cache_reads_back_out() {
    let u = Usage { input_tokens: 100, output_tokens: 20, cached_input_tokens: 40, ..Usage::default() };
    let v = usage_json(&u);
    assert_eq!((v["input_tokens"].as_u64(), v["cache_read_input_tokens"].as_u64()), (Some(60), Some(40)));
    assert_eq!(usage_of(&v), u);
}

#[test]
fn usage_beyond_u64_saturates() {
    // Found by `props::upstream_answers_are_converted_for_every_client`: the sum of input and
    // cache counts overflowed (a panic in debug builds, a wrapped count in release).
    let u =
        usage_of(&json!({"input_tokens": u64::MAX, "cache_read_input_tokens": 2, "cache_creation_input_tokens": 1}));
    assert_eq!((u.input_tokens, u.cached_input_tokens), (u64::MAX, 2));
}

#[test]
fn structured_outputs_become_a_strict_json_schema() {
    let schema = json!({"type": "object", "properties": {"answer": {"type": "number"}}, "required": ["answer"]});
    let ga = json!({"model": "m", "max_tokens": 5, "messages": [],
        "output_config": {"effort": "low", "format": {"type": "json_schema", "schema": schema}}});
    let beta = json!({"model": "m", "max_tokens": 5, "messages": [],
        "output_format": {"type": "json_schema", "schema": schema}});
    for body in [ga, beta] {
        assert_eq!(
            request_to_ir(&body).unwrap().response_format,
            Some(ResponseFormat::JsonSchema { name: "response".into(), schema: schema.clone(), strict: true }),
            "{body}"
        );
    }
    let effort_only = json!({"model": "m", "max_tokens": 5, "messages": [], "output_config": {"effort": "high"}});
    assert_eq!(request_to_ir(&effort_only).unwrap().response_format, None);
}

/// What Claude Code sends to a model it does not know: instructions inside `messages`.
fn with_system_entries() -> serde_json::Value {
    json!({"model": "m", "max_tokens": 5, "system": "You are a coding agent.", "messages": [
        {"role": "system", "content": "Skills: none."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "system", "content": [{"type": "text", "text": "Tokens left: 100."}]},
        {"role": "user", "content": "bye"}
    ]})
}

#[test]
fn system_entries_in_messages_stay_in_place() {
    let req = request_to_ir(&with_system_entries()).unwrap();
    assert_eq!(req.system.as_deref(), Some("You are a coding agent."));
    let roles: Vec<Role> = req.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::System, Role::User, Role::Assistant, Role::System, Role::User]);
    assert_eq!(req.messages[3], Message::text(Role::System, "Tokens left: 100."));
}

#[test]
fn anthropic_gets_positioned_instructions_in_its_system_prompt() {
    let out = request_from_ir(&request_to_ir(&with_system_entries()).unwrap(), 100).unwrap();
    assert_eq!(out["system"], "You are a coding agent.\n\nSkills: none.\n\nTokens left: 100.");
    let roles: Vec<&str> = out["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
}

#[test]
fn role_errors_use_anthropics_wording_without_rust_debug_output() {
    let body = |role: serde_json::Value| json!({"model": "m", "messages": [{"role": "user", "content": "a"}, {"role": role, "content": "b"}]});
    let unknown = request_to_ir(&body(json!("tool"))).unwrap_err();
    assert_eq!(unknown.message(), "messages.1.role: Input should be 'user' or 'assistant'");
    let missing = request_to_ir(&body(serde_json::Value::Null)).unwrap_err();
    assert_eq!(missing.message(), "messages.1.role: Field required");
    let not_a_list = request_to_ir(&json!({"model": "m", "messages": "hi"})).unwrap_err();
    assert_eq!((not_a_list.status(), not_a_list.message()), (400, "messages: Input should be a valid list"));
}

#[test]
fn a_translated_stream_reports_every_count_in_its_message_delta() {
    // Usage reaches a translated stream at its end, after message_start went out: message_delta
    // carries the input and the cache counts too (Anthropic's SDKs take them from it).
    let u = Usage {
        input_tokens: 260,
        output_tokens: 40,
        cached_input_tokens: 200,
        cache_write_input_tokens: 50,
        ..Usage::default()
    };
    let mut e = StreamEncoder::new();
    let mut out = Vec::new();
    for ev in [
        StreamEvent::Start { id: "m".into(), model: "gpt".into() },
        StreamEvent::TextDelta("hi".into()),
        StreamEvent::Finish(FinishReason::Stop),
        StreamEvent::Usage(u),
    ] {
        e.encode(&ev, &mut out);
    }
    e.end(&mut out);
    let text = String::from_utf8(out).unwrap();
    let delta = text.split("\n\n").find(|ev| ev.starts_with("event: message_delta")).unwrap();
    let data: Value = serde_json::from_str(delta.split_once("data: ").unwrap().1).unwrap();
    assert_eq!(
        data["usage"],
        json!({"input_tokens": 10, "cache_creation_input_tokens": 50, "cache_read_input_tokens": 200, "output_tokens": 40})
    );
    assert_eq!(usage_of(&data["usage"]), u);
}
