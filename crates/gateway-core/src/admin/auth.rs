//! Who may use the admin API: the caller whose bearer token is the `ADMIN_TOKEN` secret.
//!
//! Without the secret set, the admin API answers 401 to everyone: it is never open by default.

use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;

/// Checks the caller's bearer token against the configured `ADMIN_TOKEN`.
///
/// Errors: 401 when no token is configured, none was sent, or it does not match. The comparison
/// takes the same time wherever the first difference is, so the token cannot be guessed byte by
/// byte from response times.
pub fn authorize(headers: &Headers, admin_token: Option<&str>) -> Result<(), GatewayError> {
    let Some(expected) = admin_token.map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(GatewayError::new(
            ErrorKind::Unauthorized,
            format!(
                "the admin API is disabled: set the ADMIN_TOKEN secret ({}) to enable it",
                crate::config::how_to_set_secret("ADMIN_TOKEN")
            ),
        ));
    };
    let sent = headers
        .get("authorization")
        .and_then(|v| v.trim().strip_prefix("Bearer ").or_else(|| v.trim().strip_prefix("bearer ")))
        .map(str::trim);
    match sent {
        Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(GatewayError::new(ErrorKind::Unauthorized, "the admin token is not valid")),
        None => Err(GatewayError::new(
            ErrorKind::Unauthorized,
            "the admin API requires `Authorization: Bearer <ADMIN_TOKEN>`",
        )),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, &x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0));
    }
    diff == 0
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "auth_props.rs"]
mod props;
