//! Responses streams ⇄ IR events: the typed `response.*` events a Responses stream is made of,
//! decoded as they arrive (cut anywhere) and encoded for a Responses client.

use serde_json::{json, Value};

use super::reasoning::{self, Carried};
use super::{
    call_item, error_to_ir, finish_of_response, item_id, last_item_status, message_item, reasoning_item,
    response_object, status_of, summary_parts, text_of_part, usage_json, usage_of, SUMMARY_SEPARATOR,
};
use crate::sse::SseEvent;
use crate::translate::ir::*;
use crate::translate::json;
use crate::usage::Usage;

/// The IR error type for a stream error's `code` (Responses codes such as `rate_limit_exceeded`
/// and `server_error`, or a gateway error type passed through).
fn kind_of_code(code: Option<&str>) -> String {
    match code {
        Some("rate_limit_exceeded") => "rate_limit_error".to_string(),
        Some(c) if c.ends_with("_error") && c != "server_error" => c.to_string(),
        _ => "api_error".to_string(),
    }
}

/// The data of an `event: error` of a Responses stream, numbered `sequence`: the documented
/// top-level `type`, `code`, `message` and `param`, and the same as a nested `error` object (of
/// type `kind`), which is what the `openai` SDKs raise on (OpenAI's own error events carry it).
pub(super) fn error_event(code: &str, message: &str, kind: &str, sequence: u64) -> Value {
    json!({
        "type": "error", "sequence_number": sequence, "code": code, "message": message, "param": null,
        "error": {"type": kind, "code": code, "message": message, "param": null},
    })
}

