//! Analytics Engine as the core's [`MetricsSink`]: one data point per request
//! (`gateway_core::logs::metrics::data_point`) into the dataset bound as `METRICS`.
//!
//! The binding is optional: without it no metrics are written. `writeDataPoint` does not wait
//! and locally (wrangler dev, Miniflare) its points are dropped, so `METRICS_DEBUG=true` prints
//! each point accepted by the binding as a console line `metrics: {json}` — how the end-to-end
//! tests see that the binding was called.
//!
//! The point crosses into JavaScript as one JSON text, parsed by one `JSON.parse`: building it
//! with `worker::AnalyticsEngineDataPointBuilder` takes a call per index, blob and double.

use gateway_core::logs::metrics::DataPoint;
use gateway_core::logs::store::MetricsSink;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::{console_error, console_log, Env};

/// The Analytics Engine dataset binding.
pub const BINDING: &str = "METRICS";

#[wasm_bindgen]
extern "C" {
    /// An Analytics Engine dataset binding (`env.METRICS`).
    type Dataset;

    #[wasm_bindgen(method, catch, js_name = writeDataPoint)]
    fn write_data_point(this: &Dataset, point: &JsValue) -> Result<(), JsValue>;
}

/// Writes data points to the `METRICS` dataset.
pub struct AnalyticsEngine {
    dataset: Dataset,
    debug: bool,
}

impl AnalyticsEngine {
    /// The sink over the `METRICS` binding, `None` when it is not bound.
    pub fn from_env(env: &Env) -> Option<AnalyticsEngine> {
        let binding = crate::binding(env, BINDING)?;
        let debug = crate::var(env, "METRICS_DEBUG").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        Some(AnalyticsEngine { dataset: binding.unchecked_into(), debug })
    }
}

impl MetricsSink for AnalyticsEngine {
    fn write(&self, point: &DataPoint) {
        // Serializing strings and numbers cannot fail (a non-finite double becomes null).
        let json = serde_json::to_string(point).unwrap_or_default();
        let written = js_sys::JSON::parse(&json).and_then(|point| self.dataset.write_data_point(&point));
        match written {
            Ok(()) if self.debug => console_log!("metrics: {json}"),
            Ok(()) => {}
            Err(err) => console_error!("metrics: writeDataPoint failed: {}", crate::http_port::js_message(&err)),
        }
    }
}
