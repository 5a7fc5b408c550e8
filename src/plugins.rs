//! The plugin registry of the Worker: the core's built-ins (`gateway_core::plugin::registry`)
//! and the plugins that need the runtime, in the order they run.
//!
//! To add a plugin that needs the runtime: write it in `src/plugins/<name>.rs`, add one line to
//! [`RUNTIME`], and enable it by name in the `PLUGINS` variable (comma-separated), with its
//! configuration in `PLUGIN_CONFIG` (`{"name": {…}}`). A plugin that needs no runtime belongs in
//! the core (`crates/gateway-core/src/plugin/`), where gateways and keys can enable it too.

mod access_log;

use std::rc::Rc;

use gateway_core::plugin::registry::{from_vars, PluginSpec, BUILT_IN};
use gateway_core::{GatewayError, Plugin};

/// The plugins that need the runtime (the console, bindings), after the core's.
const RUNTIME: &[PluginSpec] = &[PluginSpec {
    name: "access-log",
    build: |config| {
        if config.is_null() {
            Ok(Rc::new(access_log::AccessLog))
        } else {
            Err("it takes no configuration".into())
        }
    },
}];

/// Builds the plugins named in `PLUGINS` with their `PLUGIN_CONFIG`.
///
/// Errors: an unknown name or a bad configuration is a 500 `gateway_misconfigured` on every
/// request, naming the plugin and the field, so that a typo is noticed rather than silently
/// running without the plugin.
pub fn enabled(names: Option<&str>, configs: Option<&str>) -> Result<Vec<Rc<dyn Plugin>>, GatewayError> {
    let registry: Vec<PluginSpec> = BUILT_IN.iter().chain(RUNTIME).copied().collect();
    from_vars(&registry, names, configs)
}
