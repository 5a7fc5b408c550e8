use std::collections::BTreeMap;

use super::*;
use crate::cache::CacheStatus;
use crate::logs::entry::LogEntry;
use crate::logs::id::shard_of;
use crate::logs::test_db::{insert, open, query, sample_entries, BASE_MS};

/// Relative error bound of a histogram percentile (module doc).
const BOUND: f64 = 0.0443;

fn exact_percentile(mut values: Vec<u64>, p: f64) -> f64 {
    values.sort();
    let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1] as f64
}

fn run(shards: &[rusqlite::Connection], q: &str) -> Vec<StatsPoint> {
    let parsed = StatsQuery::parse(q).unwrap();
    let statement = stats_statement(&parsed);
    let rows = shards.iter().flat_map(|c| query(c, &statement)).map(|r| StatsRow::from_row(&r).unwrap());
    merge_stats(rows, parsed.group_by)
}

#[test]
fn stats_over_shards_equal_stats_of_the_raw_entries() {
    let mut entries = sample_entries(400, 31);
    // Spread over ~3 hours and make latencies span several decades.
    for (i, e) in entries.iter_mut().enumerate() {
        e.created_at_ms = BASE_MS + i as i64 * 27_000;
        e.duration_ms = [0, 1, 3, 17, 250, 1234, 9999, 60_000][i % 8] + (i as u64 % 13);
        e.gateway = ["gw", "team-a", "team-b"][i % 3].into();
    }
    let shards: Vec<rusqlite::Connection> = (0..4).map(|_| open()).collect();
    for (i, s) in shards.iter().enumerate() {
        let mine: Vec<LogEntry> = entries.iter().filter(|e| shard_of(&e.id, 4) == i as u32).cloned().collect();
        insert(s, &mine);
    }
    for group_by in ["none", "gateway", "provider", "model", "key"] {
        let points = run(&shards, &format!("bucket=1h&group_by={group_by}"));
        let mut raw: BTreeMap<(i64, String), Vec<&LogEntry>> = BTreeMap::new();
        for e in &entries {
            let group = match group_by {
                "gateway" => e.gateway.clone(),
                "provider" => e.provider.clone(),
                "model" => e.model.clone(),
                "key" => e.virtual_key_id.clone().unwrap_or_default(),
                _ => String::new(),
            };
            raw.entry((e.created_at_ms / 3_600_000 * 3_600_000, group)).or_default().push(e);
        }
        assert_eq!(points.len(), raw.len(), "group_by={group_by}");
        for (p, ((bucket, group), es)) in points.iter().zip(&raw) {
            assert_eq!(p.bucket_start_ms, *bucket);
            assert_eq!(p.group.clone().unwrap_or_default(), *group);
            assert_eq!(p.requests, es.len() as u64);
            assert_eq!(p.errors, es.iter().filter(|e| !e.success).count() as u64);
            assert_eq!(p.tokens_in, es.iter().map(|e| e.tokens_in).sum::<u64>());
            assert_eq!(p.tokens_out, es.iter().map(|e| e.tokens_out).sum::<u64>());
            assert_eq!(p.cost, es.iter().filter_map(|e| e.cost).sum::<f64>());
            assert_eq!(p.cost_unknown_requests, es.iter().filter(|e| e.cost.is_none()).count() as u64);
            let hits = es.iter().filter(|e| e.cache_status == Some(CacheStatus::Hit)).count();
            assert_eq!(p.cache_hit_rate, hits as f64 / es.len() as f64);
            let durations: Vec<u64> = es.iter().map(|e| e.duration_ms).collect();
            for (got, q) in [(p.latency_p50_ms, 0.5), (p.latency_p95_ms, 0.95)] {
                let want = exact_percentile(durations.clone(), q);
                assert!((got - want).abs() <= BOUND * want, "p{q}: got {got}, exact {want}");
            }
        }
    }
}

