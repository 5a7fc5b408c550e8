//! The request pipeline against an in-memory runtime: routing, body limits, plugin hooks in
//! order, short-circuits, stream watching and error rendering.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test file: a panic is a failed test
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use async_trait::async_trait;
use gateway_core::plugin::{Plugin, Reply, RequestContext, ResponseHead, UpstreamHead};
use gateway_core::sse::SseEvent;
use gateway_core::{
    BodyEnd, BodyMode, ClientRequest, ErrorKind, GatewayConfig, GatewayError, Headers, HttpPort, Outcome, Pipeline,
    RequestBody, Services,
};

#[derive(Debug, Clone, PartialEq)]
struct FakeResponse {
    status: u16,
    headers: Headers,
    body: Vec<u8>,
}

/// Records what the pipeline asked of the runtime.
#[derive(Default)]
struct FakePort {
    sent: RefCell<Vec<(UpstreamHead, Option<Vec<u8>>)>>,
    headers_edited: RefCell<Vec<bool>>,
    reply: RefCell<Option<Result<FakeResponse, GatewayError>>>,
    head_reads: Cell<u32>,
    head_writes: Cell<u32>,
    discarded: Cell<usize>,
    clock: Cell<f64>,
}

impl FakePort {
    fn answering(status: u16, content_type: &str, body: &str) -> Self {
        let port = FakePort::default();
        let headers: Headers = [("content-type", content_type), ("x-upstream", "1")].into_iter().collect();
        *port.reply.borrow_mut() = Some(Ok(FakeResponse { status, headers, body: body.as_bytes().to_vec() }));
        port
    }
}

#[async_trait(?Send)]
impl HttpPort for FakePort {
    type Body = Vec<u8>;
    type Response = FakeResponse;

    fn now_ms(&self) -> f64 {
        self.clock.set(self.clock.get() + 10.0);
        self.clock.get()
    }

    fn random(&self) -> f64 {
        0.5
    }

    fn secret(&self, name: &str) -> Option<String> {
        (name == "STORED_KEY").then(|| "sk-stored".to_string())
    }

    async fn read_body(&self, body: Vec<u8>, _declared: Option<u64>, max_bytes: u64) -> Result<Vec<u8>, GatewayError> {
        if body.len() as u64 > max_bytes {
            return Err(GatewayError::new(ErrorKind::PayloadTooLarge, "too large"));
        }
        Ok(body)
    }

    async fn discard(&self, body: Vec<u8>) {
        self.discarded.set(self.discarded.get() + body.len());
    }

    async fn sleep(&self, ms: u64) {
        self.clock.set(self.clock.get() + ms as f64);
    }

    async fn fetch(
        &self,
        upstream: &UpstreamHead,
        headers_edited: bool,
        body: Option<RequestBody<Vec<u8>>>,
        _first_byte_timeout_ms: Option<u64>,
        _wait_for_body: bool,
    ) -> Result<FakeResponse, GatewayError> {
        let body = body.map(|b| match b {
            RequestBody::Stream(bytes) => bytes,
            RequestBody::Bytes(bytes) => bytes.to_vec(),
        });
        self.sent.borrow_mut().push((upstream.clone(), body));
        self.headers_edited.borrow_mut().push(headers_edited);
        self.reply
            .borrow_mut()
            .take()
            .unwrap_or_else(|| Err(GatewayError::new(ErrorKind::UpstreamUnreachable, "connection refused")))
    }

    fn response_head(&self, response: &FakeResponse) -> ResponseHead {
        self.head_reads.set(self.head_reads.get() + 1);
        ResponseHead { status: response.status, headers: response.headers.clone() }
    }

    fn with_head(&self, response: FakeResponse, head: ResponseHead) -> Result<FakeResponse, GatewayError> {
        self.head_writes.set(self.head_writes.get() + 1);
        Ok(FakeResponse { status: head.status, headers: head.headers, body: response.body })
    }

    fn set_headers(&self, mut response: FakeResponse, headers: &Headers) -> Result<FakeResponse, GatewayError> {
        for (name, value) in headers.iter() {
            response.headers.set(name, value);
        }
        Ok(response)
    }

    async fn read_response(&self, response: FakeResponse, max_bytes: u64) -> Result<Vec<u8>, GatewayError> {
        if response.body.len() as u64 > max_bytes {
            return Err(GatewayError::internal("response too large"));
        }
        Ok(response.body)
    }

    fn cancel(&self, _response: FakeResponse) {}

    fn header(&self, response: &FakeResponse, name: &str) -> Option<String> {
        response.headers.get(name).map(str::to_owned)
    }

    fn status(&self, response: &FakeResponse) -> u16 {
        response.status
    }
}

