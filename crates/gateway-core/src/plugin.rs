//! Plugins: hooks into every proxied request, in the manner of pingora's `ProxyHttp`.
//!
//! A plugin implements [`Plugin`] and overrides only the hooks it needs; every hook has a default
//! that does nothing. Per-request state lives in [`RequestContext`]: common facts as typed fields,
//! and plugin-private state as typed values in [`RequestContext::extensions`]. Plugins are built
//! from their typed configuration by the [`registry`] (the core's built-ins, plus the Worker's
//! runtime-bound ones in `src/plugins.rs`), enabled for every request by `PLUGINS` and
//! `PLUGIN_CONFIG`, or for one gateway or virtual key by its `plugins` field; they run in
//! registry order, the deployment's first, then the gateway's, then the key's. See
//! `docs/plugins.md`.
//!
//! The phases, in the order a request meets them:
//! 1. [`Plugin::on_request`], once, after authentication and before planning and the cache: sees
//!    the body as JSON, may change it, answer, or refuse;
//! 2. [`Plugin::on_upstream_request`], per attempt, after the key is chosen;
//! 3. [`Plugin::on_response`], on every response head: upstream, translated, cache hit, error;
//! 4. [`Plugin::on_stream_event`], on a copy of each SSE event, off the hot path;
//! 5. [`Plugin::on_log`], after the response, off the hot path.

pub mod answer_text;
pub(crate) mod event_stage;
pub mod firewall;
pub mod guardrail;
pub mod model_policy;
pub mod moderation;
pub mod pii;
pub mod prompt;
pub mod registry;
pub mod response_guard;
pub mod rewrite;
pub mod services;

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
use crate::stream_guard::StreamDialect;

use guardrail::GuardrailEvent;
use prompt::PromptRequest;

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
    /// The path after the provider slug of the call sent (`/v1/messages` for a compat request
    /// answered by Anthropic), without the query; empty until a target is planned.
    pub provider_path: String,
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
    /// What guardrail plugins flagged, blocked or changed (the `cf-aig-guardrails` header and
    /// the log entry's `guardrails`).
    pub guardrails: Vec<GuardrailEvent>,
    /// What plugins may reach of the gateway: an HTTP client, secrets, the provider table.
    pub services: services::PluginServices,
    pub extensions: Extensions,
}

/// The plugins one request runs, in order.
pub type PluginList = std::rc::Rc<[std::rc::Rc<dyn Plugin>]>;

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

    /// Whether this plugin has an [`Plugin::on_request`]. When no plugin of a request does, its
    /// body is neither read nor parsed for plugins (the pass-through path stays as it is).
    fn wants_request(&self) -> bool {
        false
    }

    /// Runs once per request, after authentication and before the request is planned (so a
    /// compat request's model, a changed body's cache key and the limits' estimates all follow
    /// what it leaves). May change the JSON body ([`PromptRequest::json_mut`],
    /// [`PromptRequest::edit_texts`]), answer (`Ok(Some(reply))`: no upstream call, no cache),
    /// or refuse (`Err`: the client gets that error in its own format). Only called when
    /// [`Plugin::wants_request`] says so. Pitfall: the body has been read into memory for it
    /// (up to `MAX_REQUEST_BODY_BYTES`); a non-JSON body comes as `json() == None`.
    async fn on_request(
        &self,
        _ctx: &mut RequestContext,
        _request: &mut PromptRequest<'_>,
    ) -> Result<Option<Reply>, GatewayError> {
        Ok(None)
    }

    /// Runs before each upstream attempt (retries and fallbacks included), after the key is
    /// chosen. Return `Ok(Some(reply))` to answer the client yourself; the upstream is then not
    /// called, but `on_log` still runs. Headers added to `upstream` are sent to the provider:
    /// never copy a secret there that the provider should not see.
    async fn on_upstream_request(
        &self,
        _ctx: &mut RequestContext,
        _upstream: &mut UpstreamHead,
    ) -> Result<Option<Reply>, GatewayError> {
        Ok(None)
    }

    /// Runs on every response head before it reaches the client: the upstream's (before its body
    /// streams), a translated answer's, a cache hit's, the gateway's own errors. The body has not
    /// been read: waiting here delays the client's first byte. An error here replaces an
    /// upstream answer; on the gateway's own replies it is ignored (the reply stands).
    async fn on_response(&self, _ctx: &mut RequestContext, _response: &mut ResponseHead) -> Result<(), GatewayError> {
        Ok(())
    }

    /// Whether this plugin has [`Plugin::on_response_json`]: a 2xx JSON answer (not streamed) of
    /// its requests is then read whole (up to `MAX_REQUEST_BODY_BYTES`) before the client gets it.
    fn wants_response_json(&self) -> bool {
        false
    }

    /// Runs on a whole 2xx JSON answer (the client's dialect, translated if it was) before the
    /// client gets any of it. May change it (the client gets it re-serialized, without the
    /// provider's `content-length` and `content-encoding`), or refuse it (`Err`: the client gets
    /// that error instead). Pitfall: the answer is held in memory, and its first byte waits.
    async fn on_response_json(
        &self,
        _ctx: &mut RequestContext,
        _body: &mut serde_json::Value,
    ) -> Result<(), GatewayError> {
        Ok(())
    }

    /// Whether this plugin has [`Plugin::on_response_event`]: a 2xx stream of its requests then
    /// passes through the gateway event by event (re-encoded; comments dropped).
    fn wants_response_events(&self) -> bool {
        false
    }

    /// How many events the gateway keeps from the client after this plugin has seen them, so that
    /// it can still stop them when a match spreads over several (the largest of the request's
    /// plugins applies). Each one held delays the client by one event.
    fn hold_back_events(&self) -> usize {
        0
    }

    /// Runs on each SSE event of a 2xx stream, in the client's `dialect`, as it arrives and
    /// before the client gets it. May change the event. `Err` stops the stream: the events held
    /// back are dropped, an error event in the client's dialect is sent instead, and nothing
    /// more; what was already released cannot be taken back. Runs on the hot path: keep it
    /// short, and keep per-stream state in `ctx.extensions`.
    fn on_response_event(
        &self,
        _ctx: &mut RequestContext,
        _dialect: StreamDialect,
        _event: &mut SseEvent,
    ) -> Result<(), GatewayError> {
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
