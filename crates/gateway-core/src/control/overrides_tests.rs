use super::*;
use crate::resilience::retry::Backoff;

fn read(json: &str, base: Overrides) -> Result<Overrides, GatewayError> {
    Overrides::read(&Body::parse(json.as_bytes(), FIELDS)?, base)
}

#[test]
fn every_field_is_read() {
    let o = read(
        r#"{"cache_ttl":300,"collect_logs":false,"collect_log_payloads":true,
            "retry":{"maxAttempts":3,"retryDelay":250,"backoff":"exponential","requestTimeout":9000}}"#,
        Overrides::default(),
    )
    .unwrap();
    assert_eq!(o.cache_ttl_s, Some(300));
    assert_eq!(o.collect_logs, Some(false));
    assert_eq!(o.collect_log_payloads, Some(true));
    assert_eq!(
        o.retry,
        RetryOverrides {
            request_timeout_ms: Some(9000),
            max_attempts: Some(3),
            retry_delay_ms: Some(250),
            backoff: Some(Backoff::Exponential)
        }
    );
}

#[test]
fn absent_keeps_the_base_and_null_unsets() {
    let base =
        read(r#"{"cache_ttl":300,"collect_logs":false,"retry":{"maxAttempts":2}}"#, Overrides::default()).unwrap();
    let patched = read(r#"{"cache_ttl":null,"collect_log_payloads":false}"#, base).unwrap();
    assert_eq!(patched.cache_ttl_s, None);
    assert_eq!(patched.collect_logs, Some(false));
    assert_eq!(patched.collect_log_payloads, Some(false));
    assert_eq!(patched.retry.max_attempts, Some(2));
    assert_eq!(read(r#"{"retry":null}"#, base).unwrap().retry, RetryOverrides::default());
}

#[test]
fn bad_values_are_refused_naming_the_field() {
    for (json, field) in [
        (r#"{"cache_ttl":30}"#, "cache_ttl"),
        (r#"{"cache_ttl":2592001}"#, "cache_ttl"),
        (r#"{"cache_ttl":"300"}"#, "cache_ttl"),
        (r#"{"collect_logs":"no"}"#, "collect_logs"),
        (r#"{"retry":{"maxAttempts":9}}"#, "retry.maxAttempts"),
        (r#"{"retry":{"backoff":"fast"}}"#, "retry.backoff"),
        (r#"{"retry":{"attempts":2}}"#, "retry.attempts"),
        (r#"{"retry":[]}"#, "retry"),
        (r#"{"cache":1}"#, "cache"),
    ] {
        let err = read(json, Overrides::default()).unwrap_err();
        assert_eq!(err.status(), 400, "{json}");
        assert!(err.message().contains(field), "{json}: {}", err.message());
    }
    assert_eq!(read(r#"{"cache_ttl":0}"#, Overrides::default()).unwrap().cache_ttl_s, Some(0));
}

#[test]
fn stored_json_round_trips_and_leaves_unset_retry_fields_out() {
    let o = read(r#"{"cache_ttl":120,"retry":{"backoff":"linear"}}"#, Overrides::default()).unwrap();
    let json = serde_json::to_value(o).unwrap();
    assert_eq!(json["retry"], serde_json::json!({"backoff": "linear"}));
    assert_eq!(json["cache_ttl"], 120);
    assert_eq!(serde_json::from_value::<Overrides>(json).unwrap(), o);
}
