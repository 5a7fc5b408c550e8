//! Gemini `generateContent` ⇄ IR: requests, responses, `streamGenerateContent?alt=sse` chunks,
//! errors.
//!
//! Shapes follow ai.google.dev/api/generate-content. Gemini names a function response by the
//! function's *name*, not a call id: emitting looks the name up from the assistant's earlier tool
//! calls; parsing gives calls generated ids (`call_{n}`, unless Gemini sent one) and matches
//! each response to the earliest unanswered call of that name. Thinking: see [`thinking`].

use serde_json::{json, Map, Value};

use super::ir::*;
use super::{gemini_schema, json};
use crate::error::GatewayError;
use crate::sse::SseEvent;
use crate::usage::report::UsageReport;
use crate::usage::Usage;

#[path = "gemini_thinking.rs"]
pub mod thinking;

/// The upstream path and query for `model` (`models/` prefix optional): `generateContent`, or
/// `streamGenerateContent` with `alt=sse` so the answer is an SSE stream.
pub fn upstream_path(model: &str, stream: bool) -> (String, Option<&'static str>) {
    let model = model.strip_prefix("models/").unwrap_or(model);
    if stream {
        (format!("v1beta/models/{model}:streamGenerateContent"), Some("alt=sse"))
    } else {
        (format!("v1beta/models/{model}:generateContent"), None)
    }
}

/// Parses a `generateContent` request body (the model is in the URL, so `model` stays empty).
///
/// Errors: 400 when `contents` is not an array.
pub fn request_to_ir(v: &Value) -> Result<ChatRequest, GatewayError> {
    let contents = v
        .get("contents")
        .and_then(Value::as_array)
        .ok_or_else(|| GatewayError::invalid("`contents` must be an array of contents"))?;
    let g = v.get("generationConfig").unwrap_or(&Value::Null);
    let mut req = ChatRequest {
        system: v.get("systemInstruction").map(|s| parts_text(json::array(s, "parts"))).filter(|s| !s.is_empty()),
        max_tokens: json::u64(g, "maxOutputTokens"),
        temperature: json::f64(g, "temperature"),
        top_p: json::f64(g, "topP"),
        stop: json::array(g, "stopSequences").iter().filter_map(Value::as_str).map(str::to_string).collect(),
        reasoning: thinking::request_reasoning(g),
        ..ChatRequest::default()
    };
    if json::str(g, "responseMimeType") == Some("application/json") {
        req.response_format =
            Some(match json::get(g, "responseSchema").or_else(|| json::get(g, "responseJsonSchema")) {
                Some(schema) => {
                    ResponseFormat::JsonSchema { name: "response".into(), schema: schema.clone(), strict: false }
                }
                None => ResponseFormat::JsonObject,
            });
    }
    let mut calls: Vec<(String, String, bool)> = Vec::new(); // (id, name, answered)
    for c in contents {
        let mut parts = Vec::new();
        let mut results = Vec::new();
        for p in json::array(c, "parts") {
            if let Some(part) = part_to_ir(p, &mut calls) {
                if matches!(part, Part::ToolResult(_)) {
                    results.push(part);
                } else {
                    parts.push(part);
                }
            }
        }
        if json::str(c, "role") == Some("model") {
            req.messages.push(Message { role: Role::Assistant, content: parts });
            continue;
        }
        if !results.is_empty() {
            req.messages.push(Message { role: Role::Tool, content: results });
        }
        if !parts.is_empty() {
            req.messages.push(Message { role: Role::User, content: parts });
        }
    }
    for t in json::array(v, "tools") {
        for f in json::array(t, "functionDeclarations") {
            req.tools.push(Tool {
                name: json::string(f, "name"),
                description: json::str(f, "description").map(str::to_string),
                parameters: json::get(f, "parameters")
                    .or_else(|| json::get(f, "parametersJsonSchema"))
                    .cloned()
                    .unwrap_or_else(|| json!({"type": "object", "properties": {}})),
            });
        }
    }
    if let Some(fc) = v.pointer("/toolConfig/functionCallingConfig") {
        let allowed = json::array(fc, "allowedFunctionNames");
        req.tool_choice = match json::str(fc, "mode") {
            Some("AUTO") => Some(ToolChoice::Auto),
            Some("NONE") => Some(ToolChoice::None),
            Some("ANY") if allowed.len() == 1 => allowed[0].as_str().map(|n| ToolChoice::Named(n.to_string())),
            Some("ANY") => Some(ToolChoice::Required),
            _ => None,
        };
    }
    Ok(req)
}

