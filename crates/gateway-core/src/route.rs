//! Gateway URL parsing and upstream URL construction.
//!
//! `/v1/{account_id}/{gateway_id}/{provider}/{rest...}` forwards to the provider's base URL
//! followed by `rest` and the original query string. The upstream host comes only from the
//! provider table or the operator's configuration, never from the request: a path parameter that
//! lands in a host (Azure's resource name) must be a plain DNS label, and `rest` may not contain
//! dot segments that would climb out of the base path.

use crate::config::GatewayConfig;
use crate::error::{ErrorKind, GatewayError};
use crate::provider::{self, ParamKind, ParamSource, Provider};

/// A parsed provider route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRoute<'a> {
    pub account_id: &'a str,
    pub gateway_id: &'a str,
    pub provider: &'static Provider,
    /// Path after the provider slug, without its leading `/`, still percent-encoded.
    pub rest: &'a str,
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Parses a request path into a provider route.
///
/// Errors: 404 when the path is not `/v1/{account}/{gateway}/{provider}/...` or an id holds
/// characters outside `[A-Za-z0-9_-]`; 400 listing the valid slugs when the provider is unknown.
pub fn parse(path: &str) -> Result<ProviderRoute<'_>, GatewayError> {
    let not_found = || {
        GatewayError::not_found(format!(
            "no route for {path}: expected /v1/{{account_id}}/{{gateway_id}}/{{provider}}/{{provider path}}"
        ))
    };
    let tail = path.strip_prefix("/v1/").ok_or_else(not_found)?;
    let mut parts = tail.splitn(4, '/');
    let account_id = parts.next().unwrap_or_default();
    let gateway_id = parts.next().unwrap_or_default();
    let slug = parts.next().unwrap_or_default();
    let rest = parts.next().unwrap_or_default();
    if !is_id(account_id) || !is_id(gateway_id) || slug.is_empty() {
        return Err(not_found());
    }
    let provider = provider::find(slug).ok_or_else(|| {
        GatewayError::new(
            ErrorKind::UnknownProvider,
            format!("unknown provider \"{slug}\"; valid providers: {}", provider::ids()),
        )
    })?;
    Ok(ProviderRoute { account_id, gateway_id, provider, rest })
}

/// Path and query (without `?`) of an absolute URL as the runtime serializes it
/// (`https://host/path?query`), without building a JS `URL` object.
pub fn split_url(url: &str) -> (&str, Option<&str>) {
    let after_scheme = url.find("://").map_or(url, |i| &url[i + 3..]);
    let path_and_query = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    let without_fragment = path_and_query.split('#').next().unwrap_or(path_and_query);
    match without_fragment.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (without_fragment, None),
    }
}

fn is_dot_segment(segment: &str) -> bool {
    let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
    decoded == "." || decoded == ".."
}

fn valid_param(value: &str, kind: ParamKind) -> bool {
    match kind {
        ParamKind::HostLabel => {
            !value.is_empty()
                && value.len() <= 63
                && !value.starts_with('-')
                && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        }
        ParamKind::OneOf(allowed) => allowed.contains(&value),
        ParamKind::PathSegment => {
            !value.is_empty()
                && !is_dot_segment(value)
                && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"._~-".contains(&b))
        }
    }
}

fn is_version_segment(segment: &str) -> bool {
    let mut bytes = segment.bytes();
    bytes.next() == Some(b'v')
        && bytes.next().is_some_and(|b| b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_alphanumeric())
}

