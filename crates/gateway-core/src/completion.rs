//! The rest of a request's life after the response head went out: the response body (passed
//! through, watched on the side, or rewritten on its way), then the cache write, the request log
//! and metrics, and the `on_log` hooks.

use std::rc::Rc;

use crate::answer_model::ModelRewriter;
use crate::cache::options::MIN_TTL_S;
use crate::cache::semantic::lookup::{remember, SemanticWrite};
use crate::cache::store::{store_encoded, StoreOutcome};
use crate::cache::{CacheEntry, CacheKey, ResponseRecorder};
use crate::cost::PriceTable;
use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;
use crate::limits::counter::Actual;
use crate::logs::request_log::LOG_ID_HEADER;
use crate::logs::RequestLog;
use crate::pipeline::limit::Reserved;
use crate::pipeline::Services;
use crate::plugin::event_stage::EventStage;
use crate::plugin::{Plugin, Reply, RequestContext};
use crate::sse::SseParser;
use crate::stream_guard::StreamGuard;
use crate::stream_usage::UsageChunkFilter;
use crate::translate::stream::StreamTranslator;
use crate::translate::Format;

/// How the runtime handles the response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyMode {
    /// Nothing in the gateway needs the bytes. (The Workers runtime still reads such a body on the
    /// side, as for [`BodyMode::Watch`], for its idle timeout: `src/body_stream.rs`.)
    PassThrough,
    /// Straight to the client, and a copy to [`Completion::on_chunk`] off the hot path (a tee).
    Watch,
    /// As [`BodyMode::Watch`], and the client's body stays open at its end for what
    /// [`Completion::end_body`] appends (an explicit error event for a stream that broke).
    Guard,
    /// Every chunk goes through [`Completion::on_chunk`], and the client gets what it writes to
    /// `out` (a stream translated into the client's format).
    Rewrite,
}

/// How the upstream body ended, as the runtime saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEnd {
    /// The provider closed it normally (it may still have been cut short: the guard and the
    /// translator check for the format's final event).
    Complete,
    /// Reading it failed: the connection broke, the runtime refused its framing or encoding (a
    /// `content-length` longer than what came, `content-encoding` over plain bytes), or the client
    /// went away.
    Broken,
    /// Nothing arrived for `idle_ms` (`UPSTREAM_IDLE_TIMEOUT_MS`): the gateway stopped waiting.
    Stalled { idle_ms: u64 },
    /// The client went away before the end: the rest was not read.
    ClientGone,
}

impl BodyEnd {
    /// What the client is told, in an error event or the log, about a body that ended this way
    /// without being complete.
    pub fn incomplete_message(self) -> String {
        match self {
            BodyEnd::Complete => {
                "the provider's stream ended before its final event; the response is incomplete".into()
            }
            BodyEnd::Broken => "the connection to the provider broke mid-stream; the response is incomplete".into(),
            BodyEnd::Stalled { idle_ms } => {
                format!("the provider sent nothing for {idle_ms} ms mid-stream; the response is incomplete")
            }
            BodyEnd::ClientGone => "the client went away before the response ended".into(),
        }
    }

    /// The error a body that ended this way records: `None` for a complete one.
    pub fn error(self) -> Option<GatewayError> {
        match self {
            BodyEnd::Complete => None,
            BodyEnd::Broken => Some(GatewayError::new(ErrorKind::UpstreamUnreachable, self.incomplete_message())),
            BodyEnd::Stalled { .. } => Some(GatewayError::new(ErrorKind::UpstreamTimeout, self.incomplete_message())),
            BodyEnd::ClientGone => Some(GatewayError::new(ErrorKind::ClientClosed, self.incomplete_message())),
        }
    }
}

/// Where and how a response that turns out cacheable is stored.
pub(crate) struct CacheWrite {
    pub key: CacheKey,
    pub ttl_s: u64,
    pub status: u16,
    pub headers: Headers,
}

