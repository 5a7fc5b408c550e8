//! Unit tests of `cache::options`.

use super::*;

fn decide_with(defaults: CacheDefaults, method: &str, pairs: &[(&str, &str)]) -> Result<CacheDecision, GatewayError> {
    let headers: Headers = pairs.iter().copied().collect();
    let input =
        KeyInput { gateway_id: "gw", provider: "openai", method, endpoint: "/v1/x", headers: &headers, body: b"{}" };
    decide(&defaults, &input)
}

fn off() -> CacheDefaults {
    CacheDefaults { ttl_s: 0, ..CacheDefaults::default() }
}

fn on(ttl_s: u64) -> CacheDefaults {
    CacheDefaults { ttl_s, ..CacheDefaults::default() }
}

fn ttl_of(decision: Result<CacheDecision, GatewayError>) -> u64 {
    match decision {
        Ok(CacheDecision::Use { ttl_s, .. }) => ttl_s,
        other => panic!("expected Use, got {other:?}"),
    }
}

fn error_of(decision: Result<CacheDecision, GatewayError>) -> String {
    let e = decision.expect_err("expected an error");
    assert_eq!(e.status(), 400);
    e.message().to_string()
}

#[test]
fn defaults_from_vars() {
    assert_eq!(CacheDefaults::from_vars(None, None), Ok(CacheDefaults { ttl_s: 0, ..CacheDefaults::default() }));
    assert_eq!(
        CacheDefaults::from_vars(Some(" "), Some("")),
        Ok(CacheDefaults { ttl_s: 0, ..CacheDefaults::default() })
    );
    assert_eq!(CacheDefaults::from_vars(Some("0"), None).map(|d| d.ttl_s), Ok(0));
    assert_eq!(
        CacheDefaults::from_vars(Some("3600"), Some("false")),
        Ok(CacheDefaults { ttl_s: 3600, coalesce: false, ..CacheDefaults::default() })
    );
    assert_eq!(CacheDefaults::from_vars(None, Some("TRUE")).map(|d| d.coalesce), Ok(true));
}

#[test]
fn bad_vars_are_misconfiguration() {
    for bad in ["59", "2592001", "-1", "1h", "1.5"] {
        let e = CacheDefaults::from_vars(Some(bad), None).expect_err(bad);
        assert_eq!(e.status(), 500);
        assert_eq!(
            e.message(),
            format!("CACHE_TTL must be 0 (off) or a whole number of seconds from 60 to 2592000, got {bad:?}")
        );
    }
    let e = CacheDefaults::from_vars(None, Some("yes")).expect_err("yes");
    assert_eq!(e.message(), "CACHE_COALESCE must be true or false, got \"yes\"");
}

#[test]
fn gateway_off_and_no_headers_is_off() {
    assert_eq!(decide_with(off(), "POST", &[]), Ok(CacheDecision::Off));
}

#[test]
fn gateway_ttl_applies_with_the_default_key() {
    let decision = decide_with(on(600), "POST", &[("authorization", "Bearer a")]);
    let Ok(CacheDecision::Use { key, ttl_s }) = decision else { panic!("expected Use: {decision:?}") };
    assert_eq!(ttl_s, 600);
    let other = decide_with(on(600), "POST", &[("authorization", "Bearer b")]);
    let Ok(CacheDecision::Use { key: other_key, .. }) = other else { panic!("expected Use") };
    assert_ne!(key, other_key);
}

#[test]
fn ttl_header_turns_caching_on_and_overrides() {
    assert_eq!(ttl_of(decide_with(off(), "POST", &[("cf-aig-cache-ttl", "60")])), 60);
    assert_eq!(ttl_of(decide_with(on(600), "POST", &[("cf-aig-cache-ttl", "2592000")])), 2_592_000);
    assert_eq!(ttl_of(decide_with(off(), "POST", &[("cf-cache-ttl", " 120 ")])), 120, "deprecated alias");
    let both = [("cf-cache-ttl", "120"), ("cf-aig-cache-ttl", "180")];
    assert_eq!(ttl_of(decide_with(off(), "POST", &both)), 180, "cf-aig- wins over the alias");
}