impl ProviderRoute<'_> {
    /// The full upstream URL: configured base (an override, or the table's) with placeholders
    /// filled, the rest of the path, and `query` (without its `?`) when non-empty.
    ///
    /// Errors: 400 when a path parameter is missing or malformed, or the rest holds a dot segment.
    pub fn upstream_url(&self, config: &GatewayConfig, query: Option<&str>) -> Result<String, GatewayError> {
        let provider = self.provider;
        let mut base = config.base_url(provider).to_string();
        let mut rest = self.rest;
        for param in provider.params {
            let value = match param.source {
                ParamSource::Leading => {
                    let (value, tail) = rest.split_once('/').unwrap_or((rest, ""));
                    rest = tail;
                    value
                }
                ParamSource::Peek(index) => rest.split('/').nth(index).unwrap_or_default(),
            };
            if !valid_param(value, param.kind) {
                return Err(GatewayError::invalid(format!(
                    "{} expects {} in the path; got {:?} for {{{}}}",
                    provider.id, provider.path_shape, value, param.name
                )));
            }
            base = base.replace(&format!("{{{}}}", param.name), value);
        }
        if base.contains("{account_id}") {
            base = base.replace("{account_id}", self.account_id);
        }
        if rest.split('/').any(is_dot_segment) {
            return Err(GatewayError::invalid("the provider path may not contain '.' or '..' segments"));
        }
        let mut url = base;
        if let Some(prefix) = provider.unversioned_prefix {
            if !is_version_segment(rest.split('/').next().unwrap_or_default()) {
                url.push('/');
                url.push_str(prefix);
            }
        }
        if !rest.is_empty() {
            url.push('/');
            url.push_str(rest);
        }
        if let Some(q) = query.filter(|q| !q.is_empty()) {
            url.push('?');
            url.push_str(q);
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(path: &str, query: Option<&str>) -> Result<String, GatewayError> {
        parse(path)?.upstream_url(&GatewayConfig::default(), query)
    }

    #[test]
    fn maps_each_documented_example_path() {
        let cases = [
            ("/v1/acc/gw/openai/chat/completions", "https://api.openai.com/v1/chat/completions"),
            ("/v1/acc/gw/openai/v1/responses", "https://api.openai.com/v1/responses"),
            ("/v1/acc/gw/anthropic/v1/messages", "https://api.anthropic.com/v1/messages"),
            ("/v1/acc/gw/groq/chat/completions", "https://api.groq.com/openai/v1/chat/completions"),
            ("/v1/acc/gw/mistral/v1/chat/completions", "https://api.mistral.ai/v1/chat/completions"),
            (
                "/v1/acc/gw/google-ai-studio/v1/models/gemini-2.5-flash:generateContent",
                "https://generativelanguage.googleapis.com/v1/models/gemini-2.5-flash:generateContent",
            ),
            ("/v1/acc/gw/deepseek/chat/completions", "https://api.deepseek.com/chat/completions"),
            ("/v1/acc/gw/grok/v1/chat/completions", "https://api.x.ai/v1/chat/completions"),
            ("/v1/acc/gw/grok/chat/completions", "https://api.x.ai/v1/chat/completions"),
            ("/v1/acc/gw/openrouter/v1/chat/completions", "https://openrouter.ai/api/v1/chat/completions"),
            ("/v1/acc/gw/cerebras/chat/completions", "https://api.cerebras.ai/v1/chat/completions"),
            ("/v1/acc/gw/perplexity-ai/chat/completions", "https://api.perplexity.ai/chat/completions"),
            ("/v1/acc/gw/cohere/v1/chat", "https://api.cohere.ai/v1/chat"),
            ("/v1/acc/gw/cohere/v2/chat", "https://api.cohere.ai/v2/chat"),
            (
                "/v1/acc/gw/huggingface/bigcode/starcoder",
                "https://api-inference.huggingface.co/models/bigcode/starcoder",
            ),
            (
                "/v1/acc/gw/azure-openai/my-res/gpt4o/chat/completions",
                "https://my-res.openai.azure.com/openai/deployments/gpt4o/chat/completions",
            ),
            (
                "/v1/acc123/gw/workers-ai/@cf/meta/llama-3.1-8b-instruct",
                "https://api.cloudflare.com/client/v4/accounts/acc123/ai/run/@cf/meta/llama-3.1-8b-instruct",
            ),
            (
                "/v1/acc123/gw/workers-ai/v1/chat/completions",
                "https://api.cloudflare.com/client/v4/accounts/acc123/ai/v1/chat/completions",
            ),
            ("/v1/acc/gw/replicate/predictions", "https://api.replicate.com/v1/predictions"),
            (
                "/v1/acc/gw/google-vertex-ai/v1/projects/proj-1/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent",
                "https://us-central1-aiplatform.googleapis.com/v1/projects/proj-1/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent",
            ),
            (
                "/v1/acc/gw/aws-bedrock/bedrock-runtime/us-east-1/model/us.anthropic.claude-haiku-4-5-20251001-v1:0/invoke",
                "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-haiku-4-5-20251001-v1:0/invoke",
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(url(path, None).unwrap(), expected, "{path}");
        }
    }

    #[test]
    fn absolute_urls_split_into_path_and_query() {
        assert_eq!(split_url("https://gw.example/v1/a/g/openai/x?y=1&z"), ("/v1/a/g/openai/x", Some("y=1&z")));
        assert_eq!(split_url("http://127.0.0.1:8787/v1/a"), ("/v1/a", None));
        assert_eq!(split_url("http://127.0.0.1:8787"), ("/", None));
        assert_eq!(split_url("http://h/p?#frag"), ("/p", Some("")));
        assert_eq!(split_url("http://h/p#frag?not-a-query"), ("/p", None));
    }

    #[test]
    fn query_string_is_kept() {
        assert_eq!(
            url("/v1/a/g/azure-openai/res/dep/chat/completions", Some("api-version=2024-10-21")).unwrap(),
            "https://res.openai.azure.com/openai/deployments/dep/chat/completions?api-version=2024-10-21"
        );
        assert_eq!(url("/v1/a/g/openai/models", Some("")).unwrap(), "https://api.openai.com/v1/models");
    }

    #[test]
    fn unknown_provider_is_400_listing_valid_ids() {
        let err = parse("/v1/a/g/not-a-provider/chat").unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains("not-a-provider"));
        assert!(err.message().contains("openai"), "{}", err.message());
        assert!(err.message().contains("workers-ai"));
    }

    #[test]
    fn malformed_paths_are_404() {
        for path in [
            "/",
            "/v1",
            "/v1/",
            "/v1/acc",
            "/v1/acc/gw",
            "/v1/acc/gw/",
            "/v2/a/g/openai/x",
            "/v1/a b/g/openai/x",
            "/v1//g/openai/x",
        ] {
            let err = parse(path).unwrap_err();
            assert_eq!(err.status(), 404, "{path}");
        }
    }

    #[test]
    fn host_parameters_cannot_redirect_the_request() {
        for bad in ["evil.com", "evil.com%2f", "EVIL", "-x", ""] {
            let path = format!("/v1/a/g/azure-openai/{bad}/dep/chat/completions");
            let err = url(&path, None).unwrap_err();
            assert_eq!(err.status(), 400, "{bad}");
        }
        assert_eq!(url("/v1/a/g/azure-openai/res", None).unwrap_err().status(), 400);
        for bad in ["evil.com", "EU-WEST1", ""] {
            let path = format!("/v1/a/g/google-vertex-ai/v1/projects/p/locations/{bad}/publishers/google/models/m");
            assert_eq!(url(&path, None).unwrap_err().status(), 400, "{bad}");
        }
        assert_eq!(url("/v1/a/g/google-vertex-ai/v1/projects/p", None).unwrap_err().status(), 400);
        for bad in ["s3", "bedrock-runtime.evil.com", "iam"] {
            let err = url(&format!("/v1/a/g/aws-bedrock/{bad}/us-east-1/model/m/invoke"), None).unwrap_err();
            assert_eq!(err.status(), 400, "{bad}");
            assert!(err.message().contains("/aws-bedrock/{bedrock-runtime|bedrock-agent-runtime}/{region}/..."));
        }
    }

    #[test]
    fn dot_segments_are_rejected() {
        for path in [
            "/v1/a/g/openai/../x",
            "/v1/a/g/openai/%2e%2e/x",
            "/v1/a/g/openai/chat/.",
            "/v1/a/g/azure-openai/r/%2E%2e/x",
        ] {
            assert_eq!(url(path, None).unwrap_err().status(), 400, "{path}");
        }
        // Dots inside names are fine.
        assert!(url("/v1/a/g/huggingface/org/model.v2", None).is_ok());
    }

    #[test]
    fn overrides_replace_the_base_and_keep_placeholders() {
        let config = GatewayConfig::from_vars(
            Some(r#"{"openai":"http://127.0.0.1:9000/openai/","azure-openai":"http://127.0.0.1:9000/azure/{resource_name}/{deployment_name}"}"#),
            None,
        )
        .unwrap();
        let route = parse("/v1/a/g/openai/chat/completions").unwrap();
        assert_eq!(route.upstream_url(&config, None).unwrap(), "http://127.0.0.1:9000/openai/v1/chat/completions");
        let route = parse("/v1/a/g/azure-openai/r1/d1/chat/completions").unwrap();
        assert_eq!(
            route.upstream_url(&config, Some("api-version=1")).unwrap(),
            "http://127.0.0.1:9000/azure/r1/d1/chat/completions?api-version=1"
        );
    }
}
