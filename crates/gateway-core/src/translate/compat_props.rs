//! Property tests of the compat endpoint: any endpoint path and body is a plan or a 4xx, and a
//! pass-through body reaches the provider with the provider's model name and nothing else
//! changed.

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;

use super::compat::{parse_aliases, plan, rewrite_model, Endpoint, ResponseConversion};
use super::shapes::{AN_REQUEST, OA_REQUEST, RS_REQUEST};
use crate::headers::Headers;
use crate::strategies::{any_json, assert_client_error, config, shaped, text, word, Shape};

const MODELS: &[&str] = &[
    "openai/gpt-4o-mini",
    "groq/llama-3.1-8b-instant",
    "anthropic/claude-3-5-haiku-latest",
    "google-ai-studio/gemini-2.5-flash",
    "workers-ai/@cf/meta/llama-3.1-8b-instruct",
    "fast",
    "azure-openai/x",
    "nope/x",
    "openai/",
    "gpt-4o",
];

const EMBEDDINGS: Shape = Shape::Obj(&[("input", Shape::OneOf(&[Shape::Text, Shape::Arr(&Shape::Text)]))]);

/// A request body of any of the client formats, with a `model` naming a provider or an alias.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let request = select(&[&OA_REQUEST, &AN_REQUEST, &RS_REQUEST, &EMBEDDINGS][..]).prop_flat_map(shaped);
    (request, word(MODELS), any::<bool>()).prop_map(|(mut v, model, set)| {
        if let (Some(map), true) = (v.as_object_mut(), set) {
            map.insert("model".into(), Value::String(model));
        }
        v.to_string().into_bytes()
    })
}

fn aliases() -> HashMap<String, String> {
    parse_aliases(Some(r#"{"fast":"groq/llama-3.1-8b-instant"}"#)).unwrap()
}

// A case builds a nested request body and plans it (parsing and emitting it): hundreds of cases.
proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn any_compat_request_is_a_plan_or_a_client_error(
        suffix in word(&["chat/completions", "/v1/chat/completions/", "responses", "v1/responses", "v1/messages", "messages/count_tokens", "embeddings", "models", "x"]),
        body in body(),
        headers in proptest::collection::vec((word(&["authorization", "anthropic-version", "cf-aig-x"]), text()), 0..3),
    ) {
        let endpoint = match Endpoint::parse(&suffix) {
            Ok(endpoint) => endpoint,
            Err(e) => return assert_client_error(&e),
        };
        let client: Headers = headers.into_iter().collect();
        match plan(endpoint, &body, &client, &aliases(), 1024, 1.7e12) {
            Ok(p) if p.local_answer().is_some() => {
                let answer: Value = serde_json::from_slice(&p.local_answer().unwrap_or_default())
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(answer["input_tokens"].is_u64(), "{}", answer);
            }
            Ok(p) => {
                let sent: Value = serde_json::from_slice(&p.body).map_err(|e| TestCaseError::fail(e.to_string()))?;
                if matches!(p.conversion, ResponseConversion::PassThrough(_)) {
                    prop_assert_eq!(sent.get("model").and_then(Value::as_str), Some(p.model.as_str()));
                }
                prop_assert!(p.headers.iter().all(|(n, _)| !n.starts_with("cf-aig-")));
            }
            Err(e) => assert_client_error(&e)?,
        }
    }

    #[test]
    fn rewriting_the_model_changes_only_the_model(value in any_json(), model in text(), spaces in "[ \t\r\n]{0,2}") {
        let Value::Object(mut map) = value else { return Ok(()) };
        map.insert("model".into(), Value::String("old".into()));
        // Some whitespace a client may put around the values.
        let body = Value::Object(map.clone()).to_string().replace(":", &format!(":{spaces}"));
        let Ok(original) = serde_json::from_str::<Value>(&body) else { return Ok(()) };
        let rewritten = rewrite_model(body.as_bytes(), &model).unwrap();
        let mut expected = original;
        expected["model"] = Value::String(model);
        prop_assert_eq!(serde_json::from_slice::<Value>(&rewritten).unwrap(), expected);
    }
}