#[test]
fn bad_ttl_header_names_header_and_range() {
    for bad in ["59", "2592001", "0", "abc", "", "1e3", "+60", "60s", "-60"] {
        assert_eq!(
            error_of(decide_with(off(), "POST", &[("cf-aig-cache-ttl", bad)])),
            format!("cf-aig-cache-ttl must be a whole number of seconds from 60 to 2592000 (one month), got {bad:?}")
        );
    }
    assert_eq!(
        error_of(decide_with(off(), "POST", &[("cf-cache-ttl", "5")])),
        "cf-cache-ttl must be a whole number of seconds from 60 to 2592000 (one month), got \"5\""
    );
}

#[test]
fn skip_cache_bypasses_when_caching_is_on() {
    assert_eq!(decide_with(on(600), "POST", &[("cf-aig-skip-cache", "true")]), Ok(CacheDecision::Bypass));
    assert_eq!(decide_with(on(600), "POST", &[("cf-skip-cache", "TRUE")]), Ok(CacheDecision::Bypass));
    let with_ttl = [("cf-aig-cache-ttl", "60"), ("cf-aig-skip-cache", "true")];
    assert_eq!(decide_with(off(), "POST", &with_ttl), Ok(CacheDecision::Bypass));
    assert_eq!(ttl_of(decide_with(on(600), "POST", &[("cf-aig-skip-cache", "false")])), 600);
    // Nothing to bypass when caching is off for the request.
    assert_eq!(decide_with(off(), "POST", &[("cf-aig-skip-cache", "true")]), Ok(CacheDecision::Off));
    let alias_loses = [("cf-skip-cache", "true"), ("cf-aig-skip-cache", "false")];
    assert_eq!(ttl_of(decide_with(on(600), "POST", &alias_loses)), 600);
}

#[test]
fn bad_skip_header_is_rejected() {
    assert_eq!(
        error_of(decide_with(on(600), "POST", &[("cf-aig-skip-cache", "1")])),
        "cf-aig-skip-cache must be true or false, got \"1\""
    );
    assert_eq!(
        error_of(decide_with(on(600), "POST", &[("cf-skip-cache", "yes")])),
        "cf-skip-cache must be true or false, got \"yes\""
    );
}

#[test]
fn custom_key_turns_caching_on_for_five_minutes() {
    let decision = decide_with(off(), "POST", &[("cf-aig-cache-key", "faq"), ("authorization", "Bearer a")]);
    let Ok(CacheDecision::Use { key, ttl_s: 300 }) = &decision else {
        panic!("expected Use for 300 s, got {decision:?}")
    };
    assert!(key.kv_key().starts_with(&crate::cache::key::custom_key_prefix("gw", "faq")), "{}", key.kv_key());
    // Another caller with the same custom key shares the entry.
    let other = decide_with(off(), "POST", &[("cf-aig-cache-key", "faq"), ("authorization", "Bearer b")]);
    assert_eq!(decision, other);
    assert_eq!(ttl_of(decide_with(on(900), "POST", &[("cf-aig-cache-key", "faq")])), 900);
    let with_ttl = [("cf-aig-cache-key", "faq"), ("cf-aig-cache-ttl", "120")];
    assert_eq!(ttl_of(decide_with(off(), "POST", &with_ttl)), 120);
}

#[test]
fn custom_key_length_is_bounded() {
    let max = "k".repeat(512);
    assert_eq!(ttl_of(decide_with(off(), "POST", &[("cf-aig-cache-key", &max)])), 300);
    let long = "k".repeat(513);
    assert_eq!(
        error_of(decide_with(off(), "POST", &[("cf-aig-cache-key", &long)])),
        "cf-aig-cache-key is 513 bytes long; the limit is 512 bytes"
    );
    assert_eq!(error_of(decide_with(off(), "POST", &[("cf-aig-cache-key", "")])), "cf-aig-cache-key must not be empty");
}

