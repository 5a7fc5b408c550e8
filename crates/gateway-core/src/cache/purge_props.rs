//! Property tests of purge bodies: any body is a plan or a 400, and no plan reaches outside the
//! gateway's own keys.

use proptest::prelude::*;

use super::*;
use crate::strategies::{assert_client_error, config, shaped_body, Shape};

const KV_KEY: &str = "v1/gw/0000000000000000000000000000000000000000000000000000000000000000";

const KEY: Shape = Shape::OneOf(&[Shape::Text, Shape::Str(&[KV_KEY, "my-key"], &["v1/other/x", "v1/gw/", "*", ""])]);
const LOG_ID: Shape = Shape::Str(&["01J00000000000000000000000"], &["../x", "", "*"]);

/// Exactly one field when clean.
const PURGE: Shape = Shape::OneOf(&[
    Shape::Obj(&[("key", KEY), ("all", Shape::Rare(&Shape::Bool))]),
    Shape::Obj(&[("log_id", LOG_ID), ("key", Shape::Rare(&KEY))]),
    Shape::Obj(&[("all", Shape::Bool)]),
]);

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn any_body_is_a_plan_inside_the_gateway_or_a_client_error(body in shaped_body(&PURGE)) {
        let prefix = gateway_prefix("gw");
        match parse_purge("gw", &body) {
            Ok(PurgePlan::Key { kv_key, custom_prefix }) => {
                prop_assert!(kv_key.iter().all(|k| k.starts_with(&prefix)), "{:?}", kv_key);
                prop_assert!(custom_prefix.starts_with(&prefix), "{}", custom_prefix);
            }
            Ok(PurgePlan::LogIndex { index_key }) => prop_assert!(index_key.starts_with(&prefix)),
            Ok(PurgePlan::Prefix(p)) => prop_assert_eq!(p, prefix),
            Err(e) => assert_client_error(&e)?,
        }
    }
}
