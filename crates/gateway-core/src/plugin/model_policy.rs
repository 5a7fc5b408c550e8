//! `model-policy`: which models a request may name, how many tokens it may ask for, and
//! parameters pinned whatever the client sent.
//!
//! ```json
//! {"allow": ["gpt-4o*", "claude-*"], "deny": ["*-preview"], "max_tokens": 2048,
//!  "default_max_tokens": 512, "pin": {"temperature": 0}}
//! ```
//!
//! Models are matched with the virtual keys' globs ([`crate::control::scope::glob_match`]) against
//! the body's `model` (a compat request's `provider/model` as sent) or a Gemini path's model.
//! A denied or unlisted model answers 403 naming the rule. A `max_tokens` (or
//! `max_completion_tokens`, `max_output_tokens`, Gemini's `maxOutputTokens`) above the ceiling
//! is lowered to it; a request with none gets `default_max_tokens` (in the member its dialect
//! uses). `pin` sets top-level members. Each change is a guardrail event (`rewrite`).

use std::rc::Rc;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::control::scope::glob_match;
use crate::error::{ErrorKind, GatewayError};
use crate::logs::usage_extract::model_from_path;
use crate::plugin::guardrail::{Action, GuardrailEvent};
use crate::plugin::prompt::PromptRequest;
use crate::plugin::registry::config;
use crate::plugin::{Plugin, Reply, RequestContext};

const NAME: &str = "model-policy";
const TOKEN_MEMBERS: &[&str] = &["max_tokens", "max_completion_tokens", "max_output_tokens"];

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
    max_tokens: Option<u64>,
    default_max_tokens: Option<u64>,
    #[serde(default)]
    pin: Map<String, Value>,
}

pub struct ModelPolicy(Config);

/// Builds the policy. Errors name the field: an unknown one, a wrong type, a default above the
/// ceiling, pinning `model` or `messages`.
pub fn build(value: &Value) -> Result<Rc<dyn Plugin>, String> {
    let config: Config = config(value)?;
    if let (Some(default), Some(max)) = (config.default_max_tokens, config.max_tokens) {
        if default > max {
            return Err("`default_max_tokens` is above `max_tokens`".into());
        }
    }
    for name in ["model", "messages", "contents", "input", "stream"] {
        if config.pin.contains_key(name) {
            return Err(format!("`pin.{name}` cannot be pinned"));
        }
    }
    Ok(Rc::new(ModelPolicy(config)))
}

impl ModelPolicy {
    /// The 403 for `model`, naming the rule; `None` when it may be used.
    fn refusal(&self, model: &str) -> Option<GatewayError> {
        let refuse = |rule: String| {
            GatewayError::new(
                ErrorKind::Forbidden,
                format!("model {model:?} is refused by the gateway's model policy (rule `{rule}`)"),
            )
        };
        if let Some(i) = self.0.deny.iter().position(|p| glob_match(p, model)) {
            return Some(refuse(format!("deny[{i}]")));
        }
        if !self.0.allow.is_empty() && !self.0.allow.iter().any(|p| glob_match(p, model)) {
            return Some(refuse("allow".into()));
        }
        None
    }

    /// Caps or sets the output tokens of `body`; the rule applied, if any.
    fn tokens(&self, body: &mut Map<String, Value>) -> Option<&'static str> {
        let gemini = body.contains_key("contents");
        let member = TOKEN_MEMBERS.iter().find(|m| body.contains_key(**m)).copied();
        let current = match member {
            Some(m) => body.get(m).and_then(Value::as_u64),
            None if gemini => {
                body.get("generationConfig").and_then(|g| g.get("maxOutputTokens")).and_then(Value::as_u64)
            }
            None => None,
        };
        let (value, rule) = match (current, self.0.max_tokens, self.0.default_max_tokens) {
            (Some(asked), Some(max), _) if asked > max => (max, "max_tokens"),
            (None, _, Some(default)) => (default, "default_max_tokens"),
            _ => return None,
        };
        match member {
            Some(m) => {
                body.insert(m.to_string(), value.into());
            }
            None if gemini => {
                let config = body.entry("generationConfig").or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(config) = config {
                    config.insert("maxOutputTokens".into(), value.into());
                }
            }
            None => {
                body.insert("max_tokens".into(), value.into());
            }
        }
        Some(rule)
    }
}

#[async_trait(?Send)]
impl Plugin for ModelPolicy {
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
        let model = request.model().map(str::to_string).or_else(|| model_from_path(request.path));
        if let Some(err) = model.as_deref().and_then(|m| self.refusal(m)) {
            ctx.guardrails.push(GuardrailEvent::new(
                NAME,
                Action::Block,
                if err.message().contains("deny[") { "deny" } else { "allow" },
            ));
            return Err(err);
        }
        let needs_body = self.0.max_tokens.is_some() || self.0.default_max_tokens.is_some() || !self.0.pin.is_empty();
        if !needs_body {
            return Ok(None);
        }
        let Some(Value::Object(body)) = request.json() else { return Ok(None) };
        let mut body = body.clone();
        let mut rules = Vec::new();
        if let Some(rule) = self.tokens(&mut body) {
            rules.push(rule.to_string());
        }
        for (name, value) in &self.0.pin {
            if body.get(name) != Some(value) {
                body.insert(name.clone(), value.clone());
                rules.push(format!("pin.{name}"));
            }
        }
        if !rules.is_empty() {
            if let Some(target) = request.json_mut() {
                *target = Value::Object(body);
            }
            ctx.guardrails.extend(rules.into_iter().map(|rule| GuardrailEvent::new(NAME, Action::Rewrite, rule)));
        }
        Ok(None)
    }
}

#[cfg(test)]
#[path = "model_policy_tests.rs"]
mod tests;
