//! The OpenAI-compatible (`/v1/{account}/{gateway}/compat/...`) endpoint: one API, any provider.
//!
//! The client names `model: "{provider}/{model}"` (or an alias, e.g. `"fast"` →
//! `"groq/llama-3.1-8b-instant"`), speaks OpenAI Chat Completions (`chat/completions`), OpenAI
//! Responses (`responses`), Anthropic Messages (`messages`, `v1/messages`) and its token count
//! (`messages/count_tokens`, see [`count_tokens`]) or OpenAI embeddings (`embeddings`), and the
//! gateway sends the request to that provider in its own format. [`plan`] decides everything
//! before the upstream call; the runtime then fetches, and converts the answer with
//! [`CompatPlan::convert_response`] or [`CompatPlan::stream_translator`].
//!
//! Routable providers: those of [`PROVIDERS`] speaking OpenAI (`openai`, `groq`, `mistral`,
//! `deepseek`, `grok`, `openrouter`, `cerebras`, `perplexity-ai`; chat at
//! `{unversioned_prefix}/chat/completions`, so `v1/chat/completions` or `chat/completions`),
//! `workers-ai` (its OpenAI-compatible `v1/chat/completions`), `anthropic` (`v1/messages`) and
//! `google-ai-studio` (`v1beta/models/{model}:generateContent`). `azure-openai` needs a resource
//! and deployment in the path and is not routable here; nor are the native-only providers.
//!
//! Pass-through: when the provider speaks the client's format (OpenAI → OpenAI-compatible,
//! Anthropic → anthropic, Responses → openai, which also serves it:
//! [`Provider::also_speaks`]), the body is forwarded byte for byte except the `model` value,
//! which is rewritten in place (the other bytes untouched). Otherwise it is translated into the
//! provider's own format (Responses → Chat Completions for the other OpenAI-compatible ones).
//!
//! Answers name the model as the client sent it ([`CompatPlan::client_model`]): translated ones
//! are written with it, forwarded ones renamed as they pass ([`crate::answer_model`]).
//!
//! Configuration: `COMPAT_ALIASES`, a JSON object from alias to `"{provider}/{model}"` (see
//! [`parse_aliases`]).

use std::collections::HashMap;

use serde_json::{json, Value};

use super::stream::{StreamOptions, StreamTranslator};
use super::{count_tokens, embeddings, ApiError, EmitOptions, Format};
use crate::error::{ErrorKind, GatewayError};
use crate::headers::{upstream_request_headers, Headers};
use crate::provider::{self, Provider, PROVIDERS};

/// The `anthropic-version` sent when the client sent none.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// What the client called, from the path after `compat/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `chat/completions`: OpenAI Chat Completions.
    ChatCompletions,
    /// `responses`: OpenAI Responses (stateless: the whole conversation in `input`).
    Responses,
    /// `messages` or `v1/messages`: Anthropic Messages.
    Messages,
    /// `messages/count_tokens` or `v1/messages/count_tokens`: Anthropic's token count.
    CountTokens,
    /// `embeddings`: OpenAI embeddings.
    Embeddings,
    /// `models` (GET): answered locally by [`list_models`].
    Models,
}

impl Endpoint {
    /// Reads the path after `compat/` (slashes around it ignored).
    ///
    /// Errors: 404 listing the endpoints for any other path.
    pub fn parse(suffix: &str) -> Result<Endpoint, GatewayError> {
        match suffix.trim_matches('/') {
            "chat/completions" | "v1/chat/completions" => Ok(Endpoint::ChatCompletions),
            "responses" | "v1/responses" => Ok(Endpoint::Responses),
            "messages" | "v1/messages" => Ok(Endpoint::Messages),
            "messages/count_tokens" | "v1/messages/count_tokens" => Ok(Endpoint::CountTokens),
            "embeddings" | "v1/embeddings" => Ok(Endpoint::Embeddings),
            "models" | "v1/models" => Ok(Endpoint::Models),
            other => Err(GatewayError::not_found(format!(
                "no compat endpoint \"{other}\"; expected chat/completions, responses, messages, messages/count_tokens, embeddings or models"
            ))),
        }
    }

