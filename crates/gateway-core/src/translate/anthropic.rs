//! Anthropic Messages ⇄ IR: requests, responses, stream events, errors.
//!
//! Shapes follow docs.anthropic.com/en/api/messages and /messages-streaming. Anthropic puts tool
//! results inside *user* turns: parsing splits them out as IR [`Role::Tool`] messages, emitting
//! merges consecutive same-role turns back into one message. Anthropic's `input_tokens` excludes
//! prompt-cache reads and writes; the IR counts them in ([`usage_of`]). Extended thinking:
//! see [`thinking`].

use serde_json::{json, Map, Value};

use super::ir::*;
use super::json;
use crate::error::GatewayError;
use crate::sse::SseEvent;
use crate::usage::report::UsageReport;
use crate::usage::Usage;

#[path = "anthropic_thinking.rs"]
pub mod thinking;

/// Parses a Messages request body. A `role: "system"` entry of `messages` is kept in place as a
/// [`Role::System`] message.
///
/// Errors: 400 in Anthropic's wording (`messages.1.role: Input should be 'user' or 'assistant'`)
/// when `messages` is not an array or a role is missing or unknown.
pub fn request_to_ir(v: &Value) -> Result<ChatRequest, GatewayError> {
    let stream = v.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let mut req = ChatRequest {
        model: json::string(v, "model"),
        system: json::get(v, "system").map(text_of).filter(|s| !s.is_empty()),
        max_tokens: json::u64(v, "max_tokens"),
        temperature: json::f64(v, "temperature"),
        top_p: json::f64(v, "top_p"),
        stop: json::array(v, "stop_sequences").iter().filter_map(Value::as_str).map(str::to_string).collect(),
        stream,
        include_usage: stream,
        reasoning: thinking::request_reasoning(v),
        ..ChatRequest::default()
    };
    let messages = v
        .get("messages")
        .and_then(Value::as_array)
        .ok_or_else(|| GatewayError::invalid("messages: Input should be a valid list"))?;
    for (i, m) in messages.iter().enumerate() {
        let blocks = blocks_to_parts(json::get(m, "content"));
        match json::str(m, "role") {
            Some("user") => {
                let (results, rest): (Vec<Part>, Vec<Part>) =
                    blocks.into_iter().partition(|p| matches!(p, Part::ToolResult(_)));
                if !results.is_empty() {
                    req.messages.push(Message { role: Role::Tool, content: results });
                }
                if !rest.is_empty() {
                    req.messages.push(Message { role: Role::User, content: rest });
                }
            }
            Some("assistant") => req.messages.push(Message { role: Role::Assistant, content: blocks }),
            Some("system") => {
                let text = json::get(m, "content").map(text_of).unwrap_or_default();
                if !text.is_empty() {
                    req.messages.push(Message::text(Role::System, text));
                }
            }
            Some(_) => {
                return Err(GatewayError::invalid(format!("messages.{i}.role: Input should be 'user' or 'assistant'")))
            }
            None => return Err(GatewayError::invalid(format!("messages.{i}.role: Field required"))),
        }
    }
    for t in json::array(v, "tools") {
        // Server tools (`web_search`, ...) have no input_schema and no IR counterpart.
        let (Some(name), Some(schema)) = (json::str(t, "name"), t.get("input_schema")) else { continue };
        req.tools.push(Tool {
            name: name.to_string(),
            description: json::str(t, "description").map(str::to_string),
            parameters: schema.clone(),
        });
    }
    req.response_format = output_format_of(v);
    req.tool_choice = json::get(v, "tool_choice").and_then(|c| match json::str(c, "type") {
        Some("auto") => Some(ToolChoice::Auto),
        Some("any") => Some(ToolChoice::Required),
        Some("none") => Some(ToolChoice::None),
        Some("tool") => Some(ToolChoice::Named(json::string(c, "name"))),
        _ => None,
    });
    Ok(req)
}

