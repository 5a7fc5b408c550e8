//! Property tests of `translate` for whole bodies: any request body is parsed or refused with a
//! 400 and what is parsed is emitted in every format as a body that format's parser reads back
//! the same way twice; any upstream answer is converted, never a panic.

use proptest::prelude::*;
use proptest::sample::select;

use super::shapes::*;
use super::*;
use crate::strategies::{assert_client_error, bytes, clean, config, shaped, shaped_body, Shape};

const ALL: [Format; 4] = [Format::OPENAI, Format::ANTHROPIC, Format::GEMINI, Format::RESPONSES];
const OPTS: EmitOptions = EmitOptions { default_max_tokens: 1024 };

fn shape_of(format: Format, shapes: [&'static Shape; 4]) -> &'static Shape {
    let at = ALL.iter().position(|f| *f == format).unwrap();
    shapes[at]
}

fn request_shape(format: Format) -> &'static Shape {
    shape_of(format, [&OA_REQUEST, &AN_REQUEST, &GM_REQUEST, &RS_REQUEST])
}

fn response_shape(format: Format) -> &'static Shape {
    shape_of(format, [&OA_RESPONSE, &AN_RESPONSE, &GM_RESPONSE, &RS_RESPONSE])
}

/// A format and a body of that format's request shape.
fn request() -> impl Strategy<Value = (Format, Vec<u8>)> {
    select(&ALL[..]).prop_flat_map(|f| (Just(f), shaped_body(request_shape(f))))
}

/// A format and a body of that format's response shape, or of an error.
fn response() -> impl Strategy<Value = (Format, Vec<u8>)> {
    select(&ALL[..]).prop_flat_map(|f| (Just(f), prop_oneof![4 => shaped_body(response_shape(f)), 1 => bytes()]))
}

/// Emits `request` in `to` and parses it back; `None` when the emitter refuses it (a 400).
fn through(to: Format, request: &ChatRequest) -> Result<Option<ChatRequest>, TestCaseError> {
    match emit_request(to, request, OPTS) {
        Ok(body) => match parse_request(to, &body, Some(&request.model)) {
            Ok(back) => Ok(Some(back)),
            Err(e) => Err(TestCaseError::fail(format!(
                "{to:?} cannot read its own body: {e}\n{}",
                String::from_utf8_lossy(&body)
            ))),
        },
        Err(e) => assert_client_error(&e).map(|()| None),
    }
}

fn calls_only_in_assistant_turns(request: &ChatRequest) -> bool {
    let call_in = |m: &ir::Message| m.content.iter().any(|p| matches!(p, ir::Part::ToolCall(_)));
    request.messages.iter().all(|m| m.role == ir::Role::Assistant || !call_in(m))
}

// A case parses a nested request and emits and parses it in four formats (twice for the
// stability check): hundreds of cases, not thousands, keep the suite quick.
proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn requests_parse_or_are_refused_and_emit_as_bodies_every_format_reads((from, body) in request()) {
        let request = match parse_request(from, &body, None) {
            Ok(request) => request,
            Err(e) => return assert_client_error(&e),
        };
        for to in ALL {
            through(to, &request)?;
        }
    }

    /// Clean bodies only: a float of 17 digits may come back one ulp off (see `nice_number`).
    #[test]
    fn translated_requests_are_stable_after_one_trip(
        (from, body) in select(&ALL[..]).prop_flat_map(|f| (Just(f), clean(request_shape(f)))),
    ) {
        let Ok(request) = parse_request(from, body.to_string().as_bytes(), None) else { return Ok(()) };
        for to in ALL {
            // One trip normalizes what the target cannot say; a second must change nothing.
            // (Except for a tool call the client put in a user turn, which no format allows:
            // Gemini then reads the call after its own result, and refuses the next trip.)
            if let Some(once) = through(to, &request)?.filter(calls_only_in_assistant_turns) {
                let twice = through(to, &once)?;
                prop_assert_eq!(twice.as_ref(), Some(&once), "{:?} → {:?}", from, to);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn upstream_answers_are_converted_for_every_client(
        (from, body) in response(),
        status in prop_oneof![Just(200u16), 100u16..600],
    ) {
        match parse_response(from, &body) {
            Ok(parsed) => {
                for to in ALL {
                    let emitted = emit_response(to, &parsed, 7);
                    let text = String::from_utf8_lossy(&emitted);
                    prop_assert!(parse_response(to, &emitted).is_ok(), "{:?} cannot read its own {}", to, text);
                }
            }
            Err(e) => prop_assert_eq!(e.status(), 502, "{}", e),
        }
        for to in ALL {
            match convert_response(from, to, status, &body, 7) {
                Ok((status_out, out)) => {
                    if from != to || status >= 400 {
                        prop_assert!(serde_json::from_slice::<Value>(&out).is_ok(), "{}", String::from_utf8_lossy(&out));
                    }
                    prop_assert_eq!(status_out, status);
                }
                Err(e) => prop_assert_eq!((e.status(), e.kind().code()), (502, "upstream_invalid_response"), "{}", e),
            }
        }
    }
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn embeddings_requests_and_answers_convert_or_are_refused(
        request in shaped(&EMBEDDINGS_REQUEST),
        answer in shaped(&EMBEDDINGS_ANSWER),
    ) {
        if let Err(e) = embeddings::gemini_request(&request, "text-embedding-004") {
            assert_client_error(&e)?;
        }
        if let Err(e) = embeddings::openai_response(&answer, "m", embeddings::Encoding::Base64) {
            prop_assert_eq!(e.status(), 502);
        }
    }
}

const EMBEDDINGS_REQUEST: Shape = Shape::Obj(&[
    ("input", Shape::OneOf(&[Shape::Text, Shape::Arr(&Shape::Text)])),
    ("dimensions", Shape::Opt(&Shape::Int(1, 3072))),
]);

const EMBEDDINGS_ANSWER: Shape =
    Shape::Obj(&[("embeddings", Shape::Arr(&Shape::Obj(&[("values", Shape::Arr(&Shape::Num))])))]);
