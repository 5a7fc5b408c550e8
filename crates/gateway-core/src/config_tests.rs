//! Unit tests of `config`.

use super::*;

#[test]
fn empty_vars_give_defaults() {
    assert_eq!(GatewayConfig::from_vars(None, None).unwrap(), GatewayConfig::default());
    assert_eq!(GatewayConfig::from_vars(Some("  "), Some("")).unwrap(), GatewayConfig::default());
}

#[test]
fn overrides_and_limit_are_read() {
    let c = GatewayConfig::from_vars(Some(r#"{"groq":"http://localhost:1/x/"}"#), Some("1024")).unwrap();
    assert_eq!(c.base_url(provider::find("groq").unwrap()), "http://localhost:1/x");
    assert_eq!(c.base_url(provider::find("openai").unwrap()), "https://api.openai.com");
    assert_eq!(c.max_request_body_bytes, 1024);
}

#[test]
fn bad_configuration_is_a_clear_500() {
    for (overrides, limit) in [
        (Some("[1]"), None),
        (Some(r#"{"nope":"http://x"}"#), None),
        (Some(r#"{"openai":"ftp://x"}"#), None),
        (None, Some("ten")),
    ] {
        let err = GatewayConfig::from_vars(overrides, limit).unwrap_err();
        assert_eq!(err.status(), 500);
        assert_eq!(err.kind(), ErrorKind::Misconfigured);
    }
}
