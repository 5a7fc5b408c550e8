//! Unit tests of `route`.

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
    for path in
        ["/v1/a/g/openai/../x", "/v1/a/g/openai/%2e%2e/x", "/v1/a/g/openai/chat/.", "/v1/a/g/azure-openai/r/%2E%2e/x"]
    {
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

#[test]
fn gateway_urls_split_into_universal_compat_and_provider_routes() {
    assert_eq!(parse_gateway("/v1/acc/gw").unwrap(), GatewayRoute::Universal { account_id: "acc", gateway_id: "gw" });
    assert_eq!(parse_gateway("/v1/acc/gw/").unwrap(), GatewayRoute::Universal { account_id: "acc", gateway_id: "gw" });
    assert_eq!(
        parse_gateway("/v1/acc/gw/compat/chat/completions").unwrap(),
        GatewayRoute::Compat { account_id: "acc", gateway_id: "gw", endpoint: "chat/completions" }
    );
    let GatewayRoute::Provider(route) = parse_gateway("/v1/acc/gw/groq/chat/completions").unwrap() else {
        panic!("expected a provider route")
    };
    assert_eq!((route.provider.id, route.rest), ("groq", "chat/completions"));
    assert_eq!(parse_gateway("/v1/a%2F/gw").unwrap_err().status(), 404);
    assert_eq!(parse_gateway("/v1/acc/gw/nope/x").unwrap_err().status(), 400);
    assert!(crate::provider::find(COMPAT_SLUG).is_none(), "no provider may shadow the compat endpoint");
}
