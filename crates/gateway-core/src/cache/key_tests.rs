//! Unit tests of `cache::key`.

use super::*;
use crate::provider::PROVIDERS;

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs.iter().copied().collect()
}

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
    for name in IDENTITY_HEADERS {
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
        assert!(IDENTITY_HEADERS.contains(&p.auth.header), "{} uses {}", p.id, p.auth.header);
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
    assert_ne!(CacheKey::custom("ab", "c"), CacheKey::custom("a", "bc"));
}

#[test]
fn custom_key_is_shared_across_callers_but_not_gateways() {
    let a = CacheKey::custom("gw", "faq-1");
    assert_eq!(a, CacheKey::custom("gw", "faq-1"), "no caller input: every caller shares it");
    assert_ne!(a, CacheKey::custom("gw2", "faq-1"));
    assert_ne!(a, CacheKey::custom("gw", "faq-2"));
    assert!(a.kv_key().starts_with("v1/gw/"));
}

#[test]
fn custom_and_default_keys_never_collide() {
    // A custom key equal to the body of a body-only request still hashes under another tag.
    let k = key_of("gw", &[], b"faq-1");
    assert_ne!(k, CacheKey::custom("gw", "faq-1"));
}

#[test]
fn kv_key_reads_back_only_for_its_gateway() {
    let k = CacheKey::custom("gw", "x");
    assert_eq!(CacheKey::from_kv_key("gw", &k.kv_key()), Some(k.clone()));
    assert_eq!(CacheKey::from_kv_key("gw2", &k.kv_key()), None);
    assert_eq!(CacheKey::from_kv_key("gw", &log_index_key("gw", "abc")), None);
    assert_eq!(CacheKey::from_kv_key("gw", &k.kv_key().to_uppercase().replace("V1/GW/", "v1/gw/")), None);
    assert_eq!(CacheKey::from_kv_key("gw", "v1/gw/abc"), None);
}

#[test]
fn log_index_and_prefix_layout() {
    assert_eq!(gateway_prefix("gw"), "v1/gw/");
    assert_eq!(log_index_key("gw", "01HX"), "v1/gw/log/01HX");
    assert!(log_index_key("gw", "01HX").starts_with(&gateway_prefix("gw")));
}

#[test]
fn custom_key_layout_is_stable() {
    // Recomputed by hand: a layout change would orphan every stored entry, so it must be deliberate.
    let mut h = Sha256::new();
    for field in [&b"aig-cache/v1/custom"[..], b"gw", b"faq-1"] {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field);
    }
    assert_eq!(CacheKey::custom("gw", "faq-1").hash(), to_hex(&h.finalize()));
}
