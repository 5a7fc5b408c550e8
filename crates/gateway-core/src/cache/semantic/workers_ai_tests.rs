//! Unit tests of `cache::semantic::workers_ai`, with answers in the shape of Workers AI's.

use serde_json::json;

use super::*;

#[test]
fn one_text_in_one_vector_out() {
    assert_eq!(input("what is the capital of france"), json!({"text": ["what is the capital of france"]}));
    // `@cf/baai/bge-small-en-v1.5`, shortened to 3 of its 384 dimensions.
    let answer = json!({"shape": [1, 3], "data": [[-0.0293, 0.0452, 0.0128]], "pooling": "mean"});
    assert_eq!(read_output(&answer).unwrap(), vec![-0.0293, 0.0452, 0.0128]);
}

#[test]
fn other_answers_are_failures() {
    for (answer, message) in [
        (json!({"request_id": "abc"}), "Workers AI answered without a data[0] array"),
        (json!({"shape": [0, 384], "data": []}), "Workers AI answered without a data[0] array"),
        (json!({"data": [[0.1, null]]}), "Workers AI answered with something other than numbers in data[0]"),
    ] {
        assert_eq!(read_output(&answer).unwrap_err().message(), message, "{answer}");
    }
}
