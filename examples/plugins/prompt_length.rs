//! `prompt-length`: refuses prompts longer than a configured number of characters.
//!
//! Written from docs/plugins.md alone, as a fork would write its first plugin; built and
//! exercised by `crates/gateway-core/tests/example_plugin.rs`.

use std::rc::Rc;

use async_trait::async_trait;
use gateway_core::plugin::guardrail::{Action, GuardrailEvent};
use gateway_core::plugin::prompt::PromptRequest;
use gateway_core::plugin::registry::config;
use gateway_core::plugin::{Plugin, Reply, RequestContext};
use gateway_core::{ErrorKind, GatewayError};
use serde::Deserialize;
use serde_json::Value;

/// `{"max_chars": 20000}`
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    max_chars: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config { max_chars: 20_000 }
    }
}

pub struct PromptLength {
    max_chars: usize,
}

/// The registry's constructor: the configuration is checked here, once.
pub fn build(value: &Value) -> Result<Rc<dyn Plugin>, String> {
    let config: Config = config(value)?;
    if config.max_chars == 0 {
        return Err("`max_chars` must be at least 1".into());
    }
    Ok(Rc::new(PromptLength { max_chars: config.max_chars }))
}

#[async_trait(?Send)]
impl Plugin for PromptLength {
    fn name(&self) -> &'static str {
        "prompt-length"
    }

    fn wants_request(&self) -> bool {
        true
    }

    async fn on_request(
        &self,
        ctx: &mut RequestContext,
        request: &mut PromptRequest<'_>,
    ) -> Result<Option<Reply>, GatewayError> {
        let chars: usize = request.texts().iter().map(|t| t.chars().count()).sum();
        if chars > self.max_chars {
            ctx.guardrails.push(GuardrailEvent::new("prompt-length", Action::Block, "max_chars"));
            return Err(GatewayError::new(
                ErrorKind::ContentBlocked,
                format!("the prompt has {chars} characters; this gateway takes at most {}", self.max_chars),
            ));
        }
        Ok(None)
    }
}
