//! OpenAI Chat Completions ⇄ IR: requests, responses, `chat.completion.chunk` streams, errors.
//!
//! Shapes follow platform.openai.com/docs/api-reference/chat. Parsing is lenient about fields
//! OpenAI-compatible providers omit (`created`, `object`); emitting writes the full shape.
//! Reasoning, which Chat Completions has no standard field for, is carried as
//! [`reasoning`] describes.

use serde_json::{json, Map, Value};

use super::ir::*;
use super::json;
use crate::error::GatewayError;
use crate::sse::SseEvent;
use crate::usage::report::UsageReport;
use crate::usage::Usage;

#[path = "openai_reasoning.rs"]
pub mod reasoning;

/// Parses a Chat Completions request body.
///
/// Errors: 400 naming the field (`messages[1].role`, `tools[0].function.name`, ...).
pub fn request_to_ir(v: &Value) -> Result<ChatRequest, GatewayError> {
    let mut req = ChatRequest {
        model: json::string(v, "model"),
        max_tokens: json::u64(v, "max_completion_tokens").or_else(|| json::u64(v, "max_tokens")),
        temperature: json::f64(v, "temperature"),
        top_p: json::f64(v, "top_p"),
        stream: v.get("stream").and_then(Value::as_bool).unwrap_or(false),
        reasoning: reasoning::request_reasoning(v)?,
        ..ChatRequest::default()
    };
    req.include_usage =
        req.stream && v.pointer("/stream_options/include_usage").and_then(Value::as_bool).unwrap_or(false);
    req.stop = match json::get(v, "stop") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    let messages = v
        .get("messages")
        .and_then(Value::as_array)
        .ok_or_else(|| GatewayError::invalid("`messages` must be an array of chat messages"))?;
    let mut system: Vec<String> = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let role = json::str(m, "role").unwrap_or_default();
        let content = json::get(m, "content");
        match role {
            "system" | "developer" => system.push(content.map(text_of).unwrap_or_default()),
            "user" => req.messages.push(Message { role: Role::User, content: user_parts(content, i)? }),
            "assistant" => {
                let mut thinking = Vec::new();
                let mut calls = Vec::new();
                for call in json::array(m, "tool_calls") {
                    let f = call.get("function").unwrap_or(&Value::Null);
                    let (id, carried, signature) = reasoning::decode_call_id(json::str(call, "id").unwrap_or_default());
                    thinking.extend(carried);
                    calls.push(Part::ToolCall(ToolCall {
                        id,
                        name: json::string(f, "name"),
                        arguments: json::string(f, "arguments"),
                        signature,
                    }));
                }
                // The signed thinking carried by the ids is the provider's; the text alone is
                // only kept when nothing better came back.
                if thinking.is_empty() {
                    if let Some(text) = reasoning::text_of(m) {
                        thinking.push(Part::Reasoning(Thought { text: text.to_string(), signature: None }));
                    }
                }
                let mut parts = thinking;
                if let Some(c) = content {
                    parts.extend(user_parts(Some(c), i)?.into_iter().filter(|p| matches!(p, Part::Text(_))));
                }
                parts.extend(calls);
                req.messages.push(Message { role: Role::Assistant, content: parts });
            }
            "tool" | "function" => {
                let id = json::str(m, "tool_call_id").or_else(|| json::str(m, "name")).unwrap_or_default();
                let result = ToolResult {
                    tool_call_id: reasoning::decode_call_id(id).0,
                    content: content.map(text_of).unwrap_or_default(),
                    is_error: false,
                };
                req.messages.push(Message { role: Role::Tool, content: vec![Part::ToolResult(result)] });
            }
            other => {
                return Err(GatewayError::invalid(format!(
                    "messages[{i}].role: invalid value {}; supported values are system, developer, user, assistant and tool",
                    json::quoted(other)
                )))
            }
        }
    }
    if !system.is_empty() {
        req.system = Some(system.join("\n\n"));
    }
    for (i, t) in json::array(v, "tools").iter().enumerate() {
        let f = t.get("function").unwrap_or(&Value::Null);
        let name = json::str(f, "name")
            .ok_or_else(|| GatewayError::invalid(format!("tools[{i}].function.name is missing")))?;
        req.tools.push(Tool {
            name: name.to_string(),
            description: json::str(f, "description").map(str::to_string),
            parameters: f.get("parameters").cloned().unwrap_or_else(|| json!({"type": "object", "properties": {}})),
        });
    }
    req.tool_choice = match json::get(v, "tool_choice") {
        Some(Value::String(s)) => match s.as_str() {
            "auto" => Some(ToolChoice::Auto),
            "none" => Some(ToolChoice::None),
            "required" => Some(ToolChoice::Required),
            other => {
                return Err(GatewayError::invalid(format!(
                    "tool_choice: invalid value {}; supported values are auto, none and required",
                    json::quoted(other)
                )))
            }
        },
        Some(c) => c.pointer("/function/name").and_then(Value::as_str).map(|n| ToolChoice::Named(n.to_string())),
        None => None,
    };
    req.response_format = json::get(v, "response_format").and_then(|f| match json::str(f, "type") {
        Some("json_object") => Some(ResponseFormat::JsonObject),
        Some("json_schema") => {
            let s = f.get("json_schema").unwrap_or(&Value::Null);
            Some(ResponseFormat::JsonSchema {
                name: json::string(s, "name"),
                schema: s.get("schema").cloned().unwrap_or(Value::Null),
                strict: s.get("strict").and_then(Value::as_bool).unwrap_or(false),
            })
        }
        Some("text") => Some(ResponseFormat::Text),
        _ => None,
    });
    Ok(req)
}