    /// The format the client speaks (and reads errors in).
    pub fn client_format(self) -> Format {
        match self {
            Endpoint::Messages | Endpoint::CountTokens => Format::ANTHROPIC,
            Endpoint::Responses => Format::RESPONSES,
            Endpoint::ChatCompletions | Endpoint::Embeddings | Endpoint::Models => Format::OPENAI,
        }
    }

    /// Whether the endpoint is a chat (a conversation in, an answer out).
    pub fn is_chat(self) -> bool {
        matches!(self, Endpoint::ChatCompletions | Endpoint::Responses | Endpoint::Messages)
    }
}

/// Renders a gateway error in the client's format (Anthropic shape for `messages`, else
/// OpenAI's, which Responses shares), with its status.
pub fn error_body(endpoint: Endpoint, error: &GatewayError) -> (u16, Vec<u8>) {
    gateway_error_body(endpoint.client_format(), error)
}

/// Renders a gateway error as an error body of `format`, with its status. The gateway's own
/// errors are OpenAI-shaped already ([`GatewayError::to_json`]); other formats get theirs.
pub fn gateway_error_body(format: Format, error: &GatewayError) -> (u16, Vec<u8>) {
    if reads_gateway_errors(format) {
        return (error.status(), error.to_json().into_bytes());
    }
    let e = ApiError {
        status: error.status(),
        message: error.message().to_string(),
        kind: super::ir::kind_for_status(error.status()).to_string(),
        code: Some(error.kind().code().to_string()),
    };
    (error.status(), super::emit_error(format, &e))
}

/// Whether clients of `format` read the gateway's own error bodies as they are: OpenAI's shape,
/// which the Responses API shares.
pub fn reads_gateway_errors(format: Format) -> bool {
    format == Format::OPENAI || format == Format::RESPONSES
}

/// Parses `COMPAT_ALIASES` (`None` or empty: no aliases): a JSON object from alias to
/// `"{provider}/{model}"`.
///
/// Errors (500, `gateway_misconfigured`): not a JSON object of strings; a target without a
/// `/` or naming an unknown provider.
pub fn parse_aliases(raw: Option<&str>) -> Result<HashMap<String, String>, GatewayError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(HashMap::new()) };
    let bad = |m: String| GatewayError::new(ErrorKind::Misconfigured, m);
    let map: HashMap<String, String> = serde_json::from_str(raw).map_err(|e| {
        bad(format!("COMPAT_ALIASES must be a JSON object of alias to \"provider/model\", e.g. {{\"fast\":\"groq/llama-3.1-8b-instant\"}}: {e}"))
    })?;
    for (alias, target) in &map {
        let slug = target.split_once('/').map(|(p, _)| p).unwrap_or_default();
        if target_of(slug).is_none() {
            return Err(bad(format!(
                "COMPAT_ALIASES[{}] = {} must be \"{{provider}}/{{model}}\" with a provider the compat endpoint routes to: {}",
                super::json::quoted(alias),
                super::json::quoted(target),
                routable_ids().join(", ")
            )));
        }
    }
    Ok(map)
}

/// How a provider is reached from the compat endpoint: its format and its version segment (the
/// one before `chat/completions` / `embeddings` for OpenAI-compatible ones).
fn target_of(slug: &str) -> Option<(&'static Provider, Format, Option<&'static str>)> {
    let p = provider::find(slug)?;
    match p.format {
        // Workers AI's own OpenAI-compatible API lives at /ai/v1/...
        None if p.id == "workers-ai" => Some((p, Format::OPENAI, Some("v1"))),
        // A provider whose path needs parameters (Azure's resource and deployment) has no one URL.
        Some(format) if p.params.is_empty() => Some((p, format, p.unversioned_prefix)),
        _ => None,
    }
}

fn routable_ids() -> Vec<&'static str> {
    PROVIDERS.iter().map(|p| p.id).filter(|id| target_of(id).is_some()).collect()
}

