//! OpenAI Responses API ⇄ IR: requests, `response` objects, typed `response.*` streams, errors.
//!
//! Shapes follow platform.openai.com/docs/api-reference/responses. The gateway keeps no state,
//! so a request must carry its whole conversation in `input` (`previous_response_id` and
//! `conversation` are refused), and only function tools translate (built-in tools such as
//! `web_search` are refused). Reasoning items are skipped: the IR has no reasoning.

use serde_json::{json, Map, Value};

use super::ir::*;
use super::json;
use crate::error::GatewayError;
use crate::sse::SseEvent;
use crate::usage::Usage;

/// Parses a Responses request body (`POST /responses`).
///
/// Errors: 400 naming the field (`input[2].call_id`, `tools[0].type`, `text.format.schema`, ...),
/// also for what the gateway cannot honour: server-side conversation state and built-in tools.
pub fn request_to_ir(v: &Value) -> Result<ChatRequest, GatewayError> {
    for key in ["previous_response_id", "conversation"] {
        if json::get(v, key).is_some() {
            return Err(GatewayError::invalid(format!(
                "{key} is not supported: the gateway keeps no conversation state; send the whole conversation in `input`"
            )));
        }
    }
    let stream = optional_bool(v, "stream")?.unwrap_or(false);
    let mut req = ChatRequest {
        model: json::string(v, "model"),
        max_tokens: optional_u64(v, "max_output_tokens")?,
        temperature: optional_f64(v, "temperature")?,
        top_p: optional_f64(v, "top_p")?,
        stream,
        // A Responses stream always ends with the usage, in `response.completed`.
        include_usage: stream,
        ..ChatRequest::default()
    };
    let mut system = Vec::new();
    match json::get(v, "instructions") {
        None => {}
        Some(Value::String(s)) => system.push(s.clone()),
        Some(_) => return Err(GatewayError::invalid("instructions must be a string")),
    }
    match json::get(v, "input") {
        Some(Value::String(s)) => req.messages.push(Message::text(Role::User, s.clone())),
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                read_item(item, i, &mut req.messages, &mut system)?;
            }
        }
        _ => return Err(GatewayError::invalid("`input` must be a string or an array of input items")),
    }
    if !system.is_empty() {
        req.system = Some(system.join("\n\n"));
    }
    req.tools = tools_of(v)?;
    req.tool_choice = tool_choice_of(v)?;
    req.response_format = text_format_of(v)?;
    Ok(req)
}

fn optional_u64(v: &Value, key: &str) -> Result<Option<u64>, GatewayError> {
    match json::get(v, key) {
        None => Ok(None),
        Some(n) => {
            n.as_u64().map(Some).ok_or_else(|| GatewayError::invalid(format!("{key} must be a non-negative integer")))
        }
    }
}

fn optional_f64(v: &Value, key: &str) -> Result<Option<f64>, GatewayError> {
    match json::get(v, key) {
        None => Ok(None),
        Some(n) => n.as_f64().map(Some).ok_or_else(|| GatewayError::invalid(format!("{key} must be a number"))),
    }
}

fn optional_bool(v: &Value, key: &str) -> Result<Option<bool>, GatewayError> {
    match json::get(v, key) {
        None => Ok(None),
        Some(b) => b.as_bool().map(Some).ok_or_else(|| GatewayError::invalid(format!("{key} must be a boolean"))),
    }
}

/// A string field the item cannot do without.
fn required_str(item: &Value, key: &str, at: &str) -> Result<String, GatewayError> {
    json::str(item, key).map(str::to_string).ok_or_else(|| GatewayError::invalid(format!("{at}.{key} is missing")))
}

/// Adds input item `i` to the conversation (or its text to the system prompt).
fn read_item(
    item: &Value,
    i: usize,
    messages: &mut Vec<Message>,
    system: &mut Vec<String>,
) -> Result<(), GatewayError> {
    let at = format!("input[{i}]");
    let kind = match json::get(item, "type") {
        // Items without a type but with a role are messages ("easy input messages").
        None if json::get(item, "role").is_some() => "message",
        None => return Err(GatewayError::invalid(format!("{at}.type is missing"))),
        Some(t) => t.as_str().ok_or_else(|| GatewayError::invalid(format!("{at}.type must be a string")))?,
    };
    match kind {
        "message" => read_message(item, &at, messages, system)?,
        "function_call" => {
            let arguments = match json::get(item, "arguments") {
                None => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(_) => return Err(GatewayError::invalid(format!("{at}.arguments must be a string of JSON"))),
            };
            let call = Part::ToolCall(ToolCall {
                id: required_str(item, "call_id", &at)?,
                name: required_str(item, "name", &at)?,
                arguments,
                signature: None,
            });
            // A function call belongs to the assistant turn right before it, if any.
            match messages.last_mut() {
                Some(last) if last.role == Role::Assistant => last.content.push(call),
                _ => messages.push(Message { role: Role::Assistant, content: vec![call] }),
            }
        }
        "function_call_output" => {
            let content = match json::get(item, "output") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(parts)) => parts.iter().filter_map(text_of_part).collect(),
                _ => {
                    return Err(GatewayError::invalid(format!(
                        "{at}.output must be a string or an array of content parts"
                    )))
                }
            };
            let result = ToolResult { tool_call_id: required_str(item, "call_id", &at)?, content, is_error: false };
            messages.push(Message { role: Role::Tool, content: vec![Part::ToolResult(result)] });
        }
        // Reasoning has no IR counterpart: another provider could not read it anyway.
        "reasoning" => {}
        other => {
            return Err(GatewayError::invalid(format!(
                "{at}.type: unsupported item type {}; supported types are message, function_call, function_call_output and reasoning",
                json::quoted(other)
            )))
        }
    }
    Ok(())
}

