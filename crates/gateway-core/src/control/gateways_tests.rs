use super::*;
use crate::cache::semantic::SemanticSettings;

const NOW: i64 = 1_700_000_000_000;

#[test]
fn creation_reads_every_field() {
    let g = GatewaySettings::create(
        br#"{"id":"prod-eu_1","authentication":true,"byok_only":true,"cache_ttl":3600,"collect_logs":false,
            "collect_log_payloads":false,"retry":{"maxAttempts":3}}"#,
        NOW,
    )
    .unwrap();
    assert_eq!(g.id, "prod-eu_1");
    assert!(g.authentication && g.byok_only);
    assert_eq!(g.defaults.cache_ttl_s, Some(3600));
    assert_eq!(g.defaults.collect_logs, Some(false));
    assert_eq!(g.defaults.collect_log_payloads, Some(false));
    assert_eq!(g.defaults.retry.max_attempts, Some(3));
    assert_eq!((g.created_at, g.updated_at), (NOW, NOW));
}

#[test]
fn a_bare_gateway_inherits_everything() {
    let g = GatewaySettings::create(br#"{"id":"g"}"#, NOW).unwrap();
    assert_eq!(g.defaults, Overrides::default());
    assert!(!g.authentication && !g.byok_only);
}

#[test]
fn bad_bodies_are_refused_naming_the_field() {
    for (json, field) in [
        (r#"{}"#, "`id`"),
        (r#"{"id":"has space"}"#, "`id`"),
        (r#"{"id":"a/b"}"#, "`id`"),
        (r#"{"id":"../x"}"#, "`id`"),
        (r#"{"id":"g","limits":[]}"#, "`limits`"),
        (r#"{"id":"g","limits":{"requests":{"limit":0,"interval":1}}}"#, "`limits.requests.limit`"),
        (r#"{"id":"g","plugins":{}}"#, "`plugins`"),
        (r#"{"id":"g","plugins":[{"name":"no-such-plugin"}]}"#, "no-such-plugin"),
        (r#"{"id":"g","byok_only":"yes"}"#, "`byok_only`"),
        (r#"{"id":"g","authentication":null}"#, "`authentication`"),
        (r#"{"id":"g","cache_ttl":-1}"#, "`cache_ttl`"),
    ] {
        let err = GatewaySettings::create(json.as_bytes(), NOW).unwrap_err();
        assert_eq!(err.status(), 400, "{json}");
        assert!(err.message().contains(field), "{json}: {}", err.message());
    }
    let long_id = format!(r#"{{"id":"{}"}}"#, "a".repeat(65));
    assert_eq!(GatewaySettings::create(long_id.as_bytes(), NOW).unwrap_err().status(), 400);
}

#[test]
fn update_changes_only_the_fields_sent_and_never_the_id() {
    let g = GatewaySettings::create(br#"{"id":"g","cache_ttl":3600,"byok_only":true}"#, NOW).unwrap();
    let u = g.update(br#"{"collect_logs":false}"#, NOW + 1).unwrap();
    assert_eq!(u.defaults.cache_ttl_s, Some(3600));
    assert_eq!(u.defaults.collect_logs, Some(false));
    assert!(u.byok_only);
    assert_eq!((u.created_at, u.updated_at), (NOW, NOW + 1));
    let err = g.update(br#"{"id":"h"}"#, NOW).unwrap_err();
    assert!(err.message().contains("`id`"), "{}", err.message());
}

#[test]
fn byok_only_refuses_client_provider_keys_with_403() {
    let open = GatewaySettings::create(br#"{"id":"g"}"#, NOW).unwrap();
    let strict = GatewaySettings::create(br#"{"id":"g","byok_only":true}"#, NOW).unwrap();
    assert!(open.check_byok(true).is_ok());
    assert!(strict.check_byok(false).is_ok());
    let err = strict.check_byok(true).unwrap_err();
    assert_eq!(err.status(), 403);
    assert!(err.message().contains("byok_only"), "{}", err.message());
}

#[test]
fn stored_json_round_trips() {
    let g = GatewaySettings::create(br#"{"id":"g","retry":{"backoff":"linear"},"cache_ttl":0}"#, NOW).unwrap();
    assert_eq!(serde_json::from_str::<GatewaySettings>(&serde_json::to_string(&g).unwrap()).unwrap(), g);
}

#[test]
fn strict_mode_names_the_unknown_gateway() {
    let err = unknown_gateway("nope");
    assert_eq!(err.status(), 404);
    assert!(err.message().contains("\"nope\""));
}

#[test]
fn provider_keys_name_a_secret_per_known_provider_and_never_echo_a_pasted_key() {
    let g = GatewaySettings::create(br#"{"id":"g","provider_keys":{"openai":"OPENAI_TEAM_A"}}"#, NOW).unwrap();
    assert_eq!(g.provider_keys.get("openai").map(String::as_str), Some("OPENAI_TEAM_A"));
    let cleared = g.update(br#"{"provider_keys":null}"#, NOW + 1).unwrap();
    assert!(cleared.provider_keys.is_empty());
    for (json, field) in [
        (r#"{"id":"g","provider_keys":{"nope":"X"}}"#, "provider_keys.nope"),
        (r#"{"id":"g","provider_keys":["X"]}"#, "provider_keys"),
        (r#"{"id":"g","provider_keys":{"openai":"sk-proj-pasted-key-1234"}}"#, "provider_keys.openai"),
    ] {
        let err = GatewaySettings::create(json.as_bytes(), NOW).unwrap_err();
        assert_eq!(err.status(), 400, "{json}");
        assert!(err.message().contains(field), "{json}: {}", err.message());
        assert!(!err.message().contains("sk-proj"), "{}", err.message());
    }
    // Stored records from before the field still read.
    let old: GatewaySettings = serde_json::from_str(
        r#"{"id":"g","defaults":{},"authentication":false,"byok_only":false,"created_at":1,"updated_at":1}"#,
    )
    .unwrap();
    assert!(old.provider_keys.is_empty());
}

#[test]
fn the_semantic_cache_setting_is_one_field() {
    let g = GatewaySettings::create(br#"{"id":"g","semantic_cache":{"threshold":0.9,"turns":2}}"#, NOW).unwrap();
    let expected = SemanticSettings { enabled: true, threshold: Some(0.9), turns: 2, sampled: false };
    assert_eq!(g.semantic_cache, Some(expected));
    let stored = serde_json::to_string(&g).unwrap();
    assert_eq!(serde_json::from_str::<GatewaySettings>(&stored).unwrap(), g);
    assert_eq!(g.update(br#"{"byok_only":true}"#, NOW + 1).unwrap().semantic_cache, Some(expected), "kept");
    assert_eq!(g.update(br#"{"semantic_cache":null}"#, NOW + 1).unwrap().semantic_cache, None);
    let err = GatewaySettings::create(br#"{"id":"g","semantic_cache":{"threshold":2}}"#, NOW).unwrap_err();
    assert_eq!(err.message(), "field `semantic_cache.threshold` must be a number from 0 to 1, or null");
    assert!(!serde_json::to_string(&GatewaySettings::create(br#"{"id":"g"}"#, NOW).unwrap())
        .unwrap()
        .contains("semantic_cache"));
}
