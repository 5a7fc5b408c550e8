//! The request pipeline: route, check, plan the upstream targets, consult the cache, send with
//! retries and fallbacks, and shape the response.
//!
//! The pipeline does no I/O itself. The runtime supplies it through [`HttpPort`] (HTTP, timers,
//! secrets) and [`Services`] (storage); in tests, in-memory fakes. The upstream response stays
//! opaque ([`HttpPort::Response`]) so that, when nothing needs to see it, the runtime's response
//! object goes back to the client untouched and its body is never read.
//!
//! The stages live in submodules: `plan` turns the route into upstream targets, `cache` looks
//! the request up, `send` runs the attempt loop, `respond` shapes the answer; what follows the
//! response head is the [`crate::completion::Completion`]'s.

mod access;
mod cache;
pub(crate) mod limit;
mod plan;
mod plugins;
mod respond;
mod semantic;
mod send;

use std::rc::Rc;

use crate::cache::key::KeyInput;
use crate::cache::semantic::SemanticServices;
use crate::cache::{options, CacheDefaults, CacheStore, Coalescer};
use crate::completion::Completion;
use crate::config::GatewayConfig;
use crate::control::keys::VirtualKeyLabel;
use crate::control::resolve::Effective;
use crate::control::scope::check_model;
use crate::control::store::ControlStore;
use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;
use crate::keys;
use crate::limits::store::Limiter;
use crate::logs::request_log::{parse_request_options, LOG_ID_HEADER};
use crate::logs::store::{LogSink, MetricsSink};
use crate::logs::{LogSettings, RequestLog};
use crate::plugin::guardrail::{events_json, GUARDRAILS_HEADER};
use crate::plugin::prompt::PromptRequest;
use crate::plugin::services::{PluginHttp, PluginServices};
use crate::plugin::{Plugin, Reply, RequestContext, ResponseHead};
use crate::port::{HttpPort, RequestBody};
use crate::redact::KnownSecrets;
use crate::resilience::RetryOverrides;
use crate::route::{self, GatewayRoute};
use crate::translate::compat::{self, Endpoint};
use crate::translate::Format;

use access::{look_up, Access, ControlMemory, LookupInput};
use plan::Target;
use plugins::PluginSets;
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
        if let Some(seconds) = err.retry_after_s() {
            headers.set("retry-after", seconds.to_string());
        }
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
    /// Gateways and virtual keys (the `ControlPlane` Durable Object), read through the
    /// isolate's memory.
    pub control: Option<Rc<dyn ControlStore>>,
    /// The limiters of limited scopes (one `Limiter` Durable Object per scope).
    pub limiter: Option<Rc<dyn Limiter>>,
    /// The HTTP client and secrets plugins may use (`ctx.services`).
    pub plugin_http: Option<Rc<dyn PluginHttp>>,
    /// The semantic cache's vector index and Workers AI embedder.
    pub semantic: SemanticServices,
}

