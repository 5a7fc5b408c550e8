//! Unit tests of `cache::key`.

use super::*;
use crate::provider::PROVIDERS;

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs.iter().copied().collect()
}

/// The key of `cf-aig-cache-key: {custom}` on a gateway's POST to OpenAI chat completions.
fn custom(gateway: &str, custom: &str, scope: CustomKeyScope) -> CacheKey {
    custom_at(gateway, "POST", "openai", "/v1/chat/completions", custom, scope)
}

fn custom_at(
    gateway: &str,
    method: &str,
    provider: &str,
    endpoint: &str,
    key: &str,
    scope: CustomKeyScope,
) -> CacheKey {
    let h = headers(&[("authorization", "Bearer sk-1")]);
    CacheKey::custom(
        &KeyInput { gateway_id: gateway, provider, method, endpoint, headers: &h, body: b"{}" },
        key,
        scope,
    )
}

const ENDPOINT: CustomKeyScope = CustomKeyScope::Endpoint;
const GATEWAY: CustomKeyScope = CustomKeyScope::Gateway;

fn key_of(gateway: &str, auth: &[(&str, &str)], body: &[u8]) -> CacheKey {
    let h = headers(auth);
    CacheKey::default_for(&KeyInput {
        gateway_id: gateway,
        provider: "openai",
        method: "POST",
        endpoint: "/v1/chat/completions",
        headers: &h,
        body,
    })
}

