//! Unit tests of `translate::openai::reasoning`.

use serde_json::json;

use super::*;
use crate::sse::SseEvent;
use crate::translate::ir::{ChatRequest, ChatResponse, FinishReason, Message, Role, StreamEvent, ToolCall};
use crate::translate::openai;

fn signed(text: &str, signature: &str) -> Part {
    Part::Reasoning(Thought { text: text.into(), signature: Some(signature.into()) })
}

#[test]
fn efforts_are_read_from_either_field_and_bad_ones_refused() {
    let read = |v| request_reasoning(&v).unwrap();
    assert_eq!(read(json!({"reasoning_effort": "high"})), Some(Reasoning::Effort(ReasoningEffort::High)));
    assert_eq!(read(json!({"reasoning": {"effort": "minimal"}})), Some(Reasoning::Effort(ReasoningEffort::Minimal)));
    assert_eq!(read(json!({"reasoning_effort": "xhigh"})), Some(Reasoning::Effort(ReasoningEffort::High)));
    assert_eq!(read(json!({"reasoning_effort": "none"})), Some(Reasoning::Off));
    assert_eq!(read(json!({"reasoning": {"max_tokens": 3000}})), Some(Reasoning::Budget(3000)));
    assert_eq!(read(json!({"reasoning": {"enabled": false}})), Some(Reasoning::Off));
    assert_eq!(read(json!({})), None);
    let e = request_reasoning(&json!({"reasoning": {"effort": "max"}})).unwrap_err();
    assert_eq!(e.status(), 400);
    assert!(e.message().starts_with("reasoning.effort: invalid value \"max\""), "{}", e.message());
}

#[test]
fn only_openai_reasoning_models_get_an_effort_and_off_is_their_least() {
    assert_eq!(effort_for("gpt-4o", Reasoning::Effort(ReasoningEffort::High)), None);
    assert_eq!(effort_for("o3", Reasoning::Off), Some("low"));
    assert_eq!(effort_for("o4-mini", Reasoning::Effort(ReasoningEffort::Minimal)), Some("low"));
    assert_eq!(effort_for("gpt-5-mini", Reasoning::Off), Some("minimal"));
    assert_eq!(effort_for("o3", Reasoning::Budget(30000)), Some("high"));
    assert_eq!(effort_for("o3", Reasoning::Budget(3000)), Some("low"));
    let req = |model: &str| ChatRequest {
        model: model.into(),
        reasoning: Some(Reasoning::Effort(ReasoningEffort::Medium)),
        ..ChatRequest::default()
    };
    assert_eq!(openai::request_from_ir(&req("o3"))["reasoning_effort"], "medium");
    assert!(openai::request_from_ir(&req("gpt-4o")).get("reasoning_effort").is_none());
}

