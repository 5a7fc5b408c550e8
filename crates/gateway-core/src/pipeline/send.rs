//! The attempt loop: send a request to its targets in order, with retries, timeouts and
//! fallbacks as [`Attempts`] decides, choosing each attempt's key.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::config::GatewayConfig;
use crate::control::keys::VirtualKey;
use crate::error::{ErrorKind, GatewayError};
use crate::keys::{choose_key, set_key, strip_gateway_credentials, Caller, KeyRequest, KeySource};
use crate::plugin::{Plugin, Reply, RequestContext, UpstreamHead};
use crate::port::{HttpPort, RequestBody};
use crate::redact::KnownSecrets;
use crate::resilience::{AttemptOutcome, Attempts, Decision};

use super::plan::{Target, TargetBody};

/// How sending ended, when it produced something to answer with.
pub(crate) enum Sent<R> {
    /// The response to pass on, and the index in `targets` of the target that gave it.
    Upstream { response: R, target: usize },
    /// A plugin answered instead of the upstream.
    Reply(Reply),
}

/// What one request needs to know to send.
pub(crate) struct Sender<'a, P: HttpPort> {
    pub port: &'a P,
    pub config: &'a GatewayConfig,
    pub plugins: &'a [Rc<dyn Plugin>],
    pub caller: Caller,
    /// The caller's virtual key: the stored keys it may spend.
    pub virtual_key: Option<&'a VirtualKey>,
    /// The stored key the gateway's settings name per provider.
    pub gateway_keys: Option<&'a BTreeMap<String, String>>,
}

impl<P: HttpPort> Sender<'_, P> {
    /// Sends to `targets` until one answers for good. The client's body is sent as it came when
    /// a target uses it; it must be bytes when more than one attempt is possible.
    ///
    /// Errors: a plugin's error, a stored key that is not set (500), and, when every attempt
    /// failed without a response, the last attempt's error (502 unreachable, 504 timeout).
    pub async fn send(
        &self,
        ctx: &mut RequestContext,
        targets: &[Target],
        mut client_body: Option<RequestBody<P::Body>>,
    ) -> Result<Sent<P::Response>, GatewayError> {
        let mut attempts = Attempts::new(targets.iter().map(Target::step).collect());
        let mut last_error = None;
        let sent = loop {
            let Some(attempt) = attempts.current() else {
                break Err(last_error.unwrap_or_else(|| GatewayError::internal("no upstream target to send to")));
            };
            let Some(index) = targets.iter().position(|t| t.step == attempt.step) else {
                break Err(GatewayError::internal("the attempt plan names an unknown step"));
            };
            let target = &targets[index];
            let (mut head, mut edited, pool_key) = self.prepare(target, &mut ctx.secrets)?;
            if !self.plugins.is_empty() {
                let before = head.headers.clone();
                for plugin in self.plugins {
                    if let Some(reply) = plugin.on_upstream_request(ctx, &mut head).await? {
                        ctx.attempts = attempts.into_records();
                        return Ok(Sent::Reply(reply));
                    }
                }
                edited |= head.headers != before;
            }
            // Whatever key is sent is a known secret from here on, a plugin's included.
            ctx.secrets.add_credential_headers(&head.headers);
            ctx.secrets.add_query_credentials(&head.url);
            let body = match &target.body {
                TargetBody::Own(bytes) => Some(RequestBody::Bytes(bytes.clone())),
                TargetBody::Client => match client_body.take() {
                    Some(RequestBody::Bytes(bytes)) => {
                        client_body = Some(RequestBody::Bytes(bytes.clone()));
                        Some(RequestBody::Bytes(bytes))
                    }
                    stream => stream,
                },
            };
            let started = self.port.now_ms();
            let wait_for_body = attempts.may_follow_a_timeout();
            let result = self.port.fetch(&head, edited, body, attempt.timeout_ms, wait_for_body).await;
            let ended = self.port.now_ms();
            let retry_after = result.as_ref().ok().and_then(|r| self.port.header(r, "retry-after"));
            let outcome = match &result {
                Ok(response) => {
                    AttemptOutcome::Response { status: self.port.status(response), retry_after: retry_after.as_deref() }
                }
                Err(err) if err.kind() == ErrorKind::UpstreamTimeout => AttemptOutcome::TimedOut,
                Err(_) => AttemptOutcome::Unreachable,
            };
            if let (Some(key_id), Some(status)) = (pool_key, outcome.status()) {
                if let Some(pool) = self.config.key_pools.get(target.provider.id) {
                    pool.report(key_id, status, retry_after.as_deref(), ended);
                }
            }
            match (attempts.record(&outcome, started, ended), result) {
                (Decision::Accept | Decision::GiveUp, Ok(response)) => {
                    break Ok(Sent::Upstream { response, target: index });
                }
                (Decision::Accept | Decision::GiveUp, Err(err)) => break Err(err),
                (decision, result) => {
                    match result {
                        Ok(response) => self.port.cancel(response),
                        Err(err) => last_error = Some(err),
                    }
                    if let Decision::RetryAfter { delay_ms } = decision {
                        self.port.sleep(delay_ms).await;
                    }
                }
            }
        };
        ctx.step = attempts.answered_step();
        ctx.attempts = attempts.into_records();
        sent
    }

    /// The upstream head of one attempt at `target`, with its key; whether its headers differ
    /// from the client's forwardable ones; and the pool key used, for cool-down reports. A stored
    /// key it sends is added to `secrets`.
    fn prepare(
        &self,
        target: &Target,
        secrets: &mut KnownSecrets,
    ) -> Result<(UpstreamHead, bool, Option<usize>), GatewayError> {
        let mut head =
            UpstreamHead { method: target.method.clone(), url: target.url.clone(), headers: target.headers.clone() };
        let mut edited = target.headers_edited;
        if self.caller != Caller::Anonymous {
            strip_gateway_credentials(&mut head.headers, self.caller);
            edited = true;
        }
        let secret_is_set = |name: &str| self.port.secret(name).is_some_and(|v| !v.trim().is_empty());
        let request = KeyRequest {
            headers: &head.headers,
            caller: self.caller,
            pools: &self.config.key_pools,
            now_ms: self.port.now_ms(),
            virtual_key: self.virtual_key,
            gateway_keys: self.gateway_keys,
            secret_is_set: &secret_is_set,
        };
        let source =
            choose_key(&request, target.provider, target.key_secret.as_deref(), target.translated, self.port.random())?;
        let (key, pool_key) = match source {
            KeySource::Client | KeySource::Missing => return Ok((head, edited, None)),
            KeySource::ClientKey(key) => (key, None),
            KeySource::Secret(name) => (self.held_key(&name, secrets)?, None),
            KeySource::Pool { key_id, secret } => (self.held_key(&secret, secrets)?, Some(key_id)),
        };
        set_key(&mut head.headers, target.provider, &key);
        Ok((head, true, pool_key))
    }

    /// The value of stored key `secret`, added to the request's known `secrets`.
    fn held_key(&self, secret: &str, secrets: &mut KnownSecrets) -> Result<String, GatewayError> {
        let key = self.port.secret(secret).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
            GatewayError::new(
                ErrorKind::Misconfigured,
                format!("the stored key {secret} is not set: {}", crate::config::how_to_set_secret(secret)),
            )
        })?;
        secrets.add_held(&key);
        Ok(key)
    }
}
