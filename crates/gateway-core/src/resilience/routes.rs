//! Named routes: a model name that stands for weighted targets and a fallback chain.
//!
//! Configured in the `ROUTES` Worker variable, a JSON object from route name to route:
//!
//! ```json
//! {
//!   "fast-chat": {
//!     "targets": [
//!       {"provider": "openai", "model": "gpt-4o-mini", "key": "OPENAI_KEY_A", "weight": 3},
//!       {"provider": "groq", "model": "llama-3.1-8b-instant", "weight": 1}
//!     ],
//!     "fallbacks": [
//!       {"provider": "anthropic", "model": "claude-3-5-haiku-latest", "key": "ANTHROPIC_KEY"}
//!     ],
//!     "config": {"maxAttempts": 2, "requestTimeout": 10000},
//!     "plugins": [{"name": "pii-redaction", "config": {"restore": true}}]
//!   }
//! }
//! ```
//!
//! - `targets` (at least one): the primary is drawn among them by `weight` (default 1, 1–10000).
//!   The other targets are *not* tried after it: weights spread load, `fallbacks` add resilience.
//! - `fallbacks` (optional): tried in order after the primary fails; an entry identical to the
//!   drawn primary is skipped (retrying the same target is what `maxAttempts` is for).
//! - `key` (optional): the name of a Worker secret holding the provider key. Without it the
//!   runtime uses the provider's key pool, if any, else the client's own key.
//! - `config` (optional): the retry policy of every step, as a universal step's `config`.
//! - `plugins` (optional): plugins that run on every request naming the route, after the
//!   deployment's and the gateway's and before the virtual key's (see `docs/plugins.md`); each is
//!   built once at start-up, so a bad configuration fails loudly, naming the route and plugin.
//!
//! A route name (`[A-Za-z0-9._-]`, at most 64 characters) is used as the `model` of the
//! OpenAI-compatible endpoint, bare or as `dynamic/{name}` like Cloudflare's Dynamic Routing.

use std::collections::HashMap;

use crate::error::{ErrorKind, GatewayError};
use crate::plugin::registry::{read_settings_at, PluginSetting};
use crate::provider::{self, Provider};

use super::config_json::{misconfigured, object, parse_var, secret_name, text, weight};
use super::retry::RetryOverrides;
use super::weighted;

/// One provider and model a route can send to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub provider: &'static Provider,
    /// The provider's model name, put in the request body by the runtime.
    pub model: String,
    /// Name of the Worker secret with the provider key; `None` to use the pool or client key.
    pub key: Option<String>,
    /// Relative weight among `targets`; 1 for fallbacks, where it is unused.
    pub weight: u32,
}

impl Target {
    fn same_as(&self, other: &Target) -> bool {
        self.provider.id == other.provider.id && self.model == other.model && self.key == other.key
    }
}

/// One named route. See the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub name: String,
    pub targets: Vec<Target>,
    pub fallbacks: Vec<Target>,
    /// The route's retry policy; unset fields fall back to request headers, then the default.
    pub retry: RetryOverrides,
    /// The plugins of requests naming the route (checked when `ROUTES` was read).
    pub plugins: Vec<PluginSetting>,
}

impl Route {
    /// The targets to try for one request, in order: the primary drawn by weight with `random`
    /// (in `[0, 1)`, e.g. `Math.random()`), then the fallbacks. The position in this list is the
    /// step index ([`super::attempts::Step::index`]) and the `cf-aig-step` value.
    pub fn plan(&self, random: f64) -> Vec<&Target> {
        let primary = weighted::pick(&self.targets, |t| t.weight, random).and_then(|i| self.targets.get(i));
        let mut plan: Vec<&Target> = primary.into_iter().collect();
        plan.extend(self.fallbacks.iter().filter(|f| primary.is_none_or(|p| !f.same_as(p))));
        plan
    }
}

/// Every configured route, parsed once per isolate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Routes(HashMap<String, Route>);

