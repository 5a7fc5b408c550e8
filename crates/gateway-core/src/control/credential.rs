//! Finding a virtual key among the headers a client sent: `cf-aig-authorization` (Cloudflare's
//! header), or any header an SDK puts its API key in, so that
//! `OpenAI(api_key=<virtual key>, base_url=<gateway>/openai)` works unchanged.
//!
//! The SDK headers are [`crate::keys::CREDENTIAL_HEADERS`] plus the provider's own auth header,
//! the same list the key choice reads, so the two cannot drift apart. A value is a virtual key
//! only if it has the shape ([`looks_like_virtual_key`]); anything else stays a provider key
//! (or the gateway token) for [`crate::keys`] to handle.

use crate::error::GatewayError;
use crate::headers::Headers;
use crate::keys::{CREDENTIAL_HEADERS, GATEWAY_AUTH_HEADER};

use super::secret::looks_like_virtual_key;

/// A virtual key found in a request.
#[derive(PartialEq, Eq)]
pub struct PresentedKey {
    /// The header it came in (lower case). When it is not `cf-aig-authorization`, that header
    /// must be removed before the request goes upstream: the virtual key never leaves the gateway.
    pub header: &'static str,
    /// The secret, without `Bearer `.
    pub secret: String,
}

impl std::fmt::Debug for PresentedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PresentedKey {{ header: {:?}, secret: [redacted] }}", self.header)
    }
}

/// The virtual key in `headers`, looked for in `cf-aig-authorization`, then the SDK headers,
/// then `provider_header` (the provider's own, e.g. `xi-api-key`); `None` when there is none.
/// Runs before authentication, on every proxied request.
///
/// Errors: 400 when two headers carry different virtual keys (the gateway would have to guess
/// whose request this is).
pub fn find_virtual_key(
    headers: &Headers,
    provider_header: &'static str,
) -> Result<Option<PresentedKey>, GatewayError> {
    let mut found: Option<PresentedKey> = None;
    let names = std::iter::once(GATEWAY_AUTH_HEADER).chain(CREDENTIAL_HEADERS.iter().copied()).chain([provider_header]);
    for name in names {
        let Some(value) = headers.get(name) else { continue };
        let value = value.trim();
        let secret = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).unwrap_or(value).trim();
        if !looks_like_virtual_key(secret) {
            continue;
        }
        match &found {
            Some(first) if first.secret != secret => {
                return Err(GatewayError::invalid(format!(
                    "the request carries two different virtual keys (in `{}` and `{name}`): send one",
                    first.header
                )));
            }
            Some(_) => {}
            None => found = Some(PresentedKey { header: name, secret: secret.to_string() }),
        }
    }
    Ok(found)
}

#[cfg(test)]
#[path = "credential_tests.rs"]
mod tests;
