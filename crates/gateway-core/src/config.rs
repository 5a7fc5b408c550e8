//! Gateway configuration, read once per isolate from Worker variables and secrets.
//!
//! - `UPSTREAM_OVERRIDES`: JSON object from provider id to base URL, replacing the table's base
//!   (placeholders such as `{resource_name}` still apply). Meant for local runs and tests that
//!   point providers at a mock; the only way an upstream host can change.
//! - `MAX_REQUEST_BODY_BYTES`: the largest request body forwarded (default 32 MiB).
//! - `UPSTREAM_IDLE_TIMEOUT_MS`: how long a provider's response body may send nothing before the
//!   gateway gives up on it (default 5 minutes; see [`DEFAULT_IDLE_TIMEOUT_MS`]). The time to the
//!   first byte is `RETRY_DEFAULTS`' `requestTimeout` (see [`crate::resilience`]).
//! - `GATEWAY_TOKEN` (secret): when set, every proxied request must carry it or a virtual key
//!   (see [`crate::keys`]).
//! - `VIRTUAL_KEY_PEPPER` (secret), `STORED_GATEWAYS`, `GATEWAYS_STRICT`: see
//!   [`crate::control::settings`].
//! - `RETRY_DEFAULTS`, `ROUTES`, `KEY_POOLS`, `KEY_COOLDOWN_SECONDS`: see [`crate::resilience`].
//! - `CACHE_TTL`, `CACHE_COALESCE`, `CACHE_MEMORY_MIB`, `CACHE_MEMORY_SECONDS`: see [`crate::cache`].
//! - `SEMANTIC_EMBEDDER`, `SEMANTIC_TIMEOUT_MS`, `SEMANTIC_INDEX_MAX_ENTRIES`: see
//!   [`crate::cache::semantic::config`].
//! - `COMPAT_ALIASES`, `DEFAULT_MAX_TOKENS`: see [`crate::translate::compat`].
//! - `LOGS_ENABLED`, `LOG_BODY_MAX_BYTES`, `LOG_RETENTION_DAYS`, `LOG_MAX_ROWS_PER_SHARD`,
//!   `LOG_SHARDS`, `LOG_BATCH_MS`: see [`crate::logs::settings`].

use std::collections::HashMap;

use crate::cache::semantic::SemanticConfig;
use crate::cache::{CacheDefaults, HotLimits};
use crate::control::settings::ControlSettings;
use crate::error::{ErrorKind, GatewayError};
use crate::logs::LogSettings;
use crate::provider::{self, Provider};
use crate::resilience::{KeyPools, RetryPolicy, Routes};

/// Default `max_tokens` for providers that require one (Anthropic) when the client set none.
pub const DEFAULT_MAX_TOKENS: u64 = 4096;

/// Default request body limit: above the 25 MB of OpenAI's audio uploads, well below the 128 MB
/// an isolate may use in all.
pub const DEFAULT_MAX_REQUEST_BODY_BYTES: u64 = 32 * 1024 * 1024;

/// Default of `UPSTREAM_IDLE_TIMEOUT_MS`. As long as the first-byte timeout: a reasoning model may
/// stream its head, then think for minutes before its first token (Anthropic sends pings
/// meanwhile, not every provider does). Lower it when the providers in use keep their streams busy.
pub const DEFAULT_IDLE_TIMEOUT_MS: u64 = 300_000;

/// The largest `UPSTREAM_IDLE_TIMEOUT_MS`: an hour, beyond which a stalled body is as good as
/// held forever.
pub const MAX_IDLE_TIMEOUT_MS: u64 = 3_600_000;

/// The gateway's configuration, parsed once per isolate.
#[derive(Debug, Clone, PartialEq)]
pub struct GatewayConfig {
    upstream_overrides: HashMap<String, String>,
    /// Requests whose body is larger are answered 413.
    pub max_request_body_bytes: u64,
    /// How long a response body may send nothing before it is cut (`UPSTREAM_IDLE_TIMEOUT_MS`): a
    /// stream then ends with an explicit error event, a document is answered 504.
    pub upstream_idle_timeout_ms: u64,
    /// The token callers must present; `None` leaves the gateway open (client keys only).
    pub gateway_token: Option<String>,
    /// The retry policy of requests that set none.
    pub retry_default: RetryPolicy,
    pub routes: Routes,
    /// Per-isolate key pools, cool-down state included.
    pub key_pools: KeyPools,
    /// The gateway's cache defaults (`CACHE_TTL`, `CACHE_COALESCE`).
    pub cache: CacheDefaults,
    /// The semantic cache's embedder, timeout and index size (`SEMANTIC_*`).
    pub semantic: SemanticConfig,
    /// Compat-endpoint model aliases (`COMPAT_ALIASES`): alias to `"{provider}/{model}"`.
    pub aliases: HashMap<String, String>,
    /// `max_tokens` sent to providers that require it when the client set none
    /// (`DEFAULT_MAX_TOKENS`, default 4096).
    pub default_max_tokens: u64,
    /// Request logs (`LOGS_ENABLED`, `LOG_*`).
    pub logs: LogSettings,
    /// Virtual keys and stored gateways (`VIRTUAL_KEY_PEPPER`, `STORED_GATEWAYS`, `GATEWAYS_STRICT`).
    pub control: ControlSettings,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            upstream_overrides: HashMap::new(),
            max_request_body_bytes: DEFAULT_MAX_REQUEST_BODY_BYTES,
            upstream_idle_timeout_ms: DEFAULT_IDLE_TIMEOUT_MS,
            gateway_token: None,
            retry_default: RetryPolicy::default(),
            routes: Routes::default(),
            key_pools: KeyPools::default(),
            cache: CacheDefaults::default(),
            semantic: SemanticConfig::default(),
            aliases: HashMap::new(),
            default_max_tokens: DEFAULT_MAX_TOKENS,
            logs: LogSettings::default(),
            control: ControlSettings::default(),
        }
    }
}

