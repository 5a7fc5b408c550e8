//! Unit tests of `translate::stream` (the cross-format battery lives in `mod_tests.rs`).

use serde_json::Value;

use super::*;
use crate::translate::tests::{collect, fixture};

fn data_lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes).lines().filter_map(|l| l.strip_prefix("data: ").map(str::to_string)).collect()
}

#[test]
fn openai_output_has_role_first_then_usage_chunk_then_done() {
    let mut t = StreamTranslator::new(
        Format::ANTHROPIC,
        Format::OPENAI,
        StreamOptions { include_usage: true, created: 99, ..StreamOptions::default() },
    );
    let mut out = t.push(&fixture(Format::ANTHROPIC, "stream_text.sse"));
    out.extend(t.finish());
    let lines = data_lines(&out);
    let first: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(first["object"], "chat.completion.chunk");
    assert_eq!(first["created"], 99);
    assert_eq!(first["choices"][0]["delta"]["role"], "assistant");
    let usage: Value = serde_json::from_str(&lines[lines.len() - 2]).unwrap();
    assert_eq!(usage["choices"], serde_json::json!([]));
    assert_eq!(usage["usage"]["total_tokens"], 16);
    assert_eq!(lines.last().map(String::as_str), Some("[DONE]"));
}

#[test]
fn a_cut_stream_is_not_terminal_and_gets_an_explicit_error() {
    let body = fixture(Format::OPENAI, "stream_text.sse");
    let cut = &body[..body.len() / 2];
    let mut t = StreamTranslator::new(Format::OPENAI, Format::ANTHROPIC, StreamOptions::default());
    let out = t.push(cut);
    assert!(!out.is_empty());
    assert!(t.finish().is_empty(), "no message_stop for a cut stream");
    assert!(!t.saw_terminal());
    let err = String::from_utf8(t.error_event("upstream connection lost")).unwrap();
    assert!(err.starts_with("event: error\ndata: "), "{err}");
    assert!(err.contains(r#""type":"api_error""#) && err.contains("upstream connection lost"));
    assert!(t.push(b"data: [DONE]\n\n").is_empty(), "nothing after the error");

    let mut t = StreamTranslator::new(Format::ANTHROPIC, Format::OPENAI, StreamOptions::default());
    let err = String::from_utf8(t.error_event("cut")).unwrap();
    assert_eq!(data_lines(err.as_bytes()).len(), 1);
    let v: Value = serde_json::from_str(&data_lines(err.as_bytes())[0]).unwrap();
    assert_eq!(v["error"]["message"], "cut");
    assert_eq!(v["error"]["code"], "upstream_stream_error", "the code of an untranslated stream's error event");
}

#[test]
fn an_upstream_error_event_reaches_the_client_in_its_format_without_done() {
    let stream = b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\",\"usage\":{\"input_tokens\":3,\"output_tokens\":0}}}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    let mut t = StreamTranslator::new(
        Format::ANTHROPIC,
        Format::OPENAI,
        StreamOptions { include_usage: true, created: 0, ..StreamOptions::default() },
    );
    let mut out = t.push(stream);
    out.extend(t.finish());
    assert!(t.saw_terminal());
    let c = collect(Format::OPENAI, &out);
    assert_eq!(c.errors, vec!["Overloaded".to_string()]);
    assert!(!String::from_utf8_lossy(&out).contains("[DONE]"));
}

#[test]
fn same_format_passes_bytes_through_and_still_reads_usage() {
    let body = fixture(Format::ANTHROPIC, "stream_tool_call.sse");
    let mut t = StreamTranslator::new(Format::ANTHROPIC, Format::ANTHROPIC, StreamOptions::default());
    let (a, b) = body.split_at(37);
    let mut out = t.push(a);
    out.extend(t.push(b));
    out.extend(t.finish());
    assert_eq!(out, body);
    assert!(t.saw_terminal());
    assert_eq!(t.usage().map(|u| u.output_tokens), Some(4));
}

#[test]
fn gemini_upstream_is_closed_at_the_end_of_the_body() {
    let body = fixture(Format::GEMINI, "stream_text.sse");
    let mut t = StreamTranslator::new(Format::GEMINI, Format::OPENAI, StreamOptions::default());
    let out = t.push(&body);
    assert!(t.saw_terminal());
    assert!(!String::from_utf8_lossy(&out).contains("[DONE]"), "usage may still follow");
    assert_eq!(data_lines(&t.finish()), vec!["[DONE]".to_string()]);
}