fn read_message(
    item: &Value,
    at: &str,
    messages: &mut Vec<Message>,
    system: &mut Vec<String>,
) -> Result<(), GatewayError> {
    let role = json::str(item, "role").unwrap_or_default();
    let parts = content_parts(json::get(item, "content"), at)?;
    let texts = || parts.iter().filter(|p| matches!(p, Part::Text(_))).cloned().collect::<Vec<_>>();
    match role {
        "system" | "developer" => system
            .push(parts.iter().filter_map(|p| if let Part::Text(t) = p { Some(t.as_str()) } else { None }).collect()),
        "user" => messages.push(Message { role: Role::User, content: parts }),
        "assistant" => messages.push(Message { role: Role::Assistant, content: texts() }),
        other => {
            return Err(GatewayError::invalid(format!(
                "{at}.role: invalid value {}; supported values are user, assistant, system and developer",
                json::quoted(other)
            )))
        }
    }
    Ok(())
}

/// The text of an `input_text`/`output_text` part (or a refusal), if it is one.
fn text_of_part(part: &Value) -> Option<&str> {
    match json::str(part, "type") {
        Some("input_text" | "output_text" | "text") => json::str(part, "text"),
        Some("refusal") => json::str(part, "refusal"),
        _ => None,
    }
}

/// A message's `content`: a string, or parts of which text and images have IR counterparts
/// (files and audio are dropped, as the Chat Completions reader does).
fn content_parts(content: Option<&Value>, at: &str) -> Result<Vec<Part>, GatewayError> {
    let items = match content {
        Some(Value::String(s)) => return Ok(vec![Part::Text(s.clone())]),
        Some(Value::Array(items)) => items,
        _ => return Err(GatewayError::invalid(format!("{at}.content must be a string or an array of content parts"))),
    };
    let mut parts = Vec::new();
    for (j, p) in items.iter().enumerate() {
        match json::str(p, "type") {
            Some("input_text" | "output_text" | "text" | "refusal") => match text_of_part(p) {
                Some(t) => parts.push(Part::Text(t.to_string())),
                None => return Err(GatewayError::invalid(format!("{at}.content[{j}].text must be a string"))),
            },
            Some("input_image") => match json::str(p, "image_url") {
                Some(url) => parts.push(Part::Image(image_from_url(url))),
                None => {
                    return Err(GatewayError::invalid(format!(
                        "{at}.content[{j}].image_url is missing (uploaded file ids cannot be translated)"
                    )))
                }
            },
            _ => {}
        }
    }
    Ok(parts)
}

fn image_from_url(url: &str) -> Image {
    match json::split_data_url(url) {
        Some((media_type, data)) => Image::Base64 { media_type, data },
        None => Image::Url(url.to_string()),
    }
}

fn image_url(image: &Image) -> String {
    match image {
        Image::Url(url) => url.clone(),
        Image::Base64 { media_type, data } => format!("data:{media_type};base64,{data}"),
    }
}

fn tools_of(v: &Value) -> Result<Vec<Tool>, GatewayError> {
    let tools = match json::get(v, "tools") {
        None => return Ok(Vec::new()),
        Some(Value::Array(tools)) => tools,
        Some(_) => return Err(GatewayError::invalid("tools must be an array")),
    };
    let mut out = Vec::new();
    for (i, t) in tools.iter().enumerate() {
        match json::str(t, "type") {
            Some("function") => out.push(Tool {
                name: required_str(t, "name", &format!("tools[{i}]"))?,
                description: json::str(t, "description").map(str::to_string),
                parameters: json::get(t, "parameters").cloned().unwrap_or_else(|| json!({"type": "object", "properties": {}})),
            }),
            Some(other) => {
                return Err(GatewayError::invalid(format!(
                    "tools[{i}].type: {} tools are not supported by translation to another provider; only function tools are",
                    json::quoted(other)
                )))
            }
            None => return Err(GatewayError::invalid(format!("tools[{i}].type is missing"))),
        }
    }
    Ok(out)
}