fn parts_text(parts: &[Value]) -> String {
    parts
        .iter()
        .filter(|p| p.get("thought").and_then(Value::as_bool) != Some(true))
        .filter_map(|p| json::str(p, "text"))
        .collect::<Vec<_>>()
        .join("")
}

/// The part of a Gemini part. A `thoughtSignature` is kept on thoughts and function calls; on
/// answer text, where Gemini does not need it back, it is dropped.
fn part_to_ir(p: &Value, calls: &mut Vec<(String, String, bool)>) -> Option<Part> {
    if thinking::is_thought(p) {
        return Some(Part::Reasoning(Thought { text: json::string(p, "text"), signature: thinking::signature_of(p) }));
    }
    if let Some(t) = json::str(p, "text") {
        return Some(Part::Text(t.to_string()));
    }
    if let Some(d) = p.get("inlineData") {
        return Some(Part::Image(Image::Base64 {
            media_type: json::string(d, "mimeType"),
            data: json::string(d, "data"),
        }));
    }
    if let Some(d) = p.get("fileData") {
        return Some(Part::Image(Image::Url(json::string(d, "fileUri"))));
    }
    if let Some(f) = p.get("functionCall") {
        let id = json::str(f, "id").map_or_else(|| format!("call_{}", calls.len()), str::to_string);
        let name = json::string(f, "name");
        calls.push((id.clone(), name.clone(), false));
        let arguments = f.get("args").map_or_else(|| "{}".to_string(), Value::to_string);
        return Some(Part::ToolCall(ToolCall { id, name, arguments, signature: thinking::signature_of(p) }));
    }
    if let Some(f) = p.get("functionResponse") {
        let name = json::string(f, "name");
        let id = match json::str(f, "id") {
            Some(id) => id.to_string(),
            None => match calls.iter_mut().find(|(_, n, answered)| *n == name && !answered) {
                Some(call) => {
                    call.2 = true;
                    call.0.clone()
                }
                None => name.clone(),
            },
        };
        let response = f.get("response").cloned().unwrap_or(Value::Null);
        let content = match response.as_object() {
            Some(o) if o.len() == 1 && o.get("content").is_some_and(Value::is_string) => {
                json::string(&response, "content")
            }
            _ => response.to_string(),
        };
        return Some(Part::ToolResult(ToolResult { tool_call_id: id, content, is_error: false }));
    }
    None
}

/// The media type of an image URL, guessed from its extension (Gemini's `fileData` needs one).
fn guess_media_type(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or(url).to_ascii_lowercase();
    match path.rsplit('.').next() {
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("heic") => "image/heic",
        _ => "image/jpeg",
    }
}

