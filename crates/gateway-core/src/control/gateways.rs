//! Gateways as data: the settings one gateway id carries, and the strict parsing of the admin
//! bodies that create and change them.
//!
//! Admin body fields (`POST /api/gateways`, `PATCH /api/gateways/{id}`): `id` (creation only,
//! 1 to 64 of `[A-Za-z0-9_-]`, the router's rule), `authentication` (requests need a virtual key
//! or the gateway token), `byok_only` (requests may not bring their own provider key),
//! `plugins` (`[{"name", "config"}]`, see [`crate::plugin::registry`]), `limits` (see [`crate::limits::definition`]; `null` clears them), `semantic_cache` (see
//! [`crate::cache::semantic::settings`]; `null` clears it), `provider_keys` (an object from provider id to the name of the Worker secret this gateway
//! spends for it, e.g. `{"openai": "OPENAI_KEY_TEAM_A"}`; `null` clears it), and the defaults of
//! [`super::overrides`]. The record is stored as one JSON column, so the limits and
//! plugins of later issues are new fields, not a schema change; until then they are refused as
//! unknown.
//!
//! A gateway id that was never created behaves as today, with the Worker variables' defaults,
//! unless `GATEWAYS_STRICT=true` ([`unknown_gateway`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cache::semantic::SemanticSettings;
use crate::error::{ErrorKind, GatewayError};
use crate::limits::definition::Limits;
use crate::plugin::registry::{read_settings, PluginSetting};
use crate::resilience::config_json::is_secret_name;
use crate::route::is_id;

use super::body::{field_error, Body};
use super::overrides::{self, Overrides};

const OWN_FIELDS: &[&str] =
    &["id", "authentication", "byok_only", "provider_keys", "limits", "plugins", "semantic_cache"];

/// One gateway's stored settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GatewaySettings {
    /// The `{gateway_id}` of request URLs.
    pub id: String,
    /// Request defaults, under the request's headers and the virtual key's.
    pub defaults: Overrides,
    /// Whether a request must carry a virtual key (or the gateway token).
    pub authentication: bool,
    /// Whether a request carrying its own provider key is refused, so that only stored keys are
    /// spent.
    pub byok_only: bool,
    /// The stored key (a Worker secret's name) this gateway spends per provider id, ahead of
    /// `KEY_POOLS` and the `{PROVIDER}_API_KEY` convention (see [`crate::keys::choose_key`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub provider_keys: BTreeMap<String, String>,
    /// Request, token and dollar limits of the whole gateway ([`crate::limits`]).
    #[serde(default, skip_serializing_if = "Limits::is_unset")]
    pub limits: Limits,
    /// Plugins run on this gateway's requests, after the deployment's (`PLUGINS`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plugins: Vec<PluginSetting>,
    /// The semantic cache for the gateway's requests ([`crate::cache::semantic`]); `None`: only
    /// for requests that ask with `cf-aig-cache-semantic: true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantic_cache: Option<SemanticSettings>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The admin body fields of a gateway (`id` is taken on creation only).
pub fn fields() -> Vec<&'static str> {
    OWN_FIELDS.iter().chain(overrides::FIELDS).copied().collect()
}

impl GatewaySettings {
    /// Builds a gateway from a `POST /api/gateways` body.
    ///
    /// Errors (400) naming the field: a missing or invalid `id`, an unknown field, a value of the
    /// wrong type or out of range.
    pub fn create(body: &[u8], now_ms: i64) -> Result<GatewaySettings, GatewayError> {
        let allowed = fields();
        let body = Body::parse(body, &allowed)?;
        let id = body.string("id", 64)?;
        if !is_id(&id) {
            return Err(field_error("id", "1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`"));
        }
        let blank = GatewaySettings {
            id,
            defaults: Overrides::default(),
            authentication: false,
            byok_only: false,
            provider_keys: BTreeMap::new(),
            limits: Limits::default(),
            plugins: Vec::new(),
            semantic_cache: None,
            created_at: now_ms,
            updated_at: now_ms,
        };
        blank.apply(&body, now_ms)
    }

