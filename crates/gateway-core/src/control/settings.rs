//! How the request path uses the control plane, from Worker variables and secrets read once per
//! isolate:
//!
//! - `VIRTUAL_KEY_PEPPER` (secret): what virtual keys are hashed with. Without it no virtual key
//!   exists, and a request presenting one is refused (401).
//! - `STORED_GATEWAYS`: `true` makes each request read its gateway's stored settings (one Durable
//!   Object read per gateway id and isolate every 10 s). Off by default, so that a deployment
//!   that keeps no gateways makes no Durable Object call for an open gateway.
//! - `GATEWAYS_STRICT`: `true` answers 404 for a gateway id never created; implies
//!   `STORED_GATEWAYS`.

use crate::error::{ErrorKind, GatewayError};

/// The control plane's part of the configuration.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ControlSettings {
    pepper: Option<String>,
    /// Whether requests read their gateway's stored settings.
    pub stored_gateways: bool,
    /// Whether a gateway id never created is refused (404).
    pub strict: bool,
}

impl std::fmt::Debug for ControlSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlSettings")
            .field("pepper", &self.pepper.as_ref().map(|_| "[redacted]"))
            .field("stored_gateways", &self.stored_gateways)
            .field("strict", &self.strict)
            .finish()
    }
}

impl ControlSettings {
    /// Reads the settings; `lookup` gives a variable's value, `None` when unset.
    ///
    /// Errors (500, naming the variable): a flag that is not `true` or `false`.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, GatewayError> {
        let flag = |name: &str| -> Result<bool, GatewayError> {
            match lookup(name).as_deref().map(str::trim) {
                None | Some("") | Some("false") => Ok(false),
                Some("true") => Ok(true),
                Some(other) => Err(GatewayError::new(
                    ErrorKind::Misconfigured,
                    format!("{name} must be true or false, got {other:?}"),
                )),
            }
        };
        let strict = flag("GATEWAYS_STRICT")?;
        Ok(ControlSettings {
            pepper: lookup("VIRTUAL_KEY_PEPPER").filter(|p| !p.trim().is_empty()),
            stored_gateways: flag("STORED_GATEWAYS")? || strict,
            strict,
        })
    }

    /// The pepper virtual keys are hashed with; `None` when virtual keys are not set up.
    pub fn pepper(&self) -> Option<&[u8]> {
        self.pepper.as_deref().map(str::as_bytes)
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
