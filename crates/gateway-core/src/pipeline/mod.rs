//! The request pipeline: route, check, plan the upstream targets, consult the cache, send with
//! retries and fallbacks, and shape the response.
//!
//! The pipeline does no I/O itself. The runtime supplies it through [`HttpPort`] (HTTP, timers,
//! secrets) and [`Services`] (storage); in tests, in-memory fakes. The upstream response stays
//! opaque ([`HttpPort::Response`]) so that, when nothing needs to see it, the runtime's response
//! object goes back to the client untouched and its body is never read.

mod plan;
mod send;

use std::rc::Rc;

use crate::cache::entry::is_event_stream;
use crate::cache::key::KeyInput;
use crate::cache::recorder::ResponseRecorder;
use crate::cache::store::{lookup, Lookup};
use crate::cache::{options, CacheDecision, CacheEntry, CacheStatus, CacheStore, Coalescer, Joined};
use crate::completion::{CacheWrite, Completion};
use crate::config::GatewayConfig;
use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;
use crate::keys;
use crate::logs::request_log::{parse_request_options, LOG_ID_HEADER};
use crate::logs::store::{LogSink, MetricsSink};
use crate::logs::RequestLog;
use crate::plugin::{Plugin, Reply, RequestContext, ResponseHead};
use crate::port::{HttpPort, RequestBody};
use crate::resilience::RetryOverrides;
use crate::route::{self, GatewayRoute};
use crate::sse::SseParser;
use crate::stream_guard::StreamGuard;
use crate::translate::compat::{self, CompatPlan, Endpoint, ResponseConversion};
use crate::translate::Format;

use plan::Target;
use send::{Sender, Sent};

/// A request as the client sent it.
#[derive(Debug)]
pub struct ClientRequest<B> {
    pub method: String,
    /// The URL path, still percent-encoded.
    pub path: String,
    /// The query string without `?`.
    pub query: Option<String>,
    pub headers: Headers,
    /// `None` when the request has no body.
    pub body: Option<B>,
}

/// What to send the client.
#[derive(Debug)]
pub enum Outcome<R> {
    /// The provider's response, streamed through.
    Upstream(R),
    /// A response the gateway or a plugin made: an error, a cache hit, or a plugin's answer.
    Local(Reply),
}

impl Reply {
    /// An error rendered as OpenAI-shaped JSON with its status.
    pub fn from_error(err: &GatewayError) -> Reply {
        let mut headers = Headers::new();
        headers.append("content-type", "application/json");
        Reply { status: err.status(), headers, body: err.to_json().into_bytes() }
    }
}

/// The runtime's storage, for one request. Each is optional: without a cache store, requests
/// that ask for caching are served from the upstream and the missing store is logged.
#[derive(Clone, Default)]
pub struct Services {
    pub cache: Option<Rc<dyn CacheStore>>,
    pub coalescer: Option<Rc<dyn Coalescer>>,
    /// Where log entries go (batched into the log shards).
    pub logs: Option<Rc<dyn LogSink>>,
    /// Analytics Engine.
    pub metrics: Option<Rc<dyn MetricsSink>>,
}

/// The gateway's request handling, configured once per isolate.
pub struct Pipeline {
    config: GatewayConfig,
    plugins: Rc<[Box<dyn Plugin>]>,
}

/// What the request's route asked for, once its targets are known.
struct Planned {
    targets: Vec<Target>,
    /// Whether the client may be told which step answered (`cf-aig-step`).
    reports_step: bool,
    /// The provider slug and endpoint the cache key covers.
    cache_scope: (String, String),
}

impl Pipeline {
    pub fn new(config: GatewayConfig, plugins: Vec<Box<dyn Plugin>>) -> Self {
        Pipeline { config, plugins: plugins.into() }
    }

    pub fn config(&self) -> &GatewayConfig {
        &self.config
    }

