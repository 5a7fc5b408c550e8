use pollster::block_on;
use serde_json::json;

use super::*;
use crate::headers::Headers;

fn run(
    config: Value,
    path: &str,
    body: Value,
) -> (Result<Option<Reply>, GatewayError>, Option<Value>, Vec<GuardrailEvent>) {
    let plugin = build(&config).unwrap();
    let headers = Headers::new();
    let bytes = body.to_string();
    let mut request = PromptRequest::new("POST", path, &headers, Some(bytes.as_bytes()));
    let mut ctx = RequestContext::default();
    let result = block_on(plugin.on_request(&mut ctx, &mut request));
    let changed = request.into_changed_body().map(|b| serde_json::from_slice(&b).unwrap());
    (result, changed, ctx.guardrails)
}

#[test]
fn denied_and_unlisted_models_are_refused_naming_the_rule() {
    let config = json!({"allow": ["gpt-4o*", "openai/*"], "deny": ["*-preview"]});
    let (result, _, _) = run(config.clone(), "/", json!({"model": "gpt-4o-mini"}));
    assert!(result.unwrap().is_none());
    let err = run(config.clone(), "/", json!({"model": "gpt-4o-preview"})).0.unwrap_err();
    assert_eq!(err.status(), 403);
    assert!(err.message().contains("deny[0]"), "{}", err.message());
    let err = run(config.clone(), "/", json!({"model": "o3"})).0.unwrap_err();
    assert!(err.message().contains("`allow`"), "{}", err.message());
    // A Gemini path names its model.
    let err =
        run(config, "/v1/a/g/google-ai-studio/v1beta/models/gemini-2.5-pro:generateContent", json!({"contents": []}))
            .0
            .unwrap_err();
    assert!(err.message().contains("gemini-2.5-pro"), "{}", err.message());
}

#[test]
fn max_tokens_is_capped_defaulted_and_parameters_pinned() {
    let config = json!({"max_tokens": 100, "default_max_tokens": 50, "pin": {"temperature": 0}});
    let (_, body, events) = run(config.clone(), "/", json!({"model": "m", "max_tokens": 4000, "temperature": 1}));
    let body = body.unwrap();
    assert_eq!((body["max_tokens"].as_u64(), body["temperature"].as_u64()), (Some(100), Some(0)));
    let rules: Vec<&str> = events.iter().map(|e| e.rule.as_str()).collect();
    assert_eq!(rules, ["max_tokens", "pin.temperature"]);
    let (_, body, _) = run(config.clone(), "/", json!({"model": "m", "max_completion_tokens": 20, "temperature": 0}));
    assert!(body.is_none(), "within the ceiling and already pinned: unchanged");
    let (_, body, _) = run(config.clone(), "/", json!({"contents": [], "temperature": 0}));
    assert_eq!(body.unwrap()["generationConfig"]["maxOutputTokens"], 50);
    let (_, body, _) = run(config, "/", json!({"model": "m", "temperature": 0}));
    assert_eq!(body.unwrap()["max_tokens"], 50);
}

#[test]
fn bad_policies_are_refused() {
    for (config, field) in [
        (json!({"default_max_tokens": 10, "max_tokens": 5}), "default_max_tokens"),
        (json!({"pin": {"model": "x"}}), "pin.model"),
        (json!({"allow": "gpt-4o"}), "invalid type"),
    ] {
        let err = build(&config).err().unwrap();
        assert!(err.contains(field), "{field}: {err}");
    }
}