/// The text of a `content` that is a string or an array of `{type:"text"}` parts.
fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts.iter().filter_map(|p| json::str(p, "text")).collect::<Vec<_>>().join(""),
        _ => String::new(),
    }
}

fn user_parts(content: Option<&Value>, i: usize) -> Result<Vec<Part>, GatewayError> {
    match content {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![Part::Text(s.clone())]),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(j, p)| match json::str(p, "type") {
                Some("text") => Some(Ok(Part::Text(json::string(p, "text")))),
                Some("image_url") => {
                    let url = p.pointer("/image_url/url").and_then(Value::as_str).or_else(|| json::str(p, "image_url"));
                    Some(match url {
                        Some(url) => Ok(Part::Image(image_from_url(url))),
                        None => {
                            Err(GatewayError::invalid(format!("messages[{i}].content[{j}].image_url.url is missing")))
                        }
                    })
                }
                // Audio and file parts have no IR counterpart.
                _ => None,
            })
            .collect(),
        Some(_) => Err(GatewayError::invalid(format!("messages[{i}].content must be a string or an array of parts"))),
    }
}

/// An image part's URL as the IR image: a `data:` URL's bytes, else the URL.
pub(crate) fn image_from_url(url: &str) -> Image {
    match json::split_data_url(url) {
        Some((media_type, data)) => Image::Base64 { media_type, data },
        None => Image::Url(url.to_string()),
    }
}

/// The URL an image part carries: the URL, or its bytes as a `data:` URL.
pub(crate) fn image_url(image: &Image) -> String {
    match image {
        Image::Url(url) => url.clone(),
        Image::Base64 { media_type, data } => format!("data:{media_type};base64,{data}"),
    }
}