/// What happens after the response head: built by the pipeline, driven by the runtime.
pub struct Completion {
    pub(crate) services: Services,
    /// Records the body for the cache, when the response may be stored.
    pub(crate) recorder: Option<ResponseRecorder>,
    pub(crate) cache_write: Option<CacheWrite>,
    /// The request's vector, indexed once its answer is stored (a semantic miss).
    pub(crate) semantic_write: Option<SemanticWrite>,
    /// The cache key whose concurrent misses wait for this request (it leads them).
    pub(crate) coalesce_lead: Option<String>,
    /// The body is complete and recorded (or there was none to record).
    body_complete: bool,
    pub(crate) ctx: RequestContext,
    pub(crate) plugins: Rc<[Rc<dyn Plugin>]>,
    /// Feeds the plugins' stream hooks; `None` when no plugin watches this response.
    pub(crate) plugin_parser: Option<SseParser>,
    /// Appends an error event when a streamed response ends badly.
    pub(crate) guard: Option<StreamGuard>,
    /// Rewrites a stream into the client's format (compat endpoint).
    pub(crate) translator: Option<StreamTranslator>,
    /// Passes a stream's events through the plugins that asked for them, holding the last few.
    pub(crate) events: Option<EventStage>,
    /// Hides from the client the usage the gateway asked of the provider for it.
    pub(crate) usage_filter: Option<UsageChunkFilter>,
    /// Names the client's model in a forwarded compat answer.
    pub(crate) model_rewriter: Option<ModelRewriter>,
    /// The API format the client speaks, for errors (Anthropic's for `compat/messages`).
    pub(crate) client_format: Format,
    /// The request's log entry in the making; `None` when neither logs nor metrics are kept
    /// (always kept when the request is limited: its usage settles the limits).
    pub(crate) log: Option<RequestLog>,
    /// What the request reserved against its limits, settled in [`Completion::finish`].
    pub(crate) limits: Option<Reserved>,
    /// `x-ratelimit-*` for the answer, from the limits' reservation or refusal.
    pub(crate) rate_headers: Headers,
}

impl Completion {
    pub(crate) fn new(ctx: RequestContext, plugins: Rc<[Rc<dyn Plugin>]>, services: Services) -> Self {
        Completion {
            ctx,
            plugins,
            plugin_parser: None,
            guard: None,
            translator: None,
            events: None,
            usage_filter: None,
            model_rewriter: None,
            client_format: Format::OPENAI,
            services,
            recorder: None,
            cache_write: None,
            semantic_write: None,
            coalesce_lead: None,
            body_complete: false,
            log: None,
            limits: None,
            rate_headers: Headers::new(),
        }
    }

    /// Whether the client's body differs from the provider's bytes (translated, filtered, renamed
    /// or changed by plugins).
    pub(crate) fn rewrites_body(&self) -> bool {
        self.translator.is_some()
            || self.events.is_some()
            || self.usage_filter.is_some()
            || self.model_rewriter.is_some()
    }

    /// How the runtime must handle the response body.
    pub fn body_mode(&self) -> BodyMode {
        if self.rewrites_body() {
            BodyMode::Rewrite
        } else if self.guard.is_some() {
            BodyMode::Guard
        } else if self.plugin_parser.is_some() || self.recorder.is_some() || self.log.is_some() {
            BodyMode::Watch
        } else {
            BodyMode::PassThrough
        }
    }

    /// Whether the runtime should feed the response body to [`Completion::on_chunk`].
    pub fn watches_body(&self) -> bool {
        self.body_mode() != BodyMode::PassThrough
    }

    /// Whether there is anything left to do at all once the body went through untouched; when
    /// not, the runtime may drop the completion.
    pub fn is_noop(&self) -> bool {
        self.plugins.is_empty()
            && self.recorder.is_none()
            && self.coalesce_lead.is_none()
            && self.log.is_none()
            && self.limits.is_none()
    }

    /// Takes the next chunk of the upstream body. In [`BodyMode::Rewrite`] the bytes for the
    /// client are appended to `out`; in the other modes `out` is left alone.
    pub fn on_chunk(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        if let Some(translator) = self.translator.as_mut() {
            out.extend_from_slice(&translator.push(chunk));
        } else if let Some(guard) = self.guard.as_mut() {
            guard.observe(chunk);
        }
        if let Some(filter) = self.usage_filter.as_mut() {
            filter.push(chunk, out);
        }
        if let Some(rewriter) = self.model_rewriter.as_mut() {
            if self.translator.is_some() || self.usage_filter.is_some() {
                let input = out.split_off(start);
                rewriter.push(&input, out);
            } else {
                rewriter.push(chunk, out);
            }
        }
        if let Some(stage) = self.events.as_mut() {
            let rewritten = self.translator.is_some() || self.usage_filter.is_some() || self.model_rewriter.is_some();
            let input = if rewritten { out.split_off(start) } else { chunk.to_vec() };
            stage.push(&input, &self.plugins, &mut self.ctx, out);
        }
        let rewritten = self.rewrites_body();
        if let Some(recorder) = self.recorder.as_mut() {
            // The cache stores what the client received: translated, renamed or plugin-changed bytes.
            recorder.push(if rewritten { &out[start..] } else { chunk });
        }
        if let Some(log) = self.log.as_mut() {
            log.on_chunk(chunk);
        }
        if let Some(parser) = self.plugin_parser.as_mut() {
            let (ctx, plugins) = (&mut self.ctx, &self.plugins);
            parser.feed(chunk, |event| {
                ctx.stream_events += 1;
                for plugin in plugins.iter().filter(|p| p.wants_stream_events()) {
                    plugin.on_stream_event(ctx, &event);
                }
            });
        }
    }

