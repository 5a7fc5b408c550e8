use super::*;

#[test]
fn defaults_when_unset() {
    let s = LogSettings::from_vars(None, Some(""), None, None, None, Some(" ")).unwrap();
    assert_eq!(s, LogSettings::default());
    assert_eq!(s.batch_ms, 1000);
    assert!(s.enabled);
    assert_eq!(s.body_max_bytes, 65536);
}

#[test]
fn parses_every_variable() {
    assert_eq!(LogSettings::from_vars(None, Some("983040"), None, None, None, None).unwrap().body_max_bytes, 983040);
    let s = LogSettings::from_vars(Some("FALSE"), Some("100"), Some("0"), Some("500"), Some("8"), Some("0")).unwrap();
    assert!(!s.enabled);
    assert_eq!(s.body_max_bytes, 100);
    assert_eq!(s.retention_days, None);
    assert_eq!(s.max_rows_per_shard, Some(500));
    assert_eq!(s.shards, 8);
    assert_eq!(s.batch_ms, 0);
    assert_eq!(LogSettings::from_vars(None, None, None, None, None, Some("10000")).unwrap().batch_ms, 10_000);
}

#[test]
fn errors_name_the_variable() {
    let bad = ["yes", "983041", "week", "1e6", "0", "10001"];
    for (i, name) in VARIABLES.iter().enumerate() {
        let mut vars: [Option<&str>; 6] = [None; 6];
        vars[i] = Some(bad[i]);
        let err = LogSettings::from_vars(vars[0], vars[1], vars[2], vars[3], vars[4], vars[5]).unwrap_err();
        assert_eq!(err.status(), 500);
        assert!(err.message().contains(name), "{}", err.message());
    }
}
