use super::*;
use crate::cache::CacheStatus;
use crate::logs::headers::MetaValue;

const OPENAI_JSON: &str = r#"{"id":"x","model":"gpt-4o-mini-2024-07-18","choices":[],
  "usage":{"prompt_tokens":1000,"completion_tokens":500,"total_tokens":1500}}"#;

fn ctx(status: u16) -> RequestContext {
    RequestContext {
        method: "POST".into(),
        path: "/v1/acct/gw/openai/v1/chat/completions".into(),
        gateway_id: "gw".into(),
        provider: "openai",
        started_at_ms: 1000.0,
        upstream_headers_at_ms: Some(1040.0),
        finished_at_ms: Some(1100.0),
        status,
        ..RequestContext::default()
    }
}

fn log(options: LogOptions, custom: Option<CustomCost>) -> RequestLog {
    let settings = LogSettings { body_max_bytes: 64, ..LogSettings::default() };
    RequestLog::start(true, options, custom, &settings, 1000.0, [7; 10], None)
}

fn stored() -> LogOptions {
    LogOptions { collect: true, collect_payload: true, ..LogOptions::default() }
}

fn request(log: &mut RequestLog, body: &str) {
    let headers: Headers = [("user-agent", "sdk/1"), ("authorization", "Bearer sk-secret")].into_iter().collect();
    log.set_request(&headers, Some(Rc::from(body.as_bytes())));
}