    /// Marks the end of the body. In [`BodyMode::Guard`] and [`BodyMode::Rewrite`], appends to `out`
    /// what the client still needs: an explicit error event when the stream ended badly. A body
    /// that did not end properly is recorded as the request's error (the log entry says so, with
    /// the status the client got).
    pub fn end_body(&mut self, now_ms: f64, end: BodyEnd, out: &mut Vec<u8>) {
        self.ctx.finished_at_ms = Some(now_ms);
        let complete = end == BodyEnd::Complete;
        // Whether the stream got an explicit error event for ending badly (the gateway's, not
        // one the provider sent itself).
        let mut error_event_sent = false;
        let start = out.len();
        // A plugin that stopped the stream has sent its error event and nothing may follow.
        let stopped = self.events.as_ref().is_some_and(EventStage::stopped);
        if self.usage_filter.is_some() || self.model_rewriter.is_some() {
            let mut last = Vec::new();
            if let Some(filter) = self.usage_filter.as_mut() {
                filter.finish(&mut last);
            }
            if let Some(rewriter) = self.model_rewriter.as_mut() {
                let filtered = std::mem::take(&mut last);
                rewriter.push(&filtered, &mut last);
                rewriter.finish(&mut last);
            }
            match self.events.as_mut() {
                Some(stage) => stage.push(&last, &self.plugins, &mut self.ctx, out),
                None => out.extend_from_slice(&last),
            }
        }
        if let Some(translator) = self.translator.as_mut().filter(|_| !stopped) {
            let last = translator.finish();
            match self.events.as_mut() {
                Some(stage) => stage.push(&last, &self.plugins, &mut self.ctx, out),
                None => out.extend_from_slice(&last),
            }
        }
        if let Some(stage) = self.events.as_mut() {
            stage.flush(out);
        }
        let stopped = self.events.as_ref().is_some_and(EventStage::stopped);
        if let Some(translator) = self.translator.as_mut().filter(|_| !stopped) {
            if !(complete && translator.saw_terminal()) {
                out.extend_from_slice(&translator.error_event(&end.incomplete_message()));
                error_event_sent = true;
            }
        } else if let Some(guard) = self.guard.as_mut().filter(|_| !stopped) {
            if let Some(error_event) = guard.end(end) {
                out.extend_from_slice(&error_event);
                error_event_sent = true;
            }
        }
        let rewritten = self.rewrites_body();
        if let Some(recorder) = self.recorder.as_mut().filter(|_| rewritten) {
            recorder.push(&out[start..]);
        }
        self.ctx.stream_error_sent |= error_event_sent;
        let mut ended_properly = complete && !error_event_sent && !stopped;
        if let Some(parser) = self.plugin_parser.as_mut() {
            ended_properly &= !parser.has_partial();
            parser.finish();
        }
        if self.watches_body() && self.ctx.response_is_event_stream {
            self.ctx.stream_complete = Some(ended_properly);
        }
        if self.ctx.error.is_none() {
            // A stream that closed normally but without its final event is the provider's fault
            // too: what it sent is not a whole answer.
            self.ctx.error = end.error().or_else(|| {
                error_event_sent.then(|| GatewayError::new(ErrorKind::UpstreamInvalid, end.incomplete_message()))
            });
        }
        self.body_complete = ended_properly;
    }

    /// The upstream's body broke off (or stalled) before the gateway had read it whole, while the
    /// client has not had the response head yet: the client gets the returned error reply instead,
    /// and the log, the metrics and `on_log` report that error and its status, not the provider's.
    pub fn fail(&mut self, now_ms: f64, end: BodyEnd) -> Reply {
        let err = end.error().unwrap_or_else(|| GatewayError::internal("a complete body was reported as failed"));
        let mut reply = crate::pipeline::error_reply(self.client_format, &err);
        self.ctx.finished_at_ms = Some(now_ms);
        self.ctx.status = reply.status;
        self.body_complete = false;
        self.recorder = None;
        self.cache_write = None;
        if let Some(log) = self.log.as_mut() {
            if let Some(id) = log.id() {
                reply.headers.set(LOG_ID_HEADER, id);
            }
            log.on_local_reply(&reply.headers, &reply.body);
        }
        self.ctx.error = Some(err);
        reply
    }

