//! What plugins may reach of the gateway, through [`crate::plugin::RequestContext::services`]:
//! an HTTP client for JSON calls (an external check), the Worker's secrets, and the provider
//! table as this deployment configured it. Never the Worker's `env` directly, so that plugins
//! test natively with a fake [`PluginHttp`].

use std::rc::Rc;

use async_trait::async_trait;
use serde_json::Value;

use crate::config::GatewayConfig;
use crate::error::GatewayError;
use crate::headers::Headers;
use crate::route::ProviderRoute;

/// The runtime's side: JSON over HTTP, and secrets by name.
#[async_trait(?Send)]
pub trait PluginHttp {
    /// POSTs `body` to `url` with `headers`; the status and the JSON answer, within
    /// `timeout_ms`.
    ///
    /// Errors: 504 when no answer came in time, 502 when the host could not be reached or the
    /// answer is not JSON.
    async fn post_json(
        &self,
        url: &str,
        headers: &Headers,
        body: &Value,
        timeout_ms: u64,
    ) -> Result<(u16, Value), GatewayError>;

    /// The Worker secret `name`, `None` when unset.
    fn secret(&self, name: &str) -> Option<String>;
}

/// The services of one request; each `None` when the runtime has none to give.
#[derive(Clone, Default)]
pub struct PluginServices {
    pub http: Option<Rc<dyn PluginHttp>>,
    pub config: Option<Rc<GatewayConfig>>,
}

impl std::fmt::Debug for PluginServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginServices")
            .field("http", &self.http.is_some())
            .field("config", &self.config.is_some())
            .finish()
    }
}

impl PluginServices {
    /// The URL of `path` at provider `provider` as this deployment reaches it (its
    /// `UPSTREAM_OVERRIDES` included); `None` for an unknown provider or one whose URL needs
    /// path parameters.
    pub fn provider_url(&self, provider: &str, path: &str) -> Option<String> {
        let config = self.config.as_deref()?;
        let provider = crate::provider::find(provider)?;
        ProviderRoute { account_id: "", gateway_id: "", provider, rest: path }.upstream_url(config, None).ok()
    }
}
