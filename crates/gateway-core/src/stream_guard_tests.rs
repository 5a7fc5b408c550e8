use super::*;
use crate::completion::BodyEnd;

const OPENAI_DONE: &str = "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n";

fn guard_over(dialect: StreamDialect, text: &str) -> StreamGuard {
    let mut guard = StreamGuard::new(dialect);
    guard.observe(text.as_bytes());
    guard
}

#[test]
fn a_complete_openai_stream_gets_nothing_appended() {
    assert_eq!(guard_over(StreamDialect::Chat(Format::OPENAI), OPENAI_DONE).end(BodyEnd::Complete), None);
}

#[test]
fn an_openai_stream_without_done_gets_an_error_chunk() {
    let mut guard = guard_over(StreamDialect::Chat(Format::OPENAI), "data: {\"choices\":[]}\n\n");
    let appended = String::from_utf8(guard.end(BodyEnd::Complete).unwrap()).unwrap();
    let json: serde_json::Value = serde_json::from_str(appended.strip_prefix("data: ").unwrap().trim()).unwrap();
    assert_eq!(json["error"]["code"], "upstream_stream_error");
    assert!(json["error"]["message"].as_str().unwrap().contains("ended before"));
}

#[test]
fn a_broken_read_is_reported_even_after_the_terminal_event() {
    let mut guard = guard_over(StreamDialect::Chat(Format::OPENAI), OPENAI_DONE);
    let appended = String::from_utf8(guard.end(BodyEnd::Broken).unwrap()).unwrap();
    assert!(appended.contains("broke mid-stream"), "{appended}");
}

#[test]
fn a_partial_event_is_closed_before_the_error() {
    let mut guard = guard_over(StreamDialect::Chat(Format::OPENAI), "data: {\"choi");
    let appended = String::from_utf8(guard.end(BodyEnd::Broken).unwrap()).unwrap();
    assert!(appended.starts_with("\n\ndata: {\"error\""), "{appended:?}");
}

#[test]
fn anthropic_streams_end_with_message_stop_and_fail_with_an_error_event() {
    let complete = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    assert_eq!(guard_over(StreamDialect::Chat(Format::ANTHROPIC), complete).end(BodyEnd::Complete), None);
    let mut cut = guard_over(StreamDialect::Chat(Format::ANTHROPIC), "event: ping\ndata: {\"type\":\"ping\"}\n\n");
    let appended = String::from_utf8(cut.end(BodyEnd::Complete).unwrap()).unwrap();
    assert!(appended.starts_with("event: error\ndata: {"), "{appended}");
    assert!(appended.contains("\"type\":\"api_error\""));
}

#[test]
fn gemini_streams_end_with_a_finish_reason() {
    let last = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]},\"finishReason\":\"STOP\"}]}\n\n";
    assert_eq!(guard_over(StreamDialect::Chat(Format::GEMINI), last).end(BodyEnd::Complete), None);
    assert!(guard_over(StreamDialect::Chat(Format::GEMINI), "data: {\"candidates\":[]}\n\n")
        .end(BodyEnd::Complete)
        .is_some());
}

#[test]
fn an_upstream_error_event_is_not_doubled() {
    let mut guard =
        guard_over(StreamDialect::Chat(Format::OPENAI), "data: {\"error\":{\"message\":\"overloaded\"}}\n\n");
    assert!(guard.saw_error());
    assert_eq!(guard.end(BodyEnd::Complete), None);
}

#[test]
fn unknown_dialects_are_only_flagged_when_the_read_breaks() {
    assert_eq!(guard_over(StreamDialect::Unknown, "data: {}\n\n").end(BodyEnd::Complete), None);
    assert!(guard_over(StreamDialect::Unknown, "data: {}\n\n").end(BodyEnd::Broken).is_some());
}

#[test]
fn chunk_boundaries_do_not_matter() {
    for cut in 0..OPENAI_DONE.len() {
        let mut guard = StreamGuard::new(StreamDialect::Chat(Format::OPENAI));
        guard.observe(&OPENAI_DONE.as_bytes()[..cut]);
        guard.observe(&OPENAI_DONE.as_bytes()[cut..]);
        assert_eq!(guard.end(BodyEnd::Complete), None, "cut at {cut}");
    }
}

#[test]
fn the_path_decides_the_dialect_not_the_provider() {
    let cases = [
        ("https://api.openai.com/v1/chat/completions", StreamDialect::Chat(Format::OPENAI)),
        ("https://api.openai.com/v1/completions", StreamDialect::Chat(Format::OPENAI)),
        ("https://api.openai.com/v1/responses", StreamDialect::Chat(Format::RESPONSES)),
        ("https://api.openai.com/v1/responses/resp_123?stream=true", StreamDialect::Chat(Format::RESPONSES)),
        ("https://api.groq.com/openai/v1/responses", StreamDialect::Chat(Format::RESPONSES)),
        ("https://api.openai.com/v1/audio/speech", StreamDialect::Audio),
        ("https://api.openai.com/v1/audio/transcriptions", StreamDialect::Audio),
        ("https://api.openai.com/v1/images/generations", StreamDialect::Images),
        ("https://api.openai.com/v1/images/edits", StreamDialect::Images),
        ("https://api.openai.com/v1/embeddings", StreamDialect::Unknown),
        ("https://api.anthropic.com/v1/messages", StreamDialect::Chat(Format::ANTHROPIC)),
        ("https://api.anthropic.com/v1/messages?beta=true", StreamDialect::Chat(Format::ANTHROPIC)),
        // Anthropic's OpenAI SDK compatibility endpoint speaks Chat Completions.
        ("https://api.anthropic.com/v1/chat/completions", StreamDialect::Chat(Format::OPENAI)),
        ("https://api.anthropic.com/v1/messages/batches", StreamDialect::Unknown),
        (
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            StreamDialect::Chat(Format::GEMINI),
        ),
        (
            "https://generativelanguage.googleapis.com/v1beta/models/g%3AstreamGenerateContent",
            StreamDialect::Chat(Format::GEMINI),
        ),
        // Gemini's OpenAI-compatible endpoint ends with [DONE], not with a finishReason.
        (
            "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
            StreamDialect::Chat(Format::OPENAI),
        ),
        ("https://generativelanguage.googleapis.com/v1beta/models/g:batchEmbedContents", StreamDialect::Unknown),
        (
            "https://api.cloudflare.com/client/v4/accounts/a/ai/run/@cf/meta/llama-3.1-8b-instruct",
            StreamDialect::Unknown,
        ),
        ("http://127.0.0.1:9999/openai/v1/responses", StreamDialect::Chat(Format::RESPONSES)),
    ];
    for (url, expected) in cases {
        assert_eq!(StreamDialect::of(url), expected, "{url}");
    }
}

