use super::*;

/// What the rewriter writes for `body` fed in pieces cut at `cuts`.
fn fed(mut rewriter: ModelRewriter, body: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut last = 0;
    for &cut in cuts.iter().chain([body.len()].iter()) {
        rewriter.push(&body[last..cut], &mut out);
        last = cut;
    }
    rewriter.finish(&mut out);
    out
}

/// The rewriter's output for `body` whole, and cut in two and three pieces at every place.
fn every_cut(make: fn(&str) -> ModelRewriter, model: &str, body: &[u8]) -> Vec<u8> {
    let whole = fed(make(model), body, &[]);
    for i in 0..=body.len() {
        assert_eq!(fed(make(model), body, &[i]), whole, "cut at {i}");
        for j in i..=body.len() {
            assert_eq!(fed(make(model), body, &[i, j]), whole, "cut at {i} and {j}");
        }
    }
    whole
}

#[test]
fn a_json_answer_gets_the_clients_model_and_keeps_every_other_byte() {
    let body = br#"{"id":"msg_1", "type":"message","model" : "claude-sonnet-4-5","content":[{"model":"x"}]}"#;
    let out = every_cut(ModelRewriter::json, "anthropic/claude-sonnet-4-5", body);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"{"id":"msg_1", "type":"message","model" : "anthropic/claude-sonnet-4-5","content":[{"model":"x"}]}"#
    );
}

#[test]
fn a_json_model_after_nested_values_and_escapes_is_found() {
    let body = br#"{"object":"list","data":[{"embedding":[0.1,-2e3],"note":"a \"model\": \\"}],"model":"text-\"e\"","usage":{}}"#;
    let out = every_cut(ModelRewriter::json, "fast", body);
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(value["model"], "fast");
    assert_eq!(value["data"][0]["note"], "a \"model\": \\");
    let expected = String::from_utf8_lossy(body).replace(r#""model":"text-\"e\"""#, r#""model":"fast""#);
    assert_eq!(String::from_utf8(out).unwrap(), expected);
}

#[test]
fn a_json_model_that_is_no_string_or_only_nested_is_left_alone() {
    for body in [
        &br#"{"model":null,"choices":[]}"#[..],
        br#"{"models":"a","x":{"model":"b"}}"#,
        br#"{"modelVersion":"gemini-2.5-flash"}"#,
        br#"["model","a"]"#,
        b"not json \"model\"",
    ] {
        assert_eq!(every_cut(ModelRewriter::json, "m", body), body.to_vec(), "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn a_json_answer_cut_inside_its_model_keeps_the_held_bytes() {
    let body = br#"{"model":"gpt-4o"#;
    assert_eq!(fed(ModelRewriter::json("m"), body, &[12]), body.to_vec());
}

#[test]
fn every_chunk_of_an_openai_stream_names_the_clients_model() {
    let body =
        b"data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[]}\n\n\
data: {\"id\":\"c\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"delta\":{\"content\":\"\\\"model\\\"\"}}]}\r\n\r\n\
data: [DONE]\n\n";
    let out = String::from_utf8(every_cut(ModelRewriter::events, "openai/gpt-4o-mini", body)).unwrap();
    let expected = String::from_utf8_lossy(body).replace("\"gpt-4o-mini\"", "\"openai/gpt-4o-mini\"");
    assert_eq!(out, expected);
}

#[test]
fn anthropic_and_responses_streams_name_it_in_their_nested_objects() {
    let body = b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"claude-sonnet-4-5\",\"content\":[]}}\n\n\
event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"the \\\"model\\\"\"}}\n\n\
event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"r\",\"model\":\"gpt-5\"}}\n\n";
    let out = String::from_utf8(every_cut(ModelRewriter::events, "fast", body)).unwrap();
    let expected =
        String::from_utf8_lossy(body).replace("\"claude-sonnet-4-5\"", "\"fast\"").replace("\"gpt-5\"", "\"fast\"");
    assert_eq!(out, expected);
}

#[test]
fn an_unfinished_last_event_goes_out_as_it_came() {
    let body = b"data: {\"model\":\"a\"}\n\ndata: {\"model\":\"b\"}";
    assert_eq!(
        fed(ModelRewriter::events("c"), body, &[3]),
        b"data: {\"model\":\"c\"}\n\ndata: {\"model\":\"b\"}".to_vec()
    );
}

#[test]
fn rename_returns_the_old_name() {
    let (out, old) =
        rename(br#"{"id":"x","model":"models/gemini-\u0032"}"#, "google-ai-studio/gemini-2.5-flash").unwrap();
    assert_eq!(old, "models/gemini-2");
    assert_eq!(out, br#"{"id":"x","model":"google-ai-studio/gemini-2.5-flash"}"#.to_vec());
    assert_eq!(rename(br#"{"id":"x"}"#, "m"), None);
}
