//! Unit tests of `translate::responses::reasoning`.

use serde_json::json;

use super::*;

fn signed(text: &str, signature: &str) -> Part {
    Part::Reasoning(Thought { text: text.into(), signature: Some(signature.into()) })
}

#[test]
fn what_is_carried_comes_back_whole() {
    for carried in [
        Carried::Thinking(signed("lé raisonnement ~gw~ \"quoted\"", "c2ln+/=")),
        Carried::Thinking(signed("", "only a signature")),
        Carried::Thinking(Part::RedactedReasoning("ZW5jcnlwdGVk".into())),
        Carried::CallSignature("Z2VtaW5pIHNpZw==".into()),
    ] {
        let encrypted = encode(&carried).unwrap();
        assert!(encrypted.starts_with(MARK), "{encrypted}");
        assert!(encrypted[MARK.len()..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(decode(&encrypted), Some(carried));
    }
}

#[test]
fn the_payload_is_the_documented_json() {
    let payload = |c: Carried| {
        let e = encode(&c).unwrap();
        serde_json::from_slice::<Value>(&base64url::decode(&e[MARK.len()..]).unwrap()).unwrap()
    };
    assert_eq!(payload(Carried::Thinking(signed("t", "s"))), json!({"t": "t", "s": "s"}));
    assert_eq!(payload(Carried::Thinking(Part::RedactedReasoning("d".into()))), json!({"d": "d"}));
    assert_eq!(payload(Carried::CallSignature("c".into())), json!({"c": "c"}));
}

#[test]
fn thinking_without_a_signature_is_not_carried() {
    assert_eq!(encode(&Carried::Thinking(Part::Reasoning(Thought { text: "t".into(), signature: None }))), None);
    assert_eq!(encode(&Carried::Thinking(Part::Text("t".into()))), None);
}

#[test]
fn content_the_gateway_did_not_write_carries_nothing() {
    // OpenAI's own encrypted reasoning, a mark without base64url, a payload that is not JSON or
    // has none of the keys.
    for foreign in ["gAAAAABo1x2", "", MARK, "~gw~!!!", "~gw~bm90IGpzb24", "~gw~eyJ4IjoxfQ"] {
        assert_eq!(decode(foreign), None, "{foreign}");
    }
}

#[test]
fn only_an_include_of_reasoning_encrypted_content_asks_for_it() {
    assert!(wanted(&json!({"include": ["message.output_text.logprobs", "reasoning.encrypted_content"]})));
    assert!(!wanted(&json!({"include": ["message.output_text.logprobs"]})));
    assert!(!wanted(&json!({"include": "reasoning.encrypted_content"})));
    assert!(!wanted(&json!({"input": "hi"})));
}

// --- The Responses dialect writing and reading them ---

use crate::translate::ir::{ChatResponse, FinishReason, Role, StreamEvent, ToolCall};
use crate::translate::responses::tests::{accumulate_like_the_sdk, typed_events};
use crate::translate::responses::{request_to_ir, response_from_ir, response_from_ir_with, StreamEncoder};

fn call(id: &str, signature: Option<&str>) -> Part {
    Part::ToolCall(ToolCall {
        id: id.into(),
        name: "get_weather".into(),
        arguments: "{\"city\":\"Paris\"}".into(),
        signature: signature.map(Into::into),
    })
}

/// A thinking model's answer: Anthropic's signed and redacted thinking, then a call that Gemini
/// signed (one provider would not send both; the IR holds either).
fn thinking_answer() -> ChatResponse {
    ChatResponse {
        id: "resp_t".into(),
        model: "m".into(),
        content: vec![
            signed("Need the weather.", "sig_anthropic"),
            Part::RedactedReasoning("redacted_data".into()),
            Part::Reasoning(Thought { text: "A summary.".into(), signature: None }),
            call("call_1", Some("sig_gemini")),
        ],
        finish_reason: FinishReason::ToolCalls,
        usage: None,
    }
}

/// The next request of a client that sends `output` back with the call's result.
fn next_turn(output: &[Value]) -> Value {
    let mut input = vec![json!({"role": "user", "content": "Weather in Paris?"})];
    input.extend(output.iter().cloned());
    input.push(json!({"type": "function_call_output", "call_id": "call_1", "output": "21"}));
    json!({"model": "m", "input": input})
}

/// The assistant turn the provider is sent after the client sent `output` back.
fn assistant_turn_sent(output: &[Value]) -> Vec<Part> {
    let req = request_to_ir(&next_turn(output)).unwrap();
    let roles: Vec<Role> = req.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::User, Role::Assistant, Role::Tool]);
    req.messages[1].content.clone()
}

/// What a provider needs back: the signed and redacted thinking, and the call with its signature.
fn kept() -> Vec<Part> {
    vec![
        signed("Need the weather.", "sig_anthropic"),
        Part::RedactedReasoning("redacted_data".into()),
        call("call_1", Some("sig_gemini")),
    ]
}

