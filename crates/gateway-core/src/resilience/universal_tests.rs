//! Unit tests of `resilience::universal`.

use serde_json::json;

use super::*;
use crate::config::GatewayConfig;
use crate::resilience::retry::Backoff;
use crate::route;

fn parse(value: Value) -> Result<Vec<UniversalStep>, GatewayError> {
    parse_universal(value.to_string().as_bytes())
}

fn error(value: Value) -> String {
    let err = parse(value).unwrap_err();
    assert_eq!(err.status(), 400);
    err.message().to_string()
}

fn openai_step() -> Value {
    json!({
        "provider": "openai",
        "endpoint": "chat/completions",
        "headers": {"Authorization": "Bearer sk-a", "X-Trace": "1"},
        "query": {"model": "gpt-4o-mini", "messages": []},
    })
}

#[test]
fn an_array_of_steps_is_parsed_in_order_with_the_body_serialized_once() {
    let steps = parse(json!([
        openai_step(),
        {"provider": "anthropic", "endpoint": "/v1/messages", "headers": {"x-api-key": "k"},
         "query": {"model": "claude", "max_tokens": 5},
         "config": {"maxAttempts": 2, "backoff": "exponential"}},
    ]))
    .unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!((steps[0].index, steps[0].provider.id, steps[0].path.as_str()), (0, "openai", "chat/completions"));
    assert_eq!(steps[0].headers.get("authorization"), Some("Bearer sk-a"));
    let body: Value = serde_json::from_slice(&steps[0].body).unwrap();
    assert_eq!(body, json!({"model": "gpt-4o-mini", "messages": []}));
    assert_eq!(steps[0].retry, RetryOverrides::default());
    assert_eq!((steps[1].index, steps[1].path.as_str()), (1, "v1/messages"));
    assert_eq!(steps[1].retry.max_attempts, Some(2));
    assert_eq!(steps[1].retry.backoff, Some(Backoff::Exponential));
}

#[test]
fn a_single_object_is_one_step() {
    let steps = parse(openai_step()).unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0].index, 0);
}

#[test]
fn a_step_reaches_the_same_url_as_the_provider_native_route() {
    let steps = parse(json!({
        "provider": "azure-openai",
        "endpoint": "my-res/gpt4o/chat/completions?api-version=2024-10-21",
        "query": {"messages": []},
    }))
    .unwrap();
    assert_eq!(steps[0].query_string.as_deref(), Some("api-version=2024-10-21"));
    let path = steps[0].gateway_path("acc", "gw");
    assert_eq!(path, "/v1/acc/gw/azure-openai/my-res/gpt4o/chat/completions");
    let url = route::parse(&path).unwrap().upstream_url(&GatewayConfig::default(), steps[0].query_string.as_deref());
    assert_eq!(
        url.unwrap(),
        "https://my-res.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21"
    );
}

#[test]
fn step_headers_win_and_request_credentials_do_not_leak_across_steps() {
    let steps =
        parse(json!([openai_step(), {"provider": "groq", "endpoint": "chat/completions", "query": {}}])).unwrap();
    let request: Headers = [
        ("authorization", "Bearer cf-token"),
        ("x-api-key", "other"),
        ("x-trace", "client"),
        ("accept", "text/event-stream"),
        ("cf-aig-max-attempts", "3"),
        ("content-length", "999"),
    ]
    .into_iter()
    .collect();
    let first = steps[0].upstream_headers(&request);
    assert_eq!(first.get("authorization"), Some("Bearer sk-a"));
    assert_eq!(first.get("x-trace"), Some("1"), "the step's header beats the request's");
    assert_eq!(first.get("accept"), Some("text/event-stream"));
    assert_eq!(first.get("content-type"), Some("application/json"));
    assert_eq!(
        (first.get("x-api-key"), first.get("cf-aig-max-attempts"), first.get("content-length")),
        (None, None, None)
    );
    let second = steps[1].upstream_headers(&request);
    assert_eq!(second.get("authorization"), None, "step 0's or the gateway's key never reaches groq");
    assert_eq!(second.get("x-trace"), Some("client"));
}

#[test]
fn body_level_errors() {
    let err = parse_universal(b"{not json").unwrap_err();
    assert!(err.message().starts_with("the universal endpoint expects a JSON array of steps"));
    assert!(error(json!("text")).contains("JSON array of steps"));
    assert!(error(json!([])).contains("at least one step"));
    let eleven: Vec<Value> = (0..11).map(|_| openai_step()).collect();
    assert!(error(Value::Array(eleven)).contains("at most 10 steps, got 11"));
    let ten: Vec<Value> = (0..10).map(|_| openai_step()).collect();
    assert_eq!(parse(Value::Array(ten)).unwrap().len(), 10);
}

#[test]
fn step_errors_name_the_step_and_field() {
    let with = |key: &str, value: Value| {
        let mut step = openai_step();
        step[key] = value;
        json!([openai_step(), step])
    };
    let without = |key: &str| {
        let mut step = openai_step();
        step.as_object_mut().unwrap().remove(key);
        json!([openai_step(), step])
    };
    let cases = [
        (json!([openai_step(), 5]), "steps[1] must be a JSON object"),
        (without("provider"), "steps[1].provider must be a non-empty string"),
        (without("endpoint"), "steps[1].endpoint must be a non-empty string"),
        (with("endpoint", json!("")), "steps[1].endpoint must be a non-empty string"),
        (with("endpoint", json!("../admin")), "steps[1].endpoint may not contain '.' or '..' segments"),
        (with("endpoint", json!("v1/%2E%2E/x")), "steps[1].endpoint may not contain '.' or '..'"),
        (with("endpoint", json!("https://evil.example/x")), "steps[1].endpoint must be a path, not a URL"),
        (with("endpoint", json!("chat completions")), "steps[1].endpoint may not contain spaces"),
        (with("endpoint", json!("?x=1")), "steps[1].endpoint must be the provider path"),
        (with("headers", json!(["a"])), "steps[1].headers must be a JSON object of strings"),
        (with("headers", json!({"x-n": 5})), "steps[1].headers.x-n must be a string on one line"),
        (with("headers", json!({"x-n": "a\r\nb: c"})), "steps[1].headers.x-n must be a string on one line"),
        (with("headers", json!({"bad name": "v"})), "steps[1].headers has an invalid header name"),
        (without("query"), "steps[1].query must be a JSON object"),
        (with("query", json!("hi")), "steps[1].query must be a JSON object"),
        (with("config", json!({"maxAttempts": 0})), "steps[1].config.maxAttempts must be a whole number from 1 to 5"),
        (with("config", json!({"retryDelay": 9000})), "steps[1].config.retryDelay must be"),
    ];
    for (body, expected) in cases {
        let message = error(body);
        assert!(message.starts_with(expected), "{message}\n  expected: {expected}");
    }
}

#[test]
fn an_unknown_provider_lists_the_valid_ones() {
    let mut step = openai_step();
    step["provider"] = json!("skynet");
    let err = parse(json!([step])).unwrap_err();
    assert_eq!((err.status(), err.kind()), (400, ErrorKind::UnknownProvider));
    assert!(err.message().starts_with("steps[0].provider is unknown provider \"skynet\""));
    assert!(err.message().contains("openai, anthropic"), "{}", err.message());
}
