//! Retention: each shard deletes rows older than `LOG_RETENTION_DAYS` and keeps at most
//! `LOG_MAX_ROWS_PER_SHARD` newest rows, from its Durable Object alarm.
//!
//! The alarm handler runs [`retention_statements`], then sets the next alarm to
//! [`next_alarm_ms`] (no alarm when it returns `None`). After inserting a batch, a shard with no
//! alarm set calls [`next_alarm_ms`] too, so retention resumes once rows arrive.

use crate::logs::settings::LogSettings;
use crate::logs::sql::Statement;

/// Longest time between two retention runs while a row limit applies: rows may exceed the limit
/// by at most an hour's inserts.
pub const RETENTION_INTERVAL_MS: f64 = 3_600_000.0;
/// Shortest time between two runs, so an alarm never spins.
pub const MIN_ALARM_DELAY_MS: f64 = 60_000.0;

const DAY_MS: f64 = 86_400_000.0;

/// The deletes to run now: by age (rows created before `now − days`) and by count (rows beyond
/// the newest `max_rows`, ordered by `(created_at, id)`). Empty when neither limit is set.
pub fn retention_statements(settings: &LogSettings, now_ms: f64) -> Vec<Statement> {
    let mut out = Vec::new();
    if let Some(days) = settings.retention_days {
        let cutoff = (now_ms - f64::from(days) * DAY_MS).floor() as i64;
        out.push(("DELETE FROM logs WHERE created_at < ?".to_string(), vec![cutoff.into()]));
    }
    if let Some(max) = settings.max_rows_per_shard {
        let keep = i64::try_from(max).unwrap_or(i64::MAX);
        out.push((
            "DELETE FROM logs WHERE id IN (SELECT id FROM logs ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?)"
                .to_string(),
            vec![keep.into()],
        ));
    }
    out
}

/// The query giving the oldest row's time (`oldest`, NULL when empty), input to [`next_alarm_ms`].
pub const OLDEST_ROW_SQL: &str = "SELECT MIN(created_at) AS oldest FROM logs";

/// When the shard should next run retention: when its oldest row expires, and at least every
/// [`RETENTION_INTERVAL_MS`] while a row limit applies; never sooner than [`MIN_ALARM_DELAY_MS`].
/// `None` when there is nothing to do (no limits, or an empty shard with only an age limit).
pub fn next_alarm_ms(settings: &LogSettings, now_ms: f64, oldest_created_at_ms: Option<f64>) -> Option<f64> {
    let by_age = match (settings.retention_days, oldest_created_at_ms) {
        (Some(days), Some(oldest)) => Some(oldest + f64::from(days) * DAY_MS),
        _ => None,
    };
    let by_count = settings.max_rows_per_shard.map(|_| now_ms + RETENTION_INTERVAL_MS);
    let next = match (by_age, by_count) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    Some(next.max(now_ms + MIN_ALARM_DELAY_MS))
}

#[cfg(test)]
#[path = "retention_tests.rs"]
mod tests;
