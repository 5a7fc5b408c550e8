//! The SQL a log shard runs: schema, batched insert, list, get and delete.
//!
//! Written for the SQLite of Durable Objects (`ctx.storage.sql.exec(query, ...bindings)`), whose
//! limits shape it: at most 100 bound parameters per statement (so inserts are chunked, see
//! [`insert_statements`]), and rows come back as objects keyed by column name with booleans as
//! 0/1 (decoded by [`row_to_entry`]). Every value reaches SQLite as a binding; the only text
//! spliced into SQL are column names from this file.

use serde::{Deserialize, Serialize};

use crate::error::GatewayError;
use crate::logs::entry::{cache_status_text, parse_cache_status_text, LogEntry};
use crate::logs::headers::Metadata;
use crate::logs::query::{Cursor, ListQuery, LogFilter, Order, StatusFilter};
use crate::logs::stats::latency_bin;
use crate::redact::KnownSecrets;

/// One bound parameter. Serializes to what `sql.exec` takes: `null`, a number or a string (and
/// back, when a batch travels to its shard as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

impl From<&str> for SqlValue {
    fn from(s: &str) -> Self {
        SqlValue::Text(s.to_string())
    }
}

impl From<String> for SqlValue {
    fn from(s: String) -> Self {
        SqlValue::Text(s)
    }
}

impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        SqlValue::Integer(v)
    }
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(SqlValue::Null)
    }
}

/// A statement and its bindings, ready for `sql.exec(sql, ...bindings)`.
pub type Statement = (String, Vec<SqlValue>);

/// Bumped when [`SCHEMA`] changes incompatibly.
pub const SCHEMA_VERSION: u32 = 1;

/// Run each statement once when a shard starts (idempotent).
pub const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS logs (
  id TEXT PRIMARY KEY NOT NULL,
  created_at INTEGER NOT NULL,
  gateway TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  method TEXT NOT NULL,
  status INTEGER NOT NULL,
  success INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  ttfb_ms INTEGER,
  latency_bin INTEGER NOT NULL,
  tokens_in INTEGER NOT NULL,
  tokens_out INTEGER NOT NULL,
  tokens_cached INTEGER NOT NULL,
  tokens_estimated INTEGER NOT NULL,
  cost REAL,
  cache_status TEXT NOT NULL,
  step INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  virtual_key_id TEXT,
  virtual_key_name TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  error TEXT,
  cache_error TEXT,
  limit_error TEXT,
  guardrails TEXT,
  cache_semantic TEXT,
  request_body TEXT,
  response_body TEXT,
  user_agent TEXT,
  feedback INTEGER,
  score REAL,
  comment TEXT
)",
    "CREATE INDEX IF NOT EXISTS logs_created ON logs (created_at, id)",
    "CREATE INDEX IF NOT EXISTS logs_provider ON logs (provider, created_at)",
    "CREATE INDEX IF NOT EXISTS logs_model ON logs (model, created_at)",
    "CREATE INDEX IF NOT EXISTS logs_status ON logs (status, created_at)",
    "CREATE INDEX IF NOT EXISTS logs_virtual_key ON logs (virtual_key_id, created_at)",
];

/// Columns added to `logs` after shards already existed, with their type: a shard made before
/// gets them with `ALTER TABLE` ([`added_column_statements`]); [`SCHEMA`] has them for new ones.
pub const ADDED_COLUMNS: &[(&str, &str)] =
    &[("virtual_key_name", "TEXT"), ("limit_error", "TEXT"), ("guardrails", "TEXT"), ("cache_semantic", "TEXT")];

/// The statement listing the columns `logs` has (one row per column, its name in `name`).
pub const TABLE_COLUMNS_SQL: &str = "SELECT name FROM pragma_table_info('logs')";

/// The `ALTER TABLE` statements that give a shard whose `logs` table has `existing` columns the
/// [`ADDED_COLUMNS`] it lacks; empty for an up-to-date shard. Runs once per object instance,
/// after [`SCHEMA`].
pub fn added_column_statements(existing: &[String]) -> Vec<String> {
    ADDED_COLUMNS
        .iter()
        .filter(|(name, _)| !existing.iter().any(|e| e == name))
        .map(|(name, kind)| format!("ALTER TABLE logs ADD COLUMN {name} {kind}"))
        .collect()
}

