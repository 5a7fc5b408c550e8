//! Analytics Engine as the core's [`MetricsSink`]: one data point per request
//! (`gateway_core::logs::metrics::data_point`) into the dataset bound as `METRICS`.
//!
//! The binding is optional: without it no metrics are written. `writeDataPoint` does not wait
//! and locally (wrangler dev, Miniflare) its points are dropped, so `METRICS_DEBUG=true` prints
//! each point accepted by the binding as a console line `metrics: {json}` — how the end-to-end
//! tests see that the binding was called.

use gateway_core::logs::metrics::DataPoint;
use gateway_core::logs::store::MetricsSink;
use worker::{console_error, console_log, AnalyticsEngineDataPointBuilder, AnalyticsEngineDataset, Env};

/// The Analytics Engine dataset binding.
pub const BINDING: &str = "METRICS";

/// Writes data points to the `METRICS` dataset.
pub struct AnalyticsEngine {
    dataset: AnalyticsEngineDataset,
    debug: bool,
}

impl AnalyticsEngine {
    /// The sink over the `METRICS` binding, `None` when it is not bound.
    pub fn from_env(env: &Env) -> Option<AnalyticsEngine> {
        let debug = crate::var(env, "METRICS_DEBUG").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        env.analytics_engine(BINDING).ok().map(|dataset| AnalyticsEngine { dataset, debug })
    }
}

impl MetricsSink for AnalyticsEngine {
    fn write(&self, point: &DataPoint) {
        let indexes: Vec<&str> = point.indexes.iter().map(String::as_str).collect();
        let written = AnalyticsEngineDataPointBuilder::new()
            .indexes(indexes)
            .blobs(point.blobs.iter().map(String::as_str))
            .doubles(point.doubles.iter().copied())
            .write_to(&self.dataset);
        match written {
            Ok(()) if self.debug => console_log!("metrics: {}", serde_json::to_string(point).unwrap_or_default()),
            Ok(()) => {}
            Err(err) => console_error!("metrics: writeDataPoint failed: {err}"),
        }
    }
}