fn tool_choice_of(v: &Value) -> Result<Option<ToolChoice>, GatewayError> {
    let choice = match json::get(v, "tool_choice") {
        None => return Ok(None),
        Some(Value::String(s)) => match s.as_str() {
            "auto" => ToolChoice::Auto,
            "none" => ToolChoice::None,
            "required" => ToolChoice::Required,
            other => {
                return Err(GatewayError::invalid(format!(
                    "tool_choice: invalid value {}; supported values are auto, none and required",
                    json::quoted(other)
                )))
            }
        },
        Some(c @ Value::Object(_)) => match json::str(c, "type") {
            Some("function") => ToolChoice::Named(required_str(c, "name", "tool_choice")?),
            other => {
                return Err(GatewayError::invalid(format!(
                    "tool_choice.type: invalid value {}; only function tools can be chosen",
                    json::quoted(other.unwrap_or_default())
                )))
            }
        },
        Some(_) => return Err(GatewayError::invalid("tool_choice must be a string or an object")),
    };
    Ok(Some(choice))
}

fn text_format_of(v: &Value) -> Result<Option<ResponseFormat>, GatewayError> {
    let Some(format) = json::get(v, "text").and_then(|t| json::get(t, "format")) else { return Ok(None) };
    let format = match json::str(format, "type") {
        Some("text") => ResponseFormat::Text,
        Some("json_object") => ResponseFormat::JsonObject,
        Some("json_schema") => ResponseFormat::JsonSchema {
            name: json::str(format, "name").unwrap_or("response").to_string(),
            schema: json::get(format, "schema")
                .filter(|s| s.is_object())
                .cloned()
                .ok_or_else(|| GatewayError::invalid("text.format.schema must be a JSON schema object"))?,
            strict: optional_bool(format, "strict")
                .map_err(|_| GatewayError::invalid("text.format.strict must be a boolean"))?
                .unwrap_or(false),
        },
        other => {
            return Err(GatewayError::invalid(format!(
                "text.format.type: invalid value {}; supported values are text, json_object and json_schema",
                json::quoted(other.unwrap_or_default())
            )))
        }
    };
    Ok(Some(format))
}

/// Emits a Responses request body, for a Responses upstream. `store` is false (the gateway
/// keeps no state, so nothing should be kept for later turns), stop sequences are dropped (the
/// API has none) and function tools are sent non-strict (the IR's schemas were not written for
/// the strict mode Responses assumes by default).
pub fn request_from_ir(req: &ChatRequest) -> Value {
    let mut input = Vec::new();
    for m in &req.messages {
        push_items(&mut input, m);
    }
    let mut out = Map::new();
    out.insert("model".into(), json!(req.model));
    if let Some(system) = &req.system {
        out.insert("instructions".into(), json!(system));
    }
    out.insert("input".into(), Value::Array(input));
    out.insert("store".into(), json!(false));
    if let Some(n) = req.max_tokens {
        out.insert("max_output_tokens".into(), json!(n));
    }
    if let Some(t) = req.temperature {
        out.insert("temperature".into(), json!(t));
    }
    if let Some(p) = req.top_p {
        out.insert("top_p".into(), json!(p));
    }
    if req.stream {
        out.insert("stream".into(), json!(true));
    }
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let mut tool = json!({"type": "function", "name": t.name, "parameters": t.parameters, "strict": false});
                if let Some(d) = &t.description {
                    tool["description"] = json!(d);
                }
                tool
            })
            .collect();
        out.insert("tools".into(), Value::Array(tools));
    }
    if let Some(choice) = &req.tool_choice {
        let choice = match choice {
            ToolChoice::Auto => json!("auto"),
            ToolChoice::None => json!("none"),
            ToolChoice::Required => json!("required"),
            ToolChoice::Named(name) => json!({"type": "function", "name": name}),
        };
        out.insert("tool_choice".into(), choice);
    }
    if let Some(format) = &req.response_format {
        let format = match format {
            ResponseFormat::Text => json!({"type": "text"}),
            ResponseFormat::JsonObject => json!({"type": "json_object"}),
            ResponseFormat::JsonSchema { name, schema, strict } => {
                json!({"type": "json_schema", "name": name, "schema": schema, "strict": strict})
            }
        };
        out.insert("text".into(), json!({ "format": format }));
    }
    Value::Object(out)
}