/// The inserted columns, in binding order.
pub const COLUMNS: &[&str] = &[
    "id",
    "created_at",
    "gateway",
    "provider",
    "model",
    "endpoint",
    "method",
    "status",
    "success",
    "duration_ms",
    "ttfb_ms",
    "latency_bin",
    "tokens_in",
    "tokens_out",
    "tokens_cached",
    "tokens_estimated",
    "cost",
    "cache_status",
    "step",
    "attempts",
    "virtual_key_id",
    "virtual_key_name",
    "metadata",
    "error",
    "cache_error",
    "limit_error",
    "guardrails",
    "cache_semantic",
    "request_body",
    "response_body",
    "user_agent",
    "feedback",
    "score",
    "comment",
];

/// Columns of list rows without bodies.
const LIST_COLUMNS: &str = "id, created_at, gateway, provider, model, endpoint, method, status, success, duration_ms, \
     ttfb_ms, tokens_in, tokens_out, tokens_cached, tokens_estimated, cost, cache_status, step, attempts, \
     virtual_key_id, virtual_key_name, metadata, error, cache_error, limit_error, guardrails, cache_semantic, user_agent, \
     feedback, score, comment";

fn int(v: u64) -> SqlValue {
    SqlValue::Integer(i64::try_from(v).unwrap_or(i64::MAX))
}

/// The bindings of one entry, in [`COLUMNS`] order, its text scrubbed of secrets
/// ([`LogEntry::redact`]): this is how every entry enters a shard, whoever made it.
pub fn insert_bindings(entry: &LogEntry) -> Vec<SqlValue> {
    let mut clean = entry.clone();
    clean.redact(&KnownSecrets::new());
    let e = &clean;
    let metadata = serde_json::to_string(&e.metadata).unwrap_or_else(|_| "{}".into());
    vec![
        e.id.as_str().into(),
        e.created_at_ms.into(),
        e.gateway.as_str().into(),
        e.provider.as_str().into(),
        e.model.as_str().into(),
        e.endpoint.as_str().into(),
        e.method.as_str().into(),
        int(u64::from(e.status)),
        int(u64::from(e.success)),
        int(e.duration_ms),
        e.ttfb_ms.map(int).unwrap_or(SqlValue::Null),
        int(u64::from(latency_bin(e.duration_ms))),
        int(e.tokens_in),
        int(e.tokens_out),
        int(e.tokens_cached),
        int(u64::from(e.tokens_estimated)),
        e.cost.map(SqlValue::Real).unwrap_or(SqlValue::Null),
        cache_status_text(e.cache_status).into(),
        int(u64::from(e.step)),
        int(u64::from(e.attempts)),
        e.virtual_key_id.clone().into(),
        e.virtual_key_name.clone().into(),
        metadata.into(),
        e.error.clone().into(),
        e.cache_error.clone().into(),
        e.limit_error.clone().into(),
        e.guardrails.clone().into(),
        e.cache_semantic.clone().into(),
        e.request_body.clone().into(),
        e.response_body.clone().into(),
        e.user_agent.clone().into(),
        e.feedback.map(|f| SqlValue::Integer(i64::from(f))).unwrap_or(SqlValue::Null),
        e.score.map(SqlValue::Real).unwrap_or(SqlValue::Null),
        e.comment.clone().into(),
    ]
}

/// How many bytes of row JSON one insert statement carries at most: Durable Objects' SQLite
/// takes strings up to 2 MB. A single larger row (bodies near `LOG_BODY_MAX_BYTES`) goes alone.
pub const MAX_INSERT_JSON_BYTES: usize = 1024 * 1024;

/// The statement inserting the rows of one JSON array of rows (each an array in [`COLUMNS`]
/// order, as [`insert_rows`] makes them), bound as its only parameter. Re-inserting an id already
/// stored is a no-op, so a retried batch does not duplicate rows.
pub fn insert_sql() -> String {
    let values: Vec<String> = (0..COLUMNS.len()).map(|i| format!("value->>{i}")).collect();
    format!("INSERT OR IGNORE INTO logs ({}) SELECT {} FROM json_each(?)", COLUMNS.join(", "), values.join(", "))
}