/// Emits a `generateContent` request body (the model and streaming go in the URL: see
/// [`upstream_path`]).
///
/// Errors: 400 when a tool call's arguments are not a JSON object, or a tool result answers no
/// earlier tool call (Gemini needs the function's name).
pub fn request_from_ir(req: &ChatRequest) -> Result<Value, GatewayError> {
    let mut names: Vec<(&str, &str)> = Vec::new(); // tool_call_id → name
    let mut contents: Vec<Value> = Vec::new();
    for m in &req.messages {
        // Gemini's contents are user or model turns: an instruction in the conversation is
        // folded into the user turn it sits next to (merged below).
        let role = if m.role == Role::Assistant { "model" } else { "user" };
        let mut parts = Vec::new();
        for p in &m.content {
            parts.push(match p {
                Part::Text(t) if t.is_empty() => continue,
                Part::Text(t) => json!({"text": t}),
                // Gemini wants its signed thoughts back; summaries without one are not needed.
                Part::Reasoning(Thought { text, signature: Some(s) }) => thinking::thought_part(text, Some(s)),
                Part::Reasoning(_) | Part::RedactedReasoning(_) => continue,
                Part::Image(Image::Base64 { media_type, data }) => {
                    json!({"inlineData": {"mimeType": media_type, "data": data}})
                }
                Part::Image(Image::Url(url)) => {
                    json!({"fileData": {"mimeType": guess_media_type(url), "fileUri": url}})
                }
                Part::ToolCall(c) => {
                    names.push((&c.id, &c.name));
                    let args = json::object_from_text(&c.arguments).ok_or_else(|| {
                        GatewayError::invalid(format!(
                            "the arguments of tool call {} are not a JSON object",
                            json::quoted(&c.id)
                        ))
                    })?;
                    function_call_part(c, args)
                }
                Part::ToolResult(r) => {
                    let name =
                        names.iter().find(|(id, _)| *id == r.tool_call_id).map(|(_, n)| *n).ok_or_else(|| {
                            GatewayError::invalid(format!(
                                "the tool result for {} answers no earlier tool call; Gemini needs the function name",
                                json::quoted(&r.tool_call_id)
                            ))
                        })?;
                    let response = json::object_from_text(&r.content)
                        .filter(|_| !r.content.trim().is_empty())
                        .unwrap_or_else(|| json!({"content": r.content}));
                    json!({"functionResponse": {"name": name, "response": response}})
                }
            });
        }
        if parts.is_empty() {
            continue;
        }
        match contents.last_mut() {
            Some(last) if last["role"] == role => {
                if let Some(existing) = last["parts"].as_array_mut() {
                    existing.extend(parts);
                }
            }
            _ => contents.push(json!({"role": role, "parts": parts})),
        }
    }
    let mut out = Map::new();
    out.insert("contents".into(), Value::Array(contents));
    if let Some(s) = &req.system {
        out.insert("systemInstruction".into(), json!({"parts": [{"text": s}]}));
    }
    if !req.tools.is_empty() {
        let decls: Vec<Value> = req
            .tools
            .iter()
            .map(|t| {
                let mut d = json!({"name": t.name});
                let parameters = gemini_schema::clean(&t.parameters);
                // Gemini refuses an object without properties: a function taking none has none.
                if gemini_schema::has_properties(&parameters) {
                    d["parameters"] = parameters;
                }
                if let Some(desc) = &t.description {
                    d["description"] = json!(desc);
                }
                d
            })
            .collect();
        out.insert("tools".into(), json!([{"functionDeclarations": decls}]));
    }
    if let Some(choice) = &req.tool_choice {
        let config = match choice {
            ToolChoice::Auto => json!({"mode": "AUTO"}),
            ToolChoice::None => json!({"mode": "NONE"}),
            ToolChoice::Required => json!({"mode": "ANY"}),
            ToolChoice::Named(n) => json!({"mode": "ANY", "allowedFunctionNames": [n]}),
        };
        out.insert("toolConfig".into(), json!({"functionCallingConfig": config}));
    }
    let mut g = Map::new();
    if let Some(n) = req.max_tokens {
        g.insert("maxOutputTokens".into(), json!(n));
    }
    if let Some(t) = req.temperature {
        g.insert("temperature".into(), json!(t));
    }
    if let Some(p) = req.top_p {
        g.insert("topP".into(), json!(p));
    }
    if !req.stop.is_empty() {
        g.insert("stopSequences".into(), json!(req.stop));
    }
    if let Some(t) = req.reasoning.and_then(|r| thinking::thinking_config(&req.model, r)) {
        g.insert("thinkingConfig".into(), t);
    }
    match &req.response_format {
        Some(ResponseFormat::JsonObject) => {
            g.insert("responseMimeType".into(), json!("application/json"));
        }
        Some(ResponseFormat::JsonSchema { schema, .. }) => {
            g.insert("responseMimeType".into(), json!("application/json"));
            g.insert("responseSchema".into(), gemini_schema::clean(schema));
        }
        _ => {}
    }
    if !g.is_empty() {
        out.insert("generationConfig".into(), Value::Object(g));
    }
    Ok(Value::Object(out))
}