/// Appends the input items of one IR message.
fn push_items(input: &mut Vec<Value>, m: &Message) {
    match m.role {
        Role::User | Role::Tool => {
            // Anthropic-style user turns may hold tool results too: they answer the calls just
            // before, so they go first.
            for p in &m.content {
                if let Part::ToolResult(r) = p {
                    input.push(json!({"type": "function_call_output", "call_id": r.tool_call_id, "output": r.content}));
                }
            }
            let parts: Vec<Value> = m
                .content
                .iter()
                .filter_map(|p| match p {
                    Part::Text(t) => Some(json!({"type": "input_text", "text": t})),
                    Part::Image(img) => {
                        Some(json!({"type": "input_image", "image_url": image_url(img), "detail": "auto"}))
                    }
                    _ => None,
                })
                .collect();
            if !parts.is_empty() {
                input.push(json!({"type": "message", "role": "user", "content": parts}));
            }
        }
        Role::Assistant => {
            // Text and calls keep their order: consecutive texts make one message item.
            let mut texts: Vec<Value> = Vec::new();
            for p in &m.content {
                match p {
                    Part::Text(t) => texts.push(json!({"type": "output_text", "text": t})),
                    Part::ToolCall(c) => {
                        flush_assistant_text(input, &mut texts);
                        input.push(
                            json!({"type": "function_call", "call_id": c.id, "name": c.name, "arguments": c.arguments}),
                        );
                    }
                    _ => {}
                }
            }
            flush_assistant_text(input, &mut texts);
        }
        Role::System => {
            let text: String =
                m.content.iter().filter_map(|p| if let Part::Text(t) = p { Some(t.as_str()) } else { None }).collect();
            input.push(json!({"type": "message", "role": "system", "content": text}));
        }
    }
}

fn flush_assistant_text(input: &mut Vec<Value>, texts: &mut Vec<Value>) {
    if !texts.is_empty() {
        input.push(json!({"type": "message", "role": "assistant", "content": std::mem::take(texts)}));
    }
}

/// The finish reason of a response with `status`, `incomplete_details.reason` `reason`, and
/// whether it called a function (Responses has no "tool_calls" status).
fn finish_reason_of(status: &str, reason: Option<&str>, called: bool) -> FinishReason {
    match (status, reason) {
        ("incomplete", Some("max_output_tokens")) => FinishReason::Length,
        ("incomplete", Some("content_filter")) => FinishReason::ContentFilter,
        ("incomplete" | "failed" | "cancelled", _) => FinishReason::Other,
        _ if called => FinishReason::ToolCalls,
        _ => FinishReason::Stop,
    }
}

/// The response `status` and `incomplete_details.reason` for an IR finish reason.
fn status_of(r: FinishReason) -> (&'static str, Option<&'static str>) {
    match r {
        FinishReason::Length => ("incomplete", Some("max_output_tokens")),
        FinishReason::ContentFilter => ("incomplete", Some("content_filter")),
        FinishReason::Stop | FinishReason::ToolCalls | FinishReason::Other => ("completed", None),
    }
}

fn finish_of_response(r: &Value, called: bool) -> FinishReason {
    let reason = r.pointer("/incomplete_details/reason").and_then(Value::as_str);
    finish_reason_of(json::str(r, "status").unwrap_or("completed"), reason, called)
}

/// Normalized usage from a Responses `usage` object.
pub fn usage_of(u: &Value) -> Usage {
    Usage {
        input_tokens: json::u64(u, "input_tokens").unwrap_or(0),
        output_tokens: json::u64(u, "output_tokens").unwrap_or(0),
        cached_input_tokens: u.pointer("/input_tokens_details/cached_tokens").and_then(Value::as_u64).unwrap_or(0),
        ..Usage::default()
    }
}

/// A Responses `usage` object.
pub fn usage_json(u: &Usage) -> Value {
    json!({
        "input_tokens": u.input_tokens,
        "input_tokens_details": {"cached_tokens": u.cached_input_tokens},
        "output_tokens": u.output_tokens,
        // The IR does not count reasoning tokens apart.
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": u.total_tokens(),
    })
}

/// Parses a `response` object: message text and function calls, in order (reasoning and
/// built-in tool items are skipped).
///
/// Errors: 502 when `output` is not an array.
pub fn response_to_ir(v: &Value) -> Result<ChatResponse, GatewayError> {
    let output = v
        .get("output")
        .and_then(Value::as_array)
        .ok_or_else(|| super::bad_upstream("Responses answer has no `output` array"))?;
    let mut content = Vec::new();
    for item in output {
        match json::str(item, "type") {
            Some("message") => content
                .extend(json::array(item, "content").iter().filter_map(text_of_part).map(|t| Part::Text(t.into()))),
            Some("function_call") => content.push(Part::ToolCall(ToolCall {
                id: json::string(item, "call_id"),
                name: json::string(item, "name"),
                arguments: json::string(item, "arguments"),
                signature: None,
            })),
            _ => {}
        }
    }
    let called = content.iter().any(|p| matches!(p, Part::ToolCall(_)));
    Ok(ChatResponse {
        id: json::string(v, "id"),
        model: json::string(v, "model"),
        content,
        finish_reason: finish_of_response(v, called),
        usage: json::get(v, "usage").map(usage_of),
    })
}

