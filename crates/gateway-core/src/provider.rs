//! The provider table: where each Cloudflare AI Gateway provider slug forwards to.
//!
//! A provider is data, not code: its upstream base URL, the header that carries its key, the API
//! format it speaks, and the rules that turn the rest of the gateway path into the upstream path.
//! An OpenAI-compatible provider is one row of [`PROVIDERS`]. The mapping follows Cloudflare's
//! provider docs (`developers.cloudflare.com/ai-gateway/usage/providers/`).

/// The wire format a provider speaks, which later lets the gateway translate between formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiFormat {
    /// OpenAI's Chat Completions / Embeddings shapes.
    OpenAi,
    /// Anthropic's Messages API.
    Anthropic,
    /// Google's Gemini `generateContent` API.
    Gemini,
    /// Anything else: forwarded untouched, never translated.
    Native,
}

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

/// Where a leading path parameter is substituted into the base URL, which decides what it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A DNS label inside the host (`[a-z0-9-]`): anything wider could redirect the request.
    HostLabel,
    /// One path segment (`[A-Za-z0-9._~-]`, not `.` or `..`).
    PathSegment,
}

/// A leading segment of the gateway path that fills a `{name}` placeholder of the base URL
/// (Azure's resource and deployment) instead of being appended to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathParam {
    pub name: &'static str,
    pub kind: ParamKind,
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
    pub format: ApiFormat,
    /// Leading path segments consumed into the base URL, in order.
    pub params: &'static [PathParam],
    /// Segment inserted before the rest when the rest does not start with a version segment
    /// (`v1`, `v1beta`, ...). Cloudflare's docs show both `/grok/chat/completions` and
    /// `/grok/v1/chat/completions`; with `Some("v1")` both reach `https://api.x.ai/v1/...`.
    pub unversioned_prefix: Option<&'static str>,
}

impl Provider {
    /// Whether the client's key for this provider is in these (lower-case) headers.
    pub fn auth_header<'h>(&self, headers: &'h crate::Headers) -> Option<&'h str> {
        headers.get(self.auth.header)
    }
}

const fn openai_compatible(
    id: &'static str,
    base_url: &'static str,
    unversioned_prefix: Option<&'static str>,
) -> Provider {
    Provider { id, base_url, auth: Auth::BEARER, format: ApiFormat::OpenAi, params: &[], unversioned_prefix }
}

const fn native(id: &'static str, base_url: &'static str, auth: Auth, prefix: Option<&'static str>) -> Provider {
    Provider { id, base_url, auth, format: ApiFormat::Native, params: &[], unversioned_prefix: prefix }
}

/// Every provider the gateway knows, by slug. Adding an OpenAI-compatible provider is one line.
pub const PROVIDERS: &[Provider] = &[
    openai_compatible("openai", "https://api.openai.com", Some("v1")),
    Provider {
        id: "anthropic",
        base_url: "https://api.anthropic.com",
        auth: Auth::header("x-api-key"),
        format: ApiFormat::Anthropic,
        params: &[],
        unversioned_prefix: Some("v1"),
    },
    openai_compatible("groq", "https://api.groq.com/openai", Some("v1")),
    openai_compatible("mistral", "https://api.mistral.ai", Some("v1")),
    Provider {
        id: "google-ai-studio",
        base_url: "https://generativelanguage.googleapis.com",
        auth: Auth::header("x-goog-api-key"),
        format: ApiFormat::Gemini,
        params: &[],
        unversioned_prefix: Some("v1beta"),
    },
    openai_compatible("deepseek", "https://api.deepseek.com", None),
    openai_compatible("grok", "https://api.x.ai", Some("v1")),
    openai_compatible("openrouter", "https://openrouter.ai/api", Some("v1")),
    openai_compatible("cerebras", "https://api.cerebras.ai", Some("v1")),
    openai_compatible("perplexity-ai", "https://api.perplexity.ai", None),
    native("cohere", "https://api.cohere.ai", Auth::BEARER, Some("v1")),
    native("huggingface", "https://api-inference.huggingface.co/models", Auth::BEARER, None),
    Provider {
        id: "azure-openai",
        base_url: "https://{resource_name}.openai.azure.com/openai/deployments/{deployment_name}",
        auth: Auth::header("api-key"),
        format: ApiFormat::OpenAi,
        params: &[
            PathParam { name: "resource_name", kind: ParamKind::HostLabel },
            PathParam { name: "deployment_name", kind: ParamKind::PathSegment },
        ],
        unversioned_prefix: None,
    },
    // `/workers-ai/@cf/meta/llama...` runs a model (`/ai/run/@cf/...`); `/workers-ai/v1/...` is
    // Workers AI's own OpenAI-compatible API (`/ai/v1/...`).
    native("workers-ai", "https://api.cloudflare.com/client/v4/accounts/{account_id}/ai", Auth::BEARER, Some("run")),
    native("replicate", "https://api.replicate.com", Auth::BEARER, Some("v1")),
    native("elevenlabs", "https://api.elevenlabs.io", Auth::header("xi-api-key"), Some("v1")),
    native("cartesia", "https://api.cartesia.ai", Auth::header("x-api-key"), None),
    native("ideogram", "https://api.ideogram.ai", Auth::header("api-key"), None),
    native("deepgram", "https://api.deepgram.com", Auth { header: "authorization", scheme: "Token " }, Some("v1")),
];

/// Looks a provider up by its slug; `None` for a slug not in [`PROVIDERS`].
pub fn find(id: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.id == id)
}

/// The slugs of every provider, comma-separated, for error messages.
pub fn ids() -> String {
    PROVIDERS.iter().map(|p| p.id).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_lowercase() {
        for (i, p) in PROVIDERS.iter().enumerate() {
            assert_eq!(p.id, p.id.to_ascii_lowercase());
            assert!(PROVIDERS[i + 1..].iter().all(|q| q.id != p.id), "duplicate slug {}", p.id);
        }
    }

    #[test]
    fn every_placeholder_in_a_base_url_has_a_source() {
        for p in PROVIDERS {
            let mut rest = p.base_url;
            while let Some(start) = rest.find('{') {
                let end = rest[start..].find('}').map(|e| start + e).unwrap();
                let name = &rest[start + 1..end];
                assert!(
                    name == "account_id" || p.params.iter().any(|param| param.name == name),
                    "{}: placeholder {{{name}}} has no source",
                    p.id
                );
                rest = &rest[end + 1..];
            }
            assert!(p.base_url.starts_with("https://"), "{} is not https", p.id);
            assert!(!p.base_url.ends_with('/'), "{} base ends with /", p.id);
        }
    }

    #[test]
    fn the_issue_s_providers_are_all_present() {
        for id in [
            "openai",
            "anthropic",
            "groq",
            "mistral",
            "google-ai-studio",
            "deepseek",
            "grok",
            "openrouter",
            "cerebras",
            "perplexity-ai",
            "cohere",
            "huggingface",
            "azure-openai",
            "workers-ai",
            "replicate",
        ] {
            assert!(find(id).is_some(), "{id} missing");
        }
        assert!(find("nope").is_none());
        assert!(ids().contains("openai, anthropic"));
    }
}
