use pollster::block_on;
use serde_json::json;

use super::*;
use crate::headers::Headers;

fn redact(config: Value, text: &str) -> (String, Vec<GuardrailEvent>) {
    let plugin = build(&config).unwrap();
    let headers = Headers::new();
    let body = json!({"messages": [{"role": "user", "content": text}]}).to_string();
    let mut request = PromptRequest::new("POST", "/", &headers, Some(body.as_bytes()));
    let mut ctx = RequestContext::default();
    assert!(block_on(plugin.on_request(&mut ctx, &mut request)).unwrap().is_none());
    let out = match request.into_changed_body() {
        Some(bytes) => {
            serde_json::from_slice::<Value>(&bytes).unwrap()["messages"][0]["content"].as_str().unwrap().to_string()
        }
        None => text.to_string(),
    };
    (out, ctx.guardrails)
}

#[test]
fn each_kind_is_replaced_by_its_placeholder() {
    let (out, events) = redact(
        Value::Null,
        "mail ada@example.com, card 4111 1111 1111 1111, iban GB82 WEST 1234 5698 7654 32, ip 192.168.1.20, phone +1 (415) 555-0132",
    );
    assert_eq!(out, "mail [EMAIL], card [CREDIT_CARD], iban [IBAN], ip [IP], phone [PHONE]");
    let kinds: Vec<&str> = events.iter().map(|e| e.rule.as_str()).collect();
    assert_eq!(kinds, ["credit_card", "iban", "email", "ip", "phone"]);
    assert!(events.iter().all(|e| e.action == Action::Redact));
}

#[test]
fn checksums_keep_ordinary_numbers() {
    // Not a Luhn number, not a valid IBAN, not an address: left alone.
    let (out, events) = redact(Value::Null, "order 4111 1111 1111 1112, ref GB00WEST12345698765432, version 1.2.3.999");
    assert_eq!(out, "order 4111 1111 1111 1112, ref GB00WEST12345698765432, version 1.2.3.999");
    assert!(events.is_empty(), "{events:?}");
    assert!(luhn("4111-1111-1111-1111") && !luhn("1234"));
    assert!(iban_valid("DE89 3704 0044 0532 0130 00") && !iban_valid("DE89 3704 0044 0532 0130 01"));
}

#[test]
fn only_the_kinds_asked_for_and_named_patterns() {
    let (out, _) = redact(
        json!({"detect": ["email"], "patterns": {"employee_id": "E-\\d{6}"}}),
        "ada@example.com E-123456 192.168.1.1",
    );
    assert_eq!(out, "[EMAIL] [EMPLOYEE_ID] 192.168.1.1");
    for (config, field) in [
        (json!({"detect": ["ssn"]}), "ssn"),
        (json!({"patterns": {"bad name": "x"}}), "patterns.bad name"),
        (json!({"patterns": {"p": "("}}), "patterns.p"),
    ] {
        let err = build(&config).err().unwrap();
        assert!(err.contains(field), "{field}: {err}");
    }
}
