use super::*;
use crate::sse::SseParser;

fn run_stream(raw: &str, request: Option<&str>) -> Extracted {
    let mut parser = SseParser::new();
    let mut ex = UsageExtractor::new();
    // Feed in small pieces to exercise chunk boundaries.
    for chunk in raw.as_bytes().chunks(7) {
        parser.feed(chunk, |e| ex.feed(&e));
    }
    ex.finish(request)
}

fn usage(input: u64, output: u64, cached: u64) -> Usage {
    Usage { input_tokens: input, output_tokens: output, cached_input_tokens: cached, ..Usage::default() }
}

fn with(u: Usage, cache_write: u64, reasoning: u64) -> Usage {
    Usage { cache_write_input_tokens: cache_write, reasoning_tokens: reasoning, ..u }
}

#[test]
fn openai_json() {
    let body = r#"{"id":"x","model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,"prompt_tokens_details":{"cached_tokens":64}}}"#;
    let got = from_json(body);
    assert_eq!(got.usage, Some(usage(100, 20, 64)));
    assert_eq!(got.model.as_deref(), Some("gpt-4o-mini-2024-07-18"));
}

#[test]
fn deepseek_cache_fields_and_responses_api() {
    let ds = r#"{"model":"deepseek-chat","usage":{"prompt_tokens":50,"completion_tokens":5,"prompt_cache_hit_tokens":32,"prompt_cache_miss_tokens":18}}"#;
    assert_eq!(from_json(ds).usage, Some(usage(50, 5, 32)));
    let resp = r#"{"object":"response","model":"gpt-4.1","usage":{"input_tokens":30,"input_tokens_details":{"cached_tokens":10},"output_tokens":7,"output_tokens_details":{"reasoning_tokens":2}}}"#;
    assert_eq!(from_json(resp).usage, Some(with(usage(30, 7, 10), 0, 2)));
}

#[test]
fn anthropic_json_counts_cache_in_input() {
    let body = r#"{"type":"message","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":10,"cache_creation_input_tokens":200,"cache_read_input_tokens":1000,"output_tokens":42}}"#;
    let got = from_json(body);
    assert_eq!(got.usage, Some(with(usage(1210, 42, 1000), 200, 0)));
    assert_eq!(got.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
}

#[test]
fn gemini_json_adds_thoughts_to_output() {
    let body = r#"{"candidates":[],"usageMetadata":{"promptTokenCount":80,"candidatesTokenCount":30,"thoughtsTokenCount":12,"cachedContentTokenCount":40,"totalTokenCount":122},"modelVersion":"gemini-2.5-flash"}"#;
    let got = from_json(body);
    assert_eq!(got.usage, Some(with(usage(80, 42, 40), 0, 12)));
    assert_eq!(got.model.as_deref(), Some("gemini-2.5-flash"));
    assert_eq!(from_json("not json"), Extracted::default());
    assert_eq!(from_json(r#"{"choices":[]}"#).usage, None);
}

#[test]
fn openai_stream_with_include_usage() {
    let raw = "data: {\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}\n\n\
               data: {\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"lo\"}}],\"usage\":null}\n\n\
               data: {\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\n\
               data: [DONE]\n\n";
    let got = run_stream(raw, None);
    assert_eq!(got.usage, Some(usage(9, 2, 0)));
    assert_eq!(got.model.as_deref(), Some("gpt-4o"));
}

#[test]
fn groq_stream_usage_in_x_groq() {
    let raw = "data: {\"model\":\"llama-3.3-70b-versatile\",\"choices\":[{\"delta\":{}}],\"x_groq\":{\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}}\n\n";
    assert_eq!(run_stream(raw, None).usage, Some(usage(12, 3, 0)));
}

#[test]
fn anthropic_stream_start_then_delta() {
    let raw = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":25,\"cache_read_input_tokens\":100,\"cache_creation_input_tokens\":0,\"output_tokens\":1}}}\n\n\
               event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n\
               event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":15}}\n\n\
               event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    let got = run_stream(raw, None);
    assert_eq!(got.usage, Some(usage(125, 15, 100)));
    assert_eq!(got.model.as_deref(), Some("claude-haiku-4-5"));
}

#[test]
fn anthropic_stream_input_is_never_lost_to_a_zero() {
    // message_start with the counts, message_delta repeating the input as 0 (seen from
    // Anthropic-compatible providers), and the reverse: the input is the one reported.
    let start = |input: u64, read: u64| {
        format!("event: message_start\ndata: {{\"type\":\"message_start\",\"message\":{{\"model\":\"m\",\"usage\":{{\"input_tokens\":{input},\"cache_read_input_tokens\":{read},\"cache_creation_input_tokens\":{read},\"output_tokens\":1}}}}}}\n\n")
    };
    let delta = |input: u64| {
        format!("event: message_delta\ndata: {{\"type\":\"message_delta\",\"delta\":{{\"stop_reason\":\"end_turn\"}},\"usage\":{{\"input_tokens\":{input},\"output_tokens\":15}}}}\n\n")
    };
    let zero_later = format!("{}{}", start(25, 10), delta(0));
    assert_eq!(run_stream(&zero_later, None).usage, Some(with(usage(45, 15, 10), 10, 0)));
    let zero_first = format!("{}{}", start(0, 0), delta(25));
    assert_eq!(run_stream(&zero_first, None).usage, Some(usage(25, 15, 0)));
}

#[test]
fn gemini_stream_takes_the_last_usage() {
    let raw = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}],\"usageMetadata\":{\"promptTokenCount\":7,\"candidatesTokenCount\":1},\"modelVersion\":\"gemini-2.5-pro\"}\r\n\r\n\
               data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"bc\"}]}}],\"usageMetadata\":{\"promptTokenCount\":7,\"candidatesTokenCount\":9,\"thoughtsTokenCount\":4},\"modelVersion\":\"gemini-2.5-pro\"}\r\n\r\n";
    let got = run_stream(raw, None);
    assert_eq!(got.usage, Some(with(usage(7, 13, 0), 0, 4)));
    assert_eq!(got.model.as_deref(), Some("gemini-2.5-pro"));
}

