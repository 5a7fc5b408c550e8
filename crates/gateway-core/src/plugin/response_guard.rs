//! `response-guard`: flags or stops answers that contain listed words or match patterns, whole
//! JSON answers and streams alike.
//!
//! ```json
//! {"block": {"patterns": ["(?i)BEGIN [A-Z ]*PRIVATE KEY"]}, "flag": {"words": ["lawsuit"]},
//!  "hold_back": 4, "message": "The answer was withheld by policy."}
//! ```
//!
//! Rules are the prompt firewall's (whole words ignoring case, or regular expressions). A JSON
//! answer that matches a block rule is replaced by a 400 `content_blocked` before any of it is
//! sent. A stream is checked as it grows, over its last 4096 characters of text, so a match split
//! over several events is found; `hold_back` events (default 4) are kept from the client after
//! the guard has seen them. What "block" means for a stream: the events still held are dropped
//! and an error event in the client's dialect ends the stream (SDKs raise on it); the text
//! released before can no longer be taken back, so a match that began more than `hold_back`
//! events earlier has partly reached the client. Flags let everything through. Each is a
//! guardrail event in the log; the `cf-aig-guardrails` header of a stream can only list what was
//! known when its head was sent.

use std::rc::Rc;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::Value;

use crate::error::GatewayError;
use crate::plugin::answer_text::{event_text, json_texts};
use crate::plugin::firewall::{Judge, Rules};
use crate::plugin::registry::config;
use crate::plugin::{Plugin, RequestContext};
use crate::sse::SseEvent;
use crate::stream_guard::StreamDialect;

const NAME: &str = "response-guard";
/// The text of a stream the rules look at, from its end.
const TAIL_CHARS: usize = 4096;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    block: Rules,
    #[serde(default)]
    flag: Rules,
    #[serde(default = "default_hold_back")]
    hold_back: usize,
    message: Option<String>,
}

fn default_hold_back() -> usize {
    4
}

impl Default for Config {
    fn default() -> Self {
        Config { block: Rules::default(), flag: Rules::default(), hold_back: default_hold_back(), message: None }
    }
}

pub struct ResponseGuard {
    judge: Judge,
    hold_back: usize,
}

/// Per-stream state: the text's tail and the flag rules already reported.
#[derive(Default)]
struct Seen {
    tail: String,
    flagged: Vec<String>,
}

/// Builds the guard. Errors name the field (as the prompt firewall's), or a `hold_back` above 64.
pub fn build(value: &Value) -> Result<Rc<dyn Plugin>, String> {
    let config: Config = config(value)?;
    if config.hold_back > 64 {
        return Err("`hold_back` must be at most 64 events".into());
    }
    Ok(Rc::new(ResponseGuard {
        judge: Judge::new(&config.block, &config.flag, config.message)?,
        hold_back: config.hold_back,
    }))
}

impl ResponseGuard {
    fn check(&self, ctx: &mut RequestContext, text: &str, flagged: &mut Vec<String>) -> Result<(), GatewayError> {
        let refused = "the answer was stopped by the gateway's response guard";
        self.judge.judge(ctx, NAME, refused, &[text], flagged)
    }
}

#[async_trait(?Send)]
impl Plugin for ResponseGuard {
    fn name(&self) -> &'static str {
        NAME
    }

    fn wants_response_json(&self) -> bool {
        true
    }

    async fn on_response_json(&self, ctx: &mut RequestContext, body: &mut Value) -> Result<(), GatewayError> {
        let text = json_texts(body).join("\n");
        self.check(ctx, &text, &mut Vec::new())
    }

    fn wants_response_events(&self) -> bool {
        true
    }

    fn hold_back_events(&self) -> usize {
        self.hold_back
    }

    fn on_response_event(
        &self,
        ctx: &mut RequestContext,
        dialect: StreamDialect,
        event: &mut SseEvent,
    ) -> Result<(), GatewayError> {
        let Some(text) = event_text(dialect, event) else { return Ok(()) };
        let mut seen = ctx.extensions.get_mut::<Seen>().map(std::mem::take).unwrap_or_default();
        seen.tail.push_str(&text);
        let excess = seen.tail.chars().count().saturating_sub(TAIL_CHARS);
        if excess > 0 {
            let cut = seen.tail.char_indices().nth(excess).map_or(0, |(i, _)| i);
            seen.tail.drain(..cut);
        }
        let tail = std::mem::take(&mut seen.tail);
        let result = self.check(ctx, &tail, &mut seen.flagged);
        seen.tail = tail;
        ctx.extensions.insert(seen);
        result
    }
}

#[cfg(test)]
#[path = "response_guard_tests.rs"]
mod tests;
