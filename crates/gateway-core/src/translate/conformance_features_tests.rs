//! The features of the conformance matrix, each a trip through the gateway's converters for one
//! (client, provider) pair, over the fixtures both dialects hold of it (`fixtures/<format>/`),
//! comparing what matters for the feature. A pair of the same dialect is forwarded untouched,
//! as the compat endpoint does.

use serde_json::Value;

use super::conformance::{Cell, Toward};
use super::ir::*;
use super::tests::{collect, fixture, Collected};
use super::{
    convert_response, emit_request, parse_error, parse_request, parse_response, EmitOptions, Format, StreamOptions,
    StreamTranslator,
};

/// One column of the matrix.
pub(super) struct Feature {
    pub name: &'static str,
    pub check: fn(Format, Format) -> Cell,
}

pub(super) const FEATURES: &[Feature] = &[
    Feature { name: "text", check: text },
    Feature { name: "system", check: system },
    Feature { name: "multi-turn", check: multi_turn },
    Feature { name: "images", check: images },
    Feature { name: "tools", check: tools },
    Feature { name: "streamed tools", check: streamed_tools },
    Feature { name: "parallel tools", check: parallel_tools },
    Feature { name: "JSON schema", check: json_schema },
    Feature { name: "reasoning", check: reasoning },
    Feature { name: "usage", check: usage },
    Feature { name: "errors", check: errors },
];

const OPTS: EmitOptions = EmitOptions { default_max_tokens: 4096 };

/// The model the provider is asked for: its reasoning request's (a model that reasons, since
/// emitters decide by the name whether to send reasoning), else its reasoning answer's for
/// dialects that name the model in the URL.
fn provider_model(provider: Format) -> String {
    let own = parse_request(provider, &fixture(provider, "reasoning.request.json"), None).unwrap().model;
    if own.is_empty() {
        parse_response(provider, &fixture(provider, "reasoning.response.json")).unwrap().model
    } else {
        own
    }
}

/// The client's request `name` as the client's dialect reads it, and as the provider's dialect
/// reads the body the gateway sends it.
fn request_trip(client: Format, provider: Format, name: &str) -> (ChatRequest, ChatRequest) {
    let model = provider_model(provider);
    let body = fixture(client, name);
    let sent = parse_request(client, &body, Some(&model)).unwrap();
    let upstream = if client == provider { body } else { emit_request(provider, &sent, OPTS).unwrap() };
    (sent, parse_request(provider, &upstream, Some(&model)).unwrap())
}

/// The provider's answer `name` as its dialect reads it, and the client's reading of what the
/// gateway gives the client.
fn answer_trip(client: Format, provider: Format, name: &str) -> (ChatResponse, ChatResponse) {
    let body = fixture(provider, name);
    let (_, out) = convert_response(provider, client, 200, &body, 1).unwrap();
    (parse_response(provider, &body).unwrap(), parse_response(client, &out).unwrap())
}

/// The provider's stream `name` as read in its dialect, and as the client reads the stream the
/// gateway gives it (a client that asked for usage).
fn stream_trip(client: Format, provider: Format, name: &str) -> (Collected, Collected) {
    let body = fixture(provider, name);
    let mut t = StreamTranslator::new(
        provider,
        client,
        StreamOptions { include_usage: true, created: 1, ..StreamOptions::default() },
    );
    let mut out = t.push(&body);
    out.extend(t.finish());
    (collect(provider, &body), collect(client, &out))
}

fn texts(content: &[Part]) -> String {
    content.iter().filter_map(|p| if let Part::Text(t) = p { Some(t.as_str()) } else { None }).collect()
}

fn thinking(content: &[Part]) -> String {
    content.iter().filter_map(|p| if let Part::Reasoning(t) = p { Some(t.text.as_str()) } else { None }).collect()
}

fn signatures(content: &[Part]) -> Vec<&str> {
    content.iter().filter_map(|p| if let Part::Reasoning(t) = p { t.signature.as_deref() } else { None }).collect()
}