/// Anthropic structured outputs: `output_config.format` (or the beta's top-level `output_format`)
/// of type `json_schema`. Anthropic enforces the schema, so the IR asks for a strict one.
fn output_format_of(v: &Value) -> Option<ResponseFormat> {
    let format =
        v.pointer("/output_config/format").filter(|f| !f.is_null()).or_else(|| json::get(v, "output_format"))?;
    let schema = json::get(format, "schema").filter(|_| json::str(format, "type") == Some("json_schema"))?;
    Some(ResponseFormat::JsonSchema { name: "response".into(), schema: schema.clone(), strict: true })
}

/// The text of a string or of an array of `{type:"text"}` blocks.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter(|b| json::str(b, "type") == Some("text"))
            .filter_map(|b| json::str(b, "text"))
            .collect::<Vec<_>>()
            .join("\n\n"),
        _ => String::new(),
    }
}

fn blocks_to_parts(content: Option<&Value>) -> Vec<Part> {
    let blocks = match content {
        Some(Value::String(s)) => return vec![Part::Text(s.clone())],
        Some(Value::Array(blocks)) => blocks,
        _ => return Vec::new(),
    };
    let mut parts = Vec::new();
    // A tool call signature carried by a thinking block, for the next tool_use.
    let mut signature = None;
    for b in blocks {
        let part = match json::str(b, "type").unwrap_or_default() {
            "thinking" => {
                let (part, tool) = thinking::thinking_part(b);
                signature = tool.or(signature);
                part
            }
            "redacted_thinking" => Some(Part::RedactedReasoning(json::string(b, "data"))),
            "tool_use" => Some(Part::ToolCall(ToolCall {
                id: json::string(b, "id"),
                name: json::string(b, "name"),
                arguments: b.get("input").map_or_else(|| "{}".to_string(), Value::to_string),
                signature: signature.take(),
            })),
            _ => block_to_part(b),
        };
        parts.extend(part);
    }
    parts
}

/// The part of a block other than thinking and tool_use; `None` for blocks without one.
fn block_to_part(b: &Value) -> Option<Part> {
    match json::str(b, "type")? {
        "text" => Some(Part::Text(json::string(b, "text"))),
        "image" => {
            let s = b.get("source")?;
            match json::str(s, "type")? {
                "base64" => Some(Part::Image(Image::Base64 {
                    media_type: json::string(s, "media_type"),
                    data: json::string(s, "data"),
                })),
                "url" => Some(Part::Image(Image::Url(json::string(s, "url")))),
                _ => None,
            }
        }
        "tool_result" => Some(Part::ToolResult(ToolResult {
            tool_call_id: json::string(b, "tool_use_id"),
            content: json::get(b, "content").map(text_of).unwrap_or_default(),
            is_error: b.get("is_error").and_then(Value::as_bool).unwrap_or(false),
        })),
        // document, server tool blocks: no IR counterpart.
        _ => None,
    }
}

