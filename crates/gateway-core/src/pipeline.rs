//! The request pipeline: route, check, run plugins, call the provider, hand back the response.
//!
//! The pipeline does no I/O itself. The runtime supplies it through [`HttpPort`]: in Workers that
//! is `fetch` and JS streams (`src/http_port.rs`); in tests, an in-memory fake. The upstream
//! response stays opaque ([`HttpPort::Response`]) so that, when no plugin needs to see it, the
//! runtime's response object goes back to the client untouched and its body is never read.

use std::rc::Rc;

use crate::completion::Completion;
use crate::config::GatewayConfig;
use crate::error::GatewayError;
use crate::headers::{upstream_request_headers, Headers};
use crate::plugin::{Plugin, Reply, RequestContext, UpstreamHead};
use crate::port::{HttpPort, RequestBody};
use crate::route;
use crate::sse::SseParser;
use crate::stream_guard::StreamGuard;

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
        let ctx = RequestContext {
            method: request.method.clone(),
            path: request.path.clone(),
            started_at_ms: port.now_ms(),
            ..RequestContext::default()
        };
        let mut completion = Completion::new(ctx, Rc::clone(&self.plugins));
        let outcome = match self.run(port, request, &mut completion).await {
            Ok(outcome) => outcome,
            Err(err) => {
                let reply = Reply::from_error(&err);
                completion.ctx.error = Some(err);
                Outcome::Local(reply)
            }
        };
        completion.ctx.status = match &outcome {
            Outcome::Upstream(response) => port.status(response),
            Outcome::Local(reply) => reply.status,
        };
        (outcome, completion)
    }

    async fn run<P: HttpPort>(
        &self,
        port: &P,
        request: ClientRequest<P::Body>,
        completion: &mut Completion,
    ) -> Result<Outcome<P::Response>, GatewayError> {
        let ctx = &mut completion.ctx;
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
            (Some(body), None) => Some(RequestBody::Bytes(port.read_body(body, limit).await?.into())),
            (body, _) => body.map(RequestBody::Stream),
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

        let response = port.fetch(&upstream, headers_edited, body, None).await?;
        ctx.upstream_headers_at_ms = Some(port.now_ms());
        let status = port.status(&response);
        ctx.response_is_event_stream =
            port.header(&response, "content-type").is_some_and(|ct| ct.trim_start().starts_with("text/event-stream"));
        if ctx.response_is_event_stream && (200..300).contains(&status) {
            completion.guard = Some(StreamGuard::new(route.provider.format));
        }
        if ctx.response_is_event_stream && self.plugins.iter().any(|p| p.wants_stream_events()) {
            completion.plugin_parser = Some(SseParser::new());
        }
        if self.plugins.is_empty() {
            return Ok(Outcome::Upstream(response));
        }
        let ctx = &mut completion.ctx;
        let mut head = port.response_head(&response);
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
