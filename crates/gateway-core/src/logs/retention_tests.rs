use super::*;
use crate::logs::test_db::{count, exec, insert, open, query, sample_entries, BASE_MS};

fn settings(days: Option<u32>, rows: Option<u64>) -> LogSettings {
    LogSettings { retention_days: days, max_rows_per_shard: rows, ..LogSettings::default() }
}

#[test]
fn deletes_rows_older_than_the_retention() {
    let conn = open();
    let mut entries = sample_entries(100, 11);
    for (i, e) in entries.iter_mut().enumerate() {
        e.created_at_ms = BASE_MS + i as i64 * DAY_MS as i64 / 10; // 10 rows per day
    }
    insert(&conn, &entries);
    let now = (BASE_MS + 10 * DAY_MS as i64) as f64;
    for st in retention_statements(&settings(Some(3), None), now) {
        exec(&conn, &st);
    }
    let cutoff = now as i64 - 3 * DAY_MS as i64;
    let kept = entries.iter().filter(|e| e.created_at_ms >= cutoff).count();
    assert_eq!(count(&conn) as usize, kept);
    assert!(kept > 0 && kept < 100);
    let oldest = query(&conn, &(OLDEST_ROW_SQL.to_string(), vec![]))[0]["oldest"].as_i64().unwrap();
    assert!(oldest >= cutoff);
}

#[test]
fn keeps_only_the_newest_rows_per_shard() {
    let conn = open();
    let entries = sample_entries(90, 12);
    insert(&conn, &entries);
    for st in retention_statements(&settings(None, Some(25)), BASE_MS as f64) {
        exec(&conn, &st);
    }
    assert_eq!(count(&conn), 25);
    let mut newest: Vec<(i64, String)> = entries.iter().map(|e| (e.created_at_ms, e.id.clone())).collect();
    newest.sort();
    let want: Vec<String> = newest.into_iter().rev().take(25).map(|(_, id)| id).collect();
    let rows = query(&conn, &("SELECT id FROM logs ORDER BY created_at DESC, id DESC".into(), vec![]));
    let got: Vec<String> = rows.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(got, want);
}

#[test]
fn next_alarm() {
    let now = 1_000_000_000.0;
    assert_eq!(next_alarm_ms(&settings(None, None), now, Some(0.0)), None);
    assert_eq!(next_alarm_ms(&settings(Some(1), None), now, None), None);
    // Oldest row expires in 2 hours; a row limit forces an hourly run.
    let oldest = now - DAY_MS + 2.0 * 3_600_000.0;
    assert_eq!(next_alarm_ms(&settings(Some(1), None), now, Some(oldest)), Some(oldest + DAY_MS));
    assert_eq!(next_alarm_ms(&settings(Some(1), Some(10)), now, Some(oldest)), Some(now + RETENTION_INTERVAL_MS));
    // Already expired: not sooner than the minimum delay.
    assert_eq!(next_alarm_ms(&settings(Some(1), None), now, Some(0.0)), Some(now + MIN_ALARM_DELAY_MS));
    assert!(retention_statements(&settings(None, None), now).is_empty());
}