/// A `functionCall` part, with the call's `thoughtSignature` when it has one.
fn function_call_part(c: &ToolCall, args: Value) -> Value {
    let mut part = json!({"functionCall": {"name": c.name, "args": args}});
    if let Some(s) = &c.signature {
        part["thoughtSignature"] = json!(s);
    }
    part
}

fn finish_reason_of(s: &str, has_tool_calls: bool) -> FinishReason {
    match s {
        // Gemini says STOP after function calls too.
        "STOP" if has_tool_calls => FinishReason::ToolCalls,
        "STOP" => FinishReason::Stop,
        "MAX_TOKENS" => FinishReason::Length,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => {
            FinishReason::ContentFilter
        }
        _ => FinishReason::Other,
    }
}

fn finish_reason_str(r: FinishReason) -> &'static str {
    match r {
        FinishReason::Stop | FinishReason::ToolCalls => "STOP",
        FinishReason::Length => "MAX_TOKENS",
        FinishReason::ContentFilter => "SAFETY",
        FinishReason::Other => "OTHER",
    }
}

/// Normalized usage from `usageMetadata`: output counts thinking tokens in.
pub fn usage_of(u: &Value) -> Usage {
    UsageReport::gemini(u).and_then(UsageReport::usage).unwrap_or_default()
}

fn usage_json(u: &Usage) -> Value {
    crate::usage::emit::gemini(u)
}

/// Parses a `generateContent` response (the first candidate). A prompt blocked before any
/// candidate (`promptFeedback.blockReason`) is an empty `content_filter` answer.
///
/// Errors: 502 when there is neither a candidate nor a block reason.
pub fn response_to_ir(v: &Value) -> Result<ChatResponse, GatewayError> {
    let usage = json::get(v, "usageMetadata").map(usage_of);
    let (id, model) = (json::string(v, "responseId"), json::string(v, "modelVersion"));
    let Some(candidate) = v.pointer("/candidates/0") else {
        if v.pointer("/promptFeedback/blockReason").is_some() {
            return Ok(ChatResponse {
                id,
                model,
                content: Vec::new(),
                finish_reason: FinishReason::ContentFilter,
                usage,
            });
        }
        return Err(super::bad_upstream("Gemini response has no candidates"));
    };
    let mut calls = Vec::new();
    let mut content: Vec<Part> = Vec::new();
    for p in json::array(candidate.get("content").unwrap_or(&Value::Null), "parts") {
        match (part_to_ir(p, &mut calls), content.last_mut()) {
            (Some(Part::Text(t)), Some(Part::Text(prev))) => prev.push_str(&t),
            (Some(Part::Reasoning(t)), Some(Part::Reasoning(prev))) if prev.signature.is_none() => {
                prev.text.push_str(&t.text);
                prev.signature = t.signature;
            }
            (Some(part), _) => content.push(part),
            (None, _) => {}
        }
    }
    let finish = finish_reason_of(json::str(candidate, "finishReason").unwrap_or("STOP"), !calls.is_empty());
    Ok(ChatResponse { id, model, content, finish_reason: finish, usage })
}

