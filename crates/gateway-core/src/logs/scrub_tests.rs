use super::*;
use crate::headers::Headers;
use crate::logs::entry::EntryFacts;
use crate::logs::export::{to_csv, to_jsonl};
use crate::logs::headers::{LogOptions, MetaValue};
use crate::logs::sql::{get_statement, insert_bindings, insert_rows, row_to_entry};
use crate::logs::test_db::{self, sample_entries};
use crate::redact::REDACTED;

/// Every secret value these tests put into an entry; none may come out.
const SECRETS: &[&str] = &[
    "sk-client-header-0123",
    "gw-token-4567-abcdef",
    "sk-step-openai-8f1q",
    "sk-ant-step-2j7rn",
    "AIza-query-key-9999",
    "body-passw0rd-3ck8",
    "sk-injected-pool-77x",
    "sk-echoed-upstream-55",
];

const UNIVERSAL_BODY: &str = r#"[{"provider":"openai","endpoint":"chat/completions","headers":{"authorization":"Bearer sk-step-openai-8f1q"},"query":{"model":"gpt-4o-mini","messages":[{"role":"user","content":"how many tokens is a bearer token?"}]}},{"provider":"google-ai-studio","endpoint":"v1beta/models/m:generateContent?key=AIza-query-key-9999","headers":{"x-api-key":"sk-ant-step-2j7rn"},"query":{"password":"body-passw0rd-3ck8"}}]"#;

fn known() -> KnownSecrets {
    let mut k = KnownSecrets::new();
    k.add("Bearer sk-injected-pool-77x");
    k
}

fn build(body: &str, max_bytes: usize) -> LogEntry {
    let headers: Headers = [
        ("authorization", "Bearer sk-client-header-0123"),
        ("cf-aig-authorization", "Bearer gw-token-4567-abcdef"),
        ("user-agent", "agent/1.0"),
    ]
    .into_iter()
    .collect();
    let mut metadata = Metadata::new();
    metadata.insert("api_key".into(), MetaValue::String("anything".into()));
    metadata.insert("user".into(), MetaValue::String("sk-client-header-0123".into()));
    metadata.insert("team".into(), MetaValue::String("search".into()));
    let options = LogOptions { collect: true, collect_payload: true, metadata };
    let known = known();
    let facts = EntryFacts {
        id: "01ARYZ6S410000000000000000".into(),
        gateway: "gw".into(),
        provider: "openai".into(),
        model: "gpt-4o-mini".into(),
        path: "/v1/acct/gw".into(),
        method: "POST".into(),
        request_headers: Some(&headers),
        status: 401,
        error: Some("upstream: Incorrect API key provided: sk-injected-pool-77x (Bearer sk-echoed-upstream-55)".into()),
        request_body: Some(body),
        response_body: Some(r#"{"echo":{"headers":{"authorization":"Bearer sk-injected-pool-77x"}}}"#),
        secrets: Some(&known),
        ..EntryFacts::default()
    };
    LogEntry::build(facts, &options, max_bytes)
}

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} leaked into {what}: {text}");
    }
}

#[test]
fn build_scrubs_every_field_and_the_exports_show_no_secret() {
    let entry = build(UNIVERSAL_BODY, 64 * 1024);
    let entries = vec![entry.clone()];
    assert_clean("the entry", &serde_json::to_string(&entry).unwrap());
    assert_clean("the JSONL export", &to_jsonl(&entries));
    assert_clean("the CSV export", &to_csv(&entries));
    assert_clean("the stored row", &insert_rows(&entries).concat());
    // What is not secret stays, and the body is still the JSON it was.
    let body: serde_json::Value = serde_json::from_str(entry.request_body.as_deref().unwrap()).unwrap();
    assert_eq!(body[0]["headers"]["authorization"], REDACTED);
    assert_eq!(body[0]["query"]["messages"][0]["content"], "how many tokens is a bearer token?");
    assert_eq!(body[1]["endpoint"], format!("v1beta/models/m:generateContent?key={REDACTED}"));
    assert_eq!(entry.metadata["api_key"], MetaValue::String(REDACTED.into()));
    assert_eq!(entry.metadata["user"], MetaValue::String(REDACTED.into()));
    assert_eq!(entry.metadata["team"], MetaValue::String("search".into()));
    assert_eq!(entry.user_agent.as_deref(), Some("agent/1.0"));
}

#[test]
fn a_body_cut_inside_a_secret_keeps_no_part_of_it_and_keeps_its_marker() {
    let at = UNIVERSAL_BODY.find("sk-step-openai").unwrap();
    for max in [at + 3, at + 10, at + 18] {
        let entry = build(UNIVERSAL_BODY, max);
        let body = entry.request_body.unwrap();
        assert!(!body.contains("sk-step-o"), "cut at {max}: {body}");
        assert!(body.ends_with(&format!("{TRUNCATION_MARKER}{} bytes]", UNIVERSAL_BODY.len())), "{body}");
    }
}

#[test]
fn a_marker_like_text_inside_a_body_does_not_shield_what_follows() {
    let body = format!("{TRUNCATION_MARKER}5 bytes] {{\"api_key\":\"sk-abc\"}}");
    assert_eq!(split_truncation(&body), (body.as_str(), ""));
    let fake_end = format!("x{TRUNCATION_MARKER}many bytes]");
    assert_eq!(split_truncation(&fake_end), (fake_end.as_str(), ""));
    let real = format!("{{\"a\":1{TRUNCATION_MARKER}99 bytes]");
    assert_eq!(split_truncation(&real), ("{\"a\":1", &real[6..]));
}

#[test]
fn entries_made_without_build_are_scrubbed_on_their_way_into_a_shard() {
    let mut entry = sample_entries(1, 7).remove(0);
    entry.request_body = Some(UNIVERSAL_BODY.into());
    entry.comment = Some("Bearer sk-echoed-upstream-55".into());
    let bindings = format!("{:?}", insert_bindings(&entry));
    for secret in ["sk-step-openai-8f1q", "sk-ant-step-2j7rn", "AIza-query-key-9999", "body-passw0rd-3ck8"] {
        assert!(!bindings.contains(secret), "{secret} reached the shard");
    }
    assert!(!bindings.contains("sk-echoed-upstream-55"));
}

#[test]
fn rows_stored_before_scrubbing_are_scrubbed_when_read() {
    let conn = test_db::open();
    let entries = sample_entries(2, 3);
    test_db::insert(&conn, &entries);
    // What an old row may hold: written before the scrubbing existed.
    let old = (
        "UPDATE logs SET request_body = ?, error = ?, metadata = ? WHERE id = ?".to_string(),
        vec![
            UNIVERSAL_BODY.into(),
            "could not reach https://x.example/m?key=AIza-query-key-9999".into(),
            r#"{"password":"body-passw0rd-3ck8"}"#.into(),
            entries[0].id.as_str().into(),
        ],
    );
    assert_eq!(test_db::exec(&conn, &old), 1);
    let read = |id: &str| row_to_entry(&test_db::query(&conn, &get_statement(id))[0]).unwrap();
    let scrubbed = read(&entries[0].id);
    assert_clean("an old row read back", &serde_json::to_string(&scrubbed).unwrap());
    assert_eq!(scrubbed.metadata["password"], MetaValue::String(REDACTED.into()));
    // A clean row reads back as it was written.
    assert_eq!(read(&entries[1].id), entries[1]);
}
