//! `prompt-firewall`: blocks or flags prompts that contain listed words or match patterns.
//!
//! ```json
//! {"block": {"words": ["ignore previous instructions"], "patterns": ["(?i)system prompt"]},
//!  "flag":  {"words": ["password"]},
//!  "message": "This request was refused by policy."}
//! ```
//!
//! Words match whole words (or phrases), ignoring case; patterns are regular expressions (the
//! `regex-lite` syntax). Every prompt text of the request is checked ([`PromptRequest::texts`]).
//! A block answers 400 `content_blocked` in the client's format with `message` (or a default
//! that names the rule); a flag lets the request through. Either is reported as a guardrail
//! event naming the rule (`block.words[0]`), never the text it matched.

use std::rc::Rc;

use async_trait::async_trait;
use regex_lite::Regex;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ErrorKind, GatewayError};
use crate::plugin::guardrail::{Action, GuardrailEvent};
use crate::plugin::prompt::PromptRequest;
use crate::plugin::registry::config;
use crate::plugin::{Plugin, Reply, RequestContext};

const NAME: &str = "prompt-firewall";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    block: Rules,
    #[serde(default)]
    flag: Rules,
    message: Option<String>,
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

pub struct PromptFirewall(Judge);

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
    Ok(Rc::new(PromptFirewall(Judge::new(&config.block, &config.flag, config.message)?)))
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
        self.0.judge(ctx, NAME, refused, &request.texts(), &mut Vec::new()).map(|()| None)
    }
}

#[cfg(test)]
#[path = "firewall_tests.rs"]
mod tests;