impl Routes {
    /// Parses the `ROUTES` variable; unset or blank means no routes.
    ///
    /// Errors (500, `gateway_misconfigured`), naming the route and field: not a JSON object, a
    /// bad route name, no `targets`, an unknown provider (listing the valid ones), an empty
    /// `model`, a weight outside 1–10000, a `key` that is not a secret name, an unknown field, a
    /// `config` out of bounds, a `plugins` entry that is unknown or badly configured.
    pub fn from_var(raw: Option<&str>) -> Result<Routes, GatewayError> {
        let Some(value) = parse_var("ROUTES", raw)? else { return Ok(Routes::default()) };
        let serde_json::Value::Object(map) = value else {
            return Err(misconfigured("ROUTES must be a JSON object from route name to route".to_string()));
        };
        let mut routes = HashMap::new();
        for (name, value) in &map {
            let path = format!("ROUTES[\"{name}\"]");
            let valid = !name.is_empty()
                && name.len() <= 64
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !valid {
                return Err(misconfigured(format!(
                    "{path}: a route name may hold only letters, digits, '.', '_', '-'"
                )));
            }
            let route = object(value, &path, &["targets", "fallbacks", "config", "plugins"])?;
            let targets = targets(route.get("targets"), &format!("{path}.targets"), true)?;
            if targets.is_empty() {
                return Err(misconfigured(format!("{path}.targets must list at least one target")));
            }
            let fallbacks = targets_or_empty(route.get("fallbacks"), &format!("{path}.fallbacks"))?;
            let retry = match route.get("config") {
                None => RetryOverrides::default(),
                Some(config) => RetryOverrides::from_json(config, &format!("{path}.config")).map_err(misconfigured)?,
            };
            let plugins = match route.get("plugins") {
                None => Vec::new(),
                Some(list) => read_settings_at(list, &format!("{path}.plugins"), ErrorKind::Misconfigured)?,
            };
            routes.insert(name.clone(), Route { name: name.clone(), targets, fallbacks, retry, plugins });
        }
        Ok(Routes(routes))
    }

    /// The route a compat-endpoint `model` names, as `{name}` or `dynamic/{name}`; `None` when
    /// it names no route (then it is a `{provider}/{model}` as usual).
    pub fn get(&self, model: &str) -> Option<&Route> {
        self.0.get(model.strip_prefix("dynamic/").unwrap_or(model))
    }

    /// Whether any route names a stored key (which needs `GATEWAY_TOKEN`).
    pub fn uses_stored_keys(&self) -> bool {
        self.0.values().flat_map(|r| r.targets.iter().chain(&r.fallbacks)).any(|t| t.key.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn targets_or_empty(value: Option<&serde_json::Value>, path: &str) -> Result<Vec<Target>, GatewayError> {
    match value {
        None => Ok(Vec::new()),
        some => targets(some, path, false),
    }
}

fn targets(value: Option<&serde_json::Value>, path: &str, weighted: bool) -> Result<Vec<Target>, GatewayError> {
    let Some(serde_json::Value::Array(items)) = value else {
        return Err(misconfigured(format!("{path} must be a JSON array")));
    };
    let allowed: &[&str] =
        if weighted { &["provider", "model", "key", "weight"] } else { &["provider", "model", "key"] };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let path = format!("{path}[{i}]");
            let map = object(item, &path, allowed)?;
            let slug = text(map, "provider", &path)?;
            let provider = provider::find(&slug).ok_or_else(|| {
                misconfigured(format!(
                    "{path}.provider is unknown provider \"{slug}\"; valid providers: {}",
                    provider::ids()
                ))
            })?;
            let model = text(map, "model", &path)?;
            let key = map.get("key").map(|k| secret_name(k, &format!("{path}.key"))).transpose()?;
            let weight = if weighted { weight(map, &path)? } else { 1 };
            Ok(Target { provider, model, key, weight })
        })
        .collect()
}

#[cfg(test)]
#[path = "routes_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "routes_props.rs"]
mod props;
