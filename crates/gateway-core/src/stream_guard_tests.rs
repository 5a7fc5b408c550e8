use super::*;
use crate::completion::BodyEnd;

const OPENAI_DONE: &str = "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n";

fn guard_over(format: ApiFormat, text: &str) -> StreamGuard {
    let mut guard = StreamGuard::new(format);
    guard.observe(text.as_bytes());
    guard
}

#[test]
fn a_complete_openai_stream_gets_nothing_appended() {
    assert_eq!(guard_over(ApiFormat::OpenAi, OPENAI_DONE).end(BodyEnd::Complete), None);
}

#[test]
fn an_openai_stream_without_done_gets_an_error_chunk() {
    let mut guard = guard_over(ApiFormat::OpenAi, "data: {\"choices\":[]}\n\n");
    let appended = String::from_utf8(guard.end(BodyEnd::Complete).unwrap()).unwrap();
    let json: serde_json::Value = serde_json::from_str(appended.strip_prefix("data: ").unwrap().trim()).unwrap();
    assert_eq!(json["error"]["code"], "upstream_stream_error");
    assert!(json["error"]["message"].as_str().unwrap().contains("ended before"));
}

#[test]
fn a_broken_read_is_reported_even_after_the_terminal_event() {
    let mut guard = guard_over(ApiFormat::OpenAi, OPENAI_DONE);
    let appended = String::from_utf8(guard.end(BodyEnd::Broken).unwrap()).unwrap();
    assert!(appended.contains("broke mid-stream"), "{appended}");
}

#[test]
fn a_partial_event_is_closed_before_the_error() {
    let mut guard = guard_over(ApiFormat::OpenAi, "data: {\"choi");
    let appended = String::from_utf8(guard.end(BodyEnd::Broken).unwrap()).unwrap();
    assert!(appended.starts_with("\n\ndata: {\"error\""), "{appended:?}");
}

#[test]
fn anthropic_streams_end_with_message_stop_and_fail_with_an_error_event() {
    let complete = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    assert_eq!(guard_over(ApiFormat::Anthropic, complete).end(BodyEnd::Complete), None);
    let mut cut = guard_over(ApiFormat::Anthropic, "event: ping\ndata: {\"type\":\"ping\"}\n\n");
    let appended = String::from_utf8(cut.end(BodyEnd::Complete).unwrap()).unwrap();
    assert!(appended.starts_with("event: error\ndata: {"), "{appended}");
    assert!(appended.contains("\"type\":\"api_error\""));
}

#[test]
fn gemini_streams_end_with_a_finish_reason() {
    let last = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]},\"finishReason\":\"STOP\"}]}\n\n";
    assert_eq!(guard_over(ApiFormat::Gemini, last).end(BodyEnd::Complete), None);
    assert!(guard_over(ApiFormat::Gemini, "data: {\"candidates\":[]}\n\n").end(BodyEnd::Complete).is_some());
}

#[test]
fn an_upstream_error_event_is_not_doubled() {
    let mut guard = guard_over(ApiFormat::OpenAi, "data: {\"error\":{\"message\":\"overloaded\"}}\n\n");
    assert!(guard.saw_error());
    assert_eq!(guard.end(BodyEnd::Complete), None);
}

#[test]
fn native_formats_are_only_flagged_when_the_read_breaks() {
    assert_eq!(guard_over(ApiFormat::Native, "data: {}\n\n").end(BodyEnd::Complete), None);
    assert!(guard_over(ApiFormat::Native, "data: {}\n\n").end(BodyEnd::Broken).is_some());
}

#[test]
fn chunk_boundaries_do_not_matter() {
    for cut in 0..OPENAI_DONE.len() {
        let mut guard = StreamGuard::new(ApiFormat::OpenAi);
        guard.observe(&OPENAI_DONE.as_bytes()[..cut]);
        guard.observe(&OPENAI_DONE.as_bytes()[cut..]);
        assert_eq!(guard.end(BodyEnd::Complete), None, "cut at {cut}");
    }
}