fn request(path: &str, headers: &[(&str, &str)], body: Option<&str>) -> ClientRequest<Vec<u8>> {
    ClientRequest {
        method: "POST".into(),
        path: path.into(),
        query: Some("api-version=1".into()),
        headers: headers.iter().copied().collect(),
        body: body.map(|b| b.as_bytes().to_vec()),
    }
}

fn local(outcome: Outcome<FakeResponse>) -> Reply {
    match outcome {
        Outcome::Local(reply) => reply,
        Outcome::Upstream(r) => panic!("expected a local reply, got upstream {r:?}"),
    }
}

fn error_code(reply: &Reply) -> String {
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    body["error"]["code"].as_str().unwrap().to_string()
}

/// A plugin that records every hook it sees into a shared journal.
struct Journal {
    name: &'static str,
    log: Rc<RefCell<Vec<String>>>,
    short_circuit: bool,
    fail_request: bool,
    add_header: bool,
    watch_stream: bool,
}

impl Journal {
    fn new(name: &'static str, log: &Rc<RefCell<Vec<String>>>) -> Self {
        Journal {
            name,
            log: Rc::clone(log),
            short_circuit: false,
            fail_request: false,
            add_header: false,
            watch_stream: false,
        }
    }
}

#[async_trait(?Send)]
impl Plugin for Journal {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn on_upstream_request(
        &self,
        ctx: &mut RequestContext,
        upstream: &mut UpstreamHead,
    ) -> Result<Option<Reply>, GatewayError> {
        self.log.borrow_mut().push(format!("{}:request:{}", self.name, ctx.provider));
        if self.fail_request {
            return Err(GatewayError::invalid("rejected by plugin"));
        }
        if self.add_header {
            upstream.headers.set("x-plugin", self.name);
        }
        if self.short_circuit {
            return Ok(Some(Reply { status: 200, headers: Headers::new(), body: b"from plugin".to_vec() }));
        }
        Ok(None)
    }

    async fn on_response(&self, _ctx: &mut RequestContext, response: &mut ResponseHead) -> Result<(), GatewayError> {
        self.log.borrow_mut().push(format!("{}:response:{}", self.name, response.status));
        if self.add_header {
            response.headers.set("x-seen-by", self.name);
        }
        Ok(())
    }

    fn wants_stream_events(&self) -> bool {
        self.watch_stream
    }

    fn on_stream_event(&self, _ctx: &mut RequestContext, event: &SseEvent) {
        self.log.borrow_mut().push(format!("{}:event:{}", self.name, event.data));
    }

    async fn on_log(&self, ctx: &RequestContext) {
        self.log.borrow_mut().push(format!(
            "{}:log:{}:{}:{:?}:{:?}",
            self.name,
            ctx.status,
            ctx.error.as_ref().map(|e| e.kind().code()).unwrap_or("-"),
            ctx.stream_events,
            ctx.stream_complete
        ));
    }
}

/// A pipeline of two journaling plugins, "a" then "b", with "a" configured by `setup`.
fn journaled_pair(setup: impl FnOnce(&mut Journal)) -> (Pipeline, Rc<RefCell<Vec<String>>>) {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut first = Journal::new("a", &log);
    setup(&mut first);
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![Rc::new(first), Rc::new(Journal::new("b", &log))]);
    (pipeline, log)
}

#[test]
fn forwards_to_the_mapped_url_with_filtered_headers_and_the_body() {
    let port = FakePort::answering(200, "application/json", "{}");
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![]);
    let req = request(
        "/v1/acc/gw/azure-openai/res/dep/chat/completions",
        &[("api-key", "k"), ("cf-aig-skip-cache", "true"), ("connection", "close"), ("content-length", "2")],
        Some("{}"),
    );
    let (outcome, completion) = pollster::block_on(pipeline.handle(&port, &Services::default(), req));
    assert!(matches!(outcome, Outcome::Upstream(FakeResponse { status: 200, .. })));
    assert!(completion.is_noop());
    assert!(!completion.watches_body());
    let sent = port.sent.borrow();
    let (head, body) = &sent[0];
    assert_eq!(head.url, "https://res.openai.azure.com/openai/deployments/dep/chat/completions?api-version=1");
    assert_eq!(head.method, "POST");
    assert_eq!(head.headers.iter().collect::<Vec<_>>(), [("api-key", "k")]);
    assert_eq!(*port.headers_edited.borrow(), [false]);
    assert_eq!(body.as_deref(), Some(&b"{}"[..]));
    // With no plugins the response head is never copied out of the runtime.
    assert_eq!(port.head_reads.get(), 0);
    assert_eq!(completion.context().provider, "azure-openai");
    assert_eq!(completion.context().account_id, "acc");
}

