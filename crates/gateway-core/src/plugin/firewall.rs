//! `prompt-firewall`: blocks or flags prompts that contain listed words or match patterns.
//!
//! ```json
//! {"block": {"words": ["ignore previous instructions"], "patterns": ["(?i)system prompt"]},
//!  "flag":  {"words": ["password"]},
//!  "message": "This request was refused by policy.",
//!  "refusal": "error"}
//! ```
//!
//! Words match whole words (or phrases), ignoring case; patterns are regular expressions (the
//! `regex-lite` syntax). Every prompt text of the request is checked ([`PromptRequest::texts`]).
//! A block answers 400 `content_blocked` in the client's format with `message` (or a default
//! that names the rule); with `"refusal": "answer"` it answers 200 instead, an assistant answer
//! whose text is that message and whose finish reason is the content filter's, in the client's
//! dialect and streamed when the client asked for a stream (a chat UI then shows the refusal
//! as the model's words; calls that are not chat, e.g. embeddings, still get the 400). A flag
//! lets the request through. Either is reported as a guardrail event naming the rule
//! (`block.words[0]`), never the text it matched.

use std::rc::Rc;

use async_trait::async_trait;
use regex_lite::Regex;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;
use crate::plugin::guardrail::{Action, GuardrailEvent};
use crate::plugin::prompt::PromptRequest;
use crate::plugin::registry::config;
use crate::plugin::{Plugin, Reply, RequestContext};
use crate::translate::local_answer::local_answer;
use crate::translate::{FinishReason, Format};

const NAME: &str = "prompt-firewall";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    block: Rules,
    #[serde(default)]
    flag: Rules,
    message: Option<String>,
    #[serde(default)]
    refusal: Refusal,
}

/// How a blocked request is refused.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Refusal {
    /// A 400 `content_blocked` error.
    #[default]
    Error,
    /// A 200 answer holding the message (see the module docs).
    Answer,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rules {
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
}

/// One compiled rule and its name.
struct Rule {
    name: String,
    matcher: Regex,
}

pub struct PromptFirewall {
    judge: Judge,
    refusal: Refusal,
}

/// A block list and a flag list, compiled, with the refusal's message: how the prompt firewall
/// and the response guard judge text.
pub(crate) struct Judge {
    block: Vec<Rule>,
    flag: Vec<Rule>,
    message: Option<String>,
}

impl Judge {
    /// Compiles the lists. Errors name the field (`block.words[0]`, `flag.patterns[1]`).
    pub fn new(block: &Rules, flag: &Rules, message: Option<String>) -> Result<Judge, String> {
        Ok(Judge { block: compile(block, "block")?, flag: compile(flag, "flag")?, message })
    }

    /// Judges `texts` for `plugin`: the 400 `content_blocked` for the first block rule any text
    /// matches (`refused` says what was refused, for the default message), and a flag event for
    /// each flag rule matched that is not yet in `flagged` (added there). Events name the rule.
    pub fn judge(
        &self,
        ctx: &mut RequestContext,
        plugin: &str,
        refused: &str,
        texts: &[&str],
        flagged: &mut Vec<String>,
    ) -> Result<(), GatewayError> {
        let matches = |rule: &&Rule| texts.iter().any(|t| rule.matcher.is_match(t));
        if let Some(rule) = self.block.iter().find(matches) {
            ctx.guardrails.push(GuardrailEvent::new(plugin, Action::Block, &rule.name));
            let message = self.message.clone().unwrap_or_else(|| format!("{refused} (rule `{}`)", rule.name));
            return Err(GatewayError::new(ErrorKind::ContentBlocked, message));
        }
        for rule in self.flag.iter().filter(matches) {
            if !flagged.contains(&rule.name) {
                flagged.push(rule.name.clone());
                ctx.guardrails.push(GuardrailEvent::new(plugin, Action::Flag, &rule.name));
            }
        }
        Ok(())
    }
}

fn compile(rules: &Rules, list: &str) -> Result<Vec<Rule>, String> {
    let words = rules.words.iter().enumerate().map(|(i, word)| {
        let name = format!("{list}.words[{i}]");
        if word.trim().is_empty() {
            return Err(format!("`{name}` is empty"));
        }
        let pattern = format!(r"(?i)(^|[^\w]){}($|[^\w])", regex_lite::escape(word.trim()));
        Regex::new(&pattern).map(|matcher| Rule { name, matcher }).map_err(|e| e.to_string())
    });
    let patterns = rules.patterns.iter().enumerate().map(|(i, pattern)| {
        let name = format!("{list}.patterns[{i}]");
        Regex::new(pattern).map(|matcher| Rule { name: name.clone(), matcher }).map_err(|e| format!("`{name}`: {e}"))
    });
    words.chain(patterns).collect()
}

/// Builds the firewall from its configuration. Errors name the field: an unknown one, an empty
/// word, a pattern that does not compile.
pub fn build(value: &Value) -> Result<Rc<dyn Plugin>, String> {
    let config: Config = config(value)?;
    let judge = Judge::new(&config.block, &config.flag, config.message)?;
    Ok(Rc::new(PromptFirewall { judge, refusal: config.refusal }))
}

#[async_trait(?Send)]
impl Plugin for PromptFirewall {
    fn name(&self) -> &'static str {
        NAME
    }

    fn wants_request(&self) -> bool {
        true
    }

    async fn on_request(
        &self,
        ctx: &mut RequestContext,
        request: &mut PromptRequest<'_>,
    ) -> Result<Option<Reply>, GatewayError> {
        let refused = "the prompt was blocked by the gateway's prompt firewall";
        let blocked = match self.judge.judge(ctx, NAME, refused, &request.texts(), &mut Vec::new()) {
            Ok(()) => return Ok(None),
            Err(blocked) => blocked,
        };
        match (self.refusal, request.client_format()) {
            (Refusal::Answer, Some(format)) => Ok(Some(refusal_answer(ctx, request, format, blocked.message()))),
            _ => Err(blocked),
        }
    }
}

/// The 200 answer holding `message` in the client's `format`, streamed if it asked for a stream.
fn refusal_answer(ctx: &RequestContext, request: &PromptRequest<'_>, format: Format, message: &str) -> Reply {
    let model = request.model().unwrap_or("gateway");
    let created = (ctx.started_at_ms / 1000.0) as u64;
    let answer = local_answer(format, model, message, FinishReason::ContentFilter, request.streams(), created);
    let mut headers = Headers::new();
    headers.set("content-type", answer.content_type);
    if answer.content_type == "text/event-stream" {
        headers.set("cache-control", "no-cache");
    }
    Reply { status: 200, headers, body: answer.body }
}

#[cfg(test)]
#[path = "firewall_tests.rs"]
mod tests;
