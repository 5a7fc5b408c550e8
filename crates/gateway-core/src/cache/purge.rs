//! The admin's purge requests: which KV keys to delete, and deleting them.
//!
//! Body of a purge request for one gateway (exactly one field):
//! - `{"key": "..."}`: a KV key of this gateway (`v1/{gateway}/...`, as listed), or a custom key
//!   as clients send it in `cf-aig-cache-key`: every entry of that custom key, at every scope and
//!   endpoint (they share the folder [`custom_key_prefix`]). A string of the KV-key form is taken
//!   as both, so there is no guessing which was meant;
//! - `{"log_id": "..."}`: the entry produced by that logged request. [`super::store::store`] writes,
//!   next to each entry with a log id, the index `v1/{gateway}/log/{log_id}` whose value is the
//!   entry's KV key (same TTL); purge reads it, deletes the entry and the index;
//! - `{"all": true}`: every key under `v1/{gateway}/` (entries and log index).
//!
//! A purge only ever deletes keys under its own gateway's prefix. KV is eventually consistent:
//! other locations may serve a purged entry for up to a minute (KV's cache of reads).

use serde_json::Value;

use crate::error::GatewayError;

use super::key::{custom_key_prefix, gateway_prefix, log_index_key, CacheKey};
use super::store::CacheStore;

/// What one purge request deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurgePlan {
    /// A `key`: the KV key it is (when it is one of this gateway's), then every key under the
    /// folder of the custom key it also is.
    Key {
        /// The string itself, when it is a KV key of this gateway.
        kv_key: Option<String>,
        /// `v1/{gateway}/key/{hash of the string}/`.
        custom_prefix: String,
    },
    /// The entry named by this log index key, and the index key itself.
    LogIndex {
        /// `v1/{gateway}/log/{log_id}`.
        index_key: String,
    },
    /// Every key with this prefix.
    Prefix(String),
}

/// The result of [`run_purge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeResult {
    /// Delete calls made (a key that was already gone counts too).
    pub deleted: usize,
    /// The deletion limit was reached before the prefix was exhausted: send the request again.
    pub more: bool,
}

/// Parses the body of a purge request for `gateway_id`.
///
/// Errors (400): a body that is not a JSON object, that has no field or more than one of `key`,
/// `log_id`, `all`, an unknown field, an empty or non-string `key`/`log_id`, `all` other than `true`.
pub fn parse_purge(gateway_id: &str, body: &[u8]) -> Result<PurgePlan, GatewayError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| GatewayError::invalid(format!("purge body must be a JSON object: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(GatewayError::invalid(
            "purge body must be a JSON object with one of \"key\", \"log_id\" or \"all\"",
        ));
    };
    if let Some(unknown) = fields.keys().find(|k| !matches!(k.as_str(), "key" | "log_id" | "all")) {
        return Err(GatewayError::invalid(format!(
            "purge body has unknown field \"{unknown}\"; expected one of \"key\", \"log_id\" or \"all\""
        )));
    }
    if fields.len() != 1 {
        return Err(GatewayError::invalid("purge body must have exactly one of \"key\", \"log_id\" or \"all\""));
    }
    let text = |name: &str| match fields.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(GatewayError::invalid(format!("purge field \"{name}\" must be a non-empty string"))),
    };
    if fields.contains_key("key") {
        let key = text("key")?;
        let custom_prefix = custom_key_prefix(gateway_id, &key);
        let kv_key = CacheKey::from_kv_key(gateway_id, &key).is_some().then_some(key);
        Ok(PurgePlan::Key { kv_key, custom_prefix })
    } else if fields.contains_key("log_id") {
        Ok(PurgePlan::LogIndex { index_key: log_index_key(gateway_id, &text("log_id")?) })
    } else if fields.get("all") == Some(&Value::Bool(true)) {
        Ok(PurgePlan::Prefix(gateway_prefix(gateway_id)))
    } else {
        Err(GatewayError::invalid("purge field \"all\" must be true"))
    }
}

/// Carries out a plan against the store, making at most `max_deletes` delete calls (Workers limit
/// the KV operations of one invocation; 900 leaves room for the list calls).
///
/// For a log id, the index value is deleted only if it is a KV key of the gateway the index key
/// belongs to, so a corrupt index cannot delete anything else. Errors: the store's, as they come
/// (an admin call, unlike a request, should report a failing store).
pub async fn run_purge(
    store: &dyn CacheStore,
    gateway_id: &str,
    plan: &PurgePlan,
    max_deletes: usize,
) -> Result<PurgeResult, GatewayError> {
    let mut result = PurgeResult { deleted: 0, more: false };
    match plan {
        PurgePlan::Key { kv_key, custom_prefix } => {
            if let Some(key) = kv_key.as_ref().filter(|_| max_deletes > 0) {
                store.delete(key).await?;
                result.deleted += 1;
            }
            delete_prefix(store, custom_prefix, max_deletes, &mut result).await?;
        }
        PurgePlan::LogIndex { index_key } => {
            let target = store.get(index_key).await?;
            let target = target.and_then(|v| String::from_utf8(v).ok());
            let targets = target.filter(|k| CacheKey::from_kv_key(gateway_id, k).is_some()).into_iter();
            for key in targets.chain(std::iter::once(index_key.clone())).take(max_deletes) {
                store.delete(&key).await?;
                result.deleted += 1;
            }
        }
        PurgePlan::Prefix(prefix) => delete_prefix(store, prefix, max_deletes, &mut result).await?,
    }
    Ok(result)
}

/// Deletes every key under `prefix` until `result.deleted` reaches `max_deletes` (then sets
/// `result.more` when keys remain).
async fn delete_prefix(
    store: &dyn CacheStore,
    prefix: &str,
    max_deletes: usize,
    result: &mut PurgeResult,
) -> Result<(), GatewayError> {
    let mut cursor = None;
    loop {
        let (keys, next) = store.list(prefix, cursor).await?;
        for key in keys {
            if result.deleted >= max_deletes {
                result.more = true;
                return Ok(());
            }
            store.delete(&key).await?;
            result.deleted += 1;
        }
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
}

#[cfg(test)]
#[path = "purge_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "purge_props.rs"]
mod props;
