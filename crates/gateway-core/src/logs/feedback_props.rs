//! Property tests of feedback bodies (`PATCH /api/logs/{id}`): any body is a patch within the
//! rules or a 400, and a valid patch written as JSON reads back.

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::strategies::{assert_client_error, config, shaped_body, Shape};

const FEEDBACK: Shape = Shape::Obj(&[
    ("feedback", Shape::Opt(&Shape::OneOf(&[Shape::Int(0, 2), Shape::Num]))),
    ("score", Shape::Opt(&Shape::OneOf(&[Shape::Int(0, 120), Shape::Num]))),
    ("comment", Shape::Opt(&Shape::Text)),
]);

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn any_body_is_a_patch_within_the_rules_or_a_client_error(body in shaped_body(&FEEDBACK)) {
        let Ok(text) = std::str::from_utf8(&body) else { return Ok(()) };
        match parse_feedback(text) {
            Ok(patch) => {
                prop_assert!(patch != FeedbackPatch::default());
                prop_assert!(patch.feedback.is_none_or(|f| f == 1 || f == -1));
                prop_assert!(patch.score.is_none_or(|s| (0.0..=100.0).contains(&s)));
                prop_assert!(patch.comment.as_ref().is_none_or(|c| c.chars().count() <= MAX_COMMENT_CHARS));
            }
            Err(e) => assert_client_error(&e)?,
        }
    }

    #[test]
    fn valid_patches_read_back(
        feedback in proptest::option::of(prop_oneof![Just(1i8), Just(-1i8)]),
        score in proptest::option::of(0u8..=100),
        comment in proptest::option::of(".{0,40}"),
    ) {
        prop_assume!(feedback.is_some() || score.is_some() || comment.is_some());
        let mut body = serde_json::Map::new();
        body.extend(feedback.map(|f| ("feedback".to_string(), json!(f))));
        body.extend(score.map(|s| ("score".to_string(), json!(s))));
        body.extend(comment.clone().map(|c| ("comment".to_string(), json!(c))));
        let patch = parse_feedback(&serde_json::Value::Object(body).to_string()).unwrap();
        prop_assert_eq!(patch, FeedbackPatch { feedback, score: score.map(f64::from), comment });
    }
}