/// The block of a part other than thinking, which [`thinking::blocks`] writes.
fn part_to_block(p: &Part) -> Result<Option<Value>, GatewayError> {
    Ok(Some(match p {
        Part::Text(t) if t.is_empty() => return Ok(None),
        Part::Reasoning(_) | Part::RedactedReasoning(_) => return Ok(None),
        Part::Text(t) => json!({"type": "text", "text": t}),
        Part::Image(Image::Url(url)) => json!({"type": "image", "source": {"type": "url", "url": url}}),
        Part::Image(Image::Base64 { media_type, data }) => {
            json!({"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}})
        }
        Part::ToolCall(c) => {
            let input = json::object_from_text(&c.arguments).ok_or_else(|| {
                GatewayError::invalid(format!(
                    "the arguments of tool call {} are not a JSON object",
                    json::quoted(&c.id)
                ))
            })?;
            json!({"type": "tool_use", "id": c.id, "name": c.name, "input": input})
        }
        Part::ToolResult(r) => {
            let mut b = json!({"type": "tool_result", "tool_use_id": r.tool_call_id, "content": r.content});
            if r.is_error {
                b["is_error"] = json!(true);
            }
            b
        }
    }))
}

/// The system instruction that stands in for OpenAI's JSON modes, which Anthropic lacks.
pub fn json_instruction(format: &ResponseFormat) -> Option<String> {
    match format {
        ResponseFormat::Text => None,
        ResponseFormat::JsonObject => Some("Respond with a single valid JSON object and nothing else.".to_string()),
        ResponseFormat::JsonSchema { schema, .. } => Some(format!(
            "Respond with a single valid JSON object and nothing else. It must conform to this JSON schema: {schema}"
        )),
    }
}

/// Emits a Messages request body; `default_max_tokens` fills the required `max_tokens`.
///
/// Errors: 400 when a tool call's arguments are not a JSON object.
pub fn request_from_ir(req: &ChatRequest, default_max_tokens: u64) -> Result<Value, GatewayError> {
    let mut messages: Vec<Value> = Vec::new();
    // Anthropic's `messages` take no system role: instructions in the conversation join the prompt.
    let mut positioned: Vec<String> = Vec::new();
    for m in &req.messages {
        if m.role == Role::System {
            positioned
                .extend(m.content.iter().filter_map(|p| if let Part::Text(t) = p { Some(t.clone()) } else { None }));
            continue;
        }
        let role = if m.role == Role::Assistant { "assistant" } else { "user" };
        let blocks = thinking::blocks(&m.content, false, part_to_block)?;
        if blocks.is_empty() {
            continue;
        }
        // Consecutive tool results (and the user text after them) form one user turn.
        match messages.last_mut() {
            Some(last) if last["role"] == role => {
                if let Some(existing) = last["content"].as_array_mut() {
                    existing.extend(blocks);
                }
            }
            _ => messages.push(json!({"role": role, "content": blocks})),
        }
    }
    let mut out = Map::new();
    out.insert("model".into(), json!(req.model));
    let system: Vec<String> = req
        .system
        .iter()
        .cloned()
        .chain(positioned)
        .chain(req.response_format.as_ref().and_then(json_instruction))
        .collect();
    if !system.is_empty() {
        out.insert("system".into(), json!(system.join("\n\n")));
    }
    out.insert("messages".into(), Value::Array(messages));
    let thinking = thinking::thinking_param(req, default_max_tokens);
    let thinks = thinking.as_ref().is_some_and(|(t, _)| t["type"] == "enabled");
    out.insert(
        "max_tokens".into(),
        json!(thinking.as_ref().map_or(req.max_tokens.unwrap_or(default_max_tokens), |t| t.1)),
    );
    if let Some((t, _)) = thinking {
        out.insert("thinking".into(), t);
    }
    // Anthropic refuses a temperature with thinking, and a top_p below 0.95.
    if let Some(t) = req.temperature.filter(|_| !thinks) {
        out.insert("temperature".into(), json!(t.clamp(0.0, 1.0)));
    }
    if let Some(p) = req.top_p.filter(|p| !thinks || *p >= 0.95) {
        out.insert("top_p".into(), json!(p));
    }
    if !req.stop.is_empty() {
        out.insert("stop_sequences".into(), json!(req.stop));
    }
    if req.stream {
        out.insert("stream".into(), json!(true));
    }
    if !req.tools.is_empty() {
        let tools: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let mut tool = json!({"name": t.name, "input_schema": t.parameters});
                if let Some(d) = &t.description {
                    tool["description"] = json!(d);
                }
                tool
            })
            .collect();
        out.insert("tools".into(), Value::Array(tools));
    }
    if let Some(choice) = &req.tool_choice {
        let c = match choice {
            ToolChoice::Auto => json!({"type": "auto"}),
            ToolChoice::None => json!({"type": "none"}),
            ToolChoice::Required => json!({"type": "any"}),
            ToolChoice::Named(n) => json!({"type": "tool", "name": n}),
        };
        out.insert("tool_choice".into(), c);
    }
    Ok(Value::Object(out))
}

