//! The plugins the gateway can build, by name, each from its typed configuration.
//!
//! A plugin is enabled for every request by `PLUGINS` (names, comma-separated) with
//! `PLUGIN_CONFIG` (a JSON object from name to configuration), or for one gateway or virtual key
//! by the `plugins` field of its record: `[{"name": "prompt-firewall", "config": {…}}]`. A
//! configuration is checked when it is set: a bad one fails start-up (500 naming the plugin and
//! the field) or the admin call (400 naming them).
//!
//! To add a plugin: one file in this folder (or, for one that needs the runtime, in the Worker's
//! `src/plugins/`), one line in [`BUILT_IN`] (or the Worker's registry).

use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ErrorKind, GatewayError};
use crate::plugin::Plugin;

/// How to build a plugin from its configuration (`null` when none was given). The error says
/// what is wrong, naming the field; the registry adds the plugin's name.
pub type Build = fn(&Value) -> Result<Rc<dyn Plugin>, String>;

/// A plugin the gateway can build.
#[derive(Clone, Copy)]
pub struct PluginSpec {
    pub name: &'static str,
    pub build: Build,
}

/// The plugins of the core, in the order they run.
pub const BUILT_IN: &[PluginSpec] = &[
    PluginSpec { name: "model-policy", build: super::model_policy::build },
    PluginSpec { name: "prompt-firewall", build: super::firewall::build },
    PluginSpec { name: "moderation", build: super::moderation::build },
    PluginSpec { name: "pii-redaction", build: super::pii::build },
    PluginSpec { name: "response-guard", build: super::response_guard::build },
    PluginSpec { name: "rewrite", build: super::rewrite::build },
];

/// One plugin enabled on a gateway or a key, with its configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginSetting {
    pub name: String,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub config: Value,
}

/// A plugin's typed configuration: `null` gives its default; an unknown field or a wrong type is
/// an error naming the field (serde's message).
pub fn config<T: DeserializeOwned + Default>(value: &Value) -> Result<T, String> {
    if value.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(value.clone()).map_err(|e| e.to_string())
}

fn find<'r>(registry: &'r [PluginSpec], name: &str) -> Option<&'r PluginSpec> {
    registry.iter().find(|spec| spec.name == name)
}

/// Builds `setting` from `registry`.
///
/// Errors: an unknown name (listing the known ones) or a bad configuration, as `kind` (500 at
/// start-up, 400 in an admin call), naming the plugin.
pub fn build(
    registry: &[PluginSpec],
    setting: &PluginSetting,
    kind: ErrorKind,
) -> Result<Rc<dyn Plugin>, GatewayError> {
    let spec = find(registry, &setting.name).ok_or_else(|| {
        let known: Vec<&str> = registry.iter().map(|s| s.name).collect();
        GatewayError::new(kind, format!("unknown plugin {:?}; known plugins: {}", setting.name, known.join(", ")))
    })?;
    (spec.build)(&setting.config)
        .map_err(|e| GatewayError::new(kind, format!("plugin {:?} has a bad configuration: {e}", setting.name)))
}

/// The plugins of `PLUGINS` and `PLUGIN_CONFIG`, in registry order.
///
/// Errors (500): an unknown name, `PLUGIN_CONFIG` not a JSON object or configuring a plugin
/// `PLUGINS` does not enable, a bad configuration (naming plugin and field).
pub fn from_vars(
    registry: &[PluginSpec],
    names: Option<&str>,
    configs: Option<&str>,
) -> Result<Vec<Rc<dyn Plugin>>, GatewayError> {
    let misconfigured = |m: String| GatewayError::new(ErrorKind::Misconfigured, m);
    let wanted: Vec<&str> = names.unwrap_or_default().split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
    let configs: serde_json::Map<String, Value> = match configs.map(str::trim).filter(|c| !c.is_empty()) {
        None => serde_json::Map::new(),
        Some(raw) => serde_json::from_str(raw).map_err(|e| {
            misconfigured(format!("PLUGIN_CONFIG must be a JSON object from plugin name to configuration: {e}"))
        })?,
    };
    if let Some(stray) = configs.keys().find(|name| !wanted.contains(&name.as_str())) {
        return Err(misconfigured(format!("PLUGIN_CONFIG configures {stray:?}, which PLUGINS does not enable")));
    }
    if let Some(unknown) = wanted.iter().find(|n| find(registry, n).is_none()) {
        let known: Vec<&str> = registry.iter().map(|s| s.name).collect();
        return Err(misconfigured(format!(
            "PLUGINS names unknown plugin {unknown:?}; known plugins: {}",
            known.join(", ")
        )));
    }
    registry
        .iter()
        .filter(|spec| wanted.contains(&spec.name))
        .map(|spec| {
            let setting = PluginSetting {
                name: spec.name.to_string(),
                config: configs.get(spec.name).cloned().unwrap_or(Value::Null),
            };
            build(registry, &setting, ErrorKind::Misconfigured)
        })
        .collect()
}

/// Reads an admin body's `plugins` field: a list of `{"name", "config"}`, each built once to
/// check it against the core's plugins.
///
/// Errors (400): not such a list, an unknown plugin, a bad configuration (naming plugin and field).
pub fn read_settings(value: &Value) -> Result<Vec<PluginSetting>, GatewayError> {
    read_settings_at(value, "field `plugins`", ErrorKind::InvalidRequest)
}

/// Reads a list of plugin settings found at `place` (e.g. ``ROUTES["chat"].plugins``), each built
/// once to check it against the core's plugins.
///
/// Errors, as `kind` (400 for an admin body, 500 for a variable read at start-up): not a list of
/// `{"name", "config"}`, more than 16, an unknown plugin, a bad configuration; the message names
/// `place` and the plugin.
pub fn read_settings_at(value: &Value, place: &str, kind: ErrorKind) -> Result<Vec<PluginSetting>, GatewayError> {
    let settings: Vec<PluginSetting> = serde_json::from_value(value.clone()).map_err(|e| {
        GatewayError::new(kind, format!("{place} must be a list of {{\"name\", \"config\"}} objects: {e}"))
    })?;
    if settings.len() > 16 {
        return Err(GatewayError::new(kind, format!("{place} must list at most 16 plugins")));
    }
    for setting in &settings {
        build(BUILT_IN, setting, kind).map_err(|e| GatewayError::new(kind, format!("{place}: {}", e.message())))?;
    }
    Ok(settings)
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