/// The gateway's request handling, configured once per isolate.
pub struct Pipeline {
    config: Rc<GatewayConfig>,
    plugins: Rc<[Rc<dyn Plugin>]>,
    control: ControlMemory,
    plugin_set: PluginSets,
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
    pub fn new(config: GatewayConfig, plugins: Vec<Rc<dyn Plugin>>) -> Self {
        Pipeline {
            config: Rc::new(config),
            plugins: plugins.into(),
            control: ControlMemory::default(),
            plugin_set: PluginSets::default(),
        }
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
            secrets: self.request_secrets(&request),
            services: PluginServices { http: services.plugin_http.clone(), config: Some(Rc::clone(&self.config)) },
            ..RequestContext::default()
        };
        let mut completion = Completion::new(ctx, Rc::clone(&self.plugins), services.clone());
        let outcome = match self.run(port, services, request, &mut completion).await {
            Ok(outcome) => outcome,
            Err(err) => {
                let reply = error_reply(completion.client_format, &err);
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
                for (name, value) in completion.rate_headers.iter() {
                    reply.headers.set(name, value);
                }
                if let Some(events) = events_json(&completion.ctx.guardrails) {
                    reply.headers.set(GUARDRAILS_HEADER, events);
                }
                local_reply_plugins(&mut completion, reply).await;
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
        completion.ctx.account_id = route.account_id().to_string();
        completion.ctx.gateway_id = route.gateway_id().to_string();
        let provider_header = match &route {
            GatewayRoute::Provider(provider_route) => provider_route.provider.auth.header,
            _ => "authorization",
        };
        let lookup = look_up(LookupInput {
            config: &self.config,
            memory: &self.control,
            store: services.control.as_deref(),
            gateway_id: route.gateway_id(),
            headers: &request.headers,
            provider_header,
            now_ms: port.now_ms() as i64,
        })
        .await;
        let effective = lookup.effective(&self.config);
        let limited = lookup.is_limited();
        completion.log = self.start_log(port, services, &request.headers, &effective, limited)?;
        let access = lookup.authorize(&request.headers, route.gateway_id(), self.config.gateway_token.as_deref())?;
        completion.ctx.virtual_key = access.key.as_ref().map(|key| VirtualKeyLabel::of(key));
        completion.plugins = self.plugin_set.for_request(&self.plugins, &access, None)?;
        let mut wants_request = completion.plugins.iter().any(|p| p.wants_request());
        let ctx = &mut completion.ctx;
        let caller = access.caller;
        let retry = RetryOverrides::from_headers(&request.headers)?;
        let first_step = match &route {
            GatewayRoute::Provider(provider_route) => {
                ctx.provider = provider_route.provider.id;
                let target = plan::provider_target(
                    provider_route,
                    &self.config,
                    &request.method,
                    request.query.as_deref(),
                    &request.headers,
                    effective.retry,
                    retry,
                )?;
                ctx.upstream_url.clone_from(&target.url);
                FirstStep::Provider(target)
            }
            GatewayRoute::Universal { .. } if request.method != "POST" => {
                return Err(GatewayError::new(
                    ErrorKind::MethodNotAllowed,
                    "the universal endpoint takes POST with a JSON array of steps",
                ))
            }
            GatewayRoute::Universal { .. } => FirstStep::Universal,
            GatewayRoute::Compat { endpoint, .. } => {
                let endpoint = Endpoint::parse(endpoint)?;
                completion.client_format = endpoint.client_format();
                if endpoint == Endpoint::Models {
                    return Ok(Outcome::Local(json_reply(200, compat::list_models(&self.config.aliases))));
                }
                if request.method != "POST" {
                    return Err(GatewayError::new(ErrorKind::MethodNotAllowed, "the compat endpoints take POST"));
                }
                FirstStep::Compat(endpoint)
            }
        };

        let cache_defaults = CacheDefaults { ttl_s: effective.cache_ttl_s, ..self.config.cache };
        let may_cache =
            services.cache.is_some() && cache_defaults.ttl_s > 0 || options::mentions_cache(&request.headers);
        // A key limited to some models must see the model, which may be anywhere in the body.
        let checks_model = access.key.as_ref().is_some_and(|key| !key.models.iter().any(|m| m == "*"));
        let streamable = match &first_step {
            FirstStep::Provider(target) => !plan::may_resend(std::slice::from_ref(target)),
            _ => false,
        };
        let needs_bytes = !streamable
            || may_cache
            || checks_model
            || limited
            || wants_request
            || completion.log.is_some()
            || request.headers.content_length().is_none();
        let mut body = self.read_body(port, request.body, &request.headers, needs_bytes).await?;
        // The named route a compat request's `model` names, read once (again only if a plugin
        // changes the body): its plugins join the request's, and it is the plan.
        let compat = matches!(first_step, FirstStep::Compat(_));
        let mut named = match &body {
            Some(RequestBody::Bytes(bytes)) if compat => plan::named_route(&self.config.routes, bytes),
            _ => None,
        };
        if let Some(with_plugins) = named.filter(|r| !r.plugins.is_empty()) {
            completion.plugins = self.plugin_set.for_request(&self.plugins, &access, Some(with_plugins))?;
            wants_request = completion.plugins.iter().any(|p| p.wants_request());
        }
        if wants_request {
            let client_body = match &body {
                Some(RequestBody::Bytes(bytes)) => Some(&bytes[..]),
                _ => None,
            };
            let mut prompt = PromptRequest::new(&request.method, &request.path, &request.headers, client_body);
            for plugin in completion.plugins.clone().iter().filter(|p| p.wants_request()) {
                if let Some(reply) = plugin.on_request(&mut completion.ctx, &mut prompt).await? {
                    return Ok(Outcome::Local(reply));
                }
            }
            if let Some(changed) = prompt.into_changed_body() {
                if compat {
                    named = plan::named_route(&self.config.routes, &changed);
                }
                body = Some(RequestBody::Bytes(changed.into()));
            }
        }
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
            retry_default: effective.retry,
        };
        let mut planned = match first_step {
            FirstStep::Provider(target) => {
                let scope = (target.provider.id.to_string(), endpoint_of(&route, request.query.as_deref()));
                Planned { targets: vec![target], reports_step: false, cache_scope: scope }
            }
            FirstStep::Compat(endpoint) => Planned {
                targets: plan::compat_targets(&input, endpoint, named, port.random(), port.now_ms())?,
                reports_step: true,
                cache_scope: ("compat".to_string(), format!("/{}", compat_suffix(&route))),
            },
            FirstStep::Universal => Planned {
                targets: plan::universal_targets(&input)?,
                reports_step: true,
                cache_scope: ("universal".to_string(), String::new()),
            },
        };

        for target in &planned.targets {
            // A universal step's own headers and endpoint query (its keys), before any is sent.
            completion.ctx.secrets.add_credential_headers(&target.headers);
            completion.ctx.secrets.add_query_credentials(&target.url);
        }
        if let Some(first) = planned.targets.first() {
            // Until an attempt answers, the endpoint is the first target's (a cache hit's, too).
            completion.ctx.provider_path.clone_from(&first.provider_path);
        }
        check_targets(&access, &planned.targets, bytes)?;
        if completion.log.is_some() {
            // A stream's tokens are measured for its log, cost and limits, not estimated.
            plan::ask_for_stream_usage(&mut planned.targets, bytes);
        }
        if completion.ctx.provider.is_empty() {
            // Until a target answers, the request is the first target's (a cache hit's log says so).
            if let Some(first) = planned.targets.first() {
                completion.ctx.provider = first.provider.id;
            }
        }
        // A token count the gateway estimates itself needs no upstream call.
        if let Some(answer) = planned.targets.first().and_then(|t| t.compat.as_ref()).and_then(|p| p.local_answer()) {
            return Ok(Outcome::Local(json_reply(200, answer)));
        }
        let key_input = KeyInput {
            gateway_id: route.gateway_id(),
            provider: &planned.cache_scope.0,
            method: &request.method,
            endpoint: &planned.cache_scope.1,
            headers: &request.headers,
            body: bytes,
        };
        let decision = options::decide(&cache_defaults, &key_input)?;
        let mut notes = Vec::new();
        let reserved = limit::reserve(
            limit::ReserveInput {
                limiter: services.limiter.as_ref(),
                access: &access,
                targets: &planned.targets,
                client_body: bytes,
                headers: &request.headers,
                new_id: &|| reservation_id(port),
                now_ms: port.now_ms() as i64,
            },
            &mut notes,
            &mut completion.rate_headers,
        )
        .await;
        if !notes.is_empty() {
            completion.ctx.limit_error = Some(notes.join("; "));
        }
        if let Some(reserved) = reserved? {
            completion.rate_headers = reserved.headers.clone();
            completion.limits = Some(reserved);
        }
        let cache_request = cache::CacheRequest { key: &key_input, gateway: access.gateway.as_deref() };
        if let Some(reply) = self.consult_cache(port, services, &decision, &cache_request, completion).await {
            return Ok(Outcome::Local(reply));
        }

        let plugins = completion.plugins.clone();
        let sender = Sender {
            port,
            config: &self.config,
            plugins: &plugins,
            caller,
            virtual_key: access.key.as_deref(),
            gateway_keys: access.gateway.as_ref().map(|g| &g.provider_keys),
        };
        let (response, target) = match sender.send(&mut completion.ctx, &planned.targets, body).await? {
            Sent::Reply(reply) => return Ok(Outcome::Local(reply)),
            Sent::Upstream { response, target } => (response, &planned.targets[target]),
        };
        completion.ctx.provider = target.provider.id;
        completion.ctx.upstream_url.clone_from(&target.url);
        completion.ctx.provider_path.clone_from(&target.provider_path);
        self.respond(port, response, target, &planned, decision, completion).await
    }

