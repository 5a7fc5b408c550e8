//! Unit tests of `cache::semantic::provider_embedder`, with recorded answers of OpenAI's API.

use std::cell::RefCell;

use pollster::block_on;

use super::*;
use crate::plugin::ResponseHead;
use crate::provider::find;

/// What one fetch sent: the head, the body, the first-byte timeout.
type Sent = (UpstreamHead, Vec<u8>, Option<u64>);

/// A runtime answering every fetch with `status` and `body`, recording what was sent.
struct Port {
    status: u16,
    body: &'static str,
    key: Option<&'static str>,
    sent: RefCell<Vec<Sent>>,
}

impl Port {
    fn answering(status: u16, body: &'static str) -> Port {
        Port { status, body, key: Some("sk-stored"), sent: RefCell::default() }
    }
}

#[async_trait(?Send)]
impl HttpPort for Port {
    type Body = Vec<u8>;
    type Response = (u16, Vec<u8>);
    fn now_ms(&self) -> f64 {
        0.0
    }
    fn random(&self) -> f64 {
        0.5
    }
    fn secret(&self, name: &str) -> Option<String> {
        (name == "OPENAI_API_KEY").then_some(self.key?.to_string())
    }
    async fn read_body(&self, body: Vec<u8>, _: Option<u64>, _: u64) -> Result<Vec<u8>, GatewayError> {
        Ok(body)
    }
    async fn discard(&self, _: Vec<u8>) {}
    async fn sleep(&self, _: u64) {}
    async fn fetch(
        &self,
        upstream: &UpstreamHead,
        _: bool,
        body: Option<RequestBody<Vec<u8>>>,
        timeout: Option<u64>,
        _: bool,
    ) -> Result<(u16, Vec<u8>), GatewayError> {
        let bytes = match body {
            Some(RequestBody::Bytes(b)) => b.to_vec(),
            _ => Vec::new(),
        };
        self.sent.borrow_mut().push((upstream.clone(), bytes, timeout));
        Ok((self.status, self.body.as_bytes().to_vec()))
    }
    fn response_head(&self, r: &(u16, Vec<u8>)) -> ResponseHead {
        ResponseHead { status: r.0, headers: Headers::new() }
    }
    fn with_head(&self, r: (u16, Vec<u8>), _: ResponseHead) -> Result<(u16, Vec<u8>), GatewayError> {
        Ok(r)
    }
    fn set_headers(&self, r: (u16, Vec<u8>), _: &Headers) -> Result<(u16, Vec<u8>), GatewayError> {
        Ok(r)
    }
    async fn read_response(&self, r: (u16, Vec<u8>), _: u64) -> Result<Vec<u8>, GatewayError> {
        Ok(r.1)
    }
    fn cancel(&self, _: (u16, Vec<u8>)) {}
    fn header(&self, _: &(u16, Vec<u8>), _: &str) -> Option<String> {
        None
    }
    fn status(&self, r: &(u16, Vec<u8>)) -> u16 {
        r.0
    }
}

/// OpenAI's answer to `POST /v1/embeddings` (shortened to 3 dimensions).
const OPENAI_ANSWER: &str = r#"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023064255,-0.009327292,0.015797347]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":5,"total_tokens":5}}"#;

#[test]
fn the_request_goes_to_the_providers_endpoint_with_its_stored_key() {
    let port = Port::answering(200, OPENAI_ANSWER);
    let config = GatewayConfig::from_vars(Some(r#"{"openai":"http://127.0.0.1:9/openai/"}"#), None).unwrap();
    let embedder = ProviderEmbedder::new(&port, &config, find("openai").unwrap(), "text-embedding-3-small");
    let vector = block_on(embedder.embed("what is the capital of france")).unwrap();
    assert_eq!(vector, vec![0.0023064255, -0.009327292, 0.015797347]);

    let sent = port.sent.borrow();
    let (head, body, timeout) = &sent[0];
    assert_eq!((head.method.as_str(), head.url.as_str()), ("POST", "http://127.0.0.1:9/openai/v1/embeddings"));
    assert_eq!(head.headers.get("authorization"), Some("Bearer sk-stored"));
    assert_eq!(head.headers.get("content-type"), Some("application/json"));
    let body: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(body, serde_json::json!({"model": "text-embedding-3-small", "input": "what is the capital of france"}));
    assert_eq!(*timeout, None, "the lookup bounds the wait");
}

#[test]
fn without_a_stored_key_no_key_is_sent() {
    let port = Port { key: None, ..Port::answering(200, OPENAI_ANSWER) };
    let embedder = ProviderEmbedder::new(&port, &GatewayConfig::default(), find("openai").unwrap(), "m");
    block_on(embedder.embed("q")).unwrap();
    let sent = port.sent.borrow();
    assert_eq!(sent[0].0.headers.get("authorization"), None);
    assert_eq!(sent[0].0.url, "https://api.openai.com/v1/embeddings");
}

#[test]
fn urls_follow_the_provider_table() {
    assert_eq!(
        embeddings_url("https://api.groq.com/openai", find("groq").unwrap()),
        "https://api.groq.com/openai/v1/embeddings"
    );
    assert_eq!(
        embeddings_url("https://api.deepseek.com", find("deepseek").unwrap()),
        "https://api.deepseek.com/embeddings"
    );
}

#[test]
fn errors_and_odd_answers_are_failures() {
    let port = Port::answering(401, r#"{"error":{"message":"Incorrect API key provided: sk-stored"}}"#);
    let embedder = ProviderEmbedder::new(&port, &GatewayConfig::default(), find("openai").unwrap(), "m");
    let e = block_on(embedder.embed("q")).unwrap_err();
    assert_eq!(e.message(), "openai answered 401", "the provider's message may hold the key: not repeated");

    for (body, message) in [
        ("<html>", "the answer is not JSON"),
        (r#"{"data":[]}"#, "the answer has no data[0].embedding array"),
        (r#"{"data":[{"embedding":"AACAPw=="}]}"#, "the answer has no data[0].embedding array"),
        (r#"{"data":[{"embedding":[1,"x"]}]}"#, "data[0].embedding holds something other than numbers"),
    ] {
        assert_eq!(parse_response(body.as_bytes()).unwrap_err().message(), message, "{body}");
    }
}