#[test]
fn only_get_and_post_are_cached_but_headers_are_always_checked() {
    assert!(matches!(decide_with(on(600), "GET", &[]), Ok(CacheDecision::Use { .. })));
    for method in ["DELETE", "PUT", "PATCH"] {
        assert_eq!(decide_with(on(600), method, &[("cf-aig-cache-key", "k")]), Ok(CacheDecision::Off));
    }
    assert!(decide_with(on(600), "DELETE", &[("cf-aig-cache-ttl", "1")]).is_err());
}

fn decide_at(
    provider: &str,
    method: &str,
    endpoint: &str,
    pairs: &[(&str, &str)],
) -> Result<CacheDecision, GatewayError> {
    let headers: Headers = pairs.iter().copied().collect();
    let input = KeyInput { gateway_id: "gw", provider, method, endpoint, headers: &headers, body: b"{}" };
    decide(&on(600), &input)
}

#[test]
fn a_custom_key_is_scoped_by_method_provider_and_endpoint() {
    let custom = [("cf-aig-cache-key", "faq")];
    let base = decide_at("openai", "POST", "/v1/chat/completions", &custom);
    assert!(matches!(base, Ok(CacheDecision::Use { .. })));
    assert_ne!(base, decide_at("openai", "POST", "/v1/embeddings", &custom));
    assert_ne!(base, decide_at("groq", "POST", "/v1/chat/completions", &custom));
    assert_ne!(base, decide_at("openai", "GET", "/v1/chat/completions", &custom));
    assert_ne!(base, decide_at("compat", "POST", "/chat/completions", &custom));
}

#[test]
fn the_gateway_scope_shares_a_custom_key_across_endpoints() {
    let wide = [("cf-aig-cache-key", "faq"), ("cf-aig-cache-key-scope", "gateway")];
    let base = decide_at("openai", "POST", "/v1/chat/completions", &wide);
    assert!(matches!(base, Ok(CacheDecision::Use { .. })));
    assert_eq!(base, decide_at("compat", "POST", "/chat/completions", &wide));
    assert_eq!(base, decide_at("groq", "GET", "/v1/models", &wide));
    let explicit = [("cf-aig-cache-key", "faq"), ("cf-aig-cache-key-scope", " Endpoint ")];
    assert_eq!(
        decide_at("openai", "POST", "/v1/chat/completions", &explicit),
        decide_at("openai", "POST", "/v1/chat/completions", &[("cf-aig-cache-key", "faq")])
    );
    // Without a custom key the scope changes nothing, but a bad value is still refused.
    let scope_only = [("cf-aig-cache-key-scope", "gateway")];
    assert_eq!(decide_at("openai", "POST", "/x", &scope_only), decide_at("openai", "POST", "/x", &[]));
    let e = decide_at("openai", "POST", "/x", &[("cf-aig-cache-key-scope", "world")]).expect_err("bad scope");
    assert_eq!((e.status(), e.message()), (400, "cf-aig-cache-key-scope must be endpoint or gateway, got \"world\""));
}

#[test]
fn a_semantic_request_turns_caching_on_and_its_headers_are_checked() {
    let semantic = [("cf-aig-cache-semantic", "true")];
    assert_eq!(ttl_of(decide_with(off(), "POST", &semantic)), 300);
    assert_eq!(ttl_of(decide_with(on(900), "POST", &semantic)), 900);
    assert_eq!(decide_with(off(), "POST", &[("cf-aig-cache-semantic", "false")]), Ok(CacheDecision::Off));
    assert!(mentions_cache(&semantic.into_iter().collect()));
    assert_eq!(
        error_of(decide_with(off(), "DELETE", &[("cf-aig-cache-semantic-threshold", "2")])),
        "cf-aig-cache-semantic-threshold must be a decimal number from 0 to 1 (e.g. 0.95), got \"2\""
    );
}
