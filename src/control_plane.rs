//! `ControlPlane`: the Durable Object (SQLite storage) that holds the control plane's records,
//! gateways and virtual keys (`docs/control-plane.md`).
//!
//! One object, named [`crate::control_store::OBJECT_NAME`], holds them all. The Worker talks to
//! it over `fetch` (see `src/control_store.rs`):
//!
//! - `POST /run` `{"statements": [[sql, [bindings…]], …]}` runs the statements, in order, in one
//!   `ctx.storage.transactionSync` (`src/sql_transaction.rs`): either all take effect or none.
//!   Answers `[[row, …], …]`, one list per statement; 500 with the SQLite error as text when a
//!   statement failed.
//!
//! Every statement comes from `gateway_core::control::sql`; this file only runs them. The schema
//! is created on the first request an instance serves (idempotent `CREATE … IF NOT EXISTS`).

use std::cell::Cell;

use gateway_core::control::sql::SCHEMA;
use gateway_core::logs::sql::Statement;
use serde::Deserialize;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

/// The gateways and virtual keys of the deployment.
#[durable_object]
pub struct ControlPlane {
    state: State,
    schema_ready: Cell<bool>,
}

#[derive(Deserialize)]
struct RunRequest {
    statements: Vec<Statement>,
}

impl ControlPlane {
    fn ensure_schema(&self) -> Result<()> {
        crate::sql_transaction::ensure_schema(&self.state.storage(), &self.schema_ready, SCHEMA, None)
    }
}

impl DurableObject for ControlPlane {
    fn new(state: State, _env: Env) -> Self {
        ControlPlane { state, schema_ready: Cell::new(false) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if req.path() != "/run" {
            return Response::error(format!("no control plane route {}", req.path()), 404);
        }
        // Parsed from the text with serde_json, as in `LogShard`: `Request::json` builds a JS
        // `Error` for every binding that does not match the first variants of `SqlValue`.
        let text = req.text().await?;
        let batch: RunRequest =
            serde_json::from_str(&text).map_err(|e| worker::Error::RustError(format!("bad batch: {e}")))?;
        let result = self
            .ensure_schema()
            .and_then(|()| crate::sql_transaction::run_in_transaction(&self.state.storage(), batch.statements));
        match result {
            Ok((rows, _)) => Response::from_json(&rows),
            Err(err) => Response::error(err.to_string(), 500),
        }
    }
}