/// The id of output item `index` of response `response_id`: the IR has no item ids, so they
/// are derived, unique within the response and stable between a stream and its final object.
fn item_id(prefix: &str, response_id: &str, index: usize) -> String {
    format!("{prefix}_{response_id}_{index}")
}

fn message_item(id: &str, status: &str, text_parts: &[&str]) -> Value {
    let content: Vec<Value> =
        text_parts.iter().map(|t| json!({"type": "output_text", "text": t, "annotations": []})).collect();
    json!({"type": "message", "id": id, "status": status, "role": "assistant", "content": content})
}

fn call_item(id: &str, status: &str, call: &ToolCall) -> Value {
    json!({"type": "function_call", "id": id, "call_id": call.id, "name": call.name, "arguments": call.arguments, "status": status})
}

/// A `response` object around `output`.
fn response_object(id: &str, model: &str, created: u64, finish: Option<FinishReason>, output: Vec<Value>) -> Value {
    let (status, reason) = finish.map_or(("in_progress", None), status_of);
    json!({
        "id": id,
        "object": "response",
        "created_at": created,
        "status": status,
        "error": null,
        "incomplete_details": reason.map(|r| json!({"reason": r})),
        "model": model,
        "output": output,
        "usage": null,
    })
}

/// The status of the last output item of a response that finished for `finish`: cut short
/// when the response is incomplete.
fn last_item_status(finish: FinishReason) -> &'static str {
    if status_of(finish).0 == "incomplete" {
        "incomplete"
    } else {
        "completed"
    }
}

/// Emits a `response` object; `created` (Unix seconds) fills `created_at`. Consecutive text
/// parts make one message item, each function call its own item.
pub fn response_from_ir(r: &ChatResponse, created: u64) -> Value {
    // Output items, each a message (its texts) or one call.
    let mut groups: Vec<Result<Vec<&str>, &ToolCall>> = Vec::new();
    for p in &r.content {
        match (p, groups.last_mut()) {
            (Part::Text(t), Some(Ok(texts))) => texts.push(t),
            (Part::Text(t), _) => groups.push(Ok(vec![t])),
            (Part::ToolCall(c), _) => groups.push(Err(c)),
            _ => {}
        }
    }
    let last = groups.len().saturating_sub(1);
    let output: Vec<Value> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let status = if i == last { last_item_status(r.finish_reason) } else { "completed" };
            match g {
                Ok(texts) => message_item(&item_id("msg", &r.id, i), status, texts),
                Err(call) => call_item(&item_id("fc", &r.id, i), status, call),
            }
        })
        .collect();
    let mut out = response_object(&r.id, &r.model, created, Some(r.finish_reason), output);
    if let Some(u) = &r.usage {
        out["usage"] = usage_json(u);
    }
    out
}

/// Reads an error body: Responses errors have the Chat Completions shape
/// `{"error":{"message","type","param","code"}}`.
pub fn error_to_ir(status: u16, v: &Value) -> ApiError {
    super::openai::error_to_ir(status, v)
}

/// Renders an error body (the Chat Completions shape, which Responses shares).
pub fn error_from_ir(e: &ApiError) -> Value {
    super::openai::error_from_ir(e)
}

/// The IR error type for a stream error's `code` (Responses codes such as `rate_limit_exceeded`
/// and `server_error`, or a gateway error type passed through).
fn kind_of_code(code: Option<&str>) -> String {
    match code {
        Some("rate_limit_exceeded") => "rate_limit_error".to_string(),
        Some(c) if c.ends_with("_error") && c != "server_error" => c.to_string(),
        _ => "api_error".to_string(),
    }
}

/// The stream error `code` for an IR error type (the inverse of [`kind_of_code`]).
fn code_of_kind(kind: &str) -> &str {
    match kind {
        "rate_limit_error" => "rate_limit_exceeded",
        "api_error" => "server_error",
        other => other,
    }
}

/// How much a decoder passed on of one text part or function call of the stream, to send only
/// the missing rest when a `.done` event carries the whole.
#[derive(Debug)]
struct SeenPart {
    output_index: u64,
    content_index: u64,
    /// The tool-call ordinal when the part is a function call's arguments.
    tool: Option<usize>,
    /// Bytes of text or arguments passed on (the deltas, which the whole continues).
    sent: usize,
}

/// Reads a Responses event stream (`response.created` … `response.completed`) into IR events.
#[derive(Debug, Default)]
pub struct StreamDecoder {
    started: bool,
    parts: Vec<SeenPart>,
    tool_calls: usize,
    /// An error was already reported (an `error` event comes before `response.failed`).
    errored: bool,
}

