use async_trait::async_trait;

use super::*;
use crate::error::{ErrorKind, GatewayError};
use crate::translate::Format;

/// Upper-cases text events, and stops the stream at an event holding "stop".
struct Shout;

#[async_trait(?Send)]
impl Plugin for Shout {
    fn name(&self) -> &'static str {
        "shout"
    }

    fn wants_response_events(&self) -> bool {
        true
    }

    fn on_response_event(
        &self,
        _: &mut RequestContext,
        _: StreamDialect,
        event: &mut SseEvent,
    ) -> Result<(), GatewayError> {
        if event.data.contains("stop") {
            return Err(GatewayError::new(ErrorKind::ContentBlocked, "stopped"));
        }
        event.data = event.data.to_uppercase();
        Ok(())
    }
}

fn plugins() -> Vec<Rc<dyn Plugin>> {
    vec![Rc::new(Shout)]
}

#[test]
fn events_pass_changed_and_the_last_ones_wait_for_the_next() {
    let mut stage = EventStage::new(StreamDialect::Chat(Format::OPENAI), 1);
    let mut ctx = RequestContext::default();
    let mut out = Vec::new();
    // Cut mid-event: nothing is released before its end.
    stage.push(b"data: a\n\nda", &plugins(), &mut ctx, &mut out);
    assert!(out.is_empty(), "one event held back");
    stage.push(b"ta: b\n\n", &plugins(), &mut ctx, &mut out);
    assert_eq!(out, b"data: A\n\n");
    stage.flush(&mut out);
    assert_eq!(out, b"data: A\n\ndata: B\n\n");
}

#[test]
fn stopping_drops_what_is_held_and_ends_with_an_error_event() {
    let mut stage = EventStage::new(StreamDialect::Chat(Format::OPENAI), 2);
    let mut ctx = RequestContext::default();
    let mut out = Vec::new();
    stage.push(
        b"data: one\n\ndata: two\n\ndata: three\n\ndata: stop\n\ndata: after\n\n",
        &plugins(),
        &mut ctx,
        &mut out,
    );
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.starts_with("data: ONE\n\n"), "{text}");
    assert!(
        !text.contains("TWO") && !text.contains("THREE") && !text.contains("after"),
        "held events are dropped: {text}"
    );
    assert!(text.contains("content_blocked") && text.contains("stopped"), "{text}");
    assert!(stage.stopped());
    assert_eq!(ctx.error.as_ref().map(GatewayError::status), Some(400));
    let before = out.len();
    stage.push(b"data: more\n\n", &plugins(), &mut ctx, &mut out);
    stage.flush(&mut out);
    assert_eq!(out.len(), before, "nothing after the stop");
}

/// Stops the stream at an event holding "stop", changing nothing.
struct StopOnly;

#[async_trait(?Send)]
impl Plugin for StopOnly {
    fn name(&self) -> &'static str {
        "stop-only"
    }

    fn wants_response_events(&self) -> bool {
        true
    }

    fn on_response_event(
        &self,
        _: &mut RequestContext,
        _: StreamDialect,
        event: &mut SseEvent,
    ) -> Result<(), GatewayError> {
        if event.data.contains("stop") {
            return Err(GatewayError::new(ErrorKind::ContentBlocked, "stopped"));
        }
        Ok(())
    }
}

#[test]
fn a_responses_stream_stopped_ends_with_an_error_numbered_after_the_last_event_released() {
    let mut stage = EventStage::new(StreamDialect::Chat(Format::RESPONSES), 1);
    let mut ctx = RequestContext::default();
    let mut out = Vec::new();
    let event = |n: u64, delta: &str| {
        format!("event: response.output_text.delta\ndata: {{\"type\":\"response.output_text.delta\",\"sequence_number\":{n},\"delta\":\"{delta}\"}}\n\n")
    };
    let stream = [event(4, "a"), event(5, "b"), event(6, "stop")].concat();
    let plugins: Vec<Rc<dyn Plugin>> = vec![Rc::new(StopOnly)];
    stage.push(stream.as_bytes(), &plugins, &mut ctx, &mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with(&event(4, "a")), "{text}");
    assert!(!text.contains("\"b\""), "the held event is dropped: {text}");
    let error = text.split("event: error\ndata: ").nth(1).expect(&text);
    let error: serde_json::Value = serde_json::from_str(error.trim()).unwrap();
    assert_eq!((error["sequence_number"].as_u64(), error["code"].as_str()), (Some(5), Some("content_blocked")));
}
