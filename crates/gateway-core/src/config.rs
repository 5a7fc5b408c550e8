//! Gateway configuration, read from Worker variables.
//!
//! - `UPSTREAM_OVERRIDES`: JSON object from provider id to base URL, replacing the table's base
//!   (placeholders such as `{resource_name}` still apply). Meant for local runs and tests that
//!   point providers at a mock; the only way an upstream host can change.
//! - `MAX_REQUEST_BODY_BYTES`: the largest request body forwarded (default 32 MiB).

use std::collections::HashMap;

use crate::error::{ErrorKind, GatewayError};
use crate::provider::{self, Provider};

/// Default request body limit: above the 25 MB of OpenAI's audio uploads, well below the 128 MB
/// an isolate may use in all.
pub const DEFAULT_MAX_REQUEST_BODY_BYTES: u64 = 32 * 1024 * 1024;

/// The gateway's configuration, parsed once per isolate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayConfig {
    upstream_overrides: HashMap<String, String>,
    /// Requests whose body is larger are answered 413.
    pub max_request_body_bytes: u64,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig { upstream_overrides: HashMap::new(), max_request_body_bytes: DEFAULT_MAX_REQUEST_BODY_BYTES }
    }
}

fn misconfigured(message: String) -> GatewayError {
    GatewayError::new(ErrorKind::Misconfigured, message)
}

impl GatewayConfig {
    /// Builds the configuration from the raw variable values (`None` or empty when unset).
    ///
    /// Errors (500, `gateway_misconfigured`): overrides that are not a JSON object of strings,
    /// name an unknown provider, or are not `http(s)://` URLs; a body limit that is not a number.
    pub fn from_vars(
        upstream_overrides: Option<&str>,
        max_request_body_bytes: Option<&str>,
    ) -> Result<Self, GatewayError> {
        let mut config = GatewayConfig::default();
        if let Some(raw) = upstream_overrides.map(str::trim).filter(|s| !s.is_empty()) {
            let map: HashMap<String, String> = serde_json::from_str(raw).map_err(|e| {
                misconfigured(format!("UPSTREAM_OVERRIDES must be a JSON object of provider id to base URL: {e}"))
            })?;
            for (id, url) in &map {
                if provider::find(id).is_none() {
                    return Err(misconfigured(format!(
                        "UPSTREAM_OVERRIDES names unknown provider \"{id}\"; valid providers: {}",
                        provider::ids()
                    )));
                }
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(misconfigured(format!("UPSTREAM_OVERRIDES[{id}] is not an http(s) URL: {url}")));
                }
            }
            config.upstream_overrides =
                map.into_iter().map(|(id, url)| (id, url.trim_end_matches('/').to_string())).collect();
        }
        if let Some(raw) = max_request_body_bytes.map(str::trim).filter(|s| !s.is_empty()) {
            config.max_request_body_bytes = raw.parse().map_err(|_| {
                misconfigured(format!("MAX_REQUEST_BODY_BYTES must be a whole number of bytes, got {raw:?}"))
            })?;
        }
        Ok(config)
    }

    /// The base URL requests to `provider` go to: the override if one is configured.
    pub fn base_url(&self, provider: &Provider) -> &str {
        self.upstream_overrides.get(provider.id).map(String::as_str).unwrap_or(provider.base_url)
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
