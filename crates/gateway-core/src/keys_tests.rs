use super::*;
use crate::provider::find;

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs.iter().copied().collect()
}

fn pools() -> KeyPools {
    KeyPools::from_vars(Some(r#"{"openai":[{"secret":"OPENAI_A","weight":1}]}"#), None).unwrap()
}

fn choose(provider: &str, secret: Option<&str>, h: &Headers, caller: Caller, translated: bool) -> KeySource {
    let pools = pools();
    let request = KeyRequest { headers: h, caller, pools: &pools, now_ms: 0.0 };
    choose_key(&request, find(provider).unwrap(), secret, translated, 0.5).unwrap()
}

#[test]
fn without_a_gateway_token_the_gateway_is_open_and_uses_only_client_keys() {
    let h = headers(&[("authorization", "Bearer sk-client")]);
    assert_eq!(authenticate(&h, None).unwrap(), Caller::Anonymous);
    assert_eq!(choose("openai", None, &h, Caller::Anonymous, false), KeySource::Client);
    // No client key and no right to the pool: the request goes without a key.
    assert_eq!(choose("openai", None, &Headers::new(), Caller::Anonymous, false), KeySource::Missing);
    let pools = pools();
    let request = KeyRequest { headers: &h, caller: Caller::Anonymous, pools: &pools, now_ms: 0.0 };
    let err = choose_key(&request, find("openai").unwrap(), Some("S"), false, 0.5).unwrap_err();
    assert_eq!(err.status(), 401);
}

#[test]
fn the_gateway_token_is_accepted_in_either_header_and_nothing_else_passes() {
    let token = Some("gw-token");
    assert_eq!(
        authenticate(&headers(&[("cf-aig-authorization", "Bearer gw-token")]), token).unwrap(),
        Caller::TokenHeader
    );
    assert_eq!(authenticate(&headers(&[("authorization", "Bearer gw-token")]), token).unwrap(), Caller::TokenAsApiKey);
    for wrong in
        [headers(&[]), headers(&[("cf-aig-authorization", "Bearer gw-toke")]), headers(&[("x-api-key", "gw-token")])]
    {
        assert_eq!(authenticate(&wrong, token).unwrap_err().status(), 401);
    }
}

#[test]
fn authenticated_callers_without_a_key_get_a_pooled_key() {
    let h = headers(&[("cf-aig-authorization", "Bearer t")]);
    assert_eq!(
        choose("openai", None, &h, Caller::TokenHeader, false),
        KeySource::Pool { key_id: 0, secret: "OPENAI_A".into() }
    );
    // The gateway token sent as the SDK's API key is not a provider key.
    let h = headers(&[("authorization", "Bearer t")]);
    assert_eq!(
        choose("openai", None, &h, Caller::TokenAsApiKey, false),
        KeySource::Pool { key_id: 0, secret: "OPENAI_A".into() }
    );
    // A provider without a pool gets no key.
    assert_eq!(choose("groq", None, &h, Caller::TokenAsApiKey, false), KeySource::Missing);
    // A route's named secret comes first.
    assert_eq!(
        choose("openai", Some("ROUTE_KEY"), &h, Caller::TokenHeader, false),
        KeySource::Secret("ROUTE_KEY".into())
    );
}

#[test]
fn a_client_key_is_moved_to_the_providers_header_when_the_gateway_builds_the_request() {
    let h = headers(&[("authorization", "Bearer sk-ant-1")]);
    assert_eq!(choose("anthropic", None, &h, Caller::Anonymous, true), KeySource::ClientKey("sk-ant-1".into()));
    let h = headers(&[("x-api-key", "sk-ant-2")]);
    assert_eq!(choose("anthropic", None, &h, Caller::Anonymous, false), KeySource::Client);
    assert_eq!(choose("openai", None, &h, Caller::Anonymous, false), KeySource::ClientKey("sk-ant-2".into()));
}

#[test]
fn set_key_leaves_exactly_one_credential_in_the_providers_form() {
    let mut h = headers(&[("authorization", "Bearer gw"), ("x-api-key", "old"), ("content-type", "application/json")]);
    set_key(&mut h, find("anthropic").unwrap(), "sk-ant");
    assert_eq!(h.iter().collect::<Vec<_>>(), [("content-type", "application/json"), ("x-api-key", "sk-ant")]);
    set_key(&mut h, find("groq").unwrap(), "gsk");
    assert_eq!(h.get("authorization"), Some("Bearer gsk"));
    assert_eq!(h.get("x-api-key"), None);
}

#[test]
fn the_gateway_token_never_travels_upstream() {
    let mut h = headers(&[("cf-aig-authorization", "Bearer t"), ("authorization", "Bearer t"), ("x-a", "1")]);
    strip_gateway_token(&mut h, Caller::TokenAsApiKey);
    assert_eq!(h.iter().collect::<Vec<_>>(), [("x-a", "1")]);
    let mut h = headers(&[("cf-aig-authorization", "Bearer t"), ("authorization", "Bearer sk")]);
    strip_gateway_token(&mut h, Caller::TokenHeader);
    assert_eq!(h.get("authorization"), Some("Bearer sk"));
}

#[test]
fn every_provider_auth_header_is_a_credential_header_and_the_cache_identity_uses_the_same_list() {
    for provider in crate::provider::PROVIDERS {
        assert!(CREDENTIAL_HEADERS.contains(&provider.auth.header), "{}: {}", provider.id, provider.auth.header);
    }
    let mut identity: Vec<&str> = crate::cache::key::IDENTITY_HEADERS.to_vec();
    let mut expected: Vec<&str> = CREDENTIAL_HEADERS.iter().copied().chain([GATEWAY_AUTH_HEADER]).collect();
    identity.sort_unstable();
    expected.sort_unstable();
    assert_eq!(identity, expected, "the cache key's identity headers drifted from the credential headers");
}

#[test]
fn re_keying_for_another_provider_drops_an_elevenlabs_key() {
    let mut headers: Headers =
        [("xi-api-key", "el-secret"), ("content-type", "application/json")].into_iter().collect();
    set_key(&mut headers, crate::provider::find("openai").unwrap(), "sk-stored");
    assert_eq!(headers.get("xi-api-key"), None);
    assert_eq!(headers.get("authorization"), Some("Bearer sk-stored"));
}
