//! Turning a gateway request into the upstream targets it may be sent to, in order.
//!
//! A provider-native request has one target; a universal request has one per step; a compat
//! request whose model names a route has the route's plan. Each target knows its URL, headers,
//! body and retry policy; the key is chosen per attempt (see [`crate::keys`]).

use std::rc::Rc;

use crate::config::GatewayConfig;
use crate::error::GatewayError;
use crate::headers::{upstream_request_headers, Headers};
use crate::logs::usage_extract::{model_from_path, model_from_request};
use crate::provider::Provider;
use crate::resilience::routes::{Route, Routes};
use crate::resilience::{parse_universal, RetryOverrides, RetryPolicy, Step};
use crate::route::{self, ProviderRoute};
use crate::stream_guard::StreamDialect;
use crate::stream_usage;
use crate::translate::compat::{self, CompatPlan, Endpoint};
use crate::translate::Format;

/// The body one target sends.
#[derive(Debug, Clone)]
pub(crate) enum TargetBody {
    /// The client's body, as it came (streamed, or bytes when it had to be read).
    Client,
    /// A body the gateway built (a universal step's `query`, a translated request).
    Own(Rc<[u8]>),
}

/// One upstream a request may be sent to.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The `cf-aig-step` value when this target answers.
    pub step: usize,
    pub provider: &'static Provider,
    pub method: String,
    pub url: String,
    /// The path after the provider slug as Cloudflare's gateway URLs have it (`/v1/messages`,
    /// `/chat/completions`), without the query: what the log's `endpoint` records.
    pub provider_path: String,
    /// The headers to send, before the key is chosen.
    pub headers: Headers,
    /// Whether `headers` differ from the client's forwardable headers.
    pub headers_edited: bool,
    pub body: TargetBody,
    pub policy: RetryPolicy,
    /// A route target's stored key (a Worker secret name).
    pub key_secret: Option<String>,
    /// Whether the gateway built this request, so the client's key must be moved into the
    /// header the provider expects.
    pub translated: bool,
    /// For the compat endpoint: how the answer becomes the client's format.
    pub compat: Option<Rc<CompatPlan>>,
    /// The gateway added `stream_options.include_usage` to the body: the usage it brings is
    /// hidden from the client ([`ask_for_stream_usage`]).
    pub usage_requested: bool,
}

impl Target {
    /// The attempt-loop step of this target.
    pub fn step(&self) -> Step {
        Step { index: self.step, policy: self.policy }
    }

    /// The model this target asks for, as its provider will receive it: a translated request's
    /// own, else the one in the URL (Gemini, Workers AI) or the body's `model`; empty when none
    /// is named. `client_body` is the client's body (read), for targets that send it.
    pub fn model(&self, client_body: &[u8]) -> String {
        if let Some(plan) = &self.compat {
            return plan.model.clone();
        }
        if let Some(model) = model_from_path(&self.url) {
            return model;
        }
        let body = match &self.body {
            TargetBody::Own(bytes) => bytes,
            TargetBody::Client => client_body,
        };
        std::str::from_utf8(body).ok().and_then(model_from_request).unwrap_or_default()
    }
}

/// The one target of a provider-native request.
pub(crate) fn provider_target(
    route: &ProviderRoute<'_>,
    config: &GatewayConfig,
    method: &str,
    query: Option<&str>,
    headers: &Headers,
    retry_default: RetryPolicy,
    retry: RetryOverrides,
) -> Result<Target, GatewayError> {
    Ok(Target {
        step: 0,
        provider: route.provider,
        method: method.to_string(),
        url: route.upstream_url(config, query)?,
        provider_path: format!("/{}", route.rest),
        headers: upstream_request_headers(headers),
        headers_edited: false,
        body: TargetBody::Client,
        policy: RetryPolicy::resolve(retry_default, retry, RetryOverrides::default()),
        key_secret: None,
        translated: false,
        compat: None,
        usage_requested: false,
    })
}

/// What planning a universal or compat request reads.
pub(crate) struct PlanInput<'a> {
    pub account_id: &'a str,
    pub gateway_id: &'a str,
    pub config: &'a GatewayConfig,
    /// The client's headers.
    pub headers: &'a Headers,
    /// The client's body.
    pub body: &'a [u8],
    /// The retry settings of the request's headers.
    pub retry: RetryOverrides,
    /// The policy below them: the virtual key's, the gateway's, else `RETRY_DEFAULTS`.
    pub retry_default: RetryPolicy,
}

