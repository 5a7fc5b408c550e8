//! Property tests of `usage_extract`: any response body or stream, in any provider's shape,
//! yields usage whose cached tokens fit in its input, never a panic.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use crate::logs::usage_extract::{from_json, model_from_path, model_from_request, request_text_chars, UsageExtractor};
use crate::sse::SseEvent;
use crate::strategies::{config, shaped, text, Shape};
use crate::translate::shapes::{
    AN_EVENT, AN_REQUEST, AN_RESPONSE, GM_REQUEST, GM_RESPONSE, OA_CHUNK, OA_REQUEST, OA_RESPONSE,
};
use crate::usage::Usage;

const RESPONSES: &[&Shape] = &[&OA_RESPONSE, &AN_RESPONSE, &GM_RESPONSE, &OA_CHUNK, &AN_EVENT];
const REQUESTS: &[&Shape] = &[&OA_REQUEST, &AN_REQUEST, &GM_REQUEST];

fn one_of(shapes: &'static [&'static Shape]) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(shapes).prop_flat_map(shaped).prop_map(|v| v.to_string()),
        1 => text(),
    ]
}

fn check(usage: Option<Usage>) -> Result<(), TestCaseError> {
    if let Some(u) = usage {
        prop_assert!(u.cached_input_tokens <= u.input_tokens, "{:?}", u);
    }
    Ok(())
}

// Each case builds and parses nested JSON documents of every provider's shapes: hundreds of
// cases, not thousands, keep the suite quick.
proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn any_response_yields_usage_with_cached_within_input(body in one_of(RESPONSES)) {
        check(from_json(&body).usage)?;
    }

    #[test]
    fn any_request_or_path_is_read_without_panic(request in one_of(REQUESTS), path in text()) {
        let _ = (request_text_chars(&request), model_from_request(&request), model_from_path(&path));
    }
}

proptest! {
    // Up to seven documents a case.
    #![proptest_config(config(250))]

    #[test]
    fn any_stream_yields_usage_reported_or_estimated(
        events in vec(one_of(RESPONSES), 0..6),
        request in one_of(REQUESTS),
    ) {
        let mut extractor = UsageExtractor::new();
        for data in events {
            extractor.feed(&SseEvent { data, ..SseEvent::default() });
        }
        let usage = extractor.finish(Some(&request)).usage;
        prop_assert!(usage.is_some());
        check(usage)?;
    }
}
