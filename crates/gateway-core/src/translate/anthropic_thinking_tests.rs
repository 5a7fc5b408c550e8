//! Unit tests of `translate::anthropic::thinking`.

use serde_json::json;

use super::*;
use crate::sse::SseEvent;
use crate::translate::anthropic;
use crate::translate::ir::{ChatResponse, FinishReason, Message, StreamEvent, ToolCall};

fn call(signature: Option<&str>) -> Part {
    Part::ToolCall(ToolCall {
        id: "toolu_1".into(),
        name: "f".into(),
        arguments: "{}".into(),
        signature: signature.map(Into::into),
    })
}

fn thought(text: &str, signature: Option<&str>) -> Part {
    Part::Reasoning(Thought { text: text.into(), signature: signature.map(Into::into) })
}

fn thinking_request(max_tokens: Option<u64>, reasoning: Reasoning) -> ChatRequest {
    ChatRequest {
        model: "claude".into(),
        messages: vec![Message::text(Role::User, "hi")],
        max_tokens,
        temperature: Some(0.2),
        top_p: Some(0.5),
        reasoning: Some(reasoning),
        ..ChatRequest::default()
    }
}

#[test]
fn thinking_is_read_in_its_three_forms() {
    let read = |v| request_reasoning(&v);
    assert_eq!(read(json!({"thinking": {"type": "enabled", "budget_tokens": 2000}})), Some(Reasoning::Budget(2000)));
    assert_eq!(read(json!({"thinking": {"type": "disabled"}})), Some(Reasoning::Off));
    let adaptive = json!({"thinking": {"type": "adaptive"}, "output_config": {"effort": "low"}});
    assert_eq!(read(adaptive), Some(Reasoning::Effort(ReasoningEffort::Low)));
    assert_eq!(read(json!({})), None);
}

#[test]
fn the_budget_fits_under_max_tokens_and_temperature_goes() {
    let out =
        anthropic::request_from_ir(&thinking_request(None, Reasoning::Effort(ReasoningEffort::Low)), 4096).unwrap();
    assert_eq!(out["thinking"], json!({"type": "enabled", "budget_tokens": 2048}));
    assert_eq!(out["max_tokens"], 4096 + 2048, "the answer keeps the default room");
    assert!(out.get("temperature").is_none() && out.get("top_p").is_none(), "{out}");

    let out = anthropic::request_from_ir(&thinking_request(Some(3000), Reasoning::Budget(8000)), 4096).unwrap();
    assert_eq!((out["thinking"]["budget_tokens"].as_u64(), out["max_tokens"].as_u64()), (Some(1500), Some(3000)));

    let out = anthropic::request_from_ir(&thinking_request(Some(1024), Reasoning::Budget(8000)), 4096).unwrap();
    assert!(out.get("thinking").is_none(), "no room for Anthropic's least budget: {out}");
    assert_eq!(out["temperature"], 0.2);

    let out = anthropic::request_from_ir(&thinking_request(Some(100), Reasoning::Off), 4096).unwrap();
    assert_eq!(out["thinking"], json!({"type": "disabled"}));
    assert_eq!(out["top_p"], 0.5);
}

#[test]
fn thinking_is_not_asked_when_anthropic_would_refuse_it() {
    let mut forced = thinking_request(None, Reasoning::Budget(2000));
    forced.tool_choice = Some(ToolChoice::Required);
    assert!(thinking_param(&forced, 4096).is_none());

    let mut lost = thinking_request(None, Reasoning::Budget(2000));
    lost.messages.push(Message { role: Role::Assistant, content: vec![call(None)] });
    assert!(thinking_param(&lost, 4096).is_none(), "a tool loop whose thinking was lost");
    lost.messages[1].content.insert(0, thought("t", Some("sig")));
    assert!(thinking_param(&lost, 4096).is_some());
}

#[test]
fn requests_send_only_signed_thinking_in_place() {
    let req = ChatRequest {
        messages: vec![Message {
            role: Role::Assistant,
            content: vec![
                thought("summary", None),
                thought("t", Some("sig")),
                Part::RedactedReasoning("enc".into()),
                call(Some("gemini")),
            ],
        }],
        ..ChatRequest::default()
    };
    let out = anthropic::request_from_ir(&req, 10).unwrap();
    assert_eq!(
        out["messages"][0]["content"],
        json!([
            {"type": "thinking", "thinking": "t", "signature": "sig"},
            {"type": "redacted_thinking", "data": "enc"},
            {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
        ])
    );
}

#[test]
fn a_tool_call_signature_rides_in_the_thinking_block_before_it_and_comes_back() {
    let content = vec![thought("why", None), call(Some("fc")), Part::Text("and".into()), call(Some("fc2"))];
    let response = ChatResponse {
        id: "m".into(),
        model: "g".into(),
        content: content.clone(),
        finish_reason: FinishReason::ToolCalls,
        usage: None,
    };
    let blocks = anthropic::response_from_ir(&response)["content"].clone();
    let tagged = |s: &str| format!("{TOOL_CALL_SIGNATURE}{s}");
    assert_eq!(blocks[0], json!({"type": "thinking", "thinking": "why", "signature": tagged("fc")}));
    assert_eq!(blocks[1]["type"], "tool_use");
    assert_eq!(blocks[3], json!({"type": "thinking", "thinking": "", "signature": tagged("fc2")}));
    let back = anthropic::request_to_ir(&json!({"messages": [{"role": "assistant", "content": blocks}]})).unwrap();
    assert_eq!(back.messages[0].content, content);
}

#[test]
fn streams_decode_and_encode_thinking_signatures_and_redacted_blocks() {
    let mut d = anthropic::StreamDecoder::default();
    let mut events = Vec::new();
    for data in [
        json!({"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "hm"}}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "S"}}),
        json!({"type": "content_block_start", "index": 1, "content_block": {"type": "redacted_thinking", "data": "D"}}),
    ] {
        d.decode(&SseEvent { data: data.to_string(), ..SseEvent::default() }, &mut events);
    }
    assert_eq!(
        events,
        [
            StreamEvent::ReasoningDelta("hm".into()),
            StreamEvent::ReasoningSignature("S".into()),
            StreamEvent::RedactedReasoning("D".into())
        ]
    );

    let mut e = anthropic::StreamEncoder::new();
    let mut out = Vec::new();
    for ev in [
        StreamEvent::Start { id: "m".into(), model: "g".into() },
        StreamEvent::ReasoningDelta("hm".into()),
        StreamEvent::ToolCallStart { index: 0, id: "c".into(), name: "f".into(), signature: Some("fc".into()) },
    ] {
        e.encode(&ev, &mut out);
    }
    let text = String::from_utf8(out).unwrap();
    let order: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("event: ")).collect();
    assert_eq!(
        order,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start"
        ]
    );
    assert!(text.contains(r#""delta":{"thinking":"hm","type":"thinking_delta"}"#), "{text}");
    assert!(text.contains(&format!(r#""signature":"{TOOL_CALL_SIGNATURE}fc","type":"signature_delta""#)), "{text}");
}
