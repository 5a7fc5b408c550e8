//! The shared translation battery: the same conversation is stored in every format's fixtures
//! (`fixtures/<format>/`), so one set of cases checks every format against the same IR values,
//! then round-trips the IR through every format. One macro line per format runs it.

use serde_json::{json, Value};

use super::ir::*;
use super::*;
use crate::usage::Usage;

const ALL: [Format; 4] = [Format::OPENAI, Format::ANTHROPIC, Format::GEMINI, Format::RESPONSES];
const OPTS: EmitOptions = EmitOptions { default_max_tokens: 4096 };

pub(super) fn fixture(format: Format, name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/{}/{}", env!("CARGO_MANIFEST_DIR"), format.id(), name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn request(format: Format, name: &str) -> ChatRequest {
    parse_request(format, &fixture(format, name), None).unwrap()
}

/// Renames tool-call ids to `call_{n}` in order of appearance: Gemini carries no ids, so a trip
/// through it keeps the pairing but not the names.
fn normalize_ids(req: &mut ChatRequest) {
    let mut ids: Vec<String> = Vec::new();
    for m in &mut req.messages {
        for p in &mut m.content {
            match p {
                Part::ToolCall(c) => {
                    ids.push(c.id.clone());
                    c.id = format!("call_{}", ids.len() - 1);
                }
                Part::ToolResult(r) => {
                    let n = ids.iter().position(|id| *id == r.tool_call_id).expect("result answers a call");
                    r.tool_call_id = format!("call_{n}");
                }
                _ => {}
            }
        }
    }
}

/// Emits `req` in every format, parses it back, and expects the same IR (modulo what the
/// target documents it changes: Anthropic's default max_tokens, Gemini's ids and URL model,
/// Responses' missing stop sequences).
fn round_trip_everywhere(req: &ChatRequest) {
    for target in ALL {
        let body = emit_request(target, req, OPTS).unwrap();
        let mut back = parse_request(target, &body, Some(&req.model)).unwrap();
        let mut expected = req.clone();
        if target == Format::ANTHROPIC && expected.max_tokens.is_none() {
            expected.max_tokens = Some(OPTS.default_max_tokens);
        }
        if target == Format::RESPONSES {
            expected.stop.clear();
        }
        if target == Format::GEMINI {
            normalize_ids(&mut expected);
            normalize_ids(&mut back);
        }
        // Normalize tool-call argument texts: objects may be re-serialized.
        for r in [&mut expected, &mut back] {
            for m in &mut r.messages {
                for p in &mut m.content {
                    if let Part::ToolCall(c) = p {
                        c.arguments = serde_json::from_str::<Value>(&c.arguments).unwrap().to_string();
                    }
                }
            }
        }
        assert_eq!(back, expected, "round trip through {target:?}");
    }
}

pub fn simple_chat(f: Format) {
    let req = request(f, "simple.request.json");
    assert_eq!(req.messages, vec![Message::text(Role::User, "Hello!")]);
    assert_eq!(req.max_tokens, Some(256));
    assert_eq!(req.temperature, Some(0.5));
    assert_eq!(req.system, None);
    round_trip_everywhere(&req);
}

pub fn system_prompt(f: Format) {
    let req = request(f, "system.request.json");
    assert_eq!(req.system.as_deref(), Some("You are a terse assistant."));
    assert_eq!(req.messages, vec![Message::text(Role::User, "What is 2+2?")]);
    // The Responses API has no stop sequences.
    let stop = if f == Format::RESPONSES { vec![] } else { vec!["\n\n".to_string()] };
    assert_eq!(req.stop, stop);
    assert_eq!(req.top_p, Some(0.9));
    round_trip_everywhere(&req);
}

pub fn multi_turn(f: Format) {
    let req = request(f, "multi_turn.request.json");
    assert_eq!(
        req.messages,
        vec![
            Message::text(Role::User, "Hi, I'm Ada."),
            Message::text(Role::Assistant, "Hello Ada!"),
            Message::text(Role::User, "What's my name?"),
        ]
    );
    round_trip_everywhere(&req);
}

