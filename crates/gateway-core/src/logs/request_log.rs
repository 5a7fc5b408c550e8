//! One request's log, from the request head to the finished [`LogEntry`].
//!
//! The pipeline creates a [`RequestLog`] once the route and the log headers are known
//! ([`RequestLog::start`]), hands it the request body it read ([`RequestLog::set_request`]) and
//! the response's content type ([`RequestLog::start_response`]). The completion then feeds it a
//! copy of every response chunk ([`RequestLog::on_chunk`], off the hot path: the client's copy is
//! never held for it) and, after the body ended, turns it into the entry ([`RequestLog::entry`]):
//! usage from the JSON body or the SSE events (an estimate when a stream reported none), the
//! model, the cost and the error message.
//!
//! What is kept in memory is bounded whatever the response's size: the request body is the `Rc`
//! the pipeline already holds; of the response, the first `LOG_BODY_MAX_BYTES` when payloads are
//! logged (nothing of a binary body), the few members of a JSON body that carry usage, model and
//! error ([`JsonFields`], each at most 64 KiB), and the SSE parser's current event (at most
//! [`crate::sse::MAX_EVENT_BYTES`]).

use std::rc::Rc;

use crate::cache::CacheStatus;
use crate::cost::{request_cost, CustomCost, PriceTable};
use crate::error::GatewayError;
use crate::headers::Headers;
use crate::logs::entry::{EntryFacts, LogEntry};
use crate::logs::headers::LogOptions;
use crate::logs::id::{new_log_id, new_log_id_in_shard};
use crate::logs::json_fields::JsonFields;
use crate::logs::settings::LogSettings;
use crate::logs::usage_extract::{self, Extracted, UsageExtractor};
use crate::plugin::RequestContext;
use crate::sse::SseParser;

/// The response header carrying the id of the request's log entry.
pub const LOG_ID_HEADER: &str = "cf-aig-log-id";

/// How the response body is observed.
#[derive(Debug)]
enum Capture {
    /// Not started (no response yet) or binary: nothing kept.
    None,
    /// A text body, kept up to `keep` bytes.
    Text,
    /// A JSON body: its usage, model and error members picked out as it passes, its first `keep`
    /// bytes kept.
    Json(JsonFields),
    /// An event stream: parsed for usage, its text kept up to `keep` bytes.
    Events { parser: SseParser, usage: UsageExtractor },
}

/// The log of one request in flight.
#[derive(Debug)]
pub struct RequestLog {
    /// The entry's id; `None` when the entry is not stored (only the metrics point is written).
    id: Option<String>,
    options: LogOptions,
    custom_cost: Option<CustomCost>,
    created_at_ms: f64,
    body_max_bytes: usize,
    user_agent: Option<String>,
    request_body: Option<Rc<[u8]>>,
    capture: Capture,
    kept: Vec<u8>,
    keep: usize,
    response_len: usize,
    /// The model the provider's answer named, when the body the log reads names another.
    upstream_model: Option<String>,
}

impl RequestLog {
    /// Starts the log of a request. `store` says whether an entry will be written (the request
    /// is logged and a log sink exists); the id is then made from `now_ms` and `random`, for the
    /// shard `shard_hint` when one is given (see [`crate::logs::store::LogSink::shard_hint`]).
    /// `options` and `custom_cost` come from [`crate::logs::parse_log_options`] and
    /// [`crate::cost::parse_custom_cost`], parsed before (their errors are the client's 400s).
    pub fn start(
        store: bool,
        options: LogOptions,
        custom_cost: Option<CustomCost>,
        settings: &LogSettings,
        now_ms: f64,
        random: [u8; 10],
        shard_hint: Option<u32>,
    ) -> RequestLog {
        let id = store.then(|| match shard_hint {
            Some(shard) => new_log_id_in_shard(now_ms, random, shard, settings.shards),
            None => new_log_id(now_ms, random),
        });
        RequestLog {
            id,
            options,
            custom_cost,
            created_at_ms: now_ms,
            body_max_bytes: settings.body_max_bytes,
            user_agent: None,
            request_body: None,
            capture: Capture::None,
            kept: Vec::new(),
            keep: 0,
            response_len: 0,
            upstream_model: None,
        }
    }

