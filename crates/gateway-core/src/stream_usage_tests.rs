use serde_json::{json, Value};

use super::*;

/// One chunk as OpenAI sends it; with `include_usage` every chunk ends in `"usage":null`.
fn chunk(content: &str, finish: Option<&str>, include_usage: bool) -> String {
    let delta = if content.is_empty() { json!({}) } else { json!({"content": content}) };
    let body = json!({
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
    })
    .to_string();
    match include_usage {
        true => format!("data: {}{}\n\n", &body[..body.len() - 1], r#","usage":null}"#),
        false => format!("data: {body}\n\n"),
    }
}

/// The same answer streamed without and with `include_usage`.
fn streams() -> (String, String) {
    let parts = [("Hel", None), ("lo \"usage\":null", None), ("", Some("stop"))];
    let plain: String = parts.iter().map(|(c, f)| chunk(c, *f, false)).collect::<String>() + "data: [DONE]\n\n";
    let usage = r#"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}"#;
    let with: String =
        parts.iter().map(|(c, f)| chunk(c, *f, true)).collect::<String>() + usage + "\n\ndata: [DONE]\n\n";
    (plain, with)
}

fn filter_in_pieces(stream: &[u8], cut: usize) -> Vec<u8> {
    let mut filter = UsageChunkFilter::new();
    let mut out = Vec::new();
    for piece in stream.chunks(cut.max(1)) {
        filter.push(piece, &mut out);
    }
    filter.finish(&mut out);
    out
}

#[test]
fn the_client_gets_exactly_the_stream_it_would_have_got_without_usage() {
    let (plain, with) = streams();
    assert_ne!(plain, with);
    for cut in 1..=with.len() {
        assert_eq!(String::from_utf8(filter_in_pieces(with.as_bytes(), cut)).unwrap(), plain, "cut every {cut} bytes");
    }
}

#[test]
fn a_stream_without_usage_additions_passes_unchanged() {
    let (plain, _) = streams();
    let crlf = plain.replace("\n\n", "\r\n\r\n");
    let cr = plain.replace("\n\n", "\r\r");
    let named = format!("event: message\nid: 7\n{plain}: comment\n\n");
    for stream in [plain.clone(), crlf, cr, named] {
        for cut in [1, 2, 7, stream.len()] {
            assert_eq!(filter_in_pieces(stream.as_bytes(), cut), stream.as_bytes(), "cut {cut}: {stream:?}");
        }
    }
}

#[test]
fn usage_on_a_chunk_with_choices_and_nested_usage_members_are_left_alone() {
    let kept = [
        // Mistral-style: usage on the last content chunk, which the provider sends unasked.
        "data: {\"choices\":[{\"delta\":{}}],\"usage\":{\"prompt_tokens\":1}}\n\n",
        // Only a nested member named usage is null.
        "data: {\"choices\":[],\"x_groq\":{\"usage\":null}}\n\n",
        // JSON over two data lines.
        "data: {\"choices\":[],\ndata: \"usage\":{\"prompt_tokens\":1}}\n\n",
    ];
    for event in kept {
        assert_eq!(filter_in_pieces(event.as_bytes(), 3), event.as_bytes());
    }
    let first = "data: {\"usage\":null, \"choices\":[]}\n\n";
    let out = filter_in_pieces(first.as_bytes(), 5);
    assert_eq!(String::from_utf8(out).unwrap(), "data: {\"choices\":[]}\n\n");
}

#[test]
fn an_unfinished_last_event_goes_out_as_it_came() {
    let cut_short = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1}}";
    assert_eq!(filter_in_pieces(cut_short.as_bytes(), 4), cut_short.as_bytes());
}

#[test]
fn asks_for_usage_only_when_streaming_without_it() {
    let body = br#"{"model":"gpt-4o-mini","stream":true,"messages":[]}"#;
    let asked = ask_for_usage(body).unwrap();
    assert_eq!(
        String::from_utf8(asked.clone()).unwrap(),
        r#"{"stream_options":{"include_usage":true},"model":"gpt-4o-mini","stream":true,"messages":[]}"#
    );
    assert_eq!(ask_for_usage(&asked), None);
    for unchanged in [
        &br#"{"model":"m","messages":[]}"#[..],
        br#"{"stream":false}"#,
        br#"{"stream":true,"stream_options":{"include_usage":true}}"#,
        b"not json",
        b"[1]",
    ] {
        assert_eq!(ask_for_usage(unchanged), None, "{}", String::from_utf8_lossy(unchanged));
    }
    let declined = ask_for_usage(br#"{"stream":true,"stream_options":{"include_usage":false,"x":1}}"#).unwrap();
    let v: Value = serde_json::from_slice(&declined).unwrap();
    assert_eq!(v["stream_options"], json!({"include_usage": true, "x": 1}));
}