fn finish_reason_of(s: &str) -> FinishReason {
    match s {
        "end_turn" | "stop_sequence" => FinishReason::Stop,
        "max_tokens" | "model_context_window_exceeded" => FinishReason::Length,
        "tool_use" => FinishReason::ToolCalls,
        "refusal" => FinishReason::ContentFilter,
        _ => FinishReason::Other,
    }
}

/// Anthropic's `stop_reason` for the IR's.
pub fn stop_reason_str(r: FinishReason) -> &'static str {
    match r {
        FinishReason::Stop | FinishReason::Other => "end_turn",
        FinishReason::Length => "max_tokens",
        FinishReason::ToolCalls => "tool_use",
        FinishReason::ContentFilter => "refusal",
    }
}

/// Normalized usage: input counts cache reads and writes in (see [`crate::usage::report`]).
pub fn usage_of(u: &Value) -> Usage {
    UsageReport::anthropic(u).and_then(UsageReport::usage).unwrap_or_default()
}

/// An Anthropic `usage` object, cache reads and writes apart from `input_tokens`.
pub fn usage_json(u: &Usage) -> Value {
    crate::usage::emit::anthropic(u)
}

/// Parses a Messages response body.
///
/// Errors: 502 when `content` is not an array.
pub fn response_to_ir(v: &Value) -> Result<ChatResponse, GatewayError> {
    let content = v
        .get("content")
        .filter(|c| c.is_array())
        .ok_or_else(|| super::bad_upstream("Anthropic response has no content array"))?;
    Ok(ChatResponse {
        id: json::string(v, "id"),
        model: json::string(v, "model"),
        content: blocks_to_parts(Some(content)),
        finish_reason: finish_reason_of(json::str(v, "stop_reason").unwrap_or("end_turn")),
        usage: json::get(v, "usage").map(usage_of),
    })
}

/// Emits a Messages response body.
pub fn response_from_ir(r: &ChatResponse) -> Value {
    let content = thinking::blocks(&r.content, true, |p| Ok::<_, GatewayError>(part_to_block(p).ok().flatten()))
        .unwrap_or_default();
    json!({
        "id": r.id,
        "type": "message",
        "role": "assistant",
        "model": r.model,
        "content": content,
        "stop_reason": stop_reason_str(r.finish_reason),
        "stop_sequence": null,
        "usage": usage_json(&r.usage.unwrap_or_default()),
    })
}

/// Reads `{"type":"error","error":{"type","message"}}`.
pub fn error_to_ir(status: u16, v: &Value) -> ApiError {
    let e = v.get("error").unwrap_or(v);
    ApiError {
        status,
        message: json::str(e, "message").map(str::to_string).unwrap_or_else(|| v.to_string()),
        kind: json::str(e, "type").map_or_else(|| kind_for_status(status).to_string(), str::to_string),
        code: None,
    }
}

/// Renders an Anthropic error body.
pub fn error_from_ir(e: &ApiError) -> Value {
    json!({"type": "error", "error": {"type": e.kind, "message": e.message}})
}

/// Reads Messages stream events into IR events.
#[derive(Debug, Default)]
pub struct StreamDecoder {
    /// Content-block index → tool-call ordinal, for the blocks that are `tool_use`.
    tool_blocks: Vec<(u64, usize)>,
    /// The usage reported so far (`message_start`'s, then each `message_delta`'s).
    usage: UsageReport,
}

