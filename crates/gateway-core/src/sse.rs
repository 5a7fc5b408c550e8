//! An incremental Server-Sent Events parser, for reading streams on the side.
//!
//! Bytes arrive in chunks cut anywhere: mid-line, mid-`\r\n`, mid-UTF-8 character. The parser keeps
//! the incomplete line and emits an [`SseEvent`] at each blank line, following the WHATWG
//! event-stream rules (`data:` lines joined with `\n`, `:` comments ignored, one optional space
//! after the colon). It never fails: malformed lines are skipped, as browsers do.
//!
//! Memory is bounded whatever the stream: a line or an event's data longer than
//! [`MAX_EVENT_BYTES`] is cut there (the rest of it is skipped until the line ends), and the event
//! is dispatched with [`SseEvent::truncated`] set. No event the gateway reads for itself (usage,
//! terminal and error events) comes near that size; a provider that sends a megabyte in one event
//! is sending content, which passes to the client untouched.

/// The most bytes of one line, and of one event's joined data, that the parser keeps.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// One dispatched event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; `None` means the default `message` type.
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The `id:` field, if the event set one.
    pub id: Option<String>,
    /// A line or the data was longer than [`MAX_EVENT_BYTES`] and was cut: `data` is incomplete.
    pub truncated: bool,
}

impl SseEvent {
    /// The event as it goes on the wire: `event:` and `id:` when set, one `data:` line per line
    /// of `data`, and the blank line that ends it.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(self.data.len() + 32);
        if let Some(event) = &self.event {
            out.push_str("event: ");
            out.push_str(event);
            out.push('\n');
        }
        if let Some(id) = &self.id {
            out.push_str("id: ");
            out.push_str(id);
            out.push('\n');
        }
        for line in self.data.split('\n') {
            out.push_str("data: ");
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
        out.into_bytes()
    }
}

/// Parser state across chunks.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    /// The previous chunk ended in `\r`: a `\n` starting the next one belongs to that line end.
    after_cr: bool,
    pending: SseEvent,
    has_data: bool,
    /// The current line passed [`MAX_EVENT_BYTES`]: its remaining bytes are skipped.
    line_cut: bool,
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
                _ if self.line.len() < MAX_EVENT_BYTES => self.line.push(byte),
                _ => self.line_cut = true,
            }
        }
    }

    /// Whether bytes of an unfinished event are buffered: a stream that ends now was cut.
    pub fn has_partial(&self) -> bool {
        !self.line.is_empty() || self.has_data || self.line_cut
    }

    /// Ends the stream. A final event without its blank line is *not* dispatched, per the spec:
    /// a stream cut mid-event must not look complete.
    pub fn finish(&mut self) {
        self.line.clear();
        self.pending = SseEvent::default();
        self.has_data = false;
        self.line_cut = false;
    }

    fn end_line(&mut self, emit: &mut impl FnMut(SseEvent)) {
        if std::mem::take(&mut self.line_cut) {
            self.pending.truncated = true;
        }
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
                let data = &mut self.pending.data;
                let room = MAX_EVENT_BYTES.saturating_sub(data.len() + usize::from(self.has_data));
                if value.len() > room {
                    self.pending.truncated = true;
                }
                if room > 0 {
                    if self.has_data {
                        data.push('\n');
                    }
                    let mut cut = room.min(value.len());
                    while !value.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    data.push_str(&value[..cut]);
                }
                self.has_data = true;
            }
            "event" => self.pending.event = Some(value.to_string()),
            "id" if !value.contains('\0') => self.pending.id = Some(value.to_string()),
            _ => {}
        }
    }
}

#[cfg(test)]
#[path = "sse_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "sse_props.rs"]
mod props;
