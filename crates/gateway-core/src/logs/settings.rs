//! Log settings, read from Worker variables.
//!
//! - `LOGS_ENABLED`: `true` (default) or `false`; whether requests are logged when the request does
//!   not say otherwise (`cf-aig-collect-log` inverts it per request).
//! - `LOG_BODY_MAX_BYTES`: the largest request or response body kept in a log entry, in bytes
//!   (default 65536, at most 983040 so that a row with both bodies stays under the 2 MB row limit
//!   of Durable Object SQLite); longer bodies are cut with [`crate::logs::entry::TRUNCATION_MARKER`].
//! - `LOG_RETENTION_DAYS`: rows older than this many days are deleted (default 30; `0` keeps rows
//!   until deleted, as Cloudflare does).
//! - `LOG_MAX_ROWS_PER_SHARD`: each shard keeps at most this many newest rows (default 1,000,000;
//!   `0` means no limit).
//! - `LOG_SHARDS`: how many Durable Objects the logs are spread over (default 4, 1..=64). Changing
//!   it moves where new ids land; old entries stay readable only if the shard count is not lowered.
//! - `LOG_BATCH_MS`: how long an isolate collects entries before writing them, in milliseconds
//!   (default 1000, 0..=10000; `0` writes each entry as soon as its response ends). Longer means
//!   fewer Durable Object requests per entry and less CPU, but entries that appear later and more
//!   of them lost if the isolate dies meanwhile.

use crate::error::{ErrorKind, GatewayError};

/// Default `LOG_BODY_MAX_BYTES`: 64 KiB per body.
pub const DEFAULT_LOG_BODY_MAX_BYTES: usize = 64 * 1024;
/// Largest `LOG_BODY_MAX_BYTES`: two bodies plus the other columns fit a 2 MiB row.
pub const MAX_LOG_BODY_MAX_BYTES: usize = 960 * 1024;
/// Default `LOG_RETENTION_DAYS`.
pub const DEFAULT_LOG_RETENTION_DAYS: u32 = 30;
/// Default `LOG_MAX_ROWS_PER_SHARD`.
pub const DEFAULT_LOG_MAX_ROWS_PER_SHARD: u64 = 1_000_000;
/// Default `LOG_SHARDS`.
pub const DEFAULT_LOG_SHARDS: u32 = 4;
/// Default `LOG_BATCH_MS`: a batch of a second's entries (at most `MAX_BATCH` of the Worker's
/// sink) is one Durable Object request. Measured against 100 ms: 0.14 of the floor worker's CPU
/// per request less on JSON, 0.15 on streams (docs/benchmarks.md).
pub const DEFAULT_LOG_BATCH_MS: u32 = 1000;
/// Largest `LOG_BATCH_MS`: well within the 30 s a response's `waitUntil` may run on.
pub const MAX_LOG_BATCH_MS: u32 = 10_000;

/// The variables the log settings are read from, in the order [`LogSettings::from_vars`] takes them.
pub const VARIABLES: [&str; 6] = [
    "LOGS_ENABLED",
    "LOG_BODY_MAX_BYTES",
    "LOG_RETENTION_DAYS",
    "LOG_MAX_ROWS_PER_SHARD",
    "LOG_SHARDS",
    "LOG_BATCH_MS",
];

/// The gateway-wide log settings, parsed once per isolate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// Log requests unless the request says otherwise.
    pub enabled: bool,
    /// Keep request and response bodies in logged entries unless the request says otherwise
    /// (no variable: a gateway's or virtual key's `collect_log_payloads` sets it per request).
    pub collect_payloads: bool,
    /// Largest body kept per entry, in bytes.
    pub body_max_bytes: usize,
    /// Days a row is kept; `None` keeps rows until deleted.
    pub retention_days: Option<u32>,
    /// Newest rows kept per shard; `None` means no limit.
    pub max_rows_per_shard: Option<u64>,
    /// Number of Durable Object shards.
    pub shards: u32,
    /// How long the first entry of a batch waits for others, in milliseconds (0: no waiting).
    pub batch_ms: u32,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            enabled: true,
            collect_payloads: true,
            body_max_bytes: DEFAULT_LOG_BODY_MAX_BYTES,
            retention_days: Some(DEFAULT_LOG_RETENTION_DAYS),
            max_rows_per_shard: Some(DEFAULT_LOG_MAX_ROWS_PER_SHARD),
            shards: DEFAULT_LOG_SHARDS,
            batch_ms: DEFAULT_LOG_BATCH_MS,
        }
    }
}

