//! OpenAI Responses API ⇄ IR: requests, `response` objects, typed `response.*` streams, errors.
//!
//! Shapes follow platform.openai.com/docs/api-reference/responses. The gateway keeps no state,
//! so a request must carry its whole conversation in `input` (`previous_response_id` and
//! `conversation` are refused), and only function tools translate (built-in tools such as
//! `web_search`, and `namespace` groups, are left out). `reasoning.effort` translates; of reasoning items, the summaries of
//! a Responses provider's are read (as thinking without a signature) and thinking is written for
//! a Responses client as reasoning items with summaries. Signatures and redacted thinking are
//! written in reasoning items' `encrypted_content` when the client asks for it, and read back
//! from the reasoning items of a request's `input` ([`reasoning`]); other reasoning items in
//! `input` are skipped.

use serde_json::{json, Map, Value};

use super::ir::*;
use super::json;
use super::openai::{image_from_url, image_url};
use crate::error::GatewayError;
use crate::sse::SseEvent;
use crate::usage::report::UsageReport;
use crate::usage::Usage;
use reasoning::Carried;

/// Parses a Responses request body (`POST /responses`).
///
/// Errors: 400 naming the field (`input[2].call_id`, `tools[0].type`, `text.format.schema`, ...),
/// also for what the gateway cannot honour: server-side conversation state. Tools other than
/// function tools (built-in tools, namespaces) are left out.
pub fn request_to_ir(v: &Value) -> Result<ChatRequest, GatewayError> {
    for key in ["previous_response_id", "conversation"] {
        if json::get(v, key).is_some() {
            return Err(GatewayError::invalid(format!(
                "{key} is not supported when the request is translated for another provider: the gateway keeps no conversation state and stores no responses (`store` has no effect), so send the whole conversation in `input`"
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
    let mut call_signature = None;
    match json::get(v, "instructions") {
        None => {}
        Some(Value::String(s)) => system.push(s.clone()),
        Some(_) => return Err(GatewayError::invalid("instructions must be a string")),
    }
    match json::get(v, "input") {
        Some(Value::String(s)) => req.messages.push(Message::text(Role::User, s.clone())),
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                read_item(item, i, &mut req.messages, &mut system, &mut call_signature)?;
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
    req.reasoning = super::openai::reasoning::request_reasoning(v)?;
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

/// The assistant turn an item of the model's belongs to: the last message when it is the
/// assistant's (an answer's reasoning, text and calls are consecutive items), else a new one.
fn assistant_turn(messages: &mut Vec<Message>) -> &mut Message {
    if messages.last().is_none_or(|m| m.role != Role::Assistant) {
        messages.push(Message { role: Role::Assistant, content: Vec::new() });
    }
    let last = messages.len() - 1;
    &mut messages[last]
}

/// Adds input item `i` to the conversation (or its text to the system prompt). `call_signature`
/// holds a function call's signature read from a reasoning item until the call comes.
fn read_item(
    item: &Value,
    i: usize,
    messages: &mut Vec<Message>,
    system: &mut Vec<String>,
    call_signature: &mut Option<String>,
) -> Result<(), GatewayError> {
    let at = format!("input[{i}]");
    let kind = match json::get(item, "type") {
        // Items without a type but with a role are messages ("easy input messages").
        None if json::get(item, "role").is_some() => "message",
        None => return Err(GatewayError::invalid(format!("{at}.type is missing"))),
        Some(t) => t.as_str().ok_or_else(|| GatewayError::invalid(format!("{at}.type must be a string")))?,
    };
    if !matches!(kind, "reasoning" | "function_call") {
        // A signature belongs to the call right after its reasoning item, or to none.
        *call_signature = None;
    }
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
                signature: call_signature.take(),
            });
            assistant_turn(messages).content.push(call);
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
        // Only what the gateway carried in `encrypted_content` is read: summaries are no
        // provider's to take back, and another provider's encrypted reasoning is unreadable.
        "reasoning" => match json::str(item, "encrypted_content").and_then(reasoning::decode) {
            Some(Carried::Thinking(part)) => assistant_turn(messages).content.push(part),
            Some(Carried::CallSignature(signature)) => *call_signature = Some(signature),
            None => {}
        },
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
        "assistant" => assistant_turn(messages).content.extend(texts()),
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
                parameters: json::get(t, "parameters")
                    .cloned()
                    .unwrap_or_else(|| json!({"type": "object", "properties": {}})),
            }),
            // Built-in tools (`web_search`, ...) only OpenAI runs, and a namespace's functions
            // would be called back by a name the client does not know: left out, as agents
            // (Codex) offer them beside the function tools they need.
            Some(_) => {}
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
/// API has none), a response schema that is not an object becomes JSON mode, function tools
/// are sent non-strict (the IR's schemas were not written for the strict mode Responses
/// assumes by default), and `reasoning.effort` goes only to reasoning models, as in Chat
/// Completions ([`super::openai::reasoning::effort_for`]).
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
    if let Some(effort) = req.reasoning.and_then(|r| super::openai::reasoning::effort_for(&req.model, r)) {
        out.insert("reasoning".into(), json!({ "effort": effort }));
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
            ResponseFormat::JsonSchema { name, schema, strict } if schema.is_object() => {
                json!({"type": "json_schema", "name": name, "schema": schema, "strict": strict})
            }
            // Responses takes only an object as a schema: JSON mode is what can be kept.
            ResponseFormat::JsonSchema { .. } => json!({"type": "json_object"}),
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

/// Normalized usage from a Responses `usage` object: cache reads and reasoning from its
/// `_details` (see [`crate::usage::report`]).
pub fn usage_of(u: &Value) -> Usage {
    UsageReport::openai_responses(u).and_then(UsageReport::usage).unwrap_or_default()
}

/// A Responses `usage` object.
pub fn usage_json(u: &Usage) -> Value {
    crate::usage::emit::openai_responses(u)
}

/// Parses a `response` object: message text, function calls and reasoning summaries, in order
/// (built-in tool items are skipped, and so is a reasoning item's `encrypted_content`).
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
            Some("reasoning") => {
                let text = summary_text(item);
                if !text.is_empty() {
                    content.push(Part::Reasoning(Thought { text, signature: None }));
                }
            }
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

/// The text of a reasoning item's summary parts, one paragraph each (as a stream's
/// `response.reasoning_summary_part.added` events separate them).
fn summary_text(item: &Value) -> String {
    let parts: Vec<&str> = json::array(item, "summary").iter().filter_map(|p| json::str(p, "text")).collect();
    parts.join(SUMMARY_SEPARATOR)
}

/// What separates the summary parts of a reasoning item.
const SUMMARY_SEPARATOR: &str = "\n\n";

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

/// One output item of a written response.
enum OutputGroup<'a> {
    /// Consecutive text parts.
    Message(Vec<&'a str>),
    Call(&'a ToolCall),
    /// A thought's text (empty for an item that only carries something) and the
    /// `encrypted_content` carrying its signature, redacted thinking or the next call's signature.
    Reasoning(&'a str, Option<String>),
}

/// Emits a `response` object for a client that did not ask for `encrypted_content`: see
/// [`response_from_ir_with`].
pub fn response_from_ir(r: &ChatResponse, created: u64) -> Value {
    response_from_ir_with(r, created, false)
}

/// Emits a `response` object; `created` (Unix seconds) fills `created_at`. Consecutive text
/// parts make one message item, each function call its own item, and each thought with text a
/// `reasoning` item before what follows it. With `carry` (the client asked for
/// `encrypted_content`), signatures and redacted thinking ride in reasoning items'
/// `encrypted_content` ([`reasoning`]); without, they are dropped, as the client could not send
/// them back.
pub fn response_from_ir_with(r: &ChatResponse, created: u64, carry: bool) -> Value {
    let mut groups: Vec<OutputGroup> = Vec::new();
    let carried = |c: Carried| if carry { reasoning::encode(&c) } else { None };
    for p in &r.content {
        match (p, groups.last_mut()) {
            (Part::Text(t), Some(OutputGroup::Message(texts))) => texts.push(t),
            (Part::Text(t), _) => groups.push(OutputGroup::Message(vec![t])),
            (Part::ToolCall(c), _) => {
                if let Some(encrypted) = c.signature.clone().and_then(|s| carried(Carried::CallSignature(s))) {
                    groups.push(OutputGroup::Reasoning("", Some(encrypted)));
                }
                groups.push(OutputGroup::Call(c));
            }
            (Part::Reasoning(t), _) => {
                let encrypted = carried(Carried::Thinking(p.clone()));
                if !t.text.is_empty() || encrypted.is_some() {
                    groups.push(OutputGroup::Reasoning(&t.text, encrypted));
                }
            }
            (Part::RedactedReasoning(_), _) => {
                if let Some(encrypted) = carried(Carried::Thinking(p.clone())) {
                    groups.push(OutputGroup::Reasoning("", Some(encrypted)));
                }
            }
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
                OutputGroup::Message(texts) => message_item(&item_id("msg", &r.id, i), status, texts),
                OutputGroup::Call(call) => call_item(&item_id("fc", &r.id, i), status, call),
                OutputGroup::Reasoning(text, encrypted) => {
                    reasoning_item(&item_id("rs", &r.id, i), status, &summary_parts(text), encrypted.as_deref())
                }
            }
        })
        .collect();
    let mut out = response_object(&r.id, &r.model, created, Some(r.finish_reason), output);
    if let Some(u) = &r.usage {
        out["usage"] = usage_json(u);
    }
    out
}

/// A thought's text as summary paragraphs, the inverse of [`summary_text`] (none when empty).
fn summary_parts(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    text.split(SUMMARY_SEPARATOR).collect()
}

/// A `reasoning` output item with `summary_texts` as its `summary_text` parts, and the
/// `encrypted_content` the gateway reads back when given ([`reasoning`]).
fn reasoning_item(id: &str, status: &str, summary_texts: &[&str], encrypted: Option<&str>) -> Value {
    let summary: Vec<Value> = summary_texts.iter().map(|t| json!({"type": "summary_text", "text": t})).collect();
    let mut item = json!({"type": "reasoning", "id": id, "summary": summary, "status": status});
    if let Some(e) = encrypted {
        item["encrypted_content"] = json!(e);
    }
    item
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

#[path = "responses_reasoning.rs"]
pub mod reasoning;

// The stream decoder and encoder live in their own file.
#[path = "responses_stream.rs"]
mod stream;
pub use stream::{StreamDecoder, StreamEncoder};

#[cfg(test)]
#[path = "responses_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "responses_props.rs"]
mod props;

use super::wire::{self, Conversation, StreamDecode, StreamEncode, WireFormat};
use super::{EmitOptions, StreamOptions};

/// The OpenAI Responses API as a [`WireFormat`]: the free functions above, and how its typed
/// streams end (`response.completed`, `response.incomplete`, `response.failed`), carry text
/// (`response.output_text.delta`) and number their events (`sequence_number`).
#[derive(Debug)]
pub struct Responses;

/// The event types that end a Responses stream.
const TERMINAL_EVENTS: &[&str] = &["response.completed", "response.incomplete", "response.failed"];

impl WireFormat for Responses {
    fn id(&self) -> &'static str {
        "responses"
    }

    fn name(&self) -> &'static str {
        "OpenAI Responses"
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
        response_from_ir_with(response, opts.created, opts.encrypted_reasoning)
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
        Box::new(StreamEncoder::new(opts.created).carrying(opts.encrypted_reasoning))
    }

    /// `event: error` with the documented top-level `code` and `message` (the error's code, else
    /// the one of its type) and the nested `error` object the SDKs raise on.
    fn stream_error(&self, error: &ApiError, sequence: u64, out: &mut Vec<u8>) {
        let code = error.code.as_deref().unwrap_or_else(|| stream::code_of_kind(&error.kind));
        json::sse(out, Some("error"), &stream::error_event(code, &error.message, &error.kind, sequence).to_string());
    }

    /// `POST .../responses`, and `GET .../responses/{id}?stream=true` resuming a background one.
    fn streams_at(&self, path: &str) -> bool {
        matches!(wire::last_segments(path), (_, "responses") | ("responses", _))
    }

    fn is_stream_end(&self, event: &SseEvent) -> bool {
        wire::has_type(event, TERMINAL_EVENTS)
    }

    fn is_stream_error(&self, event: &SseEvent) -> bool {
        event.event.as_deref() == Some("error")
            || event.data.starts_with("{\"error\"")
            || event.data.starts_with("{\"type\":\"error\"")
    }

    /// The top-level `sequence_number` (the only one in an event's data: nested objects carry
    /// none), read without parsing the event.
    fn event_sequence(&self, data: &str) -> Option<u64> {
        let (_, after) = data.split_once("\"sequence_number\":")?;
        let digits = after.trim_start();
        let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
        digits[..end].parse().ok()
    }

    /// An `event: error` after event number `sequence - 1`, typed `server_error`.
    fn broken_stream_event(&self, code: &str, message: &str, sequence: u64) -> Vec<u8> {
        let body = stream::error_event(code, message, "server_error", sequence);
        format!("event: error\ndata: {body}\n\n").into_bytes()
    }

    fn event_text(&self, event: &Value) -> Option<String> {
        (json::str(event, "type") == Some("response.output_text.delta"))
            .then(|| json::str(event, "delta").map(str::to_string))
            .flatten()
    }

    /// Only a `response.output_text.delta` (never a function call's arguments).
    fn set_event_text(&self, event: &mut Value, text: &str) -> bool {
        if json::str(event, "type") != Some("response.output_text.delta") {
            return false;
        }
        event.get_mut("delta").filter(|d| d.is_string()).map(|d| *d = Value::String(text.to_string())).is_some()
    }

    fn chat_path(&self, path: &str) -> bool {
        path.ends_with("/responses")
    }

    /// `responses` under the provider's version segment, if it has one.
    fn upstream_path(&self, version: Option<&str>, _model: &str, _stream: bool) -> (String, Option<&'static str>) {
        (version.map_or_else(|| "responses".to_string(), |v| format!("{v}/responses")), None)
    }

    /// A `response` object, or one of its stream's `response.*` events.
    fn recognises(&self, answer: &Value) -> bool {
        json::str(answer, "object") == Some("response")
            || json::str(answer, "type").is_some_and(|t| t.starts_with("response."))
    }

    /// `None`: the semantic cache does not read Responses requests (their `input` mixes
    /// messages, calls and results as typed items).
    fn conversation(&self) -> Option<&'static Conversation> {
        None
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

    fn next_sequence(&self) -> Option<u64> {
        Some(StreamEncoder::next_sequence(self))
    }
}

#[cfg(test)]
#[path = "responses_format_tests.rs"]
mod format_tests;
