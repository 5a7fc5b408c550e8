//! The provider table: where each Cloudflare AI Gateway provider slug forwards to.
//!
//! A provider is data, not code: its upstream base URL, the header that carries its key, the API
//! format it speaks, the rules that turn the rest of the gateway path into the upstream path, and
//! the request headers that change its answers (which the cache key covers). An
//! OpenAI-compatible provider is one row of [`PROVIDERS`]. The mapping follows Cloudflare's
//! provider docs (`developers.cloudflare.com/ai-gateway/usage/providers/`).

use crate::translate::Format;

/// The request header that carries the client's provider key, and the scheme before the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Auth {
    /// Lower-case header name, e.g. `authorization` or `x-api-key`.
    pub header: &'static str,
    /// Text before the key in the header value, e.g. `Bearer `; empty when the value is the key.
    pub scheme: &'static str,
}

impl Auth {
    const BEARER: Auth = Auth { header: "authorization", scheme: "Bearer " };
    const fn header(header: &'static str) -> Auth {
        Auth { header, scheme: "" }
    }
}

/// What a path parameter may hold, which depends on where it is substituted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A DNS label inside the host (`[a-z0-9-]`): anything wider could redirect the request.
    HostLabel,
    /// One path segment (`[A-Za-z0-9._~-]`, not `.` or `..`).
    PathSegment,
    /// Exactly one of these values (e.g. the AWS services a host may name).
    OneOf(&'static [&'static str]),
}

/// Where in the gateway path a parameter is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamSource {
    /// The next leading segment, consumed: it does not reach the upstream path (Azure's
    /// `/{resource_name}/{deployment_name}/...`).
    Leading,
    /// The segment at this index of the path left after the leading ones, kept in the upstream
    /// path too (Vertex's `v1/projects/{p}/locations/{region}/...`).
    Peek(usize),
}

/// A segment of the gateway path that fills a `{name}` placeholder of the base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathParam {
    pub name: &'static str,
    pub kind: ParamKind,
    pub source: ParamSource,
}

const fn leading(name: &'static str, kind: ParamKind) -> PathParam {
    PathParam { name, kind, source: ParamSource::Leading }
}

/// One row of the provider table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider {
    /// The slug in the gateway URL: `/v1/{account}/{gateway}/{id}/...`.
    pub id: &'static str,
    /// The upstream base that the rest of the path is appended to. May hold `{account_id}` (the
    /// account segment of the gateway URL) and one `{name}` per entry of `params`.
    pub base_url: &'static str,
    pub auth: Auth,
    /// The wire format the provider speaks, which the gateway translates to and from; `None`
    /// for a provider forwarded untouched, never translated.
    pub format: Option<Format>,
    /// Further formats the provider serves besides `format`, at their own paths under the same
    /// base URL and version segment (OpenAI's Responses API). The compat endpoint sends a client
    /// speaking one of them there untranslated ([`Provider::speaks`]).
    pub also_speaks: &'static [Format],
    /// Path segments that fill the base URL's placeholders; leading ones in order.
    pub params: &'static [PathParam],
    /// The path shape the parameters expect, for error messages (empty without parameters).
    pub path_shape: &'static str,
    /// Segment inserted before the rest when the rest does not start with a version segment
    /// (`v1`, `v1beta`, ...). Cloudflare's docs show both `/grok/chat/completions` and
    /// `/grok/v1/chat/completions`; with `Some("v1")` both reach `https://api.x.ai/v1/...`.
    pub unversioned_prefix: Option<&'static str>,
    /// Request headers, lower-case, that change the provider's answer to the same body: API
    /// versions, beta features, the account or project a request is billed to and served from,
    /// response modes. The default cache key covers them ([`crate::cache::key`]), so two
    /// requests that differ there never share an entry. Credentials are not listed here: the
    /// key covers every provider's key header anyway. Forgetting a header here makes requests
    /// that differ only in it share cached answers.
    pub answer_headers: &'static [&'static str],
    /// Whether its Chat Completions take `stream_options.include_usage`, so that the gateway may
    /// ask a stream's usage for a client that did not ([`crate::stream_usage`]). Set where the
    /// provider documents the option (OpenAI, Groq, DeepSeek, xAI); not for Mistral, which
    /// refuses unknown fields and reports usage in its last chunk anyway, nor for providers that
    /// report it unasked (Perplexity on every chunk, OpenRouter in its last) or do not document
    /// the option (Cerebras, Workers AI, Azure, whose older API versions refuse it).
    pub accepts_include_usage: bool,
}

