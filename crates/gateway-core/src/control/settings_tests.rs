use super::*;

fn settings(vars: &[(&str, &str)]) -> Result<ControlSettings, GatewayError> {
    ControlSettings::from_env(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string()))
}

#[test]
fn nothing_set_reads_no_gateway_and_knows_no_pepper() {
    let s = settings(&[]).unwrap();
    assert!(!s.stored_gateways && !s.strict);
    assert!(s.pepper().is_none());
    assert!(settings(&[("VIRTUAL_KEY_PEPPER", "  ")]).unwrap().pepper().is_none());
}

#[test]
fn strict_implies_stored_gateways() {
    let s = settings(&[("GATEWAYS_STRICT", "true")]).unwrap();
    assert!(s.stored_gateways && s.strict);
    let s = settings(&[("STORED_GATEWAYS", "true")]).unwrap();
    assert!(s.stored_gateways && !s.strict);
}

#[test]
fn a_bad_flag_is_named_and_the_pepper_never_printed() {
    let err = settings(&[("STORED_GATEWAYS", "yes")]).unwrap_err();
    assert_eq!(err.status(), 500);
    assert!(err.message().contains("STORED_GATEWAYS"), "{}", err.message());
    let s = settings(&[("VIRTUAL_KEY_PEPPER", "pepper-value")]).unwrap();
    assert_eq!(s.pepper(), Some(&b"pepper-value"[..]));
    assert!(!format!("{s:?}").contains("pepper-value"));
}
