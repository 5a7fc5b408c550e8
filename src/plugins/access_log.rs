//! `access-log`: one JSON line per request on the Worker's console (`wrangler tail`, Workers Logs).
//!
//! Shows the hooks working together: `on_stream_event` counts a stream's events and notes its
//! last `data`, `on_log` prints the summary once the response is complete. Bodies and headers are
//! never printed, so keys cannot leak into logs.

use async_trait::async_trait;
use gateway_core::plugin::{Plugin, RequestContext};
use gateway_core::sse::SseEvent;

pub struct AccessLog;

/// Per-request state of this plugin, kept in the context's extensions.
#[derive(Default)]
struct StreamSummary {
    saw_done_marker: bool,
}

#[async_trait(?Send)]
impl Plugin for AccessLog {
    fn name(&self) -> &'static str {
        "access-log"
    }

    fn wants_stream_events(&self) -> bool {
        true
    }

    fn on_stream_event(&self, ctx: &mut RequestContext, event: &SseEvent) {
        if event.data == "[DONE]" || event.event.as_deref() == Some("message_stop") {
            ctx.extensions.get_or_default::<StreamSummary>().saw_done_marker = true;
        }
    }

    async fn on_log(&self, ctx: &RequestContext) {
        let line = serde_json::json!({
            "gateway": ctx.gateway_id,
            "provider": ctx.provider,
            "method": ctx.method,
            "status": ctx.status,
            "error": ctx.error.as_ref().map(|e| e.kind().code()),
            "ttfb_ms": ctx.upstream_headers_at_ms.map(|t| t - ctx.started_at_ms),
            "duration_ms": ctx.finished_at_ms.map(|t| t - ctx.started_at_ms),
            "stream_events": ctx.stream_events,
            "stream_complete": ctx.stream_complete,
            "stream_done_marker": ctx.extensions.get::<StreamSummary>().map(|s| s.saw_done_marker),
            "cache": ctx.cache_status.map(|s| s.as_str()),
            "cache_error": ctx.cache_error,
        });
        worker::console_log!("ai-gateway access {line}");
    }
}