const RESPONSES_DONE: &str = "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0}\n\n\
event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":1,\"delta\":\"hi\"}\n\n\
event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":2,\"response\":{\"status\":\"completed\"}}\n\n";

#[test]
fn a_responses_stream_ends_on_its_completed_event_without_done() {
    assert_eq!(
        guard_over(StreamDialect::of("https://api.openai.com/v1/responses"), RESPONSES_DONE).end(BodyEnd::Complete),
        None
    );
    for last in ["response.incomplete", "response.failed"] {
        let text = format!("event: {last}\ndata: {{\"type\":\"{last}\",\"sequence_number\":5}}\n\n");
        assert_eq!(guard_over(StreamDialect::Chat(Format::RESPONSES), &text).end(BodyEnd::Complete), None, "{last}");
    }
    // Without event names, the data's top-level type decides; a nested one does not.
    let unnamed = "data: {\"type\":\"response.completed\",\"sequence_number\":1}\n\n";
    assert_eq!(guard_over(StreamDialect::Chat(Format::RESPONSES), unnamed).end(BodyEnd::Complete), None);
    let nested = "data: {\"type\":\"response.output_item.done\",\"item\":{\"type\":\"response.completed\"}}\n\n";
    assert!(guard_over(StreamDialect::Chat(Format::RESPONSES), nested).end(BodyEnd::Complete).is_some());
}

#[test]
fn a_cut_responses_stream_gets_a_responses_error_event_after_the_last_sequence_number() {
    let cut = &RESPONSES_DONE[..RESPONSES_DONE.find("event: response.completed").unwrap()];
    let appended =
        String::from_utf8(guard_over(StreamDialect::Chat(Format::RESPONSES), cut).end(BodyEnd::Complete).unwrap())
            .unwrap();
    let data = appended.strip_prefix("event: error\ndata: ").unwrap().trim();
    let json: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(json["type"], "error");
    assert_eq!(json["sequence_number"], 2);
    assert_eq!(json["code"], STREAM_ERROR_CODE);
    assert!(json["message"].as_str().unwrap().contains("ended before"));
    assert_eq!(json["error"]["code"], STREAM_ERROR_CODE, "the nested object the SDKs raise on");
}

#[test]
fn a_responses_error_event_from_the_upstream_is_not_doubled() {
    let upstream = "event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\",\"message\":\"x\"}\n\n";
    let mut guard = guard_over(StreamDialect::Chat(Format::RESPONSES), upstream);
    assert!(guard.saw_error());
    assert_eq!(guard.end(BodyEnd::Complete), None);
}

#[test]
fn audio_and_image_streams_end_on_their_done_events() {
    let speech = "data: {\"type\":\"speech.audio.delta\",\"audio\":\"AAA=\"}\n\ndata: {\"type\":\"speech.audio.done\",\"usage\":{}}\n\n";
    assert_eq!(
        guard_over(StreamDialect::of("https://api.openai.com/v1/audio/speech"), speech).end(BodyEnd::Complete),
        None
    );
    let transcript = "data: {\"type\":\"transcript.text.done\",\"text\":\"hi\"}\n\n";
    assert_eq!(guard_over(StreamDialect::Audio, transcript).end(BodyEnd::Complete), None);
    let image = "event: image_generation.completed\ndata: {\"type\":\"image_generation.completed\"}\n\n";
    assert_eq!(guard_over(StreamDialect::Images, image).end(BodyEnd::Complete), None);
    let partial = "data: {\"type\":\"speech.audio.delta\",\"audio\":\"AAA=\"}\n\n";
    assert!(guard_over(StreamDialect::Audio, partial).end(BodyEnd::Complete).is_some());
}

#[test]
fn gemini_and_anthropic_openai_compatible_endpoints_end_with_done() {
    let url = "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions";
    assert_eq!(guard_over(StreamDialect::of(url), OPENAI_DONE).end(BodyEnd::Complete), None);
    let url = "https://api.anthropic.com/v1/chat/completions";
    assert_eq!(guard_over(StreamDialect::of(url), OPENAI_DONE).end(BodyEnd::Complete), None);
}

#[test]
fn embeddings_are_never_judged_by_a_chat_terminal() {
    assert_eq!(
        guard_over(StreamDialect::of("https://api.openai.com/v1/embeddings"), "data: {}\n\n").end(BodyEnd::Complete),
        None
    );
}