/// Emits a Chat Completions request body.
pub fn request_from_ir(req: &ChatRequest) -> Value {
    let mut messages = Vec::new();
    if let Some(system) = &req.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    for m in &req.messages {
        match m.role {
            Role::User => {
                // Anthropic-style turns may hold tool results too; OpenAI wants them first, as
                // tool messages.
                push_tool_results(&mut messages, &m.content);
                let parts: Vec<Value> = m
                    .content
                    .iter()
                    .filter_map(|p| match p {
                        Part::Text(t) => Some(json!({"type": "text", "text": t})),
                        Part::Image(img) => Some(json!({"type": "image_url", "image_url": {"url": image_url(img)}})),
                        _ => None,
                    })
                    .collect();
                let content = match parts.as_slice() {
                    [] => continue,
                    [only] if only["type"] == "text" => only["text"].clone(),
                    _ => Value::Array(parts),
                };
                messages.push(json!({"role": "user", "content": content}));
            }
            Role::Assistant => {
                let text: String = m
                    .content
                    .iter()
                    .filter_map(|p| if let Part::Text(t) = p { Some(t.as_str()) } else { None })
                    .collect();
                let calls: Vec<Value> = m
                    .content
                    .iter()
                    .filter_map(|p| match p {
                        Part::ToolCall(c) => Some(json!({"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}})),
                        _ => None,
                    })
                    .collect();
                let mut msg = json!({"role": "assistant", "content": if text.is_empty() && !calls.is_empty() { Value::Null } else { json!(text) }});
                if !calls.is_empty() {
                    msg["tool_calls"] = Value::Array(calls);
                }
                messages.push(msg);
            }
            Role::Tool => push_tool_results(&mut messages, &m.content),
            Role::System => {
                let text: String = m
                    .content
                    .iter()
                    .filter_map(|p| if let Part::Text(t) = p { Some(t.as_str()) } else { None })
                    .collect();
                messages.push(json!({"role": "system", "content": text}));
            }
        }
    }
    let mut out = Map::new();
    out.insert("model".into(), json!(req.model));
    out.insert("messages".into(), Value::Array(after_tool_results(messages)));
    if let Some(n) = req.max_tokens {
        let field = if is_reasoning_model(&req.model) { "max_completion_tokens" } else { "max_tokens" };
        out.insert(field.into(), json!(n));
    }
    if let Some(effort) = req.reasoning.and_then(|r| reasoning::effort_for(&req.model, r)) {
        out.insert("reasoning_effort".into(), json!(effort));
    }
    if let Some(t) = req.temperature {
        out.insert("temperature".into(), json!(t));
    }
    if let Some(p) = req.top_p {
        out.insert("top_p".into(), json!(p));
    }
    if !req.stop.is_empty() {
        out.insert("stop".into(), json!(req.stop));
    }
    if req.stream {
        out.insert("stream".into(), json!(true));
        if req.include_usage {
            out.insert("stream_options".into(), json!({"include_usage": true}));
        }
    }
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let mut f = json!({"name": t.name, "parameters": t.parameters});
                if let Some(d) = &t.description {
                    f["description"] = json!(d);
                }
                json!({"type": "function", "function": f})
            })
            .collect();
        out.insert("tools".into(), Value::Array(tools));
    }
    if let Some(choice) = &req.tool_choice {
        let c = match choice {
            ToolChoice::Auto => json!("auto"),
            ToolChoice::None => json!("none"),
            ToolChoice::Required => json!("required"),
            ToolChoice::Named(n) => json!({"type": "function", "function": {"name": n}}),
        };
        out.insert("tool_choice".into(), c);
    }
    if let Some(f) = &req.response_format {
        let f = match f {
            ResponseFormat::Text => json!({"type": "text"}),
            ResponseFormat::JsonObject => json!({"type": "json_object"}),
            ResponseFormat::JsonSchema { name, schema, strict } => {
                let strict = *strict && meets_strict_mode(schema);
                json!({"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": strict}})
            }
        };
        out.insert("response_format".into(), f);
    }
    Value::Object(out)
}

/// Whether `model` is one of OpenAI's reasoning models (`o1`, `o3`, `o4-mini`, … and the `gpt-5`
/// family), which refuse `max_tokens` and take `max_completion_tokens`. Only bare OpenAI names
/// match: another provider's name for them (`openai/o3` at OpenRouter) keeps `max_tokens`, which
/// every OpenAI-compatible API takes.
pub fn is_reasoning_model(model: &str) -> bool {
    let mut chars = model.chars();
    let o_series = chars.next() == Some('o') && chars.next().is_some_and(|c| c.is_ascii_digit());
    o_series || model.starts_with("gpt-5")
}

/// Whether OpenAI's strict structured outputs accept `schema`: every object schema closed
/// (`additionalProperties: false`) with all of its properties required. A schema another
/// provider enforces as it is (Anthropic allows optional properties) is sent non-strict rather
/// than refused.
fn meets_strict_mode(schema: &Value) -> bool {
    match schema {
        Value::Object(o) => {
            let is_object = o.get("type").and_then(Value::as_str) == Some("object") || o.contains_key("properties");
            if is_object {
                let closed = o.get("additionalProperties") == Some(&Value::Bool(false));
                let required: Vec<&str> = o
                    .get("required")
                    .and_then(Value::as_array)
                    .map_or_else(Vec::new, |r| r.iter().filter_map(Value::as_str).collect());
                let all_required = o
                    .get("properties")
                    .and_then(Value::as_object)
                    .is_none_or(|props| props.keys().all(|k| required.contains(&k.as_str())));
                if !closed || !all_required {
                    return false;
                }
            }
            // Property names are not schemas: only their values are checked.
            o.iter().all(|(k, v)| match (k.as_str(), v) {
                ("properties" | "$defs" | "definitions", Value::Object(children)) => {
                    children.values().all(meets_strict_mode)
                }
                _ => meets_strict_mode(v),
            })
        }
        Value::Array(items) => items.iter().all(meets_strict_mode),
        _ => true,
    }
}