/// The stream error `code` for an IR error type (the inverse of [`kind_of_code`]).
pub(super) fn code_of_kind(kind: &str) -> &str {
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
    /// `response.failed` and `error`. Reasoning summaries come as reasoning deltas (without a
    /// signature: `encrypted_content` is not read); events it does not know (built-in tools,
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
            "response.reasoning_summary_part.added" => {
                self.start(&Value::Null, out);
                // Parts after the first are paragraphs of the same summary, as in a whole answer.
                if json::u64(&v, "summary_index").is_some_and(|i| i > 0) {
                    out.push(StreamEvent::ReasoningDelta(SUMMARY_SEPARATOR.to_string()));
                }
            }
            "response.reasoning_summary_text.delta" => {
                self.start(&Value::Null, out);
                if let Some(delta) = json::str(&v, "delta").filter(|d| !d.is_empty()) {
                    out.push(StreamEvent::ReasoningDelta(delta.to_string()));
                }
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
    Message {
        text: String,
    },
    Call {
        index: usize,
        call: ToolCall,
    },
    /// Thinking, written as a reasoning item with one summary part (none when `text` is
    /// empty), and the `encrypted_content` it carries, once known.
    Reasoning {
        text: String,
        encrypted: Option<String>,
    },
}

/// Writes IR events as a Responses event stream: `response.created`, `response.in_progress`,
/// then per output item `output_item.added`, its deltas and `.done` events, and at the end
/// `response.completed` (or `response.incomplete`) with the whole response and its usage.
/// Every event is named by an `event:` line and carries `type` and `sequence_number`.
/// Thinking becomes a `reasoning` item whose one summary part streams as
/// `response.reasoning_summary_text.delta` events; its signature ends the item. When the client
/// asked for `encrypted_content` ([`carrying`](Self::carrying)), the signature is written in the
/// item's `encrypted_content` (in its `output_item.done` event and the final response), and
/// redacted thinking and a function call's signature get reasoning items of their own, without
/// summary ([`super::reasoning`]); otherwise they are dropped, as the client could not send them
/// back.
#[derive(Debug, Default)]
pub struct StreamEncoder {
    created: u64,
    /// Whether signatures and redacted thinking are written in `encrypted_content`.
    carry: bool,
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

    /// The encoder writing signatures and redacted thinking in `encrypted_content` when `carry`
    /// (the client listed `reasoning.encrypted_content` in `include`).
    pub fn carrying(self, carry: bool) -> Self {
        StreamEncoder { carry, ..self }
    }

    /// The `sequence_number` the next event takes (an error appended after the stream's events
    /// must follow them).
    pub fn next_sequence(&self) -> u64 {
        self.sequence
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
            Some(OutputItem::Reasoning { .. }) => item_id("rs", &self.id, index),
            _ => item_id("msg", &self.id, index),
        }
    }

    fn item_json(&self, index: usize, status: &str) -> Value {
        let id = self.item_id(index);
        match &self.items[index] {
            OutputItem::Message { text } => message_item(&id, status, &[text]),
            OutputItem::Call { call, .. } => call_item(&id, status, call),
            OutputItem::Reasoning { text, encrypted } => {
                reasoning_item(&id, status, &summary_parts(text), encrypted.as_deref())
            }
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
        let is_reasoning = matches!(&item, OutputItem::Reasoning { text, .. } if !text.is_empty());
        self.items.push(item);
        self.open = true;
        let mut added = self.item_json(index, "in_progress");
        if is_message {
            added["content"] = json!([]);
        }
        if is_reasoning {
            added["summary"] = json!([]);
        }
        self.event(out, "response.output_item.added", json!({"output_index": index, "item": added}));
        if is_message {
            let part = json!({"type": "output_text", "text": "", "annotations": []});
            let ev = json!({"item_id": self.item_id(index), "output_index": index, "content_index": 0, "part": part});
            self.event(out, "response.content_part.added", ev);
        }
        if is_reasoning {
            let part = json!({"type": "summary_text", "text": ""});
            let ev = json!({"item_id": self.item_id(index), "output_index": index, "summary_index": 0, "part": part});
            self.event(out, "response.reasoning_summary_part.added", ev);
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
            OutputItem::Reasoning { text, .. } if !text.is_empty() => {
                let text = text.clone();
                let at = json!({"item_id": item_id, "output_index": index, "summary_index": 0});
                let mut done = at.clone();
                done["text"] = json!(text);
                self.event(out, "response.reasoning_summary_text.done", done);
                let mut part = at;
                part["part"] = json!({"type": "summary_text", "text": text});
                self.event(out, "response.reasoning_summary_part.done", part);
            }
            OutputItem::Reasoning { .. } => {}
        }
        let item = self.item_json(index, status);
        self.event(out, "response.output_item.done", json!({"output_index": index, "item": item}));
    }

    /// Writes a reasoning item without summary carrying `carried`, when the client asked for
    /// `encrypted_content` (nothing otherwise).
    fn carried_item(&mut self, carried: Carried, out: &mut Vec<u8>) {
        let Some(encrypted) = Some(carried).filter(|_| self.carry).as_ref().and_then(reasoning::encode) else {
            return;
        };
        self.start(out);
        self.open_item(OutputItem::Reasoning { text: String::new(), encrypted: Some(encrypted) }, out);
        self.close_item(out);
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
            StreamEvent::ToolCallStart { index, id, name, signature } => {
                self.start(out);
                if let Some(s) = signature {
                    self.carried_item(Carried::CallSignature(s.clone()), out);
                }
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
            StreamEvent::ReasoningDelta(t) => {
                if t.is_empty() {
                    return;
                }
                self.start(out);
                let index = match self.items.last_mut() {
                    Some(OutputItem::Reasoning { text, .. }) if self.open => {
                        text.push_str(t);
                        self.items.len() - 1
                    }
                    _ => self.open_item(OutputItem::Reasoning { text: t.clone(), encrypted: None }, out),
                };
                let ev = json!({"item_id": self.item_id(index), "output_index": index, "summary_index": 0, "delta": t});
                self.event(out, "response.reasoning_summary_text.delta", ev);
            }
            // The signature ends its thinking block (the next thinking is another item).
            StreamEvent::ReasoningSignature(signature) => {
                let open = self.open && matches!(self.items.last(), Some(OutputItem::Reasoning { .. }));
                if !open {
                    // A signature without text (its thinking was empty) has an item of its own.
                    let thought = Thought { text: String::new(), signature: Some(signature.clone()) };
                    self.carried_item(Carried::Thinking(Part::Reasoning(thought)), out);
                    return;
                }
                if let Some(OutputItem::Reasoning { text, encrypted }) = self.items.last_mut().filter(|_| self.carry) {
                    let thought = Thought { text: text.clone(), signature: Some(signature.clone()) };
                    *encrypted = reasoning::encode(&Carried::Thinking(Part::Reasoning(thought)));
                }
                self.close_item(out);
            }
            StreamEvent::RedactedReasoning(data) => {
                self.carried_item(Carried::Thinking(Part::RedactedReasoning(data.clone())), out);
            }
            StreamEvent::Error { message, kind } => {
                let code = code_of_kind(kind);
                // `event` numbers it.
                self.event(out, "error", error_event(code, message, kind, 0));
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
