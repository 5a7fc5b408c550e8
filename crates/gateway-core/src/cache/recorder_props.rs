//! Property tests of the response recorder: whether a body may be cached does not depend on how
//! the upstream cut it into chunks.

use proptest::prelude::*;

use super::*;
use crate::strategies::{bytes, config, cuts, split};

fn record(chunks: &[&[u8]], sse: bool, max: usize, complete: bool) -> Option<Vec<u8>> {
    let mut recorder = ResponseRecorder::new(max, sse);
    for chunk in chunks {
        recorder.push(chunk);
    }
    recorder.finish(complete)
}

/// Event-stream-like bytes: SSE lines, some of them errors, with stray bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        proptest::sample::select(
            &[
                "data: {\"x\":1}\n\n",
                "data: {\"error\":{}}\n\n",
                "event: error\n",
                "data: [DONE]\n\n",
                "\r\n",
                "data: \"error\""
            ][..]
        )
        .prop_map(|s| s.as_bytes().to_vec()),
        bytes(),
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn the_verdict_does_not_depend_on_the_chunking(
        body in body(),
        cuts in cuts(),
        sse in any::<bool>(),
        max in 0usize..300,
        complete in any::<bool>(),
    ) {
        let whole = record(&[&body], sse, max, complete);
        prop_assert_eq!(record(&split(&body, &cuts), sse, max, complete), whole.clone());
        if let Some(kept) = whole {
            prop_assert_eq!(kept, body);
        }
    }
}
