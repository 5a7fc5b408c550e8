//! Unit tests of `translate::responses` as a [`WireFormat`]: what the stream guard, the
//! response plugins and the compat endpoint ask of it.

use serde_json::{json, Value};

use super::*;
use crate::sse::SseParser;
use crate::translate::{Format, StreamTranslator};

fn named(event: &str, data: Value) -> SseEvent {
    SseEvent { event: Some(event.to_string()), data: data.to_string(), ..SseEvent::default() }
}

/// The data of every event of `bytes`, parsed.
fn events(bytes: &[u8]) -> Vec<(Option<String>, Value)> {
    let mut out = Vec::new();
    SseParser::new().feed(bytes, |ev| out.push((ev.event.clone(), serde_json::from_str(&ev.data).unwrap())));
    out
}

#[test]
fn its_streams_end_on_completed_incomplete_or_failed_only() {
    for kind in ["response.completed", "response.incomplete", "response.failed"] {
        assert!(Responses.is_stream_end(&named(kind, json!({"type": kind}))), "{kind}");
    }
    let unnamed = SseEvent { data: json!({"type": "response.completed"}).to_string(), ..SseEvent::default() };
    assert!(Responses.is_stream_end(&unnamed));
    let nested = json!({"type": "response.output_item.done", "item": {"type": "response.completed"}});
    assert!(!Responses.is_stream_end(&named("response.output_item.done", nested)));
    assert!(!Responses.is_stream_end(&SseEvent { data: "[DONE]".into(), ..SseEvent::default() }));
}

#[test]
fn its_errors_are_error_events_the_sdk_raises_on_numbered_after_the_last_event() {
    assert!(Responses.is_stream_error(&named("error", json!({"type": "error", "code": "x", "message": "y"}))));
    assert!(!Responses.is_stream_error(&named("response.output_text.delta", json!({"delta": "error"}))));
    assert_eq!(
        Responses.event_sequence(r#"{"type":"response.output_text.delta","sequence_number": 17,"x":1}"#),
        Some(17)
    );
    assert_eq!(Responses.event_sequence(r#"{"type":"response.created"}"#), None);

    let error = ApiError { status: 429, message: "Slow down".into(), kind: "rate_limit_error".into(), code: None };
    let mut out = Vec::new();
    Responses.stream_error(&error, 5, &mut out);
    let [(name, data)] = &events(&out)[..] else { panic!("one event: {}", String::from_utf8_lossy(&out)) };
    assert_eq!(name.as_deref(), Some("error"));
    assert_eq!(
        (&data["type"], &data["code"], &data["message"], &data["sequence_number"]),
        (&json!("error"), &json!("rate_limit_exceeded"), &json!("Slow down"), &json!(5))
    );
    assert_eq!(data["error"]["message"], "Slow down", "the nested object the openai SDK raises on");
    assert!(data.get("param").is_some());

    let broken = Responses.broken_stream_event("upstream_stream_error", "cut", 9);
    let [(name, data)] = &events(&broken)[..] else { panic!("one event") };
    assert_eq!(name.as_deref(), Some("error"));
    assert_eq!((&data["code"], &data["sequence_number"]), (&json!("upstream_stream_error"), &json!(9)));
    assert_eq!(data["error"]["type"], "server_error");
}

#[test]
fn plugins_read_and_replace_only_output_text() {
    let mut delta = json!({"type": "response.output_text.delta", "delta": "Hel", "sequence_number": 3});
    assert_eq!(Responses.event_text(&delta).as_deref(), Some("Hel"));
    assert!(Responses.set_event_text(&mut delta, "Hello"));
    assert_eq!(delta["delta"], "Hello");
    let mut arguments = json!({"type": "response.function_call_arguments.delta", "delta": "{\"a\""});
    assert_eq!(Responses.event_text(&arguments), None);
    assert!(!Responses.set_event_text(&mut arguments, "text"), "a call's arguments are not answer text");
    assert_eq!(arguments["delta"], "{\"a\"");
    assert_eq!(Responses.event_text(&json!({"type": "response.completed", "response": {}})), None);
}

#[test]
fn paths_and_answers_are_claimed_as_responses() {
    assert_eq!(Responses.upstream_path(Some("v1"), "gpt-5", true), ("v1/responses".to_string(), None));
    assert_eq!(Responses.upstream_path(None, "gpt-5", false), ("responses".to_string(), None));
    assert!(Responses.chat_path("/v1/responses"));
    assert!(!Responses.chat_path("/v1/chat/completions"));
    assert!(Responses.streams_at("/v1/responses/resp_1"));
    assert!(!Responses.streams_at("/v1/chat/completions"));
    assert!(Responses.recognises(&json!({"object": "response", "output": []})));
    assert!(Responses.recognises(&json!({"type": "response.created"})));
    assert!(!Responses.recognises(&json!({"object": "chat.completion", "choices": []})));
    assert!(Responses.conversation().is_none(), "the semantic cache does not read Responses bodies");
}

/// A Responses stream the upstream cut after `response.created` and one text delta.
const CUT: &str = "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"r\",\"model\":\"m\"}}\n\n\
event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":1,\"output_index\":0,\"content_index\":0,\"delta\":\"Hi\"}\n\n";

#[test]
fn an_error_closing_a_cut_stream_follows_the_last_event_sent() {
    // Passed through: the upstream's numbering.
    let mut through = StreamTranslator::new(Format::RESPONSES, Format::RESPONSES, StreamOptions::default());
    through.push(CUT.as_bytes());
    let sent = events(&through.error_event("cut"));
    assert_eq!(sent[0].1["sequence_number"], 2);
    assert_eq!(sent[0].1["code"], "upstream_stream_error");

    // Translated: the encoder's numbering.
    let chat = "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n";
    let mut translated = StreamTranslator::new(Format::OPENAI, Format::RESPONSES, StreamOptions::default());
    let before = events(&translated.push(chat.as_bytes()));
    let last = before.last().unwrap().1["sequence_number"].as_u64().unwrap();
    let sent = events(&translated.error_event("cut"));
    assert_eq!(sent[0].1["sequence_number"], last + 1);
}