pub fn image(f: Format) {
    let req = request(f, "image.request.json");
    let [Part::Text(t), Part::Image(Image::Base64 { media_type, data })] = req.messages[0].content.as_slice() else {
        panic!("unexpected parts {:?}", req.messages[0].content)
    };
    assert_eq!(t, "What is in this image?");
    assert_eq!(media_type, "image/png");
    assert!(data.starts_with("iVBORw0KGgo") && data.ends_with("ggg=="));
    round_trip_everywhere(&req);
}

pub fn tool_call(f: Format) {
    let body = fixture(f, "tool_call.response.json");
    let resp = parse_response(f, &body).unwrap();
    assert_eq!(resp.finish_reason, FinishReason::ToolCalls);
    assert_eq!(resp.content[0], Part::Text("Let me check.".into()));
    let Part::ToolCall(call) = &resp.content[1] else { panic!("{:?}", resp.content) };
    assert_eq!(call.name, "get_weather");
    assert_eq!(serde_json::from_str::<Value>(&call.arguments).unwrap(), json!({"city": "Paris"}));
    assert!(!call.id.is_empty());
    assert_eq!(resp.usage.map(|u| (u.input_tokens, u.output_tokens)), Some((82, 17)));
    // What each client format actually receives.
    let (_, openai) = convert_response(f, Format::OPENAI, 200, &body, 1).unwrap();
    let openai: Value = serde_json::from_slice(&openai).unwrap();
    assert_eq!(openai["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(openai["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "get_weather");
    let (_, anthropic) = convert_response(f, Format::ANTHROPIC, 200, &body, 1).unwrap();
    let anthropic: Value = serde_json::from_slice(&anthropic).unwrap();
    assert_eq!(anthropic["stop_reason"], "tool_use");
    assert_eq!(anthropic["content"][1]["input"], json!({"city": "Paris"}));
    // Every emitter's output parses back to the same answer.
    for target in ALL {
        let mut back = parse_response(target, &emit_response(target, &resp, 1)).unwrap();
        let mut expected = resp.clone();
        for r in [&mut back, &mut expected] {
            if let Part::ToolCall(c) = &mut r.content[1] {
                c.id.clear();
                c.arguments = serde_json::from_str::<Value>(&c.arguments).unwrap().to_string();
            }
        }
        assert_eq!(back, expected, "response through {target:?}");
    }
}

pub fn tool_result(f: Format) {
    let req = request(f, "tool_result.request.json");
    assert_eq!(req.tools.len(), 1);
    assert_eq!(req.tools[0].name, "get_weather");
    assert_eq!(req.tools[0].description.as_deref(), Some("Get the current weather"));
    assert_eq!(req.tools[0].parameters["properties"]["city"]["type"], "string");
    assert_eq!(req.tool_choice, Some(ToolChoice::Auto));
    assert_eq!(req.messages.len(), 3);
    let [Part::ToolCall(call)] = req.messages[1].content.as_slice() else { panic!("{:?}", req.messages[1]) };
    assert_eq!((req.messages[1].role, call.name.as_str()), (Role::Assistant, "get_weather"));
    let [Part::ToolResult(result)] = req.messages[2].content.as_slice() else { panic!("{:?}", req.messages[2]) };
    assert_eq!(req.messages[2].role, Role::Tool);
    assert_eq!(result.tool_call_id, call.id, "the result answers the call");
    assert_eq!(result.content, "18°C and sunny");
    round_trip_everywhere(&req);
}

/// What a client of format `to` reads from `bytes`.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Collected {
    pub text: String,
    pub reasoning: String,
    pub calls: Vec<(String, String)>,
    pub finish: Option<FinishReason>,
    pub usage: Option<Usage>,
    pub errors: Vec<String>,
    pub ended: bool,
}

pub(super) fn collect(to: Format, bytes: &[u8]) -> Collected {
    let mut events = Vec::new();
    let mut parser = crate::sse::SseParser::new();
    let mut sse_events = Vec::new();
    parser.feed(bytes, |e| sse_events.push(e));
    let mut decoder = to.stream_decoder();
    let mut c = Collected::default();
    for e in &sse_events {
        c.ended |= decoder.decode(e, &mut events) || decoder.finished();
    }
    for e in events {
        match e {
            StreamEvent::TextDelta(t) => c.text.push_str(&t),
            StreamEvent::ToolCallStart { name, .. } => c.calls.push((name, String::new())),
            StreamEvent::ToolCallDelta { index, fragment } => c.calls[index].1.push_str(&fragment),
            StreamEvent::Finish(r) => c.finish = Some(r),
            StreamEvent::Usage(u) => c.usage = Some(u),
            StreamEvent::Error { message, .. } => c.errors.push(message),
            StreamEvent::ReasoningDelta(t) => c.reasoning.push_str(&t),
            StreamEvent::Start { .. } | StreamEvent::ReasoningSignature(_) | StreamEvent::RedactedReasoning(_) => {}
        }
    }
    c
}

