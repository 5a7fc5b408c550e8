//! The universal endpoint's body: `POST /v1/{account}/{gateway}` with no provider in the path.
//!
//! The body is a JSON array of steps (a single step object is accepted too), tried in order:
//!
//! ```json
//! [
//!   {"provider": "openai", "endpoint": "chat/completions",
//!    "headers": {"authorization": "Bearer sk-...", "content-type": "application/json"},
//!    "query": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
//!    "config": {"requestTimeout": 5000, "maxAttempts": 2, "retryDelay": 200, "backoff": "linear"}},
//!   {"provider": "anthropic", "endpoint": "v1/messages", "headers": {"x-api-key": "..."},
//!    "query": {"model": "claude-3-5-haiku-latest", "max_tokens": 256, "messages": []}}
//! ]
//! ```
//!
//! `provider` is a slug of the provider table; `endpoint` the provider path, optionally with a
//! query string (`gpt-4o/chat/completions?api-version=2024-10-21` for Azure); `headers` string
//! values sent to that provider only; `query` the JSON body sent; `config` the step's retry
//! policy (see [`super::retry`]). Other keys are ignored. At most [`MAX_UNIVERSAL_STEPS`] steps.

use serde_json::{Map, Value};

use crate::error::{ErrorKind, GatewayError};
use crate::headers::{upstream_request_headers, Headers};
use crate::provider::{self, Provider, PROVIDERS};

use super::retry::RetryOverrides;

/// Most steps in one universal request; more is almost surely a mistake, and each step may cost
/// several subrequests (see [`super::attempts::MAX_TOTAL_ATTEMPTS`]).
pub const MAX_UNIVERSAL_STEPS: usize = 10;

/// One validated step of a universal request.
#[derive(Debug, Clone, PartialEq)]
pub struct UniversalStep {
    /// Position in the body, from 0: the `cf-aig-step` value when this step answers.
    pub index: usize,
    pub provider: &'static Provider,
    /// Provider path without a leading `/`, e.g. `chat/completions`.
    pub path: String,
    /// The endpoint's query string without `?`, if it had one.
    pub query_string: Option<String>,
    /// The step's own headers, names lower-cased.
    pub headers: Headers,
    /// `query`, serialized once, sent as the request body of every attempt of this step.
    pub body: Vec<u8>,
    /// The step's `config`; unset fields fall back to the request headers and gateway default.
    pub retry: RetryOverrides,
}

impl UniversalStep {
    /// The provider-native gateway path this step stands for,
    /// `/v1/{account_id}/{gateway_id}/{provider}/{path}`: the runtime passes it to
    /// [`crate::route::parse`] and [`crate::route::ProviderRoute::upstream_url`] (with
    /// [`UniversalStep::query_string`]) so a step reaches exactly where the same provider-native
    /// request would, with the same checks.
    pub fn gateway_path(&self, account_id: &str, gateway_id: &str) -> String {
        format!("/v1/{account_id}/{gateway_id}/{}/{}", self.provider.id, self.path)
    }

    /// The headers to send upstream for this step: the client's forwardable headers, minus every
    /// provider credential header (`authorization`, `x-api-key`, …: a key meant for the gateway
    /// or for one step must not reach another provider), then the step's headers over them, and
    /// `content-type: application/json` unless the step sets one.
    pub fn upstream_headers(&self, request: &Headers) -> Headers {
        let mut headers = upstream_request_headers(request);
        for p in PROVIDERS {
            headers.remove(p.auth.header);
        }
        headers.remove("content-type");
        for (name, value) in self.headers.iter() {
            if crate::headers::forward_request_header(name) {
                headers.set(name, value);
            }
        }
        if headers.get("content-type").is_none() {
            headers.set("content-type", "application/json");
        }
        headers
    }
}

