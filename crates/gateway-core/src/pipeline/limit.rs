//! The limits' part of a request: reserve in every limited scope before the cache is consulted
//! (a hit counts against request limits), settle with what was used once the response ended.
//!
//! Scopes are the virtual key's (`key:vk_…`) and the gateway's (`gateway:{id}`), each its own
//! limiter; a request with both makes two calls before, at once, and two after. All or nothing:
//! when one scope refuses, the reservations the others granted are cancelled (so another request
//! may briefly find a scope's hold that is then taken back). A limiter that cannot be
//! reached lets the request through (`on_error: "open"`, noted in its log) or refuses it with
//! 503 (`"closed"`).

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use crate::cost::{parse_custom_cost, CUSTOM_COST_HEADER};
use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;
use crate::limits::answer::{rate_limit_headers, refused};
use crate::limits::charge::{charges, max_output_tokens, RequestFacts};
use crate::limits::counter::{Actual, Hold, Standing, Verdict};
use crate::limits::definition::{Limits, OnError};
use crate::limits::store::{Limiter, LimiterAnswer, LimiterCall};
use crate::logs::api::join_all;
use crate::logs::headers::{parse_metadata, Metadata, METADATA_HEADER};

use super::access::Access;
use super::plan::{Target, TargetBody};

/// How long a reservation is held when its settlement never comes (an isolate that died).
/// A settlement that comes later still counts what was used.
pub const RESERVATION_TTL_MS: i64 = 15 * 60 * 1000;

/// A scope's reservation, to settle.
struct ScopeHold {
    scope: String,
    holds: Vec<Hold>,
}

/// What a request reserved, and what its answer says about it.
pub(crate) struct Reserved {
    limiter: Rc<dyn Limiter>,
    id: String,
    scopes: Vec<ScopeHold>,
    /// `x-ratelimit-*` for the answer.
    pub headers: Headers,
}

/// The limited scopes of a request: limiter scope, how messages name it, its limits.
fn scopes(access: &Access) -> Vec<(String, String, &Limits)> {
    let mut out = Vec::new();
    if let Some(key) = access.key.as_deref().filter(|k| !k.limits.is_empty()) {
        out.push((format!("key:{}", key.id), format!("virtual key {:?}", key.id), &key.limits));
    }
    if let Some(gateway) = access.gateway.as_deref().filter(|g| !g.limits.is_empty()) {
        out.push((format!("gateway:{}", gateway.id), format!("gateway {:?}", gateway.id), &gateway.limits));
    }
    out
}

/// What one reservation attempt asks for.
pub(crate) struct ReserveInput<'a> {
    pub limiter: Option<&'a Rc<dyn Limiter>>,
    pub access: &'a Access,
    pub targets: &'a [Target],
    pub client_body: &'a [u8],
    pub headers: &'a Headers,
    /// Makes the reservation's id (unique per request); called only for a limited request.
    pub new_id: &'a dyn Fn() -> String,
    pub now_ms: i64,
}

