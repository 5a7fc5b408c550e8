//! The plugin registry: every plugin the gateway can run, in the order it runs them.
//!
//! To add a plugin: write it in `src/plugins/<name>.rs` (or in the core crate if it needs no
//! runtime), add one line to [`REGISTRY`], and enable it by name in the `PLUGINS` variable
//! (comma-separated). Plugins run in registry order, not in the order `PLUGINS` lists them.

mod access_log;

use gateway_core::{ErrorKind, GatewayError, Plugin};

type Constructor = fn() -> Box<dyn Plugin>;

/// Every known plugin: its name and how to build it.
const REGISTRY: &[(&str, Constructor)] = &[("access-log", || Box::new(access_log::AccessLog))];

/// Builds the plugins named in `PLUGINS` (comma-separated, blanks ignored).
///
/// Errors: a name not in the registry is a 500 `gateway_misconfigured` on every request, so that
/// a typo is noticed rather than silently running without the plugin.
pub fn enabled(names: Option<&str>) -> Result<Vec<Box<dyn Plugin>>, GatewayError> {
    let wanted: Vec<&str> = names.unwrap_or_default().split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
    if let Some(unknown) = wanted.iter().find(|n| !REGISTRY.iter().any(|(name, _)| name == *n)) {
        let known: Vec<&str> = REGISTRY.iter().map(|(name, _)| *name).collect();
        return Err(GatewayError::new(
            ErrorKind::Misconfigured,
            format!("PLUGINS names unknown plugin \"{unknown}\"; known plugins: {}", known.join(", ")),
        ));
    }
    Ok(REGISTRY.iter().filter(|(name, _)| wanted.contains(name)).map(|(_, build)| build()).collect())
}
