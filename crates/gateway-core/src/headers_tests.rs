//! Unit tests of `headers`.

use super::*;

#[test]
fn gateway_controls_and_hop_by_hop_headers_are_dropped() {
    let client: Headers = [
        ("Authorization", "Bearer sk-test"),
        ("x-api-key", "ak"),
        ("anthropic-version", "2023-06-01"),
        ("Content-Type", "application/json"),
        ("Content-Length", "12"),
        ("cf-aig-cache-ttl", "60"),
        ("CF-AIG-Metadata", "{}"),
        ("Connection", "keep-alive"),
        ("Transfer-Encoding", "chunked"),
        ("Host", "gateway.example"),
        ("CF-Connecting-IP", "203.0.113.9"),
        ("X-Forwarded-For", "203.0.113.9"),
        ("OpenAI-Organization", "org-1"),
    ]
    .into_iter()
    .collect();
    let sent = upstream_request_headers(&client);
    let names: Vec<&str> = sent.iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["authorization", "x-api-key", "anthropic-version", "content-type", "openai-organization"]);
    assert_eq!(sent.get("Authorization"), Some("Bearer sk-test"));
}

#[test]
fn set_replaces_and_get_is_case_insensitive() {
    let mut h = Headers::new();
    h.append("X-A", "1");
    h.append("x-a", "2");
    assert_eq!(h.get("X-a"), Some("1"));
    h.set("X-A", "3");
    assert_eq!(h.len(), 1);
    assert_eq!(h.get("x-a"), Some("3"));
    h.remove("X-A");
    assert!(h.is_empty());
}

#[test]
fn content_length_parses_only_numbers() {
    let h: Headers = [("content-length", " 42 ")].into_iter().collect();
    assert_eq!(h.content_length(), Some(42));
    let bad: Headers = [("content-length", "lots")].into_iter().collect();
    assert_eq!(bad.content_length(), None);
}
