//! Format translation: one API for every provider.
//!
//! Each wire format ([`Format`]) has two converters per kind of message, to and from the one
//! canonical representation in [`ir`]: requests, responses, stream events and errors. A request
//! in format A reaches a provider speaking B as `A → IR → B`; the answer comes back `B → IR → A`,
//! whole ([`convert_response`]) or as a stream cut anywhere ([`stream::StreamTranslator`]).
//! [`compat`] plans the gateway's `/compat/...` endpoint on top of this.
//!
//! # Adding a format
//!
//! A format is one implementation of [`WireFormat`] (see [`wire`] for what each method owes),
//! in the format's own file, next to its free converters: a unit struct and its `impl`
//! block at the end of the file. Then one line registers it: a [`Format`] constant pointing at
//! the struct and its entry in [`FORMATS`]. Nothing else changes: the provider table names the
//! format a provider speaks ([`crate::provider::Provider::format`]), and the stream guard,
//! response plugins, semantic cache, fine-tuning export and [`compat`] only call the trait's
//! methods. Code outside a format's file never `match`es on formats; it may compare a handle
//! with a constant where one format is special for reasons of its own (the gateway's own
//! errors are OpenAI-shaped; the compat endpoint's embeddings and token counts exist for some
//! providers only).
//!
//! # Parameters a target cannot honour
//!
//! They are dropped when the request is emitted, never sent to fail upstream:
//!
//! | IR field                        | OpenAI emitter | Anthropic emitter                                   | Gemini emitter                                       | Responses emitter |
//! |---------------------------------|----------------|-----------------------------------------------------|------------------------------------------------------|-------------------|
//! | `response_format` json_object   | kept           | dropped; a system instruction asks for JSON only    | `responseMimeType: application/json`                 | `text.format`     |
//! | `response_format` json_schema   | kept (strict only when OpenAI's strict mode takes the schema) | dropped; the instruction quotes the schema | `responseMimeType` + `responseSchema` (sanitized) | `text.format`; a schema that is not an object becomes json_object |
//! | `include_usage`                 | kept (stream)  | dropped (Anthropic always reports usage)            | dropped (Gemini always reports usage)                | dropped (always reported) |
//! | `stop`                          | kept           | `stop_sequences`                                    | `stopSequences`                                      | dropped (the API has none) |
//! | `ToolResult.is_error`           | dropped        | kept                                                | dropped                                              | dropped           |
//! | `max_tokens` absent             | left absent    | set to the configured default (Anthropic needs it)  | left absent                                          | left absent       |
//! | `max_tokens` (reasoning models) | `max_completion_tokens` for `o1`/`o3`/`o4-mini`…/`gpt-5…` ([`openai::is_reasoning_model`]) | — | — | `max_output_tokens` (always) |
//! | `tool_choice: none`             | kept           | `{"type":"none"}`                                   | `mode: NONE`                                         | kept              |
//! | tool and response schemas       | kept           | kept                                                | reduced to Gemini's `Schema` fields ([`gemini_schema`]) | kept; tools sent `strict: false` |
//! | `temperature` > 1               | kept           | clamped to 1 (Anthropic's range is 0–1)             | kept                                                 | kept              |
//! | `reasoning` (effort or budget, [`ir::ReasoningEffort`] maps one to the other) | `reasoning_effort` for OpenAI's reasoning models only, else dropped ([`openai::reasoning`]) | `thinking`, its budget fitted under `max_tokens`; dropped with forced tool use or when the last tool-calling turn lost its thinking; drops `temperature` and a `top_p` below 0.95 ([`anthropic::thinking`]) | `thinkingConfig`: `thinkingLevel` (Gemini 3) or `thinkingBudget` in the model's range (2.5), `includeThoughts`; dropped for older models ([`gemini::thinking`]) | `reasoning.effort` for OpenAI's reasoning models only, else dropped |
//! | thinking in a request's history | dropped        | signed `thinking` and `redacted_thinking` kept, unsigned dropped | signed thoughts kept, unsigned and redacted dropped | dropped |
//! | `ToolCall.signature` in a request's history | dropped | dropped                                    | `thoughtSignature` on the `functionCall` part        | dropped |
//! | thinking in an answer to a client | `reasoning_content`; signatures and redacted thinking inside the tool call ids | `thinking` (`signature: ""` when unsigned) and `redacted_thinking` blocks; a tool call's signature in a thinking block before it | thought parts; redacted thinking dropped | `reasoning` items with the text as `summary`; signatures and redacted thinking in `encrypted_content` when the client asks ([`responses::reasoning`]), else dropped |
//!
//! Client fields outside the IR (OpenAI `n`, `logprobs`, `seed`, `frequency_penalty`, `user`,
//! Anthropic `metadata`, `top_k`, Responses `reasoning`, a tool's `strict`,
//! `text.verbosity`, `parallel_tool_calls`, `metadata`, `include` (but
//! `reasoning.encrypted_content`), `truncation`, `service_tier`,
//! `user`, `store`, `input_file`/`input_audio` parts, ...) are dropped by any *translation*, as
//! are annotations and logprobs of answers; a pass-through (same format on both sides) forwards
//! the body untouched but for `model`. Responses requests that need server-side state
//! (`previous_response_id`, `conversation`) are refused with a 400 instead; built-in and
//! `namespace` tools are left out.
//! Other lossy rules: OpenAI `system`/`developer` messages anywhere in the conversation are
//! gathered into the one system prompt (Anthropic `role: "system"` entries of `messages` keep
//! their place instead: see [`ir::Role::System`]); image parts inside tool results become nothing (only
//! their text survives); Gemini ids for function calls are generated (`call_{n}`) when absent.