    /// Ends the request: stores a cacheable response, writes the metrics point and hands the log
    /// entry to the log sink, then runs every plugin's `on_log`. Call after
    /// [`Completion::end_body`] when the body was watched.
    pub async fn finish(mut self) {
        let shared = self.store_in_cache().await;
        if let (Some(key), Some(coalescer)) = (self.coalesce_lead.take(), self.services.coalescer.as_ref()) {
            coalescer.release(&key, shared).await;
        }
        let mut log = self.log.take().map(|log| (log.id().is_some(), log.entry(&self.ctx, PriceTable::builtin())));
        if let Some(reserved) = self.limits.take() {
            let hit = self.ctx.cache_status == Some(crate::cache::CacheStatus::Hit);
            let actual = match log.as_ref() {
                Some((_, entry)) if !hit => Actual {
                    tokens: entry.tokens_in.saturating_add(entry.tokens_out) as f64,
                    usd: entry.cost.unwrap_or(0.0),
                },
                _ => Actual::default(),
            };
            let failures = reserved.settle(actual).await;
            if let (false, Some((_, entry))) = (failures.is_empty(), log.as_mut()) {
                let note = entry.limit_error.take().into_iter().chain(failures).collect::<Vec<_>>().join("; ");
                entry.limit_error = Some(note);
            }
        }
        for plugin in self.plugins.iter() {
            plugin.on_log(&self.ctx).await;
        }
        // Last: the sink may hold this task for its batch window.
        if let Some((stored, entry)) = log {
            if let Some(metrics) = self.services.metrics.as_deref() {
                metrics.write(&crate::logs::metrics::data_point(&entry));
            }
            if let (true, Some(sink)) = (stored, self.services.logs.as_deref()) {
                sink.write(entry).await;
            }
        }
    }

    /// Takes the whole body of a reply the gateway built from the upstream's answer (a
    /// translated JSON response), as if it had streamed through.
    pub(crate) fn local_body(&mut self, body: &[u8], now_ms: f64) {
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.push(body);
        }
        self.ctx.finished_at_ms = Some(now_ms);
        self.body_complete = true;
    }

    /// Stores a complete, cacheable response; returns the encoded entry to share with coalesced
    /// followers when this request leads some. Failures are recorded in the context, never raised.
    ///
    /// An entry may be up to KV's 25 MiB: the response's bytes are dropped once encoded, so that
    /// while the value is written the isolate holds it twice (the encoded entry, and the runtime's
    /// copy KV writes from), not three times.
    async fn store_in_cache(&mut self) -> Option<Vec<u8>> {
        let (recorder, write) = (self.recorder.take()?, self.cache_write.take()?);
        let body = recorder.finish(self.body_complete)?;
        let stored_at = self.ctx.finished_at_ms.unwrap_or(self.ctx.started_at_ms);
        let log_id = self.log_id();
        let mut entry = CacheEntry::from_response(write.status, &write.headers, body, log_id.clone(), stored_at)?;
        entry.ttl_s = Some(write.ttl_s.max(MIN_TTL_S));
        let store_port = self.services.cache.as_deref()?;
        let encoded = entry.encode(crate::cache::entry::KV_MAX_VALUE_BYTES);
        drop(entry);
        let outcome = match &encoded {
            Some(value) => store_encoded(store_port, &write.key, value, log_id.as_deref(), write.ttl_s).await,
            None => StoreOutcome::TooLarge,
        };
        if let (StoreOutcome::Stored, Some(semantic), Some(index)) =
            (&outcome, self.semantic_write.take(), self.services.semantic.index.as_deref())
        {
            if let Err(message) = remember(index, semantic, &write.key, stored_at, write.ttl_s).await {
                self.ctx.cache_error = Some(message);
            }
        }
        match outcome {
            StoreOutcome::Stored if self.coalesce_lead.is_some() => encoded,
            StoreOutcome::Stored => None,
            StoreOutcome::TooLarge => None,
            StoreOutcome::Error(message) => {
                self.ctx.cache_error = Some(message);
                None
            }
        }
    }

    /// The id of this request's log entry (`cf-aig-log-id`), stored with its cache entry so that
    /// purge-by-log-id finds it; `None` when the request is not logged.
    fn log_id(&self) -> Option<String> {
        self.log.as_ref().and_then(RequestLog::id).map(str::to_owned)
    }

    /// The request's context, for runtimes that report on it.
    pub fn context(&self) -> &RequestContext {
        &self.ctx
    }
}
