//! Unit tests of `translate::responses`. The bodies and streams are written from the Responses
//! API reference (platform.openai.com/docs/api-reference/responses and
//! .../responses-streaming).

use serde_json::{json, Value};

use super::*;
use crate::sse::SseParser;

// ---- requests ----

#[test]
fn string_input_with_instructions_and_options() {
    let body = json!({
        "model": "gpt-4.1",
        "instructions": "Talk like a pirate.",
        "input": "Are semicolons optional in JavaScript?",
        "max_output_tokens": 256, "temperature": 0.2, "top_p": 0.9, "stream": true,
        "tools": [{"type": "function", "name": "get_weather", "description": "Weather of a city",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": true}],
        "tool_choice": {"type": "function", "name": "get_weather"},
        "text": {"format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}, "strict": true}},
        "reasoning": {"effort": "low"}, "store": true, "metadata": {"k": "v"}
    });
    let req = request_to_ir(&body).unwrap();
    assert_eq!(req.model, "gpt-4.1");
    assert_eq!(req.system.as_deref(), Some("Talk like a pirate."));
    assert_eq!(req.messages, vec![Message::text(Role::User, "Are semicolons optional in JavaScript?")]);
    assert_eq!((req.max_tokens, req.temperature, req.top_p), (Some(256), Some(0.2), Some(0.9)));
    assert!(req.stream && req.include_usage, "Responses streams always report usage");
    assert_eq!(
        req.tools,
        vec![Tool {
            name: "get_weather".into(),
            description: Some("Weather of a city".into()),
            parameters: json!({"type": "object", "properties": {"city": {"type": "string"}}}),
        }]
    );
    assert_eq!(req.tool_choice, Some(ToolChoice::Named("get_weather".into())));
    assert_eq!(
        req.response_format,
        Some(ResponseFormat::JsonSchema { name: "answer".into(), schema: json!({"type": "object"}), strict: true })
    );
    assert_eq!(req.reasoning, Some(Reasoning::Effort(ReasoningEffort::Low)));
}

fn call(id: &str, name: &str, arguments: &str) -> Part {
    Part::ToolCall(ToolCall { id: id.into(), name: name.into(), arguments: arguments.into(), signature: None })
}

fn result(id: &str, content: &str) -> Message {
    Message {
        role: Role::Tool,
        content: vec![Part::ToolResult(ToolResult {
            tool_call_id: id.into(),
            content: content.into(),
            is_error: false,
        })],
    }
}

#[test]
fn item_list_with_a_function_call_loop() {
    let body = json!({"model": "gpt-4.1", "instructions": "Be brief.", "input": [
        {"role": "developer", "content": "Use metric units."},
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Checking.", "annotations": []}]},
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
        {"type": "function_call", "id": "fc_2", "call_id": "call_2", "name": "get_weather", "arguments": "{\"city\":\"Rome\"}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "18C"},
        {"type": "function_call_output", "call_id": "call_2", "output": [{"type": "input_text", "text": "2"}, {"type": "input_text", "text": "1C"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Thanks"}]}
    ]});
    let req = request_to_ir(&body).unwrap();
    assert_eq!(req.system.as_deref(), Some("Be brief.\n\nUse metric units."));
    assert_eq!(
        req.messages,
        vec![
            Message::text(Role::User, "Weather in Paris and Rome?"),
            Message {
                role: Role::Assistant,
                content: vec![
                    Part::Text("Checking.".into()),
                    call("call_1", "get_weather", "{\"city\":\"Paris\"}"),
                    call("call_2", "get_weather", "{\"city\":\"Rome\"}"),
                ],
            },
            result("call_1", "18C"),
            result("call_2", "21C"),
            Message::text(Role::User, "Thanks"),
        ]
    );
}

#[test]
fn a_function_call_after_a_result_starts_a_new_assistant_turn() {
    let body = json!({"input": [
        {"type": "function_call", "call_id": "a", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "a", "output": "1"},
        {"type": "function_call", "call_id": "b", "name": "f"}
    ]});
    let req = request_to_ir(&body).unwrap();
    assert_eq!(
        req.messages,
        vec![
            Message { role: Role::Assistant, content: vec![call("a", "f", "{}")] },
            result("a", "1"),
            Message { role: Role::Assistant, content: vec![call("b", "f", "")] },
        ]
    );
}

#[test]
fn images_by_url_and_data_url() {
    let body = json!({"model": "m", "input": [{"role": "user", "content": [
        {"type": "input_text", "text": "What is in these?"},
        {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "high"},
        {"type": "input_image", "image_url": "data:image/jpeg;base64,/9j/4AAQ"},
        {"type": "input_file", "file_id": "file-1"}
    ]}]});
    let req = request_to_ir(&body).unwrap();
    assert_eq!(
        req.messages[0].content,
        vec![
            Part::Text("What is in these?".into()),
            Part::Image(Image::Url("https://example.com/cat.png".into())),
            Part::Image(Image::Base64 { media_type: "image/jpeg".into(), data: "/9j/4AAQ".into() }),
        ]
    );
    let by_file = json!({"input": [{"role": "user", "content": [{"type": "input_image", "file_id": "file-1"}]}]});
    let e = request_to_ir(&by_file).unwrap_err();
    assert!(e.message().starts_with("input[0].content[0].image_url is missing"), "{}", e.message());
}

#[test]
fn text_formats_and_tool_choice_strings() {
    let format = |f: Value| request_to_ir(&json!({"input": "x", "text": {"format": f}})).unwrap().response_format;
    assert_eq!(format(json!({"type": "text"})), Some(ResponseFormat::Text));
    assert_eq!(format(json!({"type": "json_object"})), Some(ResponseFormat::JsonObject));
    assert_eq!(
        format(json!({"type": "json_schema", "schema": {"type": "object"}})),
        Some(ResponseFormat::JsonSchema { name: "response".into(), schema: json!({"type": "object"}), strict: false })
    );
    let choice = |c: &str| request_to_ir(&json!({"input": "x", "tool_choice": c})).unwrap().tool_choice;
    assert_eq!(choice("auto"), Some(ToolChoice::Auto));
    assert_eq!(choice("none"), Some(ToolChoice::None));
    assert_eq!(choice("required"), Some(ToolChoice::Required));
}

#[test]
fn malformed_fields_are_refused_naming_the_field() {
    let cases = [
        (json!({"model": "m"}), "`input` must be a string or an array"),
        (json!({"input": 3}), "`input` must be a string or an array"),
        (json!({"input": [{"role": "robot", "content": "x"}]}), "input[0].role: invalid value \"robot\""),
        (json!({"input": [{"role": "user", "content": 7}]}), "input[0].content must be a string or an array"),
        (json!({"input": [{"content": "x"}]}), "input[0].type is missing"),
        (json!({"input": ["x", {"type": "item_reference", "id": "msg_1"}]}), "input[0].type is missing"),
        (
            json!({"input": [{"type": "item_reference", "id": "msg_1"}]}),
            "input[0].type: unsupported item type \"item_reference\"",
        ),
        (json!({"input": [{"type": "function_call", "name": "f"}]}), "input[0].call_id is missing"),
        (json!({"input": [{"type": "function_call", "call_id": "c"}]}), "input[0].name is missing"),
        (
            json!({"input": [{"type": "function_call", "call_id": "c", "name": "f", "arguments": {}}]}),
            "input[0].arguments must be a string",
        ),
        (
            json!({"input": [{"type": "function_call_output", "call_id": "c"}]}),
            "input[0].output must be a string or an array",
        ),
        (json!({"input": [{"type": "function_call_output", "output": "x"}]}), "input[0].call_id is missing"),
        (
            json!({"input": [{"role": "user", "content": [{"type": "input_text"}]}]}),
            "input[0].content[0].text must be a string",
        ),
        (json!({"input": "x", "instructions": ["a"]}), "instructions must be a string"),
        (json!({"input": "x", "tools": [{"type": "function"}]}), "tools[0].name is missing"),
        (json!({"input": "x", "tools": [{"name": "f"}]}), "tools[0].type is missing"),
        (json!({"input": "x", "tools": {}}), "tools must be an array"),
        (json!({"input": "x", "tool_choice": "any"}), "tool_choice: invalid value \"any\""),
        (
            json!({"input": "x", "tool_choice": {"type": "file_search"}}),
            "tool_choice.type: invalid value \"file_search\"",
        ),
        (json!({"input": "x", "tool_choice": {"type": "function"}}), "tool_choice.name is missing"),
        (json!({"input": "x", "tool_choice": 1}), "tool_choice must be a string or an object"),
        (json!({"input": "x", "text": {"format": {"type": "yaml"}}}), "text.format.type: invalid value \"yaml\""),
        (
            json!({"input": "x", "text": {"format": {"type": "json_schema", "name": "n"}}}),
            "text.format.schema must be a JSON schema object",
        ),
        (
            json!({"input": "x", "text": {"format": {"type": "json_schema", "schema": {}, "strict": "yes"}}}),
            "text.format.strict must be a boolean",
        ),
        (json!({"input": "x", "max_output_tokens": "10"}), "max_output_tokens must be a non-negative integer"),
        (json!({"input": "x", "max_output_tokens": -1}), "max_output_tokens must be a non-negative integer"),
        (json!({"input": "x", "temperature": "hot"}), "temperature must be a number"),
        (json!({"input": "x", "top_p": true}), "top_p must be a number"),
        (json!({"input": "x", "stream": "yes"}), "stream must be a boolean"),
        (json!({"input": "x", "previous_response_id": "resp_1"}), "previous_response_id is not supported"),
        (json!({"input": "x", "conversation": "conv_1"}), "conversation is not supported"),
    ];
    for (body, expected) in cases {
        let e = request_to_ir(&body).unwrap_err();
        assert_eq!(e.status(), 400, "{body}");
        assert!(e.message().starts_with(expected), "{body}: {}", e.message());
    }
}

#[test]
fn only_function_tools_are_offered_built_in_tools_and_namespaces_are_left_out() {
    // What Codex offers: functions, a namespace of sub-agent functions, cached web search.
    let req = request_to_ir(&json!({"input": "x", "tools": [
        {"type": "function", "name": "exec_command", "parameters": {"type": "object", "properties": {}}},
        {"type": "namespace", "name": "multi_agent_v1", "description": "Sub-agents.",
         "tools": [{"type": "function", "name": "close_agent", "parameters": {"type": "object"}}]},
        {"type": "web_search", "external_web_access": false},
        {"type": "file_search"},
        {"type": "function", "name": "view_image"},
    ]}))
    .unwrap();
    let names: Vec<&str> = req.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["exec_command", "view_image"]);
}

#[test]
fn refused_server_state_says_why_and_what_to_send_instead() {
    let e =
        request_to_ir(&json!({"input": "And Spain?", "previous_response_id": "resp_1", "store": true})).unwrap_err();
    for needed in ["no conversation state", "`store`", "whole conversation in `input`"] {
        assert!(e.message().contains(needed), "{needed}: {}", e.message());
    }
}

#[test]
fn null_fields_count_as_absent() {
    let body = json!({"input": "x", "instructions": null, "max_output_tokens": null, "temperature": null,
        "stream": null, "tools": null, "tool_choice": null, "text": null, "previous_response_id": null});
    assert_eq!(
        request_to_ir(&body).unwrap(),
        ChatRequest { messages: vec![Message::text(Role::User, "x")], ..ChatRequest::default() }
    );
}

/// A conversation using everything the IR holds that Responses can express.
fn full_request() -> ChatRequest {
    ChatRequest {
        model: "gpt-4.1".into(),
        system: Some("Be brief.".into()),
        messages: vec![
            Message {
                role: Role::User,
                content: vec![
                    Part::Text("Weather here?".into()),
                    Part::Image(Image::Url("https://example.com/sky.png".into())),
                    Part::Image(Image::Base64 { media_type: "image/png".into(), data: "iVBORw0KGgo=".into() }),
                ],
            },
            Message {
                role: Role::Assistant,
                content: vec![
                    Part::Text("Let me look.".into()),
                    call("call_1", "get_weather", "{\"city\":\"Paris\"}"),
                    call("call_2", "get_time", "{}"),
                ],
            },
            result("call_1", "18C"),
            result("call_2", "noon"),
            Message::text(Role::Assistant, "Sunny, 18C."),
            Message::text(Role::User, "Thanks"),
        ],
        tools: vec![Tool {
            name: "get_weather".into(),
            description: Some("Weather of a city".into()),
            parameters: json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}),
        }],
        tool_choice: Some(ToolChoice::Required),
        max_tokens: Some(100),
        temperature: Some(0.5),
        top_p: Some(0.8),
        stream: true,
        include_usage: true,
        response_format: Some(ResponseFormat::JsonSchema {
            name: "out".into(),
            schema: json!({"type": "object"}),
            strict: true,
        }),
        ..ChatRequest::default()
    }
}

#[test]
fn emitted_request_has_the_responses_shape() {
    let mut req = full_request();
    req.stop = vec!["END".into()];
    let out = request_from_ir(&req);
    assert_eq!(out["model"], "gpt-4.1");
    assert_eq!(out["instructions"], "Be brief.");
    assert_eq!(out["store"], false, "the gateway keeps no state");
    assert_eq!(out["max_output_tokens"], 100);
    assert!(out.get("stop").is_none() && out.get("max_tokens").is_none() && out.get("messages").is_none());
    assert_eq!(
        out["input"],
        json!([
            {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "Weather here?"},
                {"type": "input_image", "image_url": "https://example.com/sky.png", "detail": "auto"},
                {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=", "detail": "auto"}
            ]},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Let me look."}]},
            {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
            {"type": "function_call", "call_id": "call_2", "name": "get_time", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "18C"},
            {"type": "function_call_output", "call_id": "call_2", "output": "noon"},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Sunny, 18C."}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Thanks"}]}
        ])
    );
    assert_eq!(out["tools"][0]["type"], "function");
    assert_eq!(out["tools"][0]["name"], "get_weather");
    assert_eq!(out["tools"][0]["strict"], false, "Responses would otherwise assume strict schemas");
    assert_eq!(out["tool_choice"], "required");
    assert_eq!(
        out["text"],
        json!({"format": {"type": "json_schema", "name": "out", "schema": {"type": "object"}, "strict": true}})
    );
    let named = ChatRequest { tool_choice: Some(ToolChoice::Named("f".into())), ..ChatRequest::default() };
    assert_eq!(request_from_ir(&named)["tool_choice"], json!({"type": "function", "name": "f"}));
}

#[test]
fn the_reasoning_effort_goes_to_reasoning_models_only() {
    let effort = |model: &str, reasoning| {
        let req = ChatRequest { model: model.into(), reasoning: Some(reasoning), ..ChatRequest::default() };
        request_from_ir(&req).get("reasoning").cloned()
    };
    assert_eq!(effort("o4-mini", Reasoning::Effort(ReasoningEffort::High)), Some(json!({"effort": "high"})));
    assert_eq!(effort("gpt-5-mini", Reasoning::Budget(2048)), Some(json!({"effort": "low"})));
    assert_eq!(effort("gpt-4.1", Reasoning::Effort(ReasoningEffort::High)), None, "gpt-4.1 would refuse it");
    let read =
        |effort: &str| request_to_ir(&json!({"input": "hi", "reasoning": {"effort": effort}})).map(|r| r.reasoning);
    assert_eq!(read("none").unwrap(), Some(Reasoning::Off));
    assert!(read("extreme").unwrap_err().to_string().contains("reasoning.effort: invalid value \"extreme\""));
}

#[test]
fn anthropic_style_results_and_positioned_instructions_become_items() {
    let req = ChatRequest {
        messages: vec![
            Message { role: Role::Assistant, content: vec![call("t1", "f", "{}")] },
            Message {
                role: Role::User,
                content: vec![
                    Part::ToolResult(ToolResult { tool_call_id: "t1".into(), content: "ok".into(), is_error: true }),
                    Part::Text("go on".into()),
                ],
            },
            Message::text(Role::System, "Now be formal."),
        ],
        ..ChatRequest::default()
    };
    let out = request_from_ir(&req);
    let types: Vec<String> = out["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| format!("{}:{}", i["type"].as_str().unwrap(), i["role"].as_str().unwrap_or("-")))
        .collect();
    assert_eq!(types, ["function_call:-", "function_call_output:-", "message:user", "message:system"]);
    assert_eq!(out["input"][3]["content"], "Now be formal.");
    assert!(out.get("instructions").is_none() && out.get("stream").is_none());
}

#[test]
fn requests_round_trip_through_responses() {
    let mut stop_free = full_request();
    stop_free.stream = false;
    stop_free.include_usage = false;
    let plain =
        ChatRequest { model: "m".into(), messages: vec![Message::text(Role::User, "hi")], ..ChatRequest::default() };
    let formats = [ResponseFormat::Text, ResponseFormat::JsonObject];
    let mut requests = vec![full_request(), stop_free, plain];
    for (i, f) in formats.into_iter().enumerate() {
        requests.push(ChatRequest {
            response_format: Some(f),
            tool_choice: Some([ToolChoice::None, ToolChoice::Named("g".into())][i].clone()),
            ..full_request()
        });
    }
    for req in requests {
        let body = request_from_ir(&req);
        assert_eq!(request_to_ir(&body).unwrap(), req, "{body}");
    }
}

// ---- responses ----

fn text_response() -> Value {
    json!({
        "id": "resp_67cc", "object": "response", "created_at": 1741386163, "status": "completed", "error": null,
        "incomplete_details": null, "model": "gpt-4o-2024-08-06",
        "output": [
            {"type": "reasoning", "id": "rs_1", "encrypted_content": "gAAAA",
             "summary": [{"type": "summary_text", "text": "**Thinking**"}, {"type": "summary_text", "text": "Haiku."}]},
            {"type": "message", "id": "msg_67cc", "status": "completed", "role": "assistant",
             "content": [{"type": "output_text", "text": "Silent circuits hum.", "annotations": []}]}
        ],
        "usage": {"input_tokens": 328, "input_tokens_details": {"cached_tokens": 128}, "output_tokens": 52,
                  "output_tokens_details": {"reasoning_tokens": 10}, "total_tokens": 380}
    })
}

#[test]
fn response_with_text_reads_reasoning_summaries_and_cached_and_reasoning_tokens() {
    let r = response_to_ir(&text_response()).unwrap();
    assert_eq!(r.id, "resp_67cc");
    assert_eq!(r.model, "gpt-4o-2024-08-06");
    assert_eq!(
        r.content,
        vec![
            Part::Reasoning(Thought { text: "**Thinking**\n\nHaiku.".into(), signature: None }),
            Part::Text("Silent circuits hum.".into())
        ]
    );
    assert_eq!(r.finish_reason, FinishReason::Stop);
    assert_eq!(
        r.usage,
        Some(Usage {
            input_tokens: 328,
            output_tokens: 52,
            cached_input_tokens: 128,
            reasoning_tokens: 10,
            ..Usage::default()
        })
    );
}

#[test]
fn response_with_tool_calls_finishes_for_tool_calls() {
    let v = json!({"id": "resp_1", "status": "completed", "model": "m", "output": [
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
         "arguments": "{\"city\":\"Paris\"}", "status": "completed"},
        {"type": "web_search_call", "id": "ws_1", "status": "completed"},
        {"type": "function_call", "id": "fc_2", "call_id": "call_2", "name": "get_time", "arguments": "{}", "status": "completed"}
    ]});
    let r = response_to_ir(&v).unwrap();
    assert_eq!(
        r.content,
        vec![call("call_1", "get_weather", "{\"city\":\"Paris\"}"), call("call_2", "get_time", "{}")]
    );
    assert_eq!(r.finish_reason, FinishReason::ToolCalls);
    assert_eq!(r.usage, None);
}

#[test]
fn incomplete_responses_keep_their_reason() {
    let with = |status: &str, reason: Value| {
        let v = json!({"status": status, "incomplete_details": reason, "output": []});
        response_to_ir(&v).unwrap().finish_reason
    };
    assert_eq!(with("incomplete", json!({"reason": "max_output_tokens"})), FinishReason::Length);
    assert_eq!(with("incomplete", json!({"reason": "content_filter"})), FinishReason::ContentFilter);
    assert_eq!(with("incomplete", json!({"reason": "other"})), FinishReason::Other);
    assert_eq!(with("failed", json!(null)), FinishReason::Other);
    let e = response_to_ir(&json!({"id": "x", "status": "completed"})).unwrap_err();
    assert_eq!(e.status(), 502);
    assert!(e.message().contains("`output`"));
}

fn mixed_response() -> ChatResponse {
    ChatResponse {
        id: "resp_9".into(),
        model: "gpt-4.1".into(),
        content: vec![
            Part::Text("Checking ".into()),
            Part::Text("both.".into()),
            call("call_1", "get_weather", "{\"city\":\"Paris\"}"),
            call("call_2", "get_time", "{}"),
            Part::Text("Done.".into()),
        ],
        finish_reason: FinishReason::ToolCalls,
        usage: Some(Usage {
            input_tokens: 20,
            output_tokens: 7,
            cached_input_tokens: 5,
            reasoning_tokens: 2,
            ..Usage::default()
        }),
    }
}

#[test]
fn emitted_response_has_one_item_per_message_and_call() {
    let out = response_from_ir(&mixed_response(), 1700000000);
    assert_eq!(out["object"], "response");
    assert_eq!(out["created_at"], 1700000000);
    assert_eq!(out["status"], "completed");
    assert_eq!(out["incomplete_details"], Value::Null);
    let output = out["output"].as_array().unwrap();
    assert_eq!(output.len(), 4);
    assert_eq!(
        output[0]["content"],
        json!([{"type": "output_text", "text": "Checking ", "annotations": []}, {"type": "output_text", "text": "both.", "annotations": []}])
    );
    assert_eq!((output[0]["type"].as_str(), output[0]["role"].as_str()), (Some("message"), Some("assistant")));
    assert_eq!(output[1]["type"], "function_call");
    assert_eq!(output[1]["call_id"], "call_1");
    assert_eq!(output[1]["arguments"], "{\"city\":\"Paris\"}");
    assert_eq!(output[2]["name"], "get_time");
    assert_eq!(output[3]["content"][0]["text"], "Done.");
    let ids: std::collections::HashSet<&str> = output.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4, "item ids are distinct");
    assert!(output.iter().all(|i| i["status"] == "completed"));
    assert_eq!(
        out["usage"],
        json!({"input_tokens": 20, "input_tokens_details": {"cached_tokens": 5}, "output_tokens": 7,
               "output_tokens_details": {"reasoning_tokens": 2}, "total_tokens": 27})
    );
}

