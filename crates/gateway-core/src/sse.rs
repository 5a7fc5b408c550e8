//! An incremental Server-Sent Events parser, for reading streams on the side.
//!
//! Bytes arrive in chunks cut anywhere: mid-line, mid-`\r\n`, mid-UTF-8 character. The parser keeps
//! the incomplete line and emits an [`SseEvent`] at each blank line, following the WHATWG
//! event-stream rules (`data:` lines joined with `\n`, `:` comments ignored, one optional space
//! after the colon). It never fails: malformed lines are skipped, as browsers do.

/// One dispatched event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; `None` means the default `message` type.
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The `id:` field, if the event set one.
    pub id: Option<String>,
}

/// Parser state across chunks.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    /// The previous chunk ended in `\r`: a `\n` starting the next one belongs to that line end.
    after_cr: bool,
    pending: SseEvent,
    has_data: bool,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next chunk; calls `emit` for each event completed by it.
    pub fn feed(&mut self, chunk: &[u8], mut emit: impl FnMut(SseEvent)) {
        for &byte in chunk {
            if self.after_cr {
                self.after_cr = false;
                if byte == b'\n' {
                    continue;
                }
            }
            match byte {
                b'\n' => self.end_line(&mut emit),
                b'\r' => {
                    self.after_cr = true;
                    self.end_line(&mut emit);
                }
                _ => self.line.push(byte),
            }
        }
    }

    /// Whether bytes of an unfinished event are buffered: a stream that ends now was cut.
    pub fn has_partial(&self) -> bool {
        !self.line.is_empty() || self.has_data
    }

    /// Ends the stream. A final event without its blank line is *not* dispatched, per the spec:
    /// a stream cut mid-event must not look complete.
    pub fn finish(&mut self) {
        self.line.clear();
        self.pending = SseEvent::default();
        self.has_data = false;
    }

    fn end_line(&mut self, emit: &mut impl FnMut(SseEvent)) {
        if self.line.is_empty() {
            if self.has_data {
                emit(std::mem::take(&mut self.pending));
            } else {
                self.pending = SseEvent::default();
            }
            self.has_data = false;
            return;
        }
        let line = String::from_utf8_lossy(&self.line).into_owned();
        self.line.clear();
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_str(), ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.pending.data.push('\n');
                }
                self.pending.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.pending.event = Some(value.to_string()),
            "id" if !value.contains('\0') => self.pending.id = Some(value.to_string()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut parser = SseParser::new();
        let mut events = Vec::new();
        for chunk in chunks {
            parser.feed(chunk, |e| events.push(e));
        }
        parser.finish();
        events
    }

    #[test]
    fn openai_stream_parses_to_data_events() {
        let stream = b"data: {\"a\":1}\n\ndata: {\"a\":2}\n\ndata: [DONE]\n\n";
        let events = parse_chunks(&[stream]);
        let data: Vec<&str> = events.iter().map(|e| e.data.as_str()).collect();
        assert_eq!(data, ["{\"a\":1}", "{\"a\":2}", "[DONE]"]);
        assert!(events.iter().all(|e| e.event.is_none()));
    }

    #[test]
    fn anthropic_stream_keeps_event_names() {
        let stream = b"event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: ping\ndata: {}\n\n";
        let events = parse_chunks(&[stream]);
        assert_eq!(events[0].event.as_deref(), Some("message_start"));
        assert_eq!(events[1].event.as_deref(), Some("ping"));
        assert_eq!(events[1].data, "{}");
    }

    #[test]
    fn chunks_split_anywhere_give_the_same_events() {
        let stream = "event: x\r\ndata: héllo\r\ndata: wörld\r\n\r\n: comment\n\nid: 7\ndata:no-space\n\n".as_bytes();
        let whole = parse_chunks(&[stream]);
        assert_eq!(whole.len(), 2);
        assert_eq!(whole[0].data, "héllo\nwörld");
        assert_eq!(whole[1].data, "no-space");
        assert_eq!(whole[1].id.as_deref(), Some("7"));
        for split in 1..stream.len() {
            let (a, b) = stream.split_at(split);
            assert_eq!(parse_chunks(&[a, b]), whole, "split at {split}");
        }
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(parse_chunks(&bytes), whole);
    }

    #[test]
    fn a_cut_final_event_is_not_dispatched() {
        let mut parser = SseParser::new();
        parser.feed(b"data: one\n\n", |_| {});
        assert!(!parser.has_partial());
        parser.feed(b"data: tw", |_| {});
        assert!(parser.has_partial());
        let events = parse_chunks(&[b"data: one\n\ndata: tw"]);
        assert_eq!(events.len(), 1);
        let events = parse_chunks(&[b"data: one\n\ndata: two\n"]);
        assert_eq!(events.len(), 1);
    }

    #[test]
    fn events_without_data_are_dropped() {
        assert!(parse_chunks(&[b"event: ping\n\n"]).is_empty());
        // The `event:` of a dataless block does not leak into the next event.
        let events = parse_chunks(&[b"event: ping\n\ndata: x\n\n"]);
        assert_eq!(events[0].event, None);
    }
}
