//! Which plugins run on a request: the deployment's (`PLUGINS`), then its gateway's, then its
//! named route's (`ROUTES`), then its virtual key's (their `plugins` fields), built once per
//! version of those records and kept for the isolate's life: a record's `updated_at` changes with
//! every change to it, so a changed setting is built anew (routes change only with the
//! deployment).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::error::{ErrorKind, GatewayError};
use crate::plugin::registry::{build, PluginSetting, BUILT_IN};
use crate::plugin::{Plugin, PluginList};
use crate::resilience::routes::Route;

use super::access::Access;

/// The most plugin sets an isolate keeps built; past it, the oldest half is dropped.
const MAX_SETS: usize = 256;

/// The plugin sets built so far, by their settings.
#[derive(Default)]
pub(crate) struct PluginSets(RefCell<HashMap<String, PluginList>>);

impl PluginSets {
    /// The plugins of a request with `access` naming `route` (a compat request whose `model` is a
    /// named route): `deployment`'s, then the gateway's, the route's and the key's; `deployment`
    /// itself when none adds any.
    ///
    /// Errors (500): a stored setting that no longer builds (the admin API checked it when it
    /// was set, so only a plugin removed from the registry since).
    pub fn for_request(
        &self,
        deployment: &PluginList,
        access: &Access,
        route: Option<&Route>,
    ) -> Result<PluginList, GatewayError> {
        let gateway = access.gateway.as_deref().map(|g| &g.plugins[..]).unwrap_or_default();
        let route = route.filter(|r| !r.plugins.is_empty());
        let routed = route.map(|r| &r.plugins[..]).unwrap_or_default();
        let key = access.key.as_deref().map(|k| &k.plugins[..]).unwrap_or_default();
        if gateway.is_empty() && routed.is_empty() && key.is_empty() {
            return Ok(Rc::clone(deployment));
        }
        // Which versions of the records the set is built from (cheaper than their settings).
        let version = |id: &str, created: i64, updated: i64| format!("{id}@{created}.{updated}");
        let id = format!(
            "{}/{}/{}",
            access.gateway.as_deref().map(|g| version(&g.id, g.created_at, g.updated_at)).unwrap_or_default(),
            route.map(|r| r.name.as_str()).unwrap_or_default(),
            access.key.as_deref().map(|k| version(&k.id, k.created_at, k.updated_at)).unwrap_or_default()
        );
        if let Some(set) = self.0.borrow().get(&id) {
            return Ok(Rc::clone(set));
        }
        let added: Vec<Rc<dyn Plugin>> = gateway
            .iter()
            .chain(routed)
            .chain(key)
            .map(|setting: &PluginSetting| build(BUILT_IN, setting, ErrorKind::Misconfigured))
            .collect::<Result<_, _>>()?;
        let set: PluginList = deployment.iter().cloned().chain(added).collect();
        let mut sets = self.0.borrow_mut();
        if sets.len() >= MAX_SETS {
            let drop: Vec<String> = sets.keys().take(MAX_SETS / 2).cloned().collect();
            drop.iter().for_each(|k| {
                sets.remove(k);
            });
        }
        sets.insert(id, Rc::clone(&set));
        Ok(set)
    }
}
