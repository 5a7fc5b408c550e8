//! Copies a response body as it streams to the client, to store it once it ended well.
//!
//! The runtime tees the upstream body: one branch goes to the client untouched, the recorder gets
//! a copy of each chunk. Recording never delays or alters the client's stream; it only decides
//! afterwards whether the copy is fit to cache. A body is stored only when it is complete, within
//! the size limit and, for an SSE stream, ends on an event boundary and carried no error event.

use crate::sse::{SseEvent, SseParser};

/// The copy of one response body.
#[derive(Debug)]
pub struct ResponseRecorder {
    max_bytes: usize,
    body: Vec<u8>,
    /// Set once the body passed `max_bytes`: the copy was dropped and the rest is ignored.
    over_limit: bool,
    sse: Option<SseWatch>,
}

#[derive(Debug, Default)]
struct SseWatch {
    parser: SseParser,
    saw_error: bool,
}

impl ResponseRecorder {
    /// A recorder keeping at most `max_bytes` of body; `is_event_stream` when the response's
    /// content type is `text/event-stream` (see [`super::entry::is_event_stream`]).
    pub fn new(max_bytes: usize, is_event_stream: bool) -> Self {
        ResponseRecorder {
            max_bytes,
            body: Vec::new(),
            over_limit: false,
            sse: is_event_stream.then(SseWatch::default),
        }
    }

    /// Records the next chunk. Past `max_bytes` the copy is freed and recording stops for good.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.over_limit {
            return;
        }
        if self.body.len().saturating_add(chunk.len()) > self.max_bytes {
            self.over_limit = true;
            self.body = Vec::new();
            self.sse = None;
            return;
        }
        self.body.extend_from_slice(chunk);
        if let Some(watch) = &mut self.sse {
            let saw_error = &mut watch.saw_error;
            watch.parser.feed(chunk, |event| *saw_error |= is_error_event(&event));
        }
    }

    /// Whether the recorder still wants chunks: false once over the limit or once an SSE error
    /// event was seen, so the runtime may stop copying.
    pub fn is_recording(&self) -> bool {
        !self.over_limit && !self.sse.as_ref().is_some_and(|w| w.saw_error)
    }

    /// Ends the recording. `complete` is the runtime's word that the upstream body ended normally
    /// (not cut, not cancelled). Returns the body when it may be cached, `None` otherwise.
    pub fn finish(self, complete: bool) -> Option<Vec<u8>> {
        if !complete || self.over_limit {
            return None;
        }
        if let Some(watch) = &self.sse {
            if watch.saw_error || watch.parser.has_partial() {
                return None;
            }
        }
        Some(self.body)
    }
}

/// An Anthropic `event: error`, or a data payload that is a JSON object with an `error` member
/// (OpenAI and OpenAI-compatible providers report mid-stream failures so).
fn is_error_event(event: &SseEvent) -> bool {
    if event.event.as_deref() == Some("error") {
        return true;
    }
    // Cheap filter before parsing: most events are large deltas without the word.
    event.data.contains("\"error\"")
        && serde_json::from_str::<serde_json::Value>(&event.data).is_ok_and(|v| v.get("error").is_some())
}

#[cfg(test)]
#[path = "recorder_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "recorder_props.rs"]
mod props;