/// Tool calls as (name, arguments as JSON): ids are the dialects' own.
fn calls<'a>(content: impl IntoIterator<Item = &'a Part>) -> Vec<(String, Value)> {
    content
        .into_iter()
        .filter_map(|p| if let Part::ToolCall(c) = p { Some(c) } else { None })
        .map(|c| (c.name.clone(), serde_json::from_str(&c.arguments).unwrap_or(Value::Null)))
        .collect()
}

fn stream_calls(c: &Collected) -> Vec<(String, Value)> {
    c.calls.iter().map(|(n, a)| (n.clone(), serde_json::from_str(a).unwrap_or(Value::Null))).collect()
}

fn history_calls(req: &ChatRequest) -> Vec<(String, Value)> {
    calls(req.messages.iter().flat_map(|m| &m.content))
}

/// Tool results as (the name of the call they answer, content): pairs by the request's ids.
fn results(req: &ChatRequest) -> Vec<(String, String)> {
    let parts: Vec<&Part> = req.messages.iter().flat_map(|m| &m.content).collect();
    let name_of = |id: &str| {
        parts.iter().find_map(|p| match p {
            Part::ToolCall(c) if c.id == id => Some(c.name.clone()),
            _ => None,
        })
    };
    parts
        .iter()
        .filter_map(|p| if let Part::ToolResult(r) = p { Some(r) } else { None })
        .map(|r| {
            (name_of(&r.tool_call_id).unwrap_or_else(|| format!("unpaired {}", r.tool_call_id)), r.content.clone())
        })
        .collect()
}

/// The conversation as (role, text) turns.
fn turns(req: &ChatRequest) -> Vec<(Role, String)> {
    req.messages.iter().map(|m| (m.role, texts(&m.content))).collect()
}

fn images_of(req: &ChatRequest) -> Vec<Image> {
    req.messages
        .iter()
        .flat_map(|m| &m.content)
        .filter_map(|p| if let Part::Image(i) = p { Some(i.clone()) } else { None })
        .collect()
}

fn text(client: Format, provider: Format) -> Cell {
    let mut cell = Cell::default();
    let (sent, got) = request_trip(client, provider, "simple.request.json");
    cell.facet("the prompt", Toward::Provider, true, turns(&sent), turns(&got));
    cell.facet("max_tokens", Toward::Provider, true, sent.max_tokens, got.max_tokens);
    cell.facet("temperature", Toward::Provider, true, sent.temperature, got.temperature);
    let (answer, read) = answer_trip(client, provider, "usage.response.json");
    cell.facet("the answer's text", Toward::Client, true, texts(&answer.content), texts(&read.content));
    cell.facet("the finish reason", Toward::Client, true, answer.finish_reason, read.finish_reason);
    let (stream, streamed) = stream_trip(client, provider, "stream_text.sse");
    cell.facet("the streamed text", Toward::Client, true, &stream.text, &streamed.text);
    cell.facet("the stream's end", Toward::Client, true, stream.finish, streamed.finish);
    cell
}

fn system(client: Format, provider: Format) -> Cell {
    let mut cell = Cell::default();
    let (sent, got) = request_trip(client, provider, "system.request.json");
    cell.facet("the system prompt", Toward::Provider, true, &sent.system, &got.system);
    cell.facet("stop sequences", Toward::Provider, true, &sent.stop, &got.stop);
    cell.facet("top_p", Toward::Provider, true, sent.top_p, got.top_p);
    cell
}

fn multi_turn(client: Format, provider: Format) -> Cell {
    let mut cell = Cell::default();
    let (sent, got) = request_trip(client, provider, "multi_turn.request.json");
    cell.facet("the turns", Toward::Provider, true, turns(&sent), turns(&got));
    cell
}

fn images(client: Format, provider: Format) -> Cell {
    let mut cell = Cell::default();
    let (sent, got) = request_trip(client, provider, "image.request.json");
    cell.facet("a base64 image", Toward::Provider, true, images_of(&sent), images_of(&got));
    let (sent, got) = request_trip(client, provider, "image_url.request.json");
    cell.facet("an image URL", Toward::Provider, true, images_of(&sent), images_of(&got));
    cell
}

