//! Property tests of universal-endpoint bodies: any body is a list of steps or a 400, and every
//! accepted step routes exactly as the provider-native path it stands for.

use proptest::prelude::*;

use super::*;
use crate::config::GatewayConfig;
use crate::route;
use crate::strategies::{assert_client_error, config, shaped_body, text, Shape};

const STEP: Shape = Shape::Obj(&[
    (
        "provider",
        Shape::Str(&["openai", "anthropic", "azure-openai", "google-vertex-ai", "workers-ai"], &["nope", " "]),
    ),
    (
        "endpoint",
        Shape::Str(
            &[
                "chat/completions",
                "/v1/messages",
                "res/dep/chat/completions?api-version=2024-10-21",
                "v1/projects/p/locations/us-east1/x",
                "@cf/meta/llama",
                "v1/chat/completions?",
            ],
            &["../admin", "a/%2E%2e/b", "https://evil.example/x", "a b", "a#b", "a\\b", "?q=1", " "],
        ),
    ),
    (
        "headers",
        Shape::Opt(&Shape::Obj(&[
            ("authorization", Shape::Str(&["Bearer sk-1"], &["Bearer a\r\nx-injected: 1"])),
            ("X-Trace", Shape::Str(&["1", ""], &["a\0b"])),
            ("cf-aig-skip-cache", Shape::Str(&["true"], &[])),
            ("content-type", Shape::Opt(&Shape::Str(&["application/json"], &[]))),
            ("bad name", Shape::Rare(&Shape::Text)),
        ])),
    ),
    ("query", Shape::Obj(&[("model", Shape::Text), ("messages", Shape::Arr(&Shape::Any))])),
    (
        "config",
        Shape::Opt(&Shape::Obj(&[
            ("maxAttempts", Shape::Opt(&Shape::Int(1, 5))),
            ("backoff", Shape::Opt(&Shape::Str(&["linear", "Exponential"], &["sideways"]))),
        ])),
    ),
]);

const BODY: Shape = Shape::OneOf(&[Shape::Arr(&STEP), STEP]);

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn any_body_is_steps_that_route_like_native_paths_or_a_client_error(
        body in shaped_body(&BODY),
        request_headers in proptest::collection::vec((text(), text()), 0..3),
    ) {
        let steps = match parse_universal(&body) {
            Ok(steps) => steps,
            Err(e) => return assert_client_error(&e),
        };
        prop_assert!(!steps.is_empty() && steps.len() <= MAX_UNIVERSAL_STEPS);
        let request: Headers = request_headers.into_iter().collect();
        for (i, step) in steps.iter().enumerate() {
            prop_assert_eq!(step.index, i);
            prop_assert!(serde_json::from_slice::<Value>(&step.body).is_ok_and(|b| b.is_object()));
            let path = step.gateway_path("acct", "gw");
            let native = route::parse(&path).map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
            prop_assert_eq!(native.provider.id, step.provider.id);
            prop_assert_eq!(native.rest, step.path.as_str());
            if let Err(e) = native.upstream_url(&GatewayConfig::default(), step.query_string.as_deref()) {
                assert_client_error(&e)?;
            }
            let sent = step.upstream_headers(&request);
            prop_assert!(sent.iter().all(|(n, _)| crate::headers::forward_request_header(n)));
            prop_assert!(step.headers.iter().all(|(_, v)| !v.contains(['\r', '\n', '\0'])));
            prop_assert!(sent.get("content-type").is_some());
        }
    }
}
