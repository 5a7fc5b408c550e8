//! Property tests of stream translation: the client gets the same bytes however the upstream cut
//! its stream, and a well-formed stream reaches the client in any format without losing or
//! repeating text, tool calls or usage.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};

use super::*;
use crate::strategies::{bytes, config, cuts, shaped, split, Shape};
use crate::translate::ir::{FinishReason, StreamEvent};
use crate::translate::json;
use crate::translate::shapes::{AN_EVENT, GM_RESPONSE, OA_CHUNK};
use crate::translate::tests::collect;
use crate::usage::Usage;

const ALL: [Format; 3] = [Format::OPENAI, Format::ANTHROPIC, Format::GEMINI];

fn event_shape(format: Format) -> &'static Shape {
    [(Format::OPENAI, &OA_CHUNK), (Format::ANTHROPIC, &AN_EVENT), (Format::GEMINI, &GM_RESPONSE)]
        .into_iter()
        .find_map(|(f, shape)| (f == format).then_some(shape))
        .unwrap()
}

/// An upstream body in `format`: its events as SSE (`[DONE]` too), with stray bytes now and then.
fn upstream_body(format: Format) -> impl Strategy<Value = Vec<u8>> {
    let event = prop_oneof![
        8 => shaped(event_shape(format)).prop_map(move |v| {
            let name = v.get("type").and_then(Value::as_str).filter(|_| format == Format::ANTHROPIC);
            let mut out = Vec::new();
            json::sse(&mut out, name, &v.to_string());
            out
        }),
        1 => Just(b"data: [DONE]\n\n".to_vec()),
        1 => bytes(),
    ];
    vec(event, 0..8).prop_map(|events| events.concat())
}

fn translate(from: Format, to: Format, chunks: &[&[u8]]) -> (Vec<u8>, Option<Usage>, bool) {
    let mut t =
        StreamTranslator::new(from, to, StreamOptions { include_usage: true, created: 7, ..StreamOptions::default() });
    let mut out = Vec::new();
    for chunk in chunks {
        out.extend(t.push(chunk));
    }
    out.extend(t.finish());
    (out, t.usage(), t.saw_terminal())
}

/// What a stream says, as IR events in the order an encoder takes them.
#[derive(Debug, Clone)]
struct Answer {
    id: String,
    model: String,
    text: Vec<String>,
    /// Name and arguments (a JSON object, sent in fragments) of each tool call.
    calls: Vec<(String, Value, Vec<usize>)>,
    finish: FinishReason,
    usage: Usage,
}

fn answer() -> impl Strategy<Value = Answer> {
    let args = proptest::collection::btree_map(
        "[a-z]{1,5}",
        prop_oneof![any::<i32>().prop_map(Value::from), ".{0,6}".prop_map(Value::from)],
        0..3,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()));
    let call = ("[a-z_]{1,8}", args, vec(0usize..40, 0..3));
    let finish =
        select(&[FinishReason::Stop, FinishReason::Length, FinishReason::ToolCalls, FinishReason::ContentFilter][..]);
    let usage = (0u64..1 << 40, 0u64..1 << 40, 0u64..1 << 40).prop_map(|(a, b, c)| Usage {
        input_tokens: a.max(c),
        output_tokens: b,
        cached_input_tokens: a.min(c),
        ..Usage::default()
    });
    ("[a-z0-9_]{0,8}", "[a-z0-9.-]{0,12}", vec(".{0,10}", 0..5), vec(call, 0..3), finish, usage)
        .prop_map(|(id, model, text, calls, finish, usage)| Answer { id, model, text, calls, finish, usage })
}

/// `answer` as the IR events of a stream, tool-call arguments cut at `cuts`.
fn events(answer: &Answer) -> Vec<StreamEvent> {
    let mut events = vec![StreamEvent::Start { id: answer.id.clone(), model: answer.model.clone() }];
    events.extend(answer.text.iter().cloned().map(StreamEvent::TextDelta));
    for (index, (name, args, cuts)) in answer.calls.iter().enumerate() {
        events.push(StreamEvent::ToolCallStart {
            index,
            id: format!("call_{index}"),
            name: name.clone(),
            signature: None,
        });
        let text = args.to_string();
        let mut at: Vec<usize> =
            cuts.iter().map(|c| c % (text.len() + 1)).filter(|c| text.is_char_boundary(*c)).collect();
        at.sort_unstable();
        let mut last = 0;
        for a in at.into_iter().chain([text.len()]) {
            events.push(StreamEvent::ToolCallDelta { index, fragment: text[last..a].to_string() });
            last = a;
        }
    }
    events.push(StreamEvent::Finish(answer.finish));
    events.push(StreamEvent::Usage(answer.usage));
    events
}

/// The stream an upstream speaking `format` sends for `answer`.
fn encode(format: Format, answer: &Answer) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder =
        format.stream_encoder(StreamOptions { include_usage: true, created: 7, ..StreamOptions::default() });
    for e in events(answer) {
        encoder.encode(&e, &mut out);
    }
    encoder.end(&mut out);
    out
}

// A case translates a stream for the nine pairs of formats, twice: hundreds of cases.
proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn the_client_gets_the_same_bytes_however_the_upstream_cuts_its_stream(
        (from, body) in select(&ALL[..]).prop_flat_map(|f| (Just(f), upstream_body(f))),
        cuts in cuts(),
    ) {
        for to in ALL {
            let whole = translate(from, to, &[&body]);
            prop_assert_eq!(translate(from, to, &split(&body, &cuts)), whole, "{:?} → {:?}", from, to);
        }
    }
}

proptest! {
    // A case encodes a stream in three formats and translates each to three, decoding the result.
    #![proptest_config(config(200))]

    #[test]
    fn well_formed_streams_lose_and_repeat_nothing_in_any_format(answer in answer(), cuts in cuts()) {
        for from in ALL {
            let body = encode(from, &answer);
            for to in ALL {
                let (out, usage, terminal) = translate(from, to, &split(&body, &cuts));
                prop_assert!(terminal, "{:?} → {:?}", from, to);
                prop_assert_eq!(usage, Some(answer.usage));
                let got = collect(to, &out);
                prop_assert!(got.ended, "{:?} → {:?}: {}", from, to, String::from_utf8_lossy(&out));
                prop_assert_eq!(&got.text, &answer.text.concat());
                let calls: Vec<(String, Value)> =
                    got.calls.iter().map(|(n, a)| (n.clone(), serde_json::from_str(a).unwrap_or(json!(a)))).collect();
                let sent: Vec<(String, Value)> = answer.calls.iter().map(|(n, a, _)| (n.clone(), a.clone())).collect();
                prop_assert_eq!(calls, sent, "{:?} → {:?}", from, to);
                prop_assert_eq!(got.usage, Some(answer.usage), "{:?} → {:?}", from, to);
                prop_assert!(got.errors.is_empty());
            }
        }
    }
}
