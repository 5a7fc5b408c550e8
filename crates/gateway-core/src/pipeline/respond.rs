//! Shaping the upstream's answer for the client: the gateway's headers, plugins' `on_response`,
//! translation for the compat endpoint, and what the completion must do with the body.

use crate::cache::entry::{is_event_stream, KV_MAX_VALUE_BYTES};
use crate::cache::recorder::ResponseRecorder;
use crate::cache::CacheDecision;
use crate::completion::{CacheWrite, Completion};
use crate::error::GatewayError;
use crate::headers::Headers;
use crate::logs::request_log::LOG_ID_HEADER;
use crate::logs::RequestLog;
use crate::plugin::guardrail::{events_json, GUARDRAILS_HEADER};
use crate::plugin::{Reply, ResponseHead};
use crate::port::HttpPort;
use crate::sse::SseParser;
use crate::stream_guard::{StreamDialect, StreamGuard};
use crate::translate::compat::{CompatPlan, ResponseConversion};

use super::plan::Target;
use super::{Outcome, Pipeline, Planned};

impl Pipeline {
    /// Shapes the upstream response for the client: gateway headers, plugins' `on_response`, and
    /// what the completion must do with the body (guard a stream, record it for the cache, let
    /// plugins watch it).
    pub(super) async fn respond<P: HttpPort>(
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
        let content_type = port.header(&response, "content-type");
        if let Some(log) = completion.log.as_mut() {
            log.start_response(content_type.as_deref());
        }
        let ctx = &mut completion.ctx;
        ctx.response_is_event_stream =
            content_type.as_deref().is_some_and(|ct| ct.trim_start().starts_with("text/event-stream"));
        if ctx.response_is_event_stream && success {
            completion.guard = Some(StreamGuard::new(StreamDialect::of(&target.url)));
        }
        if completion.ctx.response_is_event_stream && completion.plugins.clone().iter().any(|p| p.wants_stream_events())
        {
            completion.plugin_parser = Some(SseParser::new());
        }

        let mut extra = Headers::new();
        add_gateway_headers(completion, planned, &mut extra);
        let needs_head = !completion.plugins.is_empty() || matches!(decision, CacheDecision::Use { .. });
        let mut head = needs_head.then(|| port.response_head(&response));
        if let (CacheDecision::Use { key, ttl_s }, Some(head)) = (decision, head.as_ref()) {
            if success {
                completion.recorder = Some(ResponseRecorder::new(KV_MAX_VALUE_BYTES, is_event_stream(&head.headers)));
                completion.cache_write = Some(CacheWrite { key, ttl_s, status, headers: head.headers.clone() });
            }
        }
        let Some(head) = head.as_mut().filter(|_| !completion.plugins.is_empty()) else {
            return Ok(Outcome::Upstream(if extra.is_empty() {
                response
            } else {
                port.set_headers(response, &extra)?
            }));
        };
        let original = head.clone();
        for plugin in completion.plugins.clone().iter() {
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

    /// Shapes an answer that must change format (the compat endpoint to a provider speaking
    /// another API): a 2xx stream is translated event by event as it passes; anything else is
    /// read whole, converted, and answered as the gateway's own reply. A 2xx body that cannot be
    /// translated is answered as the gateway's 502 `upstream_invalid_response` in the client's
    /// format, recorded as the request's error (so its log says so), and never cached.
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
        if streamed {
            record_for_cache(completion, decision, status, &headers, true);
            completion.translator = compat_plan.stream_translator();
            if completion.plugins.clone().iter().any(|p| p.wants_stream_events()) {
                completion.plugin_parser = Some(SseParser::new());
            }
            let mut head = ResponseHead { status, headers };
            for plugin in completion.plugins.clone().iter() {
                plugin.on_response(&mut completion.ctx, &mut head).await?;
            }
            return Ok(Outcome::Upstream(port.with_head(response, head)?));
        }
        let body = port.read_response(response, self.config.max_request_body_bytes).await?;
        let reply = match compat_plan.convert_response(status, &body) {
            Ok((status, converted)) => {
                record_for_cache(completion, decision, status, &headers, false);
                Reply { status, headers, body: converted }
            }
            Err(err) => {
                let mut reply = super::error_reply(completion.client_format, &err);
                for (name, value) in headers.iter() {
                    reply.headers.set(name, value);
                }
                completion.ctx.error = Some(err);
                reply
            }
        };
        completion.ctx.status = reply.status;
        completion.local_body(&reply.body, port.now_ms());
        Ok(Outcome::Local(reply))
    }
}

/// Has a 2xx translated answer recorded for the cache when the request uses it: `headers` are
/// the ones the client gets, `streamed` whether the body is an event stream.
fn record_for_cache(
    completion: &mut Completion,
    decision: CacheDecision,
    status: u16,
    headers: &Headers,
    streamed: bool,
) {
    if let CacheDecision::Use { key, ttl_s } = decision {
        if (200..300).contains(&status) {
            completion.recorder = Some(ResponseRecorder::new(KV_MAX_VALUE_BYTES, streamed));
            completion.cache_write = Some(CacheWrite { key, ttl_s, status, headers: headers.clone() });
        }
    }
}

/// The gateway's own response headers: `cf-aig-log-id` when the request is logged,
/// `cf-aig-cache-status` when the cache took part, and `cf-aig-step` when the request had steps
/// to choose from.
fn add_gateway_headers(completion: &Completion, planned: &Planned, headers: &mut Headers) {
    if let Some(id) = completion.log.as_ref().and_then(RequestLog::id) {
        headers.set(LOG_ID_HEADER, id);
    }
    for (name, value) in completion.rate_headers.iter() {
        headers.set(name, value);
    }
    if let Some(events) = events_json(&completion.ctx.guardrails) {
        headers.set(GUARDRAILS_HEADER, events);
    }
    let ctx = &completion.ctx;
    if let Some(status) = ctx.cache_status {
        status.apply(headers, None);
    }
    if let Some(step) = ctx.step.filter(|_| planned.reports_step) {
        headers.set("cf-aig-step", step.to_string());
    }
}