    /// Handles one request. Never fails: every error becomes an OpenAI-shaped [`Outcome::Local`]
    /// reply, and is kept in the context for `on_log`.
    pub async fn handle<P: HttpPort>(
        &self,
        port: &P,
        services: &Services,
        request: ClientRequest<P::Body>,
    ) -> (Outcome<P::Response>, Completion) {
        let ctx = RequestContext {
            method: request.method.clone(),
            path: request.path.clone(),
            started_at_ms: port.now_ms(),
            ..RequestContext::default()
        };
        let mut completion = Completion::new(ctx, Rc::clone(&self.plugins), services.clone());
        let outcome = match self.run(port, services, request, &mut completion).await {
            Ok(outcome) => outcome,
            Err(err) => {
                let reply = match completion.client_format {
                    Format::Anthropic => {
                        let (status, body) = compat::error_body(Endpoint::Messages, &err);
                        json_reply(status, body)
                    }
                    _ => Reply::from_error(&err),
                };
                completion.ctx.error = Some(err);
                Outcome::Local(reply)
            }
        };
        let mut outcome = outcome;
        completion.ctx.status = match &mut outcome {
            Outcome::Upstream(response) => port.status(response),
            Outcome::Local(reply) => {
                completion.ctx.finished_at_ms = Some(port.now_ms());
                if let Some(log) = completion.log.as_mut() {
                    if let Some(id) = log.id() {
                        reply.headers.set(LOG_ID_HEADER, id);
                    }
                    log.on_local_reply(&reply.headers, &reply.body);
                }
                reply.status
            }
        };
        (outcome, completion)
    }

    async fn run<P: HttpPort>(
        &self,
        port: &P,
        services: &Services,
        request: ClientRequest<P::Body>,
        completion: &mut Completion,
    ) -> Result<Outcome<P::Response>, GatewayError> {
        let route = route::parse_gateway(&request.path)?;
        completion.log = self.start_log(port, services, &request.headers)?;
        let ctx = &mut completion.ctx;
        ctx.account_id = route.account_id().to_string();
        ctx.gateway_id = route.gateway_id().to_string();
        let caller = keys::authenticate(&request.headers, self.config.gateway_token.as_deref())?;
        let retry = RetryOverrides::from_headers(&request.headers)?;
        let provider_target = match &route {
            GatewayRoute::Provider(provider_route) => {
                ctx.provider = provider_route.provider.id;
                let target = plan::provider_target(
                    provider_route,
                    &self.config,
                    &request.method,
                    request.query.as_deref(),
                    &request.headers,
                    retry,
                )?;
                ctx.upstream_url.clone_from(&target.url);
                Some(target)
            }
            GatewayRoute::Universal { .. } if request.method != "POST" => {
                return Err(GatewayError::new(
                    ErrorKind::MethodNotAllowed,
                    "the universal endpoint takes POST with a JSON array of steps",
                ))
            }
            GatewayRoute::Universal { .. } => None,
            GatewayRoute::Compat { endpoint, .. } => {
                let endpoint = Endpoint::parse(endpoint)?;
                completion.client_format = endpoint.client_format();
                if endpoint == Endpoint::Models {
                    return Ok(Outcome::Local(json_reply(200, compat::list_models(&self.config.aliases))));
                }
                if request.method != "POST" {
                    return Err(GatewayError::new(ErrorKind::MethodNotAllowed, "the compat endpoints take POST"));
                }
                None
            }
        };

        let may_cache =
            services.cache.is_some() && self.config.cache.ttl_s > 0 || options::mentions_cache(&request.headers);
        let needs_bytes = provider_target.as_ref().is_none_or(|t| plan::may_resend(std::slice::from_ref(t)))
            || may_cache
            || completion.log.is_some()
            || request.headers.content_length().is_none();
        let body = self.read_body(port, request.body, &request.headers, needs_bytes).await?;
        if let Some(log) = completion.log.as_mut() {
            let bytes = match &body {
                Some(RequestBody::Bytes(bytes)) => Some(Rc::clone(bytes)),
                _ => None,
            };
            log.set_request(&request.headers, bytes);
        }
        let bytes: &[u8] = match &body {
            Some(RequestBody::Bytes(bytes)) => bytes,
            _ => &[],
        };

        let input = plan::PlanInput {
            account_id: route.account_id(),
            gateway_id: route.gateway_id(),
            config: &self.config,
            headers: &request.headers,
            body: bytes,
            retry,
        };
        let planned = match (provider_target, &route) {
            (Some(target), _) => {
                let scope = (target.provider.id.to_string(), endpoint_of(&route, request.query.as_deref()));
                Planned { targets: vec![target], reports_step: false, cache_scope: scope }
            }
            (None, GatewayRoute::Compat { endpoint, .. }) => Planned {
                targets: plan::compat_targets(&input, Endpoint::parse(endpoint)?, port.random(), port.now_ms())?,
                reports_step: true,
                cache_scope: ("compat".to_string(), format!("/{endpoint}")),
            },
            (None, _) => Planned {
                targets: plan::universal_targets(&input)?,
                reports_step: true,
                cache_scope: ("universal".to_string(), String::new()),
            },
        };

        let decision = options::decide(
            &self.config.cache,
            &KeyInput {
                gateway_id: route.gateway_id(),
                provider: &planned.cache_scope.0,
                method: &request.method,
                endpoint: &planned.cache_scope.1,
                headers: &request.headers,
                body: bytes,
            },
        )?;
        if let Some(reply) = self.consult_cache(port, services, &decision, completion).await {
            return Ok(Outcome::Local(reply));
        }

        let sender = Sender { port, config: &self.config, plugins: &self.plugins, caller };
        let (response, target) = match sender.send(&mut completion.ctx, &planned.targets, body).await? {
            Sent::Reply(reply) => return Ok(Outcome::Local(reply)),
            Sent::Upstream { response, target } => (response, &planned.targets[target]),
        };
        completion.ctx.provider = target.provider.id;
        completion.ctx.upstream_url.clone_from(&target.url);
        self.respond(port, response, target, &planned, decision, completion).await
    }