fn misconfigured(name: &str, rule: &str, raw: &str) -> GatewayError {
    GatewayError::new(ErrorKind::Misconfigured, format!("{name} must be {rule}, got {raw:?}"))
}

fn set(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

impl LogSettings {
    /// Builds the settings from the Worker's variables, `lookup` returning a variable's value
    /// (`None` when unset). Errors as [`LogSettings::from_vars`].
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, GatewayError> {
        let [enabled, body_max, retention, max_rows, shards, batch] = VARIABLES.map(lookup);
        Self::from_vars(
            enabled.as_deref(),
            body_max.as_deref(),
            retention.as_deref(),
            max_rows.as_deref(),
            shards.as_deref(),
            batch.as_deref(),
        )
    }

    /// Builds the settings from the raw variable values (`None` or empty when unset), in the order
    /// `LOGS_ENABLED`, `LOG_BODY_MAX_BYTES`, `LOG_RETENTION_DAYS`, `LOG_MAX_ROWS_PER_SHARD`,
    /// `LOG_SHARDS`, `LOG_BATCH_MS`.
    ///
    /// Errors (500, `gateway_misconfigured`) name the variable: a flag that is not `true`/`false`,
    /// a number that does not parse, a shard count outside 1..=64 or a batch time over 10000.
    pub fn from_vars(
        logs_enabled: Option<&str>,
        body_max_bytes: Option<&str>,
        retention_days: Option<&str>,
        max_rows_per_shard: Option<&str>,
        shards: Option<&str>,
        batch_ms: Option<&str>,
    ) -> Result<Self, GatewayError> {
        let mut s = LogSettings::default();
        if let Some(raw) = set(logs_enabled) {
            s.enabled = parse_bool(raw).ok_or_else(|| misconfigured("LOGS_ENABLED", "true or false", raw))?;
        }
        if let Some(raw) = set(body_max_bytes) {
            s.body_max_bytes =
                within(raw, 0..=MAX_LOG_BODY_MAX_BYTES, "LOG_BODY_MAX_BYTES", "a whole number of bytes up to 983040")?;
        }
        if let Some(raw) = set(retention_days) {
            let days: u32 =
                raw.parse().map_err(|_| misconfigured("LOG_RETENTION_DAYS", "a whole number of days", raw))?;
            s.retention_days = (days > 0).then_some(days);
        }
        if let Some(raw) = set(max_rows_per_shard) {
            let rows: u64 =
                raw.parse().map_err(|_| misconfigured("LOG_MAX_ROWS_PER_SHARD", "a whole number of rows", raw))?;
            s.max_rows_per_shard = (rows > 0).then_some(rows);
        }
        if let Some(raw) = set(shards) {
            s.shards = within(raw, 1..=64, "LOG_SHARDS", "a whole number from 1 to 64")?;
        }
        if let Some(raw) = set(batch_ms) {
            s.batch_ms =
                within(raw, 0..=MAX_LOG_BATCH_MS, "LOG_BATCH_MS", "a whole number of milliseconds up to 10000")?;
        }
        Ok(s)
    }
}

/// `raw` as a whole number in `range`; else the error naming variable `name` and its `rule`.
fn within<T: std::str::FromStr + PartialOrd>(
    raw: &str,
    range: std::ops::RangeInclusive<T>,
    name: &str,
    rule: &str,
) -> Result<T, GatewayError> {
    raw.parse().ok().filter(|n| range.contains(n)).ok_or_else(|| misconfigured(name, rule, raw))
}

/// `true`/`false`, case-insensitive, as used by variables and `cf-aig-*` flags.
pub(crate) fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
