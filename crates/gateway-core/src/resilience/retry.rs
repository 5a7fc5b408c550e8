//! Retry policy: how many attempts, how long to wait between them, when to give up on an attempt.
//!
//! A policy comes from three places, merged field by field by [`RetryPolicy::resolve`]:
//! a universal-endpoint step's `config` (most specific) > the request's `cf-aig-*` headers > the
//! gateway's default (`RETRY_DEFAULTS`). The step config wins over the headers because it is the
//! narrower statement of the same caller, the order Cloudflare documents for a step's provider
//! headers over the request's. Bounds are Cloudflare's:
//!
//! | header | step config field | meaning | allowed |
//! |---|---|---|---|
//! | `cf-aig-request-timeout` | `requestTimeout` | ms until the first byte of the upstream response | ≥ 1 |
//! | `cf-aig-max-attempts` | `maxAttempts` | attempts per step, the first one included | 1–5 |
//! | `cf-aig-retry-delay` | `retryDelay` | ms, the base delay between attempts | 0–5000 |
//! | `cf-aig-backoff` | `backoff` | `constant`, `linear` or `exponential` (any case) | |
//!
//! Without any of them: one attempt (no retry), a first-byte timeout of
//! [`DEFAULT_REQUEST_TIMEOUT_MS`] (5 minutes: a reasoning model answering without a stream can
//! think for minutes before its first byte, yet a provider that hangs must not hold a request
//! forever), 100 ms constant delay (the smallest delay Cloudflare's dashboard offers, used only
//! once `max_attempts` is raised). `RETRY_DEFAULTS`' `requestTimeout` raises or lowers the
//! timeout for the whole gateway, the header for one request.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;

use super::retry_after::parse_retry_after;

/// Most attempts per step (`cf-aig-max-attempts`).
pub const MAX_ATTEMPTS: u32 = 5;
/// Largest base delay between attempts (`cf-aig-retry-delay`), in ms.
pub const MAX_RETRY_DELAY_MS: u64 = 5000;
/// Longest single wait between two attempts, in ms: exponential backoff from a 5 s base would
/// otherwise wait 40 s before the fifth attempt.
pub const MAX_BACKOFF_MS: u64 = 30_000;
/// Largest `Retry-After` the gateway waits for when it exceeds the computed delay, in ms. A longer
/// one ends the step (next step, or give up) instead of holding the client.
pub const RETRY_AFTER_BUDGET_MS: u64 = MAX_RETRY_DELAY_MS;
/// Default base delay, in ms.
pub const DEFAULT_RETRY_DELAY_MS: u64 = 100;
/// Default time to the first byte of a response, in ms, when nothing sets `requestTimeout`.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 300_000;

/// How the delay grows from one retry to the next. Serializes as its lowercase name (the control
/// plane stores it so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backoff {
    /// The same delay every time.
    #[default]
    Constant,
    /// delay × the number of attempts made so far.
    Linear,
    /// delay × 2^(retries before this one).
    Exponential,
}

impl Backoff {
    fn parse(value: &str) -> Option<Backoff> {
        match value.trim().to_ascii_lowercase().as_str() {
            "constant" => Some(Backoff::Constant),
            "linear" => Some(Backoff::Linear),
            "exponential" => Some(Backoff::Exponential),
            _ => None,
        }
    }
}

/// How one step is attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Milliseconds to wait for the first byte of each attempt's response
    /// ([`DEFAULT_REQUEST_TIMEOUT_MS`] unless set); `None` waits forever (only tests build that).
    pub request_timeout_ms: Option<u64>,
    /// Attempts of the step, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Base delay between attempts, in ms.
    pub retry_delay_ms: u64,
    pub backoff: Backoff,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            request_timeout_ms: Some(DEFAULT_REQUEST_TIMEOUT_MS),
            max_attempts: 1,
            retry_delay_ms: DEFAULT_RETRY_DELAY_MS,
            backoff: Backoff::Constant,
        }
    }
}

/// The fields of a policy that one source sets; `None` leaves the field to the next source.
/// Serializes with the step-config names (`requestTimeout`, …), unset fields left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RetryOverrides {
    #[serde(rename = "requestTimeout", default, skip_serializing_if = "Option::is_none")]
    pub request_timeout_ms: Option<u64>,
    #[serde(rename = "maxAttempts", default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    #[serde(rename = "retryDelay", default, skip_serializing_if = "Option::is_none")]
    pub retry_delay_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Backoff>,
}

struct Bound {
    header: &'static str,
    field: &'static str,
    min: u64,
    max: u64,
    allowed: &'static str,
}

const TIMEOUT: Bound = Bound {
    header: "cf-aig-request-timeout",
    field: "requestTimeout",
    min: 1,
    max: u64::MAX,
    allowed: "a whole number of milliseconds, 1 or more",
};
const ATTEMPTS: Bound = Bound {
    header: "cf-aig-max-attempts",
    field: "maxAttempts",
    min: 1,
    max: MAX_ATTEMPTS as u64,
    allowed: "a whole number from 1 to 5",
};
const DELAY: Bound = Bound {
    header: "cf-aig-retry-delay",
    field: "retryDelay",
    min: 0,
    max: MAX_RETRY_DELAY_MS,
    allowed: "a whole number of milliseconds from 0 to 5000",
};
const BACKOFF_HEADER: &str = "cf-aig-backoff";
const BACKOFF_ALLOWED: &str = "one of constant, linear, exponential";