fn parts_json(parts: &[Part]) -> Vec<Value> {
    parts
        .iter()
        .filter_map(|p| match p {
            Part::Text(t) => Some(json!({"text": t})),
            Part::Reasoning(t) => Some(thinking::thought_part(&t.text, t.signature.as_deref())),
            Part::ToolCall(c) => {
                Some(function_call_part(c, json::object_from_text(&c.arguments).unwrap_or_else(|| json!({}))))
            }
            _ => None,
        })
        .collect()
}

/// Emits a `generateContent` response body.
pub fn response_from_ir(r: &ChatResponse) -> Value {
    let mut out = json!({
        "candidates": [{
            "content": {"role": "model", "parts": parts_json(&r.content)},
            "finishReason": finish_reason_str(r.finish_reason),
            "index": 0,
        }],
        "modelVersion": r.model,
        "responseId": r.id,
    });
    if let Some(u) = &r.usage {
        out["usageMetadata"] = usage_json(u);
    }
    out
}

/// Reads `{"error":{"code","message","status"}}`.
pub fn error_to_ir(status: u16, v: &Value) -> ApiError {
    let e = v.get("error").unwrap_or(v);
    let kind = match json::str(e, "status") {
        Some("INVALID_ARGUMENT" | "FAILED_PRECONDITION" | "OUT_OF_RANGE") => "invalid_request_error",
        Some("UNAUTHENTICATED") => "authentication_error",
        Some("PERMISSION_DENIED") => "permission_error",
        Some("NOT_FOUND") => "not_found_error",
        Some("RESOURCE_EXHAUSTED") => "rate_limit_error",
        Some("UNAVAILABLE") => "overloaded_error",
        Some("DEADLINE_EXCEEDED") => "timeout_error",
        _ => kind_for_status(status),
    };
    ApiError {
        status,
        message: json::str(e, "message").map(str::to_string).unwrap_or_else(|| v.to_string()),
        kind: kind.to_string(),
        code: None,
    }
}

/// Renders a Google-style error body.
pub fn error_from_ir(e: &ApiError) -> Value {
    let status = match e.kind.as_str() {
        "invalid_request_error" => "INVALID_ARGUMENT",
        "authentication_error" => "UNAUTHENTICATED",
        "permission_error" => "PERMISSION_DENIED",
        "not_found_error" => "NOT_FOUND",
        "rate_limit_error" => "RESOURCE_EXHAUSTED",
        "overloaded_error" => "UNAVAILABLE",
        "timeout_error" => "DEADLINE_EXCEEDED",
        _ => "INTERNAL",
    };
    json!({"error": {"code": e.status, "message": e.message, "status": status}})
}

/// Reads `streamGenerateContent?alt=sse` chunks into IR events.
#[derive(Debug, Default)]
pub struct StreamDecoder {
    started: bool,
    finished: bool,
    calls: Vec<(String, String, bool)>,
}

impl StreamDecoder {
    /// Decodes one chunk; returns true on an error chunk. Gemini marks no end of stream: a
    /// chunk with `finishReason` is the last one with content.
    pub fn decode(&mut self, ev: &SseEvent, out: &mut Vec<StreamEvent>) -> bool {
        let Ok(v) = serde_json::from_str::<Value>(&ev.data) else { return false };
        if json::get(&v, "error").is_some() {
            let e = error_to_ir(500, &v);
            out.push(StreamEvent::Error { message: e.message, kind: e.kind });
            return true;
        }
        if !self.started {
            self.started = true;
            out.push(StreamEvent::Start {
                id: json::string(&v, "responseId"),
                model: json::string(&v, "modelVersion"),
            });
        }
        let candidate = v.pointer("/candidates/0").unwrap_or(&Value::Null);
        for p in json::array(candidate.get("content").unwrap_or(&Value::Null), "parts") {
            match part_to_ir(p, &mut self.calls) {
                Some(Part::Text(t)) if !t.is_empty() => out.push(StreamEvent::TextDelta(t)),
                Some(Part::Reasoning(t)) => {
                    if !t.text.is_empty() {
                        out.push(StreamEvent::ReasoningDelta(t.text));
                    }
                    out.extend(t.signature.map(StreamEvent::ReasoningSignature));
                }
                Some(Part::ToolCall(c)) => {
                    let index = self.calls.len() - 1;
                    out.push(StreamEvent::ToolCallStart { index, id: c.id, name: c.name, signature: c.signature });
                    out.push(StreamEvent::ToolCallDelta { index, fragment: c.arguments });
                }
                _ => {}
            }
        }
        if let Some(r) = json::str(candidate, "finishReason") {
            self.finished = true;
            out.push(StreamEvent::Finish(finish_reason_of(r, !self.calls.is_empty())));
        } else if v.pointer("/promptFeedback/blockReason").is_some() {
            self.finished = true;
            out.push(StreamEvent::Finish(FinishReason::ContentFilter));
        }
        if let Some(u) = json::get(&v, "usageMetadata") {
            out.push(StreamEvent::Usage(usage_of(u)));
        }
        false
    }

