//! The canonical internal representation (IR) every format converts to and from.
//!
//! A request arriving in one format is parsed into [`ChatRequest`], then emitted in the
//! upstream's format; the upstream's answer comes back through [`ChatResponse`],
//! [`StreamEvent`] or [`ApiError`]. Two converters per format instead of one per pair.
//! The IR holds only what at least two formats can express; what a target cannot express is
//! dropped by the rules tabled in [`crate::translate`].

use serde_json::Value;

use crate::usage::Usage;

/// A chat request, whatever format it arrived in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatRequest {
    /// The model name as the upstream knows it (provider prefix already removed).
    pub model: String,
    /// The system prompt: OpenAI `system`/`developer` messages, Anthropic `system`, Gemini
    /// `systemInstruction`, joined with blank lines when there were several. Instructions given
    /// in the middle of an Anthropic conversation stay there, as [`Role::System`] messages.
    pub system: Option<String>,
    pub messages: Vec<Message>,
    pub tools: Vec<Tool>,
    pub tool_choice: Option<ToolChoice>,
    pub max_tokens: Option<u64>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    /// Stop sequences (empty: none).
    pub stop: Vec<String>,
    pub stream: bool,
    /// Whether the client asked for token usage at the end of a stream (OpenAI
    /// `stream_options.include_usage`; always true for Anthropic, which always reports it).
    pub include_usage: bool,
    pub response_format: Option<ResponseFormat>,
    /// How much the model should think before answering: OpenAI `reasoning_effort` /
    /// `reasoning.effort`, Anthropic `thinking`, Gemini `generationConfig.thinkingConfig`.
    /// `None`: the model's default.
    pub reasoning: Option<Reasoning>,
}

/// The reasoning a request asks for. Each emitter writes the form its API takes, converting
/// between efforts and budgets with [`ReasoningEffort::budget_tokens`] and
/// [`ReasoningEffort::of_budget`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reasoning {
    /// No thinking (Anthropic `disabled`, Gemini budget 0, OpenAI `none`); models that cannot
    /// stop thinking get their least.
    Off,
    /// A qualitative level (OpenAI, Gemini 3 `thinkingLevel`).
    Effort(ReasoningEffort),
    /// A number of thinking tokens (Anthropic `budget_tokens`, Gemini 2.5 `thinkingBudget`).
    Budget(u64),
}

impl Reasoning {
    /// The effort asked for, a budget read as the nearest effort; `None` when off.
    pub fn effort(self) -> Option<ReasoningEffort> {
        match self {
            Reasoning::Off => None,
            Reasoning::Effort(e) => Some(e),
            Reasoning::Budget(n) => Some(ReasoningEffort::of_budget(n)),
        }
    }

    /// The thinking tokens asked for, an effort read as its budget; `None` when off.
    pub fn budget_tokens(self) -> Option<u64> {
        match self {
            Reasoning::Off => None,
            Reasoning::Effort(e) => Some(e.budget_tokens()),
            Reasoning::Budget(n) => Some(n),
        }
    }
}

/// OpenAI's reasoning efforts, which Gemini 3's `thinkingLevel` shares.
///
/// | effort  | budget (tokens) | a budget reads as this effort when |
/// |---------|-----------------|------------------------------------|
/// | minimal | 1,024           | ≤ 1,024                            |
/// | low     | 2,048           | 1,025 – 4,096                      |
/// | medium  | 8,192           | 4,097 – 16,384                     |
/// | high    | 24,576          | > 16,384                           |
///
/// 1,024 is Anthropic's smallest `budget_tokens`; 24,576 is Gemini 2.5 Flash's largest
/// `thinkingBudget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasoningEffort {
    Minimal,
    Low,
    Medium,
    High,
}

impl ReasoningEffort {
    /// The effort's thinking budget (see the table above).
    pub fn budget_tokens(self) -> u64 {
        match self {
            ReasoningEffort::Minimal => 1024,
            ReasoningEffort::Low => 2048,
            ReasoningEffort::Medium => 8192,
            ReasoningEffort::High => 24576,
        }
    }

    /// The effort nearest a thinking budget (see the table above).
    pub fn of_budget(tokens: u64) -> Self {
        match tokens {
            0..=1024 => ReasoningEffort::Minimal,
            1025..=4096 => ReasoningEffort::Low,
            4097..=16384 => ReasoningEffort::Medium,
            _ => ReasoningEffort::High,
        }
    }

    /// The lowercase name OpenAI and Gemini use (`minimal`, `low`, `medium`, `high`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReasoningEffort::Minimal => "minimal",
            ReasoningEffort::Low => "low",
            ReasoningEffort::Medium => "medium",
            ReasoningEffort::High => "high",
        }
    }

    /// Reads a name in any case; OpenAI's `xhigh` reads as high. `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "minimal" => Some(ReasoningEffort::Minimal),
            "low" => Some(ReasoningEffort::Low),
            "medium" => Some(ReasoningEffort::Medium),
            "high" | "xhigh" => Some(ReasoningEffort::High),
            _ => None,
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
    /// Results of tool calls, answering an earlier assistant message.
    Tool,
    /// An instruction at its place in the conversation: a `role: "system"` entry of Anthropic
    /// `messages` (Claude Code sends them to models it does not know). Emitted as a system
    /// message in place for OpenAI, folded into the user turn it sits next to for Gemini, and
    /// into the system prompt for Anthropic, whose `messages` have no such role.
    System,
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: Vec<Part>,
}