impl Bound {
    fn check(&self, value: Option<u64>) -> Option<u64> {
        value.filter(|v| (self.min..=self.max).contains(v))
    }
}

impl RetryOverrides {
    /// Reads `cf-aig-request-timeout`, `cf-aig-max-attempts`, `cf-aig-retry-delay` and
    /// `cf-aig-backoff` from the client's request headers.
    ///
    /// Errors (400): a value that is not a whole number in range, or an unknown backoff; the
    /// message names the header and what it allows.
    pub fn from_headers(headers: &Headers) -> Result<Self, GatewayError> {
        let number = |bound: &Bound| -> Result<Option<u64>, GatewayError> {
            let Some(raw) = headers.get(bound.header) else { return Ok(None) };
            let trimmed = raw.trim();
            let parsed = trimmed.bytes().all(|b| b.is_ascii_digit()).then(|| trimmed.parse().ok()).flatten();
            bound.check(parsed).map(Some).ok_or_else(|| {
                GatewayError::invalid(format!("{} must be {}, got {raw:?}", bound.header, bound.allowed))
            })
        };
        let backoff = match headers.get(BACKOFF_HEADER) {
            None => None,
            Some(raw) => Some(Backoff::parse(raw).ok_or_else(|| {
                GatewayError::invalid(format!("{BACKOFF_HEADER} must be {BACKOFF_ALLOWED}, got {raw:?}"))
            })?),
        };
        Ok(RetryOverrides {
            request_timeout_ms: number(&TIMEOUT)?,
            max_attempts: number(&ATTEMPTS)?.map(|n| n as u32),
            retry_delay_ms: number(&DELAY)?,
            backoff,
        })
    }

    /// Reads a JSON `config` object (`requestTimeout`, `maxAttempts`, `retryDelay`, `backoff`;
    /// other keys are ignored). `path` names the object in error messages, e.g. `steps[1].config`.
    ///
    /// Errors: the message naming `path.field` and what it allows; the caller picks the status.
    pub(crate) fn from_json(value: &Value, path: &str) -> Result<Self, String> {
        let Value::Object(map) = value else { return Err(format!("{path} must be a JSON object")) };
        let number = |bound: &Bound| -> Result<Option<u64>, String> {
            let Some(v) = map.get(bound.field).filter(|v| !v.is_null()) else { return Ok(None) };
            bound
                .check(v.as_u64())
                .map(Some)
                .ok_or_else(|| format!("{path}.{} must be {}, got {v}", bound.field, bound.allowed))
        };
        let backoff = match map.get("backoff").filter(|v| !v.is_null()) {
            None => None,
            Some(v) => Some(
                v.as_str()
                    .and_then(Backoff::parse)
                    .ok_or_else(|| format!("{path}.backoff must be {BACKOFF_ALLOWED}, got {v}"))?,
            ),
        };
        Ok(RetryOverrides {
            request_timeout_ms: number(&TIMEOUT)?,
            max_attempts: number(&ATTEMPTS)?.map(|n| n as u32),
            retry_delay_ms: number(&DELAY)?,
            backoff,
        })
    }

    /// Each field from `self`, or from `fallback` where `self` leaves it unset.
    pub fn or(self, fallback: RetryOverrides) -> RetryOverrides {
        RetryOverrides {
            request_timeout_ms: self.request_timeout_ms.or(fallback.request_timeout_ms),
            max_attempts: self.max_attempts.or(fallback.max_attempts),
            retry_delay_ms: self.retry_delay_ms.or(fallback.retry_delay_ms),
            backoff: self.backoff.or(fallback.backoff),
        }
    }

    /// The policy with these fields set over `base`.
    pub fn over(self, base: RetryPolicy) -> RetryPolicy {
        RetryPolicy {
            request_timeout_ms: self.request_timeout_ms.or(base.request_timeout_ms),
            max_attempts: self.max_attempts.unwrap_or(base.max_attempts),
            retry_delay_ms: self.retry_delay_ms.unwrap_or(base.retry_delay_ms),
            backoff: self.backoff.unwrap_or(base.backoff),
        }
    }
}

/// What became of one attempt, as the runtime observed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome<'a> {
    /// The response head arrived. `retry_after` is the raw `Retry-After` header, if any.
    Response { status: u16, retry_after: Option<&'a str> },
    /// No response: DNS, connect, TLS or reset before the head.
    Unreachable,
    /// No first byte within `request_timeout_ms`.
    TimedOut,
}

