//! The request pipeline: route, check, run plugins, call the provider, hand back the response.
//!
//! The pipeline does no I/O itself. The runtime supplies it through [`HttpPort`]: in Workers that
//! is `fetch` and JS streams (`src/http_port.rs`); in tests, an in-memory fake. The upstream
//! response stays opaque ([`HttpPort::Response`]) so that, when no plugin needs to see it, the
//! runtime's response object goes back to the client untouched and its body is never read.

use std::rc::Rc;

use async_trait::async_trait;

use crate::config::GatewayConfig;
use crate::error::GatewayError;
use crate::headers::{upstream_request_headers, Headers};
use crate::plugin::{Plugin, Reply, RequestContext, ResponseHead, UpstreamHead};
use crate::route;
use crate::sse::SseParser;

/// What the runtime provides to the pipeline.
#[async_trait(?Send)]
pub trait HttpPort {
    /// A request body as the runtime streams it.
    type Body;
    /// An upstream response as the runtime holds it, body unread.
    type Response;

    /// Milliseconds on the runtime's clock.
    fn now_ms(&self) -> f64;

    /// Reads a body of unknown length, failing with 413 (`PayloadTooLarge`) as soon as it exceeds
    /// `max_bytes`. Used only when the client sent no `content-length`.
    async fn read_bounded(&self, body: Self::Body, max_bytes: u64) -> Result<Self::Body, GatewayError>;

    /// Reads and drops a body the gateway refuses, so that a client still uploading receives the
    /// refusal rather than a reset connection. Implementations bound how much they read.
    async fn discard(&self, body: Self::Body);

    /// Sends the request upstream and resolves when the response headers arrive. Redirects are
    /// returned, not followed. `headers_edited` is false when `upstream.headers` are exactly the
    /// client's headers less those the forwarding rules drop: the runtime may then copy its own
    /// header object and delete those names instead of building one from the list.
    /// Errors: `UpstreamUnreachable` when no response came.
    async fn fetch(
        &self,
        upstream: &UpstreamHead,
        headers_edited: bool,
        body: Option<Self::Body>,
    ) -> Result<Self::Response, GatewayError>;

    /// The response's status and headers, copied out.
    fn response_head(&self, response: &Self::Response) -> ResponseHead;

    /// The same response body with a new status and headers.
    fn with_head(&self, response: Self::Response, head: ResponseHead) -> Result<Self::Response, GatewayError>;

    /// The response's status.
    fn status(&self, response: &Self::Response) -> u16;
}

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
    /// A response the gateway or a plugin made: an error, or a plugin's own answer.
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

/// The rest of a request's life after the response head went out: watching the body, then the
/// `on_log` hooks. The runtime drives it off the hot path.
pub struct Completion {
    ctx: RequestContext,
    plugins: Rc<[Box<dyn Plugin>]>,
    parser: Option<SseParser>,
}

impl Completion {
    /// Whether the runtime should copy the response body to [`Completion::on_chunk`]: only for a
    /// `text/event-stream` response that some plugin watches.
    pub fn watches_body(&self) -> bool {
        self.parser.is_some()
    }

    /// Whether there is anything left to do at all; when not, the runtime may drop it.
    pub fn is_noop(&self) -> bool {
        self.plugins.is_empty()
    }

    /// Feeds the next chunk of the watched body to the parser and the plugins' stream hooks.
    pub fn on_chunk(&mut self, chunk: &[u8]) {
        let Some(parser) = self.parser.as_mut() else { return };
        let (ctx, plugins) = (&mut self.ctx, &self.plugins);
        parser.feed(chunk, |event| {
            ctx.stream_events += 1;
            for plugin in plugins.iter().filter(|p| p.wants_stream_events()) {
                plugin.on_stream_event(ctx, &event);
            }
        });
    }

