//! Property tests of the stream guard: its verdict does not depend on how the stream was cut,
//! and the error event it appends stays an event of its own, whatever came before.

use proptest::prelude::*;
use proptest::sample::select;

use super::*;
use crate::strategies::{bytes, config, cuts, split};

const DIALECTS: [StreamDialect; 7] = [
    StreamDialect::Chat(Format::OPENAI),
    StreamDialect::Chat(Format::RESPONSES),
    StreamDialect::Audio,
    StreamDialect::Images,
    StreamDialect::Chat(Format::ANTHROPIC),
    StreamDialect::Chat(Format::GEMINI),
    StreamDialect::Unknown,
];

/// A stream of SSE pieces: terminal and error events of each dialect, partial lines, stray bytes.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        select(
            &[
                "data: {\"choices\":[]}\n\n",
                "data: [DONE]\n\n",
                "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
                "data: {\"candidates\":[{\"finishReason\":\"STOP\"}]}\n\n",
                "event: error\ndata: {}\n\n",
                "data: {\"error\":{\"message\":\"x\"}}\n\n",
                "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":7}\n\n",
                "data: {\"type\":\"error\",\"sequence_number\":3}\n\n",
                "data: {\"type\":\"speech.audio.done\"}\n\n",
                "event: ping\n",
                "data: partial",
                "id: 3\n",
                "\r",
                "\n",
            ][..]
        )
        .prop_map(|s| s.as_bytes().to_vec()),
        bytes(),
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

fn verdict(dialect: StreamDialect, chunks: &[&[u8]], complete: bool) -> (bool, bool, Option<Vec<u8>>) {
    let mut guard = StreamGuard::new(dialect);
    for chunk in chunks {
        guard.observe(chunk);
    }
    (guard.ended_properly(), guard.saw_error(), guard.end(if complete { BodyEnd::Complete } else { BodyEnd::Broken }))
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn the_verdict_does_not_depend_on_the_chunking(
        dialect in select(&DIALECTS[..]),
        body in stream(),
        cuts in cuts(),
        complete in any::<bool>(),
    ) {
        prop_assert_eq!(verdict(dialect, &split(&body, &cuts), complete), verdict(dialect, &[&body], complete));
    }

    #[test]
    fn the_appended_error_is_an_event_of_its_own(
        dialect in select(&DIALECTS[..]),
        body in stream(),
        complete in any::<bool>(),
    ) {
        let (_, _, appended) = verdict(dialect, &[&body], complete);
        let Some(appended) = appended else { return Ok(()) };
        let mut parser = SseParser::new();
        let mut last = None;
        parser.feed(&[body, appended].concat(), |e| last = Some(e));
        let last = last.ok_or_else(|| TestCaseError::fail("no event after the appended error"))?;
        prop_assert!(is_error(dialect, &last), "{:?}", last);
        prop_assert!(serde_json::from_str::<serde_json::Value>(&last.data).is_ok(), "{:?}", last);
        prop_assert!(!parser.has_partial());
    }
}
