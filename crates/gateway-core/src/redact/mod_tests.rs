use super::*;
use crate::cache::key::identity_headers;
use crate::provider::PROVIDERS;

fn clean(text: &str) -> String {
    redact(text, &KnownSecrets::new()).into_owned()
}

fn known(values: &[&str]) -> KnownSecrets {
    let mut k = KnownSecrets::new();
    values.iter().for_each(|v| k.add(v));
    k
}

#[test]
fn step_headers_are_redacted_at_any_depth_and_the_json_stays_valid() {
    let body = r#"[{"provider":"openai","endpoint":"chat/completions","headers":{"Authorization":"Bearer sk-abc","content-type":"application/json"},"query":{"model":"m"}},{"provider":"anthropic","headers":{"X-API-KEY" : "sk-ant-xyz","x_goog_api_key":"AIza1"}}]"#;
    let out = clean(body);
    for secret in ["sk-abc", "sk-ant-xyz", "AIza1"] {
        assert!(!out.contains(secret), "{secret} left in {out}");
    }
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["headers"]["Authorization"], REDACTED);
    assert_eq!(v[0]["headers"]["content-type"], "application/json");
    assert_eq!(v[1]["headers"]["X-API-KEY"], REDACTED);
    assert_eq!(v[0]["query"]["model"], "m");
}

#[test]
fn credential_fields_of_any_type_are_replaced_but_null_and_booleans_stay() {
    let body = r#"{"password": 12345678, "client_secret": {"a": ["x", {"b": "}"}]}, "private_key": ["k1"], "refresh_token": null, "api_key": true, "n": 1}"#;
    let v: serde_json::Value = serde_json::from_str(&clean(body)).unwrap();
    assert_eq!(v["password"], REDACTED);
    assert_eq!(v["client_secret"], REDACTED);
    assert_eq!(v["private_key"], REDACTED);
    assert_eq!(v["refresh_token"], serde_json::Value::Null);
    assert_eq!(v["api_key"], true);
    assert_eq!(v["n"], 1);
}

