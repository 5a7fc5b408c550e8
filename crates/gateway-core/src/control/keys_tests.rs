use super::*;

const PEPPER: &[u8] = b"pepper";
const NOW: i64 = 1_800_000_000_000;

fn secret(seed: u8) -> [u8; SECRET_BYTES] {
    std::array::from_fn(|i| seed ^ (i as u8).wrapping_mul(13))
}

fn create(json: &str) -> Result<Issued, GatewayError> {
    VirtualKey::create(json.as_bytes(), &[1, 2, 3, 4, 5, 6, 7, 0xab], &secret(9), PEPPER, NOW)
}

#[test]
fn creation_fills_defaults_and_returns_a_secret_that_verifies_against_the_hash() {
    let issued = create(r#"{"name":"ci bot"}"#).unwrap();
    let key = &issued.key;
    assert_eq!(key.id, "vk_01020304050607ab");
    assert_eq!(key.name, "ci bot");
    assert_eq!((key.gateways.as_slice(), key.models.as_slice()), (&["*".to_string()][..], &["*".to_string()][..]));
    assert!(key.provider_keys.is_empty());
    assert_eq!((key.created_at, key.updated_at, key.rotated_at, key.revoked), (NOW, NOW, None, false));
    assert!(issued.hash.verify(issued.plaintext.expose(), PEPPER));
}

#[test]
fn every_field_is_read_from_the_body() {
    let issued = create(
        r#"{"name":"app","owner":"team-a","metadata":{"env":"prod"},"gateways":["prod-*"],
            "models":["anthropic/*","gpt-4o*"],"provider_keys":["OPENAI_API_KEY"],"expires_at":1800000060000,
            "cache_ttl":600}"#,
    )
    .unwrap();
    let key = issued.key;
    assert_eq!(key.owner.as_deref(), Some("team-a"));
    assert_eq!(key.metadata["env"], "prod");
    assert_eq!(key.gateways, ["prod-*"]);
    assert_eq!(key.models, ["anthropic/*", "gpt-4o*"]);
    assert_eq!(key.provider_keys, ["OPENAI_API_KEY"]);
    assert_eq!(key.expires_at, Some(1_800_000_060_000));
    assert_eq!(key.defaults.cache_ttl_s, Some(600));
}

#[test]
fn bad_bodies_are_refused_naming_the_field() {
    for (json, field) in [
        (r#"{}"#, "name"),
        (r#"{"name":""}"#, "name"),
        (r#"{"name":"a","secret":"x"}"#, "secret"),
        (r#"{"name":"a","revoked":false}"#, "revoked"),
        (r#"{"name":"a","models":"gpt-4o"}"#, "models"),
        (r#"{"name":"a","gateways":["has space"]}"#, "gateways"),
        (r#"{"name":"a","provider_keys":["A B"]}"#, "provider_keys"),
        (r#"{"name":"a","metadata":[1]}"#, "metadata"),
        (r#"{"name":"a","expires_at":1000}"#, "expires_at"),
        (r#"{"name":"a","expires_at":"tomorrow"}"#, "expires_at"),
    ] {
        let err = create(json).unwrap_err();
        assert_eq!(err.status(), 400, "{json}");
        assert!(err.message().contains(field), "{json}: {}", err.message());
    }
}

#[test]
fn neither_the_plaintext_nor_the_hash_reaches_debug_or_serialization() {
    let issued = create(r#"{"name":"leak check"}"#).unwrap();
    let secret_hex = &issued.plaintext.expose()[4..];
    let hash_hex = issued.hash.to_hex();
    let record_json = serde_json::to_string(&issued.key).unwrap();
    let debug = format!("{issued:?} {:#?}", issued.key);
    for text in [&record_json, &debug] {
        assert!(!text.contains(secret_hex), "{text}");
        assert!(!text.contains(&secret_hex[..16]), "{text}");
    }
    assert!(!record_json.contains(&hash_hex), "{record_json}");
}

#[test]
fn the_record_round_trips_through_json() {
    let key = create(r#"{"name":"a","owner":"o","models":["x/*"],"retry":{"maxAttempts":2}}"#).unwrap().key;
    let back: VirtualKey = serde_json::from_str(&serde_json::to_string(&key).unwrap()).unwrap();
    assert_eq!(back, key);
}

#[test]
fn update_changes_only_the_fields_sent() {
    let key = create(r#"{"name":"a","owner":"o","models":["x/*"]}"#).unwrap().key;
    let updated = key.update(br#"{"models":["y/*"],"owner":null}"#, NOW + 5).unwrap();
    assert_eq!(updated.models, ["y/*"]);
    assert_eq!(updated.owner, None);
    assert_eq!(updated.name, "a");
    assert_eq!((updated.id.as_str(), updated.created_at, updated.updated_at), (key.id.as_str(), NOW, NOW + 5));
    for bad in [r#"{"name":null}"#, r#"{"id":"vk_x"}"#, r#"{"created_at":1}"#] {
        assert_eq!(key.update(bad.as_bytes(), NOW).unwrap_err().status(), 400, "{bad}");
    }
}

#[test]
fn rotation_keeps_id_and_settings_and_only_the_new_secret_verifies() {
    let first = create(r#"{"name":"a","models":["x/*"]}"#).unwrap();
    let second = first.key.rotate(&secret(77), PEPPER, NOW + 10);
    assert_eq!(second.key, VirtualKey { rotated_at: Some(NOW + 10), updated_at: NOW + 10, ..first.key.clone() });
    assert_ne!(second.plaintext, first.plaintext);
    assert!(second.hash.verify(second.plaintext.expose(), PEPPER));
    assert!(!second.hash.verify(first.plaintext.expose(), PEPPER));
}

#[test]
fn revoked_and_expired_keys_are_refused_with_401() {
    let key = create(r#"{"name":"a","expires_at":1800000001000}"#).unwrap().key;
    assert!(key.check_usable(NOW).is_ok());
    assert!(key.check_usable(NOW + 999).is_ok());
    for at in [NOW + 1000, NOW + 5000] {
        let err = key.check_usable(at).unwrap_err();
        assert_eq!(err.status(), 401);
        assert!(err.message().contains("expired"), "{}", err.message());
    }
    let revoked = key.revoke(NOW + 1);
    let err = revoked.check_usable(NOW + 1).unwrap_err();
    assert_eq!(err.status(), 401);
    assert!(err.message().contains("revoked"), "{}", err.message());
    assert_eq!(unknown_key().status(), 401);
    assert_eq!(missing_key().status(), 401);
}