#[test]
fn a_cut_answer_is_an_incomplete_response() {
    for (finish, reason) in
        [(FinishReason::Length, "max_output_tokens"), (FinishReason::ContentFilter, "content_filter")]
    {
        let r = ChatResponse {
            id: "r".into(),
            model: "m".into(),
            content: vec![Part::Text("Once upon".into())],
            finish_reason: finish,
            usage: None,
        };
        let out = response_from_ir(&r, 0);
        assert_eq!(out["status"], "incomplete");
        assert_eq!(out["incomplete_details"], json!({"reason": reason}));
        assert_eq!(out["output"][0]["status"], "incomplete");
        assert_eq!(response_to_ir(&out).unwrap(), r);
    }
}

#[test]
fn responses_round_trip_through_responses() {
    let text = response_to_ir(&text_response()).unwrap();
    assert!(text.content.iter().any(|p| matches!(p, Part::Reasoning(_))), "the round trip keeps reasoning");
    let empty = ChatResponse {
        id: "e".into(),
        model: "m".into(),
        content: vec![],
        finish_reason: FinishReason::Stop,
        usage: None,
    };
    for r in [mixed_response(), text, empty] {
        assert_eq!(response_to_ir(&response_from_ir(&r, 1)).unwrap(), r);
    }
}