/// Resolves `model` (an alias, or `"{provider}/{model}"`; the model part may hold `/`) to the
/// provider and the model name it knows.
///
/// Errors: 400 when `model` has no provider prefix or names a provider not routable here.
pub fn resolve_model<'a>(
    model: &'a str,
    aliases: &'a HashMap<String, String>,
) -> Result<(&'static Provider, &'a str), GatewayError> {
    let full = aliases.get(model).map_or(model, String::as_str);
    let Some((slug, name)) = full.split_once('/').filter(|(_, n)| !n.is_empty()) else {
        return Err(GatewayError::invalid(format!(
            "`model` must be \"{{provider}}/{{model}}\" (e.g. \"openai/gpt-4o-mini\") or a configured alias; got {}",
            super::json::quoted(model)
        )));
    };
    match target_of(slug) {
        Some((p, _, _)) => Ok((p, name)),
        None => Err(GatewayError::new(
            ErrorKind::UnknownProvider,
            format!(
                "`model` names provider \"{slug}\", which the compat endpoint cannot route to; valid providers: {}",
                routable_ids().join(", ")
            ),
        )),
    }
}

/// `GET compat/models`: the configured aliases, then one `"{provider}/*"` entry per routable
/// provider, in OpenAI's list shape.
pub fn list_models(aliases: &HashMap<String, String>) -> Vec<u8> {
    let mut names: Vec<(&String, &String)> = aliases.iter().collect();
    names.sort();
    let mut data: Vec<Value> = names
        .into_iter()
        .map(|(alias, target)| {
            let owner = target.split_once('/').map_or(target.as_str(), |(p, _)| p);
            json!({"id": alias, "object": "model", "created": 0, "owned_by": owner})
        })
        .collect();
    data.extend(
        routable_ids()
            .into_iter()
            .map(|id| json!({"id": format!("{id}/*"), "object": "model", "created": 0, "owned_by": id})),
    );
    json!({"object": "list", "data": data}).to_string().into_bytes()
}

/// How the upstream's answer becomes the client's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseConversion {
    /// Same format both ways: forward the answer as is.
    PassThrough(Format),
    /// A chat answer in `upstream`'s format, for a client speaking `client`'s.
    Chat { upstream: Format, client: Format },
    /// A Gemini `batchEmbedContents` answer, for an OpenAI client, its vectors encoded as the
    /// client asked.
    GeminiEmbeddings { encoding: embeddings::Encoding },
    /// An OpenAI-compatible embeddings answer for a client that asked for base64: forwarded, but
    /// with any vector the provider sent as an array encoded.
    Base64Embeddings,
    /// A Gemini `countTokens` answer, for an Anthropic `count_tokens` client.
    GeminiTokenCount,
    /// A token count the gateway estimated ([`count_tokens::estimate`]): nothing is sent
    /// upstream, the answer is [`CompatPlan::local_answer`].
    Estimated { input_tokens: u64 },
}

/// Everything the runtime needs to call the provider and answer the client.
#[derive(Debug, Clone)]
pub struct CompatPlan {
    pub endpoint: Endpoint,
    pub provider: &'static Provider,
    /// The model name the provider receives.
    pub model: String,
    /// The `model` as the client sent it (an alias, a route's name or `"{provider}/{model}"`):
    /// the name its answer carries.
    pub client_model: String,
    /// Upstream path relative to the provider's base URL, e.g. `v1/messages`.
    pub path: String,
    /// Upstream query without `?` (`alt=sse` for Gemini streams).
    pub query: Option<&'static str>,
    /// The body to send.
    pub body: Vec<u8>,
    /// The upstream header list before the key is chosen: the client's forwardable headers (its
    /// key headers included, for [`crate::keys::choose_key`]), `content-type` and, for
    /// Anthropic, `anthropic-version`.
    pub headers: Headers,
    /// Whether the answer is an SSE stream.
    pub stream: bool,
    pub conversion: ResponseConversion,
    pub stream_options: StreamOptions,
}

impl CompatPlan {
    /// The translator for a streamed 2xx answer (`None` when `stream` is false). For a
    /// pass-through it forwards bytes unchanged and still reads usage and the proper end.
    pub fn stream_translator(&self) -> Option<StreamTranslator> {
        if !self.stream {
            return None;
        }
        match self.conversion {
            ResponseConversion::PassThrough(f) => Some(StreamTranslator::new(f, f, self.stream_options)),
            ResponseConversion::Chat { upstream, client } => {
                Some(StreamTranslator::new(upstream, client, self.stream_options).naming(&self.client_model))
            }
            _ => None,
        }
    }

    /// The answer the gateway gives itself, without calling the provider: an estimated token
    /// count. `None` for every plan that goes upstream.
    pub fn local_answer(&self) -> Option<Vec<u8>> {
        match self.conversion {
            ResponseConversion::Estimated { input_tokens } => Some(count_tokens::answer(input_tokens)),
            _ => None,
        }
    }