impl StreamDecoder {
    /// Decodes one SSE event; returns true at `message_stop` or `error`.
    pub fn decode(&mut self, ev: &SseEvent, out: &mut Vec<StreamEvent>) -> bool {
        let Ok(v) = serde_json::from_str::<Value>(&ev.data) else { return false };
        let kind = json::str(&v, "type").or(ev.event.as_deref()).unwrap_or_default();
        match kind {
            "message_start" => {
                let m = v.get("message").unwrap_or(&Value::Null);
                if let Some(report) = json::get(m, "usage").and_then(UsageReport::anthropic) {
                    self.usage = report;
                }
                out.push(StreamEvent::Start { id: json::string(m, "id"), model: json::string(m, "model") });
            }
            "content_block_start" => {
                let b = v.get("content_block").unwrap_or(&Value::Null);
                match json::str(b, "type") {
                    Some("tool_use") => {
                        let index = self.tool_blocks.len();
                        self.tool_blocks.push((json::u64(&v, "index").unwrap_or(0), index));
                        out.push(StreamEvent::ToolCallStart {
                            index,
                            id: json::string(b, "id"),
                            name: json::string(b, "name"),
                            signature: None,
                        });
                    }
                    Some("text") => {
                        if let Some(t) = json::str(b, "text").filter(|t| !t.is_empty()) {
                            out.push(StreamEvent::TextDelta(t.to_string()));
                        }
                    }
                    Some("thinking") => {
                        if let Some(t) = json::str(b, "thinking").filter(|t| !t.is_empty()) {
                            out.push(StreamEvent::ReasoningDelta(t.to_string()));
                        }
                        if let Some(s) = json::str(b, "signature").filter(|s| !s.is_empty()) {
                            out.push(StreamEvent::ReasoningSignature(s.to_string()));
                        }
                    }
                    Some("redacted_thinking") => out.push(StreamEvent::RedactedReasoning(json::string(b, "data"))),
                    _ => {}
                }
            }
            "content_block_delta" => {
                let d = v.get("delta").unwrap_or(&Value::Null);
                match json::str(d, "type") {
                    Some("text_delta") => out.push(StreamEvent::TextDelta(json::string(d, "text"))),
                    Some("thinking_delta") => out.push(StreamEvent::ReasoningDelta(json::string(d, "thinking"))),
                    Some("signature_delta") => out.push(StreamEvent::ReasoningSignature(json::string(d, "signature"))),
                    Some("input_json_delta") => {
                        let block = json::u64(&v, "index").unwrap_or(0);
                        let fragment = json::string(d, "partial_json");
                        if let Some(&(_, index)) = self.tool_blocks.iter().find(|(b, _)| *b == block) {
                            if !fragment.is_empty() {
                                out.push(StreamEvent::ToolCallDelta { index, fragment });
                            }
                        }
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                // message_delta counts are cumulative; the fields it omits keep message_start's.
                if let Some(report) = json::get(&v, "usage").and_then(UsageReport::anthropic) {
                    self.usage.merge(report);
                }
                if let Some(r) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    out.push(StreamEvent::Finish(finish_reason_of(r)));
                }
                out.push(StreamEvent::Usage(self.usage.usage().unwrap_or_default()));
            }
            "message_stop" => return true,
            "error" => {
                let e = error_to_ir(500, &v);
                out.push(StreamEvent::Error { message: e.message, kind: e.kind });
                return true;
            }
            _ => {} // ping, content_block_stop, unknown future events
        }
        false
    }
}

/// The kind of a content block being streamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Text,
    Thinking,
    ToolUse,
}

/// Writes IR events as Messages stream events.
#[derive(Debug, Default)]
pub struct StreamEncoder {
    started: bool,
    /// Index of the next content block.
    next_block: u64,
    /// The open block: its index and kind. A thinking block is closed once signed.
    open: Option<(u64, Block)>,
    /// Tool-call ordinal → block index.
    tool_blocks: Vec<(usize, u64)>,
    finish: Option<FinishReason>,
    usage: Usage,
    ended: bool,
}

impl StreamEncoder {
    pub fn new() -> Self {
        Self::default()
    }

    fn start(&mut self, id: &str, model: &str, out: &mut Vec<u8>) {
        if self.started {
            return;
        }
        self.started = true;
        let start = json!({
            "type": "message_start",
            "message": {
                "id": id, "type": "message", "role": "assistant", "model": model, "content": [],
                "stop_reason": null, "stop_sequence": null,
                // What is known so far: a translated stream learns its usage at the end, so the
                // message_delta repeats every count (Anthropic's SDKs take the input from it).
                "usage": usage_json(&Usage { output_tokens: 0, reasoning_tokens: 0, ..self.usage }),
            },
        });
        json::sse(out, Some("message_start"), &start.to_string());
    }