#[test]
fn same_request_same_key_and_kv_layout() {
    let a = key_of("gw", &[("authorization", "Bearer sk-1")], b"{}");
    let b = key_of("gw", &[("authorization", "Bearer sk-1"), ("user-agent", "other")], b"{}");
    assert_eq!(a, b, "headers outside the identity list do not change the key");
    assert_eq!(a.hash().len(), 64);
    assert!(a.hash().bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(a.kv_key(), format!("v1/gw/{}", a.hash()));
    assert_eq!(a.gateway_id(), "gw");
}

#[test]
fn hex_encoding_matches_a_known_sha256_vector() {
    // Pins the hex encoding against a known SHA-256 vector, through the same helper.
    let mut h = Sha256::new();
    h.update(b"abc");
    assert_eq!(to_hex(&h.finalize()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

#[test]
fn different_callers_get_different_keys() {
    let base = key_of("gw", &[("authorization", "Bearer sk-1")], b"{}");
    for name in identity_headers() {
        let other = key_of("gw", &[("authorization", "Bearer sk-1"), (name, "x")], b"{}");
        assert_ne!(base, other, "{name} must separate callers");
    }
    assert_ne!(base, key_of("gw", &[("authorization", "Bearer sk-2")], b"{}"));
    assert_ne!(base, key_of("gw", &[], b"{}"), "no credentials is its own identity");
    // The same value under another header name is another identity.
    assert_ne!(key_of("gw", &[("x-api-key", "k")], b"{}"), key_of("gw", &[("api-key", "k")], b"{}"));
}

#[test]
fn every_provider_auth_header_is_an_identity_header() {
    for p in PROVIDERS {
        assert!(identity_headers().any(|h| h == p.auth.header), "{} uses {}", p.id, p.auth.header);
    }
}

#[test]
fn every_field_separates_keys() {
    let h = headers(&[("authorization", "k")]);
    let base = KeyInput {
        gateway_id: "gw",
        provider: "openai",
        method: "POST",
        endpoint: "/v1/x?a=1",
        headers: &h,
        body: b"{}",
    };
    let k = CacheKey::default_for(&base);
    assert_ne!(k, CacheKey::default_for(&KeyInput { gateway_id: "gw2", ..base }));
    assert_ne!(k, CacheKey::default_for(&KeyInput { provider: "groq", ..base }));
    assert_ne!(k, CacheKey::default_for(&KeyInput { method: "GET", ..base }));
    assert_ne!(k, CacheKey::default_for(&KeyInput { endpoint: "/v1/x?a=2", ..base }));
    assert_ne!(k, CacheKey::default_for(&KeyInput { body: b"{ }", ..base }));
}

#[test]
fn length_prefixing_separates_field_splits() {
    let h = Headers::new();
    let split = |provider, endpoint| {
        CacheKey::default_for(&KeyInput {
            gateway_id: "gw",
            provider,
            method: "POST",
            endpoint,
            headers: &h,
            body: b"",
        })
    };
    // Plain concatenation of both pairs is "openai/v1/chat".
    assert_ne!(split("openai", "/v1/chat"), split("openai/v1", "/chat"));
    assert_ne!(custom("ab", "c", GATEWAY), custom("a", "bc", GATEWAY));
    assert_ne!(
        custom_at("gw", "POST", "openai", "/v1/chat", "k", ENDPOINT),
        custom_at("gw", "POST", "openai/v1", "/chat", "k", ENDPOINT)
    );
}

#[test]
fn custom_key_is_shared_across_callers_but_not_gateways() {
    for scope in [ENDPOINT, GATEWAY] {
        let a = custom("gw", "faq-1", scope);
        let other_caller = headers(&[("authorization", "Bearer sk-2"), ("anthropic-version", "x")]);
        let input = KeyInput {
            gateway_id: "gw",
            provider: "openai",
            method: "POST",
            endpoint: "/v1/chat/completions",
            headers: &other_caller,
            body: b"another body",
        };
        assert_eq!(a, CacheKey::custom(&input, "faq-1", scope), "no caller input: every caller shares it");
        assert_ne!(a, custom("gw2", "faq-1", scope));
        assert_ne!(a, custom("gw", "faq-2", scope));
        assert!(a.kv_key().starts_with(&custom_key_prefix("gw", "faq-1")), "{}", a.kv_key());
    }
}

#[test]
fn a_custom_key_s_scope_says_how_widely_it_is_shared() {
    let base = custom("gw", "faq", ENDPOINT);
    for (method, provider, endpoint) in [
        ("GET", "openai", "/v1/chat/completions"),
        ("POST", "groq", "/v1/chat/completions"),
        ("POST", "openai", "/v1/embeddings"),
    ] {
        assert_ne!(
            base,
            custom_at("gw", method, provider, endpoint, "faq", ENDPOINT),
            "{method} {provider} {endpoint}"
        );
        assert_eq!(
            custom("gw", "faq", GATEWAY),
            custom_at("gw", method, provider, endpoint, "faq", GATEWAY),
            "the gateway scope ignores {method} {provider} {endpoint}"
        );
    }
    assert_ne!(base, custom("gw", "faq", GATEWAY), "the two scopes never share an entry");
    // Both scopes live in the custom key's folder, so one purge finds them all.
    let folder = custom_key_prefix("gw", "faq");
    assert!(base.kv_key().starts_with(&folder) && custom("gw", "faq", GATEWAY).kv_key().starts_with(&folder));
    assert_eq!(folder.len(), "v1/gw/key/".len() + 65);
    assert!(!custom("gw", "faq2", GATEWAY).kv_key().starts_with(&folder));
}

#[test]
fn custom_and_default_keys_never_collide() {
    // A custom key equal to the body of a body-only request still hashes under another tag.
    let k = key_of("gw", &[], b"faq-1");
    assert_ne!(k, custom("gw", "faq-1", GATEWAY));
    assert_ne!(k, custom("gw", "faq-1", ENDPOINT));
}

#[test]
fn kv_key_reads_back_only_for_its_gateway() {
    for k in [custom("gw", "x", ENDPOINT), key_of("gw", &[], b"{}")] {
        assert_eq!(CacheKey::from_kv_key("gw", &k.kv_key()), Some(k.clone()));
        assert_eq!(CacheKey::from_kv_key("gw2", &k.kv_key()), None);
        assert_eq!(CacheKey::from_kv_key("gw", &k.kv_key().to_uppercase().replace("V1/GW/", "v1/gw/")), None);
    }
    let hex = "a".repeat(64);
    assert_eq!(CacheKey::from_kv_key("gw", &log_index_key("gw", "abc")), None);
    assert_eq!(CacheKey::from_kv_key("gw", "v1/gw/abc"), None);
    assert_eq!(CacheKey::from_kv_key("gw", &format!("v1/gw/key/{hex}")), None, "a folder without an entry");
    assert_eq!(CacheKey::from_kv_key("gw", &format!("v1/gw/key/abc/{hex}")), None);
    assert_eq!(CacheKey::from_kv_key("gw", &format!("v1/gw/key/{hex}/{hex}/{hex}")), None);
    assert!(CacheKey::from_kv_key("gw", &format!("v1/gw/key/{hex}/{hex}")).is_some());
}

#[test]
fn log_index_and_prefix_layout() {
    assert_eq!(gateway_prefix("gw"), "v1/gw/");
    assert_eq!(log_index_key("gw", "01HX"), "v1/gw/log/01HX");
    assert!(log_index_key("gw", "01HX").starts_with(&gateway_prefix("gw")));
}

/// The SHA-256 of length-prefixed fields, recomputed by hand.
fn digest(fields: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha256::new();
    for field in fields {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field);
    }
    h.finalize().to_vec()
}

fn by_hand(fields: &[&[u8]]) -> String {
    to_hex(&digest(fields))
}

#[test]
fn custom_key_layout_is_stable() {
    // Recomputed by hand: a layout change would orphan every stored entry, so it must be deliberate.
    let folder = by_hand(&[b"aig-cache/v2/custom-key", b"gw", b"faq-1"]);
    let gateway = by_hand(&[b"aig-cache/v2/custom", b"gw", b"faq-1", b"gateway"]);
    let endpoint =
        by_hand(&[b"aig-cache/v2/custom", b"gw", b"faq-1", b"endpoint", b"POST", b"openai", b"/v1/chat/completions"]);
    assert_eq!(custom("gw", "faq-1", GATEWAY).kv_key(), format!("v1/gw/key/{folder}/{gateway}"));
    assert_eq!(custom("gw", "faq-1", ENDPOINT).kv_key(), format!("v1/gw/key/{folder}/{endpoint}"));
    assert_eq!(custom_key_prefix("gw", "faq-1"), format!("v1/gw/key/{folder}/"));
}

#[test]
fn default_key_layout_is_stable() {
    let h = headers(&[("x-api-key", "k"), ("anthropic-version", " 2023-06-01 ")]);
    let input = KeyInput {
        gateway_id: "gw",
        provider: "anthropic",
        method: "POST",
        endpoint: "/v1/messages",
        headers: &h,
        body: b"{}",
    };
    let identity = digest(&[b"x-api-key", b"k"]);
    let answer = digest(&[b"anthropic-version", b"2023-06-01"]);
    let expected = by_hand(&[
        b"aig-cache/v2/default",
        b"gw",
        b"anthropic",
        b"POST",
        b"/v1/messages",
        identity.as_slice(),
        answer.as_slice(),
        b"{}",
    ]);
    assert_eq!(CacheKey::default_for(&input).kv_key(), format!("v1/gw/{expected}"));
}

#[test]
fn answer_headers_come_from_the_provider_table() {
    assert_eq!(answer_headers_of("anthropic"), ["anthropic-beta", "anthropic-version"]);
    assert_eq!(answer_headers_of("openai"), ["openai-beta", "openai-organization", "openai-project"]);
    assert_eq!(answer_headers_of("groq"), answer_headers_of("openai"));
    assert!(answer_headers_of("google-ai-studio").is_empty());
    let all = answer_headers_of("compat");
    assert_eq!(all, answer_headers_of("universal"));
    for p in PROVIDERS {
        for name in p.answer_headers {
            assert!(all.contains(name), "{name} of {}", p.id);
            assert_eq!(*name, name.to_ascii_lowercase(), "{} lists {name}", p.id);
            assert!(!identity_headers().any(|h| h == *name), "{name} of {} is a credential", p.id);
        }
    }
    assert!(all.windows(2).all(|w| w[0] < w[1]), "sorted, each once: {all:?}");
}

fn key_for(provider: &str, pairs: &[(&str, &str)]) -> CacheKey {
    let h = headers(pairs);
    CacheKey::default_for(&KeyInput {
        gateway_id: "gw",
        provider,
        method: "POST",
        endpoint: "/v1/messages",
        headers: &h,
        body: b"{}",
    })
}

#[test]
fn answer_shaping_headers_separate_keys() {
    let auth = ("x-api-key", "k");
    let base = key_for("anthropic", &[auth, ("anthropic-version", "2023-06-01")]);
    assert_ne!(base, key_for("anthropic", &[auth, ("anthropic-version", "2024-01-01")]));
    assert_ne!(base, key_for("anthropic", &[auth, ("anthropic-version", "2023-06-01"), ("anthropic-beta", "x")]));
    assert_ne!(key_for("anthropic", &[auth]), base, "a version against none");
    let openai = key_for("openai", &[("authorization", "Bearer k")]);
    for name in ["openai-beta", "openai-organization", "openai-project"] {
        assert_ne!(openai, key_for("openai", &[("authorization", "Bearer k"), (name, "v")]), "{name}");
    }
    // The compat and universal endpoints may reach any provider: every provider's headers count.
    for provider in ["compat", "universal"] {
        let plain = key_for(provider, &[auth]);
        assert_ne!(plain, key_for(provider, &[auth, ("anthropic-version", "2023-06-01")]), "{provider}");
        assert_ne!(plain, key_for(provider, &[auth, ("openai-beta", "assistants=v2")]), "{provider}");
    }
}

#[test]
fn answer_shaping_headers_are_hashed_in_a_canonical_form() {
    let auth = ("x-api-key", "k");
    let one = key_for("anthropic", &[auth, ("anthropic-beta", "a, b"), ("anthropic-version", "v")]);
    // Order among headers, name case, surrounding spaces, and a repeated header versus its
    // folded form do not matter; an empty value is no value.
    let same = [
        vec![("anthropic-version", "v"), auth, ("anthropic-beta", "a, b")],
        vec![auth, ("Anthropic-Beta", " a, b "), ("ANTHROPIC-VERSION", "v")],
        vec![auth, ("anthropic-beta", "a"), ("anthropic-beta", "b"), ("anthropic-version", "v")],
        vec![auth, ("anthropic-beta", "a, b"), ("anthropic-beta", ""), ("anthropic-version", "v")],
    ];
    for pairs in same {
        assert_eq!(one, key_for("anthropic", &pairs), "{pairs:?}");
    }
    assert_eq!(key_for("anthropic", &[auth]), key_for("anthropic", &[auth, ("anthropic-beta", " ")]));
    // Values are compared as sent: another order of the list is another key.
    assert_ne!(one, key_for("anthropic", &[auth, ("anthropic-beta", "b, a"), ("anthropic-version", "v")]));
}

#[test]
fn headers_of_other_providers_do_not_split_keys() {
    let openai = key_for("openai", &[("authorization", "Bearer k")]);
    assert_eq!(openai, key_for("openai", &[("authorization", "Bearer k"), ("anthropic-version", "x")]));
    let anthropic = key_for("anthropic", &[("x-api-key", "k")]);
    assert_eq!(anthropic, key_for("anthropic", &[("x-api-key", "k"), ("openai-beta", "x")]));
}