    /// Converts a whole upstream answer (any status; also a streamed request's non-2xx answer,
    /// which is a JSON error, not a stream). Errors keep the provider's status, in the client's
    /// format; a 2xx answer names the client's model ([`CompatPlan::client_model`]).
    ///
    /// Errors: 502 (`upstream_invalid_response`) when a 2xx body cannot be read as the provider's
    /// format; render it with [`error_body`] and record it as the request's error.
    pub fn convert_response(&self, status: u16, body: &[u8]) -> Result<(u16, Vec<u8>), GatewayError> {
        self.convert_answer(status, body).map(|answer| (answer.status, answer.body))
    }

    /// [`CompatPlan::convert_response`], also telling the model the provider's answer named.
    ///
    /// Errors: as [`CompatPlan::convert_response`].
    pub fn convert_answer(&self, status: u16, body: &[u8]) -> Result<ConvertedAnswer, GatewayError> {
        let renamed = |body: Vec<u8>| match crate::answer_model::rename(&body, &self.client_model) {
            Some((body, upstream_model)) => ConvertedAnswer { status, body, upstream_model: Some(upstream_model) },
            None => ConvertedAnswer { status, body, upstream_model: None },
        };
        let plain = |(status, body): (u16, Vec<u8>)| ConvertedAnswer { status, body, upstream_model: None };
        match &self.conversion {
            ResponseConversion::PassThrough(_) | ResponseConversion::Base64Embeddings if status >= 400 => {
                Ok(plain((status, body.to_vec())))
            }
            ResponseConversion::PassThrough(_) => Ok(renamed(body.to_vec())),
            ResponseConversion::Chat { upstream, client } if status < 400 => {
                let mut response = super::parse_response(*upstream, body)
                    .map_err(|e| super::untranslatable(&format!("{} answer", upstream.name()), status, &e))?;
                let upstream_model = std::mem::replace(&mut response.model, self.client_model.clone());
                let out = client.response_from_ir(&response, self.stream_options).to_string().into_bytes();
                Ok(ConvertedAnswer { status, body: out, upstream_model: Some(upstream_model) })
            }
            ResponseConversion::Chat { upstream, client } => {
                super::convert_response_for(*upstream, *client, status, body, self.stream_options).map(plain)
            }
            ResponseConversion::Estimated { input_tokens } => Ok(plain((200, count_tokens::answer(*input_tokens)))),
            ResponseConversion::GeminiTokenCount => {
                if status >= 400 {
                    let e = super::parse_error(Format::GEMINI, status, body);
                    return Ok(plain((status, super::emit_error(Format::ANTHROPIC, &e))));
                }
                serde_json::from_slice::<Value>(body)
                    .map_err(|e| super::bad_upstream(format!("upstream sent invalid JSON: {e}")))
                    .and_then(|v| count_tokens::from_gemini(&v))
                    .map(|v| plain((status, v.to_string().into_bytes())))
                    .map_err(|e| super::untranslatable("Gemini countTokens answer", status, &e))
            }
            ResponseConversion::Base64Embeddings => Ok(renamed(embeddings::base64_vectors(body))),
            ResponseConversion::GeminiEmbeddings { encoding } => {
                if status >= 400 {
                    let e = super::parse_error(Format::GEMINI, status, body);
                    return Ok(plain((status, super::emit_error(Format::OPENAI, &e))));
                }
                // Gemini's answer names no model: the one it was asked of is the real one.
                let upstream_model = Some(self.model.clone());
                serde_json::from_slice::<Value>(body)
                    .map_err(|e| super::bad_upstream(format!("upstream sent invalid JSON: {e}")))
                    .and_then(|v| embeddings::openai_response(&v, &self.client_model, *encoding))
                    .map(|v| ConvertedAnswer { status, body: v.to_string().into_bytes(), upstream_model })
                    .map_err(|e| super::untranslatable("Gemini embeddings answer", status, &e))
            }
        }
    }