    /// Whether a chunk with a finish reason (or a blocked prompt) arrived: the answer is complete.
    pub fn finished(&self) -> bool {
        self.finished
    }
}

/// Writes IR events as Gemini SSE chunks. Function calls are whole in Gemini: their argument
/// fragments are gathered and sent in the final chunk.
#[derive(Debug, Default)]
pub struct StreamEncoder {
    id: String,
    model: String,
    /// Tool calls gathered: index, name, arguments so far, signature.
    calls: Vec<(usize, String, String, Option<String>)>,
    finish: Option<FinishReason>,
    usage: Option<Usage>,
}

impl StreamEncoder {
    pub fn new() -> Self {
        Self::default()
    }

    fn chunk(&self, parts: Vec<Value>, finish: Option<FinishReason>) -> Value {
        let mut candidate = json!({"content": {"role": "model", "parts": parts}, "index": 0});
        if let Some(r) = finish {
            candidate["finishReason"] = json!(finish_reason_str(r));
        }
        let mut chunk = json!({"candidates": [candidate], "modelVersion": self.model, "responseId": self.id});
        if let (Some(u), Some(_)) = (self.usage, finish) {
            chunk["usageMetadata"] = usage_json(&u);
        }
        chunk
    }

    /// Appends the bytes for one IR event.
    pub fn encode(&mut self, ev: &StreamEvent, out: &mut Vec<u8>) {
        match ev {
            StreamEvent::Start { id, model } => (self.id, self.model) = (id.clone(), model.clone()),
            StreamEvent::TextDelta(t) => json::sse(out, None, &self.chunk(vec![json!({"text": t})], None).to_string()),
            StreamEvent::ReasoningDelta(t) => {
                json::sse(out, None, &self.chunk(vec![thinking::thought_part(t, None)], None).to_string())
            }
            StreamEvent::ReasoningSignature(s) => {
                json::sse(out, None, &self.chunk(vec![thinking::thought_part("", Some(s))], None).to_string())
            }
            // Gemini has no place for Anthropic's encrypted thinking.
            StreamEvent::RedactedReasoning(_) => {}
            StreamEvent::ToolCallStart { index, name, signature, .. } => {
                self.calls.push((*index, name.clone(), String::new(), signature.clone()))
            }
            StreamEvent::ToolCallDelta { index, fragment } => {
                if let Some(call) = self.calls.iter_mut().find(|c| c.0 == *index) {
                    call.2.push_str(fragment);
                }
            }
            StreamEvent::Finish(r) => self.finish = Some(*r),
            StreamEvent::Usage(u) => self.usage = Some(*u),
            StreamEvent::Error { message, kind } => {
                let e =
                    error_from_ir(&ApiError { status: 500, message: message.clone(), kind: kind.clone(), code: None });
                json::sse(out, None, &e.to_string());
            }
        }
    }

