//! Unit tests of `translate::unreadable`.

use super::*;

#[test]
fn an_html_page_is_described_by_its_title_only() {
    let page =
        b"<html><head><TITLE>502  Bad\n Gateway</TITLE></head><body>Authorization: Bearer sk-echoed</body></html>";
    let message = describe_error_body(502, page);
    assert_eq!(
        message,
        "the provider answered HTTP 502 with an HTML page titled \"502 Bad Gateway\" instead of an error in its \
         API's format (a proxy or load balancer in front of it may have answered)"
    );
    assert!(!message.contains("sk-echoed"));
}

#[test]
fn an_html_page_without_a_title_is_still_named() {
    let message = describe_error_body(503, b"<!doctype html><p>down</p>");
    assert!(message.starts_with("the provider answered HTTP 503 with an HTML page instead of"), "{message}");
}

#[test]
fn plain_text_keeps_its_first_line_cut_short() {
    assert_eq!(
        describe_error_body(503, b"upstream connect error\nsecond line"),
        "the provider answered HTTP 503 with a body that is not JSON: upstream connect error"
    );
    let long = "x".repeat(500);
    let message = describe_error_body(500, long.as_bytes());
    assert!(message.ends_with(&format!("{}…", "x".repeat(200))), "{message}");
}

#[test]
fn an_empty_body_says_so() {
    assert_eq!(describe_error_body(429, b" \n"), "the provider answered HTTP 429 with an empty body");
}
