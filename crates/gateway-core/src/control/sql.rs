//! The SQL of the control plane's Durable Object: schema, and one statement per store operation.
//!
//! Written, like [`crate::logs::sql`], for `ctx.storage.sql.exec(query, ...bindings)`: every
//! value is a binding. Each record is kept whole as JSON (`settings`, `record`), so new fields
//! (limits, plugins) need no migration; the columns beside it exist to be looked up or listed by.
//! Unknown fields in a stored record are ignored when it is read, so that during a deploy an
//! isolate of the previous version can still read what the next one wrote (admin bodies, by
//! contrast, refuse unknown fields: see [`super::body`]).
//! Writes that may find nothing to write end in `RETURNING id`, so an empty result tells "already
//! exists" (insert) or "no such id" (update, delete) without a second query.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::GatewayError;
use crate::logs::sql::{SqlValue, Statement};
use crate::logs::store::Row;

use super::gateways::GatewaySettings;
use super::keys::VirtualKey;
use super::secret::KeyHash;

/// Run each statement once when the object starts (idempotent).
pub const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS gateways (
  id TEXT PRIMARY KEY NOT NULL,
  settings TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
)",
    "CREATE TABLE IF NOT EXISTS virtual_keys (
  id TEXT PRIMARY KEY NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  revoked INTEGER NOT NULL,
  expires_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  record TEXT NOT NULL
)",
];

fn json_text<T: serde::Serialize>(value: &T) -> Result<SqlValue, GatewayError> {
    serde_json::to_string(value)
        .map(SqlValue::Text)
        .map_err(|e| GatewayError::internal(format!("could not encode a control record: {e}")))
}

/// Inserts a gateway; returns its id, or no row when the id exists.
pub fn insert_gateway(gateway: &GatewaySettings) -> Result<Statement, GatewayError> {
    Ok((
        "INSERT INTO gateways (id, settings, created_at, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (id) DO NOTHING RETURNING id"
            .to_string(),
        vec![gateway.id.as_str().into(), json_text(gateway)?, gateway.created_at.into(), gateway.updated_at.into()],
    ))
}

/// Replaces a gateway's settings; returns its id, or no row when it does not exist.
pub fn update_gateway(gateway: &GatewaySettings) -> Result<Statement, GatewayError> {
    Ok((
        "UPDATE gateways SET settings = ?, updated_at = ? WHERE id = ? RETURNING id".to_string(),
        vec![json_text(gateway)?, gateway.updated_at.into(), gateway.id.as_str().into()],
    ))
}

/// Deletes a gateway; returns its id, or no row when it did not exist.
pub fn delete_gateway(id: &str) -> Statement {
    ("DELETE FROM gateways WHERE id = ? RETURNING id".to_string(), vec![id.into()])
}

/// One gateway's `settings`, or no row.
pub fn get_gateway(id: &str) -> Statement {
    ("SELECT settings FROM gateways WHERE id = ?".to_string(), vec![id.into()])
}

/// Every gateway's `settings`, by id.
pub fn list_gateways() -> Statement {
    ("SELECT settings FROM gateways ORDER BY id".to_string(), Vec::new())
}

/// Inserts a key and its hash; returns its id, or no row when the id or the hash exists.
pub fn insert_key(key: &VirtualKey, hash: &KeyHash) -> Result<Statement, GatewayError> {
    Ok((
        "INSERT INTO virtual_keys (id, key_hash, name, revoked, expires_at, created_at, updated_at, record) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id"
            .to_string(),
        vec![
            key.id.as_str().into(),
            hash.to_hex().into(),
            key.name.as_str().into(),
            i64::from(key.revoked).into(),
            key.expires_at.into(),
            key.created_at.into(),
            key.updated_at.into(),
            json_text(key)?,
        ],
    ))
}

/// Replaces a key's record, and its hash when `new_hash` is given (rotation); returns its id,
/// or no row when it does not exist or when the write would make a revoked key unrevoked.
///
/// The admin API reads a record, changes it and writes it back in two round trips; the second
/// condition keeps a change read before a concurrent revocation (a rotation, a PATCH) from
/// undoing it, so revocation stays final.
pub fn update_key(key: &VirtualKey, new_hash: Option<&KeyHash>) -> Result<Statement, GatewayError> {
    Ok((
        "UPDATE virtual_keys SET key_hash = COALESCE(?, key_hash), name = ?, revoked = ?, expires_at = ?, \
         updated_at = ?, record = ? WHERE id = ? AND (revoked = 0 OR ? = 1) RETURNING id"
            .to_string(),
        vec![
            new_hash.map(KeyHash::to_hex).into(),
            key.name.as_str().into(),
            i64::from(key.revoked).into(),
            key.expires_at.into(),
            key.updated_at.into(),
            json_text(key)?,
            key.id.as_str().into(),
            i64::from(key.revoked).into(),
        ],
    ))
}

/// One key's `record` by id, or no row.
pub fn get_key(id: &str) -> Statement {
    ("SELECT record FROM virtual_keys WHERE id = ?".to_string(), vec![id.into()])
}

/// The `record` of the key whose secret hashes to `hash`, or no row. Uses the unique index.
pub fn find_key(hash: &KeyHash) -> Statement {
    ("SELECT record FROM virtual_keys WHERE key_hash = ?".to_string(), vec![hash.to_hex().into()])
}

/// Every key's `record`, oldest first.
pub fn list_keys() -> Statement {
    ("SELECT record FROM virtual_keys ORDER BY created_at, id".to_string(), Vec::new())
}

/// Decodes the JSON record in column `column` of `row`.
///
/// Errors (500): the column is missing or does not hold a record of this version.
pub fn decode<T: DeserializeOwned>(row: &Row, column: &str) -> Result<T, GatewayError> {
    let Some(Value::String(text)) = row.get(column) else {
        return Err(GatewayError::internal(format!("control store row without a `{column}` column")));
    };
    serde_json::from_str(text)
        .map_err(|e| GatewayError::internal(format!("control store `{column}` column does not decode: {e}")))
}

#[cfg(test)]
#[path = "sql_tests.rs"]
mod tests;