#[test]
fn errors_have_the_openai_shape() {
    let body = json!({"error": {"message": "Rate limit reached", "type": "tokens", "param": null, "code": "rate_limit_exceeded"}});
    let e = error_to_ir(429, &body);
    assert_eq!((e.status, e.message.as_str(), e.kind.as_str()), (429, "Rate limit reached", "rate_limit_error"));
    let out = error_from_ir(&ApiError::from_status(404, "no such model"));
    assert_eq!(
        out,
        json!({"error": {"message": "no such model", "type": "not_found_error", "param": null, "code": null}})
    );
}

// ---- streams ----

/// An SSE stream of `events`, each named by its `type` as the API does.
fn sse_stream(events: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for ev in events {
        json::sse(&mut out, ev["type"].as_str(), &ev.to_string());
    }
    out
}

fn created(id: &str) -> [Value; 2] {
    let response = json!({"id": id, "object": "response", "created_at": 1741290958, "status": "in_progress",
        "error": null, "incomplete_details": null, "model": "gpt-4.1-2025-04-14", "output": [], "usage": null});
    [
        json!({"type": "response.created", "sequence_number": 0, "response": response}),
        json!({"type": "response.in_progress", "sequence_number": 1, "response": response}),
    ]
}

fn completed(status: &str, reason: Value, output: Value) -> Value {
    json!({"type": format!("response.{status}"), "sequence_number": 99, "response": {
        "id": "resp_1", "object": "response", "created_at": 1741290958, "status": status, "error": null,
        "incomplete_details": reason, "model": "gpt-4.1-2025-04-14", "output": output,
        "usage": {"input_tokens": 37, "input_tokens_details": {"cached_tokens": 3}, "output_tokens": 11,
                  "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 48}}})
}

/// The events of a message item at `index` whose text arrives in `deltas`.
fn message_events(index: u64, deltas: &[&str]) -> Vec<Value> {
    let id = format!("msg_{index}");
    let text: String = deltas.concat();
    let at = json!({"item_id": id, "output_index": index, "content_index": 0});
    let with = |kind: &str, extra: Value| {
        let mut ev = at.clone();
        ev["type"] = json!(kind);
        for (k, v) in extra.as_object().unwrap() {
            ev[k] = v.clone();
        }
        ev
    };
    let mut events = vec![
        json!({"type": "response.output_item.added", "output_index": index,
               "item": {"id": id, "type": "message", "status": "in_progress", "role": "assistant", "content": []}}),
        with("response.content_part.added", json!({"part": {"type": "output_text", "text": "", "annotations": []}})),
    ];
    events.extend(deltas.iter().map(|d| with("response.output_text.delta", json!({"delta": d, "logprobs": []}))));
    events.push(with("response.output_text.done", json!({"text": text, "logprobs": []})));
    events.push(with(
        "response.content_part.done",
        json!({"part": {"type": "output_text", "text": text, "annotations": []}}),
    ));
    events.push(json!({"type": "response.output_item.done", "output_index": index, "item": {"id": id, "type": "message",
        "status": "completed", "role": "assistant", "content": [{"type": "output_text", "text": text, "annotations": []}]}}));
    events
}

/// The events of a function call item at `index` whose arguments arrive in `deltas`.
fn call_events(index: u64, call_id: &str, name: &str, deltas: &[&str]) -> Vec<Value> {
    let id = format!("fc_{index}");
    let arguments: String = deltas.concat();
    let item = |status: &str, arguments: &str| json!({"id": id, "type": "function_call", "status": status, "call_id": call_id, "name": name, "arguments": arguments});
    let mut events =
        vec![json!({"type": "response.output_item.added", "output_index": index, "item": item("in_progress", "")})];
    events.extend(deltas.iter().map(
        |d| json!({"type": "response.function_call_arguments.delta", "item_id": id, "output_index": index, "delta": d}),
    ));
    events.push(json!({"type": "response.function_call_arguments.done", "item_id": id, "output_index": index,
                       "name": name, "arguments": arguments}));
    events.push(
        json!({"type": "response.output_item.done", "output_index": index, "item": item("completed", &arguments)}),
    );
    events
}

fn text_stream() -> Vec<u8> {
    let mut events = created("resp_1").to_vec();
    events.extend(message_events(0, &["Hi", " thére", ""]));
    events.push(completed("completed", json!(null), json!([])));
    sse_stream(&events)
}

fn tool_stream() -> Vec<u8> {
    let mut events = created("resp_1").to_vec();
    events.push(json!({"type": "response.output_item.added", "output_index": 0,
                       "item": {"id": "rs_1", "type": "reasoning", "summary": []}}));
    for (index, delta) in [(0, "hm"), (1, "ok")] {
        events.push(json!({"type": "response.reasoning_summary_part.added", "item_id": "rs_1", "output_index": 0,
                           "summary_index": index, "part": {"type": "summary_text", "text": ""}}));
        events.push(json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_1", "output_index": 0,
                           "summary_index": index, "delta": delta}));
    }
    events.extend(call_events(1, "call_1", "get_weather", &["{\"city\":", "\"Paris\"}"]));
    events.push(completed("completed", json!(null), json!([])));
    sse_stream(&events)
}

fn mixed_stream() -> Vec<u8> {
    let mut events = created("resp_1").to_vec();
    events.extend(message_events(0, &["Let me ", "check."]));
    events.extend(call_events(1, "call_1", "get_weather", &["{\"city\":\"Paris\"}"]));
    events.extend(call_events(2, "call_2", "get_time", &["{", "}"]));
    events.push(completed("incomplete", json!({"reason": "max_output_tokens"}), json!([])));
    sse_stream(&events)
}

/// Decodes `bytes` fed in chunks of `chunk` bytes; the IR events and whether the stream ended.
/// What follows the end (`response.failed` after `error`) must add nothing.
fn decode(bytes: &[u8], chunk: usize) -> (Vec<StreamEvent>, bool) {
    let mut parser = SseParser::new();
    let mut decoder = StreamDecoder::default();
    let mut events = Vec::new();
    let mut ended = false;
    for piece in bytes.chunks(chunk) {
        let mut sse = Vec::new();
        parser.feed(piece, |ev| sse.push(ev));
        for ev in &sse {
            let before = events.len();
            let end = decoder.decode(ev, &mut events);
            assert!(!ended || events.len() == before, "events after the end: {:?}", &events[before..]);
            ended |= end;
        }
    }
    (events, ended)
}

/// Decodes `bytes` in chunks of every size and expects the same result each time.
fn decode_cut_anywhere(bytes: &[u8]) -> (Vec<StreamEvent>, bool) {
    let whole = decode(bytes, bytes.len());
    for chunk in 1..bytes.len() {
        assert_eq!(decode(bytes, chunk), whole, "chunks of {chunk} bytes");
    }
    whole
}

fn start() -> StreamEvent {
    StreamEvent::Start { id: "resp_1".into(), model: "gpt-4.1-2025-04-14".into() }
}

fn usage() -> StreamEvent {
    StreamEvent::Usage(Usage { input_tokens: 37, output_tokens: 11, cached_input_tokens: 3, ..Usage::default() })
}

fn text(t: &str) -> StreamEvent {
    StreamEvent::TextDelta(t.into())
}

fn tool_start(index: usize, id: &str, name: &str) -> StreamEvent {
    StreamEvent::ToolCallStart { index, id: id.into(), name: name.into(), signature: None }
}

fn tool_delta(index: usize, fragment: &str) -> StreamEvent {
    StreamEvent::ToolCallDelta { index, fragment: fragment.into() }
}

#[test]
fn a_text_stream_decodes_cut_anywhere() {
    let (events, ended) = decode_cut_anywhere(&text_stream());
    assert!(ended);
    assert_eq!(events, vec![start(), text("Hi"), text(" thére"), StreamEvent::Finish(FinishReason::Stop), usage()]);
}

#[test]
fn a_tool_call_stream_decodes_cut_anywhere() {
    let (events, ended) = decode_cut_anywhere(&tool_stream());
    assert!(ended);
    assert_eq!(
        events,
        vec![
            start(),
            StreamEvent::ReasoningDelta("hm".into()),
            StreamEvent::ReasoningDelta("\n\n".into()),
            StreamEvent::ReasoningDelta("ok".into()),
            tool_start(0, "call_1", "get_weather"),
            tool_delta(0, "{\"city\":"),
            tool_delta(0, "\"Paris\"}"),
            StreamEvent::Finish(FinishReason::ToolCalls),
            usage(),
        ]
    );
}

#[test]
fn a_mixed_stream_decodes_cut_anywhere() {
    let (events, ended) = decode_cut_anywhere(&mixed_stream());
    assert!(ended);
    assert_eq!(
        events,
        vec![
            start(),
            text("Let me "),
            text("check."),
            tool_start(0, "call_1", "get_weather"),
            tool_delta(0, "{\"city\":\"Paris\"}"),
            tool_start(1, "call_2", "get_time"),
            tool_delta(1, "{"),
            tool_delta(1, "}"),
            StreamEvent::Finish(FinishReason::Length),
            usage(),
        ]
    );
}

#[test]
fn done_events_fill_in_what_no_delta_carried() {
    // A server that sends whole items only, and one whose last delta went missing.
    let mut events = created("resp_1").to_vec();
    events.push(json!({"type": "response.output_item.done", "output_index": 0, "item": {"id": "m", "type": "message",
        "content": [{"type": "output_text", "text": "Whole"}, {"type": "refusal", "refusal": "No."}]}}));
    events.push(json!({"type": "response.output_item.done", "output_index": 1,
        "item": {"id": "f", "type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"}}));
    events.extend(message_events(2, &["a", "b"]).into_iter().filter(|e| e["delta"] != "b"));
    events.push(completed("completed", json!(null), json!([])));
    let (decoded, _) = decode(&sse_stream(&events), usize::MAX);
    assert_eq!(
        decoded,
        vec![
            start(),
            text("Whole"),
            text("No."),
            tool_start(0, "c", "f"),
            tool_delta(0, "{}"),
            text("a"),
            text("b"),
            StreamEvent::Finish(FinishReason::ToolCalls),
            usage(),
        ]
    );
}

#[test]
fn stream_errors_end_the_stream() {
    let mut events = created("resp_1").to_vec();
    events.extend(message_events(0, &["Hi"]));
    events.push(json!({"type": "error", "sequence_number": 9, "code": "rate_limit_exceeded", "message": "Slow down", "param": null}));
    events.push(json!({"type": "response.failed", "response": {"id": "resp_1", "status": "failed",
        "error": {"code": "server_error", "message": "second report"}, "output": []}}));
    let (decoded, ended) = decode_cut_anywhere(&sse_stream(&events[..events.len() - 1]));
    assert!(ended);
    assert_eq!(
        decoded,
        vec![start(), text("Hi"), StreamEvent::Error { message: "Slow down".into(), kind: "rate_limit_error".into() }]
    );
    // response.failed alone reports its error; after an `error` event it only ends the stream.
    let failed_only: Vec<Value> = events.iter().filter(|e| e["type"] != "error").cloned().collect();
    let (decoded, ended) = decode(&sse_stream(&failed_only), usize::MAX);
    assert!(ended);
    assert_eq!(decoded.last(), Some(&StreamEvent::Error { message: "second report".into(), kind: "api_error".into() }));
    let mut decoder = StreamDecoder::default();
    let mut out = Vec::new();
    for ev in [&events[events.len() - 2], &events[events.len() - 1]] {
        let sse =
            SseEvent { event: ev["type"].as_str().map(str::to_string), data: ev.to_string(), ..SseEvent::default() };
        assert!(decoder.decode(&sse, &mut out));
    }
    assert_eq!(out.iter().filter(|e| matches!(e, StreamEvent::Error { .. })).count(), 1);
    // Some servers nest an OpenAI error object.
    let nested = json!({"type": "error", "error": {"type": "invalid_request_error", "message": "bad", "code": null}});
    let (decoded, _) = decode(&sse_stream(&[nested]), usize::MAX);
    assert_eq!(decoded, vec![StreamEvent::Error { message: "bad".into(), kind: "invalid_request_error".into() }]);
}

#[test]
fn a_stream_without_its_terminal_event_has_not_ended() {
    let body = text_stream();
    let text = String::from_utf8(body.clone()).unwrap();
    let cut = text.find("event: response.completed").unwrap();
    let (events, ended) = decode(&body[..cut], 7);
    assert!(!ended);
    assert!(!events.iter().any(|e| matches!(e, StreamEvent::Finish(_))));
}

// ---- the encoder ----

fn encode(events: &[StreamEvent], end: bool) -> Vec<u8> {
    let mut encoder = StreamEncoder::new(1700000000);
    let mut out = Vec::new();
    for ev in events {
        encoder.encode(ev, &mut out);
    }
    if end {
        encoder.end(&mut out);
    }
    out
}

/// The data of each event, checking the framing: an `event:` line naming the data's `type`,
/// and `sequence_number`s counting from 0.
pub(super) fn typed_events(bytes: &[u8]) -> Vec<Value> {
    let mut events = Vec::new();
    SseParser::new().feed(bytes, |ev| events.push(ev));
    events
        .iter()
        .enumerate()
        .map(|(i, ev)| {
            let v: Value = serde_json::from_str(&ev.data).unwrap();
            assert_eq!(ev.event.as_deref(), v["type"].as_str(), "{v}");
            assert_eq!(v["sequence_number"], i, "{v}");
            v
        })
        .collect()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

/// Accumulates a stream as the `openai` Node SDK's `ResponseStream` does, failing where it
/// throws (an event before `response.created`, an index without its item or part, a delta of
/// the wrong kind), and checks each `.done` event against what the deltas built. Returns the
/// accumulated response, with the final event's `output` checked against it. The SDK passes
/// reasoning summary events through without accumulating them (its snapshot gets the summary
/// from `response.completed`); they are accumulated here as documented, to check their indexes
/// and ids against the item they belong to.
pub(super) fn accumulate_like_the_sdk(events: &[Value]) -> Value {
    assert_eq!(events[0]["type"], "response.created");
    let mut snapshot = events[0]["response"].clone();
    for ev in &events[1..] {
        let index = ev["output_index"].as_u64().map(|i| i as usize);
        let item = |s: &mut Value| s["output"][index.unwrap()].clone();
        match ev["type"].as_str().unwrap() {
            "response.output_item.added" => {
                assert_eq!(index, Some(snapshot["output"].as_array().unwrap().len()), "items are added in order");
                snapshot["output"].as_array_mut().unwrap().push(ev["item"].clone());
            }
            "response.content_part.added" => {
                let output = &mut snapshot["output"][index.unwrap()];
                assert_eq!(output["type"], "message");
                assert_eq!(ev["item_id"], output["id"]);
                output["content"].as_array_mut().unwrap().push(ev["part"].clone());
            }
            "response.output_text.delta" => {
                let output = &mut snapshot["output"][index.unwrap()];
                assert_eq!(ev["item_id"], output["id"]);
                let part = &mut output["content"][ev["content_index"].as_u64().unwrap() as usize];
                assert_eq!(part["type"], "output_text");
                part["text"] = json!(format!("{}{}", part["text"].as_str().unwrap(), ev["delta"].as_str().unwrap()));
            }
            "response.function_call_arguments.delta" => {
                let output = &mut snapshot["output"][index.unwrap()];
                assert_eq!(
                    (ev["item_id"].clone(), output["type"].as_str()),
                    (output["id"].clone(), Some("function_call"))
                );
                output["arguments"] =
                    json!(format!("{}{}", output["arguments"].as_str().unwrap(), ev["delta"].as_str().unwrap()));
            }
            "response.reasoning_summary_part.added" => {
                let output = &mut snapshot["output"][index.unwrap()];
                assert_eq!((&ev["item_id"], output["type"].as_str()), (&output["id"], Some("reasoning")));
                let summary = output["summary"].as_array_mut().unwrap();
                assert_eq!(ev["summary_index"], summary.len(), "summary parts are added in order");
                assert_eq!(ev["part"]["type"], "summary_text");
                summary.push(ev["part"].clone());
            }
            "response.reasoning_summary_text.delta" => {
                let output = &mut snapshot["output"][index.unwrap()];
                assert_eq!(ev["item_id"], output["id"]);
                let part = &mut output["summary"][ev["summary_index"].as_u64().unwrap() as usize];
                assert_eq!(part["type"], "summary_text");
                part["text"] = json!(format!("{}{}", part["text"].as_str().unwrap(), ev["delta"].as_str().unwrap()));
            }
            "response.reasoning_summary_text.done" => {
                let output = item(&mut snapshot);
                assert_eq!(ev["item_id"], output["id"]);
                assert_eq!(ev["text"], output["summary"][ev["summary_index"].as_u64().unwrap() as usize]["text"]);
            }
            "response.reasoning_summary_part.done" => {
                let output = item(&mut snapshot);
                assert_eq!(ev["item_id"], output["id"]);
                assert_eq!(ev["part"], output["summary"][ev["summary_index"].as_u64().unwrap() as usize]);
            }
            "response.output_text.done" => {
                let output = item(&mut snapshot);
                assert_eq!(ev["item_id"], output["id"]);
                assert_eq!(ev["text"], output["content"][ev["content_index"].as_u64().unwrap() as usize]["text"]);
            }
            "response.content_part.done" => {
                let output = item(&mut snapshot);
                assert_eq!(ev["part"], output["content"][ev["content_index"].as_u64().unwrap() as usize]);
            }
            "response.function_call_arguments.done" => {
                let output = item(&mut snapshot);
                assert_eq!(
                    (&ev["item_id"], &ev["arguments"], &ev["name"]),
                    (&output["id"], &output["arguments"], &output["name"])
                );
            }
            "response.output_item.done" => {
                let output = &mut snapshot["output"][index.unwrap()];
                let mut done = ev["item"].clone();
                done["status"] = output["status"].clone();
                // A thought's signature, known at its end, first shows in the done item (which
                // the SDK takes whole).
                if output.get("encrypted_content").is_none() {
                    done.as_object_mut().unwrap().remove("encrypted_content");
                }
                assert_eq!(done, *output);
                *output = ev["item"].clone();
            }
            "response.completed" | "response.incomplete" => {
                let mut built = snapshot["output"].clone();
                for (b, f) in built.as_array_mut().unwrap().iter_mut().zip(ev["response"]["output"].as_array().unwrap())
                {
                    b["status"] = f["status"].clone();
                }
                assert_eq!(built, ev["response"]["output"], "the final response holds what the deltas built");
                snapshot = ev["response"].clone();
            }
            "response.in_progress" => {}
            other => panic!("unexpected event {other}"),
        }
    }
    snapshot
}

#[test]
fn the_encoder_writes_a_text_stream_the_sdk_can_accumulate() {
    let usage = Usage { input_tokens: 12, output_tokens: 4, cached_input_tokens: 2, ..Usage::default() };
    let bytes = encode(
        &[
            StreamEvent::Start { id: "resp_7".into(), model: "gpt-4.1".into() },
            text("Hel"),
            text(""),
            text("lo"),
            StreamEvent::Finish(FinishReason::Stop),
            StreamEvent::Usage(usage),
        ],
        true,
    );
    let events = typed_events(&bytes);
    assert_eq!(
        types(&events),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_eq!(events[0]["response"]["id"], "resp_7");
    assert_eq!(events[0]["response"]["status"], "in_progress");
    assert_eq!(events[0]["response"]["created_at"], 1700000000);
    assert_eq!(events[6]["text"], "Hello");
    let last = accumulate_like_the_sdk(&events);
    assert_eq!(last["status"], "completed");
    assert_eq!(last["model"], "gpt-4.1");
    assert_eq!(last["output"][0]["content"][0]["text"], "Hello");
    assert_eq!(last["output"][0]["status"], "completed");
    assert_eq!(last["usage"], usage_json(&usage));
}

#[test]
fn the_encoder_interleaves_text_and_tool_calls_as_separate_items() {
    let bytes = encode(
        &[
            StreamEvent::Start { id: "r".into(), model: "m".into() },
            text("Let me check."),
            tool_start(0, "call_a", "get_weather"),
            tool_delta(0, "{\"city\":"),
            tool_delta(0, "\"Paris\"}"),
            tool_start(1, "call_b", "get_time"),
            tool_delta(1, "{}"),
            text("Meanwhile: "),
            text("done."),
            StreamEvent::Finish(FinishReason::ToolCalls),
        ],
        true,
    );
    let events = typed_events(&bytes);
    let last = accumulate_like_the_sdk(&events);
    let output = last["output"].as_array().unwrap();
    let shapes: Vec<(&str, &str)> = output
        .iter()
        .map(|i| (i["type"].as_str().unwrap(), i["arguments"].as_str().or(i["content"][0]["text"].as_str()).unwrap()))
        .collect();
    assert_eq!(
        shapes,
        [
            ("message", "Let me check."),
            ("function_call", "{\"city\":\"Paris\"}"),
            ("function_call", "{}"),
            ("message", "Meanwhile: done.")
        ]
    );
    assert_eq!((output[1]["call_id"].as_str(), output[2]["name"].as_str()), (Some("call_a"), Some("get_time")));
    // Each item is done before the next is added.
    let order: Vec<String> = events
        .iter()
        .filter(|e| e["type"].as_str().unwrap().starts_with("response.output_item."))
        .map(|e| {
            format!("{}{}", e["type"].as_str().unwrap().trim_start_matches("response.output_item."), e["output_index"])
        })
        .collect();
    assert_eq!(order, ["added0", "done0", "added1", "done1", "added2", "done2", "added3", "done3"]);
    assert_eq!(last["usage"], Value::Null, "no usage was reported");
}

#[test]
fn a_cut_answer_streams_as_response_incomplete() {
    let bytes = encode(&[text("Once upon"), StreamEvent::Finish(FinishReason::Length)], true);
    let events = typed_events(&bytes);
    let last = events.last().unwrap();
    assert_eq!(last["type"], "response.incomplete");
    assert_eq!(last["response"]["status"], "incomplete");
    assert_eq!(last["response"]["incomplete_details"], json!({"reason": "max_output_tokens"}));
    assert_eq!(accumulate_like_the_sdk(&events)["output"][0]["status"], "incomplete");
    let item_done = events.iter().find(|e| e["type"] == "response.output_item.done").unwrap();
    assert_eq!(item_done["item"]["status"], "incomplete", "the item was cut too");
}

#[test]
fn an_error_streams_as_error_then_response_failed_and_nothing_after() {
    let mut encoder = StreamEncoder::new(0);
    let mut out = Vec::new();
    encoder.encode(&StreamEvent::Start { id: "r".into(), model: "m".into() }, &mut out);
    encoder.encode(&text("partial"), &mut out);
    encoder.encode(&StreamEvent::Error { message: "Overloaded".into(), kind: "overloaded_error".into() }, &mut out);
    let before_end = out.len();
    encoder.encode(&text("more"), &mut out);
    encoder.end(&mut out);
    assert_eq!(out.len(), before_end, "nothing after the error");
    let events = typed_events(&out);
    let n = events.len();
    assert_eq!(types(&events[n - 2..]), ["error", "response.failed"]);
    assert_eq!(events[n - 2]["message"], "Overloaded");
    assert_eq!(events[n - 2]["code"], "overloaded_error");
    assert_eq!(events[n - 1]["response"]["status"], "failed");
    assert_eq!(events[n - 1]["response"]["error"]["message"], "Overloaded");
    assert_eq!(events[n - 1]["response"]["output"][0]["content"][0]["text"], "partial");
    // Before anything started there is no response to fail: the error event alone.
    let events = typed_events(&encode(&[StreamEvent::Error { message: "x".into(), kind: "api_error".into() }], true));
    assert_eq!(types(&events), ["error"]);
    assert_eq!(events[0]["code"], "server_error");
}

#[test]
fn an_end_without_content_still_opens_and_completes_the_response() {
    let events = typed_events(&encode(&[], true));
    assert_eq!(types(&events), ["response.created", "response.in_progress", "response.completed"]);
    assert_eq!(events[2]["response"]["output"], json!([]));
}

#[test]
fn encoder_output_decodes_to_the_same_events_cut_anywhere() {
    let streams = vec![
        vec![start(), text("Hi"), text(" thére"), StreamEvent::Finish(FinishReason::Stop), usage()],
        vec![
            start(),
            text("Let me "),
            tool_start(0, "call_1", "get_weather"),
            tool_delta(0, "{\"city\":"),
            tool_delta(0, "\"Rome\"}"),
            tool_start(1, "call_2", "f"),
            text("ok"),
            StreamEvent::Finish(FinishReason::ToolCalls),
            usage(),
        ],
        vec![start(), text("Once"), StreamEvent::Finish(FinishReason::Length), usage()],
        vec![start(), text("x"), StreamEvent::Finish(FinishReason::ContentFilter), usage()],
        vec![
            start(),
            thinking("Hmm, "),
            thinking("thé sky."),
            text("Blue."),
            StreamEvent::Finish(FinishReason::Stop),
            usage(),
        ],
        vec![
            start(),
            thinking("Need weather."),
            tool_start(0, "call_1", "get_weather"),
            tool_delta(0, "{}"),
            StreamEvent::Finish(FinishReason::ToolCalls),
            usage(),
        ],
        vec![start(), thinking("Still thinking"), StreamEvent::Finish(FinishReason::Length), usage()],
    ];
    // Chunks of 1 byte already cut everywhere; larger ones up to 64 mix cuts (every size, as
    // for the fixtures above, would take seconds per stream).
    let decode_in_small_chunks = |bytes: &[u8]| {
        let whole = decode(bytes, bytes.len());
        for chunk in 1..=64 {
            assert_eq!(decode(bytes, chunk), whole, "chunks of {chunk} bytes");
        }
        whole
    };
    for events in streams {
        let (decoded, ended) = decode_in_small_chunks(&encode(&events, true));
        assert!(ended);
        assert_eq!(decoded, events);
    }
    let failing =
        vec![start(), text("a"), StreamEvent::Error { message: "Slow down".into(), kind: "rate_limit_error".into() }];
    let (decoded, ended) = decode_in_small_chunks(&encode(&failing, false));
    assert!(ended);
    assert_eq!(decoded, failing);
}

fn thinking(t: &str) -> StreamEvent {
    StreamEvent::ReasoningDelta(t.into())
}

fn thought(text: &str, signature: Option<&str>) -> Part {
    Part::Reasoning(Thought { text: text.into(), signature: signature.map(Into::into) })
}

#[test]
fn emitted_response_writes_thinking_as_reasoning_items_before_what_follows() {
    let r = ChatResponse {
        id: "resp_r".into(),
        model: "claude-sonnet-4-5".into(),
        content: vec![
            thought("**Plan**\n\nCheck the weather.", Some("sig_1")),
            call("call_1", "get_weather", "{\"city\":\"Oslo\"}"),
            Part::RedactedReasoning("opaque".into()),
            thought("It is cold.", None),
            Part::Text("Wear a coat.".into()),
        ],
        finish_reason: FinishReason::ToolCalls,
        usage: None,
    };
    let out = response_from_ir(&r, 0);
    let output = out["output"].as_array().unwrap();
    let kinds: Vec<&str> = output.iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["reasoning", "function_call", "reasoning", "message"], "in the IR's order, redacted dropped");
    assert_eq!(
        output[0],
        json!({"type": "reasoning", "id": "rs_resp_r_0", "status": "completed",
               "summary": [{"type": "summary_text", "text": "**Plan**"}, {"type": "summary_text", "text": "Check the weather."}]})
    );
    assert_eq!(output[2]["summary"], json!([{"type": "summary_text", "text": "It is cold."}]));
    assert!(output.iter().all(|i| i.get("encrypted_content").is_none()), "signatures are not written");
    // Reading it back keeps the thinking text, without the signature or the redacted block.
    let back = response_to_ir(&out).unwrap();
    let mut expected = r.clone();
    expected.content = vec![
        thought("**Plan**\n\nCheck the weather.", None),
        r.content[1].clone(),
        thought("It is cold.", None),
        r.content[4].clone(),
    ];
    assert_eq!(back, expected);
}

#[test]
fn thinking_then_text_streams_as_a_reasoning_item_the_sdk_can_accumulate() {
    let bytes = encode(
        &[
            StreamEvent::Start { id: "r".into(), model: "m".into() },
            thinking("Let me "),
            thinking(""),
            thinking("think."),
            StreamEvent::ReasoningSignature("sig".into()),
            StreamEvent::RedactedReasoning("opaque".into()),
            text("Done."),
            StreamEvent::Finish(FinishReason::Stop),
        ],
        true,
    );
    let events = typed_events(&bytes);
    assert_eq!(
        types(&events),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_eq!(events[2]["item"], json!({"type": "reasoning", "id": "rs_r_0", "summary": [], "status": "in_progress"}));
    assert_eq!(
        (&events[4]["item_id"], &events[4]["output_index"], &events[4]["summary_index"]),
        (&json!("rs_r_0"), &json!(0), &json!(0))
    );
    assert_eq!(events[6]["text"], "Let me think.");
    let last = accumulate_like_the_sdk(&events);
    assert_eq!(
        last["output"][0],
        json!({"type": "reasoning", "id": "rs_r_0", "status": "completed",
               "summary": [{"type": "summary_text", "text": "Let me think."}]})
    );
    assert_eq!(last["output"][1]["content"][0]["text"], "Done.");
    assert!(!String::from_utf8(bytes).unwrap().contains("sig"), "the signature is not written");
}

#[test]
fn thinking_then_a_call_streams_the_reasoning_item_done_before_the_call() {
    let bytes = encode(
        &[
            StreamEvent::Start { id: "r".into(), model: "m".into() },
            thinking("Need the weather."),
            tool_start(0, "call_1", "get_weather"),
            tool_delta(0, "{}"),
            thinking("A second thought."),
            StreamEvent::Finish(FinishReason::ToolCalls),
        ],
        true,
    );
    let events = typed_events(&bytes);
    let last = accumulate_like_the_sdk(&events);
    let output = last["output"].as_array().unwrap();
    let kinds: Vec<&str> = output.iter().map(|i| i["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["reasoning", "function_call", "reasoning"]);
    assert_eq!(output[2]["summary"][0]["text"], "A second thought.");
    let order: Vec<String> = events
        .iter()
        .filter(|e| e["type"].as_str().unwrap().starts_with("response.output_item."))
        .map(|e| {
            format!("{}{}", e["type"].as_str().unwrap().trim_start_matches("response.output_item."), e["output_index"])
        })
        .collect();
    assert_eq!(order, ["added0", "done0", "added1", "done1", "added2", "done2"]);
}

#[test]
fn a_signature_ends_the_reasoning_item() {
    let events =
        typed_events(&encode(&[thinking("one"), StreamEvent::ReasoningSignature("s".into()), thinking("two")], true));
    let last = accumulate_like_the_sdk(&events);
    let summaries: Vec<&Value> = last["output"].as_array().unwrap().iter().map(|i| &i["summary"][0]["text"]).collect();
    assert_eq!(summaries, [&json!("one"), &json!("two")]);
}