    /// The entry's id (`cf-aig-log-id`), when an entry will be stored.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Records the request's user agent and the body the pipeline read (`None` when it streamed
    /// the body on unread).
    pub fn set_request(&mut self, headers: &Headers, body: Option<Rc<[u8]>>) {
        self.user_agent = headers.get("user-agent").map(str::to_string);
        self.request_body = body;
    }

    /// Records the model the provider's answer named, for an answer the log reads after it was
    /// changed to name another (a compat answer converted whole names the client's model): the
    /// entry's `model` is this one, not the body's.
    pub fn set_upstream_model(&mut self, model: String) {
        self.upstream_model = Some(model);
    }

    /// Chooses how to observe the response body from its `content-type`: event streams are
    /// parsed, JSON and text kept (bounded), anything else only counted.
    pub fn start_response(&mut self, content_type: Option<&str>) {
        let mime = content_type.and_then(|ct| ct.split(';').next()).unwrap_or("").trim().to_ascii_lowercase();
        let payload = if self.options.collect_payload { self.body_max_bytes } else { 0 };
        (self.capture, self.keep) = if mime == "text/event-stream" {
            (Capture::Events { parser: SseParser::new(), usage: UsageExtractor::new() }, payload)
        } else if mime.contains("json") {
            (Capture::Json(JsonFields::new(usage_extract::RESPONSE_MEMBERS)), payload)
        } else if mime.starts_with("text/") || mime.is_empty() {
            (Capture::Text, payload)
        } else {
            (Capture::None, 0)
        };
        self.kept.clear();
        self.response_len = 0;
    }

    /// Takes a copy of the next response chunk.
    pub fn on_chunk(&mut self, chunk: &[u8]) {
        self.response_len += chunk.len();
        let room = self.keep.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&chunk[..room.min(chunk.len())]);
        match &mut self.capture {
            Capture::Events { parser, usage } => parser.feed(chunk, |event| usage.feed(&event)),
            Capture::Json(fields) => fields.feed(chunk),
            Capture::Text | Capture::None => {}
        }
    }

    /// Takes a whole response the gateway answered itself (an error, a cache hit).
    pub fn on_local_reply(&mut self, headers: &Headers, body: &[u8]) {
        self.start_response(headers.get("content-type"));
        self.on_chunk(body);
    }

    /// Builds the entry once the response ended: `ctx` gives status, timings, attempts, cache
    /// status and the gateway's error. Never fails; what cannot be read is left empty.
    pub fn entry(self, ctx: &RequestContext, prices: &PriceTable) -> LogEntry {
        let request_text = self.request_body.as_deref().and_then(|b| std::str::from_utf8(b).ok());
        let response_text = String::from_utf8_lossy(&self.kept);
        let keeps_response = !self.kept.is_empty() && !matches!(self.capture, Capture::None);
        let mut error_members = None;
        let extracted = match self.capture {
            Capture::Events { mut parser, usage } => {
                parser.finish();
                usage.finish(request_text)
            }
            Capture::Json(fields) => {
                let members = fields.object();
                let extracted = usage_extract::from_value(&members);
                error_members = Some(members);
                extracted
            }
            Capture::Text | Capture::None => Extracted::default(),
        };
        let model = self
            .upstream_model
            .or(extracted.model)
            .or_else(|| request_text.and_then(usage_extract::model_from_request))
            .or_else(|| usage_extract::model_from_path(&ctx.path))
            .unwrap_or_default();
        let cost = match (&extracted.usage, &self.custom_cost) {
            // A cache hit reached no provider: it cost nothing, whatever the tokens it reports.
            _ if ctx.cache_status == Some(CacheStatus::Hit) => Some(0.0),
            (Some(usage), custom) => request_cost(prices, ctx.provider, &model, usage, custom.as_ref()),
            (None, Some(CustomCost::Total(total))) => Some(*total),
            (None, _) => None,
        };
        let error = ctx.error.as_ref().map(|e| e.message().to_string()).or_else(|| {
            (ctx.status >= 400).then(|| {
                let message = match &error_members {
                    Some(members) => error_message_of(members),
                    None => provider_error_message(&response_text),
                };
                message.unwrap_or_else(|| status_text(ctx.status))
            })
        });
        let mut ua = Headers::new();
        if let Some(agent) = &self.user_agent {
            ua.append("user-agent", agent.as_str());
        }
        let finished = ctx.finished_at_ms.unwrap_or(ctx.started_at_ms);
        let facts = EntryFacts {
            id: self.id.unwrap_or_default(),
            created_at_ms: self.created_at_ms,
            gateway: ctx.gateway_id.clone(),
            provider: ctx.provider.to_string(),
            model,
            path: if ctx.provider_path.is_empty() { provider_path(&ctx.path) } else { ctx.provider_path.clone() },
            method: ctx.method.clone(),
            request_headers: Some(&ua),
            status: ctx.status,
            duration_ms: finished - ctx.started_at_ms,
            ttfb_ms: ctx.upstream_headers_at_ms.map(|t| t - ctx.started_at_ms),
            usage: extracted.usage,
            cost,
            cache_status: ctx.cache_status,
            step: ctx.step.unwrap_or(0) as u32,
            attempts: ctx.attempts.len() as u32,
            virtual_key_id: ctx.virtual_key.as_ref().map(|key| key.id.clone()),
            virtual_key_name: ctx.virtual_key.as_ref().map(|key| key.name.clone()),
            error,
            cache_error: ctx.cache_error.clone(),
            cache_semantic: ctx.cache_semantic.clone(),
            limit_error: ctx.limit_error.clone(),
            guardrails: crate::plugin::guardrail::events_json(&ctx.guardrails),
            request_body: request_text,
            response_body: keeps_response.then_some(&*response_text),
            response_body_len: Some(self.response_len),
            secrets: Some(&ctx.secrets),
        };
        LogEntry::build(facts, &self.options, self.body_max_bytes)
    }
}

