//! The Workers Analytics Engine data point written for every request (logged or not).
//!
//! Layout (the SQL API names fields `index1`, `blob1…`, `double1…`):
//!
//! | field | value |
//! |---|---|
//! | `index1` | gateway id (≤ 96 bytes) |
//! | `blob1` | provider |
//! | `blob2` | model |
//! | `blob3` | status class: `2xx`, `4xx`, `5xx`, … |
//! | `blob4` | cache status: `HIT`, `MISS`, `BYPASS`, `NONE` |
//! | `blob5` | virtual key id, or empty |
//! | `double1` | input tokens |
//! | `double2` | output tokens |
//! | `double3` | cost in USD, **0 when unknown** |
//! | `double4` | duration, ms |
//! | `double5` | time to first byte, ms (0 when unknown) |
//! | `double6` | 1 when the cost is known, else 0 |
//! | `double7` | 1 when the ttfb is known, else 0 |
//!
//! Unknown costs are 0 plus a flag, not NaN: NaN poisons `SUM` and has no JSON form, while
//! `SUM(double3)` over known costs stays right and `SUM(_sample_interval * (1 - double6))` counts
//! the unpriced requests. Always weight by `_sample_interval` (Analytics Engine samples).
//!
//! Queries over the dataset (Analytics Engine SQL API, Grafana) are in `docs/logs.md`.

use serde::Serialize;

use crate::logs::entry::LogEntry;

/// Analytics Engine's limit on the index size, in bytes.
pub const MAX_INDEX_BYTES: usize = 96;

/// The argument of `writeDataPoint`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataPoint {
    pub indexes: Vec<String>,
    pub blobs: Vec<String>,
    pub doubles: Vec<f64>,
}

/// `2xx`, `4xx`, … for a status code.
pub fn status_class(status: u16) -> String {
    format!("{}xx", status / 100)
}

/// The data point of one request (see the module doc for the layout).
pub fn data_point(e: &LogEntry) -> DataPoint {
    let mut index = e.gateway.clone();
    if index.len() > MAX_INDEX_BYTES {
        let mut cut = MAX_INDEX_BYTES;
        while !index.is_char_boundary(cut) {
            cut -= 1;
        }
        index.truncate(cut);
    }
    DataPoint {
        indexes: vec![index],
        blobs: vec![
            e.provider.clone(),
            e.model.clone(),
            status_class(e.status),
            crate::logs::entry::cache_status_text(e.cache_status).to_string(),
            e.virtual_key_id.clone().unwrap_or_default(),
        ],
        doubles: vec![
            e.tokens_in as f64,
            e.tokens_out as f64,
            e.cost.unwrap_or(0.0),
            e.duration_ms as f64,
            e.ttfb_ms.unwrap_or(0) as f64,
            if e.cost.is_some() { 1.0 } else { 0.0 },
            if e.ttfb_ms.is_some() { 1.0 } else { 0.0 },
        ],
    }
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