#[test]
fn bodies_over_the_limit_are_413_whether_or_not_a_length_is_declared() {
    let config = GatewayConfig::from_vars(None, Some("4")).unwrap();
    let pipeline = Pipeline::new(config, vec![]);

    let port = FakePort::answering(200, "application/json", "{}");
    let declared = request("/v1/a/g/openai/chat/completions", &[("content-length", "5")], Some("12345"));
    let reply = local(pollster::block_on(pipeline.handle(&port, &Services::default(), declared)).0);
    assert_eq!(reply.status, 413);
    assert_eq!(error_code(&reply), "payload_too_large");
    assert!(port.sent.borrow().is_empty(), "nothing may reach the upstream");
    assert_eq!(port.discarded.get(), 5, "the refused body is drained, not left unread");

    let undeclared = request("/v1/a/g/openai/chat/completions", &[], Some("12345"));
    let reply = local(pollster::block_on(pipeline.handle(&port, &Services::default(), undeclared)).0);
    assert_eq!(reply.status, 413);

    let fits = request("/v1/a/g/openai/chat/completions", &[], Some("1234"));
    let (outcome, _) = pollster::block_on(pipeline.handle(&port, &Services::default(), fits));
    assert!(matches!(outcome, Outcome::Upstream(_)));
}

#[test]
fn routing_errors_are_openai_shaped_and_reach_on_log() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![Rc::new(Journal::new("j", &log))]);
    let port = FakePort::default();
    let (outcome, completion) =
        pollster::block_on(pipeline.handle(&port, &Services::default(), request("/v1/a/g/nope/x", &[], None)));
    let reply = local(outcome);
    assert_eq!(reply.status, 400);
    assert_eq!(reply.headers.get("content-type"), Some("application/json"));
    assert_eq!(error_code(&reply), "unknown_provider");
    pollster::block_on(completion.finish());
    // Every response head reaches on_response, the gateway's own errors included.
    assert_eq!(*log.borrow(), ["j:response:400", "j:log:400:unknown_provider:0:None"]);

    let (outcome, _) =
        pollster::block_on(pipeline.handle(&port, &Services::default(), request("/elsewhere", &[], None)));
    assert_eq!(local(outcome).status, 404);
}

#[test]
fn an_unreachable_upstream_is_502() {
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![]);
    let port = FakePort::default();
    let (outcome, completion) = pollster::block_on(pipeline.handle(
        &port,
        &Services::default(),
        request("/v1/a/g/groq/chat/completions", &[], None),
    ));
    let reply = local(outcome);
    assert_eq!(reply.status, 502);
    assert_eq!(error_code(&reply), "upstream_unreachable");
    let err = completion.context().error.as_ref().unwrap();
    assert!(err.is_retryable());
}

#[test]
fn hooks_run_in_registry_order_and_may_edit_heads() {
    let (pipeline, log) = journaled_pair(|a| a.add_header = true);
    let port = FakePort::answering(201, "application/json", "{}");
    let (outcome, completion) =
        pollster::block_on(pipeline.handle(&port, &Services::default(), request("/v1/a/g/openai/files", &[], None)));
    let Outcome::Upstream(response) = outcome else { panic!("expected upstream") };
    assert_eq!(response.headers.get("x-seen-by"), Some("a"));
    assert_eq!(response.headers.get("x-upstream"), Some("1"));
    assert_eq!(port.head_writes.get(), 1);
    assert_eq!(port.sent.borrow()[0].0.headers.get("x-plugin"), Some("a"));
    assert_eq!(*port.headers_edited.borrow(), [true], "the runtime must build the edited headers");
    pollster::block_on(completion.finish());
    assert_eq!(
        *log.borrow(),
        [
            "a:request:openai",
            "b:request:openai",
            "a:response:201",
            "b:response:201",
            "a:log:201:-:0:None",
            "b:log:201:-:0:None"
        ]
    );
}

#[test]
fn an_unchanged_head_is_not_rebuilt() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![Rc::new(Journal::new("a", &log))]);
    let port = FakePort::answering(200, "application/json", "{}");
    let _ =
        pollster::block_on(pipeline.handle(&port, &Services::default(), request("/v1/a/g/openai/models", &[], None)));
    assert_eq!(*port.headers_edited.borrow(), [false], "a plugin that edits nothing leaves the headers as filtered");
    assert_eq!(port.head_reads.get(), 1);
    assert_eq!(port.head_writes.get(), 0);
}

#[test]
fn a_plugin_can_answer_instead_of_the_upstream() {
    let (pipeline, log) = journaled_pair(|a| a.short_circuit = true);
    let port = FakePort::answering(200, "application/json", "{}");
    let (outcome, completion) = pollster::block_on(pipeline.handle(
        &port,
        &Services::default(),
        request("/v1/a/g/openai/chat/completions", &[], None),
    ));
    assert_eq!(local(outcome).body, b"from plugin");
    assert!(port.sent.borrow().is_empty());
    pollster::block_on(completion.finish());
    assert_eq!(
        *log.borrow(),
        ["a:request:openai", "a:response:200", "b:response:200", "a:log:200:-:0:None", "b:log:200:-:0:None"]
    );
}