    /// The secrets a request carries on arrival: its credential headers and query parameters
    /// (Gemini's `?key=`), and the gateway token, which no log may show wherever a client put it.
    fn request_secrets<B>(&self, request: &ClientRequest<B>) -> KnownSecrets {
        let mut secrets = KnownSecrets::new();
        secrets.add_credential_headers(&request.headers);
        secrets.add_query_credentials(request.query.as_deref().unwrap_or_default());
        if let Some(token) = &self.config.gateway_token {
            secrets.add_held(token);
        }
        secrets
    }

    /// Starts the request's log when it is stored (logging on for it and a log sink bound) or
    /// metrics are written; the log id is made here so that every response can carry it.
    /// Whether it is stored, and with bodies, is the request's header, else `effective`.
    ///
    /// Errors: 400 for a malformed `cf-aig-metadata`, `cf-aig-collect-log*` or
    /// `cf-aig-custom-cost` header, checked even when nothing is logged.
    fn start_log<P: HttpPort>(
        &self,
        port: &P,
        services: &Services,
        headers: &Headers,
        effective: &Effective,
        limited: bool,
    ) -> Result<Option<RequestLog>, GatewayError> {
        let settings = LogSettings {
            enabled: effective.collect_logs,
            collect_payloads: effective.collect_log_payloads,
            ..self.config.logs.clone()
        };
        let (options, custom_cost) = parse_request_options(headers, &settings)?;
        let store = options.collect && services.logs.is_some();
        if !store && services.metrics.is_none() && !limited {
            return Ok(None);
        }
        let mut random = [0u8; 10];
        port.random_bytes(&mut random);
        let shard_hint = services.logs.as_ref().and_then(|logs| logs.shard_hint());
        Ok(Some(RequestLog::start(store, options, custom_cost, &self.config.logs, port.now_ms(), random, shard_hint)))
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
            (Some(body), declared) if needed => {
                Ok(Some(RequestBody::Bytes(port.read_body(body, declared, limit).await?.into())))
            }
            (body, _) => Ok(body.map(RequestBody::Stream)),
        }
    }
}