/// The path after `/v1/{account}/{gateway}/{provider}` (the provider's own path), or the whole
/// path for the universal endpoint: the endpoint of a request that never reached a provider
/// (one that did records the path it was sent to, [`RequestContext::provider_path`]).
fn provider_path(path: &str) -> String {
    let parts: Vec<&str> = path.splitn(6, '/').collect();
    match parts.as_slice() {
        ["", "v1", _, _, _, rest] => format!("/{rest}"),
        _ => path.to_string(),
    }
}

/// `error.message` (OpenAI, Anthropic, Gemini) or a top-level `message` of an error body.
fn provider_error_message(body: &str) -> Option<String> {
    error_message_of(&serde_json::from_str(body).ok()?)
}

/// [`provider_error_message`] of a parsed body (or of the members of it that were kept).
fn error_message_of(v: &serde_json::Value) -> Option<String> {
    let error = v.get("error").unwrap_or(v);
    let message = error.get("message").or_else(|| v.get("message"))?;
    message.as_str().map(str::to_string)
}

fn status_text(status: u16) -> String {
    format!("the provider answered {status}")
}

/// Parses the log headers and `cf-aig-custom-cost` of a request.
///
/// Errors: 400 naming the header (see [`crate::logs::parse_log_options`] and
/// [`crate::cost::parse_custom_cost`]).
pub fn parse_request_options(
    headers: &Headers,
    settings: &LogSettings,
) -> Result<(LogOptions, Option<CustomCost>), GatewayError> {
    let options = crate::logs::parse_log_options(headers, settings)?;
    let custom = headers.get(crate::cost::CUSTOM_COST_HEADER).map(crate::cost::parse_custom_cost).transpose()?;
    Ok((options, custom))
}

#[cfg(test)]
#[path = "request_log_tests.rs"]
mod tests;
