//! `rewrite`: sets and removes headers and JSON members of requests and answers, by simple
//! dotted paths.
//!
//! ```json
//! {"request":  {"set_headers": {"x-team": "search"}, "remove_headers": ["x-debug"],
//!               "set": {"metadata.source": "gateway", "temperature": 0.2}, "remove": ["user"]},
//!  "response": {"set_headers": {"x-served-by": "gateway"}, "remove_headers": ["openai-organization"],
//!               "set": {"system_fingerprint": null}, "remove": ["usage.prompt_tokens_details"]}}
//! ```
//!
//! Paths name object members from the top (`metadata.source`); a `set` creates the objects on
//! its way, a `remove` of a path that is not there does nothing. Request members change once,
//! before the request is planned (so translation, the cache key and the limits follow them);
//! request headers change on every upstream attempt; answers change before the client gets
//! them (a JSON answer whole; a stream's headers only). Credential headers (`authorization`,
//! `x-api-key`, …) can be neither set nor removed: keys are the key choice's alone.

use std::collections::BTreeMap;
use std::rc::Rc;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::GatewayError;
use crate::plugin::guardrail::{Action, GuardrailEvent};
use crate::plugin::prompt::PromptRequest;
use crate::plugin::registry::config;
use crate::plugin::{Plugin, Reply, RequestContext, ResponseHead, UpstreamHead};
use crate::redact::is_credential_name;

const NAME: &str = "rewrite";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Side {
    #[serde(default)]
    set_headers: BTreeMap<String, String>,
    #[serde(default)]
    remove_headers: Vec<String>,
    #[serde(default)]
    set: BTreeMap<String, Value>,
    #[serde(default)]
    remove: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    request: Side,
    #[serde(default)]
    response: Side,
}

pub struct Rewrite(Config);

fn check_side(side: &mut Side, name: &str) -> Result<(), String> {
    side.set_headers =
        std::mem::take(&mut side.set_headers).into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
    side.remove_headers.iter_mut().for_each(|h| *h = h.to_ascii_lowercase());
    for header in side.set_headers.keys().chain(&side.remove_headers) {
        if is_credential_name(header) {
            return Err(format!("`{name}`: {header:?} is a credential header, which a rewrite may not touch"));
        }
        if header.is_empty() || !header.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(format!("`{name}`: {header:?} is not a header name"));
        }
    }
    for path in side.set.keys().chain(&side.remove) {
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(format!("`{name}`: {path:?} is not a dotted path"));
        }
    }
    Ok(())
}

/// Builds the rewrite. Errors name the side and what is wrong: an unknown field, a credential or
/// malformed header name, an empty path.
pub fn build(value: &Value) -> Result<Rc<dyn Plugin>, String> {
    let mut config: Config = config(value)?;
    check_side(&mut config.request, "request")?;
    check_side(&mut config.response, "response")?;
    Ok(Rc::new(Rewrite(config)))
}

/// Applies `side`'s member changes to `body`; whether any applied.
fn apply(side: &Side, body: &mut Value) -> bool {
    let Value::Object(root) = body else { return false };
    let mut changed = false;
    for (path, value) in &side.set {
        changed |= set_path(root, &path.split('.').collect::<Vec<_>>(), value);
    }
    for path in &side.remove {
        changed |= remove_path(root, &path.split('.').collect::<Vec<_>>());
    }
    changed
}

fn set_path(map: &mut Map<String, Value>, parts: &[&str], value: &Value) -> bool {
    match parts {
        [] => false,
        [last] => map.insert((*last).to_string(), value.clone()).as_ref() != Some(value),
        [first, rest @ ..] => {
            let child = map.entry(*first).or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            match child {
                Value::Object(next) => set_path(next, rest, value),
                _ => false,
            }
        }
    }
}

fn remove_path(map: &mut Map<String, Value>, parts: &[&str]) -> bool {
    match parts {
        [] => false,
        [last] => map.remove(*last).is_some(),
        [first, rest @ ..] => {
            map.get_mut(*first).and_then(Value::as_object_mut).is_some_and(|next| remove_path(next, rest))
        }
    }
}

fn apply_headers(side: &Side, headers: &mut crate::headers::Headers) {
    for name in &side.remove_headers {
        headers.remove(name);
    }
    for (name, value) in &side.set_headers {
        headers.set(name, value.clone());
    }
}

#[async_trait(?Send)]
impl Plugin for Rewrite {
    fn name(&self) -> &'static str {
        NAME
    }

    fn wants_request(&self) -> bool {
        !self.0.request.set.is_empty() || !self.0.request.remove.is_empty()
    }

    async fn on_request(
        &self,
        ctx: &mut RequestContext,
        request: &mut PromptRequest<'_>,
    ) -> Result<Option<Reply>, GatewayError> {
        let Some(mut body) = request.json().cloned() else { return Ok(None) };
        if apply(&self.0.request, &mut body) {
            if let Some(target) = request.json_mut() {
                *target = body;
            }
            ctx.guardrails.push(GuardrailEvent::new(NAME, Action::Rewrite, "request"));
        }
        Ok(None)
    }

    async fn on_upstream_request(
        &self,
        _ctx: &mut RequestContext,
        upstream: &mut UpstreamHead,
    ) -> Result<Option<Reply>, GatewayError> {
        apply_headers(&self.0.request, &mut upstream.headers);
        Ok(None)
    }

    async fn on_response(&self, _ctx: &mut RequestContext, response: &mut ResponseHead) -> Result<(), GatewayError> {
        apply_headers(&self.0.response, &mut response.headers);
        Ok(())
    }

    fn wants_response_json(&self) -> bool {
        !self.0.response.set.is_empty() || !self.0.response.remove.is_empty()
    }

    async fn on_response_json(&self, ctx: &mut RequestContext, body: &mut Value) -> Result<(), GatewayError> {
        if apply(&self.0.response, body) {
            ctx.guardrails.push(GuardrailEvent::new(NAME, Action::Rewrite, "response"));
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "rewrite_tests.rs"]
mod tests;
