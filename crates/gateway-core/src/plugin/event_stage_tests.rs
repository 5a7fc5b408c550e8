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
