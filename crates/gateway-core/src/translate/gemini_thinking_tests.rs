//! Unit tests of `translate::gemini::thinking`.

use serde_json::json;

use super::*;
use crate::sse::SseEvent;
use crate::translate::gemini;
use crate::translate::ir::{ChatRequest, Message, Part, Role, StreamEvent, Thought, ToolCall};

#[test]
fn each_model_family_gets_the_config_it_takes() {
    let high = Reasoning::Effort(ReasoningEffort::High);
    let config = |model, r| thinking_config(model, r);
    assert_eq!(config("gemini-2.5-flash", high), Some(json!({"thinkingBudget": 24576, "includeThoughts": true})));
    assert_eq!(
        config("gemini-2.5-flash", Reasoning::Off),
        Some(json!({"thinkingBudget": 0, "includeThoughts": false}))
    );
    assert_eq!(
        config("gemini-2.5-pro", Reasoning::Off),
        Some(json!({"thinkingBudget": 128, "includeThoughts": false}))
    );
    assert_eq!(config("models/gemini-2.5-pro", Reasoning::Budget(99_999)).unwrap()["thinkingBudget"], 32768);
    assert_eq!(config("gemini-2.5-flash-lite", Reasoning::Budget(10)).unwrap()["thinkingBudget"], 512);
    assert_eq!(
        config("gemini-3-pro-preview", Reasoning::Effort(ReasoningEffort::Medium)).unwrap()["thinkingLevel"],
        "high"
    );
    assert_eq!(config("gemini-3-pro-preview", Reasoning::Off).unwrap()["thinkingLevel"], "low");
    assert_eq!(config("gemini-3-flash-preview", Reasoning::Budget(2000)).unwrap()["thinkingLevel"], "low");
    assert_eq!(config("gemini-3-flash-preview", Reasoning::Off).unwrap()["thinkingLevel"], "minimal");
    assert_eq!(config("gemini-2.0-flash", high), None);
    assert_eq!(config("gemma-3-27b-it", high), None);
}

#[test]
fn thinking_config_is_read_back() {
    let read = |t| request_reasoning(&json!({ "thinkingConfig": t }));
    assert_eq!(read(json!({"thinkingLevel": "LOW"})), Some(Reasoning::Effort(ReasoningEffort::Low)));
    assert_eq!(read(json!({"thinkingBudget": 0})), Some(Reasoning::Off));
    assert_eq!(read(json!({"thinkingBudget": -1})), Some(Reasoning::Effort(ReasoningEffort::Medium)));
    assert_eq!(read(json!({"thinkingBudget": 5000})), Some(Reasoning::Budget(5000)));
    assert_eq!(request_reasoning(&json!({})), None);
}

#[test]
fn requests_send_signed_thoughts_and_call_signatures_back() {
    let call = ToolCall { id: "c".into(), name: "f".into(), arguments: "{}".into(), signature: Some("fc".into()) };
    let req = ChatRequest {
        model: "gemini-2.5-flash".into(),
        messages: vec![
            Message::text(Role::User, "hi"),
            Message {
                role: Role::Assistant,
                content: vec![
                    Part::Reasoning(Thought { text: "summary".into(), signature: None }),
                    Part::Reasoning(Thought { text: "t".into(), signature: Some("ts".into()) }),
                    Part::RedactedReasoning("enc".into()),
                    Part::ToolCall(call),
                ],
            },
        ],
        reasoning: Some(Reasoning::Budget(3000)),
        ..ChatRequest::default()
    };
    let out = gemini::request_from_ir(&req).unwrap();
    assert_eq!(
        out["contents"][1]["parts"],
        json!([
            {"text": "t", "thought": true, "thoughtSignature": "ts"},
            {"functionCall": {"name": "f", "args": {}}, "thoughtSignature": "fc"},
        ])
    );
    assert_eq!(out["generationConfig"]["thinkingConfig"], json!({"thinkingBudget": 3000, "includeThoughts": true}));
    let back = gemini::request_to_ir(&out).unwrap();
    assert_eq!(back.messages[1].content[0], req.messages[1].content[1]);
    let Part::ToolCall(c) = &back.messages[1].content[1] else { panic!("{:?}", back.messages[1]) };
    assert_eq!(c.signature.as_deref(), Some("fc"));
}

#[test]
fn streams_decode_thoughts_and_signatures_and_encode_them_back() {
    let mut d = gemini::StreamDecoder::default();
    let mut events = Vec::new();
    let chunk = json!({"candidates": [{"content": {"parts": [
        {"text": "plan", "thought": true},
        {"thought": true, "thoughtSignature": "ts"},
        {"functionCall": {"name": "f", "args": {"a": 1}}, "thoughtSignature": "fc"},
    ]}}]});
    d.decode(&SseEvent { data: chunk.to_string(), ..SseEvent::default() }, &mut events);
    assert_eq!(
        events[1..4],
        [
            StreamEvent::ReasoningDelta("plan".into()),
            StreamEvent::ReasoningSignature("ts".into()),
            StreamEvent::ToolCallStart {
                index: 0,
                id: "call_0".into(),
                name: "f".into(),
                signature: Some("fc".into())
            },
        ]
    );

    let mut e = gemini::StreamEncoder::new();
    let mut out = Vec::new();
    for ev in &events {
        e.encode(ev, &mut out);
    }
    e.end(&mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(r#"{"text":"plan","thought":true}"#), "{text}");
    assert!(text.contains(r#"{"text":"","thought":true,"thoughtSignature":"ts"}"#), "{text}");
    assert!(text.contains(r#"{"functionCall":{"args":{"a":1},"name":"f"},"thoughtSignature":"fc"}"#), "{text}");
}
