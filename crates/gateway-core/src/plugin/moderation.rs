//! `moderation`: asks a moderation endpoint about the prompt before the request goes on.
//!
//! ```json
//! {"provider": "openai", "model": "omni-moderation-latest", "categories": ["violence", "self-harm"],
//!  "timeout_ms": 2000, "on_error": "open"}
//! ```
//!
//! By default it calls OpenAI's `v1/moderations` through the provider table (so
//! `UPSTREAM_OVERRIDES` apply) with the provider's stored key (`OPENAI_API_KEY`, or
//! `key_secret`); `url` instead names any endpoint that speaks the same API (an
//! OpenAI-compatible guard model). The prompt's text (every piece, joined) is the `input`. A
//! result that is `flagged` (in one of `categories`, when given) refuses the request with 400
//! `content_blocked` naming the category. An endpoint that fails or does not answer within
//! `timeout_ms` lets the request through with a `flag` event `unavailable` (`on_error: "open"`,
//! the default) or refuses it with 503 `guardrail_unavailable` (`"closed"`).

use std::rc::Rc;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;
use crate::limits::definition::OnError;
use crate::plugin::guardrail::{Action, GuardrailEvent};
use crate::plugin::prompt::PromptRequest;
use crate::plugin::registry::config;
use crate::plugin::{Plugin, Reply, RequestContext};

const NAME: &str = "moderation";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default = "default_provider")]
    provider: String,
    url: Option<String>,
    key_secret: Option<String>,
    #[serde(default = "default_model")]
    model: String,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default = "default_timeout")]
    timeout_ms: u64,
    #[serde(default)]
    on_error: OnError,
}

fn default_provider() -> String {
    "openai".into()
}
fn default_model() -> String {
    "omni-moderation-latest".into()
}
fn default_timeout() -> u64 {
    2_000
}

impl Default for Config {
    fn default() -> Self {
        Config {
            provider: default_provider(),
            url: None,
            key_secret: None,
            model: default_model(),
            categories: Vec::new(),
            timeout_ms: default_timeout(),
            on_error: OnError::Open,
        }
    }
}

pub struct Moderation(Config);

/// Builds the check. Errors name the field: an unknown provider, a `url` that is not https (or
/// http to a local host), a timeout outside 1..=30000 ms.
pub fn build(value: &Value) -> Result<Rc<dyn Plugin>, String> {
    let config: Config = config(value)?;
    if config.url.is_none() && crate::provider::find(&config.provider).is_none() {
        return Err(format!("`provider`: {:?} is not in the provider table", config.provider));
    }
    if let Some(url) = &config.url {
        let local = url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost");
        if !url.starts_with("https://") && !local {
            return Err("`url` must be an https:// URL".into());
        }
    }
    if !(1..=30_000).contains(&config.timeout_ms) {
        return Err("`timeout_ms` must be from 1 to 30000".into());
    }
    Ok(Rc::new(Moderation(config)))
}

impl Moderation {
    /// The categories of `result` that refuse the request: flagged ones (among `categories`
    /// when given); none when the result is not flagged.
    fn refusing(&self, result: &Value) -> Vec<String> {
        if result.get("flagged").and_then(Value::as_bool) != Some(true) {
            return Vec::new();
        }
        let flagged: Vec<String> = result
            .get("categories")
            .and_then(Value::as_object)
            .map(|c| c.iter().filter(|(_, v)| v.as_bool() == Some(true)).map(|(k, _)| k.clone()).collect())
            .unwrap_or_default();
        if self.0.categories.is_empty() {
            return if flagged.is_empty() { vec!["flagged".into()] } else { flagged };
        }
        flagged.into_iter().filter(|c| self.0.categories.contains(c)).collect()
    }

    /// Asks the endpoint; its first result.
    async fn ask(&self, ctx: &RequestContext, input: String) -> Result<Value, GatewayError> {
        let unavailable = |m: &str| GatewayError::new(ErrorKind::GuardrailUnavailable, format!("moderation: {m}"));
        let http =
            ctx.services.http.as_ref().ok_or_else(|| unavailable("this runtime gives plugins no HTTP client"))?;
        let url = match &self.0.url {
            Some(url) => url.clone(),
            None => {
                ctx.services.provider_url(&self.0.provider, "v1/moderations").ok_or_else(|| unavailable("no URL"))?
            }
        };
        let secret =
            self.0.key_secret.clone().or_else(|| crate::provider::find(&self.0.provider).map(|p| p.stored_key_name()));
        let mut headers = Headers::new();
        headers.set("content-type", "application/json");
        if let Some(key) = secret.as_deref().and_then(|name| http.secret(name)) {
            headers.set("authorization", format!("Bearer {key}"));
        }
        let body = json!({"model": self.0.model, "input": input});
        let (status, answer) = http.post_json(&url, &headers, &body, self.0.timeout_ms).await?;
        if !(200..300).contains(&status) {
            return Err(unavailable(&format!("the endpoint answered {status}")));
        }
        answer.pointer("/results/0").cloned().ok_or_else(|| unavailable("the answer has no results"))
    }
}

#[async_trait(?Send)]
impl Plugin for Moderation {
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
        let input = request.texts().join("\n");
        if input.trim().is_empty() {
            return Ok(None);
        }
        match self.ask(ctx, input).await {
            Ok(result) => {
                let refusing = self.refusing(&result);
                if let Some(category) = refusing.first() {
                    ctx.guardrails.push(GuardrailEvent::new(NAME, Action::Block, format!("category:{category}")));
                    return Err(GatewayError::new(
                        ErrorKind::ContentBlocked,
                        format!("the prompt was refused by moderation (category `{category}`)"),
                    ));
                }
                Ok(None)
            }
            Err(err) => match self.0.on_error {
                OnError::Open => {
                    ctx.guardrails.push(GuardrailEvent::new(NAME, Action::Flag, "unavailable"));
                    Ok(None)
                }
                OnError::Closed => Err(GatewayError::new(
                    ErrorKind::GuardrailUnavailable,
                    format!("{} (on_error: closed)", err.message()),
                )),
            },
        }
    }
}

#[cfg(test)]
#[path = "moderation_tests.rs"]
mod tests;