pub mod anthropic;
pub mod compat;
pub mod count_tokens;
pub mod embeddings;
pub mod gemini;
pub mod gemini_schema;
pub mod ir;
pub mod local_answer;
pub mod openai;
pub mod responses;
pub mod stream;
mod unreadable;
pub mod wire;

use serde_json::Value;

use crate::error::GatewayError;
pub use ir::{ApiError, ChatRequest, ChatResponse, FinishReason, StreamEvent};
pub use stream::{StreamOptions, StreamTranslator};
pub use wire::{StreamDecode, StreamEncode, WireFormat};

/// Every wire format the gateway translates, in the order they are asked when a path or an
/// answer must be recognised (the first that claims it wins).
/// Their claims do not overlap: Responses claims `/responses` paths and answers by
/// `object: "response"` or `type: "response.*"`, which no other format uses (its `type: "error"`
/// events pass for Anthropic's, as in any order).
pub const FORMATS: &[Format] = &[Format::OPENAI, Format::ANTHROPIC, Format::GEMINI, Format::RESPONSES];

/// A wire format the gateway translates: a small copyable handle on its [`WireFormat`]
/// implementation, whose methods it derefs to (`format.name()`). Two handles are equal when
/// their formats' ids are.
#[derive(Clone, Copy)]
pub struct Format(&'static dyn WireFormat);

impl Format {
    /// OpenAI Chat Completions (`/chat/completions`).
    pub const OPENAI: Format = Format(&openai::OpenAi);
    /// Anthropic Messages (`/v1/messages`).
    pub const ANTHROPIC: Format = Format(&anthropic::Anthropic);
    /// Google Gemini `generateContent` / `streamGenerateContent`.
    pub const GEMINI: Format = Format(&gemini::Gemini);
    /// OpenAI Responses (`/responses`).
    pub const RESPONSES: Format = Format(&responses::Responses);

    /// The format whose [`WireFormat::streams_at`] claims the upstream `path`, if any.
    pub fn streamed_at(path: &str) -> Option<Format> {
        FORMATS.iter().copied().find(|f| f.streams_at(path))
    }

    /// The format whose [`WireFormat::chat_path`] claims the provider `path`, if any.
    pub fn of_chat_path(path: &str) -> Option<Format> {
        FORMATS.iter().copied().find(|f| f.chat_path(path))
    }

    /// The format that [`WireFormat::recognises`] a JSON answer or stream chunk, if any.
    pub fn of_answer(answer: &Value) -> Option<Format> {
        FORMATS.iter().copied().find(|f| f.recognises(answer))
    }
}

impl std::ops::Deref for Format {
    type Target = dyn WireFormat;

    fn deref(&self) -> &Self::Target {
        self.0
    }
}

impl PartialEq for Format {
    fn eq(&self, other: &Format) -> bool {
        self.0.id() == other.0.id()
    }
}

impl Eq for Format {}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name())
    }
}

