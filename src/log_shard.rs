//! `LogShard`: the Durable Object (SQLite storage) that holds one shard of the request logs.
//!
//! The Worker talks to it over `fetch` with JSON (see `src/log_store.rs`):
//!
//! - `POST /run` `{"statements": [[sql, [bindings…]], …]}` runs the statements, in order, in one
//!   `ctx.storage.transactionSync` (`src/sql_transaction.rs`): either all take effect or none.
//!   Answers `[[row, …], …]`, one list per statement; 500 with the SQLite error as text when a
//!   statement failed.
//! - `POST /insert` with a JSON array of rows (`logs::sql::insert_rows`) as the body inserts them
//!   with one statement (`logs::sql::insert_sql`), the body bound as it arrived: it never enters
//!   Wasm. Answers `{"written": n}`; 500 with the SQLite error as text.
//! - `POST /retention` runs retention now (what the alarm runs): `{"deleted": n}`.
//!
//! Every statement comes from `gateway_core::logs` (schema, inserts, queries, retention); this
//! file only runs them. The schema is created on the first request an instance serves
//! (idempotent `CREATE … IF NOT EXISTS`), and columns added since are given to older shards
//! (`logs::sql::added_column_statements`). After a batch with inserts, an instance that has not yet
//! checked sets its retention alarm when none is set (`logs::retention::next_alarm_ms`); the
//! alarm deletes rows by age and count and sets the next one.

use std::cell::Cell;

use gateway_core::logs::retention::{next_alarm_ms, retention_statements, OLDEST_ROW_SQL};
use gateway_core::logs::sql::{added_column_statements, insert_sql, Statement, SCHEMA, TABLE_COLUMNS_SQL};
use gateway_core::logs::store::Row;
use gateway_core::logs::LogSettings;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use worker::{console_error, durable_object, DurableObject, Env, Request, Response, Result, State};

/// One shard of the request logs.
#[durable_object]
pub struct LogShard {
    state: State,
    env: Env,
    schema_ready: Cell<bool>,
    alarm_checked: Cell<bool>,
    /// [`insert_sql`], made once per instance.
    insert_sql: String,
}

#[derive(Deserialize)]
struct RunRequest {
    statements: Vec<Statement>,
}

impl LogShard {
    fn settings(&self) -> LogSettings {
        LogSettings::from_env(|name| crate::var(&self.env, name)).unwrap_or_else(|err| {
            console_error!("log shard: {}; using the default log settings", err.message());
            LogSettings::default()
        })
    }

    fn ensure_schema(&self) -> Result<()> {
        let upgrade = (TABLE_COLUMNS_SQL, added_column_statements as fn(&[String]) -> Vec<String>);
        crate::sql_transaction::ensure_schema(&self.state.storage(), &self.schema_ready, SCHEMA, Some(upgrade))
    }

    /// Runs `statements` in one `transactionSync`: rows per statement, and rows written in all.
    fn transaction(&self, statements: Vec<Statement>) -> Result<(Vec<Vec<Row>>, usize)> {
        self.ensure_schema()?;
        crate::sql_transaction::run_in_transaction(&self.state.storage(), statements)
    }

    /// Inserts one JSON array of rows with one statement (atomic by itself); rows written.
    fn insert(&self, rows: JsValue) -> Result<usize> {
        self.ensure_schema()?;
        let cursor = self.state.storage().sql().exec_raw(&self.insert_sql, vec![rows])?;
        Ok(cursor.rows_written())
    }

    /// Deletes expired rows; returns how many.
    fn retain(&self, settings: &LogSettings) -> Result<u64> {
        let (_, written) = self.transaction(retention_statements(settings, js_sys::Date::now()))?;
        Ok(written as u64)
    }

    /// Sets the next retention alarm (`logs::retention::next_alarm_ms`), or none when there is
    /// nothing to expire.
    async fn schedule(&self, settings: &LogSettings) -> Result<()> {
        let (rows, _) = self.transaction(vec![(OLDEST_ROW_SQL.to_string(), Vec::new())])?;
        let oldest = rows.first().and_then(|r| r.first()).and_then(|r| r.get("oldest")).and_then(|v| v.as_f64());
        let now = js_sys::Date::now();
        let storage = self.state.storage();
        match next_alarm_ms(settings, now, oldest) {
            Some(at) => storage.set_alarm((at - now).max(0.0) as i64).await,
            None => storage.delete_alarm().await,
        }
    }

    async fn after_insert(&self) {
        if self.alarm_checked.replace(true) {
            return;
        }
        let storage = self.state.storage();
        let unset = matches!(storage.get_alarm().await, Ok(None));
        if unset {
            if let Err(err) = self.schedule(&self.settings()).await {
                console_error!("log shard: scheduling retention failed: {err}");
            }
        }
    }
}

impl DurableObject for LogShard {
    fn new(state: State, env: Env) -> Self {
        LogShard {
            state,
            env,
            schema_ready: Cell::new(false),
            alarm_checked: Cell::new(false),
            insert_sql: insert_sql(),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/run" => {
                // Parsed from the text with serde_json: `Request::json` goes through
                // serde_wasm_bindgen, which builds a JS `Error` (and its stack trace) for every
                // binding that does not match the first variants of the untagged `SqlValue`.
                let text = req.text().await?;
                let batch: RunRequest =
                    serde_json::from_str(&text).map_err(|e| worker::Error::RustError(format!("bad batch: {e}")))?;
                let inserts = batch.statements.iter().any(|(sql, _)| sql.starts_with("INSERT"));
                match self.transaction(batch.statements) {
                    Ok((rows, _)) => {
                        if inserts {
                            self.after_insert().await;
                        }
                        Response::from_json(&rows)
                    }
                    Err(err) => Response::error(err.to_string(), 500),
                }
            }
            "/insert" => {
                // The body stays a JS string from the request to SQLite's binding.
                let rows = JsFuture::from(req.inner().text()?).await?;
                match self.insert(rows) {
                    Ok(written) => {
                        self.after_insert().await;
                        Response::from_json(&serde_json::json!({ "written": written }))
                    }
                    Err(err) => Response::error(err.to_string(), 500),
                }
            }
            "/retention" => {
                let settings = self.settings();
                match self.retain(&settings) {
                    Ok(deleted) => {
                        self.schedule(&settings).await?;
                        Response::from_json(&serde_json::json!({ "deleted": deleted }))
                    }
                    Err(err) => Response::error(err.to_string(), 500),
                }
            }
            path => Response::error(format!("no log shard route {path}"), 404),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        let settings = self.settings();
        if let Err(err) = self.retain(&settings) {
            console_error!("log shard: retention failed: {err}");
        }
        self.schedule(&settings).await?;
        Response::ok("")
    }
}