#[test]
fn an_answer_carries_signatures_in_encrypted_content_when_asked_and_they_come_back() {
    let out = response_from_ir_with(&thinking_answer(), 0, true);
    let output = out["output"].as_array().unwrap();
    let shape: Vec<(&str, usize, bool)> = output
        .iter()
        .map(|i| {
            (
                i["type"].as_str().unwrap(),
                i["summary"].as_array().map_or(0, Vec::len),
                i.get("encrypted_content").is_some(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("reasoning", 1, true),
            ("reasoning", 0, true),
            ("reasoning", 1, false),
            ("reasoning", 0, true),
            ("function_call", 0, false)
        ],
        "{out}"
    );
    assert_eq!(assistant_turn_sent(output), kept());
}

#[test]
fn without_include_nothing_is_carried_and_nothing_comes_back() {
    let out = response_from_ir(&thinking_answer(), 0);
    let output = out["output"].as_array().unwrap();
    assert!(output.iter().all(|i| i.get("encrypted_content").is_none()), "{out}");
    assert_eq!(assistant_turn_sent(output), [call("call_1", None)]);
}

#[test]
fn a_stream_carries_them_in_its_done_items_and_final_response() {
    let mut encoder = StreamEncoder::new(0).carrying(true);
    let mut bytes = Vec::new();
    for ev in [
        StreamEvent::Start { id: "resp_t".into(), model: "m".into() },
        StreamEvent::ReasoningDelta("Need the ".into()),
        StreamEvent::ReasoningDelta("weather.".into()),
        StreamEvent::ReasoningSignature("sig_anthropic".into()),
        StreamEvent::RedactedReasoning("redacted_data".into()),
        StreamEvent::ReasoningDelta("A summary.".into()),
        StreamEvent::ToolCallStart {
            index: 0,
            id: "call_1".into(),
            name: "get_weather".into(),
            signature: Some("sig_gemini".into()),
        },
        StreamEvent::ToolCallDelta { index: 0, fragment: "{\"city\":\"Paris\"}".into() },
        StreamEvent::Finish(FinishReason::ToolCalls),
    ] {
        encoder.encode(&ev, &mut bytes);
    }
    encoder.end(&mut bytes);
    let events = typed_events(&bytes);
    let last = accumulate_like_the_sdk(&events);
    let output = last["output"].as_array().unwrap();
    // What a client keeps of the stream is the items of `output_item.done` (Codex) or the final
    // response (the SDK): both carry the same.
    let done: Vec<Value> =
        events.iter().filter(|e| e["type"] == "response.output_item.done").map(|e| e["item"].clone()).collect();
    assert_eq!(&done, output);
    assert_eq!(assistant_turn_sent(output), kept());
}

#[test]
fn a_stream_without_include_writes_no_encrypted_content() {
    let mut encoder = StreamEncoder::new(0);
    let mut bytes = Vec::new();
    for ev in [
        StreamEvent::ReasoningDelta("Need the weather.".into()),
        StreamEvent::ReasoningSignature("sig_anthropic".into()),
        StreamEvent::RedactedReasoning("redacted_data".into()),
        StreamEvent::ToolCallStart {
            index: 0,
            id: "call_1".into(),
            name: "get_weather".into(),
            signature: Some("sig_gemini".into()),
        },
    ] {
        encoder.encode(&ev, &mut bytes);
    }
    encoder.end(&mut bytes);
    let text = String::from_utf8(bytes).unwrap();
    assert!(!text.contains("encrypted_content") && !text.contains(MARK), "{text}");
}

#[test]
fn reasoning_items_open_the_assistant_turn_their_text_and_calls_belong_to() {
    let thinking = encode(&Carried::Thinking(signed("Hmm.", "s1"))).unwrap();
    let req = request_to_ir(&json!({"input": [
        {"role": "user", "content": "Hi"},
        {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": thinking},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hello."}]},
        {"role": "user", "content": "Again"},
        // OpenAI's own encrypted reasoning (another provider answered before): skipped.
        {"type": "reasoning", "id": "rs_2", "summary": [{"type": "summary_text", "text": "x"}], "encrypted_content": "gAAAAB"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hello again."}]},
    ]}))
    .unwrap();
    let turns: Vec<(Role, Vec<Part>)> = req.messages.iter().map(|m| (m.role, m.content.clone())).collect();
    assert_eq!(
        turns,
        [
            (Role::User, vec![Part::Text("Hi".into())]),
            (Role::Assistant, vec![signed("Hmm.", "s1"), Part::Text("Hello.".into())]),
            (Role::User, vec![Part::Text("Again".into())]),
            (Role::Assistant, vec![Part::Text("Hello again.".into())]),
        ]
    );
}

#[test]
fn a_call_signature_goes_to_the_very_next_call_only() {
    let signature = encode(&Carried::CallSignature("sig".into())).unwrap();
    let req = request_to_ir(&json!({"input": [
        {"role": "user", "content": "Hi"},
        {"type": "reasoning", "summary": [], "encrypted_content": signature},
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
        {"type": "function_call", "call_id": "c2", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "1"},
        {"type": "function_call_output", "call_id": "c2", "output": "2"},
        {"type": "reasoning", "summary": [], "encrypted_content": signature},
        {"type": "message", "role": "assistant", "content": "text between"},
        {"type": "function_call", "call_id": "c3", "name": "f", "arguments": "{}"},
    ]}))
    .unwrap();
    let signatures: Vec<Option<String>> = req
        .messages
        .iter()
        .flat_map(|m| &m.content)
        .filter_map(|p| if let Part::ToolCall(c) = p { Some(c.signature.clone()) } else { None })
        .collect();
    assert_eq!(signatures, [Some("sig".to_string()), None, None]);
}
