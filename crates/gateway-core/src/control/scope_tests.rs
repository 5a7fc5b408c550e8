use super::*;

#[test]
fn glob_table() {
    for (pattern, text, expected) in [
        ("*", "", true),
        ("*", "anything/at all", true),
        ("gpt-4o*", "gpt-4o", true),
        ("gpt-4o*", "gpt-4o-mini", true),
        ("gpt-4o*", "gpt-4", false),
        ("gpt-4o*", "GPT-4o", false),
        ("*-mini", "gpt-4o-mini", true),
        ("*-mini", "gpt-4o-mini-2024", false),
        ("claude-*-sonnet*", "claude-3-5-sonnet-latest", true),
        ("claude-*-sonnet*", "claude-3-5-haiku", false),
        ("a*b*c", "aXbYc", true),
        ("a*b*c", "aXbYcZ", false),
        ("a*b*c", "abbbc", true),
        ("exact", "exact", true),
        ("exact", "exactly", false),
        ("exact", "inexact", false),
        ("**", "x", true),
        ("a**", "a", true),
        ("", "", true),
        ("", "x", false),
        ("anthropic/*", "anthropic/", true),
        ("anthropic/*", "anthropic", false),
    ] {
        assert_eq!(glob_match(pattern, text), expected, "{pattern:?} vs {text:?}");
    }
}

#[test]
fn backtracking_stays_linear_enough() {
    let pattern = "*a*a*a*a*a*a*a*a*b";
    let text = "a".repeat(5000);
    assert!(!glob_match(pattern, &text));
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn model_patterns_with_a_slash_match_provider_and_model_and_others_the_model_alone() {
    let patterns = strings(&["anthropic/*", "gpt-4o*"]);
    assert!(model_allowed(&patterns, "anthropic", "claude-sonnet-4"));
    assert!(model_allowed(&patterns, "openai", "gpt-4o-mini"));
    assert!(model_allowed(&patterns, "azure-openai", "gpt-4o"));
    assert!(!model_allowed(&patterns, "openai", "o3"));
    assert!(!model_allowed(&patterns, "openrouter", "anthropic/claude"));
    // No model: allowed by a provider-wide pattern only.
    assert!(model_allowed(&patterns, "anthropic", ""));
    assert!(!model_allowed(&patterns, "openai", ""));
    assert!(model_allowed(&strings(&["openrouter/anthropic/*"]), "openrouter", "anthropic/claude"));
    assert!(!model_allowed(&[], "openai", "gpt-4o"));
}

fn key() -> VirtualKey {
    VirtualKey {
        id: "vk_1".into(),
        name: "n".into(),
        owner: None,
        metadata: Default::default(),
        gateways: strings(&["prod-*", "shared"]),
        models: strings(&["anthropic/*", "gpt-4o*"]),
        provider_keys: strings(&["OPENAI_API_KEY"]),
        defaults: Default::default(),
        limits: Default::default(),
        plugins: Vec::new(),
        expires_at: None,
        revoked: false,
        created_at: 0,
        rotated_at: None,
        updated_at: 0,
    }
}

fn request<'a>(gateway: &'a str, provider: &'a str, model: &'a str, stored: Option<&'a str>) -> ScopeRequest<'a> {
    ScopeRequest { gateway, provider, model, provider_key: stored }
}

#[test]
fn a_request_inside_the_scope_passes() {
    assert!(check_scope(&key(), &request("prod-eu", "openai", "gpt-4o", Some("OPENAI_API_KEY"))).is_ok());
    assert!(check_scope(&key(), &request("shared", "anthropic", "claude", None)).is_ok());
}

#[test]
fn each_rule_refuses_with_403_naming_itself_and_not_what_the_key_allows() {
    for (req, rule, refused_value) in [
        (request("dev", "openai", "gpt-4o", None), "`gateways`", "\"dev\""),
        (request("Prod-eu", "openai", "gpt-4o", None), "`gateways`", "\"Prod-eu\""),
        (request("shared", "openai", "o3", None), "`models`", "\"openai/o3\""),
        (request("shared", "openai", "", None), "`models`", "\"openai\""),
        (request("shared", "openai", "gpt-4o", Some("OPENAI_API_KEY_2")), "`provider_keys`", "\"OPENAI_API_KEY_2\""),
    ] {
        let err = check_scope(&key(), &req).unwrap_err();
        assert_eq!(err.status(), 403, "{req:?}");
        assert_eq!(err.kind(), ErrorKind::Forbidden);
        let message = err.message();
        assert!(message.contains(rule) && message.contains(refused_value), "{message}");
        for allowed in ["prod-*", "anthropic/*", "gpt-4o*"] {
            assert!(!message.contains(allowed), "{message} reveals {allowed}");
        }
    }
}

#[test]
fn valid_patterns_are_printable_and_bounded() {
    assert!(is_valid_pattern("anthropic/*"));
    for bad in ["", "a b", "tab\t", &"x".repeat(MAX_PATTERN_BYTES + 1), "é"] {
        assert!(!is_valid_pattern(bad), "{bad:?}");
    }
}
