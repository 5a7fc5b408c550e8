//! Unit tests of `json_fields`.

use serde_json::json;

use super::*;

const WANTED: &[&str] = &["usage", "model", "error"];

fn scan(doc: &[u8], chunk: usize) -> Value {
    let mut fields = JsonFields::new(WANTED);
    for part in doc.chunks(chunk.max(1)) {
        fields.feed(part);
    }
    fields.object()
}

#[test]
fn picks_top_level_members_whatever_the_chunking() {
    let doc = json!({
        "id": "x", "model": "gpt-4o", "choices": [{"message": {"content": "a \"model\": {}, \"usage\": 1"}}],
        "nested": {"usage": {"prompt_tokens": 999}}, "usage": {"prompt_tokens": 3, "completion_tokens": 4}
    })
    .to_string();
    for chunk in [1, 2, 3, 7, 64, doc.len()] {
        let got = scan(doc.as_bytes(), chunk);
        assert_eq!(
            got,
            json!({"model": "gpt-4o", "usage": {"prompt_tokens": 3, "completion_tokens": 4}}),
            "chunk {chunk}"
        );
    }
}

#[test]
fn reads_members_of_a_top_level_result_object() {
    let doc = br#"{"result": {"response": "hi", "usage": {"prompt_tokens": 1}}, "success": true, "model": "m"}"#;
    assert_eq!(scan(doc, 5), json!({"model": "m", "result": {"usage": {"prompt_tokens": 1}}}));
}

#[test]
fn usage_after_a_huge_member_is_found_in_bounded_memory() {
    let mut fields = JsonFields::new(WANTED);
    fields.feed(b"{\"data\": [");
    let row = b"[0.125, -0.5, 0.25, \"x\\\"y\"],";
    for _ in 0..200_000 {
        fields.feed(row);
    }
    fields.feed(b"[1]], \"usage\": {\"prompt_tokens\": 8, \"total_tokens\": 8}}");
    assert!(fields.found.iter().map(|(_, v)| v.len()).sum::<usize>() < 1024);
    assert_eq!(fields.object(), json!({"usage": {"prompt_tokens": 8, "total_tokens": 8}}));
}

#[test]
fn an_oversized_member_is_dropped_and_later_ones_still_read() {
    let big = "z".repeat(MAX_FIELD_BYTES + 10);
    let doc = format!(r#"{{"error": "{big}", "model": "m"}}"#);
    assert_eq!(scan(doc.as_bytes(), 4096), json!({"model": "m"}));
}

#[test]
fn documents_that_are_not_objects_or_not_json_yield_nothing_or_what_was_complete() {
    assert_eq!(scan(br#"[{"model": "m"}]"#, 3), json!({}));
    assert_eq!(scan(b"<html>502 Bad Gateway</html>", 3), json!({}));
    assert_eq!(scan(br#"{"model": "m", "usage": {"prompt_tok"#, 3), json!({"model": "m"}));
    assert_eq!(scan(br#"{"model": "m", "usage": nope, "error": 1}"#, 2), json!({"model": "m", "error": 1}));
}

#[test]
fn error_bodies_keep_their_error_object() {
    let doc = br#"{"error": {"message": "bad key", "type": "invalid_request_error", "code": null}}"#;
    assert_eq!(scan(doc, 1)["error"]["message"], "bad key");
}

#[test]
fn deep_nesting_does_not_grow_memory_or_confuse_the_levels() {
    let mut fields = JsonFields::new(WANTED);
    fields.feed(b"{\"a\": ");
    fields.feed(&b"[".repeat(100_000));
    fields.feed(&b"]".repeat(100_000));
    fields.feed(br#", "model": "deep"}"#);
    assert_eq!(fields.object(), json!({"model": "deep"}));
}
