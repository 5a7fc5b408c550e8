use super::*;
use crate::control::keys::VirtualKey;
use crate::provider::find;

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs.iter().copied().collect()
}

fn pools() -> KeyPools {
    KeyPools::from_vars(Some(r#"{"openai":[{"secret":"OPENAI_A","weight":1}]}"#), None).unwrap()
}

fn choose(provider: &str, secret: Option<&str>, h: &Headers, caller: Caller, translated: bool) -> KeySource {
    let pools = pools();
    let request = KeyRequest {
        headers: h,
        caller,
        pools: &pools,
        now_ms: 0.0,
        virtual_key: None,
        gateway_keys: None,
        secret_is_set: &|_: &str| false,
    };
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
    let request = KeyRequest {
        headers: &h,
        caller: Caller::Anonymous,
        pools: &pools,
        now_ms: 0.0,
        virtual_key: None,
        gateway_keys: None,
        secret_is_set: &|_: &str| true,
    };
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
    strip_gateway_credentials(&mut h, Caller::TokenAsApiKey);
    assert_eq!(h.iter().collect::<Vec<_>>(), [("x-a", "1")]);
    let mut h = headers(&[("cf-aig-authorization", "Bearer t"), ("authorization", "Bearer sk")]);
    strip_gateway_credentials(&mut h, Caller::TokenHeader);
    assert_eq!(h.get("authorization"), Some("Bearer sk"));
}

#[test]
fn every_provider_auth_header_is_a_credential_header() {
    for provider in crate::provider::PROVIDERS {
        assert!(CREDENTIAL_HEADERS.contains(&provider.auth.header), "{}: {}", provider.id, provider.auth.header);
    }
}

#[test]
fn re_keying_for_another_provider_drops_an_elevenlabs_key() {
    let mut headers: Headers =
        [("xi-api-key", "el-secret"), ("content-type", "application/json")].into_iter().collect();
    set_key(&mut headers, crate::provider::find("openai").unwrap(), "sk-stored");
    assert_eq!(headers.get("xi-api-key"), None);
    assert_eq!(headers.get("authorization"), Some("Bearer sk-stored"));
}

fn virtual_key(provider_keys: &[&str]) -> VirtualKey {
    let body = serde_json::json!({ "name": "app", "provider_keys": provider_keys }).to_string();
    VirtualKey::create(body.as_bytes(), &[1; 8], &[2; 32], b"pepper", 0).unwrap().key
}

fn choose_as_virtual_key(
    provider: &str,
    target_secret: Option<&str>,
    h: &Headers,
    key: &VirtualKey,
    set: &[&str],
) -> Result<KeySource, GatewayError> {
    let pools = KeyPools::from_vars(
        Some(r#"{"openai":[{"secret":"OPENAI_A","weight":1},{"secret":"OPENAI_B","weight":1}]}"#),
        None,
    )
    .unwrap();
    let secret_is_set = |name: &str| set.contains(&name);
    let request = KeyRequest {
        headers: h,
        caller: Caller::VirtualKey { header: "authorization" },
        pools: &pools,
        now_ms: 0.0,
        virtual_key: Some(key),
        gateway_keys: None,
        secret_is_set: &secret_is_set,
    };
    choose_key(&request, find(provider).unwrap(), target_secret, false, 0.0)
}

#[test]
fn a_virtual_key_is_never_a_provider_key_and_spends_only_the_stored_keys_it_names() {
    let h = headers(&[("authorization", "Bearer aig_x")]);
    // The pool draw is limited to the key's own: with random 0.0 it would otherwise take OPENAI_A.
    let key = virtual_key(&["OPENAI_B"]);
    assert_eq!(
        choose_as_virtual_key("openai", None, &h, &key, &[]).unwrap(),
        KeySource::Pool { key_id: 1, secret: "OPENAI_B".into() }
    );
    // Without a pool, the provider's conventional secret, when set and named.
    let key = virtual_key(&["ANTHROPIC_API_KEY"]);
    assert_eq!(
        choose_as_virtual_key("anthropic", None, &h, &key, &["ANTHROPIC_API_KEY"]).unwrap(),
        KeySource::Secret("ANTHROPIC_API_KEY".into())
    );
    // Set but not named: 403 naming the rule and the secret, never what the key may do.
    let err =
        choose_as_virtual_key("anthropic", None, &h, &virtual_key(&["OTHER"]), &["ANTHROPIC_API_KEY"]).unwrap_err();
    assert_eq!(err.status(), 403);
    assert!(err.message().contains("`provider_keys`") && err.message().contains("ANTHROPIC_API_KEY"));
    assert!(!err.message().contains("OTHER"), "{}", err.message());
    // A pool of which it may spend nothing is refused too.
    let err = choose_as_virtual_key("openai", None, &h, &virtual_key(&[]), &[]).unwrap_err();
    assert_eq!(err.status(), 403);
    // A route's named key must be named by the virtual key as well.
    let err = choose_as_virtual_key("openai", Some("ROUTE_KEY"), &h, &virtual_key(&["OPENAI_A"]), &[]).unwrap_err();
    assert_eq!(err.status(), 403);
    // Nothing stored for the provider at all: the operator's to fix, said plainly.
    let err = choose_as_virtual_key("groq", None, &h, &virtual_key(&["GROQ_API_KEY"]), &[]).unwrap_err();
    assert_eq!(err.status(), 500);
    assert!(err.message().contains("GROQ_API_KEY"), "{}", err.message());
}

#[test]
fn a_virtual_key_caller_may_still_bring_its_own_provider_key() {
    // The virtual key in cf-aig-authorization, the client's own key as the SDK's API key.
    let h = headers(&[("cf-aig-authorization", "Bearer aig_x"), ("authorization", "Bearer sk-own")]);
    let pools = KeyPools::default();
    let request = KeyRequest {
        headers: &h,
        caller: Caller::VirtualKey { header: GATEWAY_AUTH_HEADER },
        pools: &pools,
        now_ms: 0.0,
        virtual_key: None,
        gateway_keys: None,
        secret_is_set: &|_: &str| true,
    };
    assert_eq!(choose_key(&request, find("openai").unwrap(), None, false, 0.0).unwrap(), KeySource::Client);
    // In the SDK's header, the virtual key is no client key: the stored one is used.
    let h = headers(&[("x-api-key", "aig_x")]);
    let request = KeyRequest { headers: &h, caller: Caller::VirtualKey { header: "x-api-key" }, ..request };
    assert_eq!(client_key(&h, find("anthropic").unwrap(), request.caller), None);
    assert_eq!(
        choose_key(&request, find("anthropic").unwrap(), None, false, 0.0).unwrap(),
        KeySource::Secret("ANTHROPIC_API_KEY".into())
    );
}

#[test]
fn the_gateway_token_spends_the_conventional_secret_only_when_it_is_set() {
    let h = headers(&[("cf-aig-authorization", "Bearer t")]);
    let pools = KeyPools::default();
    let request = KeyRequest {
        headers: &h,
        caller: Caller::TokenHeader,
        pools: &pools,
        now_ms: 0.0,
        virtual_key: None,
        gateway_keys: None,
        secret_is_set: &|name: &str| name == "GOOGLE_AI_STUDIO_API_KEY",
    };
    assert_eq!(
        choose_key(&request, find("google-ai-studio").unwrap(), None, false, 0.0).unwrap(),
        KeySource::Secret("GOOGLE_AI_STUDIO_API_KEY".into())
    );
    assert_eq!(choose_key(&request, find("openai").unwrap(), None, false, 0.0).unwrap(), KeySource::Missing);
}

#[test]
fn a_virtual_key_in_an_sdk_header_never_travels_upstream() {
    let mut h = headers(&[("x-api-key", "aig_x"), ("cf-aig-authorization", "Bearer aig_x"), ("x-a", "1")]);
    strip_gateway_credentials(&mut h, Caller::VirtualKey { header: "x-api-key" });
    assert_eq!(h.iter().collect::<Vec<_>>(), [("x-a", "1")]);
    let mut h = headers(&[("cf-aig-authorization", "Bearer aig_x"), ("authorization", "Bearer sk")]);
    strip_gateway_credentials(&mut h, Caller::VirtualKey { header: GATEWAY_AUTH_HEADER });
    assert_eq!(h.iter().collect::<Vec<_>>(), [("authorization", "Bearer sk")]);
}

#[test]
fn a_gateway_named_key_comes_before_the_pool_and_the_convention() {
    let h = headers(&[("cf-aig-authorization", "Bearer t")]);
    let pools = pools();
    let named: std::collections::BTreeMap<String, String> = [("openai".to_string(), "OPENAI_TEAM".to_string())].into();
    let request = KeyRequest {
        headers: &h,
        caller: Caller::TokenHeader,
        pools: &pools,
        now_ms: 0.0,
        virtual_key: None,
        gateway_keys: Some(&named),
        secret_is_set: &|_: &str| true,
    };
    assert_eq!(
        choose_key(&request, find("openai").unwrap(), None, false, 0.5).unwrap(),
        KeySource::Secret("OPENAI_TEAM".into())
    );
    // A virtual key must be allowed to spend it.
    let key = virtual_key(&["OPENAI_A"]);
    let request =
        KeyRequest { caller: Caller::VirtualKey { header: GATEWAY_AUTH_HEADER }, virtual_key: Some(&key), ..request };
    assert_eq!(choose_key(&request, find("openai").unwrap(), None, false, 0.5).unwrap_err().status(), 403);
    // Another provider falls through to its pool or convention.
    assert_eq!(
        choose_key(
            &KeyRequest { virtual_key: None, caller: Caller::TokenHeader, ..request },
            find("groq").unwrap(),
            None,
            false,
            0.5
        )
        .unwrap(),
        KeySource::Secret("GROQ_API_KEY".into())
    );
}
