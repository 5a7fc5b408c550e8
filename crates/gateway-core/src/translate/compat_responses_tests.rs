//! Unit tests of `translate::compat` for Responses clients (`compat/responses`): forwarded
//! untranslated to OpenAI, which serves the API too, and translated for every other provider.

use serde_json::{json, Value};

use super::*;
use crate::translate::tests::{collect, fixture};
use crate::translate::FinishReason;

fn aliases() -> HashMap<String, String> {
    parse_aliases(Some(r#"{"smart": "anthropic/claude-sonnet-4-5"}"#)).unwrap()
}

/// A function-tool loop as a Responses client sends it back: the user's question, the model's
/// call, and its result.
fn tool_loop(model: &str, stream: bool) -> Vec<u8> {
    json!({
        "model": model,
        "stream": stream,
        "instructions": "Be brief.",
        "input": [
            {"role": "user", "content": "Weather in Paris?"},
            {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "{\"temp\":21}"},
        ],
        "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}],
        "store": false,
    })
    .to_string()
    .into_bytes()
}

fn plan_for(body: &[u8]) -> Result<CompatPlan, GatewayError> {
    plan(Endpoint::Responses, body, &Headers::new(), &aliases(), 2048, 5000.0)
}

fn sent(plan: &CompatPlan) -> Value {
    serde_json::from_slice(&plan.body).unwrap()
}

#[test]
fn responses_is_a_compat_endpoint_with_openai_shaped_errors() {
    assert_eq!(Endpoint::parse("responses").unwrap(), Endpoint::Responses);
    assert_eq!(Endpoint::parse("/v1/responses/").unwrap(), Endpoint::Responses);
    assert_eq!(Endpoint::Responses.client_format(), Format::RESPONSES);
    assert!(Endpoint::parse("nope").unwrap_err().message().contains("responses"));
    let (status, body) = error_body(Endpoint::Responses, &GatewayError::invalid("bad input"));
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, &body["error"]["message"], &body["error"]["code"]),
        (400, &json!("bad input"), &json!("invalid_request"))
    );
}

#[test]
fn an_openai_model_gets_the_body_byte_for_byte_but_the_model_at_v1_responses() {
    let original = br#"{"model" : "openai/gpt-5",  "input":"Hi", "reasoning":{"effort":"low"}, "previous_response_id":"resp_1", "store":true}"#;
    let plan = plan_for(original).unwrap();
    assert_eq!((plan.provider.id, plan.path.as_str(), plan.query), ("openai", "v1/responses", None));
    let expected = String::from_utf8_lossy(original).replace("\"openai/gpt-5\"", "\"gpt-5\"");
    assert_eq!(String::from_utf8_lossy(&plan.body), expected, "OpenAI keeps the state: nothing is refused");
    assert_eq!(plan.conversion, ResponseConversion::PassThrough(Format::RESPONSES));
    let answer = br#"{"id":"resp_2","object":"response","output":[]}"#;
    assert_eq!(plan.convert_response(200, answer).unwrap(), (200, answer.to_vec()));
}

#[test]
fn an_anthropic_model_gets_messages_with_the_tool_result_in_place() {
    let plan = plan_for(&tool_loop("smart", false)).unwrap();
    assert_eq!((plan.provider.id, plan.path.as_str()), ("anthropic", "v1/messages"));
    assert_eq!(plan.headers.get("anthropic-version"), Some(ANTHROPIC_VERSION));
    let body = sent(&plan);
    assert_eq!(
        (&body["model"], &body["system"], &body["max_tokens"]),
        (&json!("claude-sonnet-4-5"), &json!("Be brief."), &json!(2048))
    );
    assert_eq!(body["messages"][1]["content"][0]["type"], "tool_use");
    assert_eq!(body["messages"][1]["content"][0]["input"], json!({"city": "Paris"}));
    assert_eq!(
        body["messages"][2]["content"][0],
        json!({"type": "tool_result", "tool_use_id": "call_1", "content": "{\"temp\":21}"})
    );
    assert_eq!(body["tools"][0]["name"], "get_weather");
    assert!(body.get("store").is_none(), "Responses-only fields are dropped");

    let (status, out) = plan.convert_response(200, &fixture(Format::ANTHROPIC, "tool_call.response.json")).unwrap();
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!((status, &out["object"], &out["created_at"]), (200, &json!("response"), &json!(5)));
    assert_eq!(out["output"].as_array().unwrap().last().unwrap()["type"], "function_call");
    let (status, out) = plan.convert_response(429, &fixture(Format::ANTHROPIC, "error.json")).unwrap();
    assert_eq!(status, 429);
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap()["error"]["type"], "rate_limit_error");
}

