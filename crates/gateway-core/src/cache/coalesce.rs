//! Stampede protection: one upstream call for concurrent identical cache misses.
//!
//! Design. With `CACHE_COALESCE` on (the default), a request whose [`super::store::lookup`] missed
//! is sent to the Durable Object named by its cache key ([`super::CacheKey::hash`]). Requests to one
//! name meet in one single-threaded object. If no call is in flight there, the object creates an
//! [`Inflight`], makes the upstream call itself (the first request is the leader) and feeds it the
//! response head and body chunks; every request, the leader's included, subscribes as a reader and
//! streams what it polls back to its client. A follower arriving late first gets every chunk since
//! the start, then live chunks. The object records and stores the body as for any miss.
//!
//! Cost: one Durable Object round trip on every cache miss (never on a hit), and the response
//! passes through the object. Deployments that rarely see identical concurrent requests can turn
//! it off with `CACHE_COALESCE=false`: misses then go upstream directly, and identical concurrent
//! misses each make their own call (as Cloudflare's own cache does).
//!
//! Memory: chunks are kept for late joiners up to `max_replay_bytes`; past that, chunks every
//! reader has read are dropped and [`Inflight::subscribe`] refuses newcomers (they call upstream
//! themselves).

use std::collections::VecDeque;

use crate::plugin::ResponseHead;

/// A reader of an [`Inflight`] stream, from [`Inflight::subscribe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReaderId(usize);

/// What a reader gets from [`Inflight::poll`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderPoll {
    /// Chunks it has not had yet, in order.
    Chunks(Vec<Vec<u8>>),
    /// Nothing new; wait for the next `push` or `finish`.
    Pending,
    /// The reader has everything. `ok` false: the upstream call failed or was cut, so the body the
    /// reader sent is incomplete (or, with no [`Inflight::head`], nothing was received at all).
    /// Also the answer for an unknown or unsubscribed reader.
    Done {
        /// The upstream body ended normally.
        ok: bool,
    },
}

/// The state of the one upstream call a Durable Object serves for its cache key.
#[derive(Debug)]
pub struct Inflight {
    head: Option<ResponseHead>,
    chunks: VecDeque<Vec<u8>>,
    /// Stream index of `chunks[0]`.
    first_index: usize,
    buffered_bytes: usize,
    max_replay_bytes: usize,
    /// Whether `chunks` still starts at the beginning of the body.
    from_start: bool,
    finished: Option<bool>,
    /// Per reader, the stream index of its next chunk; `None` once it got `Done` or left.
    readers: Vec<Option<usize>>,
}

impl Inflight {
    /// A call in flight that keeps up to `max_replay_bytes` of body for late joiners.
    pub fn new(max_replay_bytes: usize) -> Self {
        Inflight {
            head: None,
            chunks: VecDeque::new(),
            first_index: 0,
            buffered_bytes: 0,
            max_replay_bytes,
            from_start: true,
            finished: None,
            readers: Vec::new(),
        }
    }

    /// Sets the response status and headers, shared by all readers; the leader calls it when the
    /// upstream head arrives, before any `push`.
    pub fn set_head(&mut self, head: ResponseHead) {
        self.head = Some(head);
    }

    /// The response head, once the upstream answered.
    pub fn head(&self) -> Option<&ResponseHead> {
        self.head.as_ref()
    }

    /// Joins the stream from its first chunk. `None` when the first chunks were already dropped
    /// (the body outgrew `max_replay_bytes`): the caller must make its own upstream call.
    pub fn subscribe(&mut self) -> Option<ReaderId> {
        if !self.from_start {
            return None;
        }
        self.readers.push(Some(0));
        Some(ReaderId(self.readers.len() - 1))
    }

    /// Leaves the stream (the reader's client went away), so its position no longer holds chunks.
    pub fn unsubscribe(&mut self, reader: ReaderId) {
        if let Some(slot) = self.readers.get_mut(reader.0) {
            *slot = None;
        }
        self.trim();
    }

    /// Adds the next body chunk from upstream. Ignored after `finish`.
    pub fn push(&mut self, chunk: Vec<u8>) {
        if self.finished.is_some() || chunk.is_empty() {
            return;
        }
        self.buffered_bytes += chunk.len();
        self.chunks.push_back(chunk);
        self.trim();
    }

    /// Ends the stream: `ok` when the upstream body ended normally.
    pub fn finish(&mut self, ok: bool) {
        if self.finished.is_none() {
            self.finished = Some(ok);
        }
    }

    /// `Some(ok)` once finished.
    pub fn finished(&self) -> Option<bool> {
        self.finished
    }

    /// Whether the call is over and no reader still has chunks to get: the object may drop it.
    pub fn is_idle(&self) -> bool {
        self.finished.is_some() && self.readers.iter().all(Option::is_none)
    }

    /// What `reader` gets now: unread chunks, else `Done` if finished, else `Pending`.
    pub fn poll(&mut self, reader: ReaderId) -> ReaderPoll {
        let Some(Some(next)) = self.readers.get(reader.0).copied() else { return ReaderPoll::Done { ok: false } };
        let end = self.first_index + self.chunks.len();
        if next < end {
            // `next >= first_index`: trimming never drops a chunk a subscribed reader has not had.
            let start = next.saturating_sub(self.first_index);
            let out = self.chunks.range(start..).cloned().collect();
            self.readers[reader.0] = Some(end);
            self.trim();
            return ReaderPoll::Chunks(out);
        }
        match self.finished {
            Some(ok) => {
                self.readers[reader.0] = None;
                ReaderPoll::Done { ok }
            }
            None => ReaderPoll::Pending,
        }
    }

    /// Over the replay budget, drops the chunks every reader has read.
    fn trim(&mut self) {
        if self.buffered_bytes <= self.max_replay_bytes {
            return;
        }
        let end = self.first_index + self.chunks.len();
        let keep_from = self.readers.iter().flatten().copied().min().unwrap_or(end);
        while self.first_index < keep_from {
            let Some(chunk) = self.chunks.pop_front() else { break };
            self.buffered_bytes -= chunk.len();
            self.first_index += 1;
            self.from_start = false;
        }
    }
}

#[cfg(test)]
#[path = "coalesce_tests.rs"]
mod tests;