#[test]
fn a_plugin_error_stops_the_request_with_that_error() {
    let (pipeline, log) = journaled_pair(|a| a.fail_request = true);
    let port = FakePort::answering(200, "application/json", "{}");
    let (outcome, _) = pollster::block_on(pipeline.handle(
        &port,
        &Services::default(),
        request("/v1/a/g/openai/chat/completions", &[], None),
    ));
    let reply = local(outcome);
    assert_eq!(reply.status, 400);
    assert!(String::from_utf8_lossy(&reply.body).contains("rejected by plugin"));
    assert!(port.sent.borrow().is_empty());
    assert_eq!(*log.borrow(), ["a:request:openai", "a:response:400", "b:response:400"]);
}

#[test]
fn event_streams_are_watched_only_when_a_plugin_asks() {
    let stream = "data: {\"n\":1}\n\ndata: [DONE]\n\n";
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut watcher = Journal::new("w", &log);
    watcher.watch_stream = true;
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![Rc::new(watcher)]);

    let port = FakePort::answering(200, "text/event-stream; charset=utf-8", stream);
    let (outcome, mut completion) = pollster::block_on(pipeline.handle(
        &port,
        &Services::default(),
        request("/v1/a/g/openai/chat/completions", &[], None),
    ));
    assert!(matches!(outcome, Outcome::Upstream(_)));
    assert_eq!(completion.body_mode(), BodyMode::Guard, "a 2xx stream is guarded against truncation");
    let mut out = Vec::new();
    for chunk in stream.as_bytes().chunks(7) {
        completion.on_chunk(chunk, &mut out);
    }
    completion.end_body(99.0, BodyEnd::Complete, &mut out);
    assert!(out.is_empty(), "nothing is appended to a complete stream");
    pollster::block_on(completion.finish());
    assert_eq!(
        *log.borrow(),
        ["w:request:openai", "w:response:200", "w:event:{\"n\":1}", "w:event:[DONE]", "w:log:200:-:2:Some(true)"]
    );

    // A JSON response is not watched even though the plugin wants events.
    let port = FakePort::answering(200, "application/json", "{}");
    let (_, completion) = pollster::block_on(pipeline.handle(
        &port,
        &Services::default(),
        request("/v1/a/g/openai/chat/completions", &[], None),
    ));
    assert!(!completion.watches_body());

    // Without a watching plugin an event stream is still guarded, but no plugin sees its events.
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![Rc::new(Journal::new("x", &log))]);
    let port = FakePort::answering(200, "text/event-stream", stream);
    let (_, mut completion) = pollster::block_on(pipeline.handle(
        &port,
        &Services::default(),
        request("/v1/a/g/openai/chat/completions", &[], None),
    ));
    assert_eq!(completion.body_mode(), BodyMode::Guard);
    completion.on_chunk(stream.as_bytes(), &mut Vec::new());
    assert_eq!(completion.context().stream_events, 0);

    // An error status with an event-stream type is an error body, not a stream to guard.
    let port = FakePort::answering(503, "text/event-stream", "");
    let (_, completion) = pollster::block_on(pipeline.handle(
        &port,
        &Services::default(),
        request("/v1/a/g/openai/chat/completions", &[], None),
    ));
    assert_eq!(completion.body_mode(), BodyMode::PassThrough);
}

#[test]
fn a_broken_stream_is_recorded_as_incomplete() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut watcher = Journal::new("w", &log);
    watcher.watch_stream = true;
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![Rc::new(watcher)]);
    let port = FakePort::answering(200, "text/event-stream", "");
    let (_, mut completion) = pollster::block_on(pipeline.handle(
        &port,
        &Services::default(),
        request("/v1/a/g/openai/chat/completions", &[], None),
    ));
    let mut out = Vec::new();
    completion.on_chunk(b"data: {\"n\":1}\n\ndata: {\"n\"", &mut out);
    completion.end_body(50.0, BodyEnd::Complete, &mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("\n\ndata: {\"error\""), "the partial event is closed, then the error: {text}");
    assert!(completion.context().stream_error_sent);
    pollster::block_on(completion.finish());
    let last = log.borrow().last().cloned().unwrap();
    assert_eq!(last, "w:log:200:upstream_invalid_response:1:Some(false)", "a stream ending mid-event is an error");
}

