use super::*;

const ALLOWED: &[&str] = &["name", "on", "n", "list", "meta"];

fn body(json: &str) -> Body {
    Body::parse(json.as_bytes(), ALLOWED).unwrap()
}

#[test]
fn unknown_fields_and_non_objects_are_refused_naming_the_field() {
    let err = Body::parse(br#"{"name":"a","nmae":"b"}"#, ALLOWED).unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(err.message().contains("`nmae`"), "{}", err.message());
    for bad in ["[]", "\"x\"", "not json", ""] {
        assert_eq!(Body::parse(bad.as_bytes(), ALLOWED).unwrap_err().status(), 400, "{bad:?}");
    }
}

#[test]
fn type_errors_name_the_field() {
    let b = body(r#"{"name":5,"on":"yes","n":-1,"list":[1],"meta":[]}"#);
    for (field, err) in [
        ("name", b.string("name", 10).unwrap_err()),
        ("on", b.opt_bool("on").unwrap_err()),
        ("n", b.opt_u64("n", 0, 10).unwrap_err()),
        ("list", b.opt_strings("list", 4, "non-empty", |s| !s.is_empty()).unwrap_err()),
        ("meta", b.opt_object("meta", 100).unwrap_err()),
    ] {
        assert_eq!(err.status(), 400);
        assert!(err.message().contains(&format!("`{field}`")), "{}", err.message());
    }
}

#[test]
fn values_are_read_with_their_bounds() {
    let b = body(r#"{"name":"  x  ","on":false,"n":7,"list":["a","b"],"meta":{"k":1}}"#);
    assert_eq!(b.string("name", 10).unwrap(), "x");
    assert_eq!(b.opt_bool("on").unwrap(), Some(false));
    assert_eq!(b.opt_u64("n", 0, 10).unwrap(), Some(7));
    assert!(b.opt_u64("n", 8, 10).is_err());
    assert_eq!(b.opt_strings("list", 4, "", |_| true).unwrap(), Some(vec!["a".to_string(), "b".to_string()]));
    assert!(b.opt_strings("list", 1, "", |_| true).is_err());
    assert!(b.opt_strings("list", 4, "", |s| s == "a").is_err());
    assert_eq!(b.opt_object("meta", 100).unwrap().unwrap()["k"], 1);
    assert!(b.opt_object("meta", 3).is_err());
    assert!(body(r#"{"name":"   "}"#).string("name", 10).is_err());
    assert!(body(r#"{"name":"abcdef"}"#).string("name", 5).is_err());
}

#[test]
fn absent_and_null_mean_unset() {
    let b = body(r#"{"on":null,"n":null}"#);
    assert_eq!(b.opt_bool("on").unwrap(), None);
    assert_eq!(b.opt_u64("n", 0, 1).unwrap(), None);
    assert_eq!(b.opt_string("name", 5).unwrap(), None);
    assert!(b.has("on") && !b.has("name"));
    assert!(b.string("name", 5).is_err());
    assert!(body(r#"{"list":null}"#).opt_strings("list", 4, "", |_| true).is_err());
}