/// Options of the request emitters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmitOptions {
    /// `max_tokens` sent to Anthropic when the client set none (Anthropic requires it).
    pub default_max_tokens: u64,
}

/// Parses a request body in `format` into the IR. `model` replaces the body's `model` when
/// given (Gemini carries it in the URL, and the compat endpoint strips the provider prefix).
///
/// Errors: 400 naming the field when the body is not JSON or a field has the wrong shape.
pub fn parse_request(format: Format, body: &[u8], model: Option<&str>) -> Result<ChatRequest, GatewayError> {
    let value = parse_json(body, "request body")?;
    let mut request = format.request_to_ir(&value)?;
    if let Some(model) = model {
        request.model = model.to_string();
    }
    Ok(request)
}

/// Emits the IR request as a body in `format`.
///
/// Errors: 400 when a tool call's arguments are not a JSON object (Anthropic and Gemini need an
/// object, not text).
pub fn emit_request(format: Format, request: &ChatRequest, opts: EmitOptions) -> Result<Vec<u8>, GatewayError> {
    Ok(format.request_from_ir(request, opts)?.to_string().into_bytes())
}

/// Parses a successful (2xx) response body in `format`.
///
/// Errors: 502 (`upstream_invalid_response`) when the body is not JSON or not the format's
/// response shape; the message names what is missing, never the body's contents.
pub fn parse_response(format: Format, body: &[u8]) -> Result<ChatResponse, GatewayError> {
    let value =
        serde_json::from_slice::<Value>(body).map_err(|e| bad_upstream(format!("upstream sent invalid JSON: {e}")))?;
    format.response_to_ir(&value)
}

/// Emits the IR response as a body in `format`. `created` (Unix seconds, injected) fills
/// OpenAI's `created`.
pub fn emit_response(format: Format, response: &ChatResponse, created: u64) -> Vec<u8> {
    format.response_from_ir(response, StreamOptions::at(created)).to_string().into_bytes()
}

/// Reads a provider's error body, keeping its status. A JSON body of any shape is read for its
/// message; a body that is not JSON (a proxy's HTML page, plain text, nothing) is described
/// instead ([`unreadable::describe_error_body`]) with the code `upstream_invalid_response`.
pub fn parse_error(format: Format, status: u16, body: &[u8]) -> ApiError {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        let mut error = ApiError::from_status(status, unreadable::describe_error_body(status, body));
        error.code = Some(crate::ErrorKind::UpstreamInvalid.code().to_string());
        return error;
    };
    format.error_to_ir(status, &value)
}

/// Renders an error as a body in `format`.
pub fn emit_error(format: Format, error: &ApiError) -> Vec<u8> {
    format.error_from_ir(error).to_string().into_bytes()
}

/// Converts a whole (non-streamed) upstream answer from `from` into the client's format `to`.
///
/// Runs once the upstream body has been read. A status ≥ 400 is an error body, rendered in the
/// client's format with the provider's status kept (see [`parse_error`]).
///
/// Errors: 502 (`upstream_invalid_response`) when a 2xx body is not JSON or not `from`'s response
/// shape; the caller renders it in the client's format and records it as the request's error.
pub fn convert_response(
    from: Format,
    to: Format,
    status: u16,
    body: &[u8],
    created: u64,
) -> Result<(u16, Vec<u8>), GatewayError> {
    convert_response_for(from, to, status, body, StreamOptions::at(created))
}

