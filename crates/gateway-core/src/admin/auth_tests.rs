use super::*;

fn bearer(token: &str) -> Headers {
    [("authorization", format!("Bearer {token}"))].into_iter().collect()
}

#[test]
fn without_a_configured_token_everyone_is_refused() {
    for configured in [None, Some(""), Some("  ")] {
        let err = authorize(&bearer("anything"), configured).unwrap_err();
        assert_eq!(err.status(), 401);
        assert!(err.message().contains("ADMIN_TOKEN"), "{}", err.message());
    }
}

#[test]
fn only_the_exact_token_passes() {
    assert!(authorize(&bearer("s3cret"), Some("s3cret")).is_ok());
    for wrong in ["s3cre", "s3cret!", "S3cret", "", "x"] {
        assert_eq!(authorize(&bearer(wrong), Some("s3cret")).unwrap_err().status(), 401, "{wrong:?}");
    }
    assert_eq!(authorize(&Headers::new(), Some("s3cret")).unwrap_err().status(), 401);
    let basic: Headers = [("authorization", "Basic czNjcmV0")].into_iter().collect();
    assert_eq!(authorize(&basic, Some("s3cret")).unwrap_err().status(), 401);
}