    /// Starts the request's log when it is stored (logging on for it and a log sink bound) or
    /// metrics are written; the log id is made here so that every response can carry it.
    ///
    /// Errors: 400 for a malformed `cf-aig-metadata`, `cf-aig-collect-log*` or
    /// `cf-aig-custom-cost` header, checked even when nothing is logged.
    fn start_log<P: HttpPort>(
        &self,
        port: &P,
        services: &Services,
        headers: &Headers,
    ) -> Result<Option<RequestLog>, GatewayError> {
        let (options, custom_cost) = parse_request_options(headers, &self.config.logs)?;
        let store = options.collect && services.logs.is_some();
        if !store && services.metrics.is_none() {
            return Ok(None);
        }
        let mut random = [0u8; 10];
        port.random_bytes(&mut random);
        Ok(Some(RequestLog::start(store, options, custom_cost, &self.config.logs, port.now_ms(), random)))
    }

    /// Reads the client's body into bytes when `needed` (or streams it on), enforcing the limit.
    async fn read_body<P: HttpPort>(
        &self,
        port: &P,
        body: Option<P::Body>,
        headers: &Headers,
        needed: bool,
    ) -> Result<Option<RequestBody<P::Body>>, GatewayError> {
        let limit = self.config.max_request_body_bytes;
        match (body, headers.content_length()) {
            (Some(body), Some(len)) if len > limit => {
                port.discard(body).await;
                Err(GatewayError::body_too_large(limit))
            }
            (Some(body), _) if needed => Ok(Some(RequestBody::Bytes(port.read_body(body, limit).await?.into()))),
            (body, _) => Ok(body.map(RequestBody::Stream)),
        }
    }