/// The rows of a batch as JSON arrays of rows for [`insert_sql`], split so that each stays under
/// [`MAX_INSERT_JSON_BYTES`] (a single larger row goes alone). A batch of 64 entries is one text:
/// the shard binds it as it arrived, where a binding per value cost ~30 calls per entry.
pub fn insert_rows(entries: &[LogEntry]) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut rows = String::new();
    for entry in entries {
        // Serializing nulls, numbers and strings cannot fail (a non-finite float becomes null).
        let row = serde_json::to_string(&insert_bindings(entry)).unwrap_or_default();
        if !rows.is_empty() && rows.len() + row.len() + 2 > MAX_INSERT_JSON_BYTES {
            chunks.push(format!("[{rows}]"));
            rows.clear();
        }
        if !rows.is_empty() {
            rows.push(',');
        }
        rows.push_str(&row);
    }
    if !rows.is_empty() {
        chunks.push(format!("[{rows}]"));
    }
    chunks
}

/// The `WHERE` condition of a filter (`1` when empty) and its bindings.
pub fn filter_where(f: &LogFilter) -> Statement {
    let mut conds: Vec<&str> = Vec::new();
    let mut binds: Vec<SqlValue> = Vec::new();
    let mut push = |cond: &'static str, value: SqlValue| {
        conds.push(cond);
        binds.push(value);
    };
    if let Some(v) = f.from_ms {
        push("created_at >= ?", v.into());
    }
    if let Some(v) = f.to_ms {
        push("created_at < ?", v.into());
    }
    if let Some(v) = &f.gateway {
        push("gateway = ?", v.as_str().into());
    }
    if let Some(v) = &f.provider {
        push("provider = ?", v.as_str().into());
    }
    if let Some(v) = &f.model {
        push("model = ?", v.as_str().into());
    }
    match f.status {
        Some(StatusFilter::Exact(code)) => push("status = ?", i64::from(code).into()),
        Some(StatusFilter::Class(class)) => push("status / 100 = ?", i64::from(class).into()),
        None => {}
    }
    if let Some(v) = f.success {
        push("success = ?", i64::from(v).into());
    }
    if let Some(v) = f.cache_status {
        push("cache_status = ?", cache_status_text(v).into());
    }
    if let Some(v) = &f.virtual_key {
        push("virtual_key_id = ?", v.as_str().into());
    }
    if let Some(v) = f.feedback {
        push("feedback = ?", i64::from(v).into());
    }
    match &f.guardrail {
        None => {}
        Some(None) => push("json_array_length(guardrails) >= ?", SqlValue::Integer(1)),
        Some(Some(action)) => push(
            "EXISTS (SELECT 1 FROM json_each(guardrails) WHERE json_extract(value, '$.action') = ?)",
            action.as_str().into(),
        ),
    }
    for (key, value) in &f.metadata {
        // Booleans compare as true/false and numbers as their SQLite text, so that the query
        // string (always text) matches what the header carried.
        let path = format!("$.\"{key}\"");
        conds.push(
            "CASE json_type(metadata, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' \
             ELSE CAST(json_extract(metadata, ?) AS TEXT) END = ?",
        );
        binds.extend([path.clone().into(), path.into(), value.as_str().into()]);
    }
    if let Some(q) = &f.q {
        let pattern = format!("%{}%", escape_like(q));
        conds.push("(request_body LIKE ? ESCAPE '\\' OR response_body LIKE ? ESCAPE '\\')");
        binds.extend([pattern.clone().into(), pattern.into()]);
    }
    let sql = if conds.is_empty() { "1".to_string() } else { conds.join(" AND ") };
    (sql, binds)
}

/// Escapes `%`, `_` and `\` for `LIKE … ESCAPE '\'`.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The page query of one shard: rows matching the filter after the cursor, in the requested
/// order, `limit + 1` of them so that [`crate::logs::merge::merge_pages`] can tell whether more
/// follow. Bodies are left out unless `bodies=true`.
pub fn list_statement(q: &ListQuery) -> Statement {
    let (mut cond, mut binds) = filter_where(&q.filter);
    let (cmp, dir) = match q.order {
        Order::Desc => ("<", "DESC"),
        Order::Asc => (">", "ASC"),
    };
    if let Some(Cursor { created_at_ms, id }) = &q.cursor {
        cond = format!("({cond}) AND (created_at {cmp} ? OR (created_at = ? AND id {cmp} ?))");
        binds.extend([(*created_at_ms).into(), (*created_at_ms).into(), id.as_str().into()]);
    }
    let columns = if q.bodies { format!("{LIST_COLUMNS}, request_body, response_body") } else { LIST_COLUMNS.into() };
    binds.push(i64::from(q.limit + 1).into());
    (format!("SELECT {columns} FROM logs WHERE {cond} ORDER BY created_at {dir}, id {dir} LIMIT ?"), binds)
}

