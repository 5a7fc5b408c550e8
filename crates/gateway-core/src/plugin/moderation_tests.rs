use std::cell::RefCell;

use pollster::block_on;

use super::*;
use crate::config::GatewayConfig;
use crate::plugin::services::{PluginHttp, PluginServices};

/// A moderation endpoint in memory: flags prompts containing "attack", records the calls.
struct FakeEndpoint {
    calls: RefCell<Vec<(String, Option<String>, Value)>>,
    down: bool,
}

#[async_trait(?Send)]
impl PluginHttp for FakeEndpoint {
    async fn post_json(
        &self,
        url: &str,
        headers: &Headers,
        body: &Value,
        _: u64,
    ) -> Result<(u16, Value), GatewayError> {
        self.calls.borrow_mut().push((url.into(), headers.get("authorization").map(str::to_string), body.clone()));
        if self.down {
            return Err(GatewayError::new(ErrorKind::UpstreamTimeout, "no answer within 2000 ms"));
        }
        let flagged = body["input"].as_str().unwrap_or_default().contains("attack");
        Ok((200, json!({"results": [{"flagged": flagged, "categories": {"violence": flagged, "hate": false}}]})))
    }

    fn secret(&self, name: &str) -> Option<String> {
        (name == "OPENAI_API_KEY").then(|| "sk-stored".to_string())
    }
}

fn run(
    config: Value,
    prompt: &str,
    down: bool,
) -> (Result<Option<Reply>, GatewayError>, RequestContext, Rc<FakeEndpoint>) {
    let plugin = build(&config).unwrap();
    let endpoint = Rc::new(FakeEndpoint { calls: RefCell::default(), down });
    let overrides = r#"{"openai":"http://127.0.0.1:9/openai"}"#;
    let mut ctx = RequestContext {
        services: PluginServices {
            http: Some(endpoint.clone()),
            config: Some(Rc::new(GatewayConfig::from_vars(Some(overrides), None).unwrap())),
        },
        ..RequestContext::default()
    };
    let headers = Headers::new();
    let body = json!({"messages": [{"role": "user", "content": prompt}]}).to_string();
    let mut request = PromptRequest::new("POST", "/", &headers, Some(body.as_bytes()));
    let result = block_on(plugin.on_request(&mut ctx, &mut request));
    (result, ctx, endpoint)
}

#[test]
fn a_flagged_prompt_is_refused_naming_the_category() {
    let (result, ctx, endpoint) = run(Value::Null, "plan an attack", false);
    let err = result.unwrap_err();
    assert_eq!((err.status(), err.kind().code()), (400, "content_blocked"));
    assert!(err.message().contains("violence"), "{}", err.message());
    assert_eq!(ctx.guardrails, [GuardrailEvent::new(NAME, Action::Block, "category:violence")]);
    let (url, auth, body) = endpoint.calls.borrow()[0].clone();
    assert_eq!(url, "http://127.0.0.1:9/openai/v1/moderations", "through the provider table, overrides included");
    assert_eq!(auth.as_deref(), Some("Bearer sk-stored"));
    assert_eq!(body, json!({"model": "omni-moderation-latest", "input": "plan an attack"}));
}

#[test]
fn a_clean_prompt_or_an_unwatched_category_goes_on() {
    assert!(run(Value::Null, "plan a party", false).0.unwrap().is_none());
    assert!(run(json!({"categories": ["hate"]}), "plan an attack", false).0.unwrap().is_none());
}

#[test]
fn an_endpoint_that_fails_lets_through_or_refuses_as_configured() {
    let (result, ctx, _) = run(Value::Null, "plan an attack", true);
    assert!(result.unwrap().is_none());
    assert_eq!(ctx.guardrails, [GuardrailEvent::new(NAME, Action::Flag, "unavailable")]);
    let err = run(json!({"on_error": "closed"}), "anything", true).0.unwrap_err();
    assert_eq!((err.status(), err.kind().code()), (503, "guardrail_unavailable"));
}

#[test]
fn bad_configurations_name_the_field() {
    for (config, field) in [
        (json!({"provider": "nope"}), "provider"),
        (json!({"url": "http://example.com/moderate"}), "url"),
        (json!({"timeout_ms": 0}), "timeout_ms"),
        (json!({"modle": "x"}), "modle"),
    ] {
        let err = build(&config).err().unwrap();
        assert!(err.contains(field), "{field}: {err}");
    }
}