/// Parses and validates a universal-endpoint body.
///
/// Runs once per universal request, before any upstream call. Errors (400) name the step index
/// and field: not JSON, not an array or object, no steps or more than [`MAX_UNIVERSAL_STEPS`],
/// an unknown `provider` (listing the valid ones), a missing or unsafe `endpoint`, `headers` that
/// are not an object of strings, a `query` that is not an object, a `config` out of bounds.
pub fn parse_universal(body: &[u8]) -> Result<Vec<UniversalStep>, GatewayError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| GatewayError::invalid(format!("the universal endpoint expects a JSON array of steps: {e}")))?;
    let steps = match value {
        Value::Array(steps) => steps,
        Value::Object(_) => vec![value],
        _ => return Err(GatewayError::invalid("the universal endpoint expects a JSON array of steps")),
    };
    if steps.is_empty() {
        return Err(GatewayError::invalid("the universal endpoint needs at least one step"));
    }
    if steps.len() > MAX_UNIVERSAL_STEPS {
        return Err(GatewayError::invalid(format!(
            "the universal endpoint accepts at most {MAX_UNIVERSAL_STEPS} steps, got {}",
            steps.len()
        )));
    }
    steps.iter().enumerate().map(|(index, step)| parse_step(index, step)).collect()
}

fn parse_step(index: usize, step: &Value) -> Result<UniversalStep, GatewayError> {
    let field = |name: &str| format!("steps[{index}].{name}");
    let Value::Object(step) = step else {
        return Err(GatewayError::invalid(format!("steps[{index}] must be a JSON object")));
    };
    let slug = required_str(step, "provider", &field)?;
    let provider = provider::find(slug).ok_or_else(|| {
        GatewayError::new(
            ErrorKind::UnknownProvider,
            format!("{} is unknown provider \"{slug}\"; valid providers: {}", field("provider"), provider::ids()),
        )
    })?;
    let endpoint = required_str(step, "endpoint", &field)?;
    let (path, query_string) = parse_endpoint(endpoint)
        .map_err(|why| GatewayError::invalid(format!("{} {why}, got {endpoint:?}", field("endpoint"))))?;
    let headers = match step.get("headers") {
        None | Some(Value::Null) => Headers::new(),
        Some(Value::Object(map)) => parse_headers(map, &field("headers"))?,
        Some(_) => return Err(GatewayError::invalid(format!("{} must be a JSON object of strings", field("headers")))),
    };
    let body = match step.get("query") {
        Some(query @ Value::Object(_)) => serde_json::to_vec(query)
            .map_err(|e| GatewayError::internal(format!("could not serialize {}: {e}", field("query"))))?,
        _ => {
            return Err(GatewayError::invalid(format!(
                "{} must be a JSON object: the request body sent to the provider",
                field("query")
            )))
        }
    };
    let retry = match step.get("config") {
        None | Some(Value::Null) => RetryOverrides::default(),
        Some(config) => RetryOverrides::from_json(config, &field("config")).map_err(GatewayError::invalid)?,
    };
    Ok(UniversalStep { index, provider, path, query_string, headers, body, retry })
}

fn required_str<'v>(
    step: &'v Map<String, Value>,
    name: &str,
    field: &impl Fn(&str) -> String,
) -> Result<&'v str, GatewayError> {
    match step.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim()),
        _ => Err(GatewayError::invalid(format!("{} must be a non-empty string", field(name)))),
    }
}

/// Splits `path?query`, refusing what could leave the provider's base URL or smuggle a request.
fn parse_endpoint(endpoint: &str) -> Result<(String, Option<String>), &'static str> {
    let endpoint = endpoint.trim_start_matches('/');
    if endpoint.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'#' || b == b'\\') {
        return Err("may not contain spaces, control characters, '#' or '\\'");
    }
    let (path, query) = match endpoint.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (endpoint, None),
    };
    if path.is_empty() {
        return Err("must be the provider path, e.g. chat/completions");
    }
    if path.contains("://") {
        return Err("must be a path, not a URL");
    }
    let dot = |s: &str| {
        let s = s.to_ascii_lowercase().replace("%2e", ".");
        s == "." || s == ".."
    };
    if path.split('/').any(dot) {
        return Err("may not contain '.' or '..' segments");
    }
    Ok((path.to_string(), query.filter(|q| !q.is_empty()).map(str::to_string)))
}

fn parse_headers(map: &Map<String, Value>, path: &str) -> Result<Headers, GatewayError> {
    let mut headers = Headers::new();
    for (name, value) in map {
        let token =
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            return Err(GatewayError::invalid(format!("{path} has an invalid header name {name:?}")));
        }
        match value {
            Value::String(v) if !v.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) => {
                headers.append(name, v.as_str())
            }
            _ => return Err(GatewayError::invalid(format!("{path}.{name} must be a string on one line"))),
        }
    }
    Ok(headers)
}

#[cfg(test)]
#[path = "universal_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "universal_props.rs"]
mod props;