fn tools(client: Format, provider: Format) -> Cell {
    let mut cell = Cell::default();
    let (sent, got) = request_trip(client, provider, "tool_result.request.json");
    cell.facet("tool definitions", Toward::Provider, true, &sent.tools, &got.tools);
    cell.facet("tool_choice", Toward::Provider, true, &sent.tool_choice, &got.tool_choice);
    cell.facet("calls in the history", Toward::Provider, true, history_calls(&sent), history_calls(&got));
    cell.facet("tool results", Toward::Provider, true, results(&sent), results(&got));
    let (answer, read) = answer_trip(client, provider, "tool_call.response.json");
    cell.facet("the answer's call", Toward::Client, true, calls(&answer.content), calls(&read.content));
    cell.facet("the finish reason", Toward::Client, true, answer.finish_reason, read.finish_reason);
    cell
}

fn streamed_tools(client: Format, provider: Format) -> Cell {
    let mut cell = Cell::default();
    let (stream, streamed) = stream_trip(client, provider, "stream_tool_call.sse");
    cell.facet("the call's name and arguments", Toward::Client, true, stream_calls(&stream), stream_calls(&streamed));
    cell.facet("the text before it", Toward::Client, true, &stream.text, &streamed.text);
    cell.facet("the finish reason", Toward::Client, true, stream.finish, streamed.finish);
    cell
}

fn parallel_tools(client: Format, provider: Format) -> Cell {
    let mut cell = Cell::default();
    let (sent, got) = request_trip(client, provider, "parallel_tools.request.json");
    cell.facet("calls in the history", Toward::Provider, true, history_calls(&sent), history_calls(&got));
    cell.facet("their results, each to its call", Toward::Provider, true, results(&sent), results(&got));
    let (stream, streamed) = stream_trip(client, provider, "parallel_tools.sse");
    cell.facet("streamed calls", Toward::Client, true, stream_calls(&stream), stream_calls(&streamed));
    cell
}

fn schema_of(req: &ChatRequest) -> Option<&Value> {
    match &req.response_format {
        Some(ResponseFormat::JsonSchema { schema, .. }) => Some(schema),
        _ => None,
    }
}

