//! Unit tests of `cache::entry`.

use super::*;

fn response_headers() -> Headers {
    [
        ("content-type", "application/json"),
        ("set-cookie", "session=1"),
        ("authorization", "Bearer leaked"),
        ("x-request-id", "req_1"),
        ("content-length", "12"),
        ("content-encoding", "gzip"),
        ("openai-model", "gpt-4o"),
        ("x-ratelimit-remaining-requests", "99"),
    ]
    .into_iter()
    .collect()
}

fn sample(body: &[u8]) -> CacheEntry {
    CacheEntry::from_response(200, &response_headers(), body.to_vec(), Some("01HLOG".into()), 1_000.0)
        .expect("2xx is cacheable")
}

#[test]
fn from_response_keeps_only_allowed_headers() {
    let entry = sample(b"{}");
    assert_eq!(
        entry.headers,
        vec![("content-type".to_string(), "application/json".to_string()), ("openai-model".into(), "gpt-4o".into())]
    );
    assert!(!entry.sse);
    assert_eq!(entry.stored_at_ms, 1_000.0);
}

#[test]
fn only_2xx_is_stored() {
    for status in [199, 300, 304, 400, 429, 500] {
        assert!(CacheEntry::from_response(status, &Headers::new(), vec![], None, 0.0).is_none(), "{status}");
    }
    for status in [200, 201, 299] {
        assert!(CacheEntry::from_response(status, &Headers::new(), vec![], None, 0.0).is_some(), "{status}");
    }
}

#[test]
fn event_stream_is_detected_from_content_type() {
    for (ct, sse) in [
        ("text/event-stream", true),
        ("Text/Event-Stream; charset=utf-8", true),
        ("application/json", false),
        ("text/event-streams", false),
    ] {
        let headers: Headers = [("content-type", ct)].into_iter().collect();
        assert_eq!(is_event_stream(&headers), sse, "{ct}");
        let entry = CacheEntry::from_response(200, &headers, vec![], None, 0.0).expect("2xx");
        assert_eq!(entry.sse, sse);
    }
    assert!(!is_event_stream(&Headers::new()));
}

#[test]
fn encode_decode_round_trip_with_binary_body() {
    let body: Vec<u8> = (0..=255u8).chain(b"\n\n{\"v\":2}\n".iter().copied()).collect();
    let mut entry = sample(&body);
    entry.sse = true;
    entry.headers.push(("content-disposition".into(), "attachment; filename=\"a\nb\"".into()));
    let encoded = entry.encode(KV_MAX_VALUE_BYTES).expect("fits");
    assert_eq!(CacheEntry::decode(&encoded), Ok(entry.clone()));
    let no_log = CacheEntry { log_id: None, body: vec![], ..entry };
    assert_eq!(CacheEntry::decode(&no_log.encode(1 << 20).expect("fits")), Ok(no_log));
}

#[test]
fn encode_refuses_values_over_the_limit() {
    let entry = sample(&[b'x'; 1000]);
    let size = entry.encode(usize::MAX).expect("fits").len();
    assert!(size > 1000);
    assert_eq!(entry.encode(size).map(|v| v.len()), Some(size));
    assert_eq!(entry.encode(size - 1), None);
}

#[test]
fn decode_rejects_garbage() {
    let good = sample(b"hello").encode(KV_MAX_VALUE_BYTES).expect("fits");
    let newline = good.iter().position(|&b| b == b'\n').expect("header line");
    let header = std::str::from_utf8(&good[..newline]).expect("utf-8");
    let with_header = |h: String, body: &[u8]| [h.as_bytes(), b"\n", body].concat();

    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "no header line"),
        (b"plain text without newline".to_vec(), "no header line"),
        (b"not json\nbody".to_vec(), "header line is not a cache entry"),
        (b"{}\nbody".to_vec(), "header line is not a cache entry"),
        (good[..good.len() - 1].to_vec(), "body is 4 bytes, header says 5"),
        ([&good[..], b"!"].concat(), "body is 6 bytes, header says 5"),
        (with_header(header.replace("\"v\":1", "\"v\":2"), b"hello"), "unknown cache entry version 2"),
        (with_header(header.replace("\"status\":200", "\"status\":500"), b"hello"), "stored status 500 is not 2xx"),
    ];
    for (value, expected) in cases {
        let err = CacheEntry::decode(&value).expect_err(expected);
        assert!(err.0.starts_with(expected), "{:?} should start with {expected:?}", err.0);
    }
}

#[test]
fn age_is_whole_seconds_and_never_negative() {
    let entry = sample(b"");
    assert_eq!(entry.age_s(1_000.0), 0);
    assert_eq!(entry.age_s(1_999.0), 0);
    assert_eq!(entry.age_s(2_000.0), 1);
    assert_eq!(entry.age_s(3_601_000.0), 3600);
    assert_eq!(entry.age_s(0.0), 0, "a clock behind the writer's gives 0");
    assert_eq!(entry.age_s(f64::NAN), 0);
}

#[test]
fn hit_headers_carry_stored_headers_status_and_age() {
    let headers = sample(b"").hit_headers(43_500.0);
    assert_eq!(headers.get("content-type"), Some("application/json"));
    assert_eq!(headers.get("cf-aig-cache-status"), Some("HIT"));
    assert_eq!(headers.get("age"), Some("42"));
    assert_eq!(headers.get("set-cookie"), None);
}

#[test]
fn status_header_values() {
    let mut headers: Headers = [("age", "5")].into_iter().collect();
    CacheStatus::Miss.apply(&mut headers, None);
    assert_eq!(headers.get(CACHE_STATUS_HEADER), Some("MISS"));
    assert_eq!(headers.get("age"), None, "a stale age from upstream is not kept on a miss");
    CacheStatus::Bypass.apply(&mut headers, Some(3));
    assert_eq!(headers.get(CACHE_STATUS_HEADER), Some("BYPASS"));
    assert_eq!(headers.get("age"), None);
    CacheStatus::Hit.apply(&mut headers, Some(7));
    assert_eq!(headers.get(CACHE_STATUS_HEADER), Some("HIT"));
    assert_eq!(headers.get("age"), Some("7"));
    assert_eq!(headers.len(), 2);
}
