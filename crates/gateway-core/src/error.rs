//! The one error type of the gateway.
//!
//! Every failure records *whose fault it was* ([`Fault`]) and *whether a retry may help*, in the
//! manner of pingora's `Error`: fallback and retry logic read these two facts instead of matching
//! on messages. An error renders itself as OpenAI-shaped JSON
//! (`{"error":{"message","type","code"}}`) with the HTTP status that fits it.

use std::fmt;

/// Which side of the proxy caused a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The caller sent something the gateway cannot serve (bad path, unknown provider, too large).
    Client,
    /// The provider could not be reached or misbehaved.
    Upstream,
    /// The gateway itself failed (a runtime call, a misconfiguration).
    Gateway,
}

/// What went wrong, as a closed list so that status codes and error codes stay consistent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The path is not a gateway route (404).
    NotFound,
    /// The provider slug in the path is not in the provider table (400).
    UnknownProvider,
    /// A header or path parameter is malformed (400).
    InvalidRequest,
    /// The caller lacks valid credentials for this route (401).
    Unauthorized,
    /// The caller's credentials are valid but do not cover this request, e.g. a virtual key used
    /// outside its scope (403).
    Forbidden,
    /// The request conflicts with stored state, e.g. creating an id that already exists (409).
    Conflict,
    /// The request body exceeds the configured limit (413).
    PayloadTooLarge,
    /// The HTTP method is not allowed on this route (405).
    MethodNotAllowed,
    /// A guardrail plugin refused the request's content (400).
    ContentBlocked,
    /// A request or token limit of the gateway or the virtual key is reached (429).
    RateLimited,
    /// A dollar budget or spend rule is reached (429).
    BudgetExceeded,
    /// A limiter could not be reached and the limits say to fail closed (503).
    LimiterUnavailable,
    /// A guardrail's external check could not be made and it says to fail closed (503).
    GuardrailUnavailable,
    /// The client went away before the response ended (499, as nginx logs it). Only ever
    /// recorded: there is no one left to answer.
    ClientClosed,
    /// The provider could not be reached: DNS, connect or TLS failure (502).
    UpstreamUnreachable,
    /// The provider did not answer in time (504).
    UpstreamTimeout,
    /// The provider answered something the gateway cannot use: a body it cannot translate, or one
    /// over the size the gateway reads (502).
    UpstreamInvalid,
    /// The gateway's configuration is invalid (500).
    Misconfigured,
    /// An unexpected failure inside the gateway or the runtime (500).
    Internal,
}

impl ErrorKind {
    /// The HTTP status this kind of error is answered with.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::NotFound => 404,
            ErrorKind::UnknownProvider | ErrorKind::InvalidRequest | ErrorKind::ContentBlocked => 400,
            ErrorKind::PayloadTooLarge => 413,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::Conflict => 409,
            ErrorKind::MethodNotAllowed => 405,
            ErrorKind::RateLimited | ErrorKind::BudgetExceeded => 429,
            ErrorKind::LimiterUnavailable | ErrorKind::GuardrailUnavailable => 503,
            ErrorKind::ClientClosed => 499,
            ErrorKind::UpstreamUnreachable => 502,
            ErrorKind::UpstreamTimeout => 504,
            ErrorKind::UpstreamInvalid => 502,
            ErrorKind::Misconfigured | ErrorKind::Internal => 500,
        }
    }

    /// The stable machine-readable `code` of the JSON error body.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::UnknownProvider => "unknown_provider",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::PayloadTooLarge => "payload_too_large",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Conflict => "conflict",
            ErrorKind::MethodNotAllowed => "method_not_allowed",
            ErrorKind::ContentBlocked => "content_blocked",
            ErrorKind::RateLimited => "rate_limit_exceeded",
            ErrorKind::BudgetExceeded => "budget_exceeded",
            ErrorKind::LimiterUnavailable => "limiter_unavailable",
            ErrorKind::GuardrailUnavailable => "guardrail_unavailable",
            ErrorKind::ClientClosed => "client_closed_request",
            ErrorKind::UpstreamUnreachable => "upstream_unreachable",
            ErrorKind::UpstreamTimeout => "upstream_timeout",
            ErrorKind::UpstreamInvalid => "upstream_invalid_response",
            ErrorKind::Misconfigured => "gateway_misconfigured",
            ErrorKind::Internal => "internal_error",
        }
    }

    fn fault(self) -> Fault {
        match self {
            ErrorKind::NotFound
            | ErrorKind::UnknownProvider
            | ErrorKind::InvalidRequest
            | ErrorKind::PayloadTooLarge
            | ErrorKind::Unauthorized
            | ErrorKind::Forbidden
            | ErrorKind::Conflict
            | ErrorKind::MethodNotAllowed
            | ErrorKind::RateLimited
            | ErrorKind::ContentBlocked
            | ErrorKind::BudgetExceeded
            | ErrorKind::ClientClosed => Fault::Client,
            ErrorKind::UpstreamUnreachable | ErrorKind::UpstreamTimeout | ErrorKind::UpstreamInvalid => Fault::Upstream,
            ErrorKind::Misconfigured
            | ErrorKind::Internal
            | ErrorKind::LimiterUnavailable
            | ErrorKind::GuardrailUnavailable => Fault::Gateway,
        }
    }

    fn retryable(self) -> bool {
        matches!(self, ErrorKind::UpstreamUnreachable | ErrorKind::UpstreamTimeout)
    }
}

