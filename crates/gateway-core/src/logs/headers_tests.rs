use super::*;

fn headers(pairs: &[(&str, &str)]) -> Headers {
    pairs.iter().map(|(n, v)| (*n, *v)).collect()
}

#[test]
fn metadata_accepts_strings_numbers_booleans() {
    let opts = parse_log_options(
        &headers(&[("CF-AIG-Metadata", r#"{"user":"u1","n":3,"f":1.5,"b":true,"team":"x"}"#)]),
        &LogSettings::default(),
    )
    .unwrap();
    assert_eq!(opts.metadata.len(), 5);
    assert_eq!(opts.metadata["user"], MetaValue::String("u1".into()));
    assert_eq!(opts.metadata["b"], MetaValue::Bool(true));
    assert_eq!(serde_json::to_string(&opts.metadata["f"]).unwrap(), "1.5");
    assert!(opts.collect && opts.collect_payload);
}

#[test]
fn metadata_failures_name_the_header_and_rule() {
    let cases = [
        ("not json", "not valid JSON"),
        ("[1,2]", "array"),
        ("\"s\"", "string"),
        (r#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}"#, "6 entries"),
        (r#"{"a":{"x":1}}"#, "object"),
        (r#"{"a":[1]}"#, "array"),
        (r#"{"a":null}"#, "null"),
    ];
    for (raw, what) in cases {
        let err = parse_log_options(&headers(&[("cf-aig-metadata", raw)]), &LogSettings::default()).unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains("cf-aig-metadata"), "{}", err.message());
        assert!(err.message().contains("at most 5 entries"), "{}", err.message());
        assert!(err.message().contains(what), "{raw}: {}", err.message());
    }
}

#[test]
fn collect_log_inverts_the_default_per_request() {
    let off = LogSettings { enabled: false, ..LogSettings::default() };
    let on = LogSettings::default();
    assert!(!parse_log_options(&headers(&[]), &off).unwrap().collect);
    assert!(parse_log_options(&headers(&[("cf-aig-collect-log", "true")]), &off).unwrap().collect);
    assert!(!parse_log_options(&headers(&[("cf-aig-collect-log", "False")]), &on).unwrap().collect);
    let err = parse_log_options(&headers(&[("cf-aig-collect-log", "0")]), &on).unwrap_err();
    assert!(err.message().contains("cf-aig-collect-log"), "{}", err.message());
}

#[test]
fn payload_opt_out_keeps_the_entry() {
    let opts =
        parse_log_options(&headers(&[("cf-aig-collect-log-payload", "false")]), &LogSettings::default()).unwrap();
    assert!(opts.collect);
    assert!(!opts.collect_payload);
    let err =
        parse_log_options(&headers(&[("cf-aig-collect-log-payload", "nope")]), &LogSettings::default()).unwrap_err();
    assert!(err.message().contains("cf-aig-collect-log-payload"), "{}", err.message());
}