#[test]
fn a_gemini_model_streams_back_as_responses_events() {
    let plan = plan_for(&tool_loop("google-ai-studio/gemini-2.5-flash", true)).unwrap();
    assert_eq!(plan.path, "v1beta/models/gemini-2.5-flash:streamGenerateContent");
    assert_eq!(plan.query, Some("alt=sse"));
    let body = sent(&plan);
    assert_eq!(body["systemInstruction"]["parts"][0]["text"], "Be brief.");
    assert_eq!(body["contents"][1]["parts"][0]["functionCall"]["name"], "get_weather");
    assert_eq!(
        body["contents"][2]["parts"][0]["functionResponse"],
        json!({"name": "get_weather", "response": {"temp": 21}})
    );
    let mut t = plan.stream_translator().unwrap();
    let mut out = t.push(&fixture(Format::GEMINI, "stream_text.sse"));
    out.extend(t.finish());
    assert!(String::from_utf8_lossy(&out).starts_with("event: response.created\n"));
    let c = collect(Format::RESPONSES, &out);
    assert_eq!((c.text.as_str(), c.finish, c.ended), ("Hello there!", Some(FinishReason::Stop), true));
    assert_eq!(c.usage.map(|u| u.total_tokens()), Some(16), "a Responses stream always ends with its usage");
}

#[test]
fn another_openai_compatible_model_gets_chat_completions() {
    let plan = plan_for(&tool_loop("groq/llama-3.1-8b-instant", true)).unwrap();
    assert_eq!((plan.provider.id, plan.path.as_str()), ("groq", "v1/chat/completions"));
    let body = sent(&plan);
    assert_eq!(body["messages"][0], json!({"role": "system", "content": "Be brief."}));
    assert_eq!(body["messages"][2]["tool_calls"][0]["id"], "call_1");
    assert_eq!(body["messages"][3], json!({"role": "tool", "tool_call_id": "call_1", "content": "{\"temp\":21}"}));
    assert_eq!(body["stream_options"], json!({"include_usage": true}), "usage is wanted for logs and cost");
    assert_eq!(plan.conversion, ResponseConversion::Chat { upstream: Format::OPENAI, client: Format::RESPONSES });
}

#[test]
fn stored_state_is_refused_when_translating() {
    let body = json!({"model": "anthropic/claude-sonnet-4-5", "input": "And Spain?", "previous_response_id": "resp_1"});
    let e = plan_for(body.to_string().as_bytes()).unwrap_err();
    assert_eq!(e.status(), 400);
    assert!(e.message().contains("previous_response_id") && e.message().contains("`store`"), "{}", e.message());
}

/// A Codex-like first turn: thinking asked for, no state kept, reasoning items' content included.
fn thinking_turn(model: &str, input: Vec<Value>, stream: bool) -> Vec<u8> {
    json!({
        "model": model, "stream": stream, "input": input, "store": false,
        "reasoning": {"effort": "low", "summary": "auto"}, "include": ["reasoning.encrypted_content"],
        "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}],
    })
    .to_string()
    .into_bytes()
}

/// The items a client keeps of an answer and sends back with the call's output.
fn sent_back(question: &Value, output: &[Value]) -> Vec<Value> {
    let mut input = vec![question.clone()];
    input.extend(output.iter().cloned());
    input.push(json!({"type": "function_call_output", "call_id": output.last().unwrap()["call_id"], "output": "21"}));
    input
}

