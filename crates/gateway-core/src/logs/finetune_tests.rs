use serde_json::json;

use super::*;
use crate::logs::test_db::sample_entries;

/// A successful entry of `endpoint` with these bodies.
fn entry(endpoint: &str, request: Value, response: &str) -> LogEntry {
    let mut e = sample_entries(1, 7).remove(0);
    (e.status, e.success, e.endpoint) = (200, true, endpoint.into());
    e.request_body = Some(request.to_string());
    e.response_body = Some(response.into());
    e
}

fn sse(events: &[Value]) -> String {
    events.iter().map(|e| format!("data: {e}\n\n")).collect()
}

fn openai_chat() -> LogEntry {
    let request = json!({"model": "gpt-4o-mini", "temperature": 0.2, "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Capital of France?"},
    ]});
    let response = json!({"id": "c1", "object": "chat.completion", "model": "gpt-4o-mini", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Paris."}, "finish_reason": "stop"},
    ], "usage": {"prompt_tokens": 9, "completion_tokens": 2}});
    entry("/chat/completions", request, &response.to_string())
}

#[test]
fn an_openai_chat_becomes_its_messages_then_the_answer() {
    let example = example(&openai_chat()).unwrap();
    assert_eq!(
        example,
        json!({"messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris."},
        ]})
    );
}

#[test]
fn a_responses_call_becomes_its_input_then_the_output() {
    let request = json!({"model": "gpt-5", "instructions": "Be brief.", "input": "Capital of France?"});
    let response = json!({"id": "resp_1", "object": "response", "status": "completed", "model": "gpt-5", "output": [
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"type": "message", "id": "msg_1", "role": "assistant", "content": [{"type": "output_text", "text": "Paris."}]},
    ]});
    let example = example(&entry("/v1/responses", request, &response.to_string())).unwrap();
    assert_eq!(
        example,
        json!({"messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Capital of France?"},
            {"role": "assistant", "content": "Paris."},
        ]})
    );
}

#[test]
fn a_streamed_openai_answer_is_joined_from_its_deltas() {
    let chunk = |delta: Value, finish: Value| json!({"id": "c2", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
    let mut stream = sse(&[
        chunk(json!({"role": "assistant", "content": ""}), Value::Null),
        chunk(json!({"content": "Par"}), Value::Null),
        chunk(json!({"content": "is."}), Value::Null),
        chunk(json!({}), json!("stop")),
    ]);
    stream.push_str("data: [DONE]\n\n");
    let request =
        json!({"model": "gpt-4o-mini", "stream": true, "messages": [{"role": "user", "content": "Capital?"}]});
    let example = example(&entry("/v1/chat/completions", request, &stream)).unwrap();
    assert_eq!(example["messages"][1], json!({"role": "assistant", "content": "Paris."}));
}

#[test]
fn an_anthropic_tool_call_becomes_an_openai_tool_call_with_its_tools() {
    let request = json!({"model": "claude-sonnet-4-5", "max_tokens": 100, "system": "You can look up weather.",
        "tools": [{"name": "weather", "description": "Weather of a city",
                   "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Weather in Oslo?"}]}]});
    let response = json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "Looking."},
                    {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Oslo"}}],
        "stop_reason": "tool_use", "usage": {"input_tokens": 20, "output_tokens": 9}});
    let example = example(&entry("/v1/messages", request, &response.to_string())).unwrap();
    assert_eq!(
        example,
        json!({
            "messages": [
                {"role": "system", "content": "You can look up weather."},
                {"role": "user", "content": "Weather in Oslo?"},
                {"role": "assistant", "content": "Looking.", "tool_calls": [
                    {"id": "toolu_1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\":\"Oslo\"}"}},
                ]},
            ],
            "tools": [{"type": "function", "function": {"name": "weather", "description": "Weather of a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
        })
    );
}

#[test]
fn a_streamed_anthropic_answer_and_earlier_tool_results_keep_their_turns() {
    let request = json!({"model": "claude-sonnet-4-5", "max_tokens": 100, "stream": true, "messages": [
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Oslo"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "4°C, rain"}]},
    ]});
    let stream = sse(&[
        json!({"type": "message_start", "message": {"id": "msg_2", "model": "claude-sonnet-4-5", "usage": {"input_tokens": 30}}}),
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "4°C "}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "and rain."}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 6}}),
        json!({"type": "message_stop"}),
    ]);
    let example = example(&entry("/v1/messages", request, &stream)).unwrap();
    let messages = example["messages"].as_array().unwrap();
    let roles: Vec<&str> = messages.iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["user", "assistant", "tool", "assistant"]);
    assert_eq!(messages[1]["tool_calls"][0]["function"]["arguments"], "{\"city\":\"Oslo\"}");
    assert_eq!(messages[2], json!({"role": "tool", "tool_call_id": "toolu_1", "content": "4°C, rain"}));
    assert_eq!(messages[3], json!({"role": "assistant", "content": "4°C and rain."}));
}