impl Provider {
    /// Whether the provider serves `format`: its own, or one it also speaks.
    pub fn speaks(&self, format: Format) -> bool {
        self.format == Some(format) || self.also_speaks.contains(&format)
    }

    /// Whether the client's key for this provider is in these (lower-case) headers.
    pub fn auth_header<'h>(&self, headers: &'h crate::Headers) -> Option<&'h str> {
        headers.get(self.auth.header)
    }

    /// The Worker secret that holds the gateway's own key for this provider, by convention: the
    /// id in upper case with `-` as `_`, then `_API_KEY` (`OPENAI_API_KEY`,
    /// `GOOGLE_AI_STUDIO_API_KEY`). Spent for authenticated callers without a key of their own
    /// when set (see [`crate::keys::choose_key`]).
    pub fn stored_key_name(&self) -> String {
        let mut name: String =
            self.id.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
        name.push_str("_API_KEY");
        name
    }
}

/// What OpenAI's SDKs send that changes an answer: beta features, and the organization and
/// project the request is served from (their fine-tuned models, their policies). Sent to every
/// provider speaking OpenAI's API, which ignore what they do not know.
const OPENAI_ANSWER_HEADERS: &[&str] = &["openai-beta", "openai-organization", "openai-project"];

const fn openai_compatible(
    id: &'static str,
    base_url: &'static str,
    unversioned_prefix: Option<&'static str>,
) -> Provider {
    Provider {
        id,
        base_url,
        auth: Auth::BEARER,
        format: Some(Format::OPENAI),
        also_speaks: &[],
        params: &[],
        path_shape: "",
        unversioned_prefix,
        answer_headers: OPENAI_ANSWER_HEADERS,
        accepts_include_usage: false,
    }
}

const fn native(id: &'static str, base_url: &'static str, auth: Auth, prefix: Option<&'static str>) -> Provider {
    Provider {
        id,
        base_url,
        auth,
        format: None,
        also_speaks: &[],
        params: &[],
        path_shape: "",
        unversioned_prefix: prefix,
        answer_headers: &[],
        accepts_include_usage: false,
    }
}

impl Provider {
    /// The same provider, also serving these formats ([`Provider::also_speaks`]).
    const fn also_speaking(self, also_speaks: &'static [Format]) -> Provider {
        Provider { also_speaks, ..self }
    }

    /// The same provider, whose answers also depend on these request headers.
    const fn answering_by(self, answer_headers: &'static [&'static str]) -> Provider {
        Provider { answer_headers, ..self }
    }

    /// The same provider, taking `stream_options.include_usage` (see `accepts_include_usage`).
    const fn with_include_usage(self) -> Provider {
        Provider { accepts_include_usage: true, ..self }
    }
}

