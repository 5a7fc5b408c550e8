use super::*;
use crate::logs::sql::{get_statement, row_to_entry};
use crate::logs::test_db::{exec, insert, open, query, sample_entries};

#[test]
fn feedback_round_trip_in_sqlite() {
    let conn = open();
    let entries = sample_entries(5, 9);
    insert(&conn, &entries);
    let id = &entries[2].id;
    let patch = parse_feedback(r#"{"feedback":-1,"score":87.5,"comment":"wrong \"unit\""}"#).unwrap();
    assert_eq!(exec(&conn, &patch_statement(id, &patch)), 1);
    let got = row_to_entry(&query(&conn, &get_statement(id))[0]).unwrap();
    assert_eq!((got.feedback, got.score, got.comment.as_deref()), (Some(-1), Some(87.5), Some("wrong \"unit\"")));
    // Only the fields present change.
    exec(&conn, &patch_statement(id, &parse_feedback(r#"{"feedback":1}"#).unwrap()));
    let got = row_to_entry(&query(&conn, &get_statement(id))[0]).unwrap();
    assert_eq!((got.feedback, got.score), (Some(1), Some(87.5)));
    // Other rows untouched; unknown id changes nothing.
    assert_eq!(row_to_entry(&query(&conn, &get_statement(&entries[1].id))[0]).unwrap().feedback, None);
    assert_eq!(exec(&conn, &patch_statement("01ARYZ6S410000000000000000", &patch)), 0);
}

#[test]
fn invalid_bodies_name_the_field() {
    let long = format!(r#"{{"comment":"{}"}}"#, "x".repeat(MAX_COMMENT_CHARS + 1));
    let cases = [
        (r#"{"feedback":0}"#, "feedback"),
        (r#"{"feedback":2}"#, "feedback"),
        (r#"{"feedback":"1"}"#, "feedback"),
        (r#"{"score":101}"#, "score"),
        (r#"{"score":-1}"#, "score"),
        (r#"{"comment":5}"#, "comment"),
        (long.as_str(), "comment"),
        (r#"{"rating":1}"#, "rating"),
        ("{}", "at least one"),
        ("[]", "JSON object"),
    ];
    for (body, name) in cases {
        let err = parse_feedback(body).unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains(name), "{body}: {}", err.message());
    }
    assert!(parse_feedback(&format!(r#"{{"comment":"{}"}}"#, "é".repeat(MAX_COMMENT_CHARS))).is_ok());
}

#[test]
fn a_key_pasted_into_a_comment_is_not_stored() {
    let patch = parse_feedback(r#"{"comment":"rotated Bearer sk-proj-pasted-0123 after ?key=AIza-pasted-1"}"#).unwrap();
    let (_, binds) = patch_statement("01ARYZ6S410000000000000000", &patch);
    assert_eq!(binds[0], SqlValue::from("rotated Bearer [REDACTED] after ?key=[REDACTED]"));
}
