//! What a virtual key may do: glob patterns over gateway ids and `provider/model`, and the 403
//! that names the rule a request broke.
//!
//! Pattern rules:
//! - `*` matches any run of characters, `/` included, and may appear anywhere, any number of
//!   times; every other character matches itself. There is no escape: ids and model names do not
//!   contain `*`.
//! - Matching is case-sensitive. A model is matched as the provider receives it and a gateway as
//!   its settings are stored, so `gpt-4o*` does not allow `GPT-4o`: a mismatch in case refuses
//!   (403) rather than letting one spelling reach settings or a model meant for another.
//! - A model pattern containing `/` is matched against `provider/model` (`anthropic/*`,
//!   `openai/gpt-4o*`); one without `/` is matched against the model alone, on any provider
//!   (`gpt-4o*`). A request that names no model (a model list, a file upload) is matched as the
//!   empty model, so `anthropic/*` and `*` allow it and `gpt-4o*` does not.
//! - A list allows a request when any of its patterns matches; an empty list allows nothing.

use crate::error::{ErrorKind, GatewayError};

use super::keys::VirtualKey;

/// Longest pattern accepted, in bytes.
pub const MAX_PATTERN_BYTES: usize = 256;
/// Most patterns in one list.
pub const MAX_PATTERNS: usize = 64;

/// Whether `pattern` is acceptable in a scope list: 1 to [`MAX_PATTERN_BYTES`] printable ASCII
/// characters without spaces.
pub fn is_valid_pattern(pattern: &str) -> bool {
    !pattern.is_empty() && pattern.len() <= MAX_PATTERN_BYTES && pattern.bytes().all(|b| b.is_ascii_graphic())
}

/// Whether `text` matches the glob `pattern` (see the module doc). Runs in O(len(pattern) ×
/// len(text)) at worst: after a mismatch it resumes from the last `*` only.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was in the pattern and the text position it is currently matched up to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Whether any of `patterns` matches `text`.
pub fn any_match(patterns: &[String], text: &str) -> bool {
    patterns.iter().any(|p| glob_match(p, text))
}

/// Whether a model pattern allows `model` on `provider` (see the module doc for `/`).
pub fn model_allowed(patterns: &[String], provider: &str, model: &str) -> bool {
    let qualified = format!("{provider}/{model}");
    patterns.iter().any(|p| if p.contains('/') { glob_match(p, &qualified) } else { glob_match(p, model) })
}

/// What a request asks of a key's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeRequest<'a> {
    /// The gateway id in the URL.
    pub gateway: &'a str,
    /// The provider slug.
    pub provider: &'a str,
    /// The model the request names; empty when it names none.
    pub model: &'a str,
    /// The stored provider key the request would spend, by name; `None` when it spends none.
    pub provider_key: Option<&'a str>,
}

/// Checks `request` against `key`'s scope, rule by rule: gateways, then models, then stored
/// provider keys. Run after the key was found and checked usable.
///
/// Errors: 403 (`forbidden`) naming the rule that refused and the value it refused, never the
/// values the key allows (the caller holding a key should not learn its other scopes from errors).
pub fn check_scope(key: &VirtualKey, request: &ScopeRequest<'_>) -> Result<(), GatewayError> {
    check_gateway(key, request.gateway)?;
    check_model(key, request.provider, request.model)?;
    if let Some(name) = request.provider_key {
        check_provider_key(key, name)?;
    }
    Ok(())
}

/// Whether `key` may be used on gateway `gateway`. Runs once the key is verified, before the
/// request is read.
///
/// Errors: 403 naming the `gateways` rule and the gateway.
pub fn check_gateway(key: &VirtualKey, gateway: &str) -> Result<(), GatewayError> {
    if any_match(&key.gateways, gateway) {
        return Ok(());
    }
    Err(refused(key, "gateways", &format!("gateway {gateway:?}")))
}

/// Whether `key` may call `model` (empty when the request names none) on `provider`. Runs for
/// every upstream target once the request is planned, before the cache is consulted.
///
/// Errors: 403 naming the `models` rule and `provider/model`.
pub fn check_model(key: &VirtualKey, provider: &str, model: &str) -> Result<(), GatewayError> {
    if model_allowed(&key.models, provider, model) {
        return Ok(());
    }
    let what = if model.is_empty() {
        format!("provider {provider:?} without a model")
    } else {
        format!("model {:?}", format!("{provider}/{model}"))
    };
    Err(refused(key, "models", &what))
}

/// Whether `key` may spend the stored provider key `name` (the Worker secret's name): its
/// `provider_keys` lists it exactly. Runs at key choice, per attempt.
///
/// Errors: 403 naming the `provider_keys` rule and the refused name.
pub fn check_provider_key(key: &VirtualKey, name: &str) -> Result<(), GatewayError> {
    if key.provider_keys.iter().any(|allowed| allowed == name) {
        return Ok(());
    }
    Err(refused(key, "provider_keys", &format!("stored provider key {name:?}")))
}

fn refused(key: &VirtualKey, rule: &str, what: &str) -> GatewayError {
    GatewayError::new(
        ErrorKind::Forbidden,
        format!("virtual key {:?} may not use {what}: refused by its `{rule}` rule", key.id),
    )
}

#[cfg(test)]
#[path = "scope_tests.rs"]
mod tests;
