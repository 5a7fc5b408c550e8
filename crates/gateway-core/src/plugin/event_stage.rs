//! The response-event phase of a streamed answer: each SSE event, in the client's dialect, goes
//! through the plugins that asked for events ([`Plugin::on_response_event`]) before the client
//! gets it, and the last few are held back (the largest [`Plugin::hold_back_events`]) so that a
//! plugin that sees a problem spread over several events can still stop them.
//!
//! Stopping is final and partial by nature: events already released reached the client; the held
//! ones are dropped, an error event in the client's dialect takes their place, and nothing after
//! it is sent. The stream is then recorded as the request's error and never cached.

use std::collections::VecDeque;
use std::rc::Rc;

use crate::plugin::{Plugin, RequestContext};
use crate::sse::{SseEvent, SseParser};
use crate::stream_guard::{error_event, StreamDialect};

/// The events in flight through the plugins.
#[derive(Debug)]
pub(crate) struct EventStage {
    parser: SseParser,
    held: VecDeque<SseEvent>,
    hold: usize,
    dialect: StreamDialect,
    stopped: bool,
    /// The number the error event takes in dialects that number their events (Responses): the
    /// one after the last event released.
    next_sequence: u64,
}

impl EventStage {
    /// A stage for a stream in `dialect` (the client's), holding back `hold` events.
    pub fn new(dialect: StreamDialect, hold: usize) -> Self {
        EventStage { parser: SseParser::new(), held: VecDeque::new(), hold, dialect, stopped: false, next_sequence: 0 }
    }

    /// Whether a plugin stopped the stream.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Takes the next bytes of the client's stream; appends to `out` what the client gets now.
    pub fn push(&mut self, bytes: &[u8], plugins: &[Rc<dyn Plugin>], ctx: &mut RequestContext, out: &mut Vec<u8>) {
        if self.stopped {
            return;
        }
        let mut events = Vec::new();
        self.parser.feed(bytes, |event| events.push(event));
        for mut event in events {
            for plugin in plugins.iter().filter(|p| p.wants_response_events()) {
                if let Err(err) = plugin.on_response_event(ctx, self.dialect, &mut event) {
                    self.held.clear();
                    let sequence = self.next_sequence;
                    out.extend_from_slice(&error_event(self.dialect, err.kind().code(), err.message(), sequence));
                    ctx.error = Some(err);
                    self.stopped = true;
                    return;
                }
            }
            self.held.push_back(event);
            while self.held.len() > self.hold {
                if let Some(released) = self.held.pop_front() {
                    if let StreamDialect::Chat(format) = self.dialect {
                        if let Some(n) = format.event_sequence(&released.data) {
                            self.next_sequence = n.saturating_add(1);
                        }
                    }
                    out.extend_from_slice(&released.to_bytes());
                }
            }
        }
    }

    /// The stream ended: every event still held goes to the client (none once stopped).
    pub fn flush(&mut self, out: &mut Vec<u8>) {
        for event in self.held.drain(..) {
            out.extend_from_slice(&event.to_bytes());
        }
    }
}

#[cfg(test)]
#[path = "event_stage_tests.rs"]
mod tests;