/// One entry with its bodies (`GET /api/logs/{id}`), on the shard [`crate::logs::shard_of`] names.
pub fn get_statement(id: &str) -> Statement {
    (format!("SELECT {LIST_COLUMNS}, request_body, response_body FROM logs WHERE id = ?"), vec![id.into()])
}

/// Deletes one entry (`DELETE /api/logs/{id}`).
pub fn delete_by_id_statement(id: &str) -> Statement {
    ("DELETE FROM logs WHERE id = ?".into(), vec![id.into()])
}

/// Deletes the entries a filter selects (`DELETE /api/logs?…`), run on every shard.
///
/// Errors: 400 when the filter is empty — deleting everything must be asked for explicitly, e.g.
/// with `to=<now>`.
pub fn delete_by_filter_statement(f: &LogFilter) -> Result<Statement, GatewayError> {
    if f.is_empty() {
        return Err(GatewayError::invalid(
            "DELETE /api/logs needs at least one filter; to delete every log pass to=<now in ms>",
        ));
    }
    let (cond, binds) = filter_where(f);
    Ok((format!("DELETE FROM logs WHERE {cond}"), binds))
}

/// Decodes one row returned by the list or get statements (a JSON object keyed by column name,
/// as `cursor.toArray()` gives). Absent body columns decode as `None`. The entry is scrubbed of
/// secrets ([`LogEntry::redact`]): every read (list, get, export) passes here, so a row stored
/// before scrubbing existed does not leak either.
///
/// Errors (500): a row missing a required column or with a value of the wrong type — a schema
/// mismatch, not a client error.
pub fn row_to_entry(row: &serde_json::Map<String, serde_json::Value>) -> Result<LogEntry, GatewayError> {
    let bad = |col: &str| GatewayError::internal(format!("log row has a missing or invalid {col} column"));
    let text = |col: &str| row.get(col).and_then(|v| v.as_str()).map(str::to_string).ok_or_else(|| bad(col));
    let opt_text = |col: &str| row.get(col).and_then(|v| v.as_str()).map(str::to_string);
    let num = |col: &str| row.get(col).and_then(|v| v.as_f64()).ok_or_else(|| bad(col));
    let opt_num = |col: &str| row.get(col).and_then(|v| v.as_f64());
    let uint = |col: &str| num(col).map(|v| v.max(0.0) as u64);
    let metadata: Metadata = serde_json::from_str(&text("metadata")?).map_err(|_| bad("metadata"))?;
    let mut entry = LogEntry {
        id: text("id")?,
        created_at_ms: num("created_at")? as i64,
        gateway: text("gateway")?,
        provider: text("provider")?,
        model: text("model")?,
        endpoint: text("endpoint")?,
        method: text("method")?,
        status: uint("status")? as u16,
        success: num("success")? != 0.0,
        duration_ms: uint("duration_ms")?,
        ttfb_ms: opt_num("ttfb_ms").map(|v| v.max(0.0) as u64),
        tokens_in: uint("tokens_in")?,
        tokens_out: uint("tokens_out")?,
        tokens_cached: uint("tokens_cached")?,
        tokens_estimated: num("tokens_estimated")? != 0.0,
        cost: opt_num("cost"),
        cache_status: parse_cache_status_text(&text("cache_status")?).ok_or_else(|| bad("cache_status"))?,
        step: uint("step")? as u32,
        attempts: uint("attempts")? as u32,
        virtual_key_id: opt_text("virtual_key_id"),
        virtual_key_name: opt_text("virtual_key_name"),
        metadata,
        error: opt_text("error"),
        cache_error: opt_text("cache_error"),
        limit_error: opt_text("limit_error"),
        guardrails: opt_text("guardrails"),
        cache_semantic: opt_text("cache_semantic"),
        request_body: opt_text("request_body"),
        response_body: opt_text("response_body"),
        user_agent: opt_text("user_agent"),
        feedback: opt_num("feedback").map(|v| v as i8),
        score: opt_num("score"),
        comment: opt_text("comment"),
    };
    entry.redact(&KnownSecrets::new());
    Ok(entry)
}

#[cfg(test)]
#[path = "sql_tests.rs"]
mod tests;