    /// Ends the request: records how the body ended and runs every plugin's `on_log`. `complete`
    /// is false when the stream broke; a stream that ends mid-event is incomplete either way.
    pub async fn finish(mut self, now_ms: f64, complete: bool) {
        if let Some(parser) = self.parser.as_mut() {
            self.ctx.stream_complete = Some(complete && !parser.has_partial());
            parser.finish();
            self.ctx.finished_at_ms = Some(now_ms);
        }
        for plugin in self.plugins.iter() {
            plugin.on_log(&self.ctx).await;
        }
    }

    /// The request's context, for runtimes that report on it.
    pub fn context(&self) -> &RequestContext {
        &self.ctx
    }
}

/// The gateway's request handling, configured once per isolate.
pub struct Pipeline {
    config: GatewayConfig,
    plugins: Rc<[Box<dyn Plugin>]>,
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
        request: ClientRequest<P::Body>,
    ) -> (Outcome<P::Response>, Completion) {
        let mut ctx = RequestContext {
            method: request.method.clone(),
            path: request.path.clone(),
            started_at_ms: port.now_ms(),
            ..RequestContext::default()
        };
        let outcome = match self.run(port, request, &mut ctx).await {
            Ok(outcome) => outcome,
            Err(err) => {
                let reply = Reply::from_error(&err);
                ctx.error = Some(err);
                Outcome::Local(reply)
            }
        };
        ctx.status = match &outcome {
            Outcome::Upstream(response) => port.status(response),
            Outcome::Local(reply) => reply.status,
        };
        let watches = matches!(outcome, Outcome::Upstream(_))
            && ctx.response_is_event_stream
            && self.plugins.iter().any(|p| p.wants_stream_events());
        let completion = Completion { ctx, plugins: Rc::clone(&self.plugins), parser: watches.then(SseParser::new) };
        (outcome, completion)
    }

    async fn run<P: HttpPort>(
        &self,
        port: &P,
        request: ClientRequest<P::Body>,
        ctx: &mut RequestContext,
    ) -> Result<Outcome<P::Response>, GatewayError> {
        let route = route::parse(&request.path)?;
        ctx.account_id = route.account_id.to_string();
        ctx.gateway_id = route.gateway_id.to_string();
        ctx.provider = route.provider.id;
        let url = route.upstream_url(&self.config, request.query.as_deref())?;
        ctx.upstream_url.clone_from(&url);

        let limit = self.config.max_request_body_bytes;
        let body = match (request.body, request.headers.content_length()) {
            (Some(body), Some(len)) if len > limit => {
                port.discard(body).await;
                return Err(GatewayError::body_too_large(limit));
            }
            (Some(body), None) => Some(port.read_bounded(body, limit).await?),
            (body, _) => body,
        };

        let mut upstream =
            UpstreamHead { method: request.method, url, headers: upstream_request_headers(&request.headers) };
        let mut headers_edited = false;
        if !self.plugins.is_empty() {
            let forwarded = upstream.headers.clone();
            for plugin in self.plugins.iter() {
                if let Some(reply) = plugin.on_request(ctx, &mut upstream).await? {
                    return Ok(Outcome::Local(reply));
                }
            }
            headers_edited = upstream.headers != forwarded;
        }

        let response = port.fetch(&upstream, headers_edited, body).await?;
        ctx.upstream_headers_at_ms = Some(port.now_ms());
        if self.plugins.is_empty() {
            return Ok(Outcome::Upstream(response));
        }
        let mut head = port.response_head(&response);
        ctx.response_is_event_stream =
            head.headers.get("content-type").is_some_and(|ct| ct.trim_start().starts_with("text/event-stream"));
        let original = head.clone();
        for plugin in self.plugins.iter() {
            plugin.on_response(ctx, &mut head).await?;
        }
        if head == original {
            Ok(Outcome::Upstream(response))
        } else {
            Ok(Outcome::Upstream(port.with_head(response, head)?))
        }
    }
}
