use super::*;
use crate::provider::find;

fn target(provider: &str, url: &str, body: TargetBody) -> Target {
    Target {
        step: 0,
        provider: find(provider).unwrap(),
        method: "POST".into(),
        provider_path: String::new(),
        url: url.into(),
        headers: Headers::new(),
        headers_edited: false,
        body,
        policy: RetryPolicy::default(),
        key_secret: None,
        translated: false,
        compat: None,
        usage_requested: false,
    }
}

const STREAM: &[u8] = br#"{"model":"m","stream":true,"messages":[]}"#;

#[test]
fn stream_usage_is_asked_only_of_chat_streams_at_providers_that_take_the_option() {
    let own = |b: &[u8]| TargetBody::Own(b.into());
    let mut targets = vec![
        target("openai", "https://api.openai.com/v1/chat/completions", TargetBody::Client),
        target("groq", "https://api.groq.com/openai/v1/chat/completions", own(STREAM)),
        target("mistral", "https://api.mistral.ai/v1/chat/completions", TargetBody::Client),
        target("openai", "https://api.openai.com/v1/responses", TargetBody::Client),
        target("openai", "https://api.openai.com/v1/chat/completions", own(br#"{"stream":false}"#)),
    ];
    ask_for_stream_usage(&mut targets, STREAM);
    let asked: Vec<bool> = targets.iter().map(|t| t.usage_requested).collect();
    assert_eq!(asked, [true, true, false, false, false]);
    let TargetBody::Own(body) = &targets[0].body else { panic!("the body must be the gateway's") };
    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(v["stream_options"]["include_usage"], true);
    assert!(matches!(targets[2].body, TargetBody::Client));
    // A body the pipeline did not read is left alone.
    let mut unread = vec![target("openai", "https://api.openai.com/v1/chat/completions", TargetBody::Client)];
    ask_for_stream_usage(&mut unread, b"");
    assert!(!unread[0].usage_requested);
}

#[test]
fn a_routes_compat_targets_answer_with_the_routes_name() {
    let mut config = GatewayConfig::default();
    config.routes = crate::resilience::routes::Routes::from_var(Some(
        r#"{"smart": {"targets": [{"provider": "anthropic", "model": "claude-sonnet-4-5"}],
            "fallbacks": [{"provider": "openai", "model": "gpt-5-mini"}]}}"#,
    ))
    .unwrap();
    let body = br#"{"model":"smart","messages":[{"role":"user","content":"hi"}]}"#;
    let input = PlanInput {
        account_id: "a",
        gateway_id: "g",
        config: &config,
        headers: &Headers::new(),
        body,
        retry: RetryOverrides::default(),
        retry_default: RetryPolicy::default(),
    };
    let route = named_route(&config.routes, body);
    let targets = compat_targets(&input, Endpoint::ChatCompletions, route, 0.5, 0.0).unwrap();
    let names: Vec<(&str, &str)> =
        targets.iter().filter_map(|t| t.compat.as_ref()).map(|p| (p.model.as_str(), p.client_model.as_str())).collect();
    assert_eq!(names, [("claude-sonnet-4-5", "smart"), ("gpt-5-mini", "smart")]);

    let direct = br#"{"model":"anthropic/claude-sonnet-4-5","messages":[]}"#;
    let targets =
        compat_targets(&PlanInput { body: direct, ..input }, Endpoint::ChatCompletions, None, 0.5, 0.0).unwrap();
    assert_eq!(targets[0].compat.as_ref().unwrap().client_model, "anthropic/claude-sonnet-4-5");
}