/// The targets of a universal request, one per step of its body.
///
/// Errors (400): the body's own validation (see [`parse_universal`]), and each step's path
/// checked as the same provider-native request would be.
pub(crate) fn universal_targets(input: &PlanInput<'_>) -> Result<Vec<Target>, GatewayError> {
    let PlanInput { account_id, gateway_id, config, headers, body, retry, retry_default } = *input;
    let steps = parse_universal(body)?;
    steps
        .into_iter()
        .map(|step| {
            let path = step.gateway_path(account_id, gateway_id);
            let url = route::parse(&path)
                .and_then(|r| r.upstream_url(config, step.query_string.as_deref()))
                .map_err(|e| GatewayError::new(e.kind(), format!("step {}: {}", step.index, e.message())))?;
            Ok(Target {
                step: step.index,
                provider: step.provider,
                method: "POST".to_string(),
                url,
                provider_path: format!("/{}", step.path),
                headers: step.upstream_headers(headers),
                headers_edited: true,
                body: TargetBody::Own(step.body.into()),
                policy: RetryPolicy::resolve(retry_default, retry, step.retry),
                key_secret: None,
                translated: false,
                compat: None,
                usage_requested: false,
            })
        })
        .collect()
}

/// The named route a compat request's `model` names; `None` when there are no routes, the body
/// is not JSON or its model is no route.
pub(crate) fn named_route<'r>(routes: &'r Routes, body: &[u8]) -> Option<&'r Route> {
    if routes.is_empty() {
        return None;
    }
    routes.get(&body_model(body)?)
}

/// The `model` string of a JSON request body.
fn body_model(body: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    #[derive(serde::Deserialize)]
    struct Model<'a> {
        #[serde(borrow)]
        model: Option<std::borrow::Cow<'a, str>>,
    }
    serde_json::from_slice::<Model<'_>>(body).ok()?.model
}

/// The targets of a compat request: one for `"{provider}/{model}"` or an alias; the plan of
/// `route` (weighted primary, then its fallbacks), the route the body's `model` names
/// ([`named_route`]), when there is one.
///
/// Errors (400): the body is not JSON or lacks `model`, the model is not routable, a field has
/// the wrong shape (see [`compat::plan`]).
pub(crate) fn compat_targets(
    input: &PlanInput<'_>,
    endpoint: Endpoint,
    route: Option<&Route>,
    random: f64,
    now_ms: f64,
) -> Result<Vec<Target>, GatewayError> {
    let PlanInput { account_id, config, headers, body, retry, retry_default, .. } = *input;
    // A route's steps are planned from bodies naming their own models; the answer names the route.
    let route_name = route.and_then(|_| body_model(body));
    let choices: Vec<(Option<Vec<u8>>, Option<String>, RetryOverrides)> = match route {
        None => vec![(None, None, RetryOverrides::default())],
        Some(route) => route
            .plan(random)
            .into_iter()
            .map(|t| {
                let full = format!("{}/{}", t.provider.id, t.model);
                (compat::rewrite_model(body, &full), t.key.clone(), route.retry)
            })
            .collect(),
    };
    choices
        .into_iter()
        .enumerate()
        .map(|(step, (rewritten, key_secret, route_retry))| {
            let body = rewritten.as_deref().unwrap_or(body);
            let mut plan = compat::plan(endpoint, body, headers, &config.aliases, config.default_max_tokens, now_ms)?;
            if let Some(name) = &route_name {
                plan.client_model = name.to_string();
            }
            let provider_route =
                ProviderRoute { account_id, gateway_id: "", provider: plan.provider, rest: &plan.path };
            let url = provider_route.upstream_url(config, plan.query)?;
            Ok(Target {
                step,
                provider: plan.provider,
                method: "POST".to_string(),
                url,
                provider_path: format!("/{}", plan.path),
                headers: plan.headers.clone(),
                headers_edited: true,
                body: TargetBody::Own(plan.body.clone().into()),
                policy: RetryPolicy::resolve(retry_default, retry, route_retry),
                key_secret,
                translated: true,
                compat: Some(Rc::new(plan)),
                usage_requested: false,
            })
        })
        .collect()
}

/// Has every Chat Completions target whose provider takes `stream_options.include_usage` ask
/// for the usage of a stream the client did not ask it of, so that the log, the cost and the
/// limits measure the stream's tokens instead of estimating them ([`crate::stream_usage`]; the
/// answer's extra chunk is hidden from the client). `client_body` is the client's body (read),
/// for targets that send it; a body that was not read (empty) is left alone.
pub(crate) fn ask_for_stream_usage(targets: &mut [Target], client_body: &[u8]) {
    for target in targets.iter_mut() {
        if !target.provider.accepts_include_usage
            || StreamDialect::of(&target.url) != StreamDialect::Chat(Format::OPENAI)
        {
            continue;
        }
        let body = match &target.body {
            TargetBody::Own(bytes) => bytes,
            TargetBody::Client => client_body,
        };
        if let Some(asked) = stream_usage::ask_for_usage(body) {
            target.body = TargetBody::Own(asked.into());
            target.usage_requested = true;
        }
    }
}

/// Whether any target may be attempted more than once in all (so the body must be replayable).
pub(crate) fn may_resend(targets: &[Target]) -> bool {
    targets.len() > 1 || targets.iter().any(|t| t.policy.max_attempts > 1)
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