/// [`convert_response`] for a client that asked as `opts` says (e.g. a Responses client for
/// `encrypted_content`).
///
/// Errors: as [`convert_response`].
pub fn convert_response_for(
    from: Format,
    to: Format,
    status: u16,
    body: &[u8],
    opts: StreamOptions,
) -> Result<(u16, Vec<u8>), GatewayError> {
    if status >= 400 {
        let error = parse_error(from, status, body);
        return Ok((status, emit_error(to, &error)));
    }
    if from == to {
        return Ok((status, body.to_vec()));
    }
    match parse_response(from, body) {
        Ok(response) => Ok((status, to.response_from_ir(&response, opts).to_string().into_bytes())),
        Err(e) => Err(untranslatable(&format!("{} answer", from.name()), status, &e)),
    }
}

/// The error for a 2xx answer (`what`, e.g. "Anthropic answer") that could not be read: 502,
/// `upstream_invalid_response`, saying why (`cause`'s message, which never quotes the body).
pub(crate) fn untranslatable(what: &str, status: u16, cause: &GatewayError) -> GatewayError {
    GatewayError::new(
        crate::ErrorKind::UpstreamInvalid,
        format!("could not translate the provider's {what} (HTTP {status}): {}", cause.message()),
    )
}

fn parse_json(body: &[u8], what: &str) -> Result<Value, GatewayError> {
    serde_json::from_slice(body).map_err(|e| GatewayError::invalid(format!("{what} is not valid JSON: {e}")))
}

/// Small readers over `serde_json::Value` shared by the format modules.
pub(crate) mod json {
    use serde_json::Value;

    /// The field when present and not `null`.
    pub fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
        v.get(key).filter(|f| !f.is_null())
    }

    pub fn str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
        v.get(key).and_then(Value::as_str)
    }

    /// `s` as a JSON string literal, for quoting client-given values in error messages (never
    /// Rust's debug rendering).
    pub fn quoted(s: &str) -> String {
        Value::String(s.to_string()).to_string()
    }

    pub fn string(v: &Value, key: &str) -> String {
        str(v, key).unwrap_or_default().to_string()
    }

    pub fn u64(v: &Value, key: &str) -> Option<u64> {
        v.get(key).and_then(Value::as_u64)
    }

    pub fn f64(v: &Value, key: &str) -> Option<f64> {
        v.get(key).and_then(Value::as_f64)
    }

    /// The array at `key`, empty when absent.
    pub fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
        v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A JSON text as an object, for providers that want tool arguments as an object. Empty
    /// text is `{}`.
    pub fn object_from_text(text: &str) -> Option<Value> {
        if text.trim().is_empty() {
            return Some(Value::Object(Default::default()));
        }
        serde_json::from_str::<Value>(text).ok().filter(Value::is_object)
    }

    /// Splits a `data:{media type};base64,{data}` URL.
    pub fn split_data_url(url: &str) -> Option<(String, String)> {
        let rest = url.strip_prefix("data:")?;
        let (meta, data) = rest.split_once(',')?;
        let media_type = meta.strip_suffix(";base64")?;
        Some((media_type.to_string(), data.to_string()))
    }

    /// Appends one SSE event (`event:` line only when named) to `out`.
    pub fn sse(out: &mut Vec<u8>, event: Option<&str>, data: &str) {
        if let Some(name) = event {
            out.extend_from_slice(b"event: ");
            out.extend_from_slice(name.as_bytes());
            out.push(b'\n');
        }
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(data.as_bytes());
        out.extend_from_slice(b"\n\n");
    }
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "mod_props.rs"]
mod props;

// The conformance matrix of docs/compat.md: every client × provider × feature, found by running.
#[cfg(test)]
#[path = "conformance_tests.rs"]
mod conformance;

#[cfg(test)]
#[path = "conformance_features_tests.rs"]
mod features;

// The formats' shapes for the property tests; the file name marks it as test code.
#[cfg(test)]
#[path = "shapes_props.rs"]
pub(crate) mod shapes;

// The compat endpoint's properties (kept out of compat.rs, which other work is changing).
#[cfg(test)]
#[path = "compat_props.rs"]
mod compat_props;

/// The 502 (`upstream_invalid_response`) for an upstream body that is not the shape its format
/// promises.
pub(crate) fn bad_upstream(message: impl Into<String>) -> GatewayError {
    GatewayError::new(crate::ErrorKind::UpstreamInvalid, message)
}
