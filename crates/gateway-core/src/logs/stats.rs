//! Dashboard stats: requests, errors, tokens, cost, cache hit rate and latency percentiles per
//! time bucket (or over the whole range), optionally grouped by gateway, provider, model or
//! virtual key.
//!
//! Each shard runs [`stats_statement`]; it returns one row per (bucket, group, latency bin), so
//! every number is a count or a sum and merges across shards by addition ([`merge_stats`]).
//! Percentiles come from the merged latency histogram.
//!
//! **Histogram.** Bin 0 holds 0 ms; bin `k ≥ 1` holds durations `d` with
//! `k − 1 ≤ 8·log2(d) < k`, i.e. `[2^((k−1)/8), 2^(k/8))` ms: 8 bins per doubling, up to bin
//! [`MAX_BIN`] (≈ 18 minutes, longer requests fall in the last bin). The bin is computed in Rust
//! at insert time and stored in `latency_bin`, so the SQL needs no math functions. A percentile is
//! the nearest-rank percentile of the histogram, reported as the bin's geometric midpoint
//! `2^((k−0.5)/8)`: since the exact nearest-rank value lies in the same bin, the **relative error
//! is at most 2^(1/16) − 1 ≈ 4.4 %** (exact for 0 ms; and for the last bin, unbounded above).
//!
//! Query parameters: the filters of [`crate::logs::query`], plus `bucket` = `1m`, `5m`, `1h`
//! (default), `1d` or `all` (one point for the whole range, starting at `from`, else at 0: the
//! dashboard's totals, whose percentiles no sum of buckets could give), and `group_by` = `none`
//! (default), `gateway`, `provider`, `model` or `key` (the virtual key id; `""` for requests made
//! without one).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::GatewayError;
use crate::logs::query::{parse_pairs, LogFilter};
use crate::logs::sql::{filter_where, Statement};

/// Histogram bins per doubling of latency.
pub const BINS_PER_DOUBLING: u32 = 8;
/// The last bin: `1 + 8·20` covers up to 2^20 ms.
pub const MAX_BIN: u32 = 1 + BINS_PER_DOUBLING * 20;
/// Most buckets a stats query may span when both `from` and `to` are given.
pub const MAX_BUCKETS: i64 = 5000;

/// The latency histogram bin of a duration (see the module doc).
pub fn latency_bin(duration_ms: u64) -> u32 {
    if duration_ms == 0 {
        return 0;
    }
    let k = 1 + (f64::from(BINS_PER_DOUBLING) * (duration_ms as f64).log2()).floor() as u32;
    k.min(MAX_BIN)
}

/// The value a bin stands for: its geometric midpoint (0 for bin 0).
pub fn bin_value_ms(bin: u32) -> f64 {
    if bin == 0 {
        0.0
    } else {
        2f64.powf((f64::from(bin) - 0.5) / f64::from(BINS_PER_DOUBLING))
    }
}

/// Time bucket width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Minute,
    FiveMinutes,
    Hour,
    Day,
    /// One bucket for the whole range.
    All,
}

impl Bucket {
    /// The width of a bucket; `None` for [`Bucket::All`].
    pub fn millis(self) -> Option<i64> {
        match self {
            Bucket::Minute => Some(60_000),
            Bucket::FiveMinutes => Some(300_000),
            Bucket::Hour => Some(3_600_000),
            Bucket::Day => Some(86_400_000),
            Bucket::All => None,
        }
    }
}

/// What rows are grouped by besides time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    None,
    Gateway,
    Provider,
    Model,
    /// The virtual key id (`""` without one).
    Key,
}

impl GroupBy {
    fn column(self) -> &'static str {
        match self {
            GroupBy::None => "''",
            GroupBy::Gateway => "gateway",
            GroupBy::Provider => "provider",
            GroupBy::Model => "model",
            GroupBy::Key => "COALESCE(virtual_key_id, '')",
        }
    }
}

/// A parsed stats query.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsQuery {
    pub filter: LogFilter,
    pub bucket: Bucket,
    pub group_by: GroupBy,
}