impl StreamDecoder {
    /// Decodes one SSE event; returns true at `response.completed`, `response.incomplete`,
    /// `response.failed` and `error`. Events it does not know (reasoning, built-in tools,
    /// annotations) and unreadable data are skipped.
    pub fn decode(&mut self, ev: &SseEvent, out: &mut Vec<StreamEvent>) -> bool {
        let Ok(v) = serde_json::from_str::<Value>(&ev.data) else { return false };
        let kind = json::str(&v, "type").or(ev.event.as_deref()).unwrap_or_default();
        let response = v.get("response").unwrap_or(&Value::Null);
        let output_index = json::u64(&v, "output_index").unwrap_or(0);
        let content_index = json::u64(&v, "content_index").unwrap_or(0);
        match kind {
            "response.created" | "response.in_progress" => self.start(response, out),
            "response.output_item.added" | "response.output_item.done" => {
                self.start(&Value::Null, out);
                let item = v.get("item").unwrap_or(&Value::Null);
                match json::str(item, "type") {
                    Some("function_call") => {
                        self.announce(item, output_index, out);
                        self.catch_up(output_index, 0, true, json::str(item, "arguments").unwrap_or_default(), out);
                    }
                    Some("message") if kind == "response.output_item.done" => {
                        for (j, part) in json::array(item, "content").iter().enumerate() {
                            if let Some(text) = text_of_part(part) {
                                self.catch_up(output_index, j as u64, false, text, out);
                            }
                        }
                    }
                    _ => {}
                }
            }
            "response.output_text.delta" | "response.refusal.delta" | "response.function_call_arguments.delta" => {
                self.start(&Value::Null, out);
                let call = kind == "response.function_call_arguments.delta";
                let content_index = if call { 0 } else { content_index };
                self.pass_on(output_index, content_index, call, json::str(&v, "delta").unwrap_or_default(), out);
            }
            "response.output_text.done" => {
                self.catch_up(output_index, content_index, false, json::str(&v, "text").unwrap_or_default(), out)
            }
            "response.refusal.done" => {
                self.catch_up(output_index, content_index, false, json::str(&v, "refusal").unwrap_or_default(), out)
            }
            "response.function_call_arguments.done" => {
                self.catch_up(output_index, 0, true, json::str(&v, "arguments").unwrap_or_default(), out)
            }
            "response.completed" | "response.incomplete" => {
                self.start(response, out);
                out.push(StreamEvent::Finish(finish_of_response(response, self.tool_calls > 0)));
                if let Some(u) = json::get(response, "usage") {
                    out.push(StreamEvent::Usage(usage_of(u)));
                }
                return true;
            }
            "response.failed" => {
                if !self.errored {
                    let e = response.get("error").unwrap_or(&Value::Null);
                    let message = json::str(e, "message").unwrap_or("the response failed").to_string();
                    out.push(StreamEvent::Error { message, kind: kind_of_code(json::str(e, "code")) });
                }
                return true;
            }
            "error" => {
                // The documented shape has `code` and `message` at the top; some servers nest
                // an OpenAI error object instead.
                let error = match json::get(&v, "error") {
                    Some(e @ Value::Object(_)) => error_to_ir(500, &json!({ "error": e })),
                    _ => ApiError {
                        status: 500,
                        message: json::string(&v, "message"),
                        kind: kind_of_code(json::str(&v, "code")),
                        code: None,
                    },
                };
                self.errored = true;
                out.push(StreamEvent::Error { message: error.message, kind: error.kind });
                return true;
            }
            _ => {}
        }
        false
    }

    fn start(&mut self, response: &Value, out: &mut Vec<StreamEvent>) {
        if !self.started {
            self.started = true;
            out.push(StreamEvent::Start { id: json::string(response, "id"), model: json::string(response, "model") });
        }
    }

    /// The part at (`output_index`, `content_index`), created for text; `None` when it is not
    /// of the kind expected (`call`), or is a call never announced.
    fn part(&mut self, output_index: u64, content_index: u64, call: bool) -> Option<&mut SeenPart> {
        let found = self.parts.iter().position(|p| p.output_index == output_index && p.content_index == content_index);
        let at = match found {
            Some(i) if self.parts[i].tool.is_some() == call => i,
            Some(_) => return None,
            None if call => return None,
            None => {
                self.parts.push(SeenPart { output_index, content_index, tool: None, sent: 0 });
                self.parts.len() - 1
            }
        };
        self.parts.get_mut(at)
    }

