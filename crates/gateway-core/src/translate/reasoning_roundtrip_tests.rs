//! Reasoning across dialects: what one provider's answer gives a client of another dialect,
//! and what the gateway restores when that client sends its history back.

use serde_json::{json, Value};

use crate::translate::anthropic::thinking::TOOL_CALL_SIGNATURE;
use crate::translate::openai::reasoning::decode_call_id;
use crate::translate::{
    convert_response, emit_request, parse_request, EmitOptions, Format, StreamOptions, StreamTranslator,
};

const OPTS: EmitOptions = EmitOptions { default_max_tokens: 4096 };

fn to_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// `body` (a client's request in `client`) as the request `upstream` receives.
fn upstream_request(client: Format, upstream: Format, body: &Value, model: &str) -> Value {
    let req = parse_request(client, body.to_string().as_bytes(), Some(model)).unwrap();
    to_json(&emit_request(upstream, &req, OPTS).unwrap())
}

/// A Gemini answer that thought (a summary) and called a tool with a signature.
fn gemini_answer() -> Value {
    json!({"candidates": [{"content": {"role": "model", "parts": [
        {"text": "The user wants weather.", "thought": true},
        {"functionCall": {"name": "weather", "args": {"city": "Paris"}}, "thoughtSignature": "R2VtaW5pU2ln"},
    ]}, "finishReason": "STOP"}], "modelVersion": "gemini-3-flash-preview"})
}

const TOOLS_ANTHROPIC: &str =
    r#"[{"name": "weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]"#;

#[test]
fn anthropic_history_with_thinking_and_tool_use_reaches_gemini_with_the_signature_on_the_call() {
    let body = json!({
        "model": "gemini-3-flash-preview", "max_tokens": 2000,
        "thinking": {"type": "enabled", "budget_tokens": 1500},
        "tools": serde_json::from_str::<Value>(TOOLS_ANTHROPIC).unwrap(),
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "Need a tool.", "signature": format!("{TOOL_CALL_SIGNATURE}R2VtaW5pU2ln")},
                {"type": "tool_use", "id": "call_0", "name": "weather", "input": {"city": "Paris"}},
            ]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_0", "content": "sunny"}]},
        ],
    });
    let out = upstream_request(Format::ANTHROPIC, Format::GEMINI, &body, "gemini-3-flash-preview");
    assert_eq!(
        out["contents"][1]["parts"],
        json!([{"functionCall": {"name": "weather", "args": {"city": "Paris"}}, "thoughtSignature": "R2VtaW5pU2ln"}])
    );
    assert_eq!(out["contents"][2]["parts"][0]["functionResponse"]["name"], "weather");
    assert_eq!(out["generationConfig"]["thinkingConfig"], json!({"thinkingLevel": "low", "includeThoughts": true}));
}

#[test]
fn a_gemini_signature_survives_an_anthropic_clients_round_trip() {
    let (_, answer) =
        convert_response(Format::GEMINI, Format::ANTHROPIC, 200, gemini_answer().to_string().as_bytes(), 0).unwrap();
    let answer = to_json(&answer);
    assert_eq!(answer["stop_reason"], "tool_use");
    let thinking = &answer["content"][0];
    assert_eq!(thinking["type"], "thinking");
    assert_eq!(thinking["thinking"], "The user wants weather.");
    let tool = &answer["content"][1];
    // The client sends the answer's blocks back, as the SDK's tool loop does.
    let next = json!({
        "model": "g", "max_tokens": 100, "thinking": {"type": "enabled", "budget_tokens": 1024},
        "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": answer["content"]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool["id"], "content": "sunny"}]},
        ],
    });
    let out = upstream_request(Format::ANTHROPIC, Format::GEMINI, &next, "gemini-2.5-flash");
    let parts = out["contents"][1]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 1, "the unsigned summary is not sent back: {parts:?}");
    assert_eq!(parts[0]["thoughtSignature"], "R2VtaW5pU2ln");
    assert_eq!(out["contents"][2]["parts"][0]["functionResponse"]["name"], "weather");
}

#[test]
fn a_gemini_signature_survives_an_openai_clients_round_trip() {
    let (_, answer) =
        convert_response(Format::GEMINI, Format::OPENAI, 200, gemini_answer().to_string().as_bytes(), 0).unwrap();
    let message = to_json(&answer)["choices"][0]["message"].clone();
    assert_eq!(message["reasoning_content"], "The user wants weather.");
    let id = message["tool_calls"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(decode_call_id(&id).2.as_deref(), Some("R2VtaW5pU2ln"));
    // The OpenAI SDK's usual loop: the message as received, then the tool's answer.
    let next = json!({"model": "g", "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        message,
        {"role": "tool", "tool_call_id": id, "content": "sunny"},
    ]});
    let out = upstream_request(Format::OPENAI, Format::GEMINI, &next, "gemini-3-flash-preview");
    assert_eq!(out["contents"][1]["parts"][0]["thoughtSignature"], "R2VtaW5pU2ln");
    assert_eq!(out["contents"][2]["parts"][0]["functionResponse"]["name"], "weather");
}

