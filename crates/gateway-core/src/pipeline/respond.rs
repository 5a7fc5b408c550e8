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
use crate::plugin::event_stage::EventStage;
use crate::plugin::guardrail::{events_json, GUARDRAILS_HEADER};
use crate::plugin::{Reply, ResponseHead};
use crate::port::HttpPort;
use crate::sse::SseParser;
use crate::stream_guard::{StreamDialect, StreamGuard};
use crate::stream_usage::UsageChunkFilter;
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
            completion.events = event_stage(&completion.plugins, StreamDialect::of(&target.url));
            if target.usage_requested {
                completion.usage_filter = Some(UsageChunkFilter::new());
            }
        }
        let is_json = content_type.as_deref().is_some_and(|ct| ct.contains("json"));
        if success {
            // A forwarded compat answer names the client's model (the log reads the provider's bytes).
            completion.model_rewriter =
                target.compat.as_ref().and_then(|p| p.model_rewriter(completion.ctx.response_is_event_stream, is_json));
        }
        if success && is_json && completion.plugins.iter().any(|p| p.wants_response_json()) {
            let client_model = target.compat.as_ref().map(|p| p.client_model.as_str());
            return self.respond_json_plugins(port, response, client_model, planned, decision, completion).await;
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
        // The body rewritten as it passes: the provider's length no longer holds.
        let mut length_dropped = false;
        if completion.rewrites_body() {
            let head = head.get_or_insert_with(|| port.response_head(&response));
            length_dropped = head.headers.get("content-length").is_some();
            head.headers.remove("content-length");
        }
        let Some(head) = head.as_mut().filter(|_| !completion.plugins.is_empty() || length_dropped) else {
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
        if *head == original && !length_dropped {
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
            completion.events = event_stage(&completion.plugins, StreamDialect::Chat(completion.client_format));
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
        let reply = match compat_plan.convert_answer(status, &body) {
            Ok(answer) => {
                let (status, converted) = (answer.status, answer.body);
                if let (Some(log), Some(model)) = (completion.log.as_mut(), answer.upstream_model) {
                    log.set_upstream_model(model);
                }
                let converted = match answer_plugins(completion, status, converted).await {
                    Ok(body) => body,
                    Err(err) => return Err(err),
                };
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

impl Pipeline {
    /// A 2xx JSON answer some plugin wants whole: read, handed to the plugins, and answered as the
    /// gateway's own reply with the provider's headers (less its length and encoding). A
    /// forwarded compat answer names `client_model` first, as the plugins then see it.
    async fn respond_json_plugins<P: HttpPort>(
        &self,
        port: &P,
        response: P::Response,
        client_model: Option<&str>,
        planned: &Planned,
        decision: CacheDecision,
        completion: &mut Completion,
    ) -> Result<Outcome<P::Response>, GatewayError> {
        let status = port.status(&response);
        let mut headers = port.response_head(&response).headers;
        for name in ["content-length", "content-encoding", "transfer-encoding"] {
            headers.remove(name);
        }
        let mut body = port.read_response(response, self.config.max_request_body_bytes).await?;
        completion.model_rewriter = None;
        if let Some((renamed, upstream_model)) = client_model.and_then(|m| crate::answer_model::rename(&body, m)) {
            body = renamed;
            if let Some(log) = completion.log.as_mut() {
                log.set_upstream_model(upstream_model);
            }
        }
        let body = answer_plugins(completion, status, body).await?;
        add_gateway_headers(completion, planned, &mut headers);
        record_for_cache(completion, decision, status, &headers, false);
        completion.ctx.status = status;
        completion.local_body(&body, port.now_ms());
        Ok(Outcome::Local(Reply { status, headers, body }))
    }
}

/// The event stage of a 2xx stream in `dialect`, when some plugin of the request wants its events.
fn event_stage(plugins: &[std::rc::Rc<dyn crate::plugin::Plugin>], dialect: StreamDialect) -> Option<EventStage> {
    let wanting: Vec<_> = plugins.iter().filter(|p| p.wants_response_events()).collect();
    let hold = wanting.iter().map(|p| p.hold_back_events()).max()?;
    Some(EventStage::new(dialect, hold))
}

/// Hands a whole 2xx JSON answer to the plugins that want it; the body to send (re-serialized
/// only when a plugin changed it). A body that is not JSON goes on untouched.
///
/// Errors: a plugin's refusal.
async fn answer_plugins(completion: &mut Completion, status: u16, body: Vec<u8>) -> Result<Vec<u8>, GatewayError> {
    let wanting: Vec<_> = completion.plugins.iter().filter(|p| p.wants_response_json()).cloned().collect();
    if wanting.is_empty() || !(200..300).contains(&status) {
        return Ok(body);
    }
    let Ok(original) = serde_json::from_slice::<serde_json::Value>(&body) else { return Ok(body) };
    let mut value = original.clone();
    for plugin in wanting {
        plugin.on_response_json(&mut completion.ctx, &mut value).await?;
    }
    Ok(if value == original { body } else { serde_json::to_vec(&value).unwrap_or(body) })
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