/// Reserves the request in every limited scope; `Ok(None)` when none limits it. A limiter that
/// fails is noted in `notes` when its scope fails open.
///
/// Errors: 429 naming the limit refused (with `Retry-After`, and the refused meter in
/// `x-ratelimit-*` of `headers_out`); 503 for a limiter that failed where limits fail closed;
/// 400 for a budget over a model without a price.
pub(crate) async fn reserve(
    input: ReserveInput<'_>,
    notes: &mut Vec<String>,
    headers_out: &mut Headers,
) -> Result<Option<Reserved>, GatewayError> {
    let scopes = scopes(input.access);
    if scopes.is_empty() {
        return Ok(None);
    }
    let metadata = match input.headers.get(METADATA_HEADER) {
        Some(raw) => parse_metadata(raw)?,
        None => Metadata::new(),
    };
    let custom_cost = input.headers.get(CUSTOM_COST_HEADER).map(parse_custom_cost).transpose()?;
    let models: Vec<String> = input.targets.iter().map(|t| t.model(input.client_body)).collect();
    let facts: Vec<RequestFacts<'_>> = input
        .targets
        .iter()
        .zip(&models)
        .map(|(target, model)| {
            let body: &[u8] = match &target.body {
                TargetBody::Own(bytes) => bytes,
                TargetBody::Client => input.client_body,
            };
            RequestFacts {
                provider: target.provider.id,
                model,
                body,
                output_tokens: max_output_tokens(body),
                metadata: &metadata,
                custom_cost: custom_cost.as_ref(),
            }
        })
        .collect();
    let Some(limiter) = input.limiter else {
        return unreachable_limiter(&scopes, notes, "the LIMITER Durable Object binding is missing");
    };
    let mut reserved =
        Reserved { limiter: Rc::clone(limiter), id: (input.new_id)(), scopes: Vec::new(), headers: Headers::new() };
    let calls = scopes
        .iter()
        .map(|(_, _, limits)| {
            Ok(LimiterCall::Reserve {
                id: reserved.id.clone(),
                charges: charges(limits, &facts)?,
                ttl_ms: RESERVATION_TTL_MS,
            })
        })
        .collect::<Result<Vec<_>, GatewayError>>()?;
    // Every scope at once: a request limited by its key and its gateway waits for one round trip,
    // not two. What one scope refuses, the others take back (all or nothing).
    let answers = join_all(
        scopes
            .iter()
            .zip(&calls)
            .map(|((scope, _, _), call)| {
                Box::pin(limiter.call(scope, call))
                    as Pin<Box<dyn Future<Output = Result<LimiterAnswer, GatewayError>>>>
            })
            .collect(),
    )
    .await;
    let mut standing: Vec<Standing> = Vec::new();
    // The first scope (in order: the key's, then the gateway's) that stops the request.
    let mut stop: Option<GatewayError> = None;
    for ((scope, label, limits), answer) in scopes.iter().zip(answers) {
        match answer {
            Ok(LimiterAnswer::Verdict(Verdict::Granted { holds, standing: s })) => {
                standing.extend(s);
                reserved.scopes.push(ScopeHold { scope: scope.clone(), holds });
            }
            Ok(LimiterAnswer::Verdict(Verdict::Refused(refusal))) if stop.is_none() => {
                let mut refused_standing = standing.clone();
                refused_standing.push(Standing {
                    meter: refusal.meter.clone(),
                    unit: refusal.unit,
                    limit: refusal.limit,
                    remaining: (refusal.limit - refusal.spent).max(0.0),
                    reset_ms: refusal.retry_at_ms,
                });
                rate_limit_headers(&refused_standing, input.now_ms, headers_out);
                stop = Some(refused(label, &refusal, input.now_ms));
            }
            Ok(LimiterAnswer::Verdict(Verdict::Refused(_))) => {}
            Ok(_) if stop.is_none() => {
                if let Err(err) = fail(limits, notes, format!("the limiter of {label} answered out of turn")) {
                    stop = Some(err);
                }
            }
            Err(err) if stop.is_none() => {
                if let Err(err) = fail(limits, notes, format!("the limiter of {label} failed: {}", err.message())) {
                    stop = Some(err);
                }
            }
            Ok(_) | Err(_) => {}
        }
    }
    if let Some(err) = stop {
        reserved.cancel().await;
        return Err(err);
    }
    rate_limit_headers(&standing, input.now_ms, &mut reserved.headers);
    Ok(Some(reserved))
}

/// A limiter failure: noted and passed over where the limits fail open; the 503 where they fail
/// closed.
fn fail(limits: &Limits, notes: &mut Vec<String>, failure: String) -> Result<(), GatewayError> {
    match limits.on_error {
        OnError::Open => {
            notes.push(format!("{failure}; let through (on_error: open)"));
            Ok(())
        }
        OnError::Closed => {
            Err(GatewayError::new(ErrorKind::LimiterUnavailable, format!("{failure} (on_error: closed)")))
        }
    }
}

fn unreachable_limiter(
    scopes: &[(String, String, &Limits)],
    notes: &mut Vec<String>,
    failure: &str,
) -> Result<Option<Reserved>, GatewayError> {
    for (_, label, limits) in scopes {
        fail(limits, notes, format!("{label}: {failure}"))?;
    }
    Ok(None)
}

impl Reserved {
    /// Takes back every reservation granted so far (the request is not sent).
    async fn cancel(&mut self) {
        for hold in std::mem::take(&mut self.scopes) {
            let call =
                LimiterCall::Settle { id: self.id.clone(), holds: hold.holds, actual: Actual::default(), cancel: true };
            // A cancellation that fails leaves the count one too high until the window ends: the
            // safe side.
            let _ = self.limiter.call(&hold.scope, &call).await;
        }
    }

    /// Settles every scope with what the request used (nothing for a failure or a cache hit).
    /// Runs after the response, off the hot path; failures are returned for the log.
    pub(crate) async fn settle(self, actual: Actual) -> Vec<String> {
        let mut failures = Vec::new();
        for hold in self.scopes {
            let call = LimiterCall::Settle { id: self.id.clone(), holds: hold.holds, actual, cancel: false };
            if let Err(err) = self.limiter.call(&hold.scope, &call).await {
                failures.push(format!("settling {} failed: {}", hold.scope, err.message()));
            }
        }
        failures
    }
}

#[cfg(test)]
#[path = "limit_tests.rs"]
mod tests;