/// Every provider the gateway knows, by slug. Adding an OpenAI-compatible provider is one line.
pub const PROVIDERS: &[Provider] = &[
    openai_compatible("openai", "https://api.openai.com", Some("v1"))
        .with_include_usage()
        .also_speaking(&[Format::RESPONSES]),
    Provider {
        id: "anthropic",
        base_url: "https://api.anthropic.com",
        auth: Auth::header("x-api-key"),
        format: Some(Format::ANTHROPIC),
        also_speaks: &[],
        params: &[],
        path_shape: "",
        unversioned_prefix: Some("v1"),
        answer_headers: &["anthropic-version", "anthropic-beta"],
        accepts_include_usage: false,
    },
    openai_compatible("groq", "https://api.groq.com/openai", Some("v1")).with_include_usage(),
    openai_compatible("mistral", "https://api.mistral.ai", Some("v1")),
    Provider {
        id: "google-ai-studio",
        base_url: "https://generativelanguage.googleapis.com",
        auth: Auth::header("x-goog-api-key"),
        format: Some(Format::GEMINI),
        also_speaks: &[],
        params: &[],
        path_shape: "",
        unversioned_prefix: Some("v1beta"),
        answer_headers: &[],
        accepts_include_usage: false,
    },
    openai_compatible("deepseek", "https://api.deepseek.com", None).with_include_usage(),
    openai_compatible("grok", "https://api.x.ai", Some("v1")).with_include_usage(),
    openai_compatible("openrouter", "https://openrouter.ai/api", Some("v1")),
    openai_compatible("cerebras", "https://api.cerebras.ai", Some("v1")),
    openai_compatible("perplexity-ai", "https://api.perplexity.ai", None),
    native("cohere", "https://api.cohere.ai", Auth::BEARER, Some("v1")),
    // `x-use-cache: false` asks for a fresh generation; `x-wait-for-model` waits instead of a 503.
    native("huggingface", "https://api-inference.huggingface.co/models", Auth::BEARER, None)
        .answering_by(&["x-use-cache", "x-wait-for-model"]),
    Provider {
        id: "azure-openai",
        base_url: "https://{resource_name}.openai.azure.com/openai/deployments/{deployment_name}",
        auth: Auth::header("api-key"),
        format: Some(Format::OPENAI),
        also_speaks: &[],
        params: &[leading("resource_name", ParamKind::HostLabel), leading("deployment_name", ParamKind::PathSegment)],
        path_shape: "/azure-openai/{resource_name}/{deployment_name}/...",
        unversioned_prefix: None,
        answer_headers: OPENAI_ANSWER_HEADERS,
        accepts_include_usage: false,
    },
    // `/workers-ai/@cf/meta/llama...` runs a model (`/ai/run/@cf/...`); `/workers-ai/v1/...` is
    // Workers AI's own OpenAI-compatible API (`/ai/v1/...`).
    native("workers-ai", "https://api.cloudflare.com/client/v4/accounts/{account_id}/ai", Auth::BEARER, Some("run")),
    Provider {
        id: "google-vertex-ai",
        base_url: "https://{region}-aiplatform.googleapis.com",
        auth: Auth::BEARER,
        format: None,
        also_speaks: &[],
        params: &[PathParam { name: "region", kind: ParamKind::HostLabel, source: ParamSource::Peek(4) }],
        path_shape: "/google-vertex-ai/v1/projects/{project}/locations/{region}/...",
        unversioned_prefix: None,
        answer_headers: &[],
        accepts_include_usage: false,
    },
    // The client signs with SigV4 for the AWS host; the request reaches that same host, so the
    // signature holds.
    Provider {
        id: "aws-bedrock",
        base_url: "https://{service}.{region}.amazonaws.com",
        auth: Auth::header("authorization"),
        format: None,
        also_speaks: &[],
        params: &[
            leading("service", ParamKind::OneOf(&["bedrock-runtime", "bedrock-agent-runtime"])),
            leading("region", ParamKind::HostLabel),
        ],
        path_shape: "/aws-bedrock/{bedrock-runtime|bedrock-agent-runtime}/{region}/...",
        unversioned_prefix: None,
        // InvokeModel's response type, trace, guardrail and latency settings travel as headers.
        answer_headers: &[
            "accept",
            "x-amzn-bedrock-accept",
            "x-amzn-bedrock-trace",
            "x-amzn-bedrock-guardrailidentifier",
            "x-amzn-bedrock-guardrailversion",
            "x-amzn-bedrock-performanceconfig-latency",
        ],
        accepts_include_usage: false,
    },
    // `Prefer: wait` answers with the finished prediction instead of a pending one.
    native("replicate", "https://api.replicate.com", Auth::BEARER, Some("v1")).answering_by(&["prefer"]),
    native("elevenlabs", "https://api.elevenlabs.io", Auth::header("xi-api-key"), Some("v1")),
    native("cartesia", "https://api.cartesia.ai", Auth::header("x-api-key"), None).answering_by(&["cartesia-version"]),
    native("ideogram", "https://api.ideogram.ai", Auth::header("api-key"), None),
    native("deepgram", "https://api.deepgram.com", Auth { header: "authorization", scheme: "Token " }, Some("v1")),
];

/// Looks a provider up by its slug; `None` for a slug not in [`PROVIDERS`].
pub fn find(id: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.id == id)
}

/// Every provider's [`Provider::answer_headers`], sorted, each once: what the cache key covers
/// for the compat and universal endpoints, whose requests may reach any provider.
pub fn all_answer_headers() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = PROVIDERS.iter().flat_map(|p| p.answer_headers.iter().copied()).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The slugs of every provider, comma-separated, for error messages.
pub fn ids() -> String {
    PROVIDERS.iter().map(|p| p.id).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
#[path = "provider_tests.rs"]
mod tests;