#[test]
fn json_response_gives_usage_model_cost_and_timings() {
    let mut l = log(stored(), None);
    request(&mut l, r#"{"model":"gpt-4o-mini","messages":[]}"#);
    l.start_response(Some("application/json"));
    for part in OPENAI_JSON.as_bytes().chunks(7) {
        l.on_chunk(part);
    }
    let mut c = ctx(200);
    c.cache_status = Some(CacheStatus::Miss);
    let e = l.entry(&c, PriceTable::builtin());
    assert_eq!(e.id.len(), 26);
    assert_eq!((e.tokens_in, e.tokens_out, e.tokens_estimated), (1000, 500, false));
    assert_eq!(e.model, "gpt-4o-mini-2024-07-18");
    // gpt-4o-mini: 0.15 in, 0.6 out per million.
    let cost = e.cost.unwrap();
    assert!((cost - (1000.0 * 0.15 + 500.0 * 0.6) / 1e6).abs() < 1e-12, "{cost}");
    assert_eq!((e.duration_ms, e.ttfb_ms), (100, Some(40)));
    assert_eq!(e.endpoint, "/v1/chat/completions");
    assert_eq!(e.cache_status, Some(CacheStatus::Miss));
    assert_eq!(e.user_agent.as_deref(), Some("sdk/1"));
    assert!(e.success && e.error.is_none());
    // Bodies are cut to LOG_BODY_MAX_BYTES (64 here), with the original size.
    let body = e.response_body.unwrap();
    assert!(body.ends_with(&format!("{} bytes]", OPENAI_JSON.len())), "{body}");
    assert!(!format!("{:?}", e.request_body).contains("sk-secret"));
}

#[test]
fn stream_usage_is_read_from_events_and_estimated_when_missing() {
    let events = "data: {\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"abcdefgh\"}}]}\n\n\
                  data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4}}\n\ndata: [DONE]\n\n";
    let mut l = log(stored(), None);
    request(&mut l, r#"{"model":"gpt-4o","messages":[{"role":"user","content":"12345678"}]}"#);
    l.start_response(Some("text/event-stream; charset=utf-8"));
    for part in events.as_bytes().chunks(5) {
        l.on_chunk(part);
    }
    let e = l.entry(&ctx(200), PriceTable::builtin());
    assert_eq!((e.tokens_in, e.tokens_out, e.tokens_estimated), (9, 4, false));
    assert!(e.cost.is_some());

    let without_usage = "data: {\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"abcdefgh\"}}]}\n\n";
    let mut l = log(stored(), None);
    request(&mut l, r#"{"model":"gpt-4o","messages":[{"role":"user","content":"12345678"}]}"#);
    l.start_response(Some("text/event-stream"));
    l.on_chunk(without_usage.as_bytes());
    let e = l.entry(&ctx(200), PriceTable::builtin());
    assert_eq!((e.tokens_in, e.tokens_out, e.tokens_estimated), (2, 2, true));
}

#[test]
fn unknown_models_cost_null_and_custom_cost_wins() {
    let body = r#"{"model":"my-own-model","usage":{"prompt_tokens":10,"completion_tokens":5}}"#;
    let run = |custom| {
        let mut l = log(stored(), custom);
        request(&mut l, "{}");
        l.on_local_reply(&[("content-type", "application/json")].into_iter().collect(), body.as_bytes());
        l.entry(&ctx(200), PriceTable::builtin())
    };
    assert_eq!(run(None).cost, None);
    assert_eq!(run(Some(CustomCost::PerToken(crate::cost::custom::PerToken::new(0.5, 1.0)))).cost, Some(10.0));
    assert_eq!(run(Some(CustomCost::Total(0.25))).cost, Some(0.25));
}

#[test]
fn payload_opt_out_keeps_the_entry_without_bodies() {
    let options = LogOptions {
        collect: true,
        collect_payload: false,
        metadata: [("team".to_string(), MetaValue::String("a".into()))].into_iter().collect(),
    };
    let mut l = log(options, None);
    request(&mut l, r#"{"model":"gpt-4o-mini"}"#);
    l.start_response(Some("application/json"));
    l.on_chunk(OPENAI_JSON.as_bytes());
    let e = l.entry(&ctx(200), PriceTable::builtin());
    assert_eq!((e.request_body, e.response_body), (None, None));
    assert_eq!(e.tokens_in, 1000, "usage is still read");
    assert_eq!(e.metadata.len(), 1);
}

#[test]
fn errors_carry_the_provider_message_or_the_gateway_error() {
    let mut l = log(stored(), None);
    request(&mut l, "{}");
    l.start_response(Some("application/json"));
    l.on_chunk(br#"{"error":{"message":"rate limited","type":"rate_limit_error"}}"#);
    let e = l.entry(&ctx(429), PriceTable::builtin());
    assert!(!e.success);
    assert_eq!(e.error.as_deref(), Some("rate limited"));

    let l = log(stored(), None);
    let mut c = ctx(502);
    c.error = Some(GatewayError::internal("boom"));
    c.upstream_headers_at_ms = None;
    let e = l.entry(&c, PriceTable::builtin());
    assert_eq!(e.error.as_deref(), Some("boom"));
    assert_eq!(e.ttfb_ms, None);
}

#[test]
fn binary_bodies_are_counted_not_kept() {
    let mut l = log(stored(), None);
    request(&mut l, r#"{"model":"tts-1","input":"hi"}"#);
    l.start_response(Some("audio/mpeg"));
    l.on_chunk(&[0xff; 300]);
    let e = l.entry(&ctx(200), PriceTable::builtin());
    assert_eq!(e.response_body, None);
    assert_eq!(e.model, "tts-1");
}

#[test]
fn header_errors_name_the_header() {
    let settings = LogSettings::default();
    let bad_meta: Headers = [("cf-aig-metadata", r#"{"a":{}}"#)].into_iter().collect();
    assert!(parse_request_options(&bad_meta, &settings).unwrap_err().message().contains("cf-aig-metadata"));
    let bad_cost: Headers = [("cf-aig-custom-cost", "{}")].into_iter().collect();
    assert!(parse_request_options(&bad_cost, &settings).unwrap_err().message().contains("cf-aig-custom-cost"));
}

#[test]
fn a_cache_hit_costs_nothing_but_keeps_its_tokens() {
    let mut l = log(stored(), None);
    request(&mut l, r#"{"model":"gpt-4o-mini","messages":[]}"#);
    let headers: Headers = [("content-type", "application/json")].into_iter().collect();
    l.on_local_reply(&headers, OPENAI_JSON.as_bytes());
    let mut c = ctx(200);
    c.cache_status = Some(CacheStatus::Hit);
    let e = l.entry(&c, PriceTable::builtin());
    assert_eq!((e.tokens_in, e.tokens_out), (1000, 500));
    assert_eq!(e.cost, Some(0.0));
    assert_eq!(e.cache_status, Some(CacheStatus::Hit));
}

#[test]
fn a_huge_json_body_gives_its_tail_usage_while_only_the_log_limit_is_kept() {
    let mut l = log(stored(), None);
    request(&mut l, r#"{"model":"gpt-4o-mini","messages":[]}"#);
    l.start_response(Some("application/json; charset=utf-8"));
    l.on_chunk(br#"{"id":"x","model":"gpt-4o-mini-2024-07-18","choices":[{"message":{"content":""#);
    let piece = [b'a'; 64 * 1024];
    for _ in 0..(6 * 16) {
        l.on_chunk(&piece);
    }
    l.on_chunk(br#""}}],"usage":{"prompt_tokens":7,"completion_tokens":9}}"#);
    assert!(l.kept.len() <= 64, "kept {} bytes", l.kept.len());
    let e = l.entry(&ctx(200), PriceTable::builtin());
    assert_eq!((e.tokens_in, e.tokens_out, e.tokens_estimated), (7, 9, false));
    assert!(e.response_body.unwrap().ends_with(&format!("{} bytes]", 6 * 1024 * 1024 + 132)));
}

#[test]
fn an_error_message_is_read_even_when_payloads_are_not_logged() {
    let mut l = log(LogOptions { collect: true, collect_payload: false, ..LogOptions::default() }, None);
    l.start_response(Some("application/json"));
    l.on_chunk(br#"{"error":{"message":"Incorrect API key","type":"invalid_request_error"}}"#);
    let e = l.entry(&ctx(401), PriceTable::builtin());
    assert_eq!(e.error.as_deref(), Some("Incorrect API key"));
    assert!(e.response_body.is_none());
}
