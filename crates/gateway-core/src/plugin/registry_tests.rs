use serde_json::json;

use super::*;

#[test]
fn plugins_are_built_in_registry_order_with_their_configuration() {
    let plugins = from_vars(
        BUILT_IN,
        Some("pii-redaction, prompt-firewall"),
        Some(r#"{"prompt-firewall":{"block":{"words":["x"]}}}"#),
    )
    .unwrap();
    let names: Vec<&str> = plugins.iter().map(|p| p.name()).collect();
    assert_eq!(names, ["prompt-firewall", "pii-redaction"]);
    assert!(from_vars(BUILT_IN, None, None).unwrap().is_empty());
}

#[test]
fn a_bad_name_or_configuration_fails_naming_the_plugin_and_field() {
    let err = from_vars(BUILT_IN, Some("prompt-firewal"), None).err().unwrap();
    assert_eq!(err.status(), 500);
    assert!(err.message().contains("prompt-firewal") && err.message().contains("prompt-firewall"), "{}", err.message());
    let err = from_vars(BUILT_IN, Some("prompt-firewall"), Some(r#"{"prompt-firewall":{"block":{"patterns":["("]}}}"#))
        .err()
        .unwrap();
    assert!(
        err.message().contains("\"prompt-firewall\"") && err.message().contains("block.patterns[0]"),
        "{}",
        err.message()
    );
    let err = from_vars(BUILT_IN, Some("pii-redaction"), Some(r#"{"model-policy":{}}"#)).err().unwrap();
    assert!(err.message().contains("does not enable"), "{}", err.message());
    let err = from_vars(BUILT_IN, Some("pii-redaction"), Some("[]")).err().unwrap();
    assert!(err.message().contains("PLUGIN_CONFIG"), "{}", err.message());
}

#[test]
fn admin_settings_are_checked_when_set() {
    let ok = read_settings(&json!([{"name": "model-policy", "config": {"deny": ["o3*"]}}])).unwrap();
    assert_eq!(ok[0].name, "model-policy");
    for (value, part) in [
        (json!({"name": "x"}), "list"),
        (json!([{"name": "nope"}]), "unknown plugin"),
        (json!([{"name": "pii-redaction", "config": {"detect": ["dna"]}}]), "\"pii-redaction\""),
    ] {
        let err = read_settings(&value).unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains(part), "{part}: {}", err.message());
    }
}
