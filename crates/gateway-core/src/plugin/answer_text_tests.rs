use serde_json::json;

use super::*;
use crate::translate::Format;

fn event(event: Option<&str>, data: Value) -> SseEvent {
    SseEvent { event: event.map(str::to_string), data: data.to_string(), ..SseEvent::default() }
}

#[test]
fn each_dialect_yields_the_text_its_event_adds() {
    let chat = event(None, json!({"choices": [{"index": 0, "delta": {"content": "Hel"}}]}));
    assert_eq!(event_text(StreamDialect::Chat(Format::OPENAI), &chat).as_deref(), Some("Hel"));
    let anthropic = event(
        Some("content_block_delta"),
        json!({"type": "content_block_delta", "delta": {"type": "text_delta", "text": "lo"}}),
    );
    assert_eq!(event_text(StreamDialect::Chat(Format::ANTHROPIC), &anthropic).as_deref(), Some("lo"));
    let gemini = event(None, json!({"candidates": [{"content": {"parts": [{"text": "a"}, {"text": "b"}]}}]}));
    assert_eq!(event_text(StreamDialect::Chat(Format::GEMINI), &gemini).as_deref(), Some("ab"));
    let responses =
        event(Some("response.output_text.delta"), json!({"type": "response.output_text.delta", "delta": "r"}));
    assert_eq!(event_text(StreamDialect::Chat(Format::RESPONSES), &responses).as_deref(), Some("r"));
    assert_eq!(
        event_text(StreamDialect::Chat(Format::OPENAI), &event(None, json!({"choices": [{"delta": {}}]}))),
        None
    );
    assert_eq!(
        event_text(StreamDialect::Chat(Format::OPENAI), &SseEvent { data: "[DONE]".into(), ..SseEvent::default() }),
        None
    );
}

#[test]
fn a_whole_answer_yields_its_text_in_any_shape() {
    let chat = json!({"choices": [{"message": {"role": "assistant", "content": "one"}}]});
    assert_eq!(json_texts(&chat), ["one"]);
    let anthropic = json!({"content": [{"type": "text", "text": "two"}], "model": "m"});
    assert_eq!(json_texts(&anthropic), ["two"]);
}