    /// Looks the request up in the cache; `Some` is the answer (a hit, or a coalesced miss
    /// answered with the leader's entry). Cache failures are recorded and served around.
    async fn consult_cache<P: HttpPort>(
        &self,
        port: &P,
        services: &Services,
        decision: &CacheDecision,
        completion: &mut Completion,
    ) -> Option<Reply> {
        let ctx = &mut completion.ctx;
        let CacheDecision::Use { key, .. } = decision else {
            ctx.cache_status = (*decision == CacheDecision::Bypass).then_some(CacheStatus::Bypass);
            return None;
        };
        ctx.cache_status = Some(CacheStatus::Miss);
        let Some(store) = services.cache.as_deref() else {
            ctx.cache_error = Some("caching was requested but the CACHE KV binding is missing".to_string());
            return None;
        };
        match lookup(store, decision, port.now_ms()).await {
            Lookup::Hit { entry } => {
                ctx.cache_status = Some(CacheStatus::Hit);
                return Some(hit_reply(&entry, port.now_ms()));
            }
            Lookup::Error(message) => ctx.cache_error = Some(message),
            Lookup::Miss | Lookup::Skip => {}
        }
        let coalescer = services.coalescer.as_ref().filter(|_| self.config.cache.coalesce)?;
        match coalescer.join(key.hash()).await {
            Ok(Joined::Lead) => completion.coalesce_lead = Some(key.hash().to_string()),
            Ok(Joined::Served(bytes)) => {
                if let Ok(entry) = CacheEntry::decode(&bytes) {
                    completion.ctx.cache_status = Some(CacheStatus::Hit);
                    return Some(hit_reply(&entry, port.now_ms()));
                }
            }
            Ok(Joined::Alone) => {}
            Err(err) => completion.ctx.cache_error = Some(format!("coalescing failed: {}", err.message())),
        }
        None
    }

    /// Shapes the upstream response for the client: gateway headers, plugins' `on_response`, and
    /// what the completion must do with the body (guard a stream, record it for the cache, let
    /// plugins watch it).
    async fn respond<P: HttpPort>(
        &self,
        port: &P,
        response: P::Response,
        target: &Target,
        planned: &Planned,
        decision: CacheDecision,
        completion: &mut Completion,
    ) -> Result<Outcome<P::Response>, GatewayError> {
        let status = port.status(&response);
        let success = (200..300).contains(&status);
        completion.ctx.upstream_headers_at_ms = Some(port.now_ms());
        let translated = target.compat.as_ref().filter(|p| !matches!(p.conversion, ResponseConversion::PassThrough(_)));
        if let Some(compat_plan) = translated {
            return self.respond_translated(port, response, compat_plan, planned, decision, completion).await;
        }
        let ctx = &mut completion.ctx;
        if let Some(log) = completion.log.as_mut() {
            log.start_response(port.header(&response, "content-type").as_deref());
        }
        ctx.response_is_event_stream =
            port.header(&response, "content-type").is_some_and(|ct| ct.trim_start().starts_with("text/event-stream"));
        if ctx.response_is_event_stream && success {
            completion.guard = Some(StreamGuard::new(target.provider.format));
        }
        if completion.ctx.response_is_event_stream && self.plugins.iter().any(|p| p.wants_stream_events()) {
            completion.plugin_parser = Some(SseParser::new());
        }

        let mut extra = Headers::new();
        add_gateway_headers(completion, planned, &mut extra);
        let needs_head = !self.plugins.is_empty() || matches!(decision, CacheDecision::Use { .. });
        let mut head = needs_head.then(|| port.response_head(&response));
        if let (CacheDecision::Use { key, ttl_s }, Some(head)) = (decision, head.as_ref()) {
            if success {
                completion.recorder = Some(ResponseRecorder::new(
                    crate::cache::entry::KV_MAX_VALUE_BYTES,
                    is_event_stream(&head.headers),
                ));
                completion.cache_write = Some(CacheWrite { key, ttl_s, status, headers: head.headers.clone() });
            }
        }
        let Some(head) = head.as_mut().filter(|_| !self.plugins.is_empty()) else {
            return Ok(Outcome::Upstream(if extra.is_empty() {
                response
            } else {
                port.set_headers(response, &extra)?
            }));
        };
        let original = head.clone();
        for plugin in self.plugins.iter() {
            plugin.on_response(&mut completion.ctx, head).await?;
        }
        for (name, value) in extra.iter() {
            head.headers.set(name, value);
        }
        if *head == original {
            Ok(Outcome::Upstream(response))
        } else {
            Ok(Outcome::Upstream(port.with_head(response, head.clone())?))
        }
    }
}