#[test]
fn escapes_inside_strings_neither_hide_a_key_nor_end_a_value_early() {
    // An escaped quote inside the value must not end it; an escaped key name is still the name.
    let body = r#"{"api_key":"se\"cr\\et-value","auth\u006frization":"Bearer tok\"en","note":"say \"api_key\": \"not a member\""}"#;
    let out = clean(body);
    assert!(!out.contains("cr\\\\et-value") && !out.contains("tok\\\"en"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["api_key"], REDACTED);
    assert_eq!(v["authorization"], REDACTED);
    // A quoted "api_key" inside a string is text, not a member.
    assert_eq!(v["note"], "say \"api_key\": \"not a member\"");
}

#[test]
fn a_body_cut_short_is_redacted_to_its_end() {
    let full = r#"{"messages":[{"role":"user","content":"hi"}],"headers":{"x-api-key":"sk-ant-0123456789abcdef"}}"#;
    for cut in 1..full.len() {
        let out = redact_cut_short(&full[..cut], &KnownSecrets::new());
        // Only the secret's first character may remain; a cut inside the key name hides nothing yet.
        assert!(!out.contains("sk-ant-0"), "cut at {cut}: {out}");
    }
    let open_container = r#"{"client_secret": {"value": "s3cr3t-value", "#;
    assert_eq!(clean(open_container), r#"{"client_secret": "[REDACTED]""#);
}

#[test]
fn a_text_cut_inside_a_known_value_loses_the_start_of_it_too() {
    let k = known(&["sk-known-0123456789"]);
    assert_eq!(redact_cut_short("prefix sk-known-012", &k), format!("prefix {REDACTED}"));
    // Not cut short: a prefix alone is not the secret.
    assert_eq!(redact("prefix sk-known-012", &k), "prefix sk-known-012");
}

#[test]
fn unicode_around_and_inside_values_is_kept_whole() {
    let body = r#"{"content":"héllo 🌍","password":"pâss🔑wörd","x":"Bearer 🙂"}"#;
    let out = clean(body);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["content"], "héllo 🌍");
    assert_eq!(v["password"], REDACTED);
    assert_eq!(v["x"], "Bearer 🙂");
}

#[test]
fn bearer_tokens_are_redacted_anywhere_but_prose_stays() {
    let text =
        "upstream said: invalid header Authorization: Bearer sk-proj-A1b2C3d4E5 (BEARER  eyJhbGciOiJIUzI1NiJ9.e30.x9)";
    let out = clean(text);
    assert_eq!(out, format!("upstream said: invalid header Authorization: Bearer {REDACTED} (BEARER  {REDACTED})"));
    for prose in [
        "The bearer of this letter is a friend.",
        "Bearer tokens expire after an hour.",
        "Use a bearer token: see the docs",
        "forbearer12345678",
    ] {
        assert_eq!(clean(prose), prose);
    }
}

#[test]
fn credential_query_parameters_are_redacted_in_urls() {
    let text = r#"{"error":"could not reach https://g.example/v1beta/models/m:generateContent?alt=sse&key=AIzaSy-123_x&x=1","endpoint":"m:embed?API_KEY=k9#frag","u":"https://s.example/b?sig=abc%2Fdef&se=2030"}"#;
    let out = clean(text);
    for secret in ["AIzaSy-123_x", "k9", "abc%2Fdef"] {
        assert!(!out.contains(secret), "{secret} left in {out}");
    }
    assert!(out.contains("?alt=sse&key=[REDACTED]&x=1"), "{out}");
    assert!(out.contains("&se=2030"), "{out}");
    serde_json::from_str::<serde_json::Value>(&out).unwrap();
    // `key` as a JSON member is ordinary (a cache key, an object key); `monkey=` is not `key=`.
    for ordinary in [r#"{"key":"value","token":"Hello","logprob":-0.1}"#, "a=1&monkey=banana", "what does ?key= mean"] {
        assert_eq!(clean(ordinary), ordinary);
    }
}

#[test]
fn known_values_are_redacted_wherever_they_occur() {
    let k = known(&["Bearer sk-client-secret-1", "gw-token-987654"]);
    let text = "echo: sk-client-secret-1 / sk-client-secret-1x / gw-token-987654 / Bearer sk-client-secret-1";
    assert_eq!(redact(text, &k), format!("echo: {REDACTED} / {REDACTED}x / {REDACTED} / Bearer {REDACTED}"));
    // The forms a value takes inside a JSON string or a URL are known too.
    let k = known(&["p@ss/\"word\"+1"]);
    assert_eq!(redact(r#"{"a":"p@ss/\"word\"+1"}"#, &k), format!(r#"{{"a":"{REDACTED}"}}"#));
    assert_eq!(redact("u?x=p%40ss%2F%22word%22%2B1", &k), format!("u?x={REDACTED}"));
    // Short values would blank ordinary words: they are not searched for.
    let k = known(&["Bearer sk", "abc"]);
    assert!(k.is_empty());
    assert_eq!(format!("{:?}", known(&["sk-abcdefgh"])), "KnownSecrets(1 values)");
}

#[test]
fn known_values_come_from_credential_headers_and_query_parameters() {
    let headers: Headers = [
        ("Authorization", "Bearer sk-from-header-1"),
        ("cf-aig-authorization", "Bearer gw-token-from-header"),
        ("xi-api-key", "eleven-key-123"),
        ("user-agent", "agent/1.0 long enough"),
    ]
    .into_iter()
    .collect();
    let mut k = KnownSecrets::new();
    k.add_credential_headers(&headers);
    k.add_query_credentials("https://x.example/p?alt=sse&key=AIza%2Bquery-key#f");
    let text =
        "sk-from-header-1 gw-token-from-header eleven-key-123 AIza+query-key AIza%2Bquery-key agent/1.0 long enough";
    assert_eq!(redact(text, &k), format!("{0} {0} {0} {0} {0} agent/1.0 long enough", REDACTED));
}

#[test]
fn every_header_a_key_travels_in_is_a_credential_name() {
    let names = identity_headers().chain(PROVIDERS.iter().map(|p| p.auth.header));
    for name in names {
        assert!(is_credential_name(name), "{name} is not recognised as a credential header");
    }
    for name in ["Proxy-Authorization", "ACCESS_TOKEN", "aws_secret_access_key", "X-Amz-Security-Token"] {
        assert!(is_credential_name(name), "{name}");
    }
    for name in [
        "token",
        "key",
        "secret",
        "tokens",
        "max_tokens",
        "content",
        "a-very-long-name-that-is-longer-than-forty-bytes",
    ] {
        assert!(!is_credential_name(name), "{name}");
    }
    assert!(is_credential_param("key") && is_credential_param("X-Amz-Signature") && !is_credential_param("alt"));
    assert!(CREDENTIAL_NAMES.iter().all(|n| (MIN_NAME_BYTES..=MAX_NAME_BYTES).contains(&n.len())));
}

#[test]
fn ordinary_text_is_returned_borrowed_and_redaction_is_idempotent() {
    let prose = r#"{"messages":[{"role":"user","content":"How many tokens is a password of 12 characters? My api key question: what is a bearer token?"}],"max_tokens":100}"#;
    assert!(matches!(redact(prose, &known(&["sk-not-present-123"])), Cow::Borrowed(_)));
    let once = clean(r#"{"api_key":"k-1","x":"Bearer abcdefgh1","u":"?token=t1","password":5}"#).to_string();
    assert!(matches!(redact(&once, &KnownSecrets::new()), Cow::Borrowed(_)), "{once}");
}

#[test]
fn overlapping_matches_become_one_marker() {
    let k = known(&["sk-overlap-12345678"]);
    let out = redact(r#"{"authorization":"Bearer sk-overlap-12345678"}"#, &k);
    assert_eq!(out, format!(r#"{{"authorization":"{REDACTED}"}}"#));
}

#[test]
fn redact_in_place_leaves_clean_text_untouched() {
    let mut text = String::from("nothing here");
    redact_in_place(&mut text, &KnownSecrets::new());
    assert_eq!(text, "nothing here");
    let mut text = String::from("?key=abc");
    redact_in_place(&mut text, &KnownSecrets::new());
    assert_eq!(text, format!("?key={REDACTED}"));
}

#[test]
fn a_request_cannot_crowd_out_the_secrets_the_gateway_holds() {
    let mut k = KnownSecrets::new();
    for i in 0..MAX_KNOWN_SECRETS + 10 {
        k.add(&format!("client-junk-value-{i}"));
    }
    k.add("client-late-value-1");
    k.add_held("sk-stored-pool-key-1");
    assert_eq!(redact("client-late-value-1", &k), "client-late-value-1", "a request's values are capped");
    assert_eq!(redact("sk-stored-pool-key-1", &k), REDACTED, "held secrets are always kept");
}
