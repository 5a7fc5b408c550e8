//! Unit tests of `error`.

use super::*;

#[test]
fn renders_openai_shape_with_status() {
    let err = GatewayError::new(ErrorKind::UnknownProvider, "unknown provider \"nope\"");
    assert_eq!(err.status(), 400);
    let body: serde_json::Value = serde_json::from_str(&err.to_json()).unwrap();
    assert_eq!(body["error"]["message"], "unknown provider \"nope\"");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert_eq!(body["error"]["code"], "unknown_provider");
}

#[test]
fn upstream_failures_are_retryable_and_client_ones_are_not() {
    let unreachable = GatewayError::new(ErrorKind::UpstreamUnreachable, "connect refused");
    assert_eq!(unreachable.status(), 502);
    assert_eq!(unreachable.fault(), Fault::Upstream);
    assert!(unreachable.is_retryable());
    assert_eq!(unreachable.error_type(), "upstream_error");

    let too_large = GatewayError::new(ErrorKind::PayloadTooLarge, "body too large");
    assert_eq!(too_large.status(), 413);
    assert_eq!(too_large.fault(), Fault::Client);
    assert!(!too_large.is_retryable());
}

#[test]
fn retry_advice_can_be_overridden() {
    let err = GatewayError::internal("kv hiccup").with_retryable(true);
    assert_eq!(err.fault(), Fault::Gateway);
    assert!(err.is_retryable());
    assert_eq!(err.error_type(), "api_error");
}

#[test]
fn scope_and_conflict_errors_are_client_faults_with_their_own_status() {
    let forbidden = GatewayError::new(ErrorKind::Forbidden, "out of scope");
    assert_eq!((forbidden.status(), forbidden.kind().code()), (403, "forbidden"));
    assert_eq!(forbidden.fault(), Fault::Client);
    assert!(!forbidden.is_retryable());
    let conflict = GatewayError::new(ErrorKind::Conflict, "exists");
    assert_eq!((conflict.status(), conflict.kind().code()), (409, "conflict"));
    assert_eq!(conflict.fault(), Fault::Client);
}