/// How to set secret `name`, for error messages: a local run reads `.dev.vars`, a deployed Worker
/// its secrets.
pub fn how_to_set_secret(name: &str) -> String {
    format!("`{name}=…` in .dev.vars for a local run, `wrangler secret put {name}` once deployed")
}

fn misconfigured(message: String) -> GatewayError {
    GatewayError::new(ErrorKind::Misconfigured, message)
}

impl GatewayConfig {
    /// Builds the configuration from the Worker's variables and secrets, `lookup` returning a
    /// variable's value (`None` when unset).
    ///
    /// Errors (500, `gateway_misconfigured`), naming the variable: a JSON variable cut short (see
    /// [`crate::json_var`]), any variable that does not parse, and stored keys (`KEY_POOLS`, a route's `key`) with neither a `GATEWAY_TOKEN` nor a
    /// `VIRTUAL_KEY_PEPPER` (virtual keys) to guard them.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, GatewayError> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        for name in crate::json_var::JSON_VARIABLES {
            if let Some(raw) = var(name) {
                crate::json_var::check_complete(name, &raw)?;
            }
        }
        let mut config =
            Self::from_vars(var("UPSTREAM_OVERRIDES").as_deref(), var("MAX_REQUEST_BODY_BYTES").as_deref())?;
        config.gateway_token = var("GATEWAY_TOKEN").map(|t| t.trim().to_string());
        config.retry_default = RetryPolicy::from_var(var("RETRY_DEFAULTS").as_deref())?;
        config.routes = Routes::from_var(var("ROUTES").as_deref())?;
        config.key_pools = KeyPools::from_vars(var("KEY_POOLS").as_deref(), var("KEY_COOLDOWN_SECONDS").as_deref())?;
        config.cache = CacheDefaults::from_vars(var("CACHE_TTL").as_deref(), var("CACHE_COALESCE").as_deref())?;
        config.cache.memory =
            HotLimits::from_vars(var("CACHE_MEMORY_MIB").as_deref(), var("CACHE_MEMORY_SECONDS").as_deref())?;
        config.semantic = SemanticConfig::from_env(var)?;
        config.aliases = crate::translate::compat::parse_aliases(var("COMPAT_ALIASES").as_deref())?;
        if let Some(raw) = var("DEFAULT_MAX_TOKENS") {
            config.default_max_tokens = raw.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                misconfigured(format!("DEFAULT_MAX_TOKENS must be a positive whole number, got {raw:?}"))
            })?;
        }
        if let Some(raw) = var("UPSTREAM_IDLE_TIMEOUT_MS") {
            config.upstream_idle_timeout_ms =
                raw.trim().parse().ok().filter(|n| (1..=MAX_IDLE_TIMEOUT_MS).contains(n)).ok_or_else(|| {
                    misconfigured(format!(
                        "UPSTREAM_IDLE_TIMEOUT_MS must be a whole number of milliseconds from 1 to {MAX_IDLE_TIMEOUT_MS}, \
                         got {raw:?}"
                    ))
                })?;
        }
        config.logs = LogSettings::from_env(var)?;
        config.control = ControlSettings::from_env(var)?;
        let stores_keys = !config.key_pools.is_empty() || config.routes.uses_stored_keys();
        if stores_keys && config.gateway_token.is_none() && config.control.pepper().is_none() {
            return Err(misconfigured(format!(
                "KEY_POOLS or a route's `key` names stored provider keys, but neither GATEWAY_TOKEN nor \
                 VIRTUAL_KEY_PEPPER is set: without one no caller can prove it may spend them. Set GATEWAY_TOKEN \
                 ({}), or VIRTUAL_KEY_PEPPER the same way for virtual keys",
                how_to_set_secret("GATEWAY_TOKEN")
            )));
        }
        Ok(config)
    }

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

#[cfg(test)]
#[path = "config_props.rs"]
mod props;
