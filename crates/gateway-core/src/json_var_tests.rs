//! Unit tests of `json_var`.

use super::*;

#[test]
fn a_value_cut_at_the_end_of_its_first_line_is_explained() {
    // What .dev.vars gives for `ROUTES={` followed by more lines: only the first one.
    let err = check_complete("ROUTES", "{").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Misconfigured);
    let message = err.message();
    assert!(message.starts_with("ROUTES ends before its JSON does: the value read is \"{\""), "{message}");
    assert!(message.contains("EOF while parsing an object"), "{message}");
    assert!(message.contains("ROUTES='{ on its first line, }' on its last"), "{message}");
    assert!(message.contains("TOML table under [vars]"), "{message}");
}

#[test]
fn a_long_cut_value_is_quoted_by_its_start_only() {
    let raw = format!("{{\"fast\":{{\"targets\":[{}", "{\"provider\":\"openai\"},".repeat(10));
    let message = check_complete("ROUTES", &raw).unwrap_err().message().to_string();
    assert!(message.contains(&format!("{:?}", format!("{}…", &raw[..QUOTED_CHARS]))), "{message}");
    assert!(!message.contains(&raw), "the whole value is not quoted: {message}");
}

#[test]
fn complete_values_pass_even_when_their_parser_will_refuse_them() {
    for raw in [r#"{"fast":{"targets":[]}}"#, "[1, 2]", "\"text\"", "{\n  \"a\": 1\n}", "{\"a\" 1}", "nonsense"] {
        assert!(check_complete("ROUTES", raw).is_ok(), "{raw}");
    }
}
