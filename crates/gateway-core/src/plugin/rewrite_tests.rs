use pollster::block_on;
use serde_json::json;

use super::*;
use crate::headers::Headers;

fn plugin(config: Value) -> Rc<dyn Plugin> {
    build(&config).unwrap()
}

#[test]
fn request_members_are_set_and_removed_by_path() {
    let p =
        plugin(json!({"request": {"set": {"metadata.source": "gw", "temperature": 0.2}, "remove": ["user", "a.b.c"]}}));
    assert!(p.wants_request() && !p.wants_response_json());
    let headers = Headers::new();
    let body = br#"{"model":"m","user":"u1","metadata":{"k":1},"temperature":1}"#;
    let mut request = PromptRequest::new("POST", "/", &headers, Some(body));
    let mut ctx = RequestContext::default();
    block_on(p.on_request(&mut ctx, &mut request)).unwrap();
    let out: Value = serde_json::from_slice(&request.into_changed_body().unwrap()).unwrap();
    assert_eq!(out, json!({"model": "m", "metadata": {"k": 1, "source": "gw"}, "temperature": 0.2}));
    assert_eq!(ctx.guardrails, [GuardrailEvent::new(NAME, Action::Rewrite, "request")]);
}

#[test]
fn headers_change_on_both_sides_and_answers_too() {
    let p = plugin(json!({
        "request": {"set_headers": {"X-Team": "search"}, "remove_headers": ["x-debug"]},
        "response": {"set_headers": {"x-served-by": "gw"}, "remove": ["usage"]}
    }));
    let mut upstream =
        UpstreamHead { method: "POST".into(), url: "u".into(), headers: [("x-debug", "1")].into_iter().collect() };
    let mut ctx = RequestContext::default();
    block_on(p.on_upstream_request(&mut ctx, &mut upstream)).unwrap();
    assert_eq!(upstream.headers.iter().collect::<Vec<_>>(), [("x-team", "search")]);
    let mut head = ResponseHead { status: 200, headers: Headers::new() };
    block_on(p.on_response(&mut ctx, &mut head)).unwrap();
    assert_eq!(head.headers.get("x-served-by"), Some("gw"));
    let mut answer = json!({"id": "x", "usage": {"total_tokens": 3}});
    block_on(p.on_response_json(&mut ctx, &mut answer)).unwrap();
    assert_eq!(answer, json!({"id": "x"}));
}

#[test]
fn credential_headers_and_bad_paths_are_refused() {
    for (config, part) in [
        (json!({"request": {"set_headers": {"Authorization": "Bearer x"}}}), "credential"),
        (json!({"response": {"remove_headers": ["x-api-key"]}}), "credential"),
        (json!({"request": {"set": {"a..b": 1}}}), "dotted path"),
        (json!({"request": {"rename": {}}}), "rename"),
    ] {
        let err = build(&config).err().unwrap();
        assert!(err.contains(part), "{part}: {err}");
    }
}