/// A gateway failure: what happened, whose fault it was, and whether trying again may help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayError {
    kind: ErrorKind,
    fault: Fault,
    retryable: bool,
    message: String,
    /// Seconds after which trying again may succeed (`Retry-After`), for a 429.
    retry_after_s: Option<u64>,
}

impl GatewayError {
    /// An error of `kind`, with the fault and retry advice that the kind implies.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        GatewayError {
            kind,
            fault: kind.fault(),
            retryable: kind.retryable(),
            message: message.into(),
            retry_after_s: None,
        }
    }

    /// Shorthand for a 404 on a path that is not a gateway route.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// Shorthand for a 400 on a malformed request.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidRequest, message)
    }

    /// The 413 for a request body larger than the gateway's `limit` in bytes.
    pub fn body_too_large(limit: u64) -> Self {
        Self::new(ErrorKind::PayloadTooLarge, format!("request body exceeds the gateway's limit of {limit} bytes"))
    }

    /// The 502 for a fetch of `url` (without its query) that failed before any answer, `cause`
    /// being the runtime's message. The message names the host and what most likely happened:
    /// workerd reports a failed DNS lookup and a failed TLS handshake alike, only as `internal
    /// error; reference = …` (so for an `https` URL both are named), and a refused or reset
    /// connection as `Network connection lost.`; any other cause is quoted as it is.
    pub fn upstream_unreachable(url: &str, cause: &str) -> Self {
        let host = host_of(url);
        let reason = if cause.starts_with("internal error; reference = ") {
            if url.starts_with("https://") {
                format!(
                    "the name {host} could not be resolved, or its TLS handshake failed (the runtime says only \
                     \"{cause}\"): check the host name, that it serves HTTPS on that port, and the network"
                )
            } else {
                format!(
                    "the name {host} could not be resolved (DNS lookup failed; the runtime says only \"{cause}\"): \
                     check the host name and the network"
                )
            }
        } else if cause.starts_with("Network connection lost") {
            format!("the connection to {host} was refused or lost: check that the provider listens there")
        } else {
            cause.to_string()
        };
        Self::new(ErrorKind::UpstreamUnreachable, format!("could not reach the provider at {url}: {reason}"))
    }

    /// Shorthand for an unexpected failure inside the gateway or the runtime.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// Overrides the retry advice, e.g. when an internal failure is known to be transient.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.retryable = retryable;
        self
    }

    /// Sets the seconds after which the client may try again (`Retry-After`).
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_s = Some(seconds);
        self
    }

    /// The seconds after which trying again may succeed, when known.
    pub fn retry_after_s(&self) -> Option<u64> {
        self.retry_after_s
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn fault(&self) -> Fault {
        self.fault
    }

    /// Whether sending the same request again (to the same or another upstream) may succeed.
    pub fn is_retryable(&self) -> bool {
        self.retryable
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// The OpenAI `type` field: `invalid_request_error` for client faults, `upstream_error` for
    /// provider failures, `api_error` for the gateway's own.
    pub fn error_type(&self) -> &'static str {
        if matches!(self.kind, ErrorKind::RateLimited | ErrorKind::BudgetExceeded) {
            return self.kind.code();
        }
        match self.fault {
            Fault::Client => "invalid_request_error",
            Fault::Upstream => "upstream_error",
            Fault::Gateway => "api_error",
        }
    }

    /// The JSON body: `{"error":{"message":…,"type":…,"code":…}}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "error": {
                "message": self.message,
                "type": self.error_type(),
                "code": self.kind.code(),
            }
        })
        .to_string()
    }
}

/// The host (and port) of `url`, without any `user:password@`; the whole text when it is no URL.
fn host_of(url: &str) -> &str {
    let Some((_, rest)) = url.split_once("://") else { return url };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit_once('@').map_or(authority, |(_, host)| host)
}

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.kind.code(), self.status(), self.message)
    }
}

impl std::error::Error for GatewayError {}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