/// Log entries and metrics points handed to the services.
#[derive(Default)]
struct Recorded {
    entries: RefCell<Vec<gateway_core::logs::LogEntry>>,
    points: RefCell<Vec<gateway_core::logs::metrics::DataPoint>>,
    /// What the log sink answers for `shard_hint`.
    shard_hint: Option<u32>,
}

struct Sink(Rc<Recorded>);

#[async_trait(?Send)]
impl gateway_core::logs::store::LogSink for Sink {
    async fn write(&self, entry: gateway_core::logs::LogEntry) {
        self.0.entries.borrow_mut().push(entry);
    }

    fn shard_hint(&self) -> Option<u32> {
        self.0.shard_hint
    }
}

impl gateway_core::logs::store::MetricsSink for Sink {
    fn write(&self, point: &gateway_core::logs::metrics::DataPoint) {
        self.0.points.borrow_mut().push(point.clone());
    }
}

fn logging_services(recorded: &Rc<Recorded>) -> Services {
    Services {
        logs: Some(Rc::new(Sink(Rc::clone(recorded)))),
        metrics: Some(Rc::new(Sink(Rc::clone(recorded)))),
        ..Services::default()
    }
}

#[test]
fn a_logged_request_carries_its_log_id_and_is_written_only_after_its_body() {
    let body = r#"{"model":"gpt-4o-mini","usage":{"prompt_tokens":10,"completion_tokens":4}}"#;
    let port = FakePort::answering(200, "application/json", body);
    let recorded = Rc::new(Recorded::default());
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![]);
    let req = request("/v1/a/g/openai/chat/completions", &[("cf-aig-metadata", r#"{"u":"x"}"#)], Some("{}"));
    let (outcome, mut completion) = pollster::block_on(pipeline.handle(&port, &logging_services(&recorded), req));
    let Outcome::Upstream(response) = outcome else { panic!("expected the upstream response") };
    let id = response.headers.get("cf-aig-log-id").expect("log id header").to_string();
    assert_eq!(completion.body_mode(), BodyMode::Watch, "the body is watched on a copy, never rewritten");
    completion.on_chunk(body.as_bytes(), &mut Vec::new());
    completion.end_body(1000.0, BodyEnd::Complete, &mut Vec::new());
    assert!(recorded.entries.borrow().is_empty(), "nothing is written before finish (the logging phase)");
    pollster::block_on(completion.finish());
    let entries = recorded.entries.borrow();
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].id.as_str(), entries[0].tokens_in, entries[0].tokens_out), (id.as_str(), 10, 4));
    assert!(entries[0].cost.is_some());
    assert_eq!(recorded.points.borrow().len(), 1);
}

#[test]
fn log_ids_are_made_for_the_shard_the_sink_batches_for() {
    let shards = GatewayConfig::default().logs.shards;
    for hint in 0..shards {
        let recorded = Rc::new(Recorded { shard_hint: Some(hint), ..Recorded::default() });
        let port = FakePort::answering(200, "application/json", "{}");
        let pipeline = Pipeline::new(GatewayConfig::default(), vec![]);
        let req = request("/v1/a/g/openai/chat/completions", &[], Some("{}"));
        let (outcome, _) = pollster::block_on(pipeline.handle(&port, &logging_services(&recorded), req));
        let Outcome::Upstream(response) = outcome else { panic!("expected the upstream response") };
        let id = response.headers.get("cf-aig-log-id").expect("log id header");
        assert_eq!(gateway_core::logs::shard_of(id, shards), hint, "{id}");
    }
}

#[test]
fn unlogged_requests_still_write_metrics_and_local_errors_carry_the_log_id() {
    let recorded = Rc::new(Recorded::default());
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![]);
    let port = FakePort::default(); // no upstream answer: 502
    let req = request("/v1/a/g/openai/chat/completions", &[("cf-aig-collect-log", "false")], Some("{}"));
    let (outcome, completion) = pollster::block_on(pipeline.handle(&port, &logging_services(&recorded), req));
    assert_eq!(local(outcome).headers.get("cf-aig-log-id"), None);
    pollster::block_on(completion.finish());
    assert_eq!((recorded.entries.borrow().len(), recorded.points.borrow().len()), (0, 1));

    let req = request("/v1/a/g/openai/chat/completions", &[], Some("{}"));
    let (outcome, completion) = pollster::block_on(pipeline.handle(&port, &logging_services(&recorded), req));
    let reply = local(outcome);
    assert_eq!(reply.status, 502);
    let id = reply.headers.get("cf-aig-log-id").expect("log id on a local error").to_string();
    pollster::block_on(completion.finish());
    let entries = recorded.entries.borrow();
    assert_eq!((entries[0].id.as_str(), entries[0].status, entries[0].success), (id.as_str(), 502, false));
    assert!(entries[0].error.as_deref().unwrap().contains("connection refused"));

    let bad = request("/v1/a/g/openai/chat/completions", &[("cf-aig-metadata", "[1]")], Some("{}"));
    let reply = local(pollster::block_on(pipeline.handle(&port, &logging_services(&recorded), bad)).0);
    assert_eq!(reply.status, 400);
    assert!(port.sent.borrow().len() == 2, "a bad metadata header is refused before the provider is called");
}

