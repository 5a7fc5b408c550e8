//! The admin's purge requests: which KV keys to delete, and deleting them.
//!
//! Body of a purge request for one gateway (exactly one field):
//! - `{"key": "..."}`: a KV key of this gateway (`v1/{gateway}/{64 hex}`, as listed), or a custom
//!   key as clients send it in `cf-aig-cache-key`. A string of the KV-key form is taken as both,
//!   so there is no guessing which was meant;
//! - `{"log_id": "..."}`: the entry produced by that logged request. [`super::store::store`] writes,
//!   next to each entry with a log id, the index `v1/{gateway}/log/{log_id}` whose value is the
//!   entry's KV key (same TTL); purge reads it, deletes the entry and the index;
//! - `{"all": true}`: every key under `v1/{gateway}/` (entries and log index).
//!
//! A purge only ever deletes keys under its own gateway's prefix. KV is eventually consistent:
//! other locations may serve a purged entry for up to a minute (KV's cache of reads).

use serde_json::Value;

use crate::error::GatewayError;

use super::key::{gateway_prefix, log_index_key, CacheKey};
use super::store::CacheStore;

/// What one purge request deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurgePlan {
    /// These KV keys.
    Keys(Vec<String>),
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
        let mut keys = vec![CacheKey::custom(gateway_id, &key).kv_key()];
        if CacheKey::from_kv_key(gateway_id, &key).is_some() {
            keys.insert(0, key);
        }
        Ok(PurgePlan::Keys(keys))
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
        PurgePlan::Keys(keys) => {
            for key in keys.iter().take(max_deletes) {
                store.delete(key).await?;
                result.deleted += 1;
            }
            result.more = keys.len() > max_deletes;
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
        PurgePlan::Prefix(prefix) => {
            let mut cursor = None;
            loop {
                let (keys, next) = store.list(prefix, cursor).await?;
                for key in keys {
                    if result.deleted == max_deletes {
                        result.more = true;
                        return Ok(result);
                    }
                    store.delete(&key).await?;
                    result.deleted += 1;
                }
                match next {
                    Some(next) => cursor = Some(next),
                    None => return Ok(result),
                }
            }
        }
    }
    Ok(result)
}

#[cfg(test)]
#[path = "purge_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "purge_props.rs"]
mod props;