#[test]
fn a_thinking_anthropic_tool_loop_keeps_its_signed_and_redacted_thinking_through_encrypted_content() {
    let question = json!({"role": "user", "content": "Weather in Paris?"});
    let plan = plan_for(&thinking_turn("smart", vec![question.clone()], false)).unwrap();
    assert!(plan.stream_options.encrypted_reasoning);
    assert_eq!(sent(&plan)["thinking"]["type"], "enabled");
    let answer = json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [
            {"type": "thinking", "thinking": "Call the tool.", "signature": "c2lnbmF0dXJl"},
            {"type": "redacted_thinking", "data": "cmVkYWN0ZWQ="},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
        ],
        "stop_reason": "tool_use", "usage": {"input_tokens": 10, "output_tokens": 5},
    });
    let (_, out) = plan.convert_response(200, answer.to_string().as_bytes()).unwrap();
    let out: Value = serde_json::from_slice(&out).unwrap();
    let output = out["output"].as_array().unwrap();

    let second = plan_for(&thinking_turn("smart", sent_back(&question, output), false)).unwrap();
    let body = sent(&second);
    assert_eq!(body["thinking"]["type"], "enabled", "the last turn kept its thinking: thinking stays on");
    assert_eq!(
        body["messages"][1]["content"],
        json!([
            {"type": "thinking", "thinking": "Call the tool.", "signature": "c2lnbmF0dXJl"},
            {"type": "redacted_thinking", "data": "cmVkYWN0ZWQ="},
            {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
        ])
    );
}

#[test]
fn a_thinking_gemini_tool_loop_keeps_its_thought_signature_through_a_stream() {
    let question = json!({"role": "user", "content": "Weather in Paris?"});
    let model = "google-ai-studio/gemini-3-flash-preview";
    let plan = plan_for(&thinking_turn(model, vec![question.clone()], true)).unwrap();
    let chunk = |parts: Value, last: bool| {
        let mut c = json!({"candidates": [{"content": {"role": "model", "parts": parts}, "index": 0}]});
        if last {
            c["candidates"][0]["finishReason"] = json!("STOP");
        }
        format!("data: {c}\r\n\r\n")
    };
    let upstream = chunk(json!([{"text": "Need the tool.", "thought": true}]), false)
        + &chunk(
            json!([{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": "Z2VtaW5p"}]),
            true,
        );
    let mut t = plan.stream_translator().unwrap();
    let mut out = t.push(upstream.as_bytes());
    out.extend(t.finish());
    let mut events = Vec::new();
    crate::sse::SseParser::new().feed(&out, |e| events.push(e));
    let completed = events.iter().find(|e| e.event.as_deref() == Some("response.completed")).unwrap();
    let completed: Value = serde_json::from_str(&completed.data).unwrap();
    let output = completed["response"]["output"].as_array().unwrap();

    let second = plan_for(&thinking_turn(model, sent_back(&question, output), true)).unwrap();
    let body = sent(&second);
    let call =
        &body["contents"][1]["parts"].as_array().unwrap().iter().find(|p| p.get("functionCall").is_some()).unwrap();
    assert_eq!(call["thoughtSignature"], "Z2VtaW5p", "{body}");
}

#[test]
fn encrypted_content_is_written_only_for_a_client_that_includes_it() {
    let mut body: Value =
        serde_json::from_slice(&thinking_turn("smart", vec![json!({"role": "user", "content": "Hi"})], false)).unwrap();
    body.as_object_mut().unwrap().remove("include");
    let plan = plan_for(body.to_string().as_bytes()).unwrap();
    assert!(!plan.stream_options.encrypted_reasoning);
    let answer = json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "thinking", "thinking": "Hmm.", "signature": "c2ln"}, {"type": "text", "text": "Hi."}],
        "stop_reason": "end_turn", "usage": {"input_tokens": 10, "output_tokens": 5},
    });
    let (_, out) = plan.convert_response(200, answer.to_string().as_bytes()).unwrap();
    assert!(!String::from_utf8_lossy(&out).contains("encrypted_content"));
}