    /// The rewriter that gives a forwarded 2xx answer (the provider's own bytes) the client's
    /// model as it passes: `None` for a translated answer, which is written with it, and for one
    /// that is neither JSON nor an event stream.
    pub fn model_rewriter(&self, event_stream: bool, json: bool) -> Option<crate::answer_model::ModelRewriter> {
        use crate::answer_model::ModelRewriter;
        match self.conversion {
            ResponseConversion::PassThrough(_) if event_stream => Some(ModelRewriter::events(&self.client_model)),
            ResponseConversion::PassThrough(_) if json => Some(ModelRewriter::json(&self.client_model)),
            _ => None,
        }
    }
}

/// A whole answer converted for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertedAnswer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The model the provider's answer named, when the client's answer names the client's
    /// instead (the request log records this one).
    pub upstream_model: Option<String>,
}

/// Plans a compat request: resolves the model, picks path, body, headers and the response
/// conversion. `now_ms` (the runtime's clock) fills OpenAI's `created`.
///
/// Errors (render them with [`error_body`]): 400 for a body that is not JSON, a missing or
/// unroutable `model`, fields of the wrong shape, or embeddings asked of Anthropic; 404 for
/// [`Endpoint::Models`], which [`list_models`] answers.
pub fn plan(
    endpoint: Endpoint,
    body: &[u8],
    client: &Headers,
    aliases: &HashMap<String, String>,
    default_max_tokens: u64,
    now_ms: f64,
) -> Result<CompatPlan, GatewayError> {
    if endpoint == Endpoint::Models {
        return Err(GatewayError::not_found("compat/models is answered by list_models, not forwarded"));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| GatewayError::invalid(format!("request body is not valid JSON: {e}")))?;
    let requested = value.get("model").and_then(Value::as_str).ok_or_else(|| {
        GatewayError::invalid(
            "`model` is required: \"{provider}/{model}\", e.g. \"openai/gpt-4o-mini\", or a configured alias",
        )
    })?;
    let (provider, model) = resolve_model(requested, aliases)?;
    let (_, own_format, prefix) =
        target_of(provider.id).ok_or_else(|| GatewayError::internal("resolved provider is not routable"))?;
    let stream = value.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let client_format = endpoint.client_format();
    // Same dialect in and out means no translation: a provider serving the client's format too
    // gets the request in it.
    let upstream = if provider.speaks(client_format) { client_format } else { own_format };
    let stream_options = StreamOptions {
        include_usage: client_format == Format::OPENAI
            && value.pointer("/stream_options/include_usage").and_then(Value::as_bool).unwrap_or(false),
        created: (now_ms / 1000.0).max(0.0) as u64,
        encrypted_reasoning: client_format == Format::RESPONSES && super::responses::reasoning::wanted(&value),
    };
    let openai_path = |tail: &str| prefix.map_or_else(|| tail.to_string(), |p| format!("{p}/{tail}"));
    let pass_through = || rewrite_model(body, model).unwrap_or_else(|| reserialize_with_model(&value, model));

    let (path, query, out_body, conversion, stream) = match endpoint {
        Endpoint::Embeddings => {
            let encoding = embeddings::Encoding::of_request(&value);
            if upstream == Format::OPENAI {
                let conversion = match encoding {
                    embeddings::Encoding::Base64 => ResponseConversion::Base64Embeddings,
                    embeddings::Encoding::Float => ResponseConversion::PassThrough(Format::OPENAI),
                };
                (openai_path("embeddings"), None, pass_through(), conversion, false)
            } else if upstream == Format::GEMINI {
                (
                    embeddings::gemini_path(model),
                    None,
                    embeddings::gemini_request(&value, model)?.to_string().into_bytes(),
                    ResponseConversion::GeminiEmbeddings { encoding },
                    false,
                )
            } else {
                return Err(GatewayError::invalid(format!("provider {} has no embeddings API", provider.id)));
            }
        }
        Endpoint::CountTokens if upstream == Format::ANTHROPIC => (
            "v1/messages/count_tokens".to_string(),
            None,
            pass_through(),
            ResponseConversion::PassThrough(Format::ANTHROPIC),
            false,
        ),
        Endpoint::CountTokens if upstream == Format::GEMINI => {
            let request = super::parse_request(client_format, body, Some(model))?;
            let out = count_tokens::gemini_request(&request, model)?.to_string().into_bytes();
            (count_tokens::gemini_path(model), None, out, ResponseConversion::GeminiTokenCount, false)
        }
        Endpoint::CountTokens => {
            let input_tokens = count_tokens::estimate(&super::parse_request(client_format, body, Some(model))?);
            // Never sent: the pipeline answers with `local_answer`.
            (openai_path("chat/completions"), None, Vec::new(), ResponseConversion::Estimated { input_tokens }, false)
        }
        _ if upstream == client_format => {
            let (path, query) = upstream.upstream_path(prefix, model, stream);
            (path, query, pass_through(), ResponseConversion::PassThrough(upstream), stream)
        }
        _ => {
            let mut request = super::parse_request(client_format, body, Some(model))?;
            request.stream = stream;
            // Usage is wanted for logs and cost even when the client did not ask for it, from the
            // providers that take the option (the others report it unasked or refuse it).
            request.include_usage = stream && provider.accepts_include_usage;
            let out = super::emit_request(upstream, &request, EmitOptions { default_max_tokens })?;
            let (path, query) = upstream.upstream_path(prefix, model, stream);
            (path, query, out, ResponseConversion::Chat { upstream, client: client_format }, stream)
        }
    };

    // The client's credentials stay: the pipeline's key choice (`crate::keys`) moves the key
    // into the header this provider expects, or replaces it with a stored key.
    let mut headers = upstream_request_headers(client);
    headers.set("content-type", "application/json");
    if upstream == Format::ANTHROPIC {
        if headers.get("anthropic-version").is_none() {
            headers.set("anthropic-version", ANTHROPIC_VERSION);
        }
    } else {
        headers.remove("anthropic-version");
        headers.remove("anthropic-beta");
    }
    Ok(CompatPlan {
        endpoint,
        provider,
        model: model.to_string(),
        client_model: requested.to_string(),
        path,
        query,
        body: out_body,
        headers,
        stream,
        conversion,
        stream_options,
    })
}