fn translate_stream(from: Format, to: Format, chunks: &[&[u8]]) -> (Vec<u8>, StreamTranslator) {
    let mut t =
        StreamTranslator::new(from, to, StreamOptions { include_usage: true, created: 7, ..StreamOptions::default() });
    let mut out = Vec::new();
    for chunk in chunks {
        out.extend(t.push(chunk));
    }
    out.extend(t.finish());
    (out, t)
}

fn check_stream(f: Format, name: &str, check: impl Fn(&Collected)) {
    let body = fixture(f, name);
    for to in ALL {
        let (whole, t) = translate_stream(f, to, &[&body]);
        assert!(t.saw_terminal(), "{f:?} → {to:?}");
        assert_eq!(t.usage().map(|u| (u.input_tokens, u.output_tokens)), Some((12, 4)));
        let c = collect(to, &whole);
        assert!(c.ended, "{f:?} → {to:?} ends properly: {}", String::from_utf8_lossy(&whole));
        assert_eq!(c.usage.map(|u| (u.input_tokens, u.output_tokens)), Some((12, 4)), "{f:?} → {to:?}");
        check(&c);
        // Cut anywhere: the client receives the same bytes.
        for cut in 0..=body.len() {
            let (pieces, _) = translate_stream(f, to, &[&body[..cut], &body[cut..]]);
            assert_eq!(pieces, whole, "{f:?} → {to:?} cut at {cut}");
        }
    }
}

pub fn streaming_text(f: Format) {
    check_stream(f, "stream_text.sse", |c| {
        assert_eq!(c.text, "Hello there!");
        assert!(c.calls.is_empty());
        assert_eq!(c.finish, Some(FinishReason::Stop));
    });
}

pub fn streaming_tool_call(f: Format) {
    check_stream(f, "stream_tool_call.sse", |c| {
        assert_eq!(c.text, "Let me check.");
        assert_eq!(c.calls.len(), 1);
        assert_eq!(c.calls[0].0, "get_weather");
        assert_eq!(serde_json::from_str::<Value>(&c.calls[0].1).unwrap(), json!({"city": "Paris"}));
        assert_eq!(c.finish, Some(FinishReason::ToolCalls));
    });
}

pub fn usage(f: Format) {
    let body = fixture(f, "usage.response.json");
    let resp = parse_response(f, &body).unwrap();
    // The fixtures: 100 in, 40 of them read from the cache (Anthropic's: 10 more written to it),
    // 20 out (OpenAI's and Gemini's: 5 of them reasoning; Anthropic does not say).
    let expected = Usage {
        input_tokens: 100,
        output_tokens: 20,
        cached_input_tokens: 40,
        cache_write_input_tokens: if f == Format::ANTHROPIC { 10 } else { 0 },
        reasoning_tokens: if f == Format::ANTHROPIC { 0 } else { 5 },
        ..Usage::default()
    };
    assert_eq!(resp.usage, Some(expected));
    assert_eq!(resp.content, vec![Part::Text("Hello! How can I help?".into())]);
    assert_eq!(resp.finish_reason, FinishReason::Stop);
    for target in ALL {
        let (status, out) = convert_response(f, target, 200, &body, 1).unwrap();
        assert_eq!(status, 200);
        // What the client's shape carries: cache writes only Anthropic's, reasoning all but Anthropic's.
        let carried = Usage {
            cache_write_input_tokens: if target == Format::ANTHROPIC { expected.cache_write_input_tokens } else { 0 },
            reasoning_tokens: if target == Format::ANTHROPIC { 0 } else { expected.reasoning_tokens },
            ..expected
        };
        assert_eq!(parse_response(target, &out).unwrap().usage, Some(carried), "{f:?} → {target:?}");
    }
}

