//! Streamed answers translated on the fly, byte chunks in, byte chunks out.
//!
//! The runtime feeds the upstream's SSE body to [`StreamTranslator::push`] as it arrives (cut
//! anywhere) and sends what it returns to the client at once; [`StreamTranslator::finish`] at
//! the end of the upstream body. When both formats are the same, bytes pass through unchanged
//! and the translator only watches them (usage, proper end).

use super::ir::StreamEvent;
use super::{Format, StreamDecode, StreamEncode};
use crate::sse::SseParser;
use crate::usage::Usage;

/// How the client asked for the answer, streamed or whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamOptions {
    /// OpenAI clients: send a usage chunk (empty `choices`) before `[DONE]`
    /// (`stream_options.include_usage`).
    pub include_usage: bool,
    /// Unix seconds for OpenAI's `created` field (injected, not read from a clock).
    pub created: u64,
    /// Responses clients: write the thinking's signatures and redacted thinking in reasoning
    /// items' `encrypted_content` (`include: ["reasoning.encrypted_content"]`; see
    /// [`super::responses::reasoning`]).
    pub encrypted_reasoning: bool,
}

impl StreamOptions {
    /// The options of a client that asked for nothing, answered at `created` (Unix seconds).
    pub fn at(created: u64) -> Self {
        StreamOptions { created, ..StreamOptions::default() }
    }
}

/// Translates one SSE stream from the upstream's format to the client's.
#[derive(Debug)]
pub struct StreamTranslator {
    to: Format,
    /// The number the next event of a pass-through stream takes, in formats that number them.
    next_sequence: u64,
    passthrough: bool,
    parser: SseParser,
    decoder: Box<dyn StreamDecode>,
    encoder: Box<dyn StreamEncode>,
    usage: Option<Usage>,
    terminal: bool,
    /// Nothing more goes to the client (end written, or an error event).
    closed: bool,
    /// The model the client's events name instead of the upstream's (see [`Self::naming`]).
    model: Option<String>,
}

impl StreamTranslator {
    /// A translator from the upstream's format `from` to the client's `to`.
    pub fn new(from: Format, to: Format, opts: StreamOptions) -> Self {
        StreamTranslator {
            to,
            next_sequence: 0,
            passthrough: from == to,
            parser: SseParser::new(),
            decoder: from.stream_decoder(),
            encoder: to.stream_encoder(opts),
            usage: None,
            terminal: false,
            closed: false,
            model: None,
        }
    }

    /// The translator with the client's events naming `model` (a compat client's own name for
    /// it) instead of the model the upstream reports. A pass-through stream is left as it is.
    pub fn naming(mut self, model: &str) -> Self {
        self.model = Some(model.to_string());
        self
    }

    /// Feeds the next upstream chunk; returns the bytes to send to the client now (possibly
    /// none: an incomplete event waits for the next chunk). Never fails: malformed events are
    /// skipped.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        let mut sse_events = Vec::new();
        self.parser.feed(chunk, |ev| sse_events.push(ev));
        let mut out = if self.passthrough { chunk.to_vec() } else { Vec::new() };
        let mut ir = Vec::new();
        for ev in &sse_events {
            if let Some(n) = self.to.event_sequence(&ev.data).filter(|_| self.passthrough) {
                self.next_sequence = n.saturating_add(1);
            }
            ir.clear();
            let ended = self.decoder.decode(ev, &mut ir);
            // A format without an end marker (Gemini) is complete at its finish reason, and the
            // encoder's end waits for the end of the body in case usage follows.
            let complete = ended || self.decoder.finished();
            let errored = ir.iter().any(|e| matches!(e, StreamEvent::Error { .. }));
            for e in ir.iter_mut() {
                if let StreamEvent::Usage(u) = e {
                    self.usage = Some(*u);
                }
                if let (StreamEvent::Start { model, .. }, Some(name)) = (&mut *e, &self.model) {
                    model.clone_from(name);
                }
                if !self.passthrough && !self.closed {
                    self.encoder.encode(e, &mut out);
                }
            }
            self.terminal |= complete;
            if ended && !self.closed {
                if !self.passthrough && !errored {
                    self.encoder.end(&mut out);
                }
                self.closed = true;
            }
        }
        out
    }

    /// Ends the upstream body; returns the last bytes for the client. A stream that ended
    /// properly is closed in the client's format (Gemini upstreams end here); a cut stream gets
    /// nothing: check [`saw_terminal`](Self::saw_terminal) and send [`error_event`](Self::error_event).
    pub fn finish(&mut self) -> Vec<u8> {
        self.parser.finish();
        let mut out = Vec::new();
        if self.terminal && !self.closed {
            if !self.passthrough {
                self.encoder.end(&mut out);
            }
            self.closed = true;
        }
        out
    }

    /// The last token usage the upstream reported, normalized.
    pub fn usage(&self) -> Option<Usage> {
        self.usage
    }

    /// Whether the upstream's stream ended properly (`[DONE]`, `message_stop`, a Gemini finish
    /// reason) or with an error event it sent, which already reached the client.
    pub fn saw_terminal(&self) -> bool {
        self.terminal
    }

    /// An explicit error event in the client's format, for a stream cut short (so the client
    /// does not take a truncated answer for a complete one), framed by the client's format
    /// ([`WireFormat::stream_error`](super::WireFormat::stream_error)): OpenAI and Gemini a
    /// `data: {"error":…}` chunk, Anthropic `event: error` with an `api_error`, Responses an
    /// `event: error` numbered after the last event sent. Nothing more is sent after it.
    pub fn error_event(&mut self, message: &str) -> Vec<u8> {
        self.closed = true;
        let error = super::ApiError {
            status: 502,
            message: message.to_string(),
            kind: "api_error".to_string(),
            code: Some(crate::stream_guard::STREAM_ERROR_CODE.to_string()),
        };
        let sequence = if self.passthrough { self.next_sequence } else { self.encoder.next_sequence().unwrap_or(0) };
        let mut out = Vec::new();
        self.to.stream_error(&error, sequence, &mut out);
        out
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "stream_props.rs"]
mod props;
