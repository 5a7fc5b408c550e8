//! The Worker: binds the gateway core to the Workers runtime.
//!
//! Each request is turned into a [`ClientRequest`], handled by the core [`Pipeline`] through
//! [`WorkerHttp`], and answered with the upstream's response (its body passed on as it arrives,
//! watched on the side: `src/body_stream.rs`) or a local JSON reply. What happens after the
//! response head is sent (watching a stream for plugins, `on_log` hooks) runs in
//! `ctx.wait_until`, off the hot path.

mod admin;
mod body_stream;
mod coalescer;
mod control_plane;
mod control_store;
mod durable_call;
mod failure;
mod http_port;
mod kv_cache;
mod limit_counter;
mod limiter;
mod log_queue;
mod log_shard;
mod log_store;
mod metrics;
mod plugin_http;
mod plugins;
mod semantic;
mod semantic_index;
mod semantic_index_client;
mod sql_transaction;
mod timer;

use std::cell::OnceCell;
use std::rc::Rc;

use gateway_core::{ClientRequest, GatewayConfig, GatewayError, Outcome, Pipeline, Services};
use worker::worker_sys::web_sys;
use worker::{event, Context, Env};

use crate::http_port::{client_headers, local_response, WorkerHttp};

thread_local! {
    /// Built on the first request of an isolate: variables do not change while it lives.
    static PIPELINE: OnceCell<Result<Rc<Pipeline>, GatewayError>> = const { OnceCell::new() };
}

/// A variable or secret of the Worker as text; `None` when unset.
///
/// Secrets, `.dev.vars` and string `[vars]` are strings on `env`. A `[vars]` value that is a TOML
/// table, array, number or boolean reaches the Worker as that JSON value instead: it is read back
/// as its JSON text, so `ROUTES` may be a table and `CACHE_TTL = 3600` a number.
///
/// Read straight off the object: `Env::var` builds a JS `Error` (with its stack trace) for every
/// name that is not set, which profiling showed cost more than the rest of a request together.
pub(crate) fn var(env: &Env, name: &str) -> Option<String> {
    let value = js_sys::Reflect::get(env, &wasm_bindgen::JsValue::from_str(name)).ok()?;
    if let Some(text) = value.as_string() {
        return Some(text);
    }
    if value.is_undefined() || value.is_null() {
        return None;
    }
    js_sys::JSON::stringify(&value).ok().map(String::from)
}

/// A binding of the Worker (`env[name]`: a KV namespace, a Durable Object namespace, a
/// dataset), `None` when it is not bound. Cast with `unchecked_into`: `Env`'s typed getters
/// check the binding's constructor name, several calls into JavaScript per binding and request.
pub(crate) fn binding(env: &Env, name: &str) -> Option<wasm_bindgen::JsValue> {
    let value = js_sys::Reflect::get(env, &wasm_bindgen::JsValue::from_str(name)).ok()?;
    (!value.is_undefined() && !value.is_null()).then_some(value)
}

pub(crate) fn pipeline(env: &Env) -> Result<Rc<Pipeline>, GatewayError> {
    PIPELINE.with(|cell| {
        cell.get_or_init(|| {
            let config = GatewayConfig::from_env(|name| var(env, name))?;
            let plugins = plugins::enabled(var(env, "PLUGINS").as_deref(), var(env, "PLUGIN_CONFIG").as_deref())?;
            Ok(Rc::new(Pipeline::new(config, plugins)))
        })
        .clone()
    })
}

/// The log queue's consumer (only called when wrangler.toml declares it): see [`log_queue`].
#[event(queue)]
async fn queue(batch: worker::MessageBatch<String>, env: Env, _ctx: Context) -> worker::Result<()> {
    log_queue::consume(batch, &env).await;
    Ok(())
}

#[event(fetch)]
async fn fetch(req: web_sys::Request, env: Env, ctx: Context) -> worker::Result<web_sys::Response> {
    if gateway_core::admin::is_admin_path(gateway_core::route::split_url(&req.url()).0) {
        return admin::handle(req, &env).await.or_else(|err| failure::respond(&err, "answering an admin request"));
    }
    coalescer::note_location(&req);
    let pipeline = match pipeline(&env) {
        Ok(pipeline) => pipeline,
        Err(err) => return failure::respond(&err, "the configuration is invalid"),
    };
    handle(&pipeline, req, &env, &ctx).await.or_else(|err| failure::respond(&err, "sending the response"))
}

/// The services the pipeline may use for this request, from the Worker's bindings, each `None`
/// when not bound: the `CACHE` KV namespace (behind the isolate's memory tier) and the
/// `CACHE_COALESCER` Durable Objects; the log shards (`LOGS` binding, `LOG_SHARDS` of them)
/// behind a batching sink, or behind the `LOG_QUEUE` queue when it is bound; Analytics Engine
/// (`METRICS`); the control plane (`CONTROL`), which a request reads only when it presents a
/// virtual key or `STORED_GATEWAYS` is on; the limiters (`LIMITER`), called only for a request
/// its key or gateway limits; the semantic cache's index and embedder (`src/semantic.rs`).
fn services(env: &Env, config: &GatewayConfig) -> Services {
    Services {
        cache: kv_cache::KvCache::tiered(env, config.cache.memory),
        coalescer: coalescer::DurableCoalescer::from_env(env)
            .map(|c| Rc::new(c) as Rc<dyn gateway_core::cache::Coalescer>),
        logs: log_store::ShardStore::from_env(env, config.logs.shards).map(
            |store| match log_queue::QueueSink::from_env(env, log_store::BatchingSink::new(store, config.logs.batch_ms))
            {
                Ok(queue) => Rc::new(queue) as Rc<dyn gateway_core::logs::store::LogSink>,
                Err(batching) => Rc::new(batching),
            },
        ),
        metrics: metrics::AnalyticsEngine::from_env(env)
            .map(|sink| Rc::new(sink) as Rc<dyn gateway_core::logs::store::MetricsSink>),
        control: control_store::store_from_env(env)
            .map(|store| Rc::new(store) as Rc<dyn gateway_core::control::store::ControlStore>),
        limiter: limiter::DurableLimiter::from_env(env)
            .map(|limiter| Rc::new(limiter) as Rc<dyn gateway_core::limits::store::Limiter>),
        plugin_http: Some(Rc::new(plugin_http::WorkerPluginHttp::new(env))),
        semantic: semantic::services(env, config),
    }
}

async fn handle(
    pipeline: &Pipeline,
    req: web_sys::Request,
    env: &Env,
    ctx: &Context,
) -> Result<web_sys::Response, GatewayError> {
    let url = req.url();
    let (path, query) = gateway_core::route::split_url(&url);
    let js_headers = req.headers();
    let headers = client_headers(&js_headers);
    let idle_ms = pipeline.config().upstream_idle_timeout_ms;
    let port = WorkerHttp::new(js_headers, &headers, env.clone(), idle_ms);
    let request = ClientRequest {
        method: req.method(),
        path: path.to_owned(),
        query: query.map(str::to_owned),
        headers,
        body: req.body().map(Into::into),
    };
    let (outcome, completion) = pipeline.handle(&port, &services(env, pipeline.config()), request).await;
    match outcome {
        Outcome::Upstream(response) => body_stream::respond(response, completion, idle_ms, ctx).await,
        Outcome::Local(reply) => {
            if !completion.is_noop() {
                ctx.wait_until(completion.finish());
            }
            local_response(&reply)
        }
    }
}