pub fn error(f: Format) {
    let body = fixture(f, "error.json");
    let e = parse_error(f, 429, &body);
    assert_eq!((e.status, e.kind.as_str(), e.message.as_str()), (429, "rate_limit_error", "Rate limit exceeded"));
    let (status, openai) = convert_response(f, Format::OPENAI, 429, &body, 1).unwrap();
    let openai: Value = serde_json::from_slice(&openai).unwrap();
    assert_eq!(status, 429);
    assert_eq!(openai["error"]["message"], "Rate limit exceeded");
    assert_eq!(openai["error"]["type"], "rate_limit_error");
    let (status, anthropic) = convert_response(f, Format::ANTHROPIC, 429, &body, 1).unwrap();
    let anthropic: Value = serde_json::from_slice(&anthropic).unwrap();
    assert_eq!(status, 429);
    assert_eq!(
        anthropic,
        json!({"type": "error", "error": {"type": "rate_limit_error", "message": "Rate limit exceeded"}})
    );
    for target in ALL {
        assert_eq!(parse_error(target, 429, &emit_error(target, &e)), e, "error through {target:?}");
    }
}

macro_rules! translation_battery {
    ($name:ident, $format:expr) => {
        mod $name {
            use super::Format;
            #[test]
            fn simple_chat() {
                super::simple_chat($format)
            }
            #[test]
            fn system_prompt() {
                super::system_prompt($format)
            }
            #[test]
            fn multi_turn() {
                super::multi_turn($format)
            }
            #[test]
            fn image() {
                super::image($format)
            }
            #[test]
            fn tool_call() {
                super::tool_call($format)
            }
            #[test]
            fn tool_result() {
                super::tool_result($format)
            }
            #[test]
            fn streaming_text() {
                super::streaming_text($format)
            }
            #[test]
            fn streaming_tool_call() {
                super::streaming_tool_call($format)
            }
            #[test]
            fn usage() {
                super::usage($format)
            }
            #[test]
            fn error() {
                super::error($format)
            }
        }
    };
}

translation_battery!(openai_battery, Format::OPENAI);
translation_battery!(anthropic_battery, Format::ANTHROPIC);
translation_battery!(gemini_battery, Format::GEMINI);
translation_battery!(responses_battery, Format::RESPONSES);

#[test]
fn a_non_json_error_body_is_described_with_the_provider_s_status_and_a_code() {
    let e = parse_error(Format::ANTHROPIC, 503, b"upstream connect error");
    assert_eq!(
        (e.status, e.kind.as_str(), e.message.as_str(), e.code.as_deref()),
        (
            503,
            "overloaded_error",
            "the provider answered HTTP 503 with a body that is not JSON: upstream connect error",
            Some("upstream_invalid_response")
        )
    );
    let (status, body) = convert_response(Format::ANTHROPIC, Format::OPENAI, 503, b"<html></html>", 1).unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, v["error"]["code"].as_str()), (503, Some("upstream_invalid_response")));
    // A provider's own JSON error has no gateway code.
    let body = fixture(Format::ANTHROPIC, "error.json");
    assert_eq!(parse_error(Format::ANTHROPIC, 429, &body).code, None);
}

#[test]
fn an_untranslatable_success_body_is_a_502_upstream_invalid_response() {
    for (from, body, cause) in [
        (Format::ANTHROPIC, &b"{\"unexpected\":true}"[..], "Anthropic response has no content array"),
        (Format::GEMINI, b"{}", "Gemini response has no candidates"),
        (Format::OPENAI, b"{\"choices\":[]}", "OpenAI response has no choices[0]"),
        (Format::ANTHROPIC, b"<html>sk-secret", "upstream sent invalid JSON: expected value at line 1 column 1"),
    ] {
        let to = if from == Format::OPENAI { Format::ANTHROPIC } else { Format::OPENAI };
        let e = convert_response(from, to, 200, body, 1).expect_err(cause);
        assert_eq!((e.status(), e.kind().code(), e.is_retryable()), (502, "upstream_invalid_response", false));
        assert_eq!(
            e.message(),
            format!("could not translate the provider's {} answer (HTTP 200): {cause}", from.name())
        );
    }
}
