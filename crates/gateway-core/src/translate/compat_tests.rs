//! Unit tests of `translate::compat`.

use serde_json::{json, Value};

use super::*;
use crate::translate::tests::{collect, fixture};
use crate::translate::FinishReason;

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs.iter().copied().collect()
}

fn aliases() -> HashMap<String, String> {
    parse_aliases(Some(r#"{"fast": "groq/llama-3.1-8b-instant", "smart": "anthropic/claude-sonnet-4-5"}"#)).unwrap()
}

fn body_json(plan: &CompatPlan) -> Value {
    serde_json::from_slice(&plan.body).unwrap()
}

fn openai_chat(model: &str, stream: bool) -> Vec<u8> {
    json!({"model": model, "stream": stream, "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello!"}]})
        .to_string()
        .into_bytes()
}

#[test]
fn endpoints() {
    assert_eq!(Endpoint::parse("chat/completions").unwrap(), Endpoint::ChatCompletions);
    assert_eq!(Endpoint::parse("/v1/messages").unwrap(), Endpoint::Messages);
    assert_eq!(Endpoint::parse("messages").unwrap(), Endpoint::Messages);
    assert_eq!(Endpoint::parse("embeddings").unwrap(), Endpoint::Embeddings);
    assert_eq!(Endpoint::parse("models").unwrap(), Endpoint::Models);
    assert_eq!(Endpoint::parse("completions").unwrap_err().status(), 404);
}