#[test]
fn a_document_that_breaks_off_before_the_client_had_its_head_is_logged_as_the_error_it_got() {
    let port = FakePort::answering(200, "application/json", "");
    let recorded = Rc::new(Recorded::default());
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![]);
    let req = request("/v1/a/g/openai/chat/completions", &[], Some("{}"));
    let (outcome, mut completion) = pollster::block_on(pipeline.handle(&port, &logging_services(&recorded), req));
    let Outcome::Upstream(response) = outcome else { panic!("expected the upstream response") };
    let id = response.headers.get("cf-aig-log-id").expect("log id header").to_string();
    completion.on_chunk(br#"{"id":"x","choi"#, &mut Vec::new());
    let reply = completion.fail(20.0, BodyEnd::Broken);
    assert_eq!(reply.status, 502);
    assert_eq!(reply.headers.get("cf-aig-log-id"), Some(id.as_str()));
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(body["error"]["code"], "upstream_unreachable");
    pollster::block_on(completion.finish());
    let entries = recorded.entries.borrow();
    assert_eq!((entries[0].status, entries[0].success), (502, false));
    assert!(entries[0].error.as_deref().unwrap().contains("broke"), "{:?}", entries[0].error);
    assert_eq!(recorded.points.borrow()[0].blobs[2], "5xx", "the metrics point says what the client saw");

    let port = FakePort::answering(200, "application/json", "");
    let req = request("/v1/a/g/openai/chat/completions", &[], Some("{}"));
    let (_, mut completion) = pollster::block_on(pipeline.handle(&port, &logging_services(&recorded), req));
    assert_eq!(completion.fail(20.0, BodyEnd::Stalled { idle_ms: 1000 }).status, 504);
}

#[test]
fn a_watched_document_cut_after_its_head_went_out_is_logged_as_a_failure() {
    let port = FakePort::answering(200, "application/json", "");
    let recorded = Rc::new(Recorded::default());
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![]);
    let req = request("/v1/a/g/openai/chat/completions", &[], Some("{}"));
    let (_, mut completion) = pollster::block_on(pipeline.handle(&port, &logging_services(&recorded), req));
    completion.on_chunk(br#"{"id":"x","choi"#, &mut Vec::new());
    completion.end_body(20.0, BodyEnd::Stalled { idle_ms: 1500 }, &mut Vec::new());
    pollster::block_on(completion.finish());
    let entries = recorded.entries.borrow();
    assert_eq!((entries[0].status, entries[0].success), (200, false), "the client had its 200 head, then a cut");
    assert!(entries[0].error.as_deref().unwrap().contains("nothing for 1500 ms"), "{:?}", entries[0].error);
}

#[test]
fn an_untranslatable_answer_is_a_logged_502_in_the_client_s_format() {
    let recorded = Rc::new(Recorded::default());
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![]);
    let chat = r#"{"model":"anthropic/claude-x","messages":[{"role":"user","content":"hi"}]}"#;
    let port = FakePort::answering(200, "application/json", "{not json at all, sk-secret");
    let req = request("/v1/a/g/compat/chat/completions", &[], Some(chat));
    let (outcome, completion) = pollster::block_on(pipeline.handle(&port, &logging_services(&recorded), req));
    let reply = local(outcome);
    assert_eq!((reply.status, error_code(&reply).as_str()), (502, "upstream_invalid_response"));
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("could not translate the provider's Anthropic answer (HTTP 200)"), "{message}");
    assert!(!message.contains("sk-secret"), "the body's contents stay out of the message");
    assert!(reply.headers.get("cf-aig-log-id").is_some());
    pollster::block_on(completion.finish());
    let entries = recorded.entries.borrow();
    assert_eq!((entries[0].status, entries[0].success), (502, false));
    assert_eq!(entries[0].error.as_deref(), Some(message));

    // compat/messages to an OpenAI provider: the same error in Anthropic's shape.
    let messages = r#"{"model":"openai/gpt-x","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#;
    let port = FakePort::answering(200, "application/json", r#"{"unexpected":true}"#);
    let req = request("/v1/a/g/compat/messages", &[], Some(messages));
    let reply = local(pollster::block_on(pipeline.handle(&port, &Services::default(), req)).0);
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(
        (reply.status, body["type"].as_str(), body["error"]["type"].as_str()),
        (502, Some("error"), Some("api_error"))
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("OpenAI response has no choices[0]"), "{body}");
}