/// The JSON pointers of a schema's members, objects and arrays included, to say which
/// keywords a provider's dialect dropped or changed.
fn members(schema: &Value, at: &str, out: &mut Vec<(String, Value)>) {
    out.push((at.to_string(), schema.clone()));
    match schema {
        Value::Object(o) => o.iter().for_each(|(k, v)| members(v, &format!("{at}/{k}"), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| members(v, &format!("{at}/{i}"), out)),
        _ => {}
    }
}

fn json_schema(client: Format, provider: Format) -> Cell {
    let mut cell = Cell::default();
    let (sent, got) = request_trip(client, provider, "json_schema.request.json");
    let (schema, arrived) = (schema_of(&sent).expect("the client's fixture asks for a schema"), schema_of(&got));
    cell.facet("a schema the answer is held to", Toward::Provider, true, true, arrived.is_some());
    if let Some(arrived) = arrived {
        let mut leaves = Vec::new();
        members(schema, "", &mut leaves);
        for (pointer, value) in leaves.into_iter().filter(|(_, v)| !v.is_object() && !v.is_array()) {
            cell.facet(&format!("`{pointer}`"), Toward::Provider, true, Some(&value), arrived.pointer(&pointer));
        }
    } else if got.system.as_deref().is_some_and(|s| s.contains(&schema.to_string())) {
        cell.note(format!("the {} provider is asked for it in the system prompt instead", provider.name()));
    }
    cell
}

fn reasoning(client: Format, provider: Format) -> Cell {
    let mut cell = Cell::default();
    let (sent, got) = request_trip(client, provider, "reasoning.request.json");
    let effort = |r: &ChatRequest| r.reasoning.and_then(Reasoning::effort);
    cell.facet("the effort", Toward::Provider, true, effort(&sent), effort(&got));
    let (answer, read) = answer_trip(client, provider, "reasoning.response.json");
    cell.facet("the thinking text", Toward::Client, true, thinking(&answer.content), thinking(&read.content));
    let signed = !signatures(&answer.content).is_empty();
    cell.facet("its signature", Toward::Client, signed, signatures(&answer.content), signatures(&read.content));
    let (stream, streamed) = stream_trip(client, provider, "reasoning.sse");
    cell.facet("the streamed thinking", Toward::Client, true, &stream.reasoning, &streamed.reasoning);
    cell
}

/// One count of a usage report.
type Count = fn(&crate::usage::Usage) -> u64;

/// Each count of a usage report, the parts held only when the provider reports them.
fn usage_facets(cell: &mut Cell, sent: Option<crate::usage::Usage>, read: Option<crate::usage::Usage>, what: &str) {
    let (s, r) = (sent.unwrap_or_default(), read.unwrap_or_default());
    let counts: [(&str, Count); 5] = [
        ("input", |u| u.input_tokens),
        ("output", |u| u.output_tokens),
        ("cache reads", |u| u.cached_input_tokens),
        ("cache writes", |u| u.cache_write_input_tokens),
        ("reasoning tokens", |u| u.reasoning_tokens),
    ];
    for (name, count) in counts {
        cell.facet(&format!("{name} ({what})"), Toward::Client, count(&s) > 0, count(&s), count(&r));
    }
}

fn usage(client: Format, provider: Format) -> Cell {
    let mut cell = Cell::default();
    let (answer, read) = answer_trip(client, provider, "usage.response.json");
    usage_facets(&mut cell, answer.usage, read.usage, "answer");
    let (stream, streamed) = stream_trip(client, provider, "usage.sse");
    usage_facets(&mut cell, stream.usage, streamed.usage, "stream");
    cell
}

fn errors(client: Format, provider: Format) -> Cell {
    let mut cell = Cell::default();
    for (name, status) in [("error.json", 429), ("error_400.json", 400)] {
        let body = fixture(provider, name);
        let sent = parse_error(provider, status, &body);
        let (got_status, out) = convert_response(provider, client, status, &body, 1).unwrap();
        let read = parse_error(client, got_status, &out);
        cell.facet(&format!("the {status} status"), Toward::Client, true, status, got_status);
        cell.facet(&format!("the {status} message"), Toward::Client, true, &sent.message, &read.message);
        cell.facet(&format!("the {status} type"), Toward::Client, true, &sent.kind, &read.kind);
    }
    let (stream, streamed) = stream_trip(client, provider, "stream_error.sse");
    cell.facet("an error in a stream", Toward::Client, true, &stream.errors, &streamed.errors);
    cell
}

/// A dialect's fixtures tell one story: its streams hold what its whole answers hold, so a
/// stream decoder that drops something shows here and not as a dialect's limit in the matrix.
#[test]
fn each_dialect_s_streams_hold_what_its_answers_hold() {
    for &f in super::FORMATS {
        let usage = parse_response(f, &fixture(f, "usage.response.json")).unwrap();
        let stream = collect(f, &fixture(f, "usage.sse"));
        assert_eq!(stream.usage, usage.usage, "{f:?} usage.sse");
        assert_eq!(stream.text, texts(&usage.content), "{f:?} usage.sse");
        let reasoning = parse_response(f, &fixture(f, "reasoning.response.json")).unwrap();
        let stream = collect(f, &fixture(f, "reasoning.sse"));
        assert_eq!(stream.reasoning, thinking(&reasoning.content), "{f:?} reasoning.sse");
        assert_eq!(stream.text, texts(&reasoning.content), "{f:?} reasoning.sse");
        let tools = parse_request(f, &fixture(f, "parallel_tools.request.json"), None).unwrap();
        let stream = collect(f, &fixture(f, "parallel_tools.sse"));
        assert_eq!(stream_calls(&stream), history_calls(&tools), "{f:?} parallel_tools.sse");
    }
}
