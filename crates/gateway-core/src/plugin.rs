//! Plugins: hooks into every proxied request, in the manner of pingora's `ProxyHttp`.
//!
//! A plugin implements [`Plugin`] and overrides only the hooks it needs; every hook has a default
//! that does nothing. Per-request state lives in [`RequestContext`]: common facts as typed fields,
//! and plugin-private state as typed values in [`RequestContext::extensions`]. Plugins are
//! registered in one list (`src/plugins.rs` of the worker crate) and enabled by name in the
//! `PLUGINS` variable; they run in list order.

use std::any::{Any, TypeId};
use std::collections::HashMap;

use async_trait::async_trait;

use crate::cache::CacheStatus;
use crate::control::keys::VirtualKeyLabel;
use crate::error::GatewayError;
use crate::headers::Headers;
use crate::redact::KnownSecrets;
use crate::resilience::AttemptRecord;
use crate::sse::SseEvent;

/// Typed per-request storage for plugins: one value per type.
#[derive(Default)]
pub struct Extensions(HashMap<TypeId, Box<dyn Any>>);

impl Extensions {
    /// Stores a value, returning the previous value of the same type.
    pub fn insert<T: 'static>(&mut self, value: T) -> Option<T> {
        self.0.insert(TypeId::of::<T>(), Box::new(value)).and_then(|old| old.downcast().ok().map(|b| *b))
    }

    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.0.get(&TypeId::of::<T>()).and_then(|b| b.downcast_ref())
    }

    pub fn get_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.0.get_mut(&TypeId::of::<T>()).and_then(|b| b.downcast_mut())
    }

    /// The value of type `T`, inserting `T::default()` first if there is none.
    pub fn get_or_default<T: Default + 'static>(&mut self) -> &mut T {
        let entry = self.0.entry(TypeId::of::<T>()).or_insert_with(|| Box::new(T::default()));
        match entry.downcast_mut() {
            Some(value) => value,
            // The map is keyed by TypeId, so the box always holds a T.
            None => unreachable!("Extensions entry holds another type"),
        }
    }
}

impl std::fmt::Debug for Extensions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Extensions({} values)", self.0.len())
    }
}

/// What the gateway knows about one request, shared by all hooks. Times are milliseconds on the
/// runtime's clock (in Workers, `Date.now()`, which advances only across I/O).
#[derive(Debug, Default)]
pub struct RequestContext {
    pub method: String,
    pub path: String,
    pub account_id: String,
    pub gateway_id: String,
    /// The provider slug; empty when routing failed.
    pub provider: &'static str,
    pub upstream_url: String,
    pub started_at_ms: f64,
    /// When the upstream's response headers arrived.
    pub upstream_headers_at_ms: Option<f64>,
    /// When the last byte of the response body passed (streams watched by a plugin only).
    pub finished_at_ms: Option<f64>,
    /// The status sent to the client.
    pub status: u16,
    /// Whether the upstream answered `text/event-stream` (known only when some plugin is enabled).
    pub response_is_event_stream: bool,
    /// Set when the gateway answered with an error of its own.
    pub error: Option<GatewayError>,
    /// SSE events seen in the response body, when some plugin watches the stream.
    pub stream_events: u64,
    /// Whether a watched stream ended cleanly (its last event complete); `None` if not watched.
    pub stream_complete: Option<bool>,
    /// Whether the gateway appended an error event to a stream that ended badly.
    pub stream_error_sent: bool,
    /// Upstream attempts made, across retries and fallback steps.
    pub attempts: Vec<AttemptRecord>,
    /// The step (0-based: universal step or route target) whose response the client got.
    pub step: Option<usize>,
    /// The cache's part in the response; `None` when caching was off.
    pub cache_status: Option<CacheStatus>,
    /// A cache failure that was served around (KV unreachable, an unreadable entry, a failed
    /// write); for the log.
    pub cache_error: Option<String>,
    /// What the semantic lookup did (JSON of [`crate::cache::semantic::lookup::SemanticNote`]);
    /// `None` when it did not run. For the log.
    pub cache_semantic: Option<String>,
    /// The secret values seen for this request — the client's credential headers and query
    /// parameters, the gateway token, every key sent upstream — scrubbed from its log entry
    /// wherever they occur. A plugin that adds a secret of its own to the upstream request
    /// need not add it here: the sent headers are read after `on_request`.
    pub secrets: KnownSecrets,
    /// The virtual key the request was made with, when it presented one (verified).
    pub virtual_key: Option<VirtualKeyLabel>,
    /// A limiter that failed for this request (let through because its limits fail open, or a
    /// settlement that did not land); for the log.
    pub limit_error: Option<String>,
    pub extensions: Extensions,
}

/// The upstream request as plugins may adjust it before it is sent. The body is not here: it
/// streams from the client untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamHead {
    pub method: String,
    pub url: String,
    pub headers: Headers,
}

/// The response head as plugins may adjust it before it reaches the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: u16,
    pub headers: Headers,
}

/// A complete response a plugin sends instead of calling the upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Headers,
    pub body: Vec<u8>,
}

/// A gateway plugin. Every hook has a default that does nothing, so a plugin overrides only what
/// it needs. Hooks run in registry order; a hook that returns an error stops the request with that
/// error (rendered as OpenAI-shaped JSON), and later plugins' hooks of that phase do not run.
#[async_trait(?Send)]
pub trait Plugin {
    /// The name used to enable the plugin in the `PLUGINS` variable.
    fn name(&self) -> &'static str;

    /// Runs after routing and before the upstream call. Return `Ok(Some(reply))` to answer the
    /// client yourself (a cache hit, a rate-limit rejection); the upstream is then not called and
    /// `on_response` is skipped, but `on_log` still runs. Headers added to `upstream` are sent to
    /// the provider: never copy a secret there that the provider should not see.
    async fn on_request(
        &self,
        _ctx: &mut RequestContext,
        _upstream: &mut UpstreamHead,
    ) -> Result<Option<Reply>, GatewayError> {
        Ok(None)
    }

    /// Runs when the upstream's status and headers arrive, before the body streams to the client.
    /// The body has not been read: waiting here delays the client's first byte.
    async fn on_response(&self, _ctx: &mut RequestContext, _response: &mut ResponseHead) -> Result<(), GatewayError> {
        Ok(())
    }

    /// Whether this plugin wants [`Plugin::on_stream_event`]. When no enabled plugin does, the
    /// response body is passed through without ever being read by the gateway.
    fn wants_stream_events(&self) -> bool {
        false
    }

    /// Runs for each SSE event of a `text/event-stream` response, on a copy of the stream read off
    /// the hot path: it cannot change what the client receives, and it may run after the client
    /// has already received the event.
    fn on_stream_event(&self, _ctx: &mut RequestContext, _event: &SseEvent) {}

    /// Runs once per request after the response completed (or failed), off the hot path
    /// (`ctx.wait_until` in Workers). Errors here are the plugin's to report; they cannot reach
    /// the client.
    async fn on_log(&self, _ctx: &RequestContext) {}
}

#[cfg(test)]
#[path = "plugin_tests.rs"]
mod tests;