/// The messages with every system message that sits between an assistant's tool calls and their
/// results moved after the last result: OpenAI wants the `tool` messages right after the calls.
fn after_tool_results(messages: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::with_capacity(messages.len());
    let mut outstanding: Vec<Value> = Vec::new(); // ids of calls not answered yet
    let mut deferred: Vec<Value> = Vec::new();
    for m in messages {
        match m["role"].as_str() {
            Some("tool") => {
                outstanding.retain(|id| *id != m["tool_call_id"]);
                out.push(m);
                if outstanding.is_empty() {
                    out.append(&mut deferred);
                }
            }
            Some("system") if !outstanding.is_empty() => deferred.push(m),
            _ => {
                out.append(&mut deferred);
                outstanding = m["tool_calls"]
                    .as_array()
                    .map_or_else(Vec::new, |calls| calls.iter().map(|c| c["id"].clone()).collect());
                out.push(m);
            }
        }
    }
    out.append(&mut deferred);
    out
}

fn push_tool_results(messages: &mut Vec<Value>, parts: &[Part]) {
    for p in parts {
        if let Part::ToolResult(r) = p {
            messages.push(json!({"role": "tool", "tool_call_id": r.tool_call_id, "content": r.content}));
        }
    }
}

/// OpenAI's `finish_reason` for the IR's.
pub fn finish_reason_str(r: FinishReason) -> &'static str {
    match r {
        FinishReason::Stop | FinishReason::Other => "stop",
        FinishReason::Length => "length",
        FinishReason::ToolCalls => "tool_calls",
        FinishReason::ContentFilter => "content_filter",
    }
}

fn finish_reason_of(s: &str) -> FinishReason {
    match s {
        "stop" => FinishReason::Stop,
        "length" => FinishReason::Length,
        "tool_calls" | "function_call" => FinishReason::ToolCalls,
        "content_filter" => FinishReason::ContentFilter,
        _ => FinishReason::Other,
    }
}

/// Normalized usage from an OpenAI `usage` object (see [`crate::usage::report`]).
pub fn usage_of(u: &Value) -> Usage {
    UsageReport::openai_chat(u).and_then(UsageReport::usage).unwrap_or_default()
}

/// An OpenAI `usage` object, cache reads and reasoning in their `_details`.
pub fn usage_json(u: &Usage) -> Value {
    crate::usage::emit::openai_chat(u)
}

/// Parses a `chat.completion` body (the first choice).
///
/// Errors: 502 when `choices[0].message` is missing.
pub fn response_to_ir(v: &Value) -> Result<ChatResponse, GatewayError> {
    let choice = v.pointer("/choices/0").ok_or_else(|| super::bad_upstream("OpenAI response has no choices[0]"))?;
    let message =
        choice.get("message").ok_or_else(|| super::bad_upstream("OpenAI response has no choices[0].message"))?;
    let mut content = Vec::new();
    if let Some(text) = reasoning::text_of(message) {
        content.push(Part::Reasoning(Thought { text: text.to_string(), signature: None }));
    }
    if let Some(text) = json::get(message, "content").map(text_of).filter(|t| !t.is_empty()) {
        content.push(Part::Text(text));
    }
    for call in json::array(message, "tool_calls") {
        let f = call.get("function").unwrap_or(&Value::Null);
        content.push(Part::ToolCall(ToolCall {
            id: json::string(call, "id"),
            name: json::string(f, "name"),
            arguments: json::string(f, "arguments"),
            signature: None,
        }));
    }
    Ok(ChatResponse {
        id: json::string(v, "id"),
        model: json::string(v, "model"),
        content,
        finish_reason: finish_reason_of(json::str(choice, "finish_reason").unwrap_or("stop")),
        usage: json::get(v, "usage").map(usage_of),
    })
}

