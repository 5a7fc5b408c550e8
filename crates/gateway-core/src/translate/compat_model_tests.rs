//! Unit tests of the model a compat answer names: the client's, for every dialect and backend.

use serde_json::{json, Value};

use super::*;
use crate::translate::tests::fixture;

fn aliases() -> HashMap<String, String> {
    parse_aliases(Some(r#"{"fast": "groq/llama-3.1-8b-instant", "smart": "anthropic/claude-sonnet-4-5"}"#)).unwrap()
}

fn chat_plan(endpoint: Endpoint, model: &str, stream: bool) -> CompatPlan {
    let body = json!({"model": model, "max_tokens": 64, "stream": stream, "input": "Hi",
        "messages": [{"role": "user", "content": "Hi"}]});
    plan(endpoint, body.to_string().as_bytes(), &Headers::new(), &aliases(), 2048, 0.0).unwrap()
}

/// Every `model` an answer's SSE events carry: top-level, in `message` or in `response`.
fn event_models(sse: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(sse)
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
        .flat_map(|event| {
            [&event["model"], &event["message"]["model"], &event["response"]["model"]]
                .into_iter()
                .filter_map(|m| m.as_str().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn translated_whole_answers_name_the_clients_model_and_tell_the_providers() {
    let cases = [
        (Endpoint::ChatCompletions, "anthropic/claude-sonnet-4-5", Format::ANTHROPIC, "claude-sonnet-4-5-20250929"),
        (Endpoint::Messages, "google-ai-studio/gemini-2.5-flash", Format::GEMINI, "gemini-2.5-flash"),
        (Endpoint::Responses, "smart", Format::ANTHROPIC, "claude-sonnet-4-5-20250929"),
        (Endpoint::Messages, "fast", Format::OPENAI, "gpt-4o-mini-2024-07-18"),
        (Endpoint::ChatCompletions, "google-ai-studio/gemini-2.5-flash", Format::GEMINI, "gemini-2.5-flash"),
    ];
    for (endpoint, model, upstream, real) in cases {
        let plan = chat_plan(endpoint, model, false);
        assert!(matches!(plan.conversion, ResponseConversion::Chat { .. }), "{endpoint:?} {model}");
        let answer = plan.convert_answer(200, &fixture(upstream, "tool_call.response.json")).unwrap();
        let out: Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(out["model"], model, "{endpoint:?} {model}");
        assert_eq!(answer.upstream_model.as_deref(), Some(real), "{endpoint:?} {model}");
        assert_eq!(plan.convert_response(200, &fixture(upstream, "tool_call.response.json")).unwrap().1, answer.body);
    }
}

#[test]
fn translated_streams_name_the_clients_model_in_every_event_that_has_one() {
    let cases = [
        (Endpoint::ChatCompletions, "google-ai-studio/gemini-2.5-flash", Format::GEMINI),
        (Endpoint::Messages, "google-ai-studio/gemini-2.5-flash", Format::GEMINI),
        (Endpoint::Messages, "fast", Format::OPENAI),
        (Endpoint::Responses, "anthropic/claude-sonnet-4-5", Format::ANTHROPIC),
        (Endpoint::ChatCompletions, "smart", Format::ANTHROPIC),
    ];
    for (endpoint, model, upstream) in cases {
        let plan = chat_plan(endpoint, model, true);
        let mut translator = plan.stream_translator().unwrap();
        let mut out = translator.push(&fixture(upstream, "reasoning.sse"));
        out.extend(translator.finish());
        let models = event_models(&out);
        assert!(!models.is_empty(), "{endpoint:?} {model}: {}", String::from_utf8_lossy(&out));
        assert!(models.iter().all(|m| m == model), "{endpoint:?} {model}: {models:?}");
    }
}

#[test]
fn forwarded_answers_are_renamed_as_they_pass_and_errors_are_left_alone() {
    let plan = chat_plan(Endpoint::Messages, "smart", false);
    assert_eq!(plan.conversion, ResponseConversion::PassThrough(Format::ANTHROPIC));
    let answer = fixture(Format::ANTHROPIC, "tool_call.response.json");
    let converted = plan.convert_answer(200, &answer).unwrap();
    let expected = String::from_utf8_lossy(&answer).replace("\"claude-sonnet-4-5-20250929\"", "\"smart\"");
    assert_eq!(String::from_utf8(converted.body).unwrap(), expected);
    assert_eq!(converted.upstream_model.as_deref(), Some("claude-sonnet-4-5-20250929"));
    let error = fixture(Format::ANTHROPIC, "error.json");
    assert_eq!(plan.convert_response(429, &error).unwrap(), (429, error.clone()));

    let mut rewriter = plan.model_rewriter(false, true).unwrap();
    let mut out = Vec::new();
    for piece in answer.chunks(7) {
        rewriter.push(piece, &mut out);
    }
    rewriter.finish(&mut out);
    assert_eq!(String::from_utf8(out).unwrap(), expected);

    let stream = chat_plan(Endpoint::ChatCompletions, "openai/gpt-4o-mini", true);
    let mut rewriter = stream.model_rewriter(true, false).unwrap();
    let mut out = Vec::new();
    rewriter.push(&fixture(Format::OPENAI, "stream_text.sse"), &mut out);
    rewriter.finish(&mut out);
    let models = event_models(&out);
    assert!(!models.is_empty() && models.iter().all(|m| m == "openai/gpt-4o-mini"), "{models:?}");

    let translated = chat_plan(Endpoint::ChatCompletions, "smart", true);
    assert!(translated.model_rewriter(true, false).is_none(), "a translated answer is written with the name");
    assert!(plan.model_rewriter(false, false).is_none(), "neither JSON nor a stream");
}

#[test]
fn embeddings_name_the_clients_model_from_every_backend() {
    let body = |model: &str, encoding: &str| {
        json!({"model": model, "input": ["a"], "encoding_format": encoding}).to_string().into_bytes()
    };
    let floats = br#"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1.0,-2.0]}],"model":"mistral-embed-2312"}"#;

    let mistral =
        plan(Endpoint::Embeddings, &body("mistral/mistral-embed", "base64"), &Headers::new(), &aliases(), 1, 0.0)
            .unwrap();
    let answer = mistral.convert_answer(200, floats).unwrap();
    let out: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        (out["model"].as_str(), out["data"][0]["embedding"].as_str()),
        (Some("mistral/mistral-embed"), Some("AACAPwAAAMA="))
    );
    assert_eq!(answer.upstream_model.as_deref(), Some("mistral-embed-2312"));

    let float = plan(
        Endpoint::Embeddings,
        &body("openai/text-embedding-3-small", "float"),
        &Headers::new(),
        &aliases(),
        1,
        0.0,
    )
    .unwrap();
    let mut rewriter = float.model_rewriter(false, true).unwrap();
    let mut out = Vec::new();
    rewriter.push(floats, &mut out);
    rewriter.finish(&mut out);
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap()["model"], "openai/text-embedding-3-small");

    let mut gemini = plan(
        Endpoint::Embeddings,
        &body("google-ai-studio/gemini-embedding-001", "float"),
        &Headers::new(),
        &aliases(),
        1,
        0.0,
    )
    .unwrap();
    gemini.client_model = "my-route".to_string();
    let answer = gemini.convert_answer(200, &fixture(Format::GEMINI, "embeddings.response.json")).unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&answer.body).unwrap()["model"], "my-route");
    assert_eq!(answer.upstream_model.as_deref(), Some("gemini-embedding-001"));
}