    /// Appends the final chunk: gathered function calls, finish reason and usage.
    pub fn end(&mut self, out: &mut Vec<u8>) {
        let parts: Vec<Value> = self
            .calls
            .iter()
            .map(|(_, name, args, signature)| {
                let call = ToolCall {
                    id: String::new(),
                    name: name.clone(),
                    arguments: String::new(),
                    signature: signature.clone(),
                };
                function_call_part(&call, json::object_from_text(args).unwrap_or_else(|| json!({})))
            })
            .collect();
        let chunk = self.chunk(parts, Some(self.finish.unwrap_or(FinishReason::Stop)));
        json::sse(out, None, &chunk.to_string());
    }
}

#[cfg(test)]
#[path = "gemini_tests.rs"]
mod tests;

use super::wire::{self, Conversation, StreamDecode, StreamEncode, WireFormat};
use super::{EmitOptions, StreamOptions};

/// Gemini `generateContent` as a [`WireFormat`]: the free functions above, and how its streams
/// end (no end marker: the chunk with a `finishReason`) and carry text (`candidates[].content.parts[].text`).
#[derive(Debug)]
pub struct Gemini;

const CONVERSATION: Conversation = Conversation {
    temperature: "/generationConfig/temperature",
    turns: "contents",
    content: "parts",
    model_role: "model",
    roleless_is_user: true,
    instruction_roles: &[],
    text_part_type: None,
};

impl WireFormat for Gemini {
    fn id(&self) -> &'static str {
        "gemini"
    }

    fn name(&self) -> &'static str {
        "Gemini"
    }

    fn request_to_ir(&self, body: &Value) -> Result<ChatRequest, GatewayError> {
        request_to_ir(body)
    }

    fn request_from_ir(&self, request: &ChatRequest, _opts: EmitOptions) -> Result<Value, GatewayError> {
        request_from_ir(request)
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

    /// `streamGenerateContent?alt=sse`, the `:` possibly percent-encoded.
    fn streams_at(&self, path: &str) -> bool {
        wire::path_method(path) == Some("streamGenerateContent")
    }

    fn is_stream_end(&self, event: &SseEvent) -> bool {
        event.data.contains("\"finishReason\"")
    }

    fn event_text(&self, event: &Value) -> Option<String> {
        let candidates = event.get("candidates")?.as_array()?;
        let parts =
            candidates.iter().flat_map(|c| c.pointer("/content/parts").and_then(Value::as_array).into_iter().flatten());
        Some(parts.filter_map(|p| p.get("text").and_then(Value::as_str)).collect())
    }

    /// Only an event with a single part, the first candidate's.
    fn set_event_text(&self, event: &mut Value, text: &str) -> bool {
        match event.pointer_mut("/candidates/0/content/parts").and_then(Value::as_array_mut) {
            Some(parts) if parts.len() == 1 => {
                parts[0].get_mut("text").map(|t| *t = Value::String(text.to_string())).is_some()
            }
            _ => false,
        }
    }

    fn chat_path(&self, path: &str) -> bool {
        path.ends_with(":generateContent") || path.ends_with(":streamGenerateContent")
    }

    /// Always `v1beta` (see [`upstream_path`]), whatever the provider's version segment.
    fn upstream_path(&self, _version: Option<&str>, model: &str, stream: bool) -> (String, Option<&'static str>) {
        upstream_path(model, stream)
    }

    fn recognises(&self, answer: &Value) -> bool {
        answer.get("candidates").is_some()
    }

    fn conversation(&self) -> Option<&'static Conversation> {
        Some(&CONVERSATION)
    }
}

impl StreamDecode for StreamDecoder {
    fn decode(&mut self, event: &SseEvent, out: &mut Vec<StreamEvent>) -> bool {
        StreamDecoder::decode(self, event, out)
    }

    fn finished(&self) -> bool {
        StreamDecoder::finished(self)
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
