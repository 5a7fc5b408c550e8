//! Property tests of `sse`: any chunking gives the events of the whole stream, and rendered
//! events parse back as they were.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::strategies::{config, cuts, split};

fn parse(chunks: &[&[u8]]) -> (Vec<SseEvent>, bool) {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    for chunk in chunks {
        parser.feed(chunk, |e| events.push(e));
    }
    (events, parser.has_partial())
}

/// Bytes built from the pieces of an event stream, with stray bytes between them.
fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        select(&["data:", "data: ", "event:", "event: ", "id:", "id: ", ":", "retry: 5", "\n", "\r", "\r\n", " "][..])
            .prop_map(|s| s.as_bytes().to_vec()),
        vec(select(&['a', 'z', '{', '}', '"', '0', '9', 'é'][..]), 0..6)
            .prop_map(|c| String::from_iter(c).into_bytes()),
        any::<u8>().prop_map(|b| vec![b]),
    ];
    vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

/// One event as a sender would write it, and the event a reader must get.
fn event() -> impl Strategy<Value = (Vec<String>, SseEvent)> {
    let line = "[^\r\n]{0,12}";
    (proptest::option::of(line), proptest::option::of("[^\r\n\0]{0,8}"), vec(line, 1..4), any::<bool>()).prop_map(
        |(name, id, data, comment)| {
            let mut lines: Vec<String> = Vec::new();
            if comment {
                lines.push(": keep-alive".into());
            }
            lines.extend(name.iter().map(|n| format!("event: {n}")));
            lines.extend(id.iter().map(|i| format!("id: {i}")));
            lines.extend(data.iter().map(|d| format!("data: {d}")));
            (lines, SseEvent { event: name, data: data.join("\n"), id, truncated: false })
        },
    )
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn any_chunking_gives_the_events_of_the_whole_stream(bytes in stream_bytes(), cuts in cuts()) {
        let whole = parse(&[&bytes]);
        prop_assert_eq!(parse(&split(&bytes, &cuts)), whole);
    }

    #[test]
    fn rendered_events_parse_back_whatever_the_line_ends_and_chunks(
        events in vec(event(), 0..5),
        end in select(&["\n", "\r", "\r\n"][..]),
        cuts in cuts(),
    ) {
        let mut stream = String::new();
        for (lines, _) in &events {
            for line in lines {
                stream.push_str(line);
                stream.push_str(end);
            }
            stream.push_str(end);
        }
        let expected: Vec<SseEvent> = events.into_iter().map(|(_, e)| e).collect();
        let (parsed, partial) = parse(&split(stream.as_bytes(), &cuts));
        prop_assert_eq!(parsed, expected);
        prop_assert!(!partial);
    }
}
