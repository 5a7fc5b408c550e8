//! Property tests of `translate::responses`: any answer streams as events the `openai` SDK can
//! accumulate and decodes back to the same IR events however its bytes are cut; any request
//! body is read or refused as the client's fault, and what is emitted reads back.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Value};

use super::tests::{accumulate_like_the_sdk, typed_events};
use super::*;
use crate::sse::SseParser;
use crate::strategies::{any_json, assert_client_error, config, cuts, split, text};

/// One thing the model does while streaming.
#[derive(Debug, Clone)]
enum Step {
    Text(String),
    /// A new tool call, by name.
    Call(String),
    /// Arguments for tool call `n` (possibly one not started, or started long ago).
    Arguments(usize, String),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        text().prop_map(Step::Text),
        "[a-z_]{1,8}".prop_map(Step::Call),
        (0usize..4, text()).prop_map(|(n, a)| Step::Arguments(n, a)),
    ]
}

/// The IR events of an answer made of `steps`, and the events a decoder should give back: the
/// same without empty pieces and arguments of calls never started, with the finish reason a
/// Responses stream can tell (`completed` is a stop, or tool calls when there were some).
fn answer(steps: &[Step], finish: FinishReason, usage: Usage) -> (Vec<StreamEvent>, Vec<StreamEvent>) {
    let mut events = vec![StreamEvent::Start { id: "resp_p".into(), model: "m".into() }];
    let mut expected = events.clone();
    let mut calls = 0;
    for s in steps {
        match s {
            Step::Text(t) => {
                events.push(StreamEvent::TextDelta(t.clone()));
                if !t.is_empty() {
                    expected.push(StreamEvent::TextDelta(t.clone()));
                }
            }
            Step::Call(name) => {
                let start = StreamEvent::ToolCallStart {
                    index: calls,
                    id: format!("call_{calls}"),
                    name: name.clone(),
                    signature: None,
                };
                events.push(start.clone());
                expected.push(start);
                calls += 1;
            }
            Step::Arguments(index, fragment) => {
                let delta = StreamEvent::ToolCallDelta { index: *index, fragment: fragment.clone() };
                events.push(delta.clone());
                if *index < calls && !fragment.is_empty() {
                    expected.push(delta);
                }
            }
        }
    }
    events.push(StreamEvent::Finish(finish));
    events.push(StreamEvent::Usage(usage));
    let told = match finish {
        FinishReason::Length | FinishReason::ContentFilter => finish,
        _ if calls > 0 => FinishReason::ToolCalls,
        _ => FinishReason::Stop,
    };
    expected.push(StreamEvent::Finish(told));
    expected.push(StreamEvent::Usage(usage));
    (events, expected)
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn any_answer_streams_for_the_sdk_and_decodes_back_cut_anywhere(
        steps in vec(step(), 0..10),
        finish in select(&[FinishReason::Stop, FinishReason::Length, FinishReason::ToolCalls,
                           FinishReason::ContentFilter, FinishReason::Other][..]),
        (input, output, cached) in (0u64..1 << 40, 0u64..1 << 40, 0u64..1 << 40),
        at in cuts(),
    ) {
        let usage = Usage { input_tokens: input.max(cached), output_tokens: output, cached_input_tokens: input.min(cached), ..Usage::default() };
        let (events, expected) = answer(&steps, finish, usage);
        let mut encoder = StreamEncoder::new(1);
        let mut bytes = Vec::new();
        for ev in &events {
            encoder.encode(ev, &mut bytes);
        }
        encoder.end(&mut bytes);
        accumulate_like_the_sdk(&typed_events(&bytes));

        let mut parser = SseParser::new();
        let mut decoder = StreamDecoder::default();
        let mut decoded = Vec::new();
        let mut ended = false;
        for chunk in split(&bytes, &at) {
            parser.feed(chunk, |ev| ended |= decoder.decode(&ev, &mut decoded));
        }
        prop_assert!(ended);
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn any_request_is_read_or_refused_and_what_is_emitted_reads_back(
        mut body in any_json(),
        input in prop_oneof![text().prop_map(Value::from), vec(any_json(), 0..4).prop_map(Value::from)],
    ) {
        if let Some(o) = body.as_object_mut() {
            o.insert("input".into(), input);
        }
        match request_to_ir(&body) {
            Ok(request) => {
                let emitted = request_from_ir(&request);
                prop_assert!(request_to_ir(&emitted).is_ok(), "{}", emitted);
            }
            Err(e) => assert_client_error(&e)?,
        }
    }

    #[test]
    fn any_event_data_decodes_without_panicking(events in vec((any_json(), select(&["response.created",
        "response.output_item.added", "response.output_item.done", "response.output_text.delta",
        "response.output_text.done", "response.function_call_arguments.delta", "response.function_call_arguments.done",
        "response.completed", "response.failed", "error"][..])), 0..8)) {
        let mut decoder = StreamDecoder::default();
        let mut out = Vec::new();
        for (mut data, kind) in events {
            if let Some(o) = data.as_object_mut() {
                o.insert("type".into(), json!(kind));
            }
            let ev = SseEvent { event: Some(kind.to_string()), data: data.to_string(), ..SseEvent::default() };
            decoder.decode(&ev, &mut out);
        }
    }
}
