//! Unit tests of `sse`.

use super::*;

fn parse_chunks(chunks: &[&[u8]]) -> Vec<SseEvent> {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    for chunk in chunks {
        parser.feed(chunk, |e| events.push(e));
    }
    parser.finish();
    events
}

#[test]
fn openai_stream_parses_to_data_events() {
    let stream = b"data: {\"a\":1}\n\ndata: {\"a\":2}\n\ndata: [DONE]\n\n";
    let events = parse_chunks(&[stream]);
    let data: Vec<&str> = events.iter().map(|e| e.data.as_str()).collect();
    assert_eq!(data, ["{\"a\":1}", "{\"a\":2}", "[DONE]"]);
    assert!(events.iter().all(|e| e.event.is_none()));
}

#[test]
fn anthropic_stream_keeps_event_names() {
    let stream = b"event: message_start\ndata: {\"type\":\"message_start\"}\n\nevent: ping\ndata: {}\n\n";
    let events = parse_chunks(&[stream]);
    assert_eq!(events[0].event.as_deref(), Some("message_start"));
    assert_eq!(events[1].event.as_deref(), Some("ping"));
    assert_eq!(events[1].data, "{}");
}

#[test]
fn chunks_split_anywhere_give_the_same_events() {
    let stream = "event: x\r\ndata: héllo\r\ndata: wörld\r\n\r\n: comment\n\nid: 7\ndata:no-space\n\n".as_bytes();
    let whole = parse_chunks(&[stream]);
    assert_eq!(whole.len(), 2);
    assert_eq!(whole[0].data, "héllo\nwörld");
    assert_eq!(whole[1].data, "no-space");
    assert_eq!(whole[1].id.as_deref(), Some("7"));
    for split in 1..stream.len() {
        let (a, b) = stream.split_at(split);
        assert_eq!(parse_chunks(&[a, b]), whole, "split at {split}");
    }
    let bytes: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(parse_chunks(&bytes), whole);
}

#[test]
fn a_cut_final_event_is_not_dispatched() {
    let mut parser = SseParser::new();
    parser.feed(b"data: one\n\n", |_| {});
    assert!(!parser.has_partial());
    parser.feed(b"data: tw", |_| {});
    assert!(parser.has_partial());
    let events = parse_chunks(&[b"data: one\n\ndata: tw"]);
    assert_eq!(events.len(), 1);
    let events = parse_chunks(&[b"data: one\n\ndata: two\n"]);
    assert_eq!(events.len(), 1);
}

#[test]
fn events_without_data_are_dropped() {
    assert!(parse_chunks(&[b"event: ping\n\n"]).is_empty());
    // The `event:` of a dataless block does not leak into the next event.
    let events = parse_chunks(&[b"event: ping\n\ndata: x\n\n"]);
    assert_eq!(events[0].event, None);
}

#[test]
fn an_oversized_event_is_cut_and_flagged_and_the_stream_goes_on() {
    let huge = "x".repeat(MAX_EVENT_BYTES * 2 + 17);
    let stream = format!("data: {huge}\n\ndata: small\n\n");
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    for chunk in stream.as_bytes().chunks(64 * 1024) {
        parser.feed(chunk, |e| events.push(e));
        assert!(parser.line.capacity() <= 2 * MAX_EVENT_BYTES, "the line buffer grew past its bound");
    }
    assert!(!parser.has_partial());
    assert_eq!(events.len(), 2);
    assert!(events[0].truncated);
    assert!(events[0].data.len() <= MAX_EVENT_BYTES);
    assert_eq!((events[1].data.as_str(), events[1].truncated), ("small", false));
}

#[test]
fn many_data_lines_are_bounded_too() {
    let line = format!("data: {}\n", "y".repeat(1000));
    let stream = line.repeat(2 * MAX_EVENT_BYTES / 1000) + "\n";
    let events = parse_chunks(&[stream.as_bytes()]);
    assert_eq!(events.len(), 1);
    assert!(events[0].truncated && events[0].data.len() <= MAX_EVENT_BYTES);
}

#[test]
fn a_stream_cut_inside_an_oversized_line_is_partial() {
    let mut parser = SseParser::new();
    parser.feed(format!("data: {}", "z".repeat(MAX_EVENT_BYTES + 5)).as_bytes(), |_| {});
    assert!(parser.has_partial());
}