#[test]
fn aliases_are_validated() {
    assert_eq!(aliases()["fast"], "groq/llama-3.1-8b-instant");
    assert!(parse_aliases(None).unwrap().is_empty());
    let e = parse_aliases(Some("[1]")).unwrap_err();
    assert_eq!((e.status(), e.message().contains("COMPAT_ALIASES")), (500, true));
    let e = parse_aliases(Some(r#"{"x": "nope/model"}"#)).unwrap_err();
    assert!(e.message().contains("\"x\""), "{}", e.message());
}

#[test]
fn models_resolve_with_slashes_and_aliases() {
    let a = aliases();
    let (p, m) = resolve_model("workers-ai/@cf/meta/llama-3.1-8b-instruct", &a).unwrap();
    assert_eq!((p.id, m), ("workers-ai", "@cf/meta/llama-3.1-8b-instruct"));
    let (p, m) = resolve_model("fast", &a).unwrap();
    assert_eq!((p.id, m), ("groq", "llama-3.1-8b-instant"));
    assert!(resolve_model("gpt-4o", &a).unwrap_err().message().contains("{provider}/{model}"));
    assert_eq!(resolve_model("cohere/command-r", &a).unwrap_err().kind(), ErrorKind::UnknownProvider);
    assert_eq!(resolve_model("azure-openai/gpt-4o", &a).unwrap_err().kind(), ErrorKind::UnknownProvider);
}

#[test]
fn openai_to_anthropic() {
    let client =
        headers(&[("authorization", "Bearer sk-ant"), ("content-type", "application/json"), ("x-trace", "t1")]);
    let plan = plan(
        Endpoint::ChatCompletions,
        &openai_chat("anthropic/claude-sonnet-4-5", false),
        &client,
        &aliases(),
        2048,
        5000.0,
    )
    .unwrap();
    assert_eq!(
        (plan.provider.id, plan.path.as_str(), plan.query, plan.stream),
        ("anthropic", "v1/messages", None, false)
    );
    let body = body_json(&plan);
    assert_eq!(body["model"], "claude-sonnet-4-5");
    assert_eq!(body["system"], "Be brief.");
    assert_eq!(body["max_tokens"], 2048);
    // The key stays where the client put it; `crate::keys` moves it per attempt.
    assert_eq!(plan.headers.get("authorization"), Some("Bearer sk-ant"));
    assert_eq!(plan.headers.get("anthropic-version"), Some(ANTHROPIC_VERSION));
    assert_eq!(plan.headers.get("x-trace"), Some("t1"));
    assert!(plan.stream_translator().is_none());
    let (status, out) = plan.convert_response(200, &fixture(Format::ANTHROPIC, "tool_call.response.json")).unwrap();
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(status, 200);
    assert_eq!(out["created"], 5);
    assert_eq!(out["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], "{\"city\":\"Paris\"}");
    let (status, out) = plan.convert_response(429, &fixture(Format::ANTHROPIC, "error.json")).unwrap();
    assert_eq!(status, 429);
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap()["error"]["type"], "rate_limit_error");
}

#[test]
fn openai_to_gemini_streaming() {
    let client = headers(&[("authorization", "Bearer g-key")]);
    let mut request: Value = serde_json::from_slice(&openai_chat("google-ai-studio/gemini-2.5-flash", true)).unwrap();
    request["stream_options"] = json!({"include_usage": true});
    let plan =
        plan(Endpoint::ChatCompletions, request.to_string().as_bytes(), &client, &HashMap::new(), 2048, 0.0).unwrap();
    assert_eq!(plan.path, "v1beta/models/gemini-2.5-flash:streamGenerateContent");
    assert_eq!(plan.query, Some("alt=sse"));
    assert_eq!(plan.headers.get("authorization"), Some("Bearer g-key"));
    assert_eq!(plan.headers.get("anthropic-version"), None);
    let body = body_json(&plan);
    assert_eq!(body["systemInstruction"]["parts"][0]["text"], "Be brief.");
    assert_eq!(body["contents"][0], json!({"role": "user", "parts": [{"text": "Hello!"}]}));
    let mut t = plan.stream_translator().unwrap();
    let mut out = t.push(&fixture(Format::GEMINI, "stream_text.sse"));
    out.extend(t.finish());
    let c = collect(Format::OPENAI, &out);
    assert_eq!((c.text.as_str(), c.finish, c.ended), ("Hello there!", Some(FinishReason::Stop), true));
    assert_eq!(c.usage.map(|u| u.total_tokens()), Some(16), "the client asked for usage");
}

#[test]
fn openai_to_openai_compatible_is_byte_for_byte_but_the_model() {
    let original = br#"{ "model" : "groq/llama-3.1-8b-instant",  "messages":[{"role":"user","content":"model \"x\"","model":"keep"}], "n": 2 }"#;
    let plan = plan(Endpoint::ChatCompletions, original, &Headers::new(), &HashMap::new(), 2048, 0.0).unwrap();
    assert_eq!(plan.path, "v1/chat/completions");
    assert_eq!(plan.conversion, ResponseConversion::PassThrough(Format::OPENAI));
    let expected =
        String::from_utf8_lossy(original).replace("\"groq/llama-3.1-8b-instant\"", "\"llama-3.1-8b-instant\"");
    assert_eq!(String::from_utf8(plan.body.clone()).unwrap(), expected);
    assert_eq!(plan.convert_response(200, b"{\"as\":\"is\"}"), Ok((200, b"{\"as\":\"is\"}".to_vec())));

    let deepseek = plan_path("deepseek/deepseek-chat");
    let workers = plan_path("workers-ai/@cf/meta/llama-3.1-8b-instruct");
    assert_eq!((deepseek.as_str(), workers.as_str()), ("chat/completions", "v1/chat/completions"));
}

fn plan_path(model: &str) -> String {
    plan(Endpoint::ChatCompletions, &openai_chat(model, false), &Headers::new(), &HashMap::new(), 1, 0.0).unwrap().path
}

#[test]
fn anthropic_to_openai_compatible_streaming_asks_for_usage() {
    let body = json!({"model": "fast", "max_tokens": 100, "stream": true, "system": "S", "messages": [{"role": "user", "content": "Hi"}]});
    let client = headers(&[("x-api-key", "gsk"), ("anthropic-version", "2023-06-01")]);
    let plan = plan(Endpoint::Messages, body.to_string().as_bytes(), &client, &aliases(), 2048, 0.0).unwrap();
    assert_eq!((plan.provider.id, plan.path.as_str()), ("groq", "v1/chat/completions"));
    assert_eq!(plan.headers.get("x-api-key"), Some("gsk"));
    assert_eq!(plan.headers.get("anthropic-version"), None);
    let out = body_json(&plan);
    assert_eq!(out["model"], "llama-3.1-8b-instant");
    assert_eq!(out["stream_options"], json!({"include_usage": true}));
    assert_eq!(out["messages"][0], json!({"role": "system", "content": "S"}));
    let mut t = plan.stream_translator().unwrap();
    let mut sse = t.push(&fixture(Format::OPENAI, "stream_tool_call.sse"));
    sse.extend(t.finish());
    let c = collect(Format::ANTHROPIC, &sse);
    assert_eq!((c.calls.len(), c.finish, c.ended), (1, Some(FinishReason::ToolCalls), true));
    assert_eq!(t.usage().map(|u| u.output_tokens), Some(4));
}

#[test]
fn anthropic_to_anthropic_passes_through_with_the_clients_version() {
    let body = br#"{"model":"smart","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}"#;
    let client = headers(&[("x-api-key", "k"), ("anthropic-version", "2099-01-01")]);
    let plan = plan(Endpoint::Messages, body, &client, &aliases(), 2048, 0.0).unwrap();
    assert_eq!(plan.conversion, ResponseConversion::PassThrough(Format::ANTHROPIC));
    assert_eq!(
        plan.body,
        br#"{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}"#.to_vec()
    );
    assert_eq!(plan.headers.get("anthropic-version"), Some("2099-01-01"));
}

#[test]
fn embeddings() {
    let gemini = plan(
        Endpoint::Embeddings,
        &fixture(Format::OPENAI, "embeddings.request.json"),
        &Headers::new(),
        &HashMap::new(),
        1,
        0.0,
    )
    .unwrap();
    assert_eq!(gemini.path, "v1beta/models/gemini-embedding-001:batchEmbedContents");
    assert_eq!(body_json(&gemini)["requests"][0]["content"]["parts"][0]["text"], "first text");
    let (status, out) = gemini.convert_response(200, &fixture(Format::GEMINI, "embeddings.response.json")).unwrap();
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        (status, out["model"].as_str(), out["data"][0]["index"].as_u64()),
        (200, Some("google-ai-studio/gemini-embedding-001"), Some(0))
    );
    let (status, out) = gemini.convert_response(400, &fixture(Format::GEMINI, "error.json")).unwrap();
    assert_eq!(
        (status, serde_json::from_slice::<Value>(&out).unwrap()["error"]["message"].as_str()),
        (400, Some("Rate limit exceeded"))
    );

    let body = json!({"model": "openai/text-embedding-3-small", "input": "x"}).to_string();
    let openai = plan(Endpoint::Embeddings, body.as_bytes(), &Headers::new(), &HashMap::new(), 1, 0.0).unwrap();
    assert_eq!(
        (openai.path.as_str(), body_json(&openai)["model"].as_str()),
        ("v1/embeddings", Some("text-embedding-3-small"))
    );

    let body = json!({"model": "anthropic/claude", "input": "x"}).to_string();
    assert!(plan(Endpoint::Embeddings, body.as_bytes(), &Headers::new(), &HashMap::new(), 1, 0.0)
        .unwrap_err()
        .message()
        .contains("no embeddings"));
}

#[test]
fn bad_bodies_are_400_in_the_clients_format() {
    let e = plan(Endpoint::Messages, b"{\"messages\":[]}", &Headers::new(), &HashMap::new(), 1, 0.0).unwrap_err();
    assert_eq!(e.status(), 400);
    let (status, out) = error_body(Endpoint::Messages, &e);
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        (status, out["type"].as_str(), out["error"]["type"].as_str()),
        (400, Some("error"), Some("invalid_request_error"))
    );
    assert!(plan(Endpoint::ChatCompletions, b"not json", &Headers::new(), &HashMap::new(), 1, 0.0).is_err());
    assert_eq!(plan(Endpoint::Models, b"{}", &Headers::new(), &HashMap::new(), 1, 0.0).unwrap_err().status(), 404);
}

#[test]
fn model_list_has_aliases_then_routable_providers() {
    let list: Value = serde_json::from_slice(&list_models(&aliases())).unwrap();
    let ids: Vec<&str> = list["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(&ids[..3], ["fast", "smart", "openai/*"]);
    assert!(ids.contains(&"google-ai-studio/*") && ids.contains(&"workers-ai/*"));
    assert!(!ids.contains(&"cohere/*") && !ids.contains(&"azure-openai/*"));
    assert_eq!(list["data"][0]["owned_by"], "groq");
}

#[test]
fn rewrite_model_only_touches_the_top_level_string() {
    assert_eq!(
        rewrite_model(br#"{"a":{"model":"x"},"model":"p/m\"q"}"#, "m").unwrap(),
        br#"{"a":{"model":"x"},"model":"m"}"#.to_vec()
    );
    assert_eq!(rewrite_model(br#"{"model":5}"#, "m"), None);
    assert_eq!(rewrite_model(b"[]", "m"), None);
}

#[test]
fn anthropic_structured_outputs_reach_openai_and_gemini() {
    let schema = json!({"type": "object", "additionalProperties": false, "required": ["answer"],
        "properties": {"answer": {"type": "number"}}});
    let body = |model: &str| {
        json!({"model": model, "max_tokens": 100, "messages": [{"role": "user", "content": "2+2?"}],
            "output_config": {"format": {"type": "json_schema", "schema": schema}}})
        .to_string()
        .into_bytes()
    };
    let plan_for = |model: &str| plan(Endpoint::Messages, &body(model), &Headers::new(), &HashMap::new(), 2048, 0.0);
    let openai = body_json(&plan_for("openai/gpt-4o-mini").unwrap());
    assert_eq!(
        openai["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "response", "schema": schema, "strict": true}})
    );
    let gemini = body_json(&plan_for("google-ai-studio/gemini-2.5-flash").unwrap());
    assert_eq!(gemini["generationConfig"]["responseMimeType"], "application/json");
    assert_eq!(gemini["generationConfig"]["responseSchema"]["properties"]["answer"], json!({"type": "number"}));
}

#[test]
fn base64_embeddings_are_honoured_by_every_backend() {
    let body = |model: &str| json!({"model": model, "input": ["a"], "encoding_format": "base64"}).to_string();
    let plan_for =
        |model: &str| plan(Endpoint::Embeddings, body(model).as_bytes(), &Headers::new(), &HashMap::new(), 1, 0.0);
    let vector = |out: &[u8]| serde_json::from_slice::<Value>(out).unwrap()["data"][0]["embedding"].clone();

    let gemini = plan_for("google-ai-studio/gemini-embedding-001").unwrap();
    let (_, out) = gemini.convert_response(200, br#"{"embeddings":[{"values":[1.0,-2.0]}]}"#).unwrap();
    assert_eq!(vector(&out), "AACAPwAAAMA=");

    // A provider that ignores `encoding_format` still gives the client base64.
    let mistral = plan_for("mistral/mistral-embed").unwrap();
    assert_eq!(body_json(&mistral)["encoding_format"], "base64", "forwarded as the client sent it");
    let floats = br#"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1.0,-2.0]}]}"#;
    let (_, out) = mistral.convert_response(200, floats).unwrap();
    assert_eq!(vector(&out), "AACAPwAAAMA=");
    let error = br#"{"error":{"message":"no"}}"#;
    assert_eq!(mistral.convert_response(400, error).unwrap(), (400, error.to_vec()));

    let float = json!({"model": "openai/text-embedding-3-small", "input": "x", "encoding_format": "float"}).to_string();
    let openai = plan(Endpoint::Embeddings, float.as_bytes(), &Headers::new(), &HashMap::new(), 1, 0.0).unwrap();
    assert_eq!(openai.conversion, ResponseConversion::PassThrough(Format::OPENAI));
}

#[test]
fn count_tokens_goes_to_anthropic_gemini_or_the_estimate() {
    assert_eq!(Endpoint::parse("v1/messages/count_tokens").unwrap(), Endpoint::CountTokens);
    assert_eq!(Endpoint::parse("messages/count_tokens").unwrap(), Endpoint::CountTokens);
    assert_eq!(Endpoint::CountTokens.client_format(), Format::ANTHROPIC);
    let body = |model: &str| {
        json!({"model": model, "messages": [{"role": "user", "content": "How many tokens is this?"}]}).to_string()
    };
    let plan_for = |model: &str| {
        plan(Endpoint::CountTokens, body(model).as_bytes(), &Headers::new(), &HashMap::new(), 1, 0.0).unwrap()
    };

    let anthropic = plan_for("anthropic/claude-sonnet-4-5");
    assert_eq!(anthropic.path, "v1/messages/count_tokens");
    assert_eq!(body_json(&anthropic)["model"], "claude-sonnet-4-5");
    assert_eq!(anthropic.headers.get("anthropic-version"), Some(ANTHROPIC_VERSION));
    assert_eq!(anthropic.local_answer(), None);

    let gemini = plan_for("google-ai-studio/gemini-2.5-flash");
    assert_eq!(gemini.path, "v1beta/models/gemini-2.5-flash:countTokens");
    assert_eq!(body_json(&gemini)["generateContentRequest"]["contents"][0]["role"], "user");
    assert_eq!(gemini.local_answer(), None);
    let (status, out) = gemini.convert_response(200, br#"{"totalTokens": 9}"#).unwrap();
    assert_eq!((status, serde_json::from_slice::<Value>(&out).unwrap()), (200, json!({"input_tokens": 9})));
    let (status, out) = gemini.convert_response(400, &fixture(Format::GEMINI, "error.json")).unwrap();
    assert_eq!(status, 400);
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap()["type"], "error", "in Anthropic's shape");

    let openai = plan_for("openai/gpt-4o-mini");
    let answer: Value = serde_json::from_slice(&openai.local_answer().unwrap()).unwrap();
    assert_eq!(answer, json!({"input_tokens": 6}), "24 characters / 4");
}

#[test]
fn claude_codes_system_entries_reach_openai_and_gemini() {
    let body = json!({"model": "openai/gpt-4o-mini", "max_tokens": 100, "system": "S", "messages": [
        {"role": "user", "content": "hi"},
        {"role": "system", "content": "<system-reminder>Tokens left: 100.</system-reminder>"},
    ]});
    let openai =
        plan(Endpoint::Messages, body.to_string().as_bytes(), &Headers::new(), &HashMap::new(), 1, 0.0).unwrap();
    assert_eq!(
        body_json(&openai)["messages"],
        json!([{"role": "system", "content": "S"}, {"role": "user", "content": "hi"},
               {"role": "system", "content": "<system-reminder>Tokens left: 100.</system-reminder>"}])
    );
    let mut body = body;
    body["model"] = json!("google-ai-studio/gemini-2.5-flash");
    let gemini =
        plan(Endpoint::Messages, body.to_string().as_bytes(), &Headers::new(), &HashMap::new(), 1, 0.0).unwrap();
    assert_eq!(
        body_json(&gemini)["contents"][0]["parts"][1]["text"],
        "<system-reminder>Tokens left: 100.</system-reminder>"
    );
}

#[test]
fn anthropic_clients_reach_openai_reasoning_models_with_max_completion_tokens() {
    let body = json!({"model": "openai/o4-mini", "max_tokens": 1000, "messages": [{"role": "user", "content": "hi"}]});
    let plan = plan(Endpoint::Messages, body.to_string().as_bytes(), &Headers::new(), &HashMap::new(), 1, 0.0).unwrap();
    let sent = body_json(&plan);
    assert_eq!((sent.get("max_tokens"), &sent["max_completion_tokens"]), (None, &json!(1000)));
}
