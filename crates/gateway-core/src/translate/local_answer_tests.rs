//! Unit tests of `translate::local_answer`: every format reads the answer back as an answer.

use super::*;
use crate::sse::SseParser;
use crate::translate::{parse_response, FORMATS};

#[test]
fn a_whole_answer_reads_back_in_every_format() {
    for &format in FORMATS {
        let answer =
            local_answer(format, "gpt-5-mini", "I can't help with that.", FinishReason::ContentFilter, false, 7);
        assert_eq!(answer.content_type, "application/json");
        let read = parse_response(format, &answer.body).unwrap_or_else(|e| panic!("{}: {e:?}", format.name()));
        assert_eq!(read.content, vec![Part::Text("I can't help with that.".into())], "{}", format.name());
        assert_eq!(read.finish_reason, FinishReason::ContentFilter, "{}", format.name());
    }
}

#[test]
fn a_streamed_answer_is_the_format_s_events_and_ends_properly() {
    for &format in FORMATS {
        let answer = local_answer(format, "gpt-5-mini", "Refused.", FinishReason::ContentFilter, true, 7);
        assert_eq!(answer.content_type, "text/event-stream");
        let mut decoder = format.stream_decoder();
        let (mut events, mut ended) = (Vec::new(), false);
        let mut parser = SseParser::new();
        parser.feed(&answer.body, |event| ended |= decoder.decode(&event, &mut events));
        parser.finish();
        assert!(ended || decoder.finished(), "{}: the stream never ends", format.name());
        let text: String = events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::TextDelta(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(text, "Refused.", "{}", format.name());
        assert!(events.contains(&StreamEvent::Finish(FinishReason::ContentFilter)), "{}: {events:?}", format.name());
    }
}