/// Emits a `chat.completion` body; `created` is Unix seconds. Thinking text goes in
/// `reasoning_content`, signatures in the tool call ids ([`reasoning`]).
pub fn response_from_ir(r: &ChatResponse, created: u64) -> Value {
    let text: String =
        r.content.iter().filter_map(|p| if let Part::Text(t) = p { Some(t.as_str()) } else { None }).collect();
    let thinking: String = r
        .content
        .iter()
        .filter_map(|p| if let Part::Reasoning(t) = p { Some(t.text.as_str()) } else { None })
        .collect();
    let mut carried = reasoning::carried(&r.content);
    let calls: Vec<Value> = r
        .content
        .iter()
        .filter_map(|p| match p {
            Part::ToolCall(c) => {
                let id = reasoning::encode_call_id(&c.id, &std::mem::take(&mut carried), c.signature.as_deref());
                Some(json!({"id": id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}))
            }
            _ => None,
        })
        .collect();
    let mut message = json!({"role": "assistant", "content": if text.is_empty() && !calls.is_empty() { Value::Null } else { json!(text) }});
    if !thinking.is_empty() {
        message["reasoning_content"] = json!(thinking);
    }
    if !calls.is_empty() {
        message["tool_calls"] = Value::Array(calls);
    }
    let mut out = json!({
        "id": r.id,
        "object": "chat.completion",
        "created": created,
        "model": r.model,
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason_str(r.finish_reason)}],
    });
    if let Some(u) = &r.usage {
        out["usage"] = usage_json(u);
    }
    out
}

/// Reads an OpenAI error body `{"error":{"message","type","code"}}`.
pub fn error_to_ir(status: u16, v: &Value) -> ApiError {
    let e = v.get("error").unwrap_or(v);
    let message = match e {
        Value::String(s) => s.clone(),
        _ => json::str(e, "message").map(str::to_string).unwrap_or_else(|| v.to_string()),
    };
    let kind = match json::str(e, "type") {
        Some("invalid_request_error") if status == 401 => "authentication_error".to_string(),
        Some("insufficient_quota") | Some("tokens") | Some("requests") => "rate_limit_error".to_string(),
        Some("server_error") => "api_error".to_string(),
        Some(t) if t.ends_with("_error") => t.to_string(),
        _ => kind_for_status(status).to_string(),
    };
    ApiError { status, message, kind, code: None }
}

/// Renders an OpenAI error body.
pub fn error_from_ir(e: &ApiError) -> Value {
    json!({"error": {"message": e.message, "type": e.kind, "param": null, "code": e.code}})
}

/// Reads `chat.completion.chunk` events into IR events.
#[derive(Debug, Default)]
pub struct StreamDecoder {
    started: bool,
    /// Tool-call indexes already announced (OpenAI sends `id` and `name` once, then arguments).
    announced: Vec<usize>,
}

impl StreamDecoder {
    /// Decodes one SSE event; returns true at `[DONE]`, the stream's proper end.
    pub fn decode(&mut self, ev: &SseEvent, out: &mut Vec<StreamEvent>) -> bool {
        let data = ev.data.trim();
        if data == "[DONE]" {
            return true;
        }
        let Ok(v) = serde_json::from_str::<Value>(data) else { return false };
        if let Some(e) = json::get(&v, "error") {
            let err = error_to_ir(500, &json!({ "error": e }));
            out.push(StreamEvent::Error { message: err.message, kind: err.kind });
            return true;
        }
        if !self.started {
            self.started = true;
            out.push(StreamEvent::Start { id: json::string(&v, "id"), model: json::string(&v, "model") });
        }
        if let Some(choice) = v.pointer("/choices/0") {
            let delta = choice.get("delta").unwrap_or(&Value::Null);
            if let Some(t) = reasoning::text_of(delta) {
                out.push(StreamEvent::ReasoningDelta(t.to_string()));
            }
            if let Some(t) = json::str(delta, "content").filter(|t| !t.is_empty()) {
                out.push(StreamEvent::TextDelta(t.to_string()));
            }
            for (k, call) in json::array(delta, "tool_calls").iter().enumerate() {
                let index = json::u64(call, "index").map_or(k, |i| i as usize);
                let f = call.get("function").unwrap_or(&Value::Null);
                if !self.announced.contains(&index) {
                    self.announced.push(index);
                    out.push(StreamEvent::ToolCallStart {
                        index,
                        id: json::string(call, "id"),
                        name: json::string(f, "name"),
                        signature: None,
                    });
                }
                if let Some(a) = json::str(f, "arguments").filter(|a| !a.is_empty()) {
                    out.push(StreamEvent::ToolCallDelta { index, fragment: a.to_string() });
                }
            }
            if let Some(r) = json::str(choice, "finish_reason") {
                out.push(StreamEvent::Finish(finish_reason_of(r)));
            }
        }
        if let Some(u) = json::get(&v, "usage") {
            out.push(StreamEvent::Usage(usage_of(u)));
        }
        false
    }
}