/// Runs the plugins' `on_response` on a reply the gateway made (a cache hit, an error, a plugin's
/// answer); their changes to status and headers apply, their errors are ignored (the reply
/// stands).
async fn local_reply_plugins(completion: &mut Completion, reply: &mut Reply) {
    if completion.plugins.is_empty() {
        return;
    }
    let mut head = ResponseHead { status: reply.status, headers: std::mem::take(&mut reply.headers) };
    for plugin in completion.plugins.clone().iter() {
        let before = head.clone();
        if plugin.on_response(&mut completion.ctx, &mut head).await.is_err() {
            head = before;
        }
    }
    reply.status = head.status;
    reply.headers = head.headers;
}

/// A fresh id for a request's reservations (16 hex digits).
fn reservation_id<P: HttpPort>(port: &P) -> String {
    let mut random = [0u8; 8];
    port.random_bytes(&mut random);
    random.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the gateway and the virtual key allow of each planned target, checked before the cache
/// is consulted (a cached answer is no way around a scope).
///
/// Errors: 403 for a provider key the client sent to a `byok_only` gateway, and for a model the
/// key's `models` rule refuses.
fn check_targets(access: &Access, targets: &[Target], client_body: &[u8]) -> Result<(), GatewayError> {
    for target in targets {
        if let Some(gateway) = &access.gateway {
            gateway.check_byok(keys::client_key(&target.headers, target.provider, access.caller).is_some())?;
        }
        if let Some(key) = &access.key {
            check_model(key, target.provider.id, &target.model(client_body))?;
        }
    }
    Ok(())
}

/// A gateway error as the client reads errors, in its `format`: Anthropic's shape for
/// `compat/messages`, the gateway's own (OpenAI's, which Responses shares) otherwise.
pub(crate) fn error_reply(format: Format, err: &GatewayError) -> Reply {
    if compat::reads_gateway_errors(format) {
        return Reply::from_error(err);
    }
    let (status, body) = compat::gateway_error_body(format, err);
    let mut reply = json_reply(status, body);
    if let Some(seconds) = err.retry_after_s() {
        reply.headers.set("retry-after", seconds.to_string());
    }
    reply
}

/// A JSON reply of the gateway's own.
fn json_reply(status: u16, body: Vec<u8>) -> Reply {
    let mut headers = Headers::new();
    headers.set("content-type", "application/json");
    Reply { status, headers, body }
}

/// What the route says before the body is read: a provider-native request's one target, or
/// which body-planned endpoint it is.
enum FirstStep {
    Provider(Target),
    Universal,
    Compat(Endpoint),
}

/// The path after `compat/` of a compat route.
fn compat_suffix<'a>(route: &GatewayRoute<'a>) -> &'a str {
    match route {
        GatewayRoute::Compat { endpoint, .. } => endpoint,
        _ => "",
    }
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