impl StatsQuery {
    /// Parses the stats query string.
    ///
    /// Errors: 400 naming the parameter (as for lists), or `bucket` when `from`..`to` spans more
    /// than [`MAX_BUCKETS`] buckets.
    pub fn parse(query: &str) -> Result<StatsQuery, GatewayError> {
        let mut filter = LogFilter::default();
        let (mut bucket, mut group_by) = (None, None);
        for (key, value) in parse_pairs(query)? {
            if filter.take(&key, &value)? {
                continue;
            }
            let dup = || GatewayError::invalid(format!("{key} is given more than once"));
            match key.as_str() {
                "bucket" if bucket.is_none() => {
                    bucket = Some(match value.as_str() {
                        "1m" => Bucket::Minute,
                        "5m" => Bucket::FiveMinutes,
                        "1h" => Bucket::Hour,
                        "1d" => Bucket::Day,
                        "all" => Bucket::All,
                        _ => {
                            return Err(GatewayError::invalid(format!(
                                "bucket must be 1m, 5m, 1h, 1d or all, got {value:?}"
                            )))
                        }
                    })
                }
                "group_by" if group_by.is_none() => {
                    group_by = Some(match value.as_str() {
                        "none" => GroupBy::None,
                        "gateway" => GroupBy::Gateway,
                        "provider" => GroupBy::Provider,
                        "model" => GroupBy::Model,
                        "key" => GroupBy::Key,
                        _ => {
                            return Err(GatewayError::invalid(format!(
                                "group_by must be none, gateway, provider, model or key, got {value:?}"
                            )))
                        }
                    })
                }
                "bucket" | "group_by" => return Err(dup()),
                _ => {
                    return Err(GatewayError::invalid(format!(
                        "unknown query parameter {key:?}; stats take the log filters, bucket and group_by"
                    )))
                }
            }
        }
        let bucket = bucket.unwrap_or(Bucket::Hour);
        if let (Some(from), Some(to), Some(width)) = (filter.from_ms, filter.to_ms, bucket.millis()) {
            if to.saturating_sub(from) / width > MAX_BUCKETS {
                return Err(GatewayError::invalid(format!(
                    "bucket is too small for from..to: at most {MAX_BUCKETS} buckets per query"
                )));
            }
        }
        Ok(StatsQuery { filter, bucket, group_by: group_by.unwrap_or(GroupBy::None) })
    }
}

/// The per-shard stats query: one row per (bucket, grp, bin) with columns `bucket`, `grp`, `bin`,
/// `requests`, `errors`, `tokens_in`, `tokens_out`, `cost`, `cost_known`, `cache_hits`.
pub fn stats_statement(q: &StatsQuery) -> Statement {
    let (cond, mut binds) = filter_where(&q.filter);
    // Durable Objects bind every JS number as a REAL: without the casts, the division would not
    // truncate and every row would be its own bucket. Token counts are the provider's word:
    // TOTAL (a float) cannot fail with "integer overflow" as SUM does.
    let (bucket, mut all) = match q.bucket.millis() {
        Some(width) => ("(created_at / CAST(? AS INTEGER)) * CAST(? AS INTEGER)", vec![width.into(), width.into()]),
        None => ("CAST(? AS INTEGER)", vec![q.filter.from_ms.unwrap_or(0).into()]),
    };
    let sql = format!(
        "SELECT {bucket} AS bucket, {grp} AS grp, latency_bin AS bin, COUNT(*) AS requests, \
         SUM(success = 0) AS errors, TOTAL(tokens_in) AS tokens_in, TOTAL(tokens_out) AS tokens_out, \
         SUM(cost) AS cost, COUNT(cost) AS cost_known, SUM(cache_status = 'HIT') AS cache_hits \
         FROM logs WHERE {cond} GROUP BY bucket, grp, bin",
        grp = q.group_by.column()
    );
    all.append(&mut binds);
    (sql, all)
}

/// One row of [`stats_statement`]'s result.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsRow {
    pub bucket: i64,
    pub group: String,
    pub bin: u32,
    pub requests: u64,
    pub errors: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost: f64,
    pub cost_known: u64,
    pub cache_hits: u64,
}