/// Writes IR events as `chat.completion.chunk` SSE events.
#[derive(Debug, Default)]
pub struct StreamEncoder {
    /// Send a usage chunk (empty `choices`) before `[DONE]`.
    pub include_usage: bool,
    pub created: u64,
    id: String,
    model: String,
    started: bool,
    usage: Option<Usage>,
    /// The text of the thinking block being streamed, kept until its signature arrives.
    thinking: String,
    /// Signed and redacted thinking not yet carried by a tool call id ([`reasoning`]).
    carried: Vec<Part>,
}

impl StreamEncoder {
    /// An encoder; `created` is Unix seconds (injected).
    pub fn new(include_usage: bool, created: u64) -> Self {
        StreamEncoder { include_usage, created, ..Default::default() }
    }

    fn chunk(&self, delta: Value, finish: Option<&str>) -> String {
        json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
        })
        .to_string()
    }

    fn start(&mut self, out: &mut Vec<u8>) {
        if !self.started {
            self.started = true;
            let first = self.chunk(json!({"role": "assistant", "content": ""}), None);
            json::sse(out, None, &first);
        }
    }

    /// Appends the bytes for one IR event.
    pub fn encode(&mut self, ev: &StreamEvent, out: &mut Vec<u8>) {
        match ev {
            StreamEvent::Start { id, model } => {
                if !self.started {
                    self.id = id.clone();
                    self.model = model.clone();
                }
                self.start(out);
            }
            StreamEvent::TextDelta(t) => {
                self.start(out);
                self.thinking.clear();
                json::sse(out, None, &self.chunk(json!({"content": t}), None));
            }
            StreamEvent::ReasoningDelta(t) => {
                self.start(out);
                self.thinking.push_str(t);
                json::sse(out, None, &self.chunk(json!({"reasoning_content": t}), None));
            }
            StreamEvent::ReasoningSignature(s) => {
                let text = std::mem::take(&mut self.thinking);
                self.carried.push(Part::Reasoning(Thought { text, signature: Some(s.clone()) }));
            }
            StreamEvent::RedactedReasoning(data) => self.carried.push(Part::RedactedReasoning(data.clone())),
            StreamEvent::ToolCallStart { index, id, name, signature } => {
                self.start(out);
                let id = reasoning::encode_call_id(id, &std::mem::take(&mut self.carried), signature.as_deref());
                let call =
                    json!({"index": index, "id": id, "type": "function", "function": {"name": name, "arguments": ""}});
                json::sse(out, None, &self.chunk(json!({"tool_calls": [call]}), None));
            }
            StreamEvent::ToolCallDelta { index, fragment } => {
                self.start(out);
                let call = json!({"index": index, "function": {"arguments": fragment}});
                json::sse(out, None, &self.chunk(json!({"tool_calls": [call]}), None));
            }
            StreamEvent::Finish(r) => {
                self.start(out);
                json::sse(out, None, &self.chunk(json!({}), Some(finish_reason_str(*r))));
            }
            StreamEvent::Usage(u) => self.usage = Some(*u),
            StreamEvent::Error { message, kind } => {
                let e =
                    error_from_ir(&ApiError { status: 500, message: message.clone(), kind: kind.clone(), code: None });
                json::sse(out, None, &e.to_string());
            }
        }
    }

    /// Appends the end of a properly finished stream: the usage chunk (when asked) and `[DONE]`.
    pub fn end(&mut self, out: &mut Vec<u8>) {
        if let (true, Some(u)) = (self.include_usage, self.usage) {
            let chunk = json!({
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": [],
                "usage": usage_json(&u),
            });
            json::sse(out, None, &chunk.to_string());
        }
        json::sse(out, None, "[DONE]");
    }
}