    /// Announces the function call `item` at `output_index`, once.
    fn announce(&mut self, item: &Value, output_index: u64, out: &mut Vec<StreamEvent>) {
        if self.parts.iter().any(|p| p.output_index == output_index && p.content_index == 0) {
            return;
        }
        let index = self.tool_calls;
        self.tool_calls += 1;
        self.parts.push(SeenPart { output_index, content_index: 0, tool: Some(index), sent: 0 });
        out.push(StreamEvent::ToolCallStart {
            index,
            id: json::string(item, "call_id"),
            name: json::string(item, "name"),
            signature: None,
        });
    }

    /// Passes on `delta`, the next piece of a text (`call` false) or of a call's arguments.
    fn pass_on(&mut self, output_index: u64, content_index: u64, call: bool, delta: &str, out: &mut Vec<StreamEvent>) {
        let Some(part) = self.part(output_index, content_index, call).filter(|_| !delta.is_empty()) else { return };
        part.sent += delta.len();
        out.push(match part.tool {
            Some(index) => StreamEvent::ToolCallDelta { index, fragment: delta.to_string() },
            None => StreamEvent::TextDelta(delta.to_string()),
        });
    }

    /// Passes on what `whole`, a part's text or arguments so far, has beyond what the deltas
    /// already sent (nothing when they sent it all, as they do from OpenAI).
    fn catch_up(&mut self, output_index: u64, content_index: u64, call: bool, whole: &str, out: &mut Vec<StreamEvent>) {
        let sent = match self.part(output_index, content_index, call) {
            Some(part) => part.sent,
            None => return,
        };
        if let Some(rest) = whole.get(sent..) {
            self.pass_on(output_index, content_index, call, rest, out);
        }
    }
}

/// One output item of an encoded stream.
#[derive(Debug)]
enum OutputItem {
    Message { text: String },
    Call { index: usize, call: ToolCall },
}

/// Writes IR events as a Responses event stream: `response.created`, `response.in_progress`,
/// then per output item `output_item.added`, its deltas and `.done` events, and at the end
/// `response.completed` (or `response.incomplete`) with the whole response and its usage.
/// Every event is named by an `event:` line and carries `type` and `sequence_number`.
#[derive(Debug, Default)]
pub struct StreamEncoder {
    created: u64,
    id: String,
    model: String,
    started: bool,
    sequence: u64,
    items: Vec<OutputItem>,
    /// The last item is still open (more deltas may come).
    open: bool,
    finish: Option<FinishReason>,
    usage: Option<Usage>,
    ended: bool,
}

impl StreamEncoder {
    /// An encoder; `created` is Unix seconds (injected), for `created_at`.
    pub fn new(created: u64) -> Self {
        StreamEncoder { created, ..Default::default() }
    }

    fn event(&mut self, out: &mut Vec<u8>, kind: &str, mut data: Value) {
        data["type"] = json!(kind);
        data["sequence_number"] = json!(self.sequence);
        self.sequence += 1;
        json::sse(out, Some(kind), &data.to_string());
    }

    fn item_id(&self, index: usize) -> String {
        match self.items.get(index) {
            Some(OutputItem::Call { .. }) => item_id("fc", &self.id, index),
            _ => item_id("msg", &self.id, index),
        }
    }

    fn item_json(&self, index: usize, status: &str) -> Value {
        let id = self.item_id(index);
        match &self.items[index] {
            OutputItem::Message { text } => message_item(&id, status, &[text]),
            OutputItem::Call { call, .. } => call_item(&id, status, call),
        }
    }

    fn response(&self, status_of_items: impl Fn(usize) -> &'static str) -> Value {
        let output = (0..self.items.len()).map(|i| self.item_json(i, status_of_items(i))).collect();
        response_object(&self.id, &self.model, self.created, self.finish, output)
    }

    fn start(&mut self, out: &mut Vec<u8>) {
        if self.started {
            return;
        }
        self.started = true;
        let response = response_object(&self.id, &self.model, self.created, None, Vec::new());
        self.event(out, "response.created", json!({ "response": response }));
        self.event(out, "response.in_progress", json!({ "response": response }));
    }

    /// Opens output item `item`, closing the one before.
    fn open_item(&mut self, item: OutputItem, out: &mut Vec<u8>) -> usize {
        self.close_item(out);
        let index = self.items.len();
        let is_message = matches!(item, OutputItem::Message { .. });
        self.items.push(item);
        self.open = true;
        let mut added = self.item_json(index, "in_progress");
        if is_message {
            added["content"] = json!([]);
        }
        self.event(out, "response.output_item.added", json!({"output_index": index, "item": added}));
        if is_message {
            let part = json!({"type": "output_text", "text": "", "annotations": []});
            let ev = json!({"item_id": self.item_id(index), "output_index": index, "content_index": 0, "part": part});
            self.event(out, "response.content_part.added", ev);
        }
        index
    }