#[test]
fn stream_without_usage_is_estimated_from_text() {
    // 10 + 7 characters of request text, 9 characters streamed.
    let request = r#"{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Hello!!"}]}]}"#;
    assert_eq!(request_text_chars(request), 9 + 7);
    let raw = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi there\"}}]}\n\n\
               data: {\"choices\":[{\"delta\":{\"content\":\"!\"}}]}\n\ndata: [DONE]\n\n";
    let got = run_stream(raw, Some(request));
    let u = got.usage.unwrap();
    assert!(u.estimated);
    assert_eq!((u.input_tokens, u.output_tokens), (4, 3)); // ceil(16/4), ceil(9/4)
    let anthropic =
        "data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"12345\"}}\n\n";
    assert_eq!(run_stream(anthropic, None).usage.unwrap().output_tokens, 2);
    let gemini = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"abcdefghi\"}]}}]}\n\n";
    let gemini_request = r#"{"contents":[{"role":"user","parts":[{"text":"12345678"}]}]}"#;
    let u = run_stream(gemini, Some(gemini_request)).usage.unwrap();
    assert_eq!((u.input_tokens, u.output_tokens, u.estimated), (2, 3, true));
}

#[test]
fn model_from_request_and_path() {
    assert_eq!(model_from_request(r#"{"model":"gpt-4o","messages":[]}"#).as_deref(), Some("gpt-4o"));
    assert_eq!(model_from_request("{}"), None);
    assert_eq!(
        model_from_path("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse").as_deref(),
        Some("gemini-2.5-flash")
    );
    assert_eq!(
        model_from_path("/workers-ai/@cf/meta/llama-3.1-8b-instruct").as_deref(),
        Some("@cf/meta/llama-3.1-8b-instruct")
    );
    assert_eq!(model_from_path("/v1/chat/completions"), None);
}

#[test]
fn workers_ai_native_shapes() {
    let body = r#"{"result":{"response":"hi","usage":{"prompt_tokens":11,"completion_tokens":2,"total_tokens":13}},"success":true}"#;
    assert_eq!(from_json(body).usage, Some(usage(11, 2, 0)));
    let raw = "data: {\"response\":\"abcdef\",\"p\":\"x\"}\n\ndata: [DONE]\n\n";
    let u = run_stream(raw, None).usage.unwrap();
    assert_eq!((u.output_tokens, u.estimated), (2, true));
}

#[test]
fn counts_beyond_u64_saturate() {
    // Found by `usage_extract_props::any_response_yields_usage_with_cached_within_input`: the
    // Anthropic input sum and the Gemini output sum overflowed.
    let anthropic =
        format!(r#"{{"usage":{{"input_tokens":{},"cache_read_input_tokens":5,"output_tokens":1}}}}"#, u64::MAX);
    assert_eq!(from_json(&anthropic).usage, Some(usage(u64::MAX, 1, 5)));
    let gemini = format!(r#"{{"usageMetadata":{{"candidatesTokenCount":{},"thoughtsTokenCount":1}}}}"#, u64::MAX);
    assert_eq!(from_json(&gemini).usage.map(|u| u.output_tokens), Some(u64::MAX));
}