#[test]
fn a_gemini_answer_whole_or_as_a_chunk_array() {
    let request = json!({"systemInstruction": {"parts": [{"text": "Be brief."}]},
        "contents": [{"role": "user", "parts": [{"text": "Capital of France?"}]}]});
    let chunk = |text: &str, finish: Option<&str>| {
        let mut candidate = json!({"content": {"role": "model", "parts": [{"text": text}]}});
        if let Some(reason) = finish {
            candidate["finishReason"] = json!(reason);
        }
        json!({"candidates": [candidate]})
    };
    let whole = chunk("Paris.", Some("STOP")).to_string();
    let array = json!([chunk("Par", None), chunk("is.", Some("STOP"))]).to_string();
    for (endpoint, body) in [
        ("/v1beta/models/gemini-2.5-flash:generateContent", whole),
        ("/v1beta/models/gemini-2.5-flash:streamGenerateContent", array),
    ] {
        let example = example(&entry(endpoint, request.clone(), &body)).unwrap();
        assert_eq!(
            example["messages"],
            json!([
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Capital of France?"},
                {"role": "assistant", "content": "Paris."},
            ]),
            "{endpoint}"
        );
    }
}

#[test]
fn what_cannot_be_a_faithful_example_is_left_out() {
    let good = openai_chat();
    let with = |change: &dyn Fn(&mut LogEntry)| {
        let mut e = good.clone();
        change(&mut e);
        e
    };
    let answer = |content: &str, finish: &str| {
        json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}]})
            .to_string()
    };
    let cases: Vec<(&str, LogEntry)> = vec![
        ("failed", with(&|e| (e.status, e.success) = (500, false))),
        ("a gateway error after a 200", with(&|e| e.success = false)),
        ("payload not kept", with(&|e| (e.request_body, e.response_body) = (None, None))),
        ("response cut to the body limit", {
            let cut = format!("{}{TRUNCATION_MARKER}90000 bytes]", &answer("Paris.", "stop")[..30]);
            with(&|e| e.response_body = Some(cut.clone()))
        }),
        ("embeddings", with(&|e| e.endpoint = "/embeddings".into())),
        ("a Responses call continuing stored state", {
            let request = json!({"model": "gpt-5", "previous_response_id": "resp_1", "input": "And Spain?"});
            with(&|e| (e.endpoint, e.request_body) = ("/v1/responses".into(), Some(request.to_string())))
        }),
        ("cut by max_tokens", with(&|e| e.response_body = Some(answer("Par", "length")))),
        ("content filter", with(&|e| e.response_body = Some(answer("", "content_filter")))),
        ("an empty answer", with(&|e| e.response_body = Some(answer("", "stop")))),
        ("not JSON", with(&|e| e.request_body = Some("hello".into()))),
        ("a stream that never finished", {
            let chunk = json!({"choices": [{"index": 0, "delta": {"content": "Par"}, "finish_reason": null}]});
            with(&|e| e.response_body = Some(sse(std::slice::from_ref(&chunk))))
        }),
        ("a stream that ended in an error", {
            let events = [
                json!({"type": "message_start", "message": {}}),
                json!({"type": "error", "error": {"message": "overloaded"}}),
            ];
            with(&|e| (e.endpoint, e.response_body) = ("/v1/messages".into(), Some(sse(&events))))
        }),
    ];
    for (why, entry) in &cases {
        assert_eq!(example(entry), None, "{why}");
    }
    let mut page: Vec<LogEntry> = cases.into_iter().map(|(_, e)| e).collect();
    page.insert(3, good.clone());
    page.push(good);
    let (jsonl, skipped) = to_finetune_jsonl(&page);
    assert_eq!(skipped, page.len() - 2);
    let lines: Vec<Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert!(jsonl.ends_with('\n'));
}
