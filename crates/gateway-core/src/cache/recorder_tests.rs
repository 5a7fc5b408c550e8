//! Unit tests of `cache::recorder`.

use super::*;

const OPENAI: &[u8] =
    b"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: {\"choices\":[]}\r\n\r\ndata: [DONE]\n\n";
const ANTHROPIC: &[u8] = b"event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: content_block_delta\ndata: {\"delta\":{\"text\":\"the \\\"error\\\" word\"}}\n\nevent: message_stop\ndata: {}\n\n";
const OPENAI_ERROR: &[u8] = b"data: {\"choices\":[]}\n\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n";
const ANTHROPIC_ERROR: &[u8] =
    b"event: message_start\ndata: {}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}\n\n";

fn record(chunks: &[&[u8]], sse: bool, max: usize, complete: bool) -> Option<Vec<u8>> {
    let mut recorder = ResponseRecorder::new(max, sse);
    for chunk in chunks {
        recorder.push(chunk);
    }
    recorder.finish(complete)
}

/// Every way of cutting `body` into two or three chunks gives the same answer as one chunk.
fn for_every_split(body: &[u8], mut check: impl FnMut(&[&[u8]])) {
    check(&[body]);
    for i in 0..=body.len() {
        check(&[&body[..i], &body[i..]]);
        let j = (i + 7).min(body.len());
        check(&[&body[..i], &body[i..j], &body[j..]]);
    }
}

#[test]
fn complete_json_body_is_kept() {
    let body = br#"{"id":"x","error":null}"#;
    assert_eq!(record(&[&body[..5], &body[5..]], false, 1024, true).as_deref(), Some(&body[..]));
    assert_eq!(record(&[], false, 1024, true), Some(vec![]), "an empty complete body is a body");
}

#[test]
fn a_json_body_mentioning_error_is_not_inspected() {
    // Only SSE bodies are scanned: a 2xx JSON body is the provider's answer, whatever it says.
    let body = br#"{"error":{"message":"x"}}"#;
    assert_eq!(record(&[body], false, 1024, true).as_deref(), Some(&body[..]));
}

#[test]
fn incomplete_body_is_never_kept() {
    assert_eq!(record(&[b"{\"id\":"], false, 1024, false), None);
    assert_eq!(record(&[OPENAI], true, 1024, false), None);
}

#[test]
fn complete_streams_are_kept_at_every_split() {
    for body in [OPENAI, ANTHROPIC] {
        for_every_split(body, |chunks| {
            assert_eq!(record(chunks, true, 1 << 16, true).as_deref(), Some(body), "{chunks:?}");
        });
    }
}

#[test]
fn errored_streams_are_dropped_at_every_split() {
    for body in [OPENAI_ERROR, ANTHROPIC_ERROR] {
        for_every_split(body, |chunks| {
            assert_eq!(record(chunks, true, 1 << 16, true), None, "{chunks:?}");
        });
    }
}

#[test]
fn stream_cut_mid_event_is_dropped_even_if_reported_complete() {
    // Every proper prefix that does not end on an event boundary is a cut stream.
    for cut in 1..OPENAI.len() {
        let prefix = &OPENAI[..cut];
        // A lone `\r` ends a line in SSE, so `\r\n\r` already closes the event.
        let on_boundary = prefix.ends_with(b"\n\n") || prefix.ends_with(b"\r\n\r") || prefix.ends_with(b"\r\n\r\n");
        let kept = record(&[prefix], true, 1 << 16, true);
        assert_eq!(kept.is_some(), on_boundary, "cut at {cut}: {:?}", String::from_utf8_lossy(prefix));
    }
}

#[test]
fn over_the_limit_stops_recording_and_frees_memory() {
    let mut recorder = ResponseRecorder::new(10, false);
    recorder.push(b"0123456789");
    assert!(recorder.is_recording());
    recorder.push(b"x");
    assert!(!recorder.is_recording());
    assert_eq!(recorder.body.capacity(), 0, "the copy is freed");
    recorder.push(b"");
    assert_eq!(recorder.finish(true), None);
    assert_eq!(record(&[b"0123456789"], false, 10, true).as_deref(), Some(&b"0123456789"[..]));
}

#[test]
fn error_event_stops_recording() {
    let mut recorder = ResponseRecorder::new(1 << 16, true);
    recorder.push(OPENAI_ERROR);
    assert!(!recorder.is_recording());
    assert_eq!(recorder.finish(true), None);
}

#[test]
fn error_detection_is_exact() {
    let event = |event: Option<&str>, data: &str| SseEvent {
        event: event.map(str::to_string),
        data: data.into(),
        ..SseEvent::default()
    };
    assert!(is_error_event(&event(Some("error"), "{}")));
    assert!(is_error_event(&event(None, r#"{"error":{"message":"x"}}"#)));
    assert!(!is_error_event(&event(None, r#"{"delta":"\"error\""}"#)), "the word inside a string");
    assert!(!is_error_event(&event(None, r#"{"choices":[{"error":1}]}"#)), "not top-level");
    assert!(!is_error_event(&event(Some("ping"), "\"error\"")));
    assert!(!is_error_event(&event(None, "[DONE]")));
}