impl AttemptOutcome<'_> {
    /// Whether trying again may help: no response, a timeout, 429, 500, 502, 503, 504 and
    /// Cloudflare's 520–529. Every other status (2xx, 3xx, other 4xx, 501, 505…) is final and goes
    /// back to the client as is: a 4xx says the request itself is wrong, and another attempt or
    /// another step would only repeat it.
    pub fn is_retryable(&self) -> bool {
        match *self {
            AttemptOutcome::Response { status, .. } => {
                matches!(status, 429 | 500 | 502 | 503 | 504 | 520..=529)
            }
            AttemptOutcome::Unreachable | AttemptOutcome::TimedOut => true,
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        match *self {
            AttemptOutcome::Response { status, .. } => Some(status),
            _ => None,
        }
    }

    /// The error to answer the client with when the last attempt got no response at all (502 or
    /// 504); `None` for a response, which is passed through instead.
    pub fn error(&self, timeout_ms: Option<u64>) -> Option<GatewayError> {
        match *self {
            AttemptOutcome::Response { .. } => None,
            AttemptOutcome::Unreachable => {
                Some(GatewayError::new(ErrorKind::UpstreamUnreachable, "the provider could not be reached"))
            }
            AttemptOutcome::TimedOut => Some(GatewayError::new(
                ErrorKind::UpstreamTimeout,
                match timeout_ms {
                    Some(ms) => format!(
                        "the provider sent no response within {ms} ms (raise it with cf-aig-request-timeout \
                         or RETRY_DEFAULTS' requestTimeout)"
                    ),
                    None => "the provider sent no response in time".to_string(),
                },
            )),
        }
    }
}

/// What a step does after an attempt, by its own policy alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepVerdict {
    /// The outcome is final: return it to the client (success, or a non-retryable status).
    Accept,
    /// Wait `delay_ms`, then attempt the same step again.
    Retry { delay_ms: u64 },
    /// The step failed retryably and may not try again: attempts are used up, or `Retry-After`
    /// asks for longer than [`RETRY_AFTER_BUDGET_MS`].
    Failed,
}

impl RetryPolicy {
    /// The policy of one step: `step` config over request `headers` over the gateway `default`.
    pub fn resolve(default: RetryPolicy, headers: RetryOverrides, step: RetryOverrides) -> RetryPolicy {
        step.or(headers).over(default)
    }

    /// The gateway's default policy from the `RETRY_DEFAULTS` variable: a JSON object with the
    /// step-config fields, e.g. `{"maxAttempts":3,"retryDelay":500,"backoff":"exponential"}`.
    /// Unset or empty gives [`RetryPolicy::default`].
    ///
    /// Errors (500, `gateway_misconfigured`): not JSON, or a field out of range.
    pub fn from_var(raw: Option<&str>) -> Result<RetryPolicy, GatewayError> {
        let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(RetryPolicy::default()) };
        let misconfigured = |m: String| GatewayError::new(ErrorKind::Misconfigured, m);
        let value: Value =
            serde_json::from_str(raw).map_err(|e| misconfigured(format!("RETRY_DEFAULTS must be JSON: {e}")))?;
        Ok(RetryOverrides::from_json(&value, "RETRY_DEFAULTS").map_err(misconfigured)?.over(RetryPolicy::default()))
    }

    /// The computed wait before attempt number `attempt` (1 is the first attempt, so 2 is the
    /// first retry): constant `d`, linear `d × (attempt − 1)`, exponential `d × 2^(attempt − 2)`,
    /// each capped at [`MAX_BACKOFF_MS`]. 0 for attempt 1.
    pub fn delay_before_attempt(&self, attempt: u32) -> u64 {
        if attempt < 2 {
            return 0;
        }
        let d = self.retry_delay_ms;
        let delay = match self.backoff {
            Backoff::Constant => d,
            Backoff::Linear => d.saturating_mul(u64::from(attempt - 1)),
            Backoff::Exponential => d.saturating_mul(1u64 << (attempt - 2).min(32)),
        };
        delay.min(MAX_BACKOFF_MS)
    }

    /// Decides after attempt number `attempt` (1-based) of this step ended with `outcome`.
    ///
    /// A retry waits the computed delay, or the response's `Retry-After` when that is longer and
    /// no longer than the larger of [`RETRY_AFTER_BUDGET_MS`] and the computed delay; a longer
    /// `Retry-After` fails the step at once, since waiting it out would hold the client longer
    /// than any configured delay. `now_ms` (epoch ms) is needed for an HTTP-date `Retry-After`.
    pub fn decide(&self, outcome: &AttemptOutcome<'_>, attempt: u32, now_ms: f64) -> StepVerdict {
        if !outcome.is_retryable() {
            return StepVerdict::Accept;
        }
        if attempt >= self.max_attempts {
            return StepVerdict::Failed;
        }
        let computed = self.delay_before_attempt(attempt + 1);
        let asked = match outcome {
            AttemptOutcome::Response { retry_after: Some(value), .. } => parse_retry_after(value, now_ms),
            _ => None,
        };
        match asked {
            Some(asked) if asked > computed.max(RETRY_AFTER_BUDGET_MS) => StepVerdict::Failed,
            Some(asked) => StepVerdict::Retry { delay_ms: asked.max(computed) },
            None => StepVerdict::Retry { delay_ms: computed },
        }
    }
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "retry_props.rs"]
mod props;