/// Walks the top-level members of the JSON object `json` in order, calling `visit(key, value)`
/// (the key's raw bytes between its quotes, the value's span) for each until it returns `true`.
/// `None` when `json` is not an object or is malformed before the walk stopped, else whether
/// `visit` stopped it. Nothing is parsed but the structure: values are skipped, not read.
pub fn walk_members(json: &[u8], mut visit: impl FnMut(&[u8], (usize, usize)) -> bool) -> Option<bool> {
    let mut i = skip_ws(json, 0);
    if json.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_ws(json, i);
        match json.get(i)? {
            b'}' => return Some(false),
            b',' => {
                i += 1;
                continue;
            }
            b'"' => {}
            _ => return None,
        }
        let key_end = skip_string(json, i)?;
        let key = &json[i + 1..key_end - 1];
        i = skip_ws(json, key_end);
        if json.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(json, i + 1);
        let value_end = skip_value(json, i)?;
        if visit(key, (i, value_end)) {
            return Some(true);
        }
        i = value_end;
    }
}

/// The body with every top-level `"model"` string value replaced, all other bytes untouched;
/// `None` when the body is not a JSON object with a string `model`.
pub fn rewrite_model(body: &[u8], model: &str) -> Option<Vec<u8>> {
    let replacement = serde_json::to_string(model).ok()?;
    let mut spans = Vec::new();
    walk_members(body, |key, span| {
        if key == b"model" && body.get(span.0) == Some(&b'"') {
            spans.push(span);
        }
        false
    })?;
    if spans.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() + replacement.len());
    let mut last = 0;
    for (start, end) in spans {
        out.extend_from_slice(&body[last..start]);
        out.extend_from_slice(replacement.as_bytes());
        last = end;
    }
    out.extend_from_slice(&body[last..]);
    Some(out)
}

fn reserialize_with_model(value: &Value, model: &str) -> Vec<u8> {
    let mut v = value.clone();
    v["model"] = json!(model);
    v.to_string().into_bytes()
}

pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// The index after the string starting at `i` (a `"`).
pub(crate) fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        match b.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The index after the JSON value starting at `i`.
pub(crate) fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while b.get(j).is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace()) {
                j += 1;
            }
            Some(j)
        }
    }
}

#[cfg(test)]
#[path = "compat_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "compat_responses_tests.rs"]
mod responses_tests;

#[cfg(test)]
#[path = "compat_model_tests.rs"]
mod model_tests;