#[test]
fn anthropic_thinking_survives_an_openai_clients_tool_loop() {
    let claude = json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude", "stop_reason": "tool_use",
        "content": [
            {"type": "thinking", "thinking": "Use the tool.", "signature": "QW50aHJvcGlj"},
            {"type": "redacted_thinking", "data": "c2VjcmV0"},
            {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}},
        ],
        "usage": {"input_tokens": 1, "output_tokens": 1}});
    let (_, answer) =
        convert_response(Format::ANTHROPIC, Format::OPENAI, 200, claude.to_string().as_bytes(), 0).unwrap();
    let message = to_json(&answer)["choices"][0]["message"].clone();
    assert_eq!(message["reasoning_content"], "Use the tool.");
    let id = message["tool_calls"][0]["id"].as_str().unwrap().to_string();
    let next = json!({"model": "claude", "reasoning_effort": "low", "max_completion_tokens": 5000, "messages": [
        {"role": "user", "content": "Weather?"},
        message,
        {"role": "tool", "tool_call_id": id, "content": "sunny"},
    ]});
    let out = upstream_request(Format::OPENAI, Format::ANTHROPIC, &next, "claude");
    assert_eq!(
        out["messages"][1]["content"],
        json!([
            {"type": "thinking", "thinking": "Use the tool.", "signature": "QW50aHJvcGlj"},
            {"type": "redacted_thinking", "data": "c2VjcmV0"},
            {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Paris"}},
        ])
    );
    assert_eq!(out["messages"][2]["content"][0]["tool_use_id"], "toolu_1");
    assert_eq!(out["thinking"], json!({"type": "enabled", "budget_tokens": 2048}));
}

/// `body` translated as a stream, whole and cut at every byte; all must give the same bytes.
fn stream_cut_anywhere(from: Format, to: Format, body: &str) -> String {
    let translate = |chunks: &[&[u8]]| {
        let mut t = StreamTranslator::new(
            from,
            to,
            StreamOptions { include_usage: false, created: 1, ..StreamOptions::default() },
        );
        let mut out: Vec<u8> = chunks.iter().flat_map(|c| t.push(c)).collect();
        out.extend(t.finish());
        String::from_utf8(out).unwrap()
    };
    let whole = translate(&[body.as_bytes()]);
    for at in 1..body.len() {
        let (a, b) = body.as_bytes().split_at(at);
        assert_eq!(translate(&[a, b]), whole, "cut at byte {at}");
    }
    let bytes: Vec<&[u8]> = body.as_bytes().chunks(1).collect();
    assert_eq!(translate(&bytes), whole, "one byte at a time");
    whole
}

/// The `data:` payloads of an SSE text that are JSON.
fn data_of(sse: &str) -> Vec<Value> {
    sse.lines().filter_map(|l| l.strip_prefix("data: ")).filter_map(|d| serde_json::from_str(d).ok()).collect()
}

const GEMINI_STREAM: &str = concat!(
    "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Think\",\"thought\":true}]}}]}\r\n\r\n",
    "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"weather\",\"args\":{\"city\":\"Paris\"}},\"thoughtSignature\":\"U2ln\"}]},\"finishReason\":\"STOP\"}]}\r\n\r\n",
);

#[test]
fn a_gemini_stream_gives_anthropic_clients_thinking_deltas_and_the_signature() {
    let out = stream_cut_anywhere(Format::GEMINI, Format::ANTHROPIC, GEMINI_STREAM);
    let events = data_of(&out);
    let deltas: Vec<&Value> =
        events.iter().filter(|e| e["type"] == "content_block_delta").map(|e| &e["delta"]).collect();
    assert_eq!(deltas[0], &json!({"type": "thinking_delta", "thinking": "Think"}));
    assert_eq!(deltas[1], &json!({"type": "signature_delta", "signature": format!("{TOOL_CALL_SIGNATURE}U2ln")}));
    let starts: Vec<&Value> =
        events.iter().filter(|e| e["type"] == "content_block_start").map(|e| &e["content_block"]).collect();
    assert_eq!(starts[0]["type"], "thinking");
    assert_eq!(starts[1]["type"], "tool_use");
}

#[test]
fn a_gemini_stream_gives_openai_clients_reasoning_content_and_a_signed_call_id() {
    let out = stream_cut_anywhere(Format::GEMINI, Format::OPENAI, GEMINI_STREAM);
    let chunks = data_of(&out);
    let reasoning: Vec<&Value> =
        chunks.iter().filter_map(|c| c.pointer("/choices/0/delta/reasoning_content")).collect();
    assert_eq!(reasoning, [&json!("Think")]);
    let id = chunks.iter().find_map(|c| c.pointer("/choices/0/delta/tool_calls/0/id")).and_then(Value::as_str).unwrap();
    assert_eq!(decode_call_id(id), ("call_0".into(), vec![], Some("U2ln".into())));
}

#[test]
fn an_anthropic_thinking_stream_gives_openai_clients_the_signed_thinking_in_the_call_id() {
    let ev = |e: Value| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap());
    let body = [
        ev(json!({"type": "message_start", "message": {"id": "m", "model": "claude", "usage": {"input_tokens": 1}}})),
        ev(json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}})),
        ev(json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Hm, "}})),
        ev(json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "tool."}})),
        ev(json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "QQ=="}})),
        ev(json!({"type": "content_block_stop", "index": 0})),
        ev(json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {}}})),
        ev(json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{}"}})),
        ev(json!({"type": "content_block_stop", "index": 1})),
        ev(json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 9}})),
        ev(json!({"type": "message_stop"})),
    ]
    .concat();
    let out = stream_cut_anywhere(Format::ANTHROPIC, Format::OPENAI, &body);
    let chunks = data_of(&out);
    let reasoning: String = chunks
        .iter()
        .filter_map(|c| c.pointer("/choices/0/delta/reasoning_content"))
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(reasoning, "Hm, tool.");
    let id = chunks.iter().find_map(|c| c.pointer("/choices/0/delta/tool_calls/0/id")).and_then(Value::as_str).unwrap();
    let (plain, thinking, _) = decode_call_id(id);
    assert_eq!(plain, "toolu_1");
    assert_eq!(
        thinking,
        [crate::translate::ir::Part::Reasoning(crate::translate::ir::Thought {
            text: "Hm, tool.".into(),
            signature: Some("QQ==".into())
        })]
    );
}
