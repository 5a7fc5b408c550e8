use pollster::block_on;
use serde_json::json;

use super::*;
use crate::plugin::event_stage::EventStage;
use crate::plugin::guardrail::{Action, GuardrailEvent};
use crate::translate::Format;

fn guard(config: Value) -> Rc<dyn Plugin> {
    build(&config).unwrap()
}

fn chunk(text: &str) -> String {
    format!("data: {}\n\n", json!({"choices": [{"index": 0, "delta": {"content": text}}]}))
}

#[test]
fn a_match_split_over_events_stops_the_stream_before_the_held_events_leave() {
    let plugins = vec![guard(json!({"block": {"words": ["secret plan"]}, "hold_back": 2}))];
    let mut stage = EventStage::new(StreamDialect::Chat(Format::OPENAI), 2);
    let mut ctx = RequestContext::default();
    let mut out = Vec::new();
    for piece in ["Here is ", "the sec", "ret pl", "an: ..."] {
        stage.push(chunk(piece).as_bytes(), &plugins, &mut ctx, &mut out);
    }
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("Here is "), "released before the match: {text}");
    assert!(!text.contains("sec") && !text.contains("ret pl"), "the pieces of the match never left: {text}");
    assert!(text.contains("content_blocked") && text.contains("block.words[0]"), "{text}");
    assert_eq!(ctx.guardrails, [GuardrailEvent::new(NAME, Action::Block, "block.words[0]")]);
}

#[test]
fn flags_are_reported_once_and_everything_passes() {
    let plugins = vec![guard(json!({"flag": {"words": ["lawsuit"]}}))];
    let mut stage = EventStage::new(StreamDialect::Chat(Format::OPENAI), 4);
    let mut ctx = RequestContext::default();
    let mut out = Vec::new();
    for piece in ["a law", "suit and ", "another lawsuit"] {
        stage.push(chunk(piece).as_bytes(), &plugins, &mut ctx, &mut out);
    }
    stage.flush(&mut out);
    assert_eq!(String::from_utf8(out).unwrap().matches("data: ").count(), 3);
    assert_eq!(ctx.guardrails, [GuardrailEvent::new(NAME, Action::Flag, "flag.words[0]")]);
}

#[test]
fn a_whole_answer_is_checked_before_any_of_it_is_sent() {
    let plugin = guard(json!({"block": {"patterns": ["BEGIN [A-Z ]*PRIVATE KEY"]}, "message": "withheld"}));
    let mut ctx = RequestContext::default();
    let mut fine = json!({"content": [{"type": "text", "text": "hello"}]});
    assert!(block_on(plugin.on_response_json(&mut ctx, &mut fine)).is_ok());
    let mut leak = json!({"choices": [{"message": {"content": "-----BEGIN RSA PRIVATE KEY-----"}}]});
    let err = block_on(plugin.on_response_json(&mut ctx, &mut leak)).unwrap_err();
    assert_eq!((err.status(), err.message()), (400, "withheld"));
}

#[test]
fn bad_configurations_name_the_field() {
    assert!(build(&json!({"hold_back": 100})).err().unwrap().contains("hold_back"));
    assert!(build(&json!({"block": {"patterns": ["["]}})).err().unwrap().contains("block.patterns[0]"));
}
