use super::*;
use crate::logs::headers::{parse_log_options, MetaValue};
use crate::logs::settings::LogSettings;

fn request_headers() -> Headers {
    [
        ("Authorization", "Bearer sk-secret-provider-key-123"),
        ("x-api-key", "sk-ant-another-secret"),
        ("cf-aig-authorization", "Bearer cf-token-secret"),
        ("User-Agent", "test-agent/1.0"),
        ("cf-aig-metadata", r#"{"user":"alice"}"#),
    ]
    .into_iter()
    .collect()
}

fn facts<'a>(headers: &'a Headers, body: &'a str) -> EntryFacts<'a> {
    EntryFacts {
        id: "01ARYZ6S410000000000000000".into(),
        created_at_ms: 1_700_000_000_000.4,
        gateway: "gw".into(),
        provider: "google-ai-studio".into(),
        model: "gemini-2.5-flash".into(),
        path: "/v1beta/models/gemini-2.5-flash:generateContent?key=AIza-secret-in-query".into(),
        method: "POST".into(),
        request_headers: Some(headers),
        status: 200,
        duration_ms: 120.6,
        ttfb_ms: Some(80.0),
        usage: Some(Usage { input_tokens: 10, output_tokens: 5, cached_input_tokens: 2, ..Usage::default() }),
        cost: Some(0.001),
        request_body: Some(body),
        response_body: Some("{\"ok\":true}"),
        ..EntryFacts::default()
    }
}

#[test]
fn no_provider_key_appears_in_the_serialized_row() {
    let headers = request_headers();
    let options = parse_log_options(&headers, &LogSettings::default()).unwrap();
    let entry = LogEntry::build(facts(&headers, "{\"contents\":[]}"), &options, 1000);
    let json = serde_json::to_string(&entry).unwrap();
    let bindings = format!("{:?}", crate::logs::sql::insert_bindings(&entry));
    for secret in ["sk-secret-provider-key-123", "sk-ant-another-secret", "cf-token-secret", "AIza-secret-in-query"] {
        assert!(!json.contains(secret), "{secret} leaked into {json}");
        assert!(!bindings.contains(secret), "{secret} leaked into the SQL bindings");
    }
    assert_eq!(entry.endpoint, "/v1beta/models/gemini-2.5-flash:generateContent");
    assert_eq!(entry.user_agent.as_deref(), Some("test-agent/1.0"));
    assert_eq!(entry.metadata["user"], MetaValue::String("alice".into()));
}

#[test]
fn build_copies_usage_timing_and_success() {
    let headers = request_headers();
    let options = LogOptions { collect: true, collect_payload: true, ..LogOptions::default() };
    let entry = LogEntry::build(facts(&headers, "{}"), &options, 1000);
    assert_eq!((entry.tokens_in, entry.tokens_out, entry.tokens_cached), (10, 5, 2));
    assert_eq!((entry.duration_ms, entry.ttfb_ms), (121, Some(80)));
    assert_eq!(entry.created_at_ms, 1_700_000_000_000);
    assert!(entry.success);
    let mut failed = facts(&headers, "{}");
    failed.status = 502;
    assert!(!LogEntry::build(failed, &options, 1000).success);
}

#[test]
fn payload_opt_out_drops_bodies_but_keeps_entry() {
    let headers = request_headers();
    let options = LogOptions { collect: true, collect_payload: false, ..LogOptions::default() };
    let entry = LogEntry::build(facts(&headers, "{\"secret prompt\":1}"), &options, 1000);
    assert_eq!(entry.request_body, None);
    assert_eq!(entry.response_body, None);
    assert_eq!(entry.tokens_in, 10);
}

#[test]
fn bodies_are_truncated_with_a_marker_at_a_char_boundary() {
    let headers = request_headers();
    let options = LogOptions { collect: true, collect_payload: true, ..LogOptions::default() };
    let body = "é".repeat(10); // 20 bytes
    let entry = LogEntry::build(facts(&headers, &body), &options, 5);
    let kept = entry.request_body.unwrap();
    assert_eq!(kept, format!("éé{TRUNCATION_MARKER}20 bytes]"));
    assert_eq!(truncate_body("short", 5), "short");
}

#[test]
fn docs_logs_md_lists_every_field_of_an_entry_and_no_other() {
    let doc = include_str!("../../../../docs/logs.md");
    let table = doc.split("| field | meaning |").nth(1).expect("the field table of docs/logs.md");
    let mut documented: Vec<String> = table
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .flat_map(|line| {
            let cell = line.split('|').nth(1).unwrap_or_default();
            cell.split(',').map(|name| name.trim().trim_matches('`').to_string()).collect::<Vec<_>>()
        })
        .collect();
    let entry = crate::logs::test_db::sample_entries(1, 1).remove(0);
    let mut fields: Vec<String> = serde_json::to_value(&entry).unwrap().as_object().unwrap().keys().cloned().collect();
    documented.sort();
    fields.sort();
    assert_eq!(documented, fields, "docs/logs.md's field table and LogEntry differ");
}
