//! Who is asking, and what their gateway allows: the control plane's part of a request.
//!
//! Runs first, before the log starts (a gateway's or virtual key's settings decide whether the
//! request is logged): [`look_up`] reads the gateway's stored settings (when `STORED_GATEWAYS`)
//! and verifies the virtual key the request presents, each through the isolate's memory
//! ([`ControlMemory`]); [`Lookup::authorize`] then decides who the caller is. A request that
//! presents no virtual key on a deployment without `STORED_GATEWAYS` touches no store at all.

use std::rc::Rc;

use crate::config::GatewayConfig;
use crate::control::credential::find_virtual_key;
use crate::control::gateway_lookup::{lookup_gateway, GatewayCache};
use crate::control::gateways::GatewaySettings;
use crate::control::keys::{missing_key, VirtualKey};
use crate::control::overrides::Overrides;
use crate::control::resolve::{resolve, Effective};
use crate::control::scope::check_gateway;
use crate::control::store::ControlStore;
use crate::control::verify::{verify_key, KeyCache};
use crate::error::{ErrorKind, GatewayError};
use crate::headers::Headers;
use crate::keys::{self, Caller};

/// What an isolate remembers of the control plane: keys for 5 s, gateways for 10 s (see
/// [`crate::control::fresh`]). One per [`super::Pipeline`].
#[derive(Debug, Default)]
pub struct ControlMemory {
    keys: KeyCache,
    gateways: GatewayCache,
}

/// What [`look_up`] found; each part may have failed on its own.
pub(crate) struct Lookup {
    gateway: Result<Option<Rc<GatewaySettings>>, GatewayError>,
    key: Result<Option<(Rc<VirtualKey>, &'static str)>, GatewayError>,
}

/// Who the caller is and what applies to the request.
#[derive(Debug)]
pub(crate) struct Access {
    pub caller: Caller,
    /// The verified virtual key, when the request presented one.
    pub key: Option<Rc<VirtualKey>>,
    /// The gateway's stored settings, when it has some and `STORED_GATEWAYS` is on.
    pub gateway: Option<Rc<GatewaySettings>>,
}

/// What a lookup needs from the request and the runtime.
pub(crate) struct LookupInput<'a> {
    pub config: &'a GatewayConfig,
    pub memory: &'a ControlMemory,
    pub store: Option<&'a dyn ControlStore>,
    pub gateway_id: &'a str,
    pub headers: &'a Headers,
    /// The provider's own key header (`xi-api-key`), also searched for a virtual key.
    pub provider_header: &'static str,
    pub now_ms: i64,
}

/// Reads the gateway's settings and verifies the presented virtual key. Makes no store call
/// while the isolate's answers are fresh, and none at all when the request presents no virtual
/// key and `STORED_GATEWAYS` is off.
pub(crate) async fn look_up(input: LookupInput<'_>) -> Lookup {
    let LookupInput { config, memory, store, gateway_id, headers, provider_header, now_ms } = input;
    let settings = &config.control;
    let gateway = match (settings.stored_gateways, store) {
        (false, _) => Ok(None),
        (true, None) => Err(missing_binding("STORED_GATEWAYS")),
        (true, Some(store)) => lookup_gateway(store, &memory.gateways, gateway_id, settings.strict, now_ms).await,
    };
    let key = match find_virtual_key(headers, provider_header) {
        Err(err) => Err(err),
        Ok(None) => Ok(None),
        Ok(Some(presented)) => match (settings.pepper(), store) {
            (None, _) => Err(GatewayError::new(
                ErrorKind::Unauthorized,
                "the virtual key is not valid: this gateway has no virtual keys (VIRTUAL_KEY_PEPPER is not set)",
            )),
            (Some(_), None) => Err(missing_binding("virtual keys")),
            (Some(pepper), Some(store)) => verify_key(store, &memory.keys, &presented.secret, pepper, now_ms)
                .await
                .map(|key| Some((key, presented.header))),
        },
    };
    Lookup { gateway, key }
}

fn missing_binding(what: &str) -> GatewayError {
    GatewayError::new(
        ErrorKind::Misconfigured,
        format!("{what} needs the CONTROL Durable Object binding (see wrangler.toml)"),
    )
}

impl Lookup {
    /// The request's defaults below its own headers: virtual key > gateway > Worker variables,
    /// from whatever was found (a failed lookup adds nothing).
    pub fn effective(&self, config: &GatewayConfig) -> Effective {
        let key = self.key.as_ref().ok().and_then(Option::as_ref).map(|(key, _)| &key.defaults);
        let gateway = self.gateway.as_ref().ok().and_then(Option::as_ref).map(|g| &g.defaults);
        resolve(&Overrides::default(), key, gateway, &Effective::from_config(config))
    }

    /// Whether what was found limits the request: the key's or the gateway's `limits`.
    pub fn is_limited(&self) -> bool {
        let key = self.key.as_ref().ok().and_then(Option::as_ref).is_some_and(|(key, _)| !key.limits.is_empty());
        let gateway = self.gateway.as_ref().ok().and_then(Option::as_ref).is_some_and(|g| !g.limits.is_empty());
        key || gateway
    }

    /// Who the caller is: the verified virtual key (which must be allowed on `gateway_id`), else
    /// the gateway token, else nobody (allowed only on a gateway that does not require
    /// authentication).
    ///
    /// Errors: the lookups' own (404 `GATEWAYS_STRICT`, 401 for a bad virtual key, 400 for two,
    /// 500 for a store that could not be read); 401 without the required gateway token or
    /// virtual key; 403 naming the key's `gateways` rule.
    pub fn authorize(self, headers: &Headers, gateway_id: &str, token: Option<&str>) -> Result<Access, GatewayError> {
        let gateway = self.gateway?;
        let (caller, key) = match self.key? {
            Some((key, header)) => {
                check_gateway(&key, gateway_id)?;
                (Caller::VirtualKey { header }, Some(key))
            }
            None => {
                let caller = keys::authenticate(headers, token)?;
                if caller == Caller::Anonymous && gateway.as_ref().is_some_and(|g| g.authentication) {
                    return Err(missing_key());
                }
                (caller, None)
            }
        };
        Ok(Access { caller, key, gateway })
    }
}

#[cfg(test)]
#[path = "access_tests.rs"]
mod tests;