#[test]
fn call_ids_carry_signed_thinking_and_the_call_signature_both_ways() {
    let thinking = vec![signed("lé raisonnement ~gw~", "c2ln+/="), Part::RedactedReasoning("ZW5j".into())];
    let id = encode_call_id("call_0", &thinking, Some("fc-sig"));
    assert!(id.starts_with("call_0~gw~"), "{id}");
    assert!(id["call_0~gw~".len()..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{id}");
    assert_eq!(decode_call_id(&id), ("call_0".to_string(), thinking, Some("fc-sig".to_string())));
    assert_eq!(encode_call_id("call_0", &[], None), "call_0", "nothing to carry: the id as it was");
    assert_eq!(decode_call_id("call_0"), ("call_0".to_string(), vec![], None));
    let altered = format!("{id}!");
    assert_eq!(decode_call_id(&altered), (altered.clone(), vec![], None), "an id the gateway did not write is kept");
}

#[test]
fn base64url_matches_rfc_4648_without_padding() {
    for (plain, encoded) in
        [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("\u{fb}\u{ff}", "w7vDvw")]
    {
        assert_eq!(base64url::encode(plain.as_bytes()), encoded);
        assert_eq!(base64url::decode(encoded).unwrap(), plain.as_bytes());
    }
    assert_eq!(base64url::decode("Zm9vY"), None);
    assert_eq!(base64url::decode("Zm+v"), None);
}

#[test]
fn answers_carry_thinking_text_and_signatures_and_requests_restore_them() {
    let call = ToolCall { id: "call_0".into(), name: "f".into(), arguments: "{}".into(), signature: Some("fc".into()) };
    let response = ChatResponse {
        id: "r".into(),
        model: "m".into(),
        content: vec![signed("think", "sig"), Part::Text("ok".into()), Part::ToolCall(call.clone())],
        finish_reason: FinishReason::ToolCalls,
        usage: None,
    };
    let out = openai::response_from_ir(&response, 1);
    let message = &out["choices"][0]["message"];
    assert_eq!(message["reasoning_content"], "think");
    let sent_id = message["tool_calls"][0]["id"].as_str().unwrap().to_string();
    let back = json!({"model": "m", "messages": [
        {"role": "user", "content": "hi"},
        message,
        {"role": "tool", "tool_call_id": sent_id, "content": "42"},
    ]});
    let req = openai::request_to_ir(&back).unwrap();
    assert_eq!(req.messages[1], Message { role: Role::Assistant, content: response.content.clone() });
    let Part::ToolResult(r) = &req.messages[2].content[0] else { panic!("{:?}", req.messages[2]) };
    assert_eq!(r.tool_call_id, "call_0");
    let upstream = openai::request_from_ir(&req);
    assert_eq!(upstream["messages"][1]["tool_calls"][0]["id"], "call_0", "no provider sees the long id");
    assert!(upstream["messages"][1].get("reasoning_content").is_none(), "OpenAI refuses it in requests");
}

#[test]
fn reasoning_content_without_carried_thinking_is_unsigned_thinking() {
    let req = openai::request_to_ir(&json!({"messages": [
        {"role": "assistant", "content": "a", "reasoning_content": "because"},
    ]}))
    .unwrap();
    let thought = Part::Reasoning(Thought { text: "because".into(), signature: None });
    assert_eq!(req.messages[0].content, vec![thought, Part::Text("a".into())]);
}

#[test]
fn streams_decode_reasoning_content_and_encode_signatures_into_the_next_call_id() {
    let mut d = openai::StreamDecoder::default();
    let mut events = Vec::new();
    for data in [
        json!({"id": "x", "choices": [{"index": 0, "delta": {"reasoning_content": "hm"}}]}),
        json!({"id": "x", "choices": [{"index": 0, "delta": {"reasoning": "m"}}]}),
    ] {
        d.decode(&SseEvent { data: data.to_string(), ..SseEvent::default() }, &mut events);
    }
    assert_eq!(events[1..], [StreamEvent::ReasoningDelta("hm".into()), StreamEvent::ReasoningDelta("m".into())]);

    let mut e = openai::StreamEncoder::new(false, 1);
    let mut out = Vec::new();
    for ev in [
        StreamEvent::ReasoningDelta("a".into()),
        StreamEvent::ReasoningDelta("b".into()),
        StreamEvent::ReasoningSignature("s".into()),
        StreamEvent::ToolCallStart { index: 0, id: "c".into(), name: "f".into(), signature: Some("t".into()) },
        StreamEvent::ToolCallStart { index: 1, id: "d".into(), name: "f".into(), signature: None },
    ] {
        e.encode(&ev, &mut out);
    }
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(r#""delta":{"reasoning_content":"a"}"#), "{text}");
    let ids: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .filter_map(|v| v.pointer("/choices/0/delta/tool_calls/0/id").and_then(|i| i.as_str()).map(str::to_string))
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(decode_call_id(&ids[0]), ("c".into(), vec![signed("ab", "s")], Some("t".into())));
    assert_eq!(ids[1], "d", "the thinking rides with the first call only");
}