impl StatsRow {
    /// Decodes a result row (JSON object keyed by column name).
    ///
    /// Errors (500): a missing or non-numeric column.
    pub fn from_row(row: &serde_json::Map<String, serde_json::Value>) -> Result<StatsRow, GatewayError> {
        let bad = |col: &str| GatewayError::internal(format!("stats row has a missing or invalid {col} column"));
        let num = |col: &str| row.get(col).and_then(|v| v.as_f64()).ok_or_else(|| bad(col));
        let count = |col: &str| num(col).map(|v| v.max(0.0) as u64);
        Ok(StatsRow {
            bucket: num("bucket")? as i64,
            group: row.get("grp").and_then(|v| v.as_str()).unwrap_or_default().to_string(),
            bin: count("bin")? as u32,
            requests: count("requests")?,
            errors: count("errors")?,
            tokens_in: count("tokens_in")?,
            tokens_out: count("tokens_out")?,
            // SUM of only NULLs is NULL: no known cost in this cell.
            cost: row.get("cost").and_then(|v| v.as_f64()).unwrap_or(0.0),
            cost_known: count("cost_known")?,
            cache_hits: count("cache_hits")?,
        })
    }
}

/// One point of the dashboard series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsPoint {
    /// Bucket start, ms since the epoch.
    pub bucket_start_ms: i64,
    /// The gateway, provider, model or virtual key id; `None` without grouping.
    pub group: Option<String>,
    pub requests: u64,
    pub errors: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// Sum of the known costs, USD.
    pub cost: f64,
    /// Requests whose cost is unknown (not in `cost`).
    pub cost_unknown_requests: u64,
    /// Cache hits / requests.
    pub cache_hit_rate: f64,
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
}

#[derive(Default)]
struct Acc {
    row: Option<StatsRow>,
    histogram: BTreeMap<u32, u64>,
}

/// Merges the rows of all shards into one series, sorted by bucket then group.
pub fn merge_stats(rows: impl IntoIterator<Item = StatsRow>, group_by: GroupBy) -> Vec<StatsPoint> {
    let mut cells: BTreeMap<(i64, String), Acc> = BTreeMap::new();
    for r in rows {
        let acc = cells.entry((r.bucket, r.group.clone())).or_default();
        *acc.histogram.entry(r.bin).or_default() += r.requests;
        match &mut acc.row {
            None => acc.row = Some(r),
            Some(a) => {
                a.requests += r.requests;
                a.errors += r.errors;
                a.tokens_in = a.tokens_in.saturating_add(r.tokens_in);
                a.tokens_out = a.tokens_out.saturating_add(r.tokens_out);
                a.cost += r.cost;
                a.cost_known += r.cost_known;
                a.cache_hits += r.cache_hits;
            }
        }
    }
    cells
        .into_iter()
        .filter_map(|((bucket, group), acc)| {
            let a = acc.row?;
            Some(StatsPoint {
                bucket_start_ms: bucket,
                group: (group_by != GroupBy::None).then_some(group),
                requests: a.requests,
                errors: a.errors,
                tokens_in: a.tokens_in,
                tokens_out: a.tokens_out,
                cost: round_usd(a.cost),
                cost_unknown_requests: a.requests - a.cost_known.min(a.requests),
                cache_hit_rate: if a.requests == 0 { 0.0 } else { a.cache_hits as f64 / a.requests as f64 },
                latency_p50_ms: percentile(&acc.histogram, 0.50),
                latency_p95_ms: percentile(&acc.histogram, 0.95),
            })
        })
        .collect()
}

/// The nearest-rank `p`-percentile (0 < p ≤ 1) of a histogram, as its bin's value; 0 when empty.
pub fn percentile(histogram: &BTreeMap<u32, u64>, p: f64) -> f64 {
    let total: u64 = histogram.values().sum();
    if total == 0 {
        return 0.0;
    }
    let rank = ((p * total as f64).ceil() as u64).clamp(1, total);
    let mut seen = 0;
    for (&bin, &count) in histogram {
        seen += count;
        if seen >= rank {
            return bin_value_ms(bin);
        }
    }
    0.0
}

/// A sum of costs without the float noise of adding many small prices (`2.5499999999999997e-6`
/// shown as `2.55e-6`): rounded to a ten-billionth of a dollar, far below any price's precision.
fn round_usd(usd: f64) -> f64 {
    (usd * 1e10).round() / 1e10
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "stats_props.rs"]
mod props;