#[test]
fn bucket_all_is_one_point_per_group_for_the_whole_range_starting_at_from() {
    let mut entries = sample_entries(200, 33);
    for (i, e) in entries.iter_mut().enumerate() {
        // Three days, so that hourly or daily buckets would split the range.
        e.created_at_ms = BASE_MS + i as i64 * 1_300_000;
        e.duration_ms = [2, 40, 700, 12_000][i % 4] + i as u64;
    }
    let shards = [open(), open()];
    for (i, e) in entries.iter().enumerate() {
        insert(&shards[i % 2], std::slice::from_ref(e));
    }
    let (from, to) = (BASE_MS + 10_000_000, BASE_MS + 200_000_000);
    let inside: Vec<&LogEntry> = entries.iter().filter(|e| (from..to).contains(&e.created_at_ms)).collect();
    let points = run(&shards, &format!("bucket=all&from={from}&to={to}"));
    assert_eq!(points.len(), 1, "{points:?}");
    let p = &points[0];
    assert_eq!((p.bucket_start_ms, p.group.as_deref()), (from, None));
    assert_eq!(p.requests, inside.len() as u64);
    assert_eq!(p.errors, inside.iter().filter(|e| !e.success).count() as u64);
    assert_eq!(p.tokens_out, inside.iter().map(|e| e.tokens_out).sum::<u64>());
    assert_eq!(p.cost, inside.iter().filter_map(|e| e.cost).sum::<f64>());
    let durations: Vec<u64> = inside.iter().map(|e| e.duration_ms).collect();
    for (got, q) in [(p.latency_p50_ms, 0.5), (p.latency_p95_ms, 0.95)] {
        let want = exact_percentile(durations.clone(), q);
        assert!((got - want).abs() <= BOUND * want, "p{q}: got {got}, exact {want}");
    }
    // Without `from`, the one bucket starts at 0; with a grouping, one point per group.
    let by_provider = run(&shards, "bucket=all&group_by=provider");
    assert_eq!(by_provider.len(), 4);
    assert!(by_provider.iter().all(|p| p.bucket_start_ms == 0));
    assert_eq!(by_provider.iter().map(|p| p.requests).sum::<u64>(), 200);
}

#[test]
fn stats_respect_filters() {
    let entries = sample_entries(120, 32);
    let conn = open();
    insert(&conn, &entries);
    let points = run(std::slice::from_ref(&conn), "bucket=1d&provider=openai&status=2xx");
    let total: u64 = points.iter().map(|p| p.requests).sum();
    let want = entries.iter().filter(|e| e.provider == "openai" && e.status / 100 == 2).count() as u64;
    assert_eq!(total, want);
    assert!(points.iter().all(|p| p.errors == 0 && p.group.is_none()));
}

#[test]
fn histogram_bins_and_error_bound() {
    assert_eq!(latency_bin(0), 0);
    assert_eq!(latency_bin(1), 1);
    assert_eq!(latency_bin(2), 9);
    assert_eq!(latency_bin(u64::MAX), MAX_BIN);
    for d in 1..20_000u64 {
        let v = bin_value_ms(latency_bin(d));
        assert!((v - d as f64).abs() <= BOUND * d as f64, "{d} -> {v}");
    }
    assert_eq!(percentile(&BTreeMap::new(), 0.5), 0.0);
}

#[test]
fn stats_query_parameters() {
    let q = StatsQuery::parse("bucket=5m&group_by=model&provider=groq").unwrap();
    assert_eq!((q.bucket, q.group_by), (Bucket::FiveMinutes, GroupBy::Model));
    let q = StatsQuery::parse("bucket=all&group_by=key&from=0&to=9999999999999").unwrap();
    assert_eq!((q.bucket, q.group_by), (Bucket::All, GroupBy::Key));
    assert_eq!(StatsQuery::parse("group_by=gateway").unwrap().group_by, GroupBy::Gateway);
    assert_eq!(StatsQuery::parse("").unwrap().bucket, Bucket::Hour);
    for (bad, name) in [
        ("bucket=2m", "bucket"),
        ("group_by=user", "group_by"),
        ("bucket=1m&bucket=1h", "bucket"),
        ("limit=5", "limit"),
        ("bucket=1m&from=0&to=9999999999", "bucket"),
    ] {
        let err = StatsQuery::parse(bad).unwrap_err();
        assert!(err.message().contains(name), "{bad}: {}", err.message());
    }
}

#[test]
fn a_range_wider_than_an_i64_is_too_many_buckets_not_an_overflow() {
    // Found by `query::props::any_query_string_is_a_query_that_runs_or_a_client_error`:
    // `to - from` overflowed (a panic in debug builds, a wrapped negative span in release).
    let err = StatsQuery::parse("to=0&from=-9223372036854775808").unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(err.message().contains("bucket"), "{}", err.message());
}

#[test]
fn token_counts_beyond_i64_saturate_instead_of_failing_the_query() {
    // Found by `props::any_reported_counts_give_stats`: SQLite's SUM failed with "integer
    // overflow" (a 500 for the whole range), and the merge of two shards overflowed a u64.
    let shards = [open(), open()];
    let mut entries = sample_entries(3, 11);
    for (i, e) in entries.iter_mut().enumerate() {
        (e.tokens_in, e.duration_ms, e.created_at_ms) = (u64::MAX, 10, BASE_MS);
        insert(&shards[i % 2], std::slice::from_ref(e));
    }
    let points = run(&shards, "");
    assert_eq!(points.iter().map(|p| p.tokens_in).collect::<Vec<_>>(), [u64::MAX]);
}

#[test]
fn summed_costs_come_out_without_float_noise() {
    let noisy: f64 = 0.000_000_15 + 0.000_000_15 + 0.000_002_55;
    assert_ne!(noisy.to_string(), "0.00000285", "the sum itself is noisy");
    assert_eq!(round_usd(noisy).to_string(), "0.00000285");
    assert_eq!(round_usd(12.345_678_901_23), 12.345_678_901_2);
}
