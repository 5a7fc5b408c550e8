//! Unit tests of `cache::replay`.

use super::*;
use crate::sse::SseParser;

fn entry(body: &[u8], sse: bool) -> CacheEntry {
    CacheEntry { status: 200, headers: vec![], stored_at_ms: 0.0, sse, log_id: None, ttl_s: None, body: body.to_vec() }
}

#[test]
fn sse_body_splits_into_one_chunk_per_event() {
    let body = b"event: a\ndata: 1\n\ndata: 2\r\n\r\n: comment\ndata: 3\r\rdata: [DONE]\n\n";
    let chunks = split_events(body);
    assert_eq!(
        chunks,
        [&b"event: a\ndata: 1\n\n"[..], b"data: 2\r\n\r\n", b": comment\ndata: 3\r\r", b"data: [DONE]\n\n"]
    );
    assert_eq!(chunks.concat(), body);
}

#[test]
fn each_chunk_parses_to_exactly_one_event() {
    let body = b"event: message_start\ndata: {}\n\nevent: ping\ndata: {}\n\ndata: a\ndata: b\n\n";
    for chunk in split_events(body) {
        let mut parser = SseParser::new();
        let mut count = 0;
        parser.feed(chunk, |_| count += 1);
        assert_eq!(count, 1, "{:?}", String::from_utf8_lossy(chunk));
        assert!(!parser.has_partial());
    }
}

#[test]
fn leading_blank_lines_and_trailing_bytes_are_kept() {
    let body = b"\n\ndata: 1\n\ndata: tail";
    assert_eq!(split_events(body), [&b"\n\ndata: 1\n\n"[..], b"data: tail"]);
    assert!(split_events(b"").is_empty());
    assert_eq!(split_events(b"\n\n"), [&b"\n\n"[..]]);
}

#[test]
fn json_body_is_replayed_whole() {
    let body = b"{\"a\":\"x\n\ny\"}";
    assert_eq!(replay_chunks(&entry(body, false)), [&body[..]]);
    assert!(replay_chunks(&entry(b"", false)).is_empty());
    assert_eq!(replay_chunks(&entry(b"data: 1\n\ndata: 2\n\n", true)).len(), 2);
}
