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

#[test]
fn an_unreachable_upstream_names_its_host_and_the_likely_cause() {
    let dns = GatewayError::upstream_unreachable(
        "https://no-such-host.invalid/v1/chat/completions",
        "internal error; reference = vg19jtvvp4auqd31ai2js8tr",
    );
    assert_eq!((dns.status(), dns.kind()), (502, ErrorKind::UpstreamUnreachable));
    assert_eq!(
        dns.message(),
        "could not reach the provider at https://no-such-host.invalid/v1/chat/completions: the name \
         no-such-host.invalid could not be resolved, or its TLS handshake failed (the runtime says only \
         \"internal error; reference = vg19jtvvp4auqd31ai2js8tr\"): check the host name, that it serves HTTPS on \
         that port, and the network"
    );
    let plain = GatewayError::upstream_unreachable("http://no-such-host.invalid/v1", "internal error; reference = x1");
    assert_eq!(
        plain.message(),
        "could not reach the provider at http://no-such-host.invalid/v1: the name no-such-host.invalid could not \
         be resolved (DNS lookup failed; the runtime says only \"internal error; reference = x1\"): check the host \
         name and the network"
    );

    let refused = GatewayError::upstream_unreachable("http://127.0.0.1:9/v1/messages", "Network connection lost.");
    assert_eq!(
        refused.message(),
        "could not reach the provider at http://127.0.0.1:9/v1/messages: the connection to 127.0.0.1:9 was refused \
         or lost: check that the provider listens there"
    );

    let other = GatewayError::upstream_unreachable("https://api.example/v1", "TLS handshake failed");
    assert_eq!(other.message(), "could not reach the provider at https://api.example/v1: TLS handshake failed");
}

#[test]
fn the_host_named_never_carries_credentials() {
    assert_eq!(host_of("https://user:secret@api.example:8443/v1?x=1"), "api.example:8443");
    assert_eq!(host_of("http://h.example"), "h.example");
    assert_eq!(host_of("not a url"), "not a url");
}