impl Pipeline {
    /// Shapes an answer that must change format (the compat endpoint to a provider speaking
    /// another API): a 2xx stream is translated event by event as it passes; anything else is
    /// read whole, converted, and answered as the gateway's own reply.
    async fn respond_translated<P: HttpPort>(
        &self,
        port: &P,
        response: P::Response,
        compat_plan: &CompatPlan,
        planned: &Planned,
        decision: CacheDecision,
        completion: &mut Completion,
    ) -> Result<Outcome<P::Response>, GatewayError> {
        let status = port.status(&response);
        let streamed = compat_plan.stream && (200..300).contains(&status);
        let mut headers = Headers::new();
        headers.set("content-type", if streamed { "text/event-stream" } else { "application/json" });
        if streamed {
            headers.set("cache-control", "no-cache");
        }
        if let Some(log) = completion.log.as_mut() {
            log.start_response(port.header(&response, "content-type").as_deref());
        }
        add_gateway_headers(completion, planned, &mut headers);
        completion.ctx.response_is_event_stream = streamed;
        if let CacheDecision::Use { key, ttl_s } = decision {
            if (200..300).contains(&status) {
                completion.recorder = Some(ResponseRecorder::new(crate::cache::entry::KV_MAX_VALUE_BYTES, streamed));
                completion.cache_write = Some(CacheWrite { key, ttl_s, status, headers: headers.clone() });
            }
        }
        if streamed {
            completion.translator = compat_plan.stream_translator();
            if self.plugins.iter().any(|p| p.wants_stream_events()) {
                completion.plugin_parser = Some(SseParser::new());
            }
            let head = ResponseHead { status, headers };
            return Ok(Outcome::Upstream(port.with_head(response, head)?));
        }
        let body = port.read_response(response, self.config.max_request_body_bytes).await?;
        let (status, converted) = compat_plan.convert_response(status, &body);
        completion.ctx.status = status;
        let reply = Reply { status, headers, body: converted };
        completion.local_body(&reply.body, port.now_ms());
        Ok(Outcome::Local(reply))
    }
}

/// The gateway's own response headers: `cf-aig-log-id` when the request is logged,
/// `cf-aig-cache-status` when the cache took part, and `cf-aig-step` when the request had steps
/// to choose from.
fn add_gateway_headers(completion: &Completion, planned: &Planned, headers: &mut Headers) {
    if let Some(id) = completion.log.as_ref().and_then(RequestLog::id) {
        headers.set(LOG_ID_HEADER, id);
    }
    let ctx = &completion.ctx;
    if let Some(status) = ctx.cache_status {
        status.apply(headers, None);
    }
    if let Some(step) = ctx.step.filter(|_| planned.reports_step) {
        headers.set("cf-aig-step", step.to_string());
    }
}

/// A JSON reply of the gateway's own.
fn json_reply(status: u16, body: Vec<u8>) -> Reply {
    let mut headers = Headers::new();
    headers.set("content-type", "application/json");
    Reply { status, headers, body }
}

/// The provider path and query of a provider-native route, for the cache key.
fn endpoint_of(route: &GatewayRoute<'_>, query: Option<&str>) -> String {
    let rest = match route {
        GatewayRoute::Provider(r) => r.rest,
        _ => "",
    };
    match query.filter(|q| !q.is_empty()) {
        Some(q) => format!("/{rest}?{q}"),
        None => format!("/{rest}"),
    }
}

/// The reply for a cache hit: the stored response, with `cf-aig-cache-status: HIT` and `age`.
fn hit_reply(entry: &CacheEntry, now_ms: f64) -> Reply {
    Reply { status: entry.status, headers: entry.hit_headers(now_ms), body: entry.body.clone() }
}