#[cfg(test)]
#[path = "openai_tests.rs"]
mod tests;

use super::wire::{self, Conversation, StreamDecode, StreamEncode, WireFormat};
use super::{EmitOptions, StreamOptions};

/// OpenAI Chat Completions as a [`WireFormat`]: the free functions above, and how its streams
/// end (`data: [DONE]`) and carry text (`choices[].delta.content`).
#[derive(Debug)]
pub struct OpenAi;

const CONVERSATION: Conversation = Conversation {
    temperature: "/temperature",
    turns: "messages",
    content: "content",
    model_role: "assistant",
    roleless_is_user: false,
    instruction_roles: &["system", "developer"],
    text_part_type: Some("text"),
};

impl WireFormat for OpenAi {
    fn id(&self) -> &'static str {
        "openai"
    }

    fn name(&self) -> &'static str {
        "OpenAI"
    }

    fn request_to_ir(&self, body: &Value) -> Result<ChatRequest, GatewayError> {
        request_to_ir(body)
    }

    fn request_from_ir(&self, request: &ChatRequest, _opts: EmitOptions) -> Result<Value, GatewayError> {
        Ok(request_from_ir(request))
    }

    fn response_to_ir(&self, body: &Value) -> Result<ChatResponse, GatewayError> {
        response_to_ir(body)
    }

    fn response_from_ir(&self, response: &ChatResponse, opts: StreamOptions) -> Value {
        response_from_ir(response, opts.created)
    }

    fn error_to_ir(&self, status: u16, body: &Value) -> ApiError {
        error_to_ir(status, body)
    }

    fn error_from_ir(&self, error: &ApiError) -> Value {
        error_from_ir(error)
    }

    fn stream_decoder(&self) -> Box<dyn StreamDecode> {
        Box::new(StreamDecoder::default())
    }

    fn stream_encoder(&self, opts: StreamOptions) -> Box<dyn StreamEncode> {
        Box::new(StreamEncoder::new(opts.include_usage, opts.created))
    }

    /// Chat Completions and legacy Completions, whoever serves them (OpenAI's compatible APIs,
    /// Gemini's `openai/` endpoints, Anthropic's `v1/chat/completions`).
    fn streams_at(&self, path: &str) -> bool {
        wire::last_segments(path).1 == "completions"
    }

    fn is_stream_end(&self, event: &SseEvent) -> bool {
        event.data == "[DONE]"
    }

    fn event_text(&self, event: &Value) -> Option<String> {
        let choices = event.get("choices")?.as_array()?;
        Some(choices.iter().filter_map(|c| c.pointer("/delta/content").and_then(Value::as_str)).collect())
    }

    /// The first choice's `delta`, also an empty one (the finish chunk).
    fn set_event_text(&self, event: &mut Value, text: &str) -> bool {
        let delta = event.pointer_mut("/choices/0/delta").and_then(Value::as_object_mut);
        delta.map(|delta| delta.insert("content".into(), Value::String(text.to_string()))).is_some()
    }

    fn chat_path(&self, path: &str) -> bool {
        path.ends_with("/chat/completions")
    }

    /// `chat/completions` under the provider's version segment, if it has one.
    fn upstream_path(&self, version: Option<&str>, _model: &str, _stream: bool) -> (String, Option<&'static str>) {
        (version.map_or_else(|| "chat/completions".to_string(), |v| format!("{v}/chat/completions")), None)
    }

    fn recognises(&self, answer: &Value) -> bool {
        answer.get("choices").is_some()
    }

    fn conversation(&self) -> Option<&'static Conversation> {
        Some(&CONVERSATION)
    }
}

impl StreamDecode for StreamDecoder {
    fn decode(&mut self, event: &SseEvent, out: &mut Vec<StreamEvent>) -> bool {
        StreamDecoder::decode(self, event, out)
    }
}

impl StreamEncode for StreamEncoder {
    fn encode(&mut self, event: &StreamEvent, out: &mut Vec<u8>) {
        StreamEncoder::encode(self, event, out)
    }

    fn end(&mut self, out: &mut Vec<u8>) {
        StreamEncoder::end(self, out)
    }
}