#[test]
fn a_provider_error_that_is_not_json_keeps_its_status_and_gets_a_code() {
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![]);
    let chat = r#"{"model":"anthropic/claude-x","messages":[{"role":"user","content":"hi"}]}"#;
    let page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let port = FakePort::answering(502, "text/html", page);
    let req = request("/v1/a/g/compat/chat/completions", &[], Some(chat));
    let reply = local(pollster::block_on(pipeline.handle(&port, &Services::default(), req)).0);
    assert_eq!((reply.status, error_code(&reply).as_str()), (502, "upstream_invalid_response"));
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("HTTP 502 with an HTML page titled \"502 Bad Gateway\""), "{message}");
}

#[test]
fn keys_the_gateway_injected_or_was_sent_never_reach_the_log_entry() {
    // The upstream echoes the request's headers, as a misbehaving provider or a debugging proxy may.
    let echo = r#"{"echo":{"authorization":"Bearer sk-stored","note":"key sk-stored, token gw-token-123"}}"#;
    let port = FakePort::answering(200, "application/json", echo);
    let recorded = Rc::new(Recorded::default());
    let mut config = GatewayConfig::default();
    config.gateway_token = Some("gw-token-123".into());
    config.key_pools =
        gateway_core::resilience::KeyPools::from_vars(Some(r#"{"openai":[{"secret":"STORED_KEY"}]}"#), None).unwrap();
    let pipeline = Pipeline::new(config, vec![]);
    let req = request("/v1/a/g/openai/v1/echo", &[("authorization", "Bearer gw-token-123")], Some("{}"));
    let (outcome, mut completion) = pollster::block_on(pipeline.handle(&port, &logging_services(&recorded), req));
    assert!(matches!(outcome, Outcome::Upstream(_)));
    assert_eq!(port.sent.borrow()[0].0.headers.get("authorization"), Some("Bearer sk-stored"), "the pool key was sent");
    completion.on_chunk(echo.as_bytes(), &mut Vec::new());
    completion.end_body(1000.0, BodyEnd::Complete, &mut Vec::new());
    pollster::block_on(completion.finish());

    // The gateway token is not forwarded, but a client may paste it anywhere: it is known anyway.
    let universal = r#"[{"provider":"openai","endpoint":"chat/completions?key=q-key-456789","headers":{"x-api-key":"sk-step-key-0001"},"query":{"note":"gw-token-123"}}]"#;
    let port = FakePort::default(); // unreachable: the error path
    let req = request("/v1/a/g", &[("cf-aig-authorization", "Bearer gw-token-123")], Some(universal));
    pollster::block_on(pollster::block_on(pipeline.handle(&port, &logging_services(&recorded), req)).1.finish());

    let entries = recorded.entries.borrow();
    assert_eq!(entries.len(), 2);
    for entry in entries.iter() {
        let text = serde_json::to_string(entry).unwrap();
        for secret in ["sk-stored", "gw-token-123", "q-key-456789", "sk-step-key-0001"] {
            assert!(!text.contains(secret), "{secret} leaked into {text}");
        }
    }
    assert!(entries[0].response_body.as_deref().unwrap().contains("\"note\":\"key [REDACTED], token [REDACTED]\""));
}

#[test]
fn a_route_s_plugins_run_only_on_requests_naming_that_route() {
    let mut config = GatewayConfig::default();
    config.routes = gateway_core::resilience::routes::Routes::from_var(Some(
        r#"{"guarded": {"targets": [{"provider": "openai", "model": "gpt-5-mini"}],
            "plugins": [{"name": "prompt-firewall", "config": {"block": {"words": ["secret plan"]}}}]}}"#,
    ))
    .unwrap();
    let pipeline = Pipeline::new(config, Vec::new());
    let send = |model: &str| {
        let port = FakePort::answering(200, "application/json", "{}");
        let body = format!(r#"{{"model":"{model}","messages":[{{"role":"user","content":"the secret plan"}}]}}"#);
        let headers = [("content-type", "application/json"), ("authorization", "Bearer sk-client")];
        let (outcome, _) = pollster::block_on(pipeline.handle(
            &port,
            &Services::default(),
            request("/v1/a/g/compat/chat/completions", &headers, Some(&body)),
        ));
        let sent = port.sent.borrow().len();
        (outcome, sent)
    };

    let (outcome, sent) = send("guarded");
    let reply = local(outcome);
    assert_eq!((reply.status, error_code(&reply), sent), (400, "content_blocked".to_string(), 0));

    let (outcome, sent) = send("dynamic/guarded");
    assert_eq!((local(outcome).status, sent), (400, 0));

    let (outcome, sent) = send("openai/gpt-5-mini");
    assert!(matches!(outcome, Outcome::Upstream(_)));
    assert_eq!(sent, 1);
}

#[test]
fn a_compat_request_is_logged_with_the_provider_path_it_was_sent_to() {
    let answer = r#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":1}}"#;
    let port = FakePort::answering(200, "application/json", answer);
    let recorded = Rc::new(Recorded::default());
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![]);
    let body = r#"{"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}"#;
    let headers = [("content-type", "application/json"), ("authorization", "Bearer sk-ant")];
    let req = request("/v1/a/g/compat/chat/completions", &headers, Some(body));
    let (outcome, completion) = pollster::block_on(pipeline.handle(&port, &logging_services(&recorded), req));
    assert!(matches!(outcome, Outcome::Upstream(_) | Outcome::Local(_)));
    pollster::block_on(completion.finish());
    let entries = recorded.entries.borrow();
    assert_eq!((entries[0].provider.as_str(), entries[0].endpoint.as_str()), ("anthropic", "/v1/messages"));
}

