//! The control plane's storage: the trait the admin API and the request path use, and its
//! implementation over any SQLite that runs [`super::sql`]'s statements (the Durable Object's).
//!
//! The Worker crate provides a [`SqlRunner`] that sends statements to the control Durable
//! Object, as [`crate::logs::store::LogStore`] does for log shards; the object only executes them.

use async_trait::async_trait;

use crate::error::{ErrorKind, GatewayError};
use crate::logs::sql::Statement;
use crate::logs::store::Row;

use super::gateways::GatewaySettings;
use super::keys::VirtualKey;
use super::secret::KeyHash;
use super::sql;

/// Gateways and virtual keys, wherever they are kept.
#[async_trait(?Send)]
pub trait ControlStore {
    /// Stores a new gateway. Errors: 409 when the id exists; 500 when the store failed.
    async fn create_gateway(&self, gateway: &GatewaySettings) -> Result<(), GatewayError>;
    /// One gateway, `None` if never created. Errors: 500 when the store failed.
    async fn get_gateway(&self, id: &str) -> Result<Option<GatewaySettings>, GatewayError>;
    /// Every gateway, by id. Errors: 500 when the store failed.
    async fn list_gateways(&self) -> Result<Vec<GatewaySettings>, GatewayError>;
    /// Replaces a gateway's settings. Errors: 404 naming the id; 500 when the store failed.
    async fn update_gateway(&self, gateway: &GatewaySettings) -> Result<(), GatewayError>;
    /// Deletes a gateway. Errors: 404 naming the id; 500 when the store failed.
    async fn delete_gateway(&self, id: &str) -> Result<(), GatewayError>;

    /// Stores a new key with the hash of its secret. Errors: 409 when the id or hash exists.
    async fn create_key(&self, key: &VirtualKey, hash: &KeyHash) -> Result<(), GatewayError>;
    /// One key by id, `None` if unknown. Errors: 500 when the store failed.
    async fn get_key(&self, id: &str) -> Result<Option<VirtualKey>, GatewayError>;
    /// Every key, oldest first. Errors: 500 when the store failed.
    async fn list_keys(&self) -> Result<Vec<VirtualKey>, GatewayError>;
    /// Replaces a key's record, and the hash of its secret when `new_hash` is given (rotation:
    /// the old secret stops matching at once). Errors: 404 naming the id; 409 when the stored key
    /// was revoked and `key` is not (a change read before a concurrent revocation: nothing is
    /// written, the key stays revoked).
    async fn update_key(&self, key: &VirtualKey, new_hash: Option<&KeyHash>) -> Result<(), GatewayError>;
    /// The key whose secret hashes to `hash` — what a request's credential is looked up by —
    /// revoked and expired ones included (the caller decides, see
    /// [`VirtualKey::check_usable`]). Errors: 500 when the store failed.
    async fn find_key(&self, hash: &KeyHash) -> Result<Option<VirtualKey>, GatewayError>;
}

/// Runs statements on one SQLite database, in one transaction, returning each one's rows (as
/// `sql.exec(...).toArray()` gives them).
#[async_trait(?Send)]
pub trait SqlRunner {
    /// Errors: the database could not be reached, or a statement failed (then none took effect).
    async fn run(&self, statements: Vec<Statement>) -> Result<Vec<Vec<Row>>, GatewayError>;
}

/// [`ControlStore`] over a [`SqlRunner`]: one statement, one round trip, per operation.
#[derive(Debug)]
pub struct SqlControlStore<R> {
    runner: R,
}

impl<R: SqlRunner> SqlControlStore<R> {
    /// A store over `runner`, whose database has run [`sql::SCHEMA`].
    pub fn new(runner: R) -> Self {
        SqlControlStore { runner }
    }

    /// The runner the store runs its statements on.
    pub fn runner(&self) -> &R {
        &self.runner
    }

    async fn rows(&self, statement: Statement) -> Result<Vec<Row>, GatewayError> {
        Ok(self.runner.run(vec![statement]).await?.into_iter().next().unwrap_or_default())
    }

    async fn one<T: serde::de::DeserializeOwned>(
        &self,
        statement: Statement,
        column: &str,
    ) -> Result<Option<T>, GatewayError> {
        self.rows(statement).await?.first().map(|row| sql::decode(row, column)).transpose()
    }

    async fn all<T: serde::de::DeserializeOwned>(
        &self,
        statement: Statement,
        column: &str,
    ) -> Result<Vec<T>, GatewayError> {
        self.rows(statement).await?.iter().map(|row| sql::decode(row, column)).collect()
    }

    /// Runs a write ending in `RETURNING id`; `Err(on_empty)` when it touched no row.
    async fn write(&self, statement: Statement, on_empty: GatewayError) -> Result<(), GatewayError> {
        if self.rows(statement).await?.is_empty() {
            return Err(on_empty);
        }
        Ok(())
    }
}

fn exists(what: &str, id: &str) -> GatewayError {
    GatewayError::new(ErrorKind::Conflict, format!("{what} {id:?} already exists"))
}

fn missing(what: &str, id: &str) -> GatewayError {
    GatewayError::not_found(format!("{what} {id:?} does not exist"))
}

#[async_trait(?Send)]
impl<R: SqlRunner> ControlStore for SqlControlStore<R> {
    async fn create_gateway(&self, gateway: &GatewaySettings) -> Result<(), GatewayError> {
        self.write(sql::insert_gateway(gateway)?, exists("gateway", &gateway.id)).await
    }

    async fn get_gateway(&self, id: &str) -> Result<Option<GatewaySettings>, GatewayError> {
        self.one(sql::get_gateway(id), "settings").await
    }

    async fn list_gateways(&self) -> Result<Vec<GatewaySettings>, GatewayError> {
        self.all(sql::list_gateways(), "settings").await
    }

    async fn update_gateway(&self, gateway: &GatewaySettings) -> Result<(), GatewayError> {
        self.write(sql::update_gateway(gateway)?, missing("gateway", &gateway.id)).await
    }

    async fn delete_gateway(&self, id: &str) -> Result<(), GatewayError> {
        self.write(sql::delete_gateway(id), missing("gateway", id)).await
    }

    async fn create_key(&self, key: &VirtualKey, hash: &KeyHash) -> Result<(), GatewayError> {
        self.write(sql::insert_key(key, hash)?, exists("virtual key", &key.id)).await
    }

    async fn get_key(&self, id: &str) -> Result<Option<VirtualKey>, GatewayError> {
        self.one(sql::get_key(id), "record").await
    }

    async fn list_keys(&self) -> Result<Vec<VirtualKey>, GatewayError> {
        self.all(sql::list_keys(), "record").await
    }

    async fn update_key(&self, key: &VirtualKey, new_hash: Option<&KeyHash>) -> Result<(), GatewayError> {
        if !self.rows(sql::update_key(key, new_hash)?).await?.is_empty() {
            return Ok(());
        }
        // Rare: tell "no such key" from "revoked meanwhile" with a second read.
        match self.get_key(&key.id).await? {
            Some(_) => Err(GatewayError::new(
                ErrorKind::Conflict,
                format!("virtual key {:?} was revoked while this change was being made; nothing was changed", key.id),
            )),
            None => Err(missing("virtual key", &key.id)),
        }
    }

    async fn find_key(&self, hash: &KeyHash) -> Result<Option<VirtualKey>, GatewayError> {
        self.one(sql::find_key(hash), "record").await
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