    /// The gateway after a `PATCH /api/gateways/{id}` body: absent fields keep their value.
    ///
    /// Errors (400) as [`GatewaySettings::create`]; `id` cannot be changed.
    pub fn update(&self, body: &[u8], now_ms: i64) -> Result<GatewaySettings, GatewayError> {
        let allowed: Vec<&str> = fields().into_iter().filter(|f| *f != "id").collect();
        self.apply(&Body::parse(body, &allowed)?, now_ms)
    }

    fn apply(&self, body: &Body, now_ms: i64) -> Result<GatewaySettings, GatewayError> {
        let mut out = self.clone();
        let flag = |name: &str| -> Result<Option<bool>, GatewayError> {
            match body.value(name) {
                Some(serde_json::Value::Null) => Err(field_error(name, "true or false")),
                _ => body.opt_bool(name),
            }
        };
        if let Some(on) = flag("authentication")? {
            out.authentication = on;
        }
        if let Some(on) = flag("byok_only")? {
            out.byok_only = on;
        }
        match body.value("provider_keys") {
            None => {}
            Some(Value::Null) => out.provider_keys.clear(),
            Some(value) => out.provider_keys = read_provider_keys(value)?,
        }
        out.limits = Limits::read_field(body.value("limits"), &out.limits, true)?;
        match body.value("plugins") {
            None => {}
            Some(Value::Null) => out.plugins.clear(),
            Some(value) => out.plugins = read_settings(value)?,
        }
        out.semantic_cache = SemanticSettings::read_field(body.value("semantic_cache"), out.semantic_cache)?;
        out.defaults = Overrides::read(body, out.defaults)?;
        out.updated_at = now_ms;
        Ok(out)
    }

    /// Refuses a request that brought its own provider key to a `byok_only` gateway. Run once
    /// the credentials of the request are sorted into virtual key and provider key.
    ///
    /// Errors: 403 naming the `byok_only` rule.
    pub fn check_byok(&self, request_has_provider_key: bool) -> Result<(), GatewayError> {
        if self.byok_only && request_has_provider_key {
            return Err(GatewayError::new(
                ErrorKind::Forbidden,
                format!(
                    "gateway {:?} accepts only its stored provider keys (`byok_only`): remove the provider key \
                     from the request",
                    self.id
                ),
            ));
        }
        Ok(())
    }
}

/// Most providers one gateway may name a stored key for.
const MAX_PROVIDER_KEYS: usize = 64;

fn read_provider_keys(value: &Value) -> Result<BTreeMap<String, String>, GatewayError> {
    let rule = "an object from provider id to the name of a Worker secret";
    let Value::Object(map) = value else { return Err(field_error("provider_keys", rule)) };
    if map.len() > MAX_PROVIDER_KEYS {
        return Err(field_error("provider_keys", &format!("{rule}, at most {MAX_PROVIDER_KEYS} entries")));
    }
    map.iter()
        .map(|(provider, secret)| {
            let field = format!("provider_keys.{provider}");
            if crate::provider::find(provider).is_none() {
                return Err(field_error(&field, "a provider id of the provider table"));
            }
            // The value is not echoed: it may be a key pasted where a secret name belongs.
            let name = secret.as_str().filter(|s| is_secret_name(s)).ok_or_else(|| {
                field_error(&field, "the name of a Worker secret (letters, digits and _), not the key itself")
            })?;
            Ok((provider.clone(), name.to_string()))
        })
        .collect()
}

/// The 404 of `GATEWAYS_STRICT=true` for a gateway id that was never created.
pub fn unknown_gateway(id: &str) -> GatewayError {
    GatewayError::not_found(format!("gateway {id:?} does not exist (GATEWAYS_STRICT is on)"))
}

#[cfg(test)]
#[path = "gateways_tests.rs"]
mod tests;