/// Sends a compat request the port answers with `answer`; the outcome, the completion and what
/// the log recorded are returned once the body (fed in 5-byte pieces) ended.
fn compat_exchange(
    path: &str,
    body: &str,
    content_type: &str,
    answer: &str,
) -> (Outcome<FakeResponse>, Vec<u8>, String) {
    let port = FakePort::answering(200, content_type, answer);
    if let Some(Ok(response)) = port.reply.borrow_mut().as_mut() {
        response.headers.set("content-length", answer.len().to_string());
    }
    let recorded = Rc::new(Recorded::default());
    let pipeline = Pipeline::new(GatewayConfig::default(), vec![]);
    let headers = [("content-type", "application/json"), ("authorization", "Bearer sk-x")];
    let (outcome, mut completion) =
        pollster::block_on(pipeline.handle(&port, &logging_services(&recorded), request(path, &headers, Some(body))));
    let mut out = Vec::new();
    if let Outcome::Upstream(response) = &outcome {
        assert_eq!(completion.body_mode(), BodyMode::Rewrite, "a forwarded answer is renamed as it passes");
        assert_eq!(response.headers.get("content-length"), None, "the provider's length no longer holds");
        assert_eq!(response.headers.get("x-upstream"), Some("1"));
        for piece in response.body.chunks(5) {
            completion.on_chunk(piece, &mut out);
        }
        completion.end_body(1000.0, BodyEnd::Complete, &mut out);
    }
    pollster::block_on(completion.finish());
    let model = recorded.entries.borrow()[0].model.clone();
    (outcome, out, model)
}

#[test]
fn a_translated_compat_answer_names_the_clients_model_and_the_log_the_providers() {
    let answer = r#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":1}}"#;
    let body = r#"{"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}"#;
    let (outcome, _, logged) = compat_exchange("/v1/a/g/compat/chat/completions", body, "application/json", answer);
    let reply: serde_json::Value = serde_json::from_slice(&local(outcome).body).unwrap();
    assert_eq!(
        (reply["model"].as_str(), reply["object"].as_str()),
        (Some("anthropic/claude-sonnet-4-5"), Some("chat.completion"))
    );
    assert_eq!(logged, "claude-sonnet-4-5-20250929");
}

#[test]
fn a_forwarded_compat_answer_is_renamed_as_it_passes_and_the_log_keeps_the_providers_model() {
    let answer = r#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":1}}"#;
    let body = r#"{"model":"anthropic/claude-sonnet-4-5","max_tokens":9,"messages":[{"role":"user","content":"hi"}]}"#;
    let (_, out, logged) = compat_exchange("/v1/a/g/compat/messages", body, "application/json", answer);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        answer.replace("claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4-5")
    );
    assert_eq!(logged, "claude-sonnet-4-5-20250929");
}

#[test]
fn forwarded_compat_streams_name_the_clients_model_in_each_event() {
    let anthropic = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n\
event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":1}}\n\n\
event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    let body = r#"{"model":"anthropic/claude-sonnet-4-5","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#;
    let (_, out, logged) = compat_exchange("/v1/a/g/compat/messages", body, "text/event-stream", anthropic);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        anthropic.replace("claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4-5")
    );
    assert_eq!(logged, "claude-sonnet-4-5-20250929");

    // The gateway asked for usage the client did not: its chunk is hidden, the others renamed.
    let openai = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n\
data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}\n\n\
data: [DONE]\n\n";
    let body = r#"{"model":"openai/gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}"#;
    let (_, out, logged) = compat_exchange("/v1/a/g/compat/chat/completions", body, "text/event-stream", openai);
    let expected = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"openai/gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\n\
data: [DONE]\n\n";
    assert_eq!(String::from_utf8(out).unwrap(), expected);
    assert_eq!(logged, "gpt-4o-mini-2024-07-18");
}