    /// Closes the open item with its `.done` events, which carry the whole text or arguments.
    fn close_item(&mut self, out: &mut Vec<u8>) {
        if !std::mem::take(&mut self.open) {
            return;
        }
        let index = self.items.len() - 1;
        let item_id = self.item_id(index);
        let status = self.finish.map_or("completed", last_item_status);
        match &self.items[index] {
            OutputItem::Message { text } => {
                let text = text.clone();
                let at = json!({"item_id": item_id, "output_index": index, "content_index": 0});
                let mut done = at.clone();
                done["text"] = json!(text);
                done["logprobs"] = json!([]);
                self.event(out, "response.output_text.done", done);
                let mut part = at;
                part["part"] = json!({"type": "output_text", "text": text, "annotations": []});
                self.event(out, "response.content_part.done", part);
            }
            OutputItem::Call { call, .. } => {
                let done =
                    json!({"item_id": item_id, "output_index": index, "name": call.name, "arguments": call.arguments});
                self.event(out, "response.function_call_arguments.done", done);
            }
        }
        let item = self.item_json(index, status);
        self.event(out, "response.output_item.done", json!({"output_index": index, "item": item}));
    }

    /// Appends the bytes for one IR event.
    pub fn encode(&mut self, ev: &StreamEvent, out: &mut Vec<u8>) {
        if self.ended {
            return;
        }
        match ev {
            StreamEvent::Start { id, model } => {
                if !self.started {
                    self.id = id.clone();
                    self.model = model.clone();
                }
                self.start(out);
            }
            StreamEvent::TextDelta(t) => {
                if t.is_empty() {
                    return;
                }
                self.start(out);
                let index = match self.items.last_mut() {
                    Some(OutputItem::Message { text }) if self.open => {
                        text.push_str(t);
                        self.items.len() - 1
                    }
                    _ => self.open_item(OutputItem::Message { text: t.clone() }, out),
                };
                let ev = json!({"item_id": self.item_id(index), "output_index": index, "content_index": 0, "delta": t, "logprobs": []});
                self.event(out, "response.output_text.delta", ev);
            }
            StreamEvent::ToolCallStart { index, id, name, .. } => {
                self.start(out);
                let call = ToolCall { id: id.clone(), name: name.clone(), arguments: String::new(), signature: None };
                self.open_item(OutputItem::Call { index: *index, call }, out);
            }
            StreamEvent::ToolCallDelta { index, fragment } => {
                // A call whose item was already closed (the upstream interleaved calls) still
                // gets its delta: the final response carries the whole arguments either way.
                let found = self.items.iter_mut().enumerate().find_map(|(i, item)| match item {
                    OutputItem::Call { index: n, call } if n == index => {
                        call.arguments.push_str(fragment);
                        Some(i)
                    }
                    _ => None,
                });
                if let Some(i) = found {
                    let ev = json!({"item_id": self.item_id(i), "output_index": i, "delta": fragment});
                    self.event(out, "response.function_call_arguments.delta", ev);
                }
            }
            StreamEvent::Finish(r) => {
                self.finish = Some(*r);
                self.close_item(out);
            }
            StreamEvent::Usage(u) => self.usage = Some(*u),
            // Reasoning is not yet written as Responses `reasoning` items: a Responses client
            // sees the answer without its thinking.
            StreamEvent::ReasoningDelta(_) | StreamEvent::ReasoningSignature(_) | StreamEvent::RedactedReasoning(_) => {
            }
            StreamEvent::Error { message, kind } => {
                let code = code_of_kind(kind);
                self.event(out, "error", json!({"code": code, "message": message, "param": null}));
                if self.started {
                    let mut response = self.response(|_| "incomplete");
                    response["status"] = json!("failed");
                    response["error"] = json!({"code": code, "message": message});
                    self.event(out, "response.failed", json!({ "response": response }));
                }
                self.ended = true;
            }
        }
    }

    /// Appends the end of a properly finished stream: the open item's `.done` events and
    /// `response.completed` (`response.incomplete` when the answer was cut by the token limit
    /// or a content filter) with the whole response and its usage.
    pub fn end(&mut self, out: &mut Vec<u8>) {
        if self.ended {
            return;
        }
        self.start(out);
        self.close_item(out);
        let finish = *self.finish.get_or_insert(FinishReason::Stop);
        let last = self.items.len().saturating_sub(1);
        let mut response = self.response(|i| if i == last { last_item_status(finish) } else { "completed" });
        if let Some(u) = &self.usage {
            response["usage"] = usage_json(u);
        }
        let kind = if status_of(finish).0 == "incomplete" { "response.incomplete" } else { "response.completed" };
        self.event(out, kind, json!({ "response": response }));
        self.ended = true;
    }
}

#[cfg(test)]
#[path = "responses_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "responses_props.rs"]
mod props;