    fn close_block(&mut self, out: &mut Vec<u8>) {
        if let Some((index, _)) = self.open.take() {
            json::sse(
                out,
                Some("content_block_stop"),
                &json!({"type": "content_block_stop", "index": index}).to_string(),
            );
        }
    }

    fn open_block(&mut self, block: Value, kind: Block, out: &mut Vec<u8>) -> u64 {
        self.close_block(out);
        let index = self.next_block;
        self.next_block += 1;
        self.open = Some((index, kind));
        let ev = json!({"type": "content_block_start", "index": index, "content_block": block});
        json::sse(out, Some("content_block_start"), &ev.to_string());
        index
    }

    /// The open thinking block's index, opening one when another kind is open.
    fn thinking_block(&mut self, out: &mut Vec<u8>) -> u64 {
        match self.open {
            Some((index, Block::Thinking)) => index,
            _ => self.open_block(json!({"type": "thinking", "thinking": "", "signature": ""}), Block::Thinking, out),
        }
    }

    /// Signs the open thinking block (an empty one when none is open) and closes it.
    fn sign(&mut self, signature: &str, out: &mut Vec<u8>) {
        self.start("", "", out);
        let index = self.thinking_block(out);
        Self::delta(out, index, json!({"type": "signature_delta", "signature": signature}));
        self.close_block(out);
    }

    fn delta(out: &mut Vec<u8>, index: u64, delta: Value) {
        let ev = json!({"type": "content_block_delta", "index": index, "delta": delta});
        json::sse(out, Some("content_block_delta"), &ev.to_string());
    }

    /// Appends the bytes for one IR event.
    pub fn encode(&mut self, ev: &StreamEvent, out: &mut Vec<u8>) {
        if self.ended {
            return;
        }
        match ev {
            StreamEvent::Start { id, model } => self.start(id, model, out),
            StreamEvent::TextDelta(t) => {
                self.start("", "", out);
                let index = match self.open {
                    Some((index, Block::Text)) => index,
                    _ => self.open_block(json!({"type": "text", "text": ""}), Block::Text, out),
                };
                Self::delta(out, index, json!({"type": "text_delta", "text": t}));
            }
            StreamEvent::ReasoningDelta(t) => {
                self.start("", "", out);
                let index = self.thinking_block(out);
                Self::delta(out, index, json!({"type": "thinking_delta", "thinking": t}));
            }
            StreamEvent::ReasoningSignature(s) => self.sign(s, out),
            StreamEvent::RedactedReasoning(data) => {
                self.start("", "", out);
                self.open_block(json!({"type": "redacted_thinking", "data": data}), Block::Thinking, out);
                self.close_block(out);
            }
            StreamEvent::ToolCallStart { index, id, name, signature } => {
                self.start("", "", out);
                if let Some(s) = signature {
                    self.sign(&format!("{}{s}", thinking::TOOL_CALL_SIGNATURE), out);
                }
                let block = self.open_block(
                    json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
                    Block::ToolUse,
                    out,
                );
                self.tool_blocks.push((*index, block));
            }
            StreamEvent::ToolCallDelta { index, fragment } => {
                if let Some(&(_, block)) = self.tool_blocks.iter().find(|(t, _)| t == index) {
                    Self::delta(out, block, json!({"type": "input_json_delta", "partial_json": fragment}));
                }
            }
            StreamEvent::Finish(r) => {
                self.close_block(out);
                self.finish = Some(*r);
            }
            StreamEvent::Usage(u) => self.usage = *u,
            StreamEvent::Error { message, kind } => {
                let e =
                    error_from_ir(&ApiError { status: 500, message: message.clone(), kind: kind.clone(), code: None });
                json::sse(out, Some("error"), &e.to_string());
                self.ended = true;
            }
        }
    }