impl Message {
    /// A message holding one text part.
    pub fn text(role: Role, text: impl Into<String>) -> Self {
        Message { role, content: vec![Part::Text(text.into())] }
    }
}

/// One piece of a message or response.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Image(Image),
    ToolCall(ToolCall),
    ToolResult(ToolResult),
    /// The model's visible thinking: Anthropic `thinking` blocks, Gemini `thought: true` parts,
    /// OpenAI-compatible `reasoning_content`.
    Reasoning(Thought),
    /// Anthropic `redacted_thinking`: encrypted thinking, its `data` kept opaque and sent back
    /// as it came. Only Anthropic (and OpenAI clients, inside tool call ids) can carry it.
    RedactedReasoning(String),
}

/// A piece of the model's thinking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thought {
    /// The thinking text (a summary for Gemini); may be empty when only the signature matters.
    pub text: String,
    /// The provider's opaque proof of the thinking (Anthropic `signature`, Gemini
    /// `thoughtSignature` on a thought part), which the provider wants back unchanged in later
    /// turns. `None` for thinking without one (Gemini summaries, `reasoning_content`), which
    /// Anthropic refuses and Gemini does not need: emitters of requests drop it.
    pub signature: Option<String>,
}

/// An image given to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Image {
    /// A plain `http(s)` URL the provider fetches.
    Url(String),
    /// Inline bytes, base64-encoded (OpenAI `data:` URLs, Anthropic base64 sources, Gemini
    /// `inlineData`).
    Base64 { media_type: String, data: String },
}

/// A call the model made to a tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The arguments as a JSON text (OpenAI's representation; others hold an object).
    pub arguments: String,
    /// Gemini's `thoughtSignature` on the `functionCall` part, which Gemini 3 requires back with
    /// the call in the next turns of a tool loop. Other dialects carry it in their own way:
    /// see [`crate::translate`].
    pub signature: Option<String>,
}

/// The result of a tool call, sent back to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolResult {
    pub tool_call_id: String,
    pub content: String,
    /// Anthropic's `is_error`; other formats have no such flag and drop it.
    pub is_error: bool,
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub name: String,
    pub description: Option<String>,
    /// A JSON schema of the arguments object.
    pub parameters: Value,
}

/// Whether and which tool the model must call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolChoice {
    Auto,
    None,
    /// Some tool must be called (Anthropic `any`, Gemini `ANY`).
    Required,
    /// This tool must be called.
    Named(String),
}

/// The shape the answer must have.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseFormat {
    Text,
    JsonObject,
    JsonSchema { name: String, schema: Value, strict: bool },
}

/// Why the model stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishReason {
    Stop,
    Length,
    ToolCalls,
    ContentFilter,
    Other,
}

/// A complete (non-streamed) answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    pub id: String,
    pub model: String,
    /// Reasoning, text and tool-call parts, in order.
    pub content: Vec<Part>,
    pub finish_reason: FinishReason,
    pub usage: Option<Usage>,
}

/// One event of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// The stream opened: the response id and model, before any content.
    Start {
        id: String,
        model: String,
    },
    TextDelta(String),
    /// A piece of thinking text (of the current thinking block; a new one opens after any
    /// other content).
    ReasoningDelta(String),
    /// The signature of the current thinking block, which ends it.
    ReasoningSignature(String),
    /// A whole Anthropic `redacted_thinking` block.
    RedactedReasoning(String),
    /// A tool call began; `index` counts tool calls of this response from 0. `signature` is
    /// Gemini's `thoughtSignature` on the call.
    ToolCallStart {
        index: usize,
        id: String,
        name: String,
        signature: Option<String>,
    },
    /// A piece of the JSON arguments of tool call `index`.
    ToolCallDelta {
        index: usize,
        fragment: String,
    },
    Finish(FinishReason),
    /// Token usage so far (the last one seen is the total).
    Usage(Usage),
    /// The upstream reported an error inside the stream.
    Error {
        message: String,
        kind: String,
    },
}

/// A provider's error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The provider's HTTP status, kept when rendered for the client.
    pub status: u16,
    pub message: String,
    /// The error type in Anthropic's vocabulary (`invalid_request_error`,
    /// `authentication_error`, `permission_error`, `not_found_error`, `rate_limit_error`,
    /// `overloaded_error`, `api_error`, ...), which OpenAI clients read just as well.
    pub kind: String,
    /// The gateway's machine-readable code (OpenAI's `code`), when the gateway rather than the
    /// provider wrote the error: e.g. `upstream_invalid_response` for an error body that is not in
    /// the provider's format. `None` renders as `null`; Anthropic's shape has no such field.
    pub code: Option<String>,
}

impl ApiError {
    /// An error whose type is derived from the HTTP status.
    pub fn from_status(status: u16, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), kind: kind_for_status(status).to_string(), code: None }
    }
}

/// The Anthropic-style error type for an HTTP status.
pub fn kind_for_status(status: u16) -> &'static str {
    match status {
        400 | 422 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 | 529 => "overloaded_error",
        504 => "timeout_error",
        _ => "api_error",
    }
}

// Reasoning carried from one dialect to another and back (the IR's round trips).
#[cfg(test)]
#[path = "reasoning_roundtrip_tests.rs"]
mod reasoning_roundtrip_tests;