    /// Appends the end of a properly finished stream: `message_delta` and `message_stop`.
    pub fn end(&mut self, out: &mut Vec<u8>) {
        if self.ended {
            return;
        }
        self.start("", "", out);
        self.close_block(out);
        let delta = json!({
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason_str(self.finish.unwrap_or(FinishReason::Stop)), "stop_sequence": null},
            "usage": usage_json(&self.usage),
        });
        json::sse(out, Some("message_delta"), &delta.to_string());
        json::sse(out, Some("message_stop"), &json!({"type": "message_stop"}).to_string());
        self.ended = true;
    }
}

#[cfg(test)]
#[path = "anthropic_tests.rs"]
mod tests;

use super::wire::{self, Conversation, StreamDecode, StreamEncode, WireFormat};
use super::{EmitOptions, StreamOptions};

/// Anthropic Messages as a [`WireFormat`]: the free functions above, and how its streams end
/// (`message_stop`), fail (`event: error`) and carry text (`content_block_delta`'s `delta.text`).
#[derive(Debug)]
pub struct Anthropic;

const CONVERSATION: Conversation = Conversation {
    temperature: "/temperature",
    turns: "messages",
    content: "content",
    model_role: "assistant",
    roleless_is_user: false,
    instruction_roles: &[],
    text_part_type: Some("text"),
};

/// The `type`s of Messages answers and stream events.
fn is_messages_type(kind: &str) -> bool {
    matches!(kind, "message" | "ping" | "error") || kind.starts_with("message_") || kind.starts_with("content_block_")
}

impl WireFormat for Anthropic {
    fn id(&self) -> &'static str {
        "anthropic"
    }

    fn name(&self) -> &'static str {
        "Anthropic"
    }

    fn request_to_ir(&self, body: &Value) -> Result<ChatRequest, GatewayError> {
        request_to_ir(body)
    }

    /// `max_tokens` is required by Anthropic: `opts.default_max_tokens` when the client set none.
    fn request_from_ir(&self, request: &ChatRequest, opts: EmitOptions) -> Result<Value, GatewayError> {
        request_from_ir(request, opts.default_max_tokens)
    }

    fn response_to_ir(&self, body: &Value) -> Result<ChatResponse, GatewayError> {
        response_to_ir(body)
    }

    fn response_from_ir(&self, response: &ChatResponse, _opts: StreamOptions) -> Value {
        response_from_ir(response)
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

    fn stream_encoder(&self, _opts: StreamOptions) -> Box<dyn StreamEncode> {
        Box::new(StreamEncoder::new())
    }

    /// `event: error`, which Anthropic's SDKs raise on.
    fn stream_error(&self, error: &ApiError, _sequence: u64, out: &mut Vec<u8>) {
        json::sse(out, Some("error"), &error_from_ir(error).to_string());
    }

    fn streams_at(&self, path: &str) -> bool {
        wire::last_segments(path) == ("v1", "messages")
    }

    fn is_stream_end(&self, event: &SseEvent) -> bool {
        wire::has_type(event, &["message_stop"])
    }

    fn is_stream_error(&self, event: &SseEvent) -> bool {
        event.event.as_deref() == Some("error")
    }

    /// `event: error` with an `api_error`, which Anthropic's SDKs raise on.
    fn broken_stream_event(&self, _code: &str, message: &str, _sequence: u64) -> Vec<u8> {
        let body = json!({"type": "error", "error": {"type": "api_error", "message": message}});
        format!("event: error\ndata: {body}\n\n").into_bytes()
    }

    fn event_text(&self, event: &Value) -> Option<String> {
        Some(event.pointer("/delta/text").and_then(Value::as_str)?.to_string())
    }

    fn set_event_text(&self, event: &mut Value, text: &str) -> bool {
        event.pointer_mut("/delta/text").map(|t| *t = Value::String(text.to_string())).is_some()
    }

    fn chat_path(&self, path: &str) -> bool {
        path.ends_with("/messages")
    }

    fn upstream_path(&self, version: Option<&str>, _model: &str, _stream: bool) -> (String, Option<&'static str>) {
        (format!("{}/messages", version.unwrap_or("v1")), None)
    }

    fn recognises(&self, answer: &Value) -> bool {
        answer.get("type").and_then(Value::as_str).is_some_and(is_messages_type)
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
